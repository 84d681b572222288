package dev.downhill;

import java.util.Arrays;
import java.util.Objects;

/**
 * What K-fold cross-validation over a regularization path found ({@link CrossValidation}).
 *
 * <p>Equality is by value: {@link #equals}, {@link #hashCode} and {@link #toString} use the arrays' contents (not their
 * identity), the doubles as {@link Double#compare} does. A report read back from a model file has no coefficient path,
 * so it equals the written one only when that had none either. The arrays are copied in and out.
 *
 * @param folds         K
 * @param rule          how α was chosen: "min" (least mean validation MSE) or "1se" (the largest α whose mean is within
 *                      one standard error of that minimum, glmnet's {@code lambda.1se})
 * @param alphas        the path, decreasing
 * @param meanMse       per α, the mean over the folds of the validation MSE
 * @param standardError per α, the standard deviation of the folds' MSEs / √K
 * @param alphaMin      the α of least mean validation MSE
 * @param alpha1se      the largest α with mean MSE ≤ that minimum + its standard error
 * @param chosenAlpha   the α of the model (alphaMin or alpha1se, by the rule)
 * @param coefficientPath per α, θ of the full-data path's fit ({@code [k][j]}: α_k, feature j), or null when not known:
 *                      kept in memory for the coefficient-path plot, not written to the model file (100·n numbers), so
 *                      null in a report read back from one, and null from a cross-validation whose path has more than
 *                      10,000,000 values (α's × features: wide X; {@code CrossValidation.path} returns the fits, their θ among them)
 */
public record CrossValidationReport(int folds, String rule, double[] alphas, double[] meanMse, double[] standardError,
                                    double alphaMin, double alpha1se, double chosenAlpha, double[][] coefficientPath) {
    /**
     * Copies the arrays; throws {@link NullPointerException} naming the argument when {@code rule}, {@code alphas},
     * {@code meanMse} or {@code standardError} is null ({@code coefficientPath} may be: not known), and
     * {@link IllegalArgumentException} when a coefficient path is given whose length is not the number of α's.
     */
    public CrossValidationReport {
        Objects.requireNonNull(rule, "rule");
        alphas = Objects.requireNonNull(alphas, "alphas").clone();
        meanMse = Objects.requireNonNull(meanMse, "meanMse").clone();
        standardError = Objects.requireNonNull(standardError, "standardError").clone();
        coefficientPath = copy(coefficientPath);
        if (coefficientPath != null && coefficientPath.length != alphas.length) {
            throw new IllegalArgumentException("a coefficient path needs one θ per α: " + coefficientPath.length + " for "
                    + alphas.length);
        }
    }

    /**
     * Whether the least mean validation error came at the path's smallest α and was still falling there (lower than at
     * the α before it): a smaller α than the path holds may fit better.
     */
    public boolean minimumAtPathEnd() {
        int last = alphas.length - 1;
        return last >= 1 && alphaMin == alphas[last] && meanMse[last] < meanMse[last - 1];
    }

    /**
     * Whether the mean validation error is the same along the whole path (its spread at most 1e-9 of its size): the α's
     * never moved the fits — a ridge on X whose scale is far from 1 (the path follows the lasso's α_max = max|Xᵀy|/m,
     * which scales with X, while a ridge's penalty acts at X's squared scale: at X·1e-100 every α shrank θ to 0, at
     * X·1e100 none shrank it), or y unrelated to every column. The choice (α_max) then says nothing.
     */
    public boolean flat() {
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (double v : meanMse) {
            low = Math.min(low, v);
            high = Math.max(high, v);
        }
        return meanMse.length > 1 && high - low <= 1e-9 * Math.abs(high);
    }

    /** A report without the coefficient path (as read from a model file). */
    public CrossValidationReport(int folds, String rule, double[] alphas, double[] meanMse, double[] standardError,
                                 double alphaMin, double alpha1se, double chosenAlpha) {
        this(folds, rule, alphas, meanMse, standardError, alphaMin, alpha1se, chosenAlpha, null);
    }

    /** Whether the report holds the coefficient path (without copying it, as {@link #coefficientPath()} does). */
    public boolean hasCoefficientPath() {
        return coefficientPath != null;
    }

    /**
     * Per α, θ of the full-data path's fit ({@code [k][j]}), or null when not known (a report read from a model file).
     *
     * @return a deep copy, or null
     */
    @Override
    public double[][] coefficientPath() {
        return copy(coefficientPath);
    }

    private static double[][] copy(double[][] a) {
        if (a == null) {
            return null;
        }
        double[][] c = new double[a.length][];
        for (int k = 0; k < a.length; k++) {
            c[k] = a[k].clone();
        }
        return c;
    }

    /**
     * The path's α's, decreasing.
     *
     * @return a copy
     */
    @Override
    public double[] alphas() {
        return alphas.clone();
    }

    /**
     * Per α, the mean over the folds of the validation MSE.
     *
     * @return a copy, one per α
     */
    @Override
    public double[] meanMse() {
        return meanMse.clone();
    }

    /**
     * Per α, the standard deviation of the folds' validation MSEs divided by √K.
     *
     * @return a copy, one per α
     */
    @Override
    public double[] standardError() {
        return standardError.clone();
    }

    /** Equal when every component is: the arrays by contents, doubles as {@link Double#compare} compares them. */
    @Override
    public boolean equals(Object o) {
        return o instanceof CrossValidationReport r && r.folds == folds && Objects.equals(r.rule, rule) && Arrays.equals(r.alphas, alphas)
                && Arrays.equals(r.meanMse, meanMse) && Arrays.equals(r.standardError, standardError)
                && Double.compare(r.alphaMin, alphaMin) == 0 && Double.compare(r.alpha1se, alpha1se) == 0
                && Double.compare(r.chosenAlpha, chosenAlpha) == 0 && Arrays.deepEquals(r.coefficientPath, coefficientPath);
    }

    @Override
    public int hashCode() {
        return Objects.hash(folds, rule, Arrays.hashCode(alphas), Arrays.hashCode(meanMse), Arrays.hashCode(standardError), alphaMin,
                alpha1se, chosenAlpha, Arrays.deepHashCode(coefficientPath));
    }

    /** The components by name, the arrays by their contents (the coefficient path by its size). */
    @Override
    public String toString() {
        return "CrossValidationReport[folds=" + folds + ", rule=" + rule + ", alphas=" + Arrays.toString(alphas) + ", meanMse="
                + Arrays.toString(meanMse) + ", standardError=" + Arrays.toString(standardError) + ", alphaMin=" + alphaMin
                + ", alpha1se=" + alpha1se + ", chosenAlpha=" + chosenAlpha + ", coefficientPath="
                + (coefficientPath == null ? "null" : coefficientPath.length + " × θ") + "]";
    }
}
