package dev.downhill.spark;

import dev.downhill.CoefficientInference;
import java.io.Serializable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What a fit reports, as Spark's {@code LinearRegressionTrainingSummary} names it. All in the user's units, over the
 * training data (weighted by the weight column when one is set). Besides the components, it has the rest of Spark's
 * summary — {@link #meanAbsoluteError()}, {@link #explainedVariance()}, {@link #r2adj()}, {@link #numInstances()},
 * {@link #degreesOfFreedom()}, {@link #predictions()}, {@link #residuals()}, {@link #predictionCol()}, {@link #labelCol()},
 * {@link #featuresCol()} — from {@link #metrics()}, the same
 * {@link DownhillRegressionMetrics} that {@code model.evaluate(trainingData)} returns (computed in the same fit pass as
 * meanSquaredError and r2, on the loaded partitions) — and Spark's normal solver's coefficient statistics,
 * {@link #coefficientStandardErrors()}, {@link #tValues()}, {@link #pValues()}; {@code devianceResiduals} is not here.
 *
 * @param objectiveHistory     the loss downhill's solver recorded at each iteration: the (weighted) MSE, plus twice the
 *                             penalty when regParam &gt; 0 (downhill's loss history; for the direct solvers one entry,
 *                             that objective at the answer — Spark's normal solver gives [0.0] — so that, as in Spark,
 *                             totalIterations is its length − 1)
 * @param meanSquaredError     (1/Σw)Σwᵢrᵢ² at the answer
 * @param rootMeanSquaredError √meanSquaredError
 * @param r2                   1 − Σwᵢrᵢ²/Σwᵢ(yᵢ − ȳ)² (through the origin, Σwᵢyᵢ² below, when fitIntercept is false); weighted,
 *                             Spark's differs (see {@link DownhillRegressionMetrics})
 * @param totalIterations      the solver's iterations (0 for normal and svd)
 * @param solver               the solver that ran (auto's choice resolved)
 * @param stopReason           why it stopped (downhill's StopReason name)
 * @param passes               Spark jobs run over the loaded partitions (the load and the clean-up not counted)
 * @param seconds              the fit's wall time, loading included
 * @param metrics              every metric of Spark's summary on the training data; null in a summary made with the
 *                             nine-argument constructor
 * @param inference            the coefficients' standard errors, t- and p-values ({@link #coefficientStandardErrors()},
 *                             {@link #tValues()}, {@link #pValues()}): computed, as Spark computes them, with regParam 0
 *                             for solver normal and svd, and auto with at most 4,096 features; null otherwise
 */
public record DownhillRegressionSummary(double[] objectiveHistory, double meanSquaredError, double rootMeanSquaredError,
                                        double r2, long totalIterations, String solver, String stopReason, long passes,
                                        double seconds, DownhillRegressionMetrics metrics, CoefficientInference inference)
        implements Serializable {

    /** A summary without {@link #inference()}. */
    public DownhillRegressionSummary(double[] objectiveHistory, double meanSquaredError, double rootMeanSquaredError, double r2,
                                     long totalIterations, String solver, String stopReason, long passes, double seconds,
                                     DownhillRegressionMetrics metrics) {
        this(objectiveHistory, meanSquaredError, rootMeanSquaredError, r2, totalIterations, solver, stopReason, passes, seconds,
                metrics, null);
    }

    /** A summary without {@link #metrics()} (the components it had before them). */
    public DownhillRegressionSummary(double[] objectiveHistory, double meanSquaredError, double rootMeanSquaredError, double r2,
                                     long totalIterations, String solver, String stopReason, long passes, double seconds) {
        this(objectiveHistory, meanSquaredError, rootMeanSquaredError, r2, totalIterations, solver, stopReason, passes, seconds,
                null);
    }

    /** Σwᵢ|rᵢ|/Σw on the training data. */
    public double meanAbsoluteError() {
        return present().meanAbsoluteError();
    }

    /** Σwᵢ(ŷᵢ − ȳ)²/Σw on the training data. */
    public double explainedVariance() {
        return present().explainedVariance();
    }

    /** 1 − (1 − r2)·(N − k)/(N − p − k), as Spark's. */
    public double r2adj() {
        return present().r2adj();
    }

    /** The training rows of weight &gt; 0 (every row when unweighted). */
    public long numInstances() {
        return present().numInstances();
    }

    /** numInstances − numFeatures − (1 with an intercept). */
    public long degreesOfFreedom() {
        return present().degreesOfFreedom();
    }

    /** The training data with the model's predictions (lazy; null in a deserialized copy). */
    public Dataset<Row> predictions() {
        return present().predictions();
    }

    /** label − prediction for every training row, one column {@code residuals} (lazy). */
    public Dataset<Row> residuals() {
        return present().residuals();
    }

    /** The column of {@link #predictions()} with the predictions (a generated name when the model's predictionCol is empty). */
    public String predictionCol() {
        return present().predictionCol();
    }

    /** The label column of the training data. */
    public String labelCol() {
        return present().labelCol();
    }

    /** The features column of the training data. */
    public String featuresCol() {
        return present().featuresCol();
    }

    /**
     * Standard errors of the coefficients and, when the intercept was fitted, of the intercept last — Spark's layout of
     * {@code LinearRegressionTrainingSummary.coefficientStandardErrors}. NaN for a coefficient that is not estimable (a
     * constant column: Spark's normal solver gives such a column 0 too). The formulas and conventions are core's
     * {@link CoefficientInference}: σ̂² = Σwᵢrᵢ²/ν as Spark's, with ν = m − rank − 1 ({@code inference().degreesOfFreedom()};
     * Spark's {@link #degreesOfFreedom()} counts columns, the same at full rank).
     *
     * @throws UnsupportedOperationException unless the fit computed them: regParam 0 and solver normal or svd, or auto on
     *                                       dense rows of at most 4,096 features (where Spark's auto runs its normal
     *                                       solver); Spark's normal solver has them for a ridge too, this one does not
     */
    public double[] coefficientStandardErrors() {
        CoefficientInference s = statistics("standard errors");
        return sparkOrder(s, s.standardErrors(), s.interceptStandardError());
    }

    /** t-values θⱼ/SE(θⱼ), the intercept's last when fitted (Spark's layout); see {@link #coefficientStandardErrors()}. */
    public double[] tValues() {
        CoefficientInference s = statistics("t-values");
        return sparkOrder(s, s.tValues(), s.interceptTValue());
    }

    /** Two-sided p-values, the intercept's last when fitted (Spark's layout); see {@link #coefficientStandardErrors()}. */
    public double[] pValues() {
        CoefficientInference s = statistics("p-values");
        return sparkOrder(s, s.pValues(), s.interceptPValue());
    }

    private CoefficientInference statistics(String what) {
        if (inference == null) {
            throw new UnsupportedOperationException("no " + what + " for this model: they are computed with regParam 0 for "
                    + "solver normal or svd, or auto with at most 4,096 features (this fit ran " + solver()
                    + ")");
        }
        return inference;
    }

    /** θ's values, then the intercept's when it was fitted. */
    private static double[] sparkOrder(CoefficientInference s, double[] coefficients, double intercept) {
        if (!s.interceptFitted()) {
            return coefficients;
        }
        double[] out = java.util.Arrays.copyOf(coefficients, coefficients.length + 1);
        out[coefficients.length] = intercept;
        return out;
    }

    private DownhillRegressionMetrics present() {
        if (metrics == null) {
            throw new IllegalStateException("this summary was made without metrics (the nine-argument constructor)");
        }
        return metrics;
    }
}
