package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.Solver;
import java.util.Optional;

/**
 * The warning that the svd solver found X rank deficient: its answer is the minimum-norm solution, which may have dropped
 * real signal where columns differ greatly in scale. The library logs it on
 * {@link dev.downhill.LinearRegression#RANK_LOGGER} with {@link #LIBRARY_ADVICE}; a front end whose users set other
 * things (the Spark estimator has no rank-cutoff param) gives its own advice.
 */
public final class RankDeficiencyWarning {
    /** The library's advice: its users can rescale the columns or set the cutoff. */
    public static final String LIBRARY_ADVICE = "rescale them or lower the rank cutoff (FitConfig.Builder.rankCutoff)";

    private RankDeficiencyWarning() {
    }

    /**
     * The one-line warning for {@code model}, or empty when it is not an svd fit below full rank: full rank is min(m −
     * 1 with an intercept, n) without an l2 term, n with one (the ridge keeps every direction).
     *
     * @param advice what the caller's user can do about it, after "this may drop real signal: " (the sentence's end;
     *               {@link #LIBRARY_ADVICE} for the library)
     */
    public static Optional<String> of(FittedModel model, String advice) {
        if (model.solver() != Solver.SVD || model.rank() < 0) {
            return Optional.empty();
        }
        FitConfig config = model.config();
        long rows = model.trainingRows();
        long cols = model.coefficients().length;
        long full = config.penalty().l2Strength() > 0 ? cols : Math.min(rows - (config.fitIntercept() ? 1 : 0), cols);
        if (model.rank() >= full) {
            return Optional.empty();
        }
        return Optional.of("svd: X is rank deficient (rank " + model.rank() + " < " + full + ": singular values ≤ "
                + config.rankCutoff(rows, cols) + "·σ_max count as zero); the answer is the minimum-norm solution. If columns "
                + "differ greatly in scale, this may drop real signal: " + advice + ".");
    }
}
