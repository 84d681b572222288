package dev.downhill.spark;

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
 * meanSquaredError and r2, on the loaded partitions). Spark's normal solver's coefficient statistics
 * ({@code coefficientStandardErrors}, {@code tValues}, {@code pValues}) and {@code devianceResiduals} are not here.
 *
 * @param objectiveHistory     the loss downhill's solver recorded at each iteration: the (weighted) MSE, plus twice the
 *                             penalty when regParam &gt; 0 (downhill's loss history; empty for the direct solvers)
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
 */
public record DownhillRegressionSummary(double[] objectiveHistory, double meanSquaredError, double rootMeanSquaredError,
                                        double r2, long totalIterations, String solver, String stopReason, long passes,
                                        double seconds, DownhillRegressionMetrics metrics) implements Serializable {

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

    private DownhillRegressionMetrics present() {
        if (metrics == null) {
            throw new IllegalStateException("this summary was made without metrics (the nine-argument constructor)");
        }
        return metrics;
    }
}
