package dev.downhill;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * The penalty on the coefficients, immutable. With strength α ≥ 0, mix ρ ∈ [0, 1] and optional penalty factors
 * pⱼ ≥ 0 (glmnet's {@code penalty.factor}; default 1, 0 leaves θⱼ unpenalised) a fit minimises
 * <pre>
 *   P(θ, b) = (1/(2m))·Σᵢ(yᵢ − xᵢᵀθ − b)²  +  α·ρ·Σⱼ pⱼ|θⱼ|  +  (α(1−ρ)/2)·Σⱼ pⱼθⱼ²
 * </pre>
 * with the intercept b unpenalised: scikit-learn's {@code ElasticNet(alpha=α, l1_ratio=ρ)} (and {@code Lasso(alpha=α)},
 * ρ = 1), so the same α gives the same θ; scikit-learn's {@code Ridge(alpha=α_sk)} is {@code l2(α_sk/m)}. The penalty
 * is always on the coefficients of the original features, whatever {@link FitConfig#standardize(long, long)} does
 * internally. (The library's loss is the MSE (1/m)‖r‖² = 2·(the first term); the solvers minimise
 * 2·P, which has the same minimiser.) The normaliser m is the number of rows (the sum of the weights once rows
 * carry weights).
 *
 * <p>{@code none()} and α = 0 mean ordinary least squares. Validation: α finite and ≥ 0, ρ in [0, 1], factors
 * finite and ≥ 0 (their number must equal the number of features; that is checked when a fit starts).
 */
public final class Penalty {
    /** What the user asked for; {@link #l2}, {@link #l1} and {@link #elasticNet} fix ρ to 0, 1 and the given mix. */
    public enum Kind {
        /** No penalty: ordinary least squares ({@link Penalty#none()}). */
        NONE,
        /** Ridge, ρ = 0 ({@link Penalty#l2(double)}). */
        L2,
        /** Lasso, ρ = 1 ({@link Penalty#l1(double)}). */
        L1,
        /** Elastic net, ρ as given ({@link Penalty#elasticNet(double, double)}). */
        ELASTIC_NET;

        /** The CLI and model-file name: none, l2, l1, elasticnet. */
        public String cliName() {
            return this == ELASTIC_NET ? "elasticnet" : name().toLowerCase(Locale.ROOT);
        }

        /** Parses a CLI name (case-insensitive; "elastic-net" and "elastic_net" too). */
        public static Kind parse(String name) {
            Objects.requireNonNull(name, "name");
            String s = name.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
            for (Kind k : values()) {
                if (k.cliName().equals(s)) {
                    return k;
                }
            }
            String alias = switch (s) { // scikit-learn's estimator names for the same penalties
                case "lasso" -> "; lasso is l1";
                case "ridge" -> "; ridge is l2";
                case "enet" -> "; enet is elasticnet";
                default -> "";
            };
            throw new IllegalArgumentException("unknown penalty '" + name + "' (expected none, l2, l1 or elasticnet" + alias + ")");
        }
    }

    private static final Penalty NONE = new Penalty(Kind.NONE, 0, 0, null, null);

    private final Kind kind;
    private final double alpha;
    private final double l1Ratio;
    private final double[] factors;
    /** The l2 term's own factors, or null: the l2 term then uses {@link #factors} too. */
    private final double[] l2Factors;

    private Penalty(Kind kind, double alpha, double l1Ratio, double[] factors, double[] l2Factors) {
        this.kind = kind;
        this.alpha = alpha + 0.0; // −0.0 is 0: one value, one equality (as FitConfig folds it)
        this.l1Ratio = l1Ratio + 0.0;
        this.factors = factors;
        this.l2Factors = l2Factors;
    }

    /** No penalty: ordinary least squares. */
    public static Penalty none() {
        return NONE;
    }

    /** Ridge: α‖θ‖²/2 (ρ = 0). scikit-learn's {@code Ridge(alpha=α_sk)} is {@code l2(α_sk / m)}. */
    public static Penalty l2(double alpha) {
        return new Penalty(Kind.L2, checkAlpha(alpha), 0, null, null);
    }

    /** Lasso: α‖θ‖₁ (ρ = 1), scikit-learn's {@code Lasso(alpha=α)}. */
    public static Penalty l1(double alpha) {
        return new Penalty(Kind.L1, checkAlpha(alpha), 1, null, null);
    }

    /** Elastic net: αρ‖θ‖₁ + (α(1−ρ)/2)‖θ‖², scikit-learn's {@code ElasticNet(alpha=α, l1_ratio=ρ)}. */
    public static Penalty elasticNet(double alpha, double l1Ratio) {
        checkAlpha(alpha);
        if (!(l1Ratio >= 0 && l1Ratio <= 1)) {
            throw new IllegalArgumentException("penalty l1 ratio must be in [0, 1], got " + l1Ratio);
        }
        return new Penalty(Kind.ELASTIC_NET, alpha, l1Ratio, null, null);
    }

    /**
     * The same penalty with per-coefficient factors pⱼ (finite, ≥ 0; 0 leaves θⱼ unpenalised), one per feature;
     * null restores the default (all 1). The array is copied.
     */
    public Penalty withPenaltyFactors(double[] penaltyFactors) {
        return new Penalty(kind, alpha, l1Ratio, checkFactors(penaltyFactors, "penalty factor"), l2Factors);
    }

    /**
     * The same penalty with factors qⱼ of its own for the l2 term — αρ·Σpⱼ|θⱼ| + (α(1−ρ)/2)·Σqⱼθⱼ² — where the l1 and l2
     * terms need different weights (Spark's elastic net with standardization: pⱼ = σⱼ, qⱼ = σⱼ²); null: the l2 term uses
     * the penalty factors p. Finite, ≥ 0, one per feature; the array is copied.
     */
    public Penalty withL2PenaltyFactors(double[] l2PenaltyFactors) {
        return new Penalty(kind, alpha, l1Ratio, factors, checkFactors(l2PenaltyFactors, "l2 penalty factor"));
    }

    private static double[] checkFactors(double[] given, String what) {
        if (given == null) {
            return null;
        }
        double[] f = given.clone();
        for (int j = 0; j < f.length; j++) {
            if (!(f[j] >= 0) || !Double.isFinite(f[j])) {
                throw new IllegalArgumentException(what + " " + j + " must be a finite number ≥ 0, got " + f[j]);
            }
            f[j] += 0.0; // −0.0 is 0
        }
        return f;
    }

    /**
     * The same kind, mix and factors with strength α (a point of a regularization path).
     *
     * @throws IllegalArgumentException for {@link #none()}, which has no strength to set (it is not turned into another
     *                                  kind: name l2, l1 or elasticnet), or when α is not finite and ≥ 0
     */
    public Penalty withAlpha(double alpha) {
        if (kind == Kind.NONE) {
            throw new IllegalArgumentException("the penalty none has no strength α to set: choose l2, l1 or elasticnet to give it one");
        }
        return new Penalty(kind, checkAlpha(alpha), l1Ratio, factors, l2Factors);
    }

    private static double checkAlpha(double alpha) {
        if (!(alpha >= 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("penalty alpha must be a finite number ≥ 0, got " + alpha);
        }
        return alpha;
    }

    /**
     * What was asked for: none, l2, l1 or elastic net (an elastic net with ρ = 1 stays {@link Kind#ELASTIC_NET}).
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /** α, the strength (0 for none). */
    public double alpha() {
        return alpha;
    }

    /** ρ, the share of the l1 term (0 for l2 and none, 1 for l1). */
    public double l1Ratio() {
        return l1Ratio;
    }

    /** Whether the penalty changes the answer at all (α &gt; 0). */
    public boolean isActive() {
        return alpha > 0;
    }

    /** Whether there is an l1 term (α &gt; 0 and ρ &gt; 0): only the proximal solvers can fit it. */
    public boolean hasL1() {
        return alpha > 0 && l1Ratio > 0;
    }

    /** α·ρ, the l1 strength. */
    public double l1Strength() {
        return alpha * l1Ratio;
    }

    /** α·(1−ρ), the l2 strength. */
    public double l2Strength() {
        return alpha * (1 - l1Ratio);
    }

    /** The configured factors (a copy), or null when all are 1. */
    public double[] penaltyFactors() {
        return factors == null ? null : factors.clone();
    }

    /**
     * The factors for n features: the configured ones, else n ones.
     *
     * @throws IllegalArgumentException when factors were given for a different number of features
     */
    public double[] factors(int n) {
        if (factors == null) {
            double[] ones = new double[n];
            Arrays.fill(ones, 1);
            return ones;
        }
        if (factors.length != n) {
            throw new IllegalArgumentException("penalty factors: " + factors.length + " given for " + n + " features");
        }
        return factors.clone();
    }

    /** Refuses factors given for another number of features than n (what {@link #factors} and {@link #l2Factors} check). */
    void checkFactors(int n) {
        if (factors != null && factors.length != n) {
            throw new IllegalArgumentException("penalty factors: " + factors.length + " given for " + n + " features");
        }
        if (l2Factors != null && l2Factors.length != n) {
            throw new IllegalArgumentException("l2 penalty factors: " + l2Factors.length + " given for " + n + " features");
        }
    }

    /** The l2 term's own factors (a copy), or null when it uses {@link #penaltyFactors()}. */
    public double[] l2PenaltyFactors() {
        return l2Factors == null ? null : l2Factors.clone();
    }

    /**
     * The l2 term's factors for n features: its own ({@link #withL2PenaltyFactors}), else {@link #factors(int)}.
     *
     * @throws IllegalArgumentException when factors were given for a different number of features
     */
    public double[] l2Factors(int n) {
        if (l2Factors == null) {
            return factors(n);
        }
        if (l2Factors.length != n) {
            throw new IllegalArgumentException("l2 penalty factors: " + l2Factors.length + " given for " + n + " features");
        }
        return l2Factors.clone();
    }

    /** αρ·Σpⱼ|θⱼ| + (α(1−ρ)/2)·Σqⱼθⱼ² (q = p unless the l2 term has its own factors), the penalty term at θ. */
    public double value(double[] theta) {
        Objects.requireNonNull(theta, "theta");
        if (!isActive()) {
            return 0;
        }
        double l1 = 0;
        double l2 = 0;
        for (int j = 0; j < theta.length; j++) {
            double p = factors == null ? 1 : factors[j];
            double q = l2Factors != null ? l2Factors[j] : p;
            l1 += p * Math.abs(theta[j]);
            l2 += q * theta[j] * theta[j];
        }
        return l1Strength() * l1 + 0.5 * l2Strength() * l2;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Penalty p && p.kind == kind && Double.compare(p.alpha, alpha) == 0
                && Double.compare(p.l1Ratio, l1Ratio) == 0 && Arrays.equals(p.factors, factors) && Arrays.equals(p.l2Factors, l2Factors);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, alpha, l1Ratio, Arrays.hashCode(factors), Arrays.hashCode(l2Factors));
    }

    @Override
    public String toString() {
        if (kind == Kind.NONE) {
            return "none";
        }
        return kind.cliName() + "(alpha=" + alpha + (kind == Kind.ELASTIC_NET ? ", l1Ratio=" + l1Ratio : "")
                + (factors == null ? "" : ", factors=" + factors.length) + (l2Factors == null ? "" : ", l2Factors=" + l2Factors.length) + ")";
    }
}
