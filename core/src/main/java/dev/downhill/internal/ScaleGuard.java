package dev.downhill.internal;

import dev.downhill.Precision;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.ResidentProblem;
import java.util.Locale;

/**
 * Whether X's magnitude lets the gradient solvers compute their scalars — gradient norms, curvature, the step size —
 * without overflow or underflow. They square X's values (‖∇‖², the power iteration's XᵀXv): with entries around 1e155 the
 * squares overflow float64, around 1e-200 they vanish, and the fit would stop at θ = 0 reporting convergence, a silently
 * wrong answer. Until the solvers scale X internally (issue 16's item 4), such data are refused with one line that names
 * the magnitude and the way out (rescale, or a direct solver, which does not square the values in the same way).
 *
 * <p>y is checked the same way from ȳ and one pass at θ = 0 (its spread about ȳ). The measure for X is the largest
 * column root mean square about 0, √(σⱼ² + x̄ⱼ²), from the cached column statistics; the
 * accepted range is [{@value #MIN_FLOAT64}, {@value #MAX_FLOAT64}] for float64 (squares and sums of squares of m values
 * stay normal) and [{@value #MIN_FLOAT32}, {@value #MAX_FLOAT32}] for float32 (curvature vectors are stored in float32).
 * A column whose squares underflowed is recognised by a non-zero mean with a zero root mean square.
 */
public final class ScaleGuard {
    static final double MAX_FLOAT64 = 1e140;
    static final double MIN_FLOAT64 = 1e-140;
    static final double MAX_FLOAT32 = 1e15;
    static final double MIN_FLOAT32 = 1e-15;

    private ScaleGuard() {
    }

    /** Why the gradient solvers cannot fit {@code problem}'s X, in one line, or null when its magnitude is fine. */
    public static String problem(ResidentProblem problem, boolean centred) {
        ColumnStatistics stats = problem.columnStatistics();
        double[] means = stats.means();
        double[] deviations = problem.columnMeanSquaredDeviations(centred);
        double largest = 0;
        double smallestMean = Double.POSITIVE_INFINITY;
        boolean underflow = false;
        for (int j = 0; j < means.length; j++) {
            double square = deviations[j] + (centred ? means[j] * means[j] : 0);
            double rms = Math.sqrt(square);
            if (!Double.isFinite(rms)) {
                largest = Double.POSITIVE_INFINITY;
                break;
            }
            largest = Math.max(largest, rms);
            if (rms == 0 && means[j] != 0) {
                underflow = true;
                smallestMean = Math.min(smallestMean, Math.abs(means[j]));
            }
        }
        boolean float32 = problem.precision() == Precision.FLOAT32;
        double max = float32 ? MAX_FLOAT32 : MAX_FLOAT64;
        double min = float32 ? MIN_FLOAT32 : MIN_FLOAT64;
        String precision = problem.precision().name().toLowerCase(Locale.ROOT);
        String way = "rescale X (a power of ten; θ scales back by the same factor), or use the svd or normal solver";
        if (largest > max) {
            return String.format(Locale.ROOT, "X's values are too large for the gradient solvers in %s: a column's root mean "
                    + "square is %s (they handle up to %.0e, as they square X); %s", precision,
                    Double.isInfinite(largest) ? "beyond 1e154 (its square overflows)" : String.format(Locale.ROOT, "%.3g", largest), max, way);
        }
        if (underflow || largest > 0 && largest < min) {
            double shown = underflow ? smallestMean : largest;
            return String.format(Locale.ROOT, "X's values are too small for the gradient solvers in %s: about %.3g (they handle "
                    + "down to %.0e, as they square X); %s", precision, shown, min, way);
        }
        return targetProblem(problem, centred, stats.targetMean(), min, max, precision);
    }

    /**
     * y's magnitude, from ȳ and one pass at θ = 0 (Σr² = Σ(yᵢ − ȳ)², or Σyᵢ² uncentred): a sum of squares that
     * overflowed, or a non-zero mean whose squares vanished, is refused like X's.
     */
    private static String targetProblem(ResidentProblem problem, boolean centred, double mean, double min, double max,
                                        String precision) {
        double sumOfSquares;
        try (dev.downhill.spi.BackendVector zero = problem.allocateVector(problem.cols());
             dev.downhill.spi.BackendVector out = problem.allocateVector(problem.cols())) {
            sumOfSquares = problem.gradient(zero, centred ? mean : 0, 1, 0, dev.downhill.spi.RowSlice.all(), out).sumOfSquares();
        }
        double rms = Math.sqrt(sumOfSquares / problem.rows());
        String way = "rescale y (a power of ten; θ and b scale by the same factor), or use the svd or normal solver";
        if (!Double.isFinite(rms) || rms > max || Math.abs(mean) > max) {
            return String.format(Locale.ROOT, "y's values are too large for the gradient solvers in %s: %s (they handle up to "
                    + "%.0e, as they square the residuals); %s", precision, Double.isFinite(rms)
                    ? String.format(Locale.ROOT, "about %.3g", Math.max(rms, Math.abs(mean))) : "their squares overflow", max, way);
        }
        if (rms == 0 && mean != 0 && Math.abs(mean) < min || rms > 0 && rms < min) {
            return String.format(Locale.ROOT, "y's values are too small for the gradient solvers in %s: about %.3g (they handle "
                    + "down to %.0e, as they square the residuals); %s", precision, rms > 0 ? rms : Math.abs(mean), min, way);
        }
        return null;
    }
}
