package dev.downhill.internal.direct;

import dev.downhill.spi.DenseKernels;
import dev.downhill.spi.GramSystem;
import java.util.Arrays;

/**
 * What the coefficients' standard errors need from G = X_cᵀWX_c, read off the factorization a direct solve already made
 * (never an explicit inverse of G, never a second factorization): the diagonal of G⁻¹ and the quadratic form x̄ᵀG⁻¹x̄ of
 * the column means (the intercept's variance, see {@link dev.downhill.CoefficientInference}).
 *
 * @param diagonal          (G⁻¹)ⱼⱼ, length n; NaN for a coefficient that is not estimable (a constant column, or in a
 *                          rank-deficient fit a column in the span of the dropped directions)
 * @param meanQuadraticForm x̄ᵀG⁻¹x̄ with the constant columns left out (as if absent from the model); NaN when the intercept
 *                          is not estimable; 0 for an uncentred problem (no intercept)
 * @param rank              the rank of X_c the degrees of freedom count (constant columns excluded)
 */
public record InverseGram(double[] diagonal, double meanQuadraticForm, long rank) {
    /**
     * In a rank-deficient fit a coefficient (or the intercept) counts as estimable when the share of its direction that
     * lies in the dropped singular directions, ‖P_null eⱼ‖², is at most this: its estimate then does not depend on the
     * minimum-norm choice to within √this relative (1e-5), while rounding makes the share about n·ε for an estimable one.
     */
    static final double ESTIMABLE_NULL_SHARE = 1e-10;

    public InverseGram {
        diagonal = diagonal.clone();
    }

    @Override
    public double[] diagonal() {
        return diagonal.clone();
    }

    /**
     * From the Cholesky factor L of the scaled G' = DGD that {@code system} holds: G⁻¹ = D·G'⁻¹·D with G'⁻¹ = L⁻ᵀL⁻¹, so
     * (G⁻¹)ⱼⱼ = Dⱼ²‖L⁻¹eⱼ‖² and x̄ᵀG⁻¹x̄ = ‖L⁻¹Dx̄‖², both from {@link GramSystem#inverseDiagonal} (the factor's last use:
     * it may overwrite L). The {@code excluded} columns (the constant columns, whose rows and columns of G' the solver set
     * to the identity) get NaN and leave x̄ᵀG⁻¹x̄.
     *
     * @param means x̄ (length n), or null for an uncentred problem
     */
    static InverseGram fromCholesky(GramSystem system, double[] scales, int[] excluded, double[] means) {
        return fromCholesky(system.size(), system::inverseDiagonal, scales, excluded, means);
    }

    /**
     * As {@link #fromCholesky(GramSystem, double[], int[], double[])} for L in a heap array (n × n, column-major, lower),
     * read by the backend's {@link DenseKernels#choleskyInverseDiagonal} (the factor's last use: it may overwrite L).
     */
    static InverseGram fromCholesky(double[] lower, int n, DenseKernels kernels, double[] scales, int[] excluded, double[] means) {
        return fromCholesky(n, (v, diagonal) -> kernels.choleskyInverseDiagonal(lower, n, v, diagonal), scales, excluded, means);
    }

    /** {@link GramSystem#inverseDiagonal}'s signature: writes ‖L⁻¹eⱼ‖² into diagonal, returns ‖L⁻¹v‖². */
    private interface InverseDiagonal {
        double read(double[] v, double[] diagonal);
    }

    private static InverseGram fromCholesky(int n, InverseDiagonal reading, double[] scales, int[] excluded, double[] means) {
        boolean[] out = mask(n, excluded);
        double[] v = null;
        if (means != null) {
            v = new double[n];
            for (int j = 0; j < n; j++) {
                v[j] = out[j] ? 0 : scales[j] * means[j];
            }
        }
        // O(n³/6): seconds at n = 2,500 in Java, on one thread (which stops between columns on an interrupt); a backend's
        // native reading cannot be interrupted, so stop before it
        dev.downhill.spi.Interrupts.stopIfInterrupted();
        double[] diagonal = new double[n];
        double form = reading.read(v, diagonal);
        for (int j = 0; j < n; j++) {
            diagonal[j] = out[j] ? Double.NaN : scales[j] * scales[j] * diagonal[j];
        }
        return new InverseGram(diagonal, form, n - excluded.length);
    }

