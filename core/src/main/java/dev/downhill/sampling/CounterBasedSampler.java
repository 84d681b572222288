package dev.downhill.sampling;

/**
 * The row order of SGD and mini-batch epochs, as a pure function of (seed, epoch, position):
 * {@code rowAt(seed, epoch, p, m)} is the row visited at position p of epoch e, and for each
 * (seed, epoch) the map p ↦ row is a permutation of [0, m) — every row once per epoch, a fresh
 * order each epoch. Mini-batches are consecutive slices of that order.
 *
 * <p>Construction: a {@value #ROUNDS}-round balanced Feistel network over the smallest even
 * power of two 2^(2h) ≥ m, keyed by (seed, epoch), with cycle-walking back into [0, m). Each
 * position is computed independently (no state, no shuffle), so a GPU can compute the same
 * order in a kernel, and every backend visits the same rows.
 */
public final class CounterBasedSampler {
    /** Feistel rounds. */
    public static final int ROUNDS = 6;
    /** Largest row count (the Feistel domain must stay within a signed long). */
    public static final long MAX_ROWS = 1L << 62;

    private CounterBasedSampler() {
    }

    /** The row at {@code position} (0 ≤ position &lt; rows) of epoch {@code epoch}'s order. */
    public static long rowAt(long seed, long epoch, long position, long rows) {
        if (rows > MAX_ROWS) {
            throw new IllegalArgumentException("the sampler supports at most 2⁶² rows, got " + rows);
        }
        if (position < 0 || position >= rows) {
            throw new IllegalArgumentException("position " + position + " outside [0, " + rows + ")");
        }
        if (rows == 1) {
            return 0;
        }
        int halfBits = halfBits(rows);
        long key = epochKey(seed, epoch);
        long x = position;
        do {
            x = permute(x, key, halfBits);
        } while (x >= rows);
        return x;
    }

    /** The whole order of one epoch: {@code order[p] = rowAt(seed, epoch, p, rows)}. */
    public static long[] epochOrder(long seed, long epoch, long rows) {
        if (rows <= 0 || rows > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("SGD row orders need 1 ≤ rows < 2³¹, got " + rows);
        }
        long[] order = new long[(int) rows];
        if (rows == 1) {
            return order;
        }
        int halfBits = halfBits(rows);
        long key = epochKey(seed, epoch);
        for (int p = 0; p < order.length; p++) {
            long x = p;
            do {
                x = permute(x, key, halfBits);
            } while (x >= rows);
            order[p] = x;
        }
        return order;
    }

    /**
     * {@code count} consecutive positions of epoch {@code epoch}'s order from {@code from} into {@code out[offset..]}:
     * {@code out[offset + k] = rowAt(seed, epoch, from + k, rows)}. Blocks of any size, so an epoch over more than 2³¹
     * rows never needs its whole order in one array. Writes {@code out}.
     */
    public static void fill(long seed, long epoch, long rows, long from, long[] out, int offset, int count) {
        if (rows <= 0 || rows > MAX_ROWS) {
            throw new IllegalArgumentException("the sampler supports 1 ≤ rows ≤ 2⁶², got " + rows);
        }
        if (from < 0 || count < 0 || from > rows - count) {
            throw new IllegalArgumentException("positions [" + from + ", " + from + " + " + count + ") outside [0, " + rows + ")");
        }
        if (rows == 1) {
            java.util.Arrays.fill(out, offset, offset + count, 0L);
            return;
        }
        int halfBits = halfBits(rows);
        long key = epochKey(seed, epoch);
        for (int k = 0; k < count; k++) {
            long x = from + k;
            do {
                x = permute(x, key, halfBits);
            } while (x >= rows);
            out[offset + k] = x;
        }
    }

    /** Half the bit width of the Feistel domain: the smallest h ≥ 1 with 2^(2h) ≥ rows. */
    static int halfBits(long rows) {
        int bits = 64 - Long.numberOfLeadingZeros(rows - 1);
        return Math.max(1, (bits + 1) / 2);
    }

    /** The key of one epoch: a mix of seed and epoch ({@link #hash}). */
    public static long epochKey(long seed, long epoch) {
        return hash(seed, epoch);
    }

    /**
     * 64 well-mixed bits as a pure function of (seed, index): mix(seed ⊕ mix(index + φ·2⁶⁴)) with SplitMix64's finaliser,
     * the same in every backend (a GPU can compute it in a kernel).
     */
    public static long hash(long seed, long index) {
        return mix(seed ^ mix(index + 0x9E3779B97F4A7C15L));
    }

    /** One pass of the Feistel network on a value of 2·halfBits bits. */
    static long permute(long x, long key, int halfBits) {
        long mask = (1L << halfBits) - 1;
        long left = x >>> halfBits;
        long right = x & mask;
        for (int round = 0; round < ROUNDS; round++) {
            long f = mix(right ^ key ^ ((long) round * 0xD1B54A32D192ED03L)) & mask;
            long next = left ^ f;
            left = right;
            right = next;
        }
        return (left << halfBits) | right;
    }

    /** The SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mix. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
