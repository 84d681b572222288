package dev.downhill.internal;

import dev.downhill.Penalty;
import dev.downhill.spi.DenseKernels;
import dev.downhill.spi.ResidentProblem;

/**
 * An estimate of the condition number of the operator conjugate gradients work with, from a CountSketch of X
 * ({@link ResidentProblem#sketchGram}): what certifies {@link dev.downhill.Solver#AUTO}'s cg trial ({@link TrialCertificate}).
 *
 * <p>cg minimises ½βᵀHβ − bᵀβ in the standardized coordinates β of {@link CentredObjective}:
 * H = S((2/W)·X_cᵀWX_c + diag λ)S with S the objective's scaling (diag(1/σⱼ) when standardized, 1/√(σⱼ² + λⱼ/2) with
 * an l2 term; else I), constant columns left out, λ the
 * l2 penalty's factors. It stops when ‖g‖ ≤ tol·‖g₀‖; since g = H(β − β*) and g₀ = −Hβ*, the answer's error is then
 * ‖β − β*‖ ≤ κ(H)·tol·‖β*‖. On data whose columns are nearly dependent, κ(H) = κ(X_cS)² passes 1/ε and cg's gradient
 * norm says nothing about θ: cg "converges" to a θ unrelated to the least-squares answer (a reviewer's example:
 * 4,000 × 300 with one column the sum of two others plus 1e-9 noise gave θ₀ = 0.26 against −551,378).
 *
 * <p>The estimate: A = the sketch of W^½X_c with s = {@value #OVERSAMPLING}·n rows (when X has at most
 * {@value #ROWS_PER_BUCKET}·s rows, its exact Gram matrix instead: {@link ResidentProblem#crossProducts}), made from a
 * sample of about {@value #ROWS_PER_BUCKET}·s rows (each row kept with probability p = min(1, {@value #ROWS_PER_BUCKET}s/m) and scaled
 * by 1/√p); Ĥ = S((2/W)AᵀA + diag λ)S; κ̂ = λ_max(Ĥ)/λ_min(Ĥ), each by {@value #POWER_STEPS} steps of power iteration
 * (on Ĥ, and on Ĥ⁻¹ through its Cholesky factor) from a fixed random vector; +∞ when Cholesky finds Ĥ not positive
 * definite or κ̂ ≥ 1/(kε). For any fixed vector v, ‖Av‖² is an unbiased estimate of ‖W^½X_cv‖², so (Markov) the
 * sketch puts the near-null direction of nearly dependent columns no more than t times higher than it is except with
 * probability 1/t: a sketch does not hide ill-conditioning. It overstates a well-conditioned operator's κ by its own
 * spread, about ((1 + √(n/s))/(1 − √(n/s)))² ≈ 34 for a Gaussian sketch of s = 2n rows (measured: κ̂ ≈ 30 for κ(H) ≈ 1,
 * 4.7e3 for 1e3, 3.5e6 for 1e6, in SketchedConditionTest), and it may overstate it more when rare rows carry a column
 * (a binary feature set in a few rows may miss the sample: Ĥ singular), which only costs the trial. A read of the
 * sampled rows, then O(sn²) for AᵀA and O(n³/3) for Cholesky — against the Gram pass's O(mn²) when m ≫ n.
 */
public final class SketchedCondition {
    /** The sketch has this many rows per column of X. */
    public static final int OVERSAMPLING = 2;
    /** Rows of X sampled per row of the sketch (all rows when X has fewer than this many times the sketch's). */
    public static final int ROWS_PER_BUCKET = 4;
    /** The sketch's hash seed: fixed, so that auto's choice does not depend on a solver's seed. */
    static final long SEED = 0x5EED_C0DE_D0E5_C6A1L;
    private SketchedCondition() {
    }

