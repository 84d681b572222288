package dev.downhill;

import java.util.Locale;

/**
 * The step size η of the gradient solvers: a fixed positive number, or {@code auto}.
 *
 * <p>{@code auto} for full-batch GD: η = {@value #AUTO_MARGIN}/L̂, with L̂ the largest eigenvalue
 * of the Hessian (2/m)XᵀX (centred when fitting an intercept) in the solver's coordinates — with standardization (on by
 * default with {@code auto} on tall X: the README's "Standardization") that is S(2/m)X_cᵀX_cS, S the column scaling,
 * so the η reported is a step for the standardized features — estimated by power iteration
 * through the fused gradient operator (15 to {@value #POWER_ITERATIONS} passes over X).
 * GD converges for any η &lt; 2/L; L̂ ≤ L, so η is safe while L̂ &gt; 0.45·L, which the passes make
 * likely but cannot guarantee — so full-batch GD watches its loss: if it rises with an automatic
 * step, the step is halved and the fit goes on (the η finally used is recorded in the model).
 * For SGD and mini-batch (batch size B): η = {@value #AUTO_STOCHASTIC_MARGIN}/(L̂ + 2R²/B), with R²
 * the mean squared (centred) row norm — the curvature a single batch can see — and at most
 * {@value #AUTO_ROW_MARGIN}·B/R²max, R²max the largest squared row norm (times wᵢ/w̄ when weighted; one pass over X), so
 * that no batch steps a row past its own least-squares hyperplane: rows far longer than the mean (a few rows scaled up
 * tenfold) would otherwise grow their residuals at every visit and diverge. This is a constant
 * step, not a decaying schedule, so SGD ends in a neighbourhood of the optimum: by the LMS
 * misadjustment formula its excess MSE is about η·R²/B ≈ {@value #AUTO_STOCHASTIC_MARGIN}/2 of the
 * optimal MSE.
 */
public final class LearningRate {
    /** Safety factor applied to 1/L̂. */
    public static final double AUTO_MARGIN = 0.9;
    /** Factor for the stochastic solvers' automatic step (trades speed for a small noise ball). */
    public static final double AUTO_STOCHASTIC_MARGIN = 0.1;
    /**
     * The stochastic solvers' automatic step is at most this times B/R²max, R²max the largest (weighted) squared row norm:
     * no batch steps a row past its own least-squares hyperplane.
     */
    public static final double AUTO_ROW_MARGIN = 0.5;
    /** Upper bound on power-iteration passes for {@code auto}. */
    public static final int POWER_ITERATIONS = 30;

    private static final LearningRate AUTO = new LearningRate(Double.NaN);

    private final double value;

    private LearningRate(double value) {
        this.value = value;
    }

    /** The automatic step (the default). */
    public static LearningRate auto() {
        return AUTO;
    }

    /** A fixed step η &gt; 0. */
    public static LearningRate of(double eta) {
        if (!(eta > 0) || !Double.isFinite(eta)) {
            throw new IllegalArgumentException("learning rate must be a finite number > 0, got " + eta);
        }
        return new LearningRate(eta);
    }

    /** Parses a number or {@code auto}. */
    public static LearningRate parse(String text) {
        java.util.Objects.requireNonNull(text, "text");
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("auto")) {
            return AUTO;
        }
        try {
            return of(Double.parseDouble(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("learning rate must be a number > 0 or 'auto', got '" + text + "'");
        }
    }

    /**
     * Whether this is {@link #auto()}: the step is chosen when fitting ({@link FittedModel#learningRate()} gives it).
     *
     * @return whether the rate is automatic
     */
    public boolean isAuto() {
        return Double.isNaN(value);
    }

    /** The fixed η; throws for {@code auto}. */
    public double value() {
        if (isAuto()) {
            throw new IllegalStateException("learning rate is auto: it is chosen when fitting (see FittedModel.learningRate())");
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LearningRate && Double.compare(((LearningRate) o).value, value) == 0;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(value);
    }

    @Override
    public String toString() {
        return isAuto() ? "auto" : Double.toString(value);
    }
}
