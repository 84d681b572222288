package dev.downhill.internal;

import dev.downhill.LearningRateSchedule;
import dev.downhill.Solver;
import java.util.Optional;

/**
 * The one table of the fit settings that some solvers do not use, read by both front ends so that their warnings cannot
 * drift apart: the library warns about a setting that differs from its default ({@code dev.downhill.UnusedSettings},
 * logged on {@code LinearRegression.IGNORED_SETTING_LOGGER}), the command line about an option given ({@code downhill
 * fit}). Each row names the setting as the library does ({@link #libraryName()}) and as the command line does
 * ({@link #cliOption()}), and says which solvers ignore it ({@link #ignoredBy}); the rows are in the order the library
 * warns. An ignored setting is never an error: one configuration can serve several solvers.
 *
 * <p>{@link Solver#AUTO} ignores nothing here: its choice comes later (the command line asks again of the solver it
 * chose). What only one front end has stays with it: the command line's checkpoint options and the seed that
 * {@code --alpha auto}'s folds draw from.
 */
public enum SolverSetting {
    /** The held-out fraction of early stopping: only the stochastic solvers hold rows out. */
    VALIDATION_FRACTION("validationFraction", "--validation-fraction", (s, c) -> !s.isStochastic()),
    /** Averaging the iterates (averaged SGD): only the stochastic solvers have iterates of single steps to average. */
    AVERAGE("averageFrom", "--average", (s, c) -> !s.isStochastic()),
    /** The step schedule: only the stochastic solvers have one. */
    SCHEDULE("schedule", "--schedule", (s, c) -> !s.isStochastic()),
    /** The epochs without progress before stopping (or an adaptive cut): only the stochastic solvers. */
    PATIENCE("patience", "--patience", (s, c) -> !s.isStochastic()),
    /** Rows per step: only minibatch; sgd's batches are one row, so a batch size of 1 is what it does, not ignored. */
    BATCH_SIZE("batchSize", "--batch-size", (s, c) -> s != Solver.MINIBATCH && !(s == Solver.SGD && c.batchSize() == 1)),
    /** The step size η: not cg (exact line searches), cd, normal or svd ({@link Solver#usesLearningRate()}). */
    LEARNING_RATE("learningRate", "--lr", (s, c) -> !s.usesLearningRate()),
    /** The iteration limit: not normal or svd (one direct solve, no iterations). */
    MAX_ITERATIONS("maxIterations", "--iterations", (s, c) -> !s.isIterative()),
    /** The stopping tolerance: not normal or svd. */
    TOLERANCE("tolerance", "--tol", (s, c) -> !s.isIterative()),
    /** The starting point (a warm start): not normal or svd. */
    INITIAL_COEFFICIENTS("initialCoefficients", "--init", (s, c) -> !s.isIterative()),
    /** Standardization: not normal, svd or cd, which scale internally whatever it says. */
    STANDARDIZE("standardize", "--standardize", (s, c) -> !s.isIterative() || s == Solver.CD),
    /**
     * The seed: used by the stochastic solvers (row order, held-out rows) and by gd or nesterov with an automatic
     * learning rate (the power iteration's start); cg, normal, svd and cd draw nothing.
     */
    SEED("seed", "--seed", (s, c) -> !(s.isStochastic() || (s == Solver.GD || s == Solver.NESTEROV) && c.learningRateAuto()));

    /** What a row's rule reads besides the solver. */
    @FunctionalInterface
    private interface Rule {
        boolean ignores(Solver s, Context c);
    }

    /**
     * What the rules read besides the solver, as each front end knows it. (The schedule is not among them: the one
     * setting it makes unused, a fixed learning rate under an inverse-time schedule, is {@link
     * #learningRateIgnoredBySchedule}'s.)
     *
     * @param learningRateAuto whether the learning rate is automatic (gd and nesterov then draw the power iteration's
     *                         start from the seed)
     * @param batchSize        the batch size asked for, 0 when left to its default
     */
    public record Context(boolean learningRateAuto, int batchSize) {
    }

    private final String libraryName;
    private final String cliOption;
    private final Rule rule;

    SolverSetting(String libraryName, String cliOption, Rule rule) {
        this.libraryName = libraryName;
        this.cliOption = cliOption;
        this.rule = rule;
    }

    /** The setting's name in the library's warnings: {@code FitConfig}'s property ({@code learningRate}, {@code batchSize}). */
    public String libraryName() {
        return libraryName;
    }

    /** The option of {@code downhill fit} that sets it ({@code --lr}, {@code --batch-size}); empty when there is none. */
    public Optional<String> cliOption() {
        return Optional.ofNullable(cliOption);
    }

    /** Whether solver {@code s} does nothing with this setting in context {@code c}; never for {@link Solver#AUTO}. */
    public boolean ignoredBy(Solver s, Context c) {
        return !s.isAuto() && rule.ignores(s, c);
    }

    /**
     * Whether a fixed learning rate does nothing because of the schedule although solver {@code s} takes one: sgd and
     * minibatch under an inverse-time schedule, whose steps t₀/(t + t₁) are the step sizes. Such a rate decides nothing
     * else either: not the default standardization ({@code FitConfig.fixedLearningRateUsed()}), not whether a checkpoint
     * resumes ({@link Fingerprint}). A separate warning from {@link #LEARNING_RATE}'s, which is about the solver.
     */
    public static boolean learningRateIgnoredBySchedule(Solver s, LearningRateSchedule.Kind schedule) {
        return s.isStochastic() && s.usesLearningRate() && schedule == LearningRateSchedule.Kind.INVERSE_TIME;
    }

    /**
     * The warning either front end gives for a setting solver {@code s} ignores:
     * "{@code name} does nothing with {@code solverSetting} {@code s} (ignored)".
     *
     * @param name          the setting as the front end names it ({@link #libraryName()} or {@link #cliOption()})
     * @param solverSetting how the front end names the solver setting ({@code solver}, {@code --solver})
     */
    public static String doesNothing(String name, String solverSetting, Solver s) {
        return name + " does nothing with " + solverSetting + " " + s.cliName() + " (ignored)";
    }
}
