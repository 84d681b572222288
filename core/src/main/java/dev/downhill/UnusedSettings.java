package dev.downhill;

import java.util.ArrayList;
import java.util.List;

/**
 * The settings of a {@link FitConfig} that its named solver does not use, each a one-line warning that {@link
 * LinearRegression} logs on {@link LinearRegression#IGNORED_SETTING_LOGGER} before a fit.
 */
final class UnusedSettings {
    private UnusedSettings() {
    }

    /**
     * One warning per setting the named solver does not use, as the command line warns
     * about its options; never an error (one configuration can serve several solvers). Nothing for solver auto, whose
     * choice comes later. The settings:
     * <ul>
     *   <li>validationFraction, patience and a schedule other than constant: only sgd and minibatch use them;</li>
     *   <li>batchSize: only minibatch (sgd's batches are one row);</li>
     *   <li>learningRate: not cg, normal, svd or cd, and not an inverse-time schedule (its steps t₀/(t + t₁) are the
     *       step sizes) when standardize is set (left to its default, a fixed η also turns standardization off on tall X,
     *       so it is not ignored);</li>
     *   <li>maxIterations, tolerance, initialCoefficients: not normal or svd (one direct solve, no iterations);</li>
     *   <li>standardize: not normal, svd or cd (they scale internally whatever it says);</li>
     *   <li>seed: only the stochastic solvers (row order, held-out rows) and gd or nesterov with an automatic learning
     *       rate (the power iteration's start); cross-validation's folds use it too, but do not come here.</li>
     * </ul>
     * A listener is not warned about: the direct solvers call none (they have no iterations).
     */
    static List<String> warnings(FitConfig config) {
        Solver s = config.solver();
        if (s.isAuto()) {
            return List.of();
        }
        boolean direct = !s.isIterative();
        List<String> unused = new ArrayList<>();
        if (!s.isStochastic() && config.validationFraction() > 0) {
            unused.add("validationFraction");
        }
        if (!s.isStochastic() && config.schedule().kind() != LearningRateSchedule.Kind.CONSTANT) {
            unused.add("schedule");
        }
        if (!s.isStochastic() && config.patience() != FitConfig.DEFAULT_PATIENCE) {
            unused.add("patience");
        }
        if (s != Solver.MINIBATCH && config.configuredBatchSize() > 0 && !(s == Solver.SGD && config.configuredBatchSize() == 1)) {
            unused.add("batchSize");
        }
        if (!s.usesLearningRate() && !config.learningRate().isAuto()) {
            unused.add("learningRate");
        }
        if (direct && config.configuredMaxIterations() > 0) {
            unused.add("maxIterations");
        }
        if (direct && !Double.isNaN(config.configuredTolerance())) {
            unused.add("tolerance");
        }
        if (direct && config.initialCoefficients().kind() != InitialCoefficients.Kind.ZEROS) {
            unused.add("initialCoefficients");
        }
        if ((direct || s == Solver.CD) && config.standardizeSetting() != null) {
            unused.add("standardize");
        }
        boolean usesSeed = s.isStochastic() || (s == Solver.GD || s == Solver.NESTEROV) && config.learningRate().isAuto();
        if (!usesSeed && config.seed() != 0) {
            unused.add("seed");
        }
        List<String> warnings = new ArrayList<>();
        for (String name : unused) {
            warnings.add(name + " does nothing with solver " + s.cliName() + " (ignored)");
        }
        // (with standardize left to its default a fixed η also turns standardization off on tall X: not nothing)
        if (s.isStochastic() && config.schedule().kind() == LearningRateSchedule.Kind.INVERSE_TIME && !config.learningRate().isAuto()
                && config.standardizeSetting() != null) {
            warnings.add("learningRate does nothing with schedule " + config.schedule() + " (its steps t0/(t + t1) are the step "
                    + "sizes) (ignored)");
        }
        return warnings;
    }
}
