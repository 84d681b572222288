package dev.downhill;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Where the gradient solvers start: θ₀ = 0, seeded standard-normal values, or given values
 * (a warm start). With an intercept the starting intercept follows from θ₀ (b = ȳ − x̄ᵀθ₀, the
 * optimum for that θ₀). Immutable.
 */
public final class InitialCoefficients {
    /** How θ₀ is chosen. */
    public enum Kind {
        /** θ₀ = 0: {@link InitialCoefficients#zeros()}. */
        ZEROS,
        /** Seeded standard-normal values: {@link InitialCoefficients#random(long)}. */
        RANDOM,
        /** Given values, a warm start: {@link InitialCoefficients#given(double[])}. */
        GIVEN
    }

    private static final InitialCoefficients ZEROS = new InitialCoefficients(Kind.ZEROS, 0, null);

    private final Kind kind;
    private final long seed;
    private final double[] values;

    private InitialCoefficients(Kind kind, long seed, double[] values) {
        this.kind = kind;
        this.seed = seed;
        this.values = values;
    }

    /** θ₀ = 0 (the default). */
    public static InitialCoefficients zeros() {
        return ZEROS;
    }

    /** θ₀ ~ N(0, 1) elementwise from a {@link SplittableRandom} seeded with {@code seed}. */
    public static InitialCoefficients random(long seed) {
        return new InitialCoefficients(Kind.RANDOM, seed, null);
    }

    /**
     * θ₀ = a copy of {@code theta} (every value finite).
     *
     * @throws NullPointerException     when {@code theta} is null
     * @throws IllegalArgumentException when a value is not finite
     */
    public static InitialCoefficients given(double[] theta) {
        java.util.Objects.requireNonNull(theta, "theta");
        double[] copy = theta.clone();
        for (int j = 0; j < copy.length; j++) {
            if (!Double.isFinite(copy[j])) {
                throw new IllegalArgumentException("initial coefficient " + j + " is " + copy[j] + "; every value must be finite");
            }
        }
        return new InitialCoefficients(Kind.GIVEN, 0, copy);
    }

    /**
     * θ₀ = {@code theta} itself, not copied (package use: a regularization path's warm start is the last model's θ, whose
     * array the next model's configuration then shares; the caller never writes it, and every value is finite).
     */
    static InitialCoefficients sharing(double[] theta) {
        return new InitialCoefficients(Kind.GIVEN, 0, theta);
    }

    /**
     * How θ₀ is chosen.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /** The seed of {@link #random(long)}; 0 otherwise. */
    public long seed() {
        return seed;
    }

    /** A copy of the values of {@link #given(double[])}; null otherwise. */
    public double[] givenValues() {
        return values == null ? null : values.clone();
    }

    /** Refuses given values whose count is not n (what {@link #values(int)} checks), without making θ₀. */
    void checkLength(int n) {
        if (values != null && values.length != n) {
            throw new IllegalArgumentException("initial coefficients have " + values.length + " values but X has " + n + " columns");
        }
    }

    /** θ₀ for n features, as a new array. */
    public double[] values(int n) {
        switch (kind) {
            case ZEROS:
                return new double[n];
            case RANDOM: {
                SplittableRandom r = new SplittableRandom(seed);
                double[] t = new double[n];
                for (int j = 0; j < n; j++) {
                    t[j] = r.nextGaussian();
                }
                return t;
            }
            default:
                if (values.length != n) {
                    throw new IllegalArgumentException("initial coefficients have " + values.length + " values but X has " + n + " columns");
                }
                return values.clone();
        }
    }

    /** Equal when of the same kind with the same seed (random) or the same values (given; compared as {@link Arrays#equals(double[], double[])}). */
    @Override
    public boolean equals(Object o) {
        return o instanceof InitialCoefficients c && c.kind == kind && c.seed == seed && Arrays.equals(c.values, values);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * kind.hashCode() + Long.hashCode(seed)) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        switch (kind) {
            case ZEROS: return "zeros";
            case RANDOM: return "random(seed=" + seed + ")";
            default: return "given" + (values.length <= 6 ? Arrays.toString(values) : "[" + values.length + " values]");
        }
    }
}
