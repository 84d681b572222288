package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LoadedProblem;
import dev.downhill.StopReason;
import java.util.Objects;

/**
 * Entry points of {@code dev.downhill} for this project's own front ends (the Spark estimator), which say what core would
 * log in their own terms: a fit of a loaded problem without core's warnings about ignored settings, about stopping at
 * the iteration limit and about an svd fit below full rank ({@link dev.downhill.LinearRegression#IGNORED_SETTING_LOGGER},
 * {@link dev.downhill.LinearRegression#CONVERGENCE_LOGGER}, {@link dev.downhill.LinearRegression#RANK_LOGGER}); the
 * front end then warns with {@link ConvergenceWarning#of} under its own parameter names and with
 * {@link RankDeficiencyWarning#of} with its own advice, and (the fit leaves out core's accuracy check after a gradient
 * fit, {@link dev.downhill.LinearRegression#ACCURACY_LOGGER}) with {@link AccuracyWarning#of(dev.downhill.spi.ResidentProblem,
 * dev.downhill.FittedModel, String, String)} in its own words while the problem is still loaded. Not API: a library user calls
 * {@link dev.downhill.LinearRegression#fit(LoadedProblem, FitConfig)}, which warns.
 *
 * <p>It also restates a model whose fit the front end's own rule ended at its starting point ({@link #restated}: the Spark
 * estimator's maxIter 0 and tol ≥ 1, which core's settings cannot say and a listener stopped).
 *
 * <p>{@code LinearRegression} hands its package-private unwarned fit and restatement over when its class is initialised
 * (as the JDK's shared secrets do), so this class needs no public door into {@code dev.downhill}.
 */
public final class FrontEnds {
    /** A fit of a loaded problem that logs no warning of its own; everything else as {@code LinearRegression.fit}. */
    @FunctionalInterface
    public interface UnwarnedFit {
        /**
         * Fits {@code problem} with {@code config}, as {@link dev.downhill.LinearRegression#fit(LoadedProblem, FitConfig)}
         * does, but for its three warnings.
         */
        FittedModel fit(LoadedProblem problem, FitConfig config);
    }

    /** A model with other coefficients, intercept and stop reason, everything else as it was. */
    @FunctionalInterface
    public interface Restatement {
        /** {@code model} with {@code coefficients} (copied), {@code intercept} and {@code stopReason}. */
        FittedModel restate(FittedModel model, double[] coefficients, double intercept, StopReason stopReason);
    }

    private static volatile UnwarnedFit unwarnedFit;
    private static volatile Restatement restatement;

    private FrontEnds() {
    }

    /**
     * Called once, by {@code LinearRegression}'s class initialiser.
     *
     * @throws IllegalStateException when called a second time
     */
    public static synchronized void register(UnwarnedFit fit, Restatement restate) {
        Objects.requireNonNull(fit, "fit");
        Objects.requireNonNull(restate, "restate");
        if (unwarnedFit != null) {
            throw new IllegalStateException("the unwarned fit is registered already");
        }
        restatement = restate;
        unwarnedFit = fit;
    }

    /**
     * {@link dev.downhill.LinearRegression#fit(LoadedProblem, FitConfig)} without its warnings about ignored settings, the
     * iteration limit and rank deficiency, and without the accuracy check of a gradient fit (the caller says those in its
     * own terms); its exceptions are that method's.
     */
    public static FittedModel fitUnwarned(LoadedProblem problem, FitConfig config) {
        UnwarnedFit fit = unwarnedFit;
        if (fit == null) {
            registered();
            fit = unwarnedFit;
        }
        return fit.fit(problem, config);
    }

    /**
     * {@code model} as the front end's own stopping rule left it: a fit that a listener stopped at its starting point
     * ({@link StopReason#STOPPED_BY_LISTENER}) because the front end's setting asked for no step (its maxIter 0:
     * {@link StopReason#ITERATION_LIMIT} with 0 iterations) or its tolerance is met there (its tol ≥ 1:
     * {@link StopReason#CONVERGED}), with the starting point's coefficients and intercept (a proximal solver's model has
     * one proximal step from it). Everything else — histories, configuration, report — as the model has it.
     */
    public static FittedModel restated(FittedModel model, double[] coefficients, double intercept, StopReason stopReason) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(stopReason, "stopReason");
        Restatement restate = restatement;
        if (restate == null) {
            registered();
            restate = restatement;
        }
        return restate.restate(model, coefficients, intercept, stopReason);
    }

    /** Initialises {@code LinearRegression}, which registers its entry points here. */
    private static void registered() {
        try {
            Class.forName("dev.downhill.LinearRegression", true, FrontEnds.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("dev.downhill.LinearRegression is not on the class path", e);
        }
    }
}
