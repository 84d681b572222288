package dev.downhill.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.FittedModel;
import java.util.Arrays;

/** Relative-error assertions on coefficient vectors. */
public final class Compare {
    private Compare() {
    }

    /** [θ, b] of a model. */
    public static double[] withIntercept(FittedModel m) {
        double[] t = Arrays.copyOf(m.coefficients(), m.features() + 1);
        t[m.features()] = m.intercept();
        return t;
    }

    /** ‖a − b‖₂ / ‖b‖₂. */
    public static double relativeError(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (a[i] - b[i]);
            den += b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }

    public static void assertClose(double[] actual, double[] expected, double tolerance, String what) {
        double e = relativeError(actual, expected);
        assertTrue(e <= tolerance, () -> what + ": relative error " + e + " > " + tolerance + "\n  actual   "
                + Arrays.toString(actual) + "\n  expected " + Arrays.toString(expected));
    }

    /**
     * {@link #assertClose} on both vectors divided by the same power of two near max|expected| (exact): the relative
     * error of vectors at 1e300 without squaring them.
     */
    public static void assertScaledClose(double[] actual, double[] expected, double tolerance, String what) {
        double max = 0;
        for (double v : expected) {
            max = Math.max(max, Math.abs(v));
        }
        double f = Math.scalb(1.0, -Math.getExponent(max));
        double[] a = actual.clone();
        double[] e = expected.clone();
        for (int j = 0; j < a.length; j++) {
            a[j] *= f;
            e[j] *= f;
        }
        assertClose(a, e, tolerance, what);
    }
}
