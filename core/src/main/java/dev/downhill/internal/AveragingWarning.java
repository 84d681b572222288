package dev.downhill.internal;

import dev.downhill.FittedModel;
import java.util.Locale;
import java.util.Optional;

/**
 * The warning for a stochastic fit asked to average its iterates ({@link dev.downhill.FitConfig#averageFrom()} = a) that
 * stopped before step a: there was nothing to average, and the coefficients are the last iterate's (as scikit-learn's
 * {@code SGDRegressor} returns them there, silently; this says so).
 */
public final class AveragingWarning {
    private AveragingWarning() {
    }

    /**
     * The one-line warning for {@code model}, or empty when it averaged (or was not asked to).
     *
     * @param averageSetting how the caller names the setting ({@code averageFrom}, {@code --average})
     */
    public static Optional<String> of(FittedModel model, String averageSetting) {
        long from = model.config().averageFrom();
        if (from <= 0 || !model.solver().isStochastic()) {
            return Optional.empty();
        }
        long steps = StochasticGradientSolver.stepsTaken(model.config(), model.trainingRows(), model.iterations());
        if (steps >= from) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "%s %,d: the fit stopped after %,d steps, before averaging began, so "
                + "the coefficients are its last iterate's, not an average; lower %s", averageSetting, from, steps,
                averageSetting));
    }
}