    /**
     * κ̂ for cg's operator on {@code objective}'s problem, scaling, constant columns and the l2 part of its penalty
     * (user units: an objective made without internal rescaling): NaN when the backend has no sketch pass, +∞ when the
     * sketched operator is singular to working precision.
     */
    public static double estimate(CentredObjective objective) {
        Spectrum s = spectrum(objective, false);
        return s == null ? Double.NaN : s.condition();
    }

    /**
     * The extreme eigenvalues of Ĥ, cg's operator estimated from a sketch of X as {@link #estimate} does, or from X's exact
     * Gram matrix ({@link ResidentProblem#crossProducts}: one O(mn²) pass) when {@code exactGram} or when X has no more than
     * {@value #ROWS_PER_BUCKET}·s rows; null when a sketch was to be made and the backend has no sketch pass. Where an
     * unstandardized Ĥ is singular to working precision, also κ̂ of Ĥ at unit diagonal ({@link Spectrum#unitDiagonalCondition}).
     */
    public static Spectrum spectrum(CentredObjective objective, boolean exactGram) {
        Hessian h = hessian(objective, exactGram);
        return h == null ? null : h.spectrum();
    }

    /**
     * Ĥ as {@link #spectrum} makes it, with its extreme eigenvalues and its Cholesky factor (for {@link Hessian#solve});
     * null when a sketch was to be made and the backend has no sketch pass.
     */
    public static Hessian hessian(CentredObjective objective, boolean exactGram) {
        ResidentProblem problem = objective.problem();
        int n = Math.toIntExact(problem.cols());
        int sketchRows = Math.multiplyExact(OVERSAMPLING, Math.max(n, 1));
        double[] gram;
        boolean exact = exactGram || problem.rows() <= (long) ROWS_PER_BUCKET * sketchRows;
        if (exact) {
            // the sketch would hold every row, and with m < ~1.4·s rows in s buckets it is rank deficient (empty buckets):
            // the exact Gram matrix (the Gram pass) costs the same O(mn²) here and certifies exactly
            gram = problem.crossProducts(objective.centred()).gram();
        } else {
            double rowRate = ROWS_PER_BUCKET * (double) sketchRows / problem.rows();
            gram = problem.sketchGram(sketchRows, rowRate, SEED, objective.centred());
            if (gram == null) {
                return null;
            }
        }
        DenseKernels kernels = problem.denseKernels();
        double[] squaredScales = objective.squaredScales();
        int[] active = java.util.stream.IntStream.range(0, n).filter(j -> squaredScales[j] > 0).toArray();
        int k = active.length;
        if (k == 0) {
            return new Hessian(new Spectrum(1, 1, 0), exact, n, active, new double[0]);
        }
        double[] factor = operator(objective, gram, n, active, false);
        Spectrum spectrum = spectrumOf(factor, k, kernels);
        if (Double.isInfinite(spectrum.condition()) && !objective.standardized()) {
            // singular to working precision unstandardized: the same Ĥ at unit diagonal (the standardized operator, up to
            // a factor 2) tells the columns' scales from their dependence — from the same Gram matrix, no pass over X
            Spectrum scaled = spectrumOf(operator(objective, gram, n, active, true), k, kernels);
            spectrum = new Spectrum(spectrum.largest(), spectrum.smallest(), k, scaled.condition());
        }
        return new Hessian(spectrum, exact, n, active, spectrum.smallest() > 0 ? factor : null);
    }

    /**
     * Ĥ, the operator of {@link #hessian}: its extreme eigenvalues, whether it is made from X's exact Gram matrix (else from
     * a sketch), and its Cholesky factor LLᵀ = Ĥ over the {@code active} columns (k × k, column-major, lower triangle; null
     * when Ĥ is not positive definite). Host memory; the factor is owned here and not exposed.
     */
    public static final class Hessian {
        private final Spectrum spectrum;
        private final boolean exact;
        private final int columns;
        private final int[] active;
        private final double[] factor;

