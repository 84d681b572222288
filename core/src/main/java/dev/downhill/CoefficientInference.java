package dev.downhill;

import dev.downhill.internal.inference.StudentT;
import java.util.Arrays;

/**
 * Standard errors, t-values and two-sided p-values of an ordinary (unpenalised) least-squares fit's coefficients and
 * intercept — what R's {@code summary.lm}, statsmodels' {@code OLS}/{@code WLS} and Spark's
 * {@code LinearRegressionTrainingSummary} report — computed by the exact solvers when {@link FitConfig#standardErrors()}
 * asks for them ({@link FittedModel#inference()}).
 *
 * <p>Formulas, with X_c and y the centred X and the targets (centred by the weighted means x̄ when the intercept is fitted,
 * X itself without one), W = diag(w) the sample weights (W = I unweighted), θ, b the fit and rᵢ = xᵢᵀθ + b − yᵢ:
 * <pre>
 *   ν        = m − p                                 degrees of freedom; m rows, p = rank(X_c) + 1 with an intercept
 *   σ̂²       = Σᵢ wᵢrᵢ² / ν                          the residual variance
 *   Cov(θ)   = σ̂²·(X_cᵀWX_c)⁻¹                       SE(θⱼ) = √Cov(θ)ⱼⱼ
 *   Var(b)   = σ̂²·(1/Σw + x̄ᵀ(X_cᵀWX_c)⁻¹x̄)          SE(b) = √Var(b)
 *   tⱼ       = θⱼ / SE(θⱼ),   pⱼ = P(|T_ν| ≥ |tⱼ|)    Student's t with ν degrees of freedom
 * </pre>
 * Var(b) follows from b = ȳ − x̄ᵀθ: under the model Var(yᵢ) = σ²/wᵢ, Var(ȳ) = σ²/Σw, and ȳ is uncorrelated with θ
 * because Cov(ȳ, X_cᵀWy) = (σ²/Σw)·Σᵢ wᵢx̃ᵢ = 0 (the weighted columns of X_c sum to 0); so Var(b) = Var(ȳ) + x̄ᵀCov(θ)x̄.
 * It equals the intercept's entry of σ̂²·([1 X]ᵀW[1 X])⁻¹, the uncentred formula, without forming that worse-conditioned
 * matrix.
 *
 * <p>Weights are inverse variances (precision weights), as in statsmodels' {@code WLS} and Spark's
 * {@code LinearRegression} with a weight column: σ̂² divides Σwᵢrᵢ² by m − p with m the number of rows — not by Σw − p
 * (frequency weights, statsmodels' {@code GLM(freq_weights=)}) — so rescaling every weight by c leaves every standard error
 * unchanged (σ̂² scales by c, (X_cᵀWX_c)⁻¹ by 1/c). Rows of weight 0 do not count in m, as in R's {@code lm} and Spark's
 * summary (statsmodels' {@code WLS} counts them): they carry no information, and counting them shrank every standard error
 * (950 rows of weight 0 beside 50 real ones turned a p-value of 0.14 into 5e-12). ν uses the rank, as R and statsmodels do (Spark uses the column
 * count; they agree at full rank).
 *
 * <p>Columns whose coefficient is not estimable have NaN statistics: constant columns, which the exact solvers give
 * coefficient 0 (all-zero columns without an intercept), and, in a rank-deficient SVD fit, every column in the span of the
 * dropped directions. A constant column is treated as absent from the model, as R's {@code lm} treats an aliased column:
 * the intercept's statistics are those of the fit without it. With m ≤ p (ν ≤ 0) every statistic is NaN.
 *
 * <p>Precision: the statistics are computed in float64 from the solver's factorization (the normal equations' Cholesky
 * factor of the scaled X_cᵀWX_c, or the SVD of X's triangular factor): their relative error is about κ·ε₆₄, κ the condition
 * number of the column-scaled X_cᵀWX_c — 1e-12 at κ = 1e4. A float32 fit's statistics are those of the float32-rounded X
 * computed in float64 (the rounding of X is not propagated into them: it moves them by about κ·2⁻²⁴ relative, like θ).
 *
 * <p>Arrays are copied in and out; the record is immutable (and serializable, for Spark's summaries).
 *
 * @param standardErrors        SE(θⱼ), length n
 * @param tValues               tⱼ = θⱼ/SE(θⱼ)
 * @param pValues               two-sided pⱼ
 * @param interceptFitted       whether the fit had an intercept (else its three statistics are NaN)
 * @param interceptStandardError SE(b); NaN without an intercept
 * @param interceptTValue       b/SE(b); NaN without an intercept
 * @param interceptPValue       its two-sided p-value; NaN without an intercept
 * @param degreesOfFreedom      ν = m − p (may be ≤ 0, then every statistic is NaN)
 * @param residualVariance      σ̂² = Σwᵢrᵢ²/ν in the units of y² (weighted: times the weights' unit); NaN when ν ≤ 0
 */
