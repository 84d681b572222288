package dev.downhill.internal;

import dev.downhill.Precision;
import dev.downhill.spi.ResidentProblem;
import java.util.Locale;

/**
 * Each column's root mean square about 0, aⱼ = √(E[xⱼ²]), the magnitude {@link CentredObjective}'s power-of-two factors and
 * refusals are made from — measured from the column statistics the fit needs anyway, so that it costs no pass of its own:
 * <ul>
 *   <li>standardized and centred, from the mean squared deviations about the means (which S needs): aⱼ = √(devⱼ + x̄ⱼ²),
 *       overflow-safe;</li>
 *   <li>otherwise from the mean squares about 0 (a sparse problem has them from its means pass): aⱼ = √(dev⁰ⱼ).</li>
 * </ul>
 * The two agree to a few ulps; only aⱼ's binary exponent and whether it is 0 are used. One loop over the columns gives
 * the magnitudes, the refusal and the extreme exponents (on a cold JVM each extra loop over n = 150,000 columns cost
 * ~10 ms). Immutable.
 */
final class ColumnMagnitudes {
    private final double[] magnitudes;
    private final String refusal;
    private final boolean outsideNeutral;
    private final int largestExponent;

    private ColumnMagnitudes(double[] magnitudes, String refusal, boolean outsideNeutral, int largestExponent) {
        this.magnitudes = magnitudes;
        this.refusal = refusal;
        this.outsideNeutral = outsideNeutral;
        this.largestExponent = largestExponent;
    }

    /**
     * Measures {@code problem}'s columns from its cached statistics: about the means when {@code standardize} and
     * {@code centred} (a fit that standardizes needs those deviations), else about 0.
     */
    static ColumnMagnitudes measure(ResidentProblem problem, boolean centred, boolean standardize) {
        boolean aboutMeans = standardize && centred;
        double[] squares = problem.columnMeanSquaredDeviations(aboutMeans);
        double[] means = problem.columnStatistics().means();
        boolean float32 = problem.precision() == Precision.FLOAT32;
        boolean sparse = problem.isSparse();
        int low = float32 ? CentredObjective.FLOAT32_LIMIT_EXPONENT : CentredObjective.FLOAT64_LOW_EXPONENT;
        double[] a = new double[squares.length];
        boolean outside = false;
        int largest = Integer.MIN_VALUE;
        String refusal = null;
        for (int j = 0; j < a.length; j++) {
            double mean = means[j];
            double s = squares[j];
            if (!(s < Double.POSITIVE_INFINITY) || !Double.isFinite(mean)) { // NaN or ∞
                refusal = refusal != null ? refusal : tooLarge(float32, sparse, String.format(Locale.ROOT,
                        "column %d's squares overflow (values beyond about 1e154)", j));
                continue;
            }
            double v = aboutMeans ? Math.sqrt(s + mean * mean) : Math.sqrt(s);
            if (aboutMeans && v == Double.POSITIVE_INFINITY) {
                v = Math.hypot(Math.sqrt(s), mean);
            }
            a[j] = v;
            if (v == 0) {
                if (mean != 0) { // the squares vanished: a spread that cannot be told from 0
                    refusal = refusal != null ? refusal : tooSmall(float32, sparse, j, Math.abs(mean), low);
                }
                continue;
            }
            int e = Math.getExponent(v);
            if (refusal == null && float32 && e > CentredObjective.FLOAT32_LIMIT_EXPONENT) {
                refusal = tooLarge(true, sparse, String.format(Locale.ROOT, "column %d's root mean square is %.3g (they handle up to %.1e)",
                        j, v, Math.scalb(1.0, CentredObjective.FLOAT32_LIMIT_EXPONENT + 1)));
            }
            if (refusal == null && e < -low) {
                refusal = tooSmall(float32, sparse, j, v, low);
            }
            outside |= Math.abs(e) > CentredObjective.NEUTRAL_EXPONENT;
            largest = Math.max(largest, e);
        }
        return new ColumnMagnitudes(a, refusal, outside, largest);
    }

    /** What to do; the svd solver only for dense X (it would densify a sparse one). */
    private static String way(boolean float32, boolean sparse) {
        String rescale = "rescale X (a power of ten; θ scales back by the same factor)";
        if (sparse) {
            return rescale + (float32 ? " or use float64" : "");
        }
        return rescale + (float32 ? ", use float64," : "") + " or use the svd solver";
    }

    private static String tooLarge(boolean float32, boolean sparse, String what) {
        return String.format(Locale.ROOT, "X's values are too large for the gradient solvers in %s: %s; %s",
                float32 ? "float32" : "float64", what, way(float32, sparse));
    }

    private static String tooSmall(boolean float32, boolean sparse, int column, double magnitude, int low) {
        return String.format(Locale.ROOT, "X's values are too small for the gradient solvers in %s: column %d's root mean square "
                + "is about %.3g (they handle down to %.1e%s); %s", float32 ? "float32" : "float64", column, magnitude,
                Math.scalb(1.0, -low), float32 ? "" : ", as the column statistics square X", way(float32, sparse));
    }

    /** aⱼ (0 for a zero column); the array itself (package-private, read only). */
    double[] values() {
        return magnitudes;
    }

    /** Why the gradient solvers cannot scale X (the first offending column's line), or null. */
    String refusal() {
        return refusal;
    }

    /** Whether some non-zero column's exponent lies beyond 2^±{@value CentredObjective#NEUTRAL_EXPONENT}. */
    boolean outsideNeutral() {
        return outsideNeutral;
    }

    /** The largest binary exponent of a non-zero column (Integer.MIN_VALUE when every column is 0). */
    int largestExponent() {
        return largestExponent;
    }
}
