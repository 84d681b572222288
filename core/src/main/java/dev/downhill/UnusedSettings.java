package dev.downhill;

import dev.downhill.internal.SolverSetting;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings of a {@link FitConfig} that its named solver does not use, each a one-line warning that {@link
 * LinearRegression} logs on {@link LinearRegression#IGNORED_SETTING_LOGGER} before a fit. Which solver ignores which
 * setting is {@link SolverSetting}'s table, which the command line reads too; this class says when a setting counts as
 * set (it differs from its default) and words the warnings in the library's names.
 */
final class UnusedSettings {
    private UnusedSettings() {
    }

    /**
     * One warning per setting that differs from its default and that the named solver does not use
     * ({@link SolverSetting#ignoredBy}), in the table's order, as the command line warns about its options; never an
     * error (one configuration can serve several solvers). Nothing for solver auto, whose choice comes later. Then a
     * fixed learning rate under an inverse-time schedule ({@link SolverSetting#learningRateIgnoredBySchedule}), which
     * decides nothing, the default standardization included ({@link FitConfig#fixedLearningRateUsed()}). Cross-validation's folds use the seed too, but do not come here. A listener
     * is not warned about: the direct solvers call none (they have no iterations). Last, a rank cutoff that only svd
     * uses, and penalty factors for a term the penalty lacks ({@link #penaltyFactorWarnings}; for auto too).
     */
    static List<String> warnings(FitConfig config) {
        Solver s = config.solver();
        if (s.isAuto()) {
            return penaltyFactorWarnings(config.penalty());
        }
        SolverSetting.Context context = context(config);
        List<String> warnings = new ArrayList<>();
        for (SolverSetting setting : SolverSetting.values()) {
            if (differsFromDefault(setting, config) && setting.ignoredBy(s, context)) {
                warnings.add(SolverSetting.doesNothing(setting.libraryName(), "solver", s));
            }
        }
        if (!config.learningRate().isAuto() && SolverSetting.learningRateIgnoredBySchedule(s, config.schedule().kind())) {
            warnings.add("learningRate does nothing with schedule " + config.schedule() + " (its steps t0/(t + t1) are the step "
                    + "sizes) (ignored)");
        }
        if (!Double.isNaN(config.rankCutoff()) && s != Solver.SVD && !config.exactReference()) {
            // the library's own (the command line has no option for it): only svd, and the exact reference's svd, cut
            warnings.add(SolverSetting.doesNothing("rankCutoff", "solver", s));
        }
        warnings.addAll(penaltyFactorWarnings(config.penalty()));
        return warnings;
    }

    /**
     * Factors for a term the penalty does not have: any with {@link Penalty#none()}, l2 factors with an l1 ratio of 1
     * (the lasso has no l2 term). A review found both accepted in silence. Whatever the solver (auto included).
     */
    static List<String> penaltyFactorWarnings(Penalty penalty) {
        List<String> warnings = new ArrayList<>();
        if (penalty.kind() == Penalty.Kind.NONE) {
            if (penalty.penaltyFactors() != null) {
                warnings.add("penaltyFactors do nothing with penalty none (ignored)");
            }
            if (penalty.l2PenaltyFactors() != null) {
                warnings.add("l2PenaltyFactors do nothing with penalty none (ignored)");
            }
        } else if (penalty.l2PenaltyFactors() != null && penalty.l1Ratio() == 1) {
            warnings.add("l2PenaltyFactors do nothing with an l1 ratio of 1: the penalty has no l2 term (ignored)");
        }
        return warnings;
    }

    /** What {@link SolverSetting}'s rules read, from {@code config}. */
    static SolverSetting.Context context(FitConfig config) {
        return new SolverSetting.Context(config.learningRate().isAuto(), config.configuredBatchSize());
    }

    /** Whether {@code config} sets {@code setting} to other than its default. */
    static boolean differsFromDefault(SolverSetting setting, FitConfig config) {
        return switch (setting) {
            case VALIDATION_FRACTION -> config.validationFraction() > 0;
            case AVERAGE -> config.averageFrom() > 0;
            case SCHEDULE -> config.schedule().kind() != LearningRateSchedule.Kind.CONSTANT;
            case PATIENCE -> config.patience() != FitConfig.DEFAULT_PATIENCE;
            case BATCH_SIZE -> config.configuredBatchSize() > 0;
            case LEARNING_RATE -> !config.learningRate().isAuto();
            case MAX_ITERATIONS -> config.configuredMaxIterations() > 0;
            case TOLERANCE -> !Double.isNaN(config.configuredTolerance());
            case INITIAL_COEFFICIENTS -> config.initialCoefficients().kind() != InitialCoefficients.Kind.ZEROS;
            case STANDARDIZE -> config.standardizeSetting() != null;
            case SEED -> config.seed() != 0;
        };
    }
}
