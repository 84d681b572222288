package dev.downhill.io;

import dev.downhill.Precision;
import java.util.Locale;

/**
 * The number syntax of the text readers: an optional sign, digits with an optional decimal point
 * (or a point followed by digits), and an optional exponent — {@code 3}, {@code -0.5}, {@code .5},
 * {@code 2.}, {@code 1e-3}, {@code +6.02E23}. Not accepted: empty text, NaN and infinities in any
 * spelling, hexadecimal, Java's {@code d}/{@code f} suffixes, thousands separators and decimal
 * commas. Values are rounded correctly to the requested precision (float32 text is parsed as
 * float, not rounded twice through double).
 */
final class DecimalText {
    private DecimalText() {
    }

    /** Why {@code text} (already trimmed) is not a number this reader accepts, or null when it is. */
    static String problem(String text) {
        if (text.isEmpty()) {
            return "the cell is empty";
        }
        if (isDecimal(text)) {
            return null;
        }
        String t = text.toLowerCase(Locale.ROOT);
        if (t.startsWith("+") || t.startsWith("-")) {
            t = t.substring(1);
        }
        if (t.equals("nan") || t.equals("inf") || t.equals("infinity")) {
            return MalformedFileException.quote(text) + " is not a finite number (NaN and infinities are not allowed)";
        }
        return MalformedFileException.quote(text) + " is not a number";
    }

    /**
     * The value of {@code text}, which {@link #problem} accepted, rounded to {@code precision} and
     * widened to double; infinite when it overflows that precision (the caller reports it with
     * {@link #outOfRange}).
     */
    static double parse(String text, Precision precision) {
        return parse(text, 0, text.length(), precision);
    }

    /**
     * {@link #parse(String, Precision)} of {@code text[from, to)}: the same value, without a copy of the text where a
     * fast path takes it.
     *
     * <p>A literal whose digits, leading zeros aside, form an integer w of at most 19 digits has the value w·10^q. Where
     * w ≤ 2⁵³ and |q| ≤ 22, w × 10^q or w ÷ 10^−q is one float64 operation on exact operands, so correctly rounded
     * (Clinger's fast path); in float32 that double rounded to float is the correctly rounded float unless it lies
     * exactly halfway between two floats (the literal's value then lies on that midpoint or beside it). Other w and q go
     * to {@link DecimalToBinary} (Eisel–Lemire, checked by an interval). Whatever neither decides — more than 19 digits,
     * midpoints, results outside the normal range — goes to the full parse ({@link Float#parseFloat},
     * {@link Double#parseDouble}).
     */
    static double parse(String text, int from, int to, Precision precision) {
        boolean float32 = precision == Precision.FLOAT32;
        int i = from;
        boolean negative = false;
        if (i < to && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            negative = text.charAt(i) == '-';
            i++;
        }
        long w = 0; // unsigned
        int digits = 0; // of w, leading zeros not counted
        int seen = 0; // every digit
        int scale = 0; // digits after the point
        boolean point = false;
        boolean fast = true;
        for (; i < to; i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                seen++;
                if (point) {
                    scale++;
                }
                if (w == 0 && c == '0') {
                    continue;
                }
                if (++digits > 19) {
                    fast = false;
                    break;
                }
                w = w * 10 + (c - '0');
            } else if (c == '.' && !point) {
                point = true;
            } else if (c == 'e' || c == 'E') {
                break;
            } else {
                fast = false;
                break;
            }
        }
        int exponent = 0;
        if (fast && i < to) { // at 'e' or 'E'
            i++;
            boolean negativeExponent = false;
            if (i < to && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
                negativeExponent = text.charAt(i) == '-';
                i++;
            }
            fast = i < to;
            for (; fast && i < to; i++) {
                char c = text.charAt(i);
                if (c < '0' || c > '9' || exponent > 100_000) {
                    fast = false;
                } else {
                    exponent = exponent * 10 + (c - '0');
                }
            }
            exponent = negativeExponent ? -exponent : exponent;
        }
        if (fast && seen > 0) {
            if (w == 0) {
                return negative ? -0.0 : 0.0;
            }
            int q = exponent - scale;
            double v = Double.NaN;
            if (w > 0 && w <= 1L << 53 && q >= -22 && q <= 22) {
                double d = q >= 0 ? w * POWERS_OF_TEN[q] : w / POWERS_OF_TEN[-q];
                if (!float32) {
                    v = d;
                } else if (d >= Float.MIN_NORMAL && d <= Float.MAX_VALUE
                        && (Double.doubleToRawLongBits(d) & FLOAT_DROPPED_BITS) != FLOAT_MIDPOINT) {
                    v = (float) d;
                }
            }
            if (v != v) { // NaN: not taken above
                v = DecimalToBinary.convert(w, q, float32);
            }
            if (v == v) {
                return negative ? -v : v;
            }
        }
        String t = text.substring(from, to);
        return float32 ? Float.parseFloat(t) : Double.parseDouble(t);
    }

    /** The 29 low bits of a double's significand that rounding a normal value to float drops; a midpoint has 1 then 0s. */
    private static final long FLOAT_DROPPED_BITS = (1L << 29) - 1;
    private static final long FLOAT_MIDPOINT = 1L << 28;
    private static final double[] POWERS_OF_TEN = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
        1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

    /** The message for a literal whose magnitude overflows {@code precision}. */
    static String outOfRange(String text, Precision precision) {
        return MalformedFileException.quote(text) + " is out of the " + precision.name().toLowerCase(Locale.ROOT) + " range"
                + (precision == Precision.FLOAT32 ? " (read it in float64: " + dev.downhill.internal.Float32Range.FLOAT64_SETTING + ")" : "");
    }

    /**
     * The message for a non-zero literal that {@code precision} rounds to {@code parsed}, 0 or a subnormal (float32
     * only: below {@link Float#MIN_NORMAL} a value keeps fewer significant bits, down to none); null when the value
     * is held. {@code parsed} is {@link #parse}'s result.
     */
    static String belowRange(String text, double parsed, Precision precision) {
        if (precision != Precision.FLOAT32 || Math.abs(parsed) >= Float.MIN_NORMAL || !nonZeroMantissa(text)) {
            return null;
        }
        return MalformedFileException.quote(text) + " is below the float32 range (non-zero magnitudes from " + Float.MIN_NORMAL
                + ": it would become " + (parsed == 0 ? "0" : "the subnormal " + (float) parsed) + "); " + dev.downhill.internal.Float32Range.ADVICE;
    }

    /** Whether a decimal literal has a non-zero digit before its exponent. */
    private static boolean nonZeroMantissa(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 'e' || c == 'E') {
                return false;
            }
            if (c >= '1' && c <= '9') {
                return true;
            }
        }
        return false;
    }

    static boolean isDecimal(CharSequence s) {
        return isDecimal(s, 0, s.length());
    }

    /** Whether {@code s[from, to)} is a decimal literal. */
    static boolean isDecimal(CharSequence s, int from, int to) {
        int n = to;
        int i = from;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        int intDigits = 0;
        while (i < n && isDigit(s.charAt(i))) {
            i++;
            intDigits++;
        }
        int fracDigits = 0;
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
                fracDigits++;
            }
        }
        if (intDigits + fracDigits == 0) {
            return false;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int expDigits = 0;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
                expDigits++;
            }
            if (expDigits == 0) {
                return false;
            }
        }
        return i == n;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
