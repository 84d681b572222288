package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.LearningRate;

/**
 * Resolves {@link LearningRate#auto()} to a number for one fit (see LearningRate's Javadoc for the formulas), in the
 * objective's internal units: a fixed η given by the user becomes {@link CentredObjective#internalLearningRate}(η).
 */
public final class StepSize {
    private StepSize() {
    }

    /**
     * The step {@link LearningRate#auto()} would take for {@code config}'s solver on {@code objective}, in its internal
     * units, whatever η {@code config} gives (a few passes over X: the power iteration).
     */
    public static double automatic(FitConfig config, CentredObjective objective, long batchSize) {
        return resolve(config.toBuilder().learningRate(LearningRate.auto()).build(), objective, batchSize);
    }

    static double resolve(FitConfig config, CentredObjective objective, long batchSize) {
        if (!config.learningRate().isAuto()) {
            return objective.internalLearningRate(config.learningRate().value());
        }
        double lipschitz = PowerIteration.largestEigenvalue(objective, LearningRate.POWER_ITERATIONS, config.seed());
        double curvature = lipschitz;
        double margin = LearningRate.AUTO_MARGIN;
        if (config.solver().isStochastic()) {
            margin = LearningRate.AUTO_STOCHASTIC_MARGIN;
            double rowNorm = objective.meanSquaredRowNorm();
            curvature += 2 * rowNorm / batchSize;
            // weighted: a batch's objective (1/B)Σ wᵢrᵢ² has on average w̄ = Σw/m times the curvature of (1/Σw)Σ wᵢrᵢ²;
            // the stochastic solver divides its steps by w̄ (and multiplies the penalty by it), so η is the objective's
            double eta = curvature > 0 ? margin / curvature : 1.0;
            // no row stepped past its own hyperplane: a batch's step moves row i's residual by the factor
            // 1 − 2η(wᵢ/w̄)‖x̃ᵢ‖²/B, which stays ≥ 0 while η ≤ ½·B/R²max (beyond 2× that, a row far longer than the
            // mean grows its residual at every visit and the fit diverges, whatever the mean curvature)
            double largest = objective.largestSquaredRowNorm();
            if (largest > 0) {
                eta = Math.min(eta, LearningRate.AUTO_ROW_MARGIN * batchSize / largest);
            }
            return eta;
        }
        return curvature > 0 ? margin / curvature : 1.0;
    }
}
