package dev.downhill.internal;

import dev.downhill.spi.ExtendedResidual;
import dev.downhill.spi.ResidentProblem;

/**
 * One column's spread measured without squaring its values in float64: what the normal equations need to say why a
 * column's entry of XᵀX is 0, and the gradient solvers to say how small a column too small to square is
 * ({@link ColumnMagnitudes}). That entry, Σᵢ wᵢx̃ᵢⱼ² (x̃ centred when fitting an intercept, else x), is 0 both when the
 * column is constant (every x̃ᵢⱼ = 0) and when its values are too small to square (every |x̃ᵢⱼ| below about 1.5e-162,
 * e.g. ±1e-200): the column statistics cannot tell the two apart when the mean is 0. The extended residual pass can,
 * since g(θ) = X_cᵀW(y_c − X_cθ) is affine in θ and carried in double-double:
 * <pre>  s·Σᵢ wᵢx̃ᵢⱼ² = gⱼ(0) − gⱼ(s·eⱼ),   s = 2^{@value #PROBE_EXPONENT},</pre>
 * in which each product x̃ᵢⱼ·(s·x̃ᵢⱼ) is representable where x̃ᵢⱼ² is not (|x̃ᵢⱼ| ≥ about 7e-313), and no residual
 * overflows (|s·x̃ᵢⱼ| &lt; 2^463). Two O(mn) passes, made only on the way to a refusal, and only when the mean is
 * below {@value #LARGE_MEAN_EXPONENT} in binary exponent (a larger one settles it: see {@link #of}).
 */
public final class ColumnSpread {
    /** s = 2^this in the probe θ = s·eⱼ. */
    static final int PROBE_EXPONENT = 1000;

    /**
     * A centred unweighted column whose XᵀX entry is 0 and whose mean is at least 2^this in magnitude is constant: each |x̃ᵢⱼ| is then
     * below 2⁻⁵³⁷, while two float64 values near such a mean differ by at least its ulp, 2⁻⁴⁵² or more.
     */
    static final int LARGE_MEAN_EXPONENT = -400;

    /**
     * Below this share of |x̄ⱼ| a spread is the double-double mean's rounding (about 2⁻¹⁰⁶·|x̄ⱼ|), not the data's: two
     * distinct float64 values differ by at least 2⁻⁵³ of their size, so a real spread over m ≤ 2⁶⁰ rows is at least
     * 2⁻⁸³·|x̄ⱼ|.
     */
    static final double MEAN_ROUNDING = 0x1p-90;

    private ColumnSpread() {
    }

    /**
     * For column j, whose entry of X_cᵀWX_c ({@code centred}) or XᵀWX is 0: ρⱼ = √((1/Σw)·Σᵢ wᵢx̃ᵢⱼ²), its root mean
     * square about its mean ({@code centred}) or about 0, measured with nothing squared in float64 — or 0 when the
     * column is constant (every x̃ᵢⱼ is 0). Constant: centred with |x̄ⱼ| ≥ 2^{@value #LARGE_MEAN_EXPONENT} (no pass), or
     * ρⱼ measured 0 (every |x̃ᵢⱼ| below about 7e-313: a value of a few subnormal bits cannot be told from 0 this way
     * either), or, centred, at most {@link #MEAN_ROUNDING}·|x̄ⱼ| (what centring by the double-double mean leaves of a
     * constant column). A constant column's residue s·x̃ᵢⱼ may overflow for large means; a difference that is not finite
     * reads as 0, the right answer for it.
     */
    public static double of(ResidentProblem problem, boolean centred, int j) {
        double mean = Math.abs(problem.columnStatistics().means()[j]);
        if (centred && !problem.weighted() && mean >= Math.scalb(1.0, LARGE_MEAN_EXPONENT)) {
            // weighted, the entry Σwᵢx̃ᵢⱼ² also vanishes for a column that varies well above 2⁻⁵³⁷ when the weights are small
            // (X ≈ 1e-90, weights ≈ 1e-150: it was called "constant"): the passes tell
            return 0;
        }
        ExtendedResidual pass = problem.extendedResidual(centred);
        double[] theta = new double[Math.toIntExact(problem.cols())];
        double base = pass.transposedResidual(theta)[j];
        theta[j] = Math.scalb(1.0, PROBE_EXPONENT);
        double difference = base - pass.transposedResidual(theta)[j]; // s·Σ wᵢx̃ᵢⱼ² (≥ 0)
        if (!(difference > 0) || !Double.isFinite(difference)) {
            return 0;
        }
        double spread = Math.scalb(Math.sqrt(difference / problem.weightSum()), -PROBE_EXPONENT / 2);
        return centred && spread <= MEAN_ROUNDING * mean ? 0 : spread;
    }

    /**
     * Whether every one of {@code columns} — columns whose entry of X_cᵀWX_c ({@code centred}) or XᵀWX is 0 — is all
     * zero after centring (or all zero): two extended-residual passes for them all, where {@link #of} makes two per column.
     * The probe θ = s·Σₖ cₖeₖ over those columns, cₖ ∈ [1, 2) fixed, gives g(0) − g(θ) = s·X̃ᵀWX̃c, whose entry k is
     * s·Σᵢ wᵢx̃ᵢₖvᵢ with v = X̃_J c. Every x̃ₖ = 0 makes them exactly 0. Otherwise Σₖ cₖ·(entry k) = s·Σᵢ wᵢvᵢ² is
     * positive unless v = 0, which columns not all zero give only for c in a set of measure zero: an entry is then
     * non-zero and the answer false (the caller asks {@link #of} column by column). No squares are formed in float64
     * (see the class comment), so columns too small to square are not mistaken for zero ones.
     */
    public static boolean allConstant(ResidentProblem problem, boolean centred, int[] columns) {
        ExtendedResidual pass = problem.extendedResidual(centred);
        double[] theta = new double[Math.toIntExact(problem.cols())];
        double[] base = pass.transposedResidual(theta);
        for (int k = 0; k < columns.length; k++) {
            theta[columns[k]] = Math.scalb(1.0 + ((k * 0x9E3779B97F4A7C15L) >>> 12) * 0x1.0p-52, PROBE_EXPONENT);
        }
        double[] probed = pass.transposedResidual(theta);
        for (int j : columns) {
            if (base[j] - probed[j] != 0) {
                return false;
            }
        }
        return true;
    }
}
