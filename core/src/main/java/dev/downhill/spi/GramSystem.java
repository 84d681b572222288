package dev.downhill.spi;

import java.nio.DoubleBuffer;

/**
 * The normal equations' matrix and right-hand side, G = X_cᵀX_c and c = X_cᵀy_c (as {@link CrossProducts} defines
 * them), held where the backend's Gram pass left G — the cpu backend keeps it off the Java heap, so the direct solver
 * scales, factors and solves it in place without copying n² doubles back and forth — together with the dense
 * kernels the normal-equations solver runs on it. Core does the rest (the scales, the refusal rule, refinement); the
 * kernels it applies — {@link #scale}, {@link #solve}, {@link #inverseDiagonal} — default to Java over {@link #lower()}.
 *
 * <p>Layout: column-major with leading dimension n; only the lower triangle (i ≥ j, index i + j·n) is defined and read
 * (what is above the diagonal is unspecified and never read). Lifecycle: one per solve; {@link #close()} frees G (closing
 * twice is harmless); nothing may be used after it.
 */
public interface GramSystem extends AutoCloseable {

    /** n, the order of G. */
    int size();

    /** u₆₄ = 2⁻⁵³, the unit roundoff of a float64 Gram pass. */
    double FLOAT64_ROUNDOFF = 0x1p-53;

    /** u₃₂ = 2⁻²⁴, the unit roundoff of a Gram pass over X rounded to float32. */
    double FLOAT32_ROUNDOFF = 0x1p-24;

    /**
     * The unit roundoff of the arithmetic G was formed in: {@link #FLOAT64_ROUNDOFF} (the default) for a float64 Gram
     * pass, {@link #FLOAT32_ROUNDOFF} for one over X rounded to float32 (see {@link ResidentProblem#gramSystem(boolean,
     * boolean)}). The solver's convergence test for refinement with this G depends on it.
     */
    default double unitRoundoff() {
        return FLOAT64_ROUNDOFF;
    }

    /**
     * G's storage, host memory (a heap array or off-heap memory), capacity n²: column-major, lower triangle. Writable —
     * core scales G in place before {@link #cholesky()}, which then overwrites it with L. Absolute indexing (the
     * buffer's position is 0).
     */
    DoubleBuffer lower();

    /** c = X_cᵀy_c (length n; a copy). */
    double[] moment();

    /**
     * Cholesky factorisation G = LLᵀ in place (the lower triangle of {@link #lower()} becomes L).
     *
     * @return 0 on success, or j + 1 when the leading (j+1) × (j+1) minor is not positive definite
     */
    int cholesky();

    /**
     * G ← D·G·D with D = diag({@code scales}) (host array, length n), on the lower triangle of {@link #lower()} (written
     * in place; nothing else is). Returns ‖D·G·D‖₁ of the symmetric matrix — its largest column sum of magnitudes, an
     * entry (i, j) below the diagonal counting in columns j and i — which is not finite when a scaled entry is not.
     * Core chooses the scales; the default applies them in Java over {@link #lower()}.
     */
    default double scale(double[] scales) {
        return dev.downhill.internal.direct.JavaDenseKernels.scaleSymmetricLower(lower(), size(), scales);
    }

    /**
     * x = G⁻¹b = (LLᵀ)⁻¹b by two triangular solves with the factor {@link #cholesky()} wrote; {@code b} (host, length
     * n) is not modified, x is a fresh host array. The default solves in Java over {@link #lower()}.
     */
    default double[] solve(double[] b) {
        return dev.downhill.internal.direct.JavaDenseKernels.choleskySolve(lower(), size(), b);
    }

    /**
     * An estimate of ‖G⁻¹‖₁ from the factor {@link #cholesky()} wrote (Hager–Higham, as LAPACK's dpocon); L is not
     * modified. See {@link DenseKernels#choleskyInverseNormEstimate}.
     */
    double inverseNormEstimate();

    /**
     * Two readings of (LLᵀ)⁻¹ = L⁻ᵀL⁻¹ off the factor L {@link #cholesky()} wrote, without forming it (what the
     * coefficients' standard errors need): its diagonal, ((LLᵀ)⁻¹)ⱼⱼ = ‖L⁻¹eⱼ‖² = Σᵢ≥ⱼ (L⁻¹)ᵢⱼ² — the squared column
     * norms of L⁻¹, which is zero above its diagonal — written into {@code diagonal} (host, length n, every entry
     * written); and the quadratic form vᵀ(LLᵀ)⁻¹v = ‖L⁻¹v‖², returned, 0 when {@code v} is null ({@code v}: host, length
     * n, not modified). O(n³/6) multiply-adds.
     *
     * <p>The factor's last use: an implementation may overwrite L (the cpu backend inverts it in place, LAPACK dtrtri), so
     * afterwards the contents of {@link #lower()} are unspecified and only {@link #close()} may follow — not {@link #solve}
     * nor {@link #inverseNormEstimate()}. The default leaves L as it is: one forward substitution per column in Java over
     * {@link #lower()} ({@link dev.downhill.internal.direct.JavaDenseKernels#choleskyInverseDiagonal}), on the calling
     * thread, stopping between columns on an interrupt ({@link Interrupts}); an implementation in native code cannot be
     * interrupted, so the caller checks before it.
     */
    default double inverseDiagonal(double[] v, double[] diagonal) {
        return dev.downhill.internal.direct.JavaDenseKernels.choleskyInverseDiagonal(lower(), size(), v, diagonal);
    }

    @Override
    void close();
}