    /**
     * From the SVD of the scaled factor, X_c·D = Q·UΣVᵀ at full rank: G⁻¹ = D·VΣ⁻²Vᵀ·D, so (G⁻¹)ⱼⱼ = Dⱼ²Σₗ Vⱼₗ²/σₗ² and
     * x̄ᵀG⁻¹x̄ = Σₗ (Vₗᵀ D x̄)²/σₗ².
     *
     * @param vt Vᵀ, n × n column-major (vt[l + j·n] = Vⱼₗ)
     */
    static InverseGram fromFullRankSvd(double[] vt, double[] singular, int n, double[] scales, double[] means) {
        double[] diagonal = new double[n];
        for (int j = 0; j < n; j++) {
            double sum = 0;
            for (int l = 0; l < n; l++) {
                double v = vt[l + j * n] / singular[l];
                sum += v * v;
            }
            diagonal[j] = scales[j] * scales[j] * sum;
        }
        double form = 0;
        if (means != null) {
            for (int l = 0; l < n; l++) {
                double p = 0;
                for (int j = 0; j < n; j++) {
                    p += vt[l + j * n] * scales[j] * means[j];
                }
                form += (p / singular[l]) * (p / singular[l]);
            }
        }
        return new InverseGram(diagonal, form, n);
    }

    /**
     * A rank-deficient fit, from the SVD of the unscaled factor X_c = Q·UΣVᵀ with r singular values kept: the minimum-norm
     * θ = V_rΣ_r⁻¹U_rᵀz. θⱼ is estimable — the same for every least-squares solution — when eⱼ is orthogonal to the dropped
     * directions, ‖P_null eⱼ‖² = 1 − Σₗ&lt;ᵣ Vⱼₗ² ≤ {@value #ESTIMABLE_NULL_SHARE}; its variance is then σ²·eⱼᵀG⁺eⱼ =
     * σ²·Σₗ&lt;ᵣ Vⱼₗ²/σₗ² (any generalized inverse gives the same for an estimable function). Otherwise NaN. The columns
     * of X_c that are exactly zero (constant columns) are left out of x̄, as the normal equations leave them out: the
     * intercept b = ȳ − x̄ᵀθ is then estimable when the remaining x̄ is orthogonal to the dropped directions.
     *
     * @param vt    Vᵀ, rows × n column-major (vt[l + j·rows] = Vⱼₗ), rows ≥ r
     * @param zero  the columns of X_c that are exactly zero
     */
    static InverseGram fromRankDeficientSvd(double[] vt, int rows, double[] singular, int rank, int n, int[] zero, double[] means) {
        boolean[] out = mask(n, zero);
        double[] diagonal = new double[n];
        for (int j = 0; j < n; j++) {
            double kept = 0;
            double sum = 0;
            for (int l = 0; l < rank; l++) {
                double v = vt[l + j * rows];
                kept += v * v;
                sum += (v / singular[l]) * (v / singular[l]);
            }
            diagonal[j] = !out[j] && 1 - kept <= ESTIMABLE_NULL_SHARE ? sum : Double.NaN;
        }
        double form = 0;
        if (means != null) {
            double norm = 0;
            double kept = 0;
            for (int j = 0; j < n; j++) {
                if (!out[j]) {
                    norm += means[j] * means[j];
                }
            }
            for (int l = 0; l < rank; l++) {
                double p = 0;
                for (int j = 0; j < n; j++) {
                    if (!out[j]) {
                        p += vt[l + j * rows] * means[j];
                    }
                }
                kept += p * p;
                form += (p / singular[l]) * (p / singular[l]);
            }
            if (!(norm - kept <= ESTIMABLE_NULL_SHARE * norm)) {
                form = Double.NaN;
            }
        }
        return new InverseGram(diagonal, form, rank);
    }

    /** No coefficient estimable apart from the intercept: every column constant (x̄ᵀG⁻¹x̄ = 0 over no columns). */
    static InverseGram allConstant(int n) {
        double[] diagonal = new double[n];
        Arrays.fill(diagonal, Double.NaN);
        return new InverseGram(diagonal, 0, 0);
    }

    private static boolean[] mask(int n, int[] columns) {
        boolean[] m = new boolean[n];
        for (int j : columns) {
            m[j] = true;
        }
        return m;
    }
}
