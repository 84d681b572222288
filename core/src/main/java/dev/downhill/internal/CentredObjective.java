package dev.downhill.internal;

import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;

/**
 * The least-squares objective as the solvers see it, with the intercept eliminated: when an
 * intercept is fitted, X and y are centred implicitly (never copied) by choosing, for each θ,
 * the optimal intercept b(θ) = ȳ − x̄ᵀθ, and removing x̄·Σr from the gradient:
 * <pre>
 *   r = Xθ + b(θ) − y = X_cθ − y_c,      ∇ = s·Xᵀr − s·(Σr)·x̄ = s·X_cᵀr
 * </pre>
 * (X_c = X − 1x̄ᵀ, y_c = y − ȳ). Without an intercept b = 0 and nothing is corrected. Owns the
 * backend copy of x̄; close it once.
 */
public final class CentredObjective implements AutoCloseable {
    private final ResidentProblem problem;
    private final boolean centred;
    private final ColumnStatistics stats;
    private final BackendVector means;

    public CentredObjective(ResidentProblem problem, boolean fitIntercept) {
        this.problem = problem;
        this.centred = fitIntercept;
        this.stats = problem.columnStatistics();
        if (centred) {
            this.means = problem.allocateVector(problem.cols());
            means.copyFromHost(stats.means());
        } else {
            this.means = null;
        }
    }

    public ResidentProblem problem() {
        return problem;
    }

    public boolean centred() {
        return centred;
    }

    public ColumnStatistics statistics() {
        return stats;
    }

    /** b(θ) = ȳ − x̄ᵀθ with an intercept, else 0. */
    public double interceptFor(BackendVector theta) {
        return centred ? stats.targetMean() - problem.dot(means, theta) : 0;
    }

    /** b(θ) = ȳ − x̄ᵀθ from the float64 means on the host (θ given on the host), else 0. */
    public double interceptFor(double[] theta) {
        if (!centred) {
            return 0;
        }
        double[] means = stats.means();
        double s = 0;
        for (int j = 0; j < theta.length; j++) {
            s += means[j] * theta[j];
        }
        return stats.targetMean() - s;
    }

    /**
     * Writes g = (2/k)·X_Sᵀ r_S (centred) for the k rows of {@code rows} and returns ‖r_S‖², Σr_S.
     * Reads θ, writes {@code gradient}.
     */
    public ResidualSums gradient(BackendVector theta, RowSlice rows, BackendVector gradient) {
        double scale = 2.0 / rows.size(problem.rows());
        ResidualSums sums = problem.gradient(theta, interceptFor(theta), 1.0, scale, rows, gradient);
        if (centred) {
            problem.axpy(-scale * sums.sum(), means, gradient);
        }
        return sums;
    }

    /** Writes out = H·v with H = (2/m)X_cᵀX_c (or (2/m)XᵀX without an intercept), the Hessian of the MSE. */
    public void hessianTimes(BackendVector v, BackendVector out) {
        double scale = 2.0 / problem.rows();
        double b = centred ? -problem.dot(means, v) : 0;
        ResidualSums sums = problem.gradient(v, b, 0.0, scale, RowSlice.all(), out);
        if (centred) {
            problem.axpy(-scale * sums.sum(), means, out);
        }
    }

    @Override
    public void close() {
        if (means != null) {
            means.close();
        }
    }
}
