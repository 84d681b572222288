package dev.downhill.spark;

import java.io.Serializable;

/**
 * What a fit reports, as Spark's {@code LinearRegressionTrainingSummary} names it. All in the user's units, over the
 * training data (weighted by the weight column when one is set).
 *
 * @param objectiveHistory     the loss downhill's solver recorded at each iteration: the (weighted) MSE, plus twice the
 *                             penalty when regParam &gt; 0 (downhill's loss history; empty for the direct solvers)
 * @param meanSquaredError     (1/Σw)Σwᵢrᵢ² at the answer
 * @param rootMeanSquaredError √meanSquaredError
 * @param r2                   1 − Σwᵢrᵢ²/Σwᵢ(yᵢ − ȳ)² (through the origin, Σwᵢyᵢ² below, when fitIntercept is false)
 * @param totalIterations      the solver's iterations (0 for normal and svd)
 * @param solver               the solver that ran (auto's choice resolved)
 * @param stopReason           why it stopped (downhill's StopReason name)
 * @param passes               Spark jobs run over the loaded partitions (the load and the clean-up not counted)
 * @param seconds              the fit's wall time, loading included
 */
public record DownhillRegressionSummary(double[] objectiveHistory, double meanSquaredError, double rootMeanSquaredError,
                                        double r2, long totalIterations, String solver, String stopReason, long passes,
                                        double seconds) implements Serializable {
}