        Hessian(Spectrum spectrum, boolean exact, int columns, int[] active, double[] factor) {
            this.spectrum = spectrum;
            this.exact = exact;
            this.columns = columns;
            this.active = active;
            this.factor = factor;
        }

        /** Ĥ's extreme eigenvalues. */
        public Spectrum spectrum() {
            return spectrum;
        }

        /** Whether Ĥ is made from X's exact Gram matrix (a solve with it is then exact up to rounding), not a sketch. */
        public boolean exact() {
            return exact;
        }

        /**
         * Ĥ⁻¹g for a gradient {@code g} in the standardized coordinates (n values, the constant columns' ignored): for the
         * quadratic objective, g = H(β − β*), so this is the step from β* to the point where g was taken — exactly, with an
         * exact Ĥ; n values, 0 at constant columns; null when Ĥ is not positive definite.
         */
        public double[] solve(double[] g) {
            if (factor == null || g.length != columns) {
                return null;
            }
            int k = active.length;
            double[] b = new double[k];
            for (int p = 0; p < k; p++) {
                b[p] = g[active[p]];
            }
            double[] w = dev.downhill.internal.direct.JavaDenseKernels.choleskySolve(java.nio.DoubleBuffer.wrap(factor), k, b);
            double[] out = new double[columns];
            for (int p = 0; p < k; p++) {
                out[active[p]] = w[p];
            }
            return out;
        }
    }

    /**
     * Ĥ = S((2/W)·G + diag λ)S over the {@code active} columns (k × k, column-major, both triangles) from X's Gram or
     * sketched Gram matrix {@code gram} (n × n); with {@code unitDiagonal}, Ĥ scaled to unit diagonal, D^−½ĤD^−½.
     */
    private static double[] operator(CentredObjective objective, double[] gram, int n, int[] active, boolean unitDiagonal) {
        Penalty penalty = objective.penalty();
        double[] squaredScales = objective.squaredScales();
        double[] lambda = penalty.l2Strength() > 0 ? penalty.l2Factors(n) : null;
        double ridge = 2 * penalty.l2Strength();
        int k = active.length;
        double normaliser = 2 / objective.weightSum();
        double[] h = new double[Math.multiplyExact(k, k)];
        for (int q = 0; q < k; q++) {
            int jq = active[q];
            double sq = Math.sqrt(squaredScales[jq]);
            for (int p = 0; p < k; p++) {
                int jp = active[p];
                h[p + q * k] = normaliser * Math.sqrt(squaredScales[jp]) * sq * gram[jp + jq * n];
            }
            if (lambda != null) {
                h[q + q * k] += squaredScales[jq] * ridge * lambda[jq];
            }
        }
        if (unitDiagonal) {
            double[] d = new double[k];
            for (int p = 0; p < k; p++) {
                d[p] = 1 / Math.sqrt(h[p + p * k]);
            }
            for (int q = 0; q < k; q++) {
                for (int p = 0; p < k; p++) {
                    h[p + q * k] *= d[p] * d[q];
                }
            }
        }
        return h;
    }

    /** The extreme eigenvalues of the k × k operator {@code h} (overwritten by its Cholesky factor). */
    private static Spectrum spectrumOf(double[] h, int k, DenseKernels kernels) {
        for (double v : h) {
            if (!Double.isFinite(v)) {
                return new Spectrum(Double.POSITIVE_INFINITY, 0, k);
            }
        }
        double largest = largestEigenvalue(h, k);
        if (!(largest > 0)) {
            return new Spectrum(largest, 0, k);
        }
        if (kernels.cholesky(h, k) != 0) {
            return new Spectrum(largest, 0, k);
        }
        return new Spectrum(largest, Math.max(0, 1 / largestInverseEigenvalue(h, k)), k);
    }

