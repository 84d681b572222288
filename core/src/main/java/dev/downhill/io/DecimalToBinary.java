package dev.downhill.io;

import java.math.BigInteger;

/**
 * w·10^q rounded correctly to float64 or float32 for a decimal significand w of up to 19 digits, by the Eisel–Lemire
 * method checked by an interval: the readers' path for the 16–19-digit literals that programs write (Java's and
 * Python's shortest round-trip forms, NumPy's {@code savetxt} default {@code %.18e}), which Clinger's fast path
 * ({@link DecimalText}) does not take.
 *
 * <p>5^q for q in [{@value #MIN_Q}, {@value #MAX_Q}] is held as T_q, the 128 leading bits of 5^q (q ≥ 0) or of 2^k/5^−q
 * (q &lt; 0), rounded down, with 5^q = T*_q·2^{E_q} and T_q ≤ T*_q &lt; T_q + 1 (computed once with BigInteger). With w
 * shifted left to fill 64 bits (w' = w·2^z), w·10^q = (w'·T*_q)·2^{E_q + q − z}, and the exact 192-bit product P = w'·T_q
 * bounds w'·T*_q within [P, P + w'). When every value of that interval rounds to the same float64 (or float32) — the
 * interval holds no midpoint between two neighbouring results, and its lower end is not itself a midpoint — that is the
 * correctly rounded value; otherwise (ties, values a hair from one, results outside the normal range) the caller's full
 * parse decides. So a result is either provably right or not given.
 */
final class DecimalToBinary {
    static final int MIN_Q = -342;
    static final int MAX_Q = 308;
    private static final long[] HIGH = new long[MAX_Q - MIN_Q + 1];
    private static final long[] LOW = new long[MAX_Q - MIN_Q + 1];
    private static final int[] EXPONENT = new int[MAX_Q - MIN_Q + 1];

    static {
        BigInteger five = BigInteger.valueOf(5);
        BigInteger mask = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
        for (int q = MIN_Q; q <= MAX_Q; q++) {
            BigInteger t;
            int e;
            if (q >= 0) {
                BigInteger p = five.pow(q);
                int shift = p.bitLength() - 128;
                t = shift >= 0 ? p.shiftRight(shift) : p.shiftLeft(-shift); // rounded down
                e = shift; // 5^q = T*·2^shift
            } else {
                BigInteger d = five.pow(-q);
                int k = d.bitLength() + 127;
                t = BigInteger.ONE.shiftLeft(k).divide(d); // in (2^127, 2^128), rounded down
                e = -k; // 5^q = (2^k/5^−q)·2^−k
            }
            if (t.bitLength() != 128) {
                throw new AssertionError("T_" + q + " has " + t.bitLength() + " bits");
            }
            HIGH[q - MIN_Q] = t.shiftRight(64).longValue();
            LOW[q - MIN_Q] = t.and(mask).longValue();
            EXPONENT[q - MIN_Q] = e;
        }
    }

    private DecimalToBinary() {
    }

    /** The high 64 bits of the unsigned 128-bit product a·b. */
    private static long unsignedMultiplyHigh(long a, long b) {
        return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
    }

    /**
     * w·10^q (w read as unsigned, not 0) rounded to float64 ({@code float32} false) or float32, as a double; NaN when the
     * interval cannot decide (see the class comment) or q lies outside the table.
     */
    static double convert(long w, int q, boolean float32) {
        if (q < MIN_Q || q > MAX_Q || w == 0) {
            return Double.NaN;
        }
        int z = Long.numberOfLeadingZeros(w);
        long wn = w << z;
        int i = q - MIN_Q;
        long th = HIGH[i];
        long tl = LOW[i];
        // P = wn·(th·2^64 + tl) = (p2, p1, p0)
        long a1 = unsignedMultiplyHigh(wn, th);
        long a0 = wn * th;
        long b1 = unsignedMultiplyHigh(wn, tl);
        long b0 = wn * tl;
        long p0 = b0;
        long p1 = a0 + b1;
        long p2 = a1 + (Long.compareUnsigned(p1, a0) < 0 ? 1 : 0);
        // U − 1 = P + wn − 1 (the interval's last value)
        long u0 = p0 + (wn - 1);
        long carry = Long.compareUnsigned(u0, p0) < 0 ? 1 : 0;
        long u1 = p1 + carry;
        carry = carry == 1 && u1 == 0 ? 1 : 0;
        long u2 = p2 + carry;
        if (carry == 1 && u2 == 0) {
            return Double.NaN; // past 2^192
        }
        int top = 191 - Long.numberOfLeadingZeros(p2); // P ≥ 2^190
        if (191 - Long.numberOfLeadingZeros(u2) != top) {
            return Double.NaN; // the interval crosses a power of two
        }
        int bits = float32 ? 24 : 53;
        // the result's significand: bits [top − bits + 1, top] of P; its rounding bit: top − bits; all in p2 (top − bits ≥ 137)
        int drop = top - bits + 1 - 128; // the bits of p2 below the significand
        long half = 1L << (drop - 1);
        long lowBits = p2 & ((1L << drop) - 1);
        long significand = p2 >>> drop;
        long last = u2 >>> drop;
        long lastLow = u2 & ((1L << drop) - 1);
        long rounded = significand + ((lowBits & half) != 0 ? 1 : 0); // ties up: a tie is excluded below
        long roundedLast = last + ((lastLow & half) != 0 ? 1 : 0);
        if (rounded != roundedLast) {
            return Double.NaN; // a midpoint lies in the interval
        }
        if (lowBits == half && p1 == 0 && p0 == 0) {
            return Double.NaN; // P itself is a midpoint: the value may be a tie
        }
        // value = P·2^{E + q − z} and P's top bit is `top`: the result is rounded·2^{top − bits + 1 + E + q − z}
        int exponent = top + EXPONENT[i] + q - z;
        if (rounded == 1L << bits) { // rounded up to the next power of two
            rounded >>>= 1;
            exponent++;
        }
        if (float32) {
            if (exponent < -126 || exponent > 127) {
                return Double.NaN;
            }
            return Float.intBitsToFloat(((exponent + 127) << 23) | (int) (rounded & ((1 << 23) - 1)));
        }
        if (exponent < -1022 || exponent > 1023) {
            return Double.NaN;
        }
        return Double.longBitsToDouble(((long) (exponent + 1023) << 52) | (rounded & ((1L << 52) - 1)));
    }
}
