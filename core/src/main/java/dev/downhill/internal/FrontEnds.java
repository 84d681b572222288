package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LoadedProblem;
import java.util.Objects;

/**
 * Entry points of {@code dev.downhill} for this project's own front ends (the Spark estimator), which say what core would
 * log in their own terms: a fit of a loaded problem without core's warnings about ignored settings and about stopping at
 * the iteration limit ({@link dev.downhill.LinearRegression#IGNORED_SETTING_LOGGER},
 * {@link dev.downhill.LinearRegression#CONVERGENCE_LOGGER}); the front end then warns with
 * {@link IterationLimitWarning#of} under its own parameter names. Not API: a library user calls
 * {@link dev.downhill.LinearRegression#fit(LoadedProblem, FitConfig)}, which warns.
 *
 * <p>{@code LinearRegression} hands its package-private unwarned fit over when its class is initialised (as the JDK's
 * shared secrets do), so this class needs no public door into {@code dev.downhill}.
 */
public final class FrontEnds {
    /** A fit of a loaded problem that logs no warning of its own; everything else as {@code LinearRegression.fit}. */
    @FunctionalInterface
    public interface UnwarnedFit {
        /**
         * Fits {@code problem} with {@code config}, as {@link dev.downhill.LinearRegression#fit(LoadedProblem, FitConfig)}
         * does, but for its two warnings.
         */
        FittedModel fit(LoadedProblem problem, FitConfig config);
    }

    private static volatile UnwarnedFit unwarnedFit;

    private FrontEnds() {
    }

    /**
     * Called once, by {@code LinearRegression}'s class initialiser.
     *
     * @throws IllegalStateException when called a second time
     */
    public static synchronized void register(UnwarnedFit fit) {
        Objects.requireNonNull(fit, "fit");
        if (unwarnedFit != null) {
            throw new IllegalStateException("the unwarned fit is registered already");
        }
        unwarnedFit = fit;
    }

    /**
     * {@link dev.downhill.LinearRegression#fit(LoadedProblem, FitConfig)} without its warnings about ignored settings and
     * the iteration limit (the caller says those in its own terms); its exceptions are that method's.
     */
    public static FittedModel fitUnwarned(LoadedProblem problem, FitConfig config) {
        UnwarnedFit fit = unwarnedFit;
        if (fit == null) {
            try { // initialising LinearRegression registers it
                Class.forName("dev.downhill.LinearRegression", true, FrontEnds.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("dev.downhill.LinearRegression is not on the class path", e);
            }
            fit = unwarnedFit;
        }
        return fit.fit(problem, config);
    }
}