    /**
     * Ĥ's extreme eigenvalues, each by {@value #POWER_STEPS} power-iteration steps (λ_max from below, λ_min from above:
     * both near exact when they are well separated from the next); {@code smallest} 0 when Cholesky found Ĥ not positive
     * definite.
     *
     * @param largest   λ̂_max
     * @param smallest  λ̂_min (0: singular to working precision)
     * @param dimension the order k of Ĥ (X's columns less the constant ones)
     * @param unitDiagonalCondition κ̂ of Ĥ scaled to unit diagonal — the standardized operator's — where an unstandardized
     *                  Ĥ is singular to working precision (+∞ when that one is too); NaN otherwise (not computed)
     */
    public record Spectrum(double largest, double smallest, int dimension, double unitDiagonalCondition) {
        /** A spectrum without the unit-diagonal condition number. */
        public Spectrum(double largest, double smallest, int dimension) {
            this(largest, smallest, dimension, Double.NaN);
        }

        /** κ̂ = λ̂_max/λ̂_min; +∞ when Ĥ is singular to working precision: λ̂_min ≤ 0 or κ̂ ≥ 1/(kε); 1 with no column. */
        public double condition() {
            if (dimension == 0) {
                return 1;
            }
            double kappa = largest / smallest;
            return smallest > 0 && largest > 0 && kappa < 1 / (dimension * EPSILON) ? kappa : Double.POSITIVE_INFINITY;
        }
    }

    private static final double EPSILON = Math.ulp(1.0) / 2;
    /** Power-iteration steps for each extreme eigenvalue (O(k²) each: far below the Cholesky's k³/3). */
    static final int POWER_STEPS = 12;

    /** λ_max of the symmetric k × k {@code h} (column-major, both triangles) by power iteration: a lower bound, ~exact. */
    private static double largestEigenvalue(double[] h, int k) {
        double[] v = start(k);
        double rayleigh = 0;
        double[] w = new double[k];
        for (int step = 0; step < POWER_STEPS; step++) {
            java.util.Arrays.fill(w, 0);
            for (int q = 0; q < k; q++) {
                double vq = v[q];
                int col = q * k;
                for (int p = 0; p < k; p++) {
                    w[p] += h[col + p] * vq;
                }
            }
            rayleigh = dot(v, w);
            if (!normalizeInto(w, v)) {
                return rayleigh;
            }
        }
        return rayleigh;
    }

    /** λ_max of H⁻¹ = (LLᵀ)⁻¹ from the factor in {@code l} by power iteration (inverse iteration on H). */
    private static double largestInverseEigenvalue(double[] l, int k) {
        java.nio.DoubleBuffer factor = java.nio.DoubleBuffer.wrap(l);
        double[] v = start(k);
        double rayleigh = 0;
        for (int step = 0; step < POWER_STEPS; step++) {
            double[] w = dev.downhill.internal.direct.JavaDenseKernels.choleskySolve(factor, k, v);
            rayleigh = dot(v, w);
            if (!normalizeInto(w, v)) {
                return rayleigh;
            }
        }
        return rayleigh;
    }

    /** A fixed unit vector with entries of random sign and size (from the sketch's hash): no eigenvector is missed. */
    private static double[] start(int k) {
        double[] v = new double[k];
        for (int p = 0; p < k; p++) {
            long z = dev.downhill.sampling.CounterBasedSampler.hash(SEED, p);
            v[p] = ((z >>> 11) * 0x1.0p-53) - 0.5;
        }
        normalizeInto(v, v);
        return v;
    }

    /** out ← w/‖w‖; false (out untouched) when ‖w‖ is 0 or not finite. */
    private static boolean normalizeInto(double[] w, double[] out) {
        double norm = Math.sqrt(dot(w, w));
        if (!(norm > 0) || !Double.isFinite(norm)) {
            return false;
        }
        for (int p = 0; p < w.length; p++) {
            out[p] = w[p] / norm;
        }
        return true;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int p = 0; p < a.length; p++) {
            s += a[p] * b[p];
        }
        return s;
    }
}
