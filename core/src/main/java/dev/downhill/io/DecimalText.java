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
        return precision == Precision.FLOAT32 ? Float.parseFloat(text) : Double.parseDouble(text);
    }

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
