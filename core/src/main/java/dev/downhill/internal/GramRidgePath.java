package dev.downhill.internal;

import dev.downhill.Penalty;
import dev.downhill.StopReason;
import dev.downhill.spi.DenseKernels;
import dev.downhill.spi.SingularValueDecomposition;

/**
 * Ridge fits along a path of α on one problem's Gram statistics ({@link GramCoordinateDescent.Statistics}: G = X_cᵀWX_c,
 * c = X_cᵀWy_c), as a cross-validation needs them for every fold: each α solves
 * <pre>
 *   (G + λ·D)θ = c,   λ = W·α(1 − ρ) (ρ = 0),   D = diag(p)   (the l2 penalty factors, all &gt; 0)
 * </pre>
 * — the normal equations of {@link Penalty}'s objective — through one SVD of the scaled Gram matrix
 * A = D^{-1/2}GD^{-1/2} = UΣVᵀ made once, so that θ(λ) = D^{-1/2}·V(Σ + λI)⁻¹Vᵀ·D^{-1/2}c costs O(n²) an α, where a
 * normal-equations solve per α cost a pass over X, a Cholesky factor and the refinement's passes (a 100-α path of a
 * 5-fold cross-validation: 600 of them). G is symmetric positive semi-definite, so U = V up to signs of singular
 * values at rounding level, which λ &gt; 0 dwarfs. The answers are those of the Gram matrix (θ to about κ(A + λI)·ε,
 * without the normal solver's refinement over X): for scoring folds and drawing the path; a cross-validation fits its
 * chosen α again with the solver asked for. Host memory: {@link #memory}.
 */
public final class GramRidgePath {
    private final GramCoordinateDescent.Statistics statistics;
    private final Penalty penalty;
    private final int n;
    /** D^{-1/2}. */
    private final double[] scale;
    /** Σ. */
    private final double[] singular;
    /** Vᵀ (n × n, column-major). */
    private final double[] vt;
    /** Vᵀ·D^{-1/2}c. */
    private final double[] projected;

    /**
     * One SVD of the scaled G on {@code kernels}.
     *
     * @throws IllegalArgumentException when the penalty has an l1 term or a factor that is not positive ({@link #applies})
     * @throws ArithmeticException      when the SVD does not converge
     */
    public GramRidgePath(GramCoordinateDescent.Statistics statistics, Penalty penalty, DenseKernels kernels) {
        this.n = statistics.moment().length;
        if (!applies(penalty, n)) {
            throw new IllegalArgumentException("the Gram ridge path takes a pure l2 penalty with positive factors, got " + penalty);
        }
        this.statistics = statistics;
        this.penalty = penalty;
        double[] p = penalty.l2Factors(n);
        this.scale = new double[n];
        for (int j = 0; j < n; j++) {
            scale[j] = 1 / Math.sqrt(p[j]);
        }
        double[] g = statistics.gram();
        double[] a = new double[n * n];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) {
                a[i + j * n] = scale[i] * g[i + j * n] * scale[j]; // symmetric: either major
            }
        }
        SingularValueDecomposition svd = kernels.svd(a, n, n);
        this.singular = svd.singular();
        this.vt = svd.vt(); // U dropped: A is symmetric, so V(Σ + λI)⁻¹Vᵀ is (A + λI)⁻¹ (U = V but for signs at rounding level)
        double[] c = statistics.moment();
        this.projected = new double[n];
        for (int k = 0; k < n; k++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += vt[k + i * n] * scale[i] * c[i];
            }
            projected[k] = s;
        }
    }

    /**
     * Bytes of host memory a ridge path on the Gram matrix holds for n features while it is made: G, the scaled copy
     * and the SVD's U and Vᵀ (U then dropped), and a fold's G besides.
     */
    public static double memory(long cols) {
        return 5.0 * 8 * (double) cols * cols;
    }

    /** Whether {@code penalty} is one this path solves: no l1 term, an l2 term, every l2 factor of n positive. */
    public static boolean applies(Penalty penalty, int n) {
        if (penalty.hasL1() || !(penalty.l2Strength() > 0)) {
            return false;
        }
        for (double f : penalty.l2Factors(n)) {
            if (!(f > 0) || !Double.isFinite(f)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The fit at α: θ, the intercept, and the objective F = ‖y_c − X_cθ‖²_W/(2W) + the penalty as its one-point loss
     * history (2F, as coordinate descent records it), stopped {@link StopReason#DIRECT_SOLUTION}.
     */
    public IterativeResult fit(double alpha) {
        Penalty at = penalty.withAlpha(alpha);
        double w = statistics.weightSum();
        double lambda = w * at.l2Strength();
        double[] z = new double[n];
        for (int k = 0; k < n; k++) {
            z[k] = projected[k] / (singular[k] + lambda);
        }
        double[] theta = new double[n];
        for (int i = 0; i < n; i++) { // φ = Vz (Vᵀ is k × n column-major: V[i][k] = vt[k + i·n])
            double s = 0;
            for (int k = 0; k < n; k++) {
                s += vt[k + i * n] * z[k];
            }
            theta[i] = scale[i] * s;
        }
        double[] g = statistics.gram();
        double[] c = statistics.moment();
        double ct = 0;
        double tgt = 0;
        for (int j = 0; j < n; j++) {
            double q = 0;
            for (int i = 0; i < n; i++) {
                q += g[i + j * n] * theta[i];
            }
            ct += c[j] * theta[j];
            tgt += theta[j] * q;
        }
        double residualSquares = Math.max(0, statistics.targetSquares() - 2 * ct + tgt);
        double objective = residualSquares / (2 * w) + at.value(theta);
        return new IterativeResult(theta, statistics.interceptFor(theta), 0, StopReason.DIRECT_SOLUTION,
                new double[] {2 * objective}, new double[] {0}, Double.NaN);
    }
}
