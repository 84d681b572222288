package dev.downhill.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Precision;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link DecimalText#parse}'s fast path against the JDK's correctly rounded parsers ({@link Double#parseDouble},
 * {@link Float#parseFloat}), bit for bit, on literals of every shape the readers accept — and on the float32 cases where
 * rounding through float64 would round twice: literals whose float64 value is a float32 midpoint.
 */
class DecimalTextTest {
    private static void assertParsesAsTheJdk(String literal) {
        double d = DecimalText.parse(literal, Precision.FLOAT64);
        assertEquals(Double.doubleToRawLongBits(Double.parseDouble(literal)), Double.doubleToRawLongBits(d), literal + " float64");
        double f = DecimalText.parse(literal, Precision.FLOAT32);
        assertEquals(Float.floatToRawIntBits(Float.parseFloat(literal)), Float.floatToRawIntBits((float) f), literal + " float32");
        assertEquals((float) f, f, literal + ": a float32 value widened");
        String padded = "xy" + literal + "z";
        assertEquals(Double.doubleToRawLongBits(d),
                Double.doubleToRawLongBits(DecimalText.parse(padded, 2, padded.length() - 1, Precision.FLOAT64)), literal + " in a line");
    }

    @Test
    void randomLiteralsOfEveryShapeParseAsTheJdkParsesThem() {
        SplittableRandom r = new SplittableRandom(11);
        for (int k = 0; k < 300_000; k++) {
            StringBuilder sb = new StringBuilder();
            switch (r.nextInt(4)) {
                case 0 -> sb.append('-');
                case 1 -> sb.append('+');
                default -> { }
            }
            int intDigits = r.nextInt(0, 12);
            int fracDigits = r.nextInt(intDigits == 0 ? 1 : 0, 14);
            for (int i = 0; i < intDigits; i++) {
                sb.append((char) ('0' + (i == 0 && r.nextBoolean() ? 0 : r.nextInt(10))));
            }
            if (fracDigits > 0 || r.nextInt(4) == 0) {
                sb.append('.');
            }
            for (int i = 0; i < fracDigits; i++) {
                sb.append((char) ('0' + r.nextInt(10)));
            }
            if (r.nextInt(3) == 0) {
                sb.append(r.nextBoolean() ? 'e' : 'E').append(r.nextInt(3) == 0 ? "-" : r.nextBoolean() ? "+" : "")
                        .append(r.nextInt(0, 40));
            }
            assertParsesAsTheJdk(sb.toString());
        }
        for (int k = 0; k < 100_000; k++) { // Java's shortest round-trip texts of doubles and floats, as files often hold
            assertParsesAsTheJdk(Double.toString(r.nextGaussian() * Math.pow(10, r.nextInt(-30, 30))));
            assertParsesAsTheJdk(Float.toString((float) (r.nextGaussian() * Math.pow(10, r.nextInt(-20, 20)))));
            assertParsesAsTheJdk(String.format(Locale.ROOT, "%.6f", r.nextGaussian()));
        }
    }

    @Test
    void float32MidpointsAndTheEdgesOfTheFastPathAreTheJdks() {
        String[] literals = {
            "16777217", "16777217.000000001", "16777216.999999999", "-16777219", "33554434", "33554435",
            "0.5000000298023223876953125", "1.00000005960464477539062500000001", "9007199254740993", "9007199254740992",
            "1e22", "1e23", "1e-22", "1e-23", "123456789012345678", "1234567890123456789", "0.000000000000000000001",
            "3.4028235677973366e38", "3.4028234663852886e38", "1.1754943508222875e-38", "1.1754942e-38", "1.4e-45",
            "0", "-0", "-0.0e5", "0.", ".5", "-.5e-1", "00012.5000", "1e+05", "4.9e-324", "1.7976931348623157e308",
        };
        for (String literal : literals) {
            assertParsesAsTheJdk(literal);
        }
        // literals of 16 digits whose float64 value is a float32 midpoint they are not: rounded to float64 first, then to
        // float32, ties to even would round them the wrong way (the fast path hands them to the full parse)
        int twice = 0;
        SplittableRandom m = new SplittableRandom(5);
        for (int k = 0; k < 400_000 && twice < 100; k++) {
            long odd = (1L << 24) | (m.nextLong(1L << 23) << 1) | 1;
            BigDecimal midpoint = new BigDecimal(odd).multiply(new BigDecimal(2).pow(60)).divide(new BigDecimal(2).pow(m.nextInt(0, 120)));
            BigDecimal literal = midpoint.round(new java.math.MathContext(16));
            if (literal.compareTo(midpoint) == 0 || literal.doubleValue() != midpoint.doubleValue()) {
                continue;
            }
            String text = literal.toString();
            assertEquals(Float.parseFloat(text), (float) DecimalText.parse(text, Precision.FLOAT32), text);
            assertParsesAsTheJdk(text);
            twice++;
        }
        assertEquals(100, twice, "literals a float64 step rounds to a float32 midpoint");
        // every float32 midpoint an integer below 2^53 can be: (2k + 1)·2^s with 2k + 1 of 25 bits
        SplittableRandom r = new SplittableRandom(3);
        for (int k = 0; k < 20_000; k++) {
            long odd = (1L << 24) | (r.nextLong(1L << 23) << 1) | 1;
            long v = odd << r.nextInt(0, 28);
            assertParsesAsTheJdk(Long.toString(v));
            assertParsesAsTheJdk(new BigDecimal(v).movePointLeft(r.nextInt(0, 10)).toPlainString());
        }
    }

    @Test
    void longLiteralsOverTheWholeExponentRangeParseAsTheJdkParsesThem() {
        SplittableRandom r = new SplittableRandom(17);
        for (int k = 0; k < 400_000; k++) {
            int digits = r.nextInt(1, 21);
            StringBuilder sb = new StringBuilder(r.nextBoolean() ? "-" : "");
            for (int d = 0; d < digits; d++) {
                sb.append((char) ('0' + (d == 0 ? r.nextInt(1, 10) : r.nextInt(10))));
                if (d == 0 && digits > 1 && r.nextBoolean()) {
                    sb.append('.');
                }
            }
            sb.append('e').append(r.nextInt(-350, 320));
            assertParsesAsTheJdk(sb.toString());
        }
        for (int k = 0; k < 100_000; k++) { // NumPy's savetxt default (%.18e) and Python's repr of doubles
            double v = Double.longBitsToDouble(r.nextLong() & 0x7FEFFFFFFFFFFFFFL);
            assertParsesAsTheJdk(String.format(Locale.ROOT, "%.18e", v));
            assertParsesAsTheJdk(Double.toString(v));
            assertParsesAsTheJdk(String.format(Locale.ROOT, "%.16g", r.nextGaussian()));
        }
    }

    @Test
    void theEiselLemireStepDecidesAlmostEveryLongLiteralAndOnlyCorrectly() {
        SplittableRandom r = new SplittableRandom(23);
        int undecided = 0;
        int n = 300_000;
        for (int k = 0; k < n; k++) {
            long w = r.nextLong() >>> r.nextInt(0, 12);
            if (w == 0) {
                continue;
            }
            int q = r.nextInt(-330, 300);
            String literal = Long.toUnsignedString(w) + "e" + q;
            for (boolean float32 : new boolean[] {false, true}) {
                double v = DecimalToBinary.convert(w, q, float32);
                if (v != v) {
                    undecided++;
                } else if (float32) {
                    assertEquals(Float.floatToRawIntBits(Float.parseFloat(literal)), Float.floatToRawIntBits((float) v), literal);
                } else {
                    assertEquals(Double.doubleToRawLongBits(Double.parseDouble(literal)), Double.doubleToRawLongBits(v), literal);
                }
            }
        }
        // undecided: results outside the normal ranges (most of q's range for float32, ~10 % for float64) and near-ties
        assertTrue(undecided > 0 && undecided < 0.6 * 2 * n, undecided + " of " + 2 * n);
        // in range, near-ties aside, every literal is decided
        int inRange = 0;
        for (int k = 0; k < 100_000; k++) {
            long w = r.nextLong() >>> 1 | 1L << 62;
            int q = r.nextInt(-290, 290);
            if (DecimalToBinary.convert(w, q, false) != DecimalToBinary.convert(w, q, false)) {
                inRange++;
            }
        }
        assertTrue(inRange < 100, inRange + " undecided of 100,000 float64 literals in range");
    }
}
