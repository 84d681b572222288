package dev.downhill.spi;

import dev.downhill.Precision;

/**
 * A dataset loaded into a backend (X and y uploaded once) together with the fused operations
 * the solvers in core are written against. Solvers never see backend memory directly; they
 * hold {@link BackendVector}s and call these operations.
 *
 * <p>Lifecycle: made by {@link Backend#load}; reusable for any number of fits; {@link #close()}
 * frees what the backend allocated (closing twice is harmless). A problem may reference the
 * {@link dev.downhill.Dataset}'s memory without copying it (the CPU backend does), so the dataset
 * must stay open while the problem is used.
 *
 * <p>Thread-safety: one fit at a time per problem; operations are not safe to call concurrently.
 * Determinism: each operation gives bit-identical results for the same inputs, backend and
 * thread count (reductions are combined in float64 in a fixed order).
 */
public interface ResidentProblem extends AutoCloseable {

    /** Name of the backend that holds this problem (e.g. "cpu"). */
    String backendName();

    /** m, the number of rows of X. */
    long rows();

    /** n, the number of columns (features) of X. */
    long cols();

    /** Precision of X, y and every vector of this problem. */
    Precision precision();

    /** Number of threads (CPU) the operations use; 1 for a GPU. */
    int threads();

    /** A zero-filled vector of the given length in this problem's memory and precision. */
    BackendVector allocateVector(long length);

    /** Column means and ȳ from one pass (computed once, then cached). */
    ColumnStatistics columnStatistics();

    /**
     * Per column, (1/m)Σᵢ (Xᵢⱼ − cⱼ)² with c = x̄ when {@code centred}, else 0 (the squared column scale
     * used by standardization), in float64. Computed on first use with a pass after the means (no
     * cancellation), then cached; returns a copy.
     */
    double[] columnMeanSquaredDeviations(boolean centred);

    /**
     * R² = (1/m)Σᵢ ‖xᵢ − c‖² = Σⱼ {@link #columnMeanSquaredDeviations}(centred)ⱼ: the mean squared
     * (centred) row norm.
     */
    default double meanSquaredDeviation(boolean centred) {
        double s = 0;
        for (double v : columnMeanSquaredDeviations(centred)) {
            s += v;
        }
        return s;
    }

    /**
     * x ← d∘x (elementwise product). Writes {@code x}. The default goes through host memory;
     * backends override it to stay resident.
     */
    default void multiply(BackendVector d, BackendVector x) {
        double[] a = d.copyToHost();
        double[] b = x.copyToHost();
        for (int j = 0; j < b.length; j++) {
            b[j] *= a[j];
        }
        x.copyFromHost(b);
    }

    /** to ← from. Writes {@code to}. The default goes through host memory; backends override it. */
    default void copy(BackendVector from, BackendVector to) {
        to.copyFromHost(from.copyToHost());
    }

    /**
     * The fused gradient: one pass over the selected rows computing
     * <pre>  rᵢ = xᵢᵀθ + b − τ·yᵢ,   out = s · Σᵢ xᵢ rᵢ</pre>
     * and returning ‖r‖² and Σr from the same pass (float64 accumulation).
     * With τ = 0 it is the product s·Xᵀ(Xθ + b) used by power iteration.
     *
     * @param theta        θ, length n; read only
     * @param intercept    b, added to every row's prediction
     * @param targetWeight τ, 1 for the gradient, 0 to ignore y
     * @param scale        s, typically 2/(rows visited)
     * @param rows         which rows to visit
     * @param out          written: the gradient, length n (previous contents ignored)
     */
    ResidualSums gradient(BackendVector theta, double intercept, double targetWeight, double scale,
                          RowSlice rows, BackendVector out);

    /** y ← y + α·x (the step θ ← θ − η·g is {@code axpy(-η, g, θ)}). Writes {@code y}. */
    void axpy(double alpha, BackendVector x, BackendVector y);

    /** x ← α·x. Writes {@code x}. */
    void scale(double alpha, BackendVector x);

    /** xᵀy, accumulated in float64. */
    double dot(BackendVector x, BackendVector y);

    /**
     * Solves the normal equations (XᵀX)θ = Xᵀy by Cholesky, in float64; with {@code centred},
     * of the centred problem (X − 1x̄ᵀ, y − ȳ) without copying X.
     *
     * @return θ (host)
     * @throws dev.downhill.SingularMatrixException when XᵀX is singular or its estimated condition
     *         number (the cpu backend: of XᵀX scaled to unit diagonal) exceeds
     *         {@link dev.downhill.FitConfig#NORMAL_EQUATIONS_MAX_CONDITION}
     */
    double[] solveNormalEquations(boolean centred);

    /**
     * The least-squares solution by SVD (float64), of the centred problem when {@code centred}; the
     * minimum-norm one when X is rank-deficient. Singular values at or below {@code rankCutoff}·σ_max
     * are treated as zero (of the factored matrix: backends may scale the columns first, see
     * {@link LeastSquaresSolution#singularValues()}).
     * Needs a float64 working copy of X (m·n·8 bytes, plus the LAPACK routine's workspace), freed
     * before returning.
     */
    LeastSquaresSolution solveLeastSquares(boolean centred, double rankCutoff);

    @Override
    void close();
}
