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
 * ~10 ms). Immutable; it keeps what the loop found, not the n magnitudes ({@link #values} makes them again from the
 * statistics the problem keeps: a {@link CheckedProblem} holds this object as long as the problem lives).
 */
final class ColumnMagnitudes {
    /** Whether the magnitudes are about the means (else about 0). */
    private final boolean aboutMeans;
    private final String refusal;
    private final boolean outsideNeutral;
    private final int largestExponent;

    private ColumnMagnitudes(boolean aboutMeans, String refusal, boolean outsideNeutral, int largestExponent) {
        this.aboutMeans = aboutMeans;
        this.refusal = refusal;
        this.outsideNeutral = outsideNeutral;
        this.largestExponent = largestExponent;
    }

    /**
     * Measures {@code problem}'s columns from its cached statistics: about the means when {@code standardize} and
     * {@code centred} (a fit that standardizes needs those deviations), else about 0. A {@link CheckedProblem} measures
     * once per setting and keeps the result.
     */
    static ColumnMagnitudes measure(ResidentProblem problem, boolean centred, boolean standardize) {
        boolean aboutMeans = standardize && centred;
        if (problem instanceof CheckedProblem checked) {
            return checked.columnMagnitudes(aboutMeans, () -> measureNow(problem, aboutMeans));
        }
        return measureNow(problem, aboutMeans);
    }

    private static ColumnMagnitudes measureNow(ResidentProblem problem, boolean aboutMeans) {
        double[] squares = problem.columnMeanSquaredDeviations(aboutMeans);
        double[] means = problem.columnStatistics().means();
        boolean float32 = problem.precision() == Precision.FLOAT32;
        boolean sparse = problem.isSparse();
        int low = float32 ? CentredObjective.FLOAT32_LIMIT_EXPONENT : CentredObjective.FLOAT64_LOW_EXPONENT;
        boolean outside = false;
        int largest = Integer.MIN_VALUE;
        String refusal = null;
        java.util.BitSet vanished = null;
        for (int j = 0; j < squares.length; j++) {
            double mean = means[j];
            double s = squares[j];
            if (!(s < Double.POSITIVE_INFINITY) || !Double.isFinite(mean)) { // NaN or ∞
                refusal = refusal != null ? refusal : tooLarge(float32, sparse, String.format(Locale.ROOT,
                        "column %d's squares overflow (values beyond about 1e154)", j));
                continue;
            }
            double v = magnitude(s, mean, aboutMeans);
            if (v == 0) {
                if (mean != 0) { // the squares vanished: a spread that cannot be told from 0
                    refusal = refusal != null ? refusal : tooSmall(float32, sparse, j, rootMeanSquare(problem, j), low);
                } else if (!float32) { // all zero, or values whose squares vanish with a mean of exactly 0 (±1e-200)
                    vanished = vanished == null ? new java.util.BitSet(squares.length) : vanished;
                    vanished.set(j);
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
        if (refusal == null && vanished != null) {
            int j = firstNonZero(problem, vanished);
            if (j >= 0) {
                refusal = tooSmall(false, sparse, j, rootMeanSquare(problem, j), low);
            }
        }
        return new ColumnMagnitudes(aboutMeans, refusal, outside, largest);
    }

    /** aⱼ from column j's mean squared deviation {@code s} (about the mean when {@code aboutMeans}, else about 0) and mean. */
    private static double magnitude(double s, double mean, boolean aboutMeans) {
        double v = aboutMeans ? Math.sqrt(s + mean * mean) : Math.sqrt(s);
        if (aboutMeans && v == Double.POSITIVE_INFINITY) {
            v = Math.hypot(Math.sqrt(s), mean);
        }
        return v;
    }


    /**
     * The first of the float64 columns {@code candidates} — each with mean exactly 0 and mean square 0 in the statistics
     * — that is not all zero, or −1. The statistics cannot tell a zero column from one whose squares underflow (every
     * |xᵢⱼ| below about 1.5e-162) and whose mean cancels exactly (±1e-200 alternating): taken for zero, such a column got
     * θⱼ = 0 and the fit reported convergence with the column's signal missing. One ordinary gradient pass (the backend's
     * own, float64) at θ = s·Σ_{k∈candidates} eₖ (s = 2^{@value ColumnSpread#PROBE_EXPONENT}), b = 0, τ = 1 tells them
     * apart: gⱼ = Σᵢ wᵢxᵢⱼ(s·Σₖ xᵢₖ − yᵢ) is exactly 0 for a zero column (every product is 0) and, for a non-zero one,
     * holds s·Σᵢ wᵢxᵢⱼ² (each term x·(s·x) representable where x² is not), which y's and the other candidates' terms
     * would have to cancel exactly. Every candidate's |xᵢₖ| is below 2⁻⁵³⁷, so s·Σₖ xᵢₖ stays far from overflow. Made
     * only when such a column exists (a zero column in float64 data: one pass at the backend's speed).
     */
    private static int firstNonZero(ResidentProblem problem, java.util.BitSet candidates) {
        int n = Math.toIntExact(problem.cols());
        double[] theta = new double[n];
        for (int j = candidates.nextSetBit(0); j >= 0; j = candidates.nextSetBit(j + 1)) {
            theta[j] = Math.scalb(1.0, ColumnSpread.PROBE_EXPONENT);
        }
        double[] g;
        try (dev.downhill.spi.BackendVector t = problem.allocateVector(n); dev.downhill.spi.BackendVector out = problem.allocateVector(n)) {
            t.copyFromHost(theta);
            problem.gradient(t, 0, 1, 1, dev.downhill.spi.RowSlice.all(), out);
            g = out.copyToHost();
        }
        for (int j = candidates.nextSetBit(0); j >= 0; j = candidates.nextSetBit(j + 1)) {
            if (g[j] != 0) {
                return j;
            }
        }
        return -1;
    }

    /**
     * Column j's root mean square about 0, measured without squaring xᵢⱼ in float64 ({@link ColumnSpread}: for a refusal's
     * message, the column's squares having vanished in the statistics); NaN when it cannot be measured (values of a few
     * subnormal bits).
     */
    private static double rootMeanSquare(ResidentProblem problem, int j) {
        double spread = ColumnSpread.of(problem, false, j);
        return spread > 0 ? spread : Double.NaN;
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
                + "is %s (they handle down to %.1e%s); %s", float32 ? "float32" : "float64", column,
                Double.isNaN(magnitude) ? "below 1e-300" : String.format(Locale.ROOT, "about %.3g", magnitude),
                Math.scalb(1.0, -low), float32 ? "" : ", as the column statistics square X", way(float32, sparse));
    }

    /**
     * aⱼ for every column (0 for a zero column), made again from {@code problem}'s statistics (the problem these were
     * measured on; its backend keeps them): a new array, the bits {@link #measure} saw. Only for a problem without a
     * {@link #refusal()} (a refused column's entry is not defined).
     */
    double[] values(ResidentProblem problem) {
        double[] a = problem.columnMeanSquaredDeviations(aboutMeans); // a copy: written in place
        double[] means = problem.columnStatistics().means();
        for (int j = 0; j < a.length; j++) {
            a[j] = magnitude(a[j], means[j], aboutMeans);
        }
        return a;
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