public record CoefficientInference(double[] standardErrors, double[] tValues, double[] pValues, boolean interceptFitted,
                                   double interceptStandardError,
                                   double interceptTValue, double interceptPValue, long degreesOfFreedom,
                                   double residualVariance) implements java.io.Serializable {
    /**
     * Copies the three arrays; throws {@link NullPointerException} naming one that is null, {@link IllegalArgumentException}
     * when they differ in length, or when {@code interceptFitted} is false and an intercept statistic is not NaN.
     */
    public CoefficientInference {
        standardErrors = java.util.Objects.requireNonNull(standardErrors, "standardErrors").clone();
        tValues = java.util.Objects.requireNonNull(tValues, "tValues").clone();
        pValues = java.util.Objects.requireNonNull(pValues, "pValues").clone();
        if (tValues.length != standardErrors.length || pValues.length != standardErrors.length) {
            throw new IllegalArgumentException("standard errors, t-values and p-values differ in length: " + standardErrors.length
                    + ", " + tValues.length + ", " + pValues.length);
        }
        if (!interceptFitted && !(Double.isNaN(interceptStandardError) && Double.isNaN(interceptTValue)
                && Double.isNaN(interceptPValue))) {
            throw new IllegalArgumentException("a fit without an intercept has no intercept statistics (NaN), got "
                    + interceptStandardError + ", " + interceptTValue + ", " + interceptPValue);
        }
    }

    /**
     * The statistics of θ and b from the diagonal of (X_cᵀWX_c)⁻¹ and x̄ᵀ(X_cᵀWX_c)⁻¹x̄ (class Javadoc).
     *
     * @param inverseGramDiagonal ((X_cᵀWX_c)⁻¹)ⱼⱼ, NaN for a coefficient that is not estimable
     * @param meanQuadraticForm   x̄ᵀ(X_cᵀWX_c)⁻¹x̄ over the estimable columns, NaN when b is not estimable; unused without
     *                            an intercept
     * @param weightSum           Σw (m unweighted), in the weights' scale the Gram matrix was formed in
     * @param residualSquares     Σwᵢrᵢ² in that scale
     */
    static CoefficientInference of(double[] theta, double intercept, boolean fitIntercept, double[] inverseGramDiagonal,
                                   double meanQuadraticForm, double weightSum, double residualSquares, long degreesOfFreedom) {
        int n = theta.length;
        double sigma2 = degreesOfFreedom > 0 ? residualSquares / degreesOfFreedom : Double.NaN;
        StudentT t = degreesOfFreedom > 0 ? new StudentT(degreesOfFreedom) : null;
        double[] se = new double[n];
        double[] tv = new double[n];
        double[] pv = new double[n];
        for (int j = 0; j < n; j++) {
            se[j] = Math.sqrt(sigma2 * inverseGramDiagonal[j]);
            tv[j] = theta[j] / se[j];
            pv[j] = t == null ? Double.NaN : t.twoSidedPValue(tv[j]);
        }
        double seB = Double.NaN;
        double tB = Double.NaN;
        double pB = Double.NaN;
        if (fitIntercept) {
            seB = Math.sqrt(sigma2 * (1 / weightSum + meanQuadraticForm));
            tB = intercept / seB;
            pB = t == null ? Double.NaN : t.twoSidedPValue(tB);
        }
        return new CoefficientInference(se, tv, pv, fitIntercept, seB, tB, pB, degreesOfFreedom, sigma2);
    }

    /**
     * The same statistics for ν' = {@code degreesOfFreedom} residual degrees of freedom instead of ν (Σwᵢrᵢ² and the
     * inverse Gram matrix unchanged): σ̂²' = σ̂²·ν/ν', every standard error times √(ν/ν'), every t-value times √(ν'/ν), the
     * p-values from Student's t with ν'. For a caller that knows m better than the fit did (the Spark estimator counts its
     * rows of positive weight in its metrics pass). ν' ≤ 0 makes every statistic NaN; a NaN statistic stays NaN.
     */
    public CoefficientInference withDegreesOfFreedom(long degreesOfFreedom) {
        if (degreesOfFreedom == this.degreesOfFreedom) {
            return this;
        }
        boolean none = degreesOfFreedom <= 0 || this.degreesOfFreedom <= 0;
        double ratio = none ? Double.NaN : (double) this.degreesOfFreedom / degreesOfFreedom; // ν/ν'
        StudentT t = none ? null : new StudentT(degreesOfFreedom);
        int n = standardErrors.length;
        double[] se = new double[n];
        double[] tv = new double[n];
        double[] pv = new double[n];
        for (int j = 0; j < n; j++) {
            se[j] = standardErrors[j] * Math.sqrt(ratio);
            tv[j] = tValues[j] / Math.sqrt(ratio);
            pv[j] = t == null ? Double.NaN : t.twoSidedPValue(tv[j]);
        }
        double seB = interceptFitted ? interceptStandardError * Math.sqrt(ratio) : Double.NaN;
        double tB = interceptFitted ? interceptTValue / Math.sqrt(ratio) : Double.NaN;
        double pB = interceptFitted && t != null ? t.twoSidedPValue(tB) : Double.NaN;
        return new CoefficientInference(se, tv, pv, interceptFitted, seB, tB, pB, degreesOfFreedom, residualVariance * ratio);
    }

    /** Number of coefficients n. */
    public int features() {
        return standardErrors.length;
    }

    /**
     * SE(θⱼ), NaN where θⱼ is not estimable.
     *
     * @return a copy, length n
     */
    @Override
    public double[] standardErrors() {
        return standardErrors.clone();
    }

    /**
     * tⱼ = θⱼ/SE(θⱼ), NaN where θⱼ is not estimable (±∞ for a perfect fit's nonzero θⱼ).
     *
     * @return a copy, length n
     */
    @Override
    public double[] tValues() {
        return tValues.clone();
    }

    /**
     * The two-sided pⱼ = P(|T_ν| ≥ |tⱼ|), NaN where θⱼ is not estimable.
     *
     * @return a copy, length n
     */
    @Override
    public double[] pValues() {
        return pValues.clone();
    }

    /** Equal when every component is: arrays by contents, doubles as {@link Double#compare} compares them (NaN equals NaN). */
    @Override
    public boolean equals(Object o) {
        return o instanceof CoefficientInference c && Arrays.equals(c.standardErrors, standardErrors)
                && Arrays.equals(c.tValues, tValues) && Arrays.equals(c.pValues, pValues) && c.interceptFitted == interceptFitted
                && Double.compare(c.interceptStandardError, interceptStandardError) == 0
                && Double.compare(c.interceptTValue, interceptTValue) == 0
                && Double.compare(c.interceptPValue, interceptPValue) == 0 && c.degreesOfFreedom == degreesOfFreedom
                && Double.compare(c.residualVariance, residualVariance) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(standardErrors) + Arrays.hashCode(tValues)) + Arrays.hashCode(pValues)
                + Long.hashCode(degreesOfFreedom) + Double.hashCode(residualVariance) + Double.hashCode(interceptStandardError);
    }

    @Override
    public String toString() {
        return "CoefficientInference[standardErrors=" + Arrays.toString(standardErrors) + ", tValues=" + Arrays.toString(tValues)
                + ", pValues=" + Arrays.toString(pValues) + ", interceptFitted=" + interceptFitted + ", interceptStandardError=" + interceptStandardError
                + ", interceptTValue=" + interceptTValue + ", interceptPValue=" + interceptPValue + ", degreesOfFreedom="
                + degreesOfFreedom + ", residualVariance=" + residualVariance + "]";
    }
}
