package dev.downhill;

/**
 * What K-fold cross-validation over a regularization path found ({@link CrossValidation}).
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
 */
public record CrossValidationReport(int folds, String rule, double[] alphas, double[] meanMse, double[] standardError,
                                    double alphaMin, double alpha1se, double chosenAlpha) {
    public CrossValidationReport {
        alphas = alphas.clone();
        meanMse = meanMse.clone();
        standardError = standardError.clone();
    }

    @Override
    public double[] alphas() {
        return alphas.clone();
    }

    @Override
    public double[] meanMse() {
        return meanMse.clone();
    }

    @Override
    public double[] standardError() {
        return standardError.clone();
    }
}
