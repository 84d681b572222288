package dev.downhill;

import java.util.Locale;

/**
 * How the stochastic solvers (SGD, mini-batch) vary the step during a fit; t counts the steps
 * (batches) taken before the current one, from 0, across epochs. η₀ is the fit's learning rate
 * (the configured number, or the automatic one). Immutable.
 * <ul>
 *   <li>{@link #constant()}: η = η₀ (the default);</li>
 *   <li>{@link #inverseTime(double, double)}: η = t₀/(t + t₁) — Hands-On ML's "learning schedule"
 *       (there t₀ = 5, t₁ = 50 with per-example steps, in the ½-squared-error convention; ours takes
 *       half of that, see the README's conversion table); η₀ is not used;</li>
 *   <li>{@link #inverseScaling(double)}: η = η₀/(t + 1)^p (scikit-learn's "invscaling");</li>
 *   <li>{@link #adaptive()}: η = η₀, divided by 5 each time the epoch loss (or the validation loss, with
 *       early stopping) has not improved for {@code patience} epochs; the fit stops once η would fall
 *       below 10⁻⁶·η₀ (scikit-learn's "adaptive").</li>
 * </ul>
 */
public final class LearningRateSchedule {
    /** The kinds of schedule. */
    public enum Kind {
        /** η = η₀: {@link #constant()}. */
        CONSTANT,
        /** η = t₀/(t + t₁): {@link #inverseTime(double, double)}. */
        INVERSE_TIME,
        /** η = η₀/(t + 1)^p: {@link #inverseScaling(double)}. */
        INVERSE_SCALING,
        /** η₀, divided by 5 after each {@code patience} epochs without progress: {@link #adaptive()}. */
        ADAPTIVE
    }

    /** Factor of each adaptive reduction. */
    public static final double ADAPTIVE_FACTOR = 5;
    /** Adaptive schedules stop when η would fall below this fraction of η₀. */
    public static final double ADAPTIVE_FLOOR = 1e-6;

    private static final LearningRateSchedule CONSTANT = new LearningRateSchedule(Kind.CONSTANT, 0, 0);
    private static final LearningRateSchedule ADAPTIVE = new LearningRateSchedule(Kind.ADAPTIVE, 0, 0);

    private final Kind kind;
    private final double a;
    private final double b;

    private LearningRateSchedule(Kind kind, double a, double b) {
        this.kind = kind;
        this.a = a;
        this.b = b;
    }

    /**
     * η = η₀ at every step (the default).
     *
     * @return the constant schedule
     */
    public static LearningRateSchedule constant() {
        return CONSTANT;
    }

    /** η = t₀/(t + t₁), t₀ &gt; 0, t₁ &gt; 0. */
    public static LearningRateSchedule inverseTime(double t0, double t1) {
        if (!(t0 > 0) || !(t1 > 0) || !Double.isFinite(t0) || !Double.isFinite(t1)) {
            throw new IllegalArgumentException("inverse-time schedule needs t0 > 0 and t1 > 0, got " + t0 + ", " + t1);
        }
        return new LearningRateSchedule(Kind.INVERSE_TIME, t0, t1);
    }

    /** η = η₀/(t + 1)^p, 0 &lt; p ≤ 1. */
    public static LearningRateSchedule inverseScaling(double power) {
        if (!(power > 0 && power <= 1)) {
            throw new IllegalArgumentException("inverse-scaling power must be in (0, 1], got " + power);
        }
        return new LearningRateSchedule(Kind.INVERSE_SCALING, power, 0);
    }

    /**
     * η = η₀ until the monitored loss (the epoch's mean batch loss, or the validation MSE with
     * {@link FitConfig#validationFraction()}) has not fallen below (1 − tol)·best for {@link FitConfig#patience()} epochs,
     * then η/5 ({@link #ADAPTIVE_FACTOR}), and so on; the fit stops ({@link StopReason#CONVERGED}) when η would fall below
     * 10⁻⁶·η₀ ({@link #ADAPTIVE_FLOOR}). With tol = 0 η never changes. scikit-learn's "adaptive".
     *
     * @return the adaptive schedule
     */
    public static LearningRateSchedule adaptive() {
        return ADAPTIVE;
    }

    /**
     * Which schedule this is.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /** η for step t (t ≥ 0) given η₀; for adaptive schedules η₀ is the current (reduced) value. */
    public double at(long t, double eta0) {
        switch (kind) {
            case INVERSE_TIME: return a / (t + b);
            case INVERSE_SCALING: return eta0 / Math.pow(t + 1.0, a);
            default: return eta0;
        }
    }

    /** The number syntax of {@link #parse}: decimal, optional sign and exponent (no NaN, infinities, hex or d/f suffixes). */
    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private static final String EXPECTED = "expected constant, adaptive, invtime:T0,T1 or invscaling:P";

    /**
     * Parses {@code constant}, {@code adaptive}, {@code invtime:T0,T1} (two numbers) or {@code invscaling:P} (one
     * number), case-insensitive. Anything else — extra or missing fields, empty parts, a trailing comma, text that is
     * not a decimal number — is refused with an {@link IllegalArgumentException} saying what is wrong.
     */
    public static LearningRateSchedule parse(String text) {
        java.util.Objects.requireNonNull(text, "text");
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("constant")) {
            return constant();
        }
        if (t.equals("adaptive")) {
            return adaptive();
        }
        if (t.startsWith("invtime:")) {
            double[] v = numbers(text, t.substring(8), "invtime:T0,T1 (e.g. invtime:5,50)", "T0", "T1");
            return inverseTime(v[0], v[1]);
        }
        if (t.startsWith("invscaling:")) {
            double[] v = numbers(text, t.substring(11), "invscaling:P (e.g. invscaling:0.25)", "P");
            return inverseScaling(v[0]);
        }
        throw new IllegalArgumentException("unknown schedule '" + text + "': " + EXPECTED);
    }

    /** The comma-separated numbers of {@code fields}, exactly one per name. */
    private static double[] numbers(String text, String fields, String form, String... names) {
        String[] parts = fields.split(",", -1); // -1: a trailing comma leaves an empty part, which is refused
        if (parts.length != names.length) {
            throw new IllegalArgumentException("schedule '" + text + "' has " + parts.length + (parts.length == 1 ? " value" : " values")
                    + " after the colon; expected " + names.length + ": " + form);
        }
        double[] v = new double[names.length];
        for (int k = 0; k < names.length; k++) {
            String part = parts[k].trim();
            if (part.isEmpty()) {
                throw new IllegalArgumentException("schedule '" + text + "': " + names[k] + " is empty; expected " + form);
            }
            if (!NUMBER.matcher(part).matches()) {
                throw new IllegalArgumentException("schedule '" + text + "': " + names[k] + " '" + part + "' is not a number; expected "
                        + form);
            }
            v[k] = Double.parseDouble(part);
        }
        return v;
    }

    /** Equal when of the same kind with the same parameters (t₀ and t₁, or the power; compared as {@link Double#compare}). */
    @Override
    public boolean equals(Object o) {
        return o instanceof LearningRateSchedule s && s.kind == kind && Double.compare(s.a, a) == 0 && Double.compare(s.b, b) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(kind, a, b);
    }

    @Override
    public String toString() {
        switch (kind) {
            case INVERSE_TIME: return "invtime:" + a + "," + b;
            case INVERSE_SCALING: return "invscaling:" + a;
            default: return kind.name().toLowerCase(Locale.ROOT);
        }
    }
}
