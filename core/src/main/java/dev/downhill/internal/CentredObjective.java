package dev.downhill.internal;

import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import dev.downhill.spi.EpochRows;
import dev.downhill.spi.StochasticEpoch;
import java.util.ArrayList;
import java.util.List;

/**
 * The least-squares objective as the solvers see it, with the intercept eliminated and, optionally,
 * the features standardized — both implicitly: X is never copied or modified.
 *
 * <p>Intercept: when fitted, X and y are centred by choosing, for each θ, the optimal intercept
 * b(θ) = ȳ − x̄ᵀθ, and removing x̄·Σr from the gradient:
 * <pre>
 *   r = Xθ + b(θ) − y = X_cθ − y_c,      ∇ = s·Xᵀr − s·(Σr)·x̄ = s·X_cᵀr
 * </pre>
 * (X_c = X − 1x̄ᵀ, y_c = y − ȳ). Without an intercept b = 0 and nothing is corrected.
 *
 * <p>Standardization: with column scales σⱼ (root mean squared deviation from x̄ⱼ, or from 0 without an
 * intercept) and S = diag(1/σⱼ) — with an l2 term S = diag(1/√(σⱼ² + λⱼ/2)), the Jacobi scaling of the penalised
 * Hessian's diagonal 2σⱼ² + λⱼ ({@link #ridgeDiagonal}) — the solvers work in the coordinates β = S⁻¹θ of standardized
 * features: the β-gradient is S∇, a β-step is the θ-step θ ← θ − η·S²∇ ({@link #precondition}),
 * the gradient norm that decides convergence is ‖S∇‖ ({@link #gradientNorm}) and the curvature
 * is that of SHS ({@link #curvatureTimes}). Constant columns (σⱼ ≤ 1e-12·|x̄ⱼ|, or σⱼ = 0) get Sⱼⱼ = 0:
 * their coefficient stays 0. Owns its backend vectors; close it once.
 *
 * <p>Penalty ({@link Penalty}): the solvers minimise twice the penalised objective in the library's MSE scale,
 * <pre>
 *   F(θ) = (1/m)‖r‖² + Σⱼ κⱼ|θⱼ| + ½Σⱼ λⱼθⱼ²,     κⱼ = 2αρ·pⱼ,  λⱼ = 2α(1−ρ)·pⱼ
 * </pre>
 * — the same minimiser as {@link Penalty}'s P = F/2 — always on the original-scale θ, whatever the standardization.
 * The smooth part's gradient gains λ∘θ ({@link #addRidge}) and its Hessian diag(λ) ({@link #hessianTimes}, so the
 * power iteration's curvature bound and cg's operator include it); the l1 part is handled by the proximal solvers
 * with the thresholds κ ({@link #l1Thresholds}). The normaliser m is {@link #weightSum()}, the one place that
 * defines it.
 *
 * <p>Internal units (the gradient solvers' objective, {@code rescale = true}): the solvers see the problem
 * X' = X·D, y' = τ·y with power-of-two factors (exact in floating point: multiplying by 2^k adds no rounding), chosen
 * so that X' and y' are O(1) whatever the data's magnitude — every scalar the solvers compute (the loss, ‖∇‖², the
 * curvature, the step size, cg's α and β) and every vector the backend stores then stays far from overflow and
 * underflow. θ' = τ·D⁻¹θ and b' = τ·b, so X'θ' + b' − y' = τ·r. The backend's fused pass applies the factors exactly:
 * it is called with θ̃ = D∘θ' (= τθ), intercept b' and target weight τ, and its output is multiplied by D. The
 * objective in internal units is τ²·F with the penalty's l1 factors τ·dⱼ·pⱼ and l2 factors dⱼ²·pⱼ. Dⱼ = 2^−eⱼ with
 * eⱼ the binary exponent of column j's root mean square about 0 when standardized (standardization absorbs any column
 * scaling: the iterates in the standardized coordinates are those of the unscaled problem times τ); one factor
 * d = 2^−e for every column (e from the largest column) without standardization, so that the iterates are exactly
 * τ/d times those of the unscaled problem when the step is η' = η/d² ({@link #internalLearningRate}). D = I when
 * every column's magnitude lies within 2^±{@value #NEUTRAL_EXPONENT} (ordinary data: no extra work per pass).
 * τ = 2^−e with e the exponent of y's root mean square about 0 (τ = 1 within 2^±{@value #NEUTRAL_EXPONENT} unless D
 * ≠ I), measured from the first gradient pass at θ = 0, which the solvers make anyway when they start from 0 — made
 * with τ = 1 and, in float64, scaled by the power of two τ turns out to be (the bits of a pass at τ), so no second
 * pass (float32 makes one when τ ≠ 1; a warm
 * start pays one extra pass; a float64 y whose squares overflow or vanish in that pass pays one more). Results are
 * mapped back to the user's units by {@link #userCoefficients}, {@link #userIntercept}, {@link #userLoss},
 * {@link #userGradientNorm}, {@link #userLearningRate}. Data that cannot be scaled this way are refused when the
 * objective is made ({@link #scaleProblem}).
 */
public final class CentredObjective implements AutoCloseable {
    /** A centred column whose RMS deviation is at most this times |mean| counts as constant. */
    public static final double CONSTANT_COLUMN_RATIO = 1e-12;

    private final ResidentProblem problem;
    private final boolean centred;
    /** ȳ of the rows the statistics cover, in the user's units. */
    private final double userTargetMean;
    /** The validation rows' moments when the statistics are the training rows' (null: all rows). */
    private final HeldOutMoments heldOut;
    private final BackendVector means;
    private final boolean standardized;
    /** Whether the ridge's Jacobi scales are rounded so that λⱼ·S²ⱼ lies on {@link #RATE_GRID} ({@link #groupsRidgeRates}). */
    private final boolean groupedRidgeRates;
    /**
     * S on the backend and a scratch for S∘v (standardized only), made on first use ({@link #columnScales()}): only the
     * gradient norm ‖S∇‖ and the curvature SHS need them, and cg uses neither (its norm is √(rᵀS²r)).
     */
    private BackendVector scales;
    private final BackendVector squaredScales;
    private BackendVector scratch;
    private final int[] constantColumns;
    /** The rms of each column (n values), made on the first {@link #lossRoundingError} and kept (a solver may ask often). */
    private double[] rootMeanSquares;
    private final Penalty penalty;
    /** λ = 2α(1−ρ)·p on the backend, null without an l2 term; ridgeScratch holds λ∘θ. */
    private final BackendVector ridge;
    private final BackendVector ridgeScratch;
    /** λ times {@link #scaledRidgeFactor}, for the epochs of a weighted fit ({@link #scaledRidge}); made on first use. */
    private BackendVector scaledRidge;
    private double scaledRidgeFactor;
    /** S² on the host when standardized (0 for constant columns), else null: {@link #squaredScales()} makes ones then. */
    private final double[] hostSquaredScales;

    /** Magnitudes within 2^±this are left unscaled (D = I, τ = 1 when y is also within it). */
    public static final int NEUTRAL_EXPONENT = 20;
    /** float32: column magnitudes beyond 2^±this are refused (the backends hold X·r products and θ in float32). */
    static final int FLOAT32_LIMIT_EXPONENT = 108;
    /** float64: column magnitudes below 2^−this are refused (their squares vanish in the column statistics). */
    static final int FLOAT64_LOW_EXPONENT = 510;
    /** float32: y's magnitude below 2^−this (subnormal) is refused (τ would not fit float32). */
    static final int FLOAT32_TARGET_LOW_EXPONENT = 126;
    /** The target factor tried when y's squares overflow (or vanish: its inverse) in a float64 first pass. */
    private static final int RETRY_EXPONENT = 600;

    /**
     * The largest |k| for which a float64 measuring pass at θ = 0 with target factor τ is reused for τ' = 2ᵏτ by scaling
     * (r = b − τy, every product wr·x, the sums and g scale by 2ᵏ exactly): the bits of a second pass at τ' unless some
     * product of the first fell below float64's normal range (2⁻¹⁰²²: an entry far below its column's magnitude), so the
     * start of a fit costs one pass, not two, when τ ≠ 1. float32 problems never reuse it: their kernels round r and sum
     * the products in float32, where the pass at τ could overflow or underflow (τ exists to bring y near 1).
     */
    private static final int REUSE_RESCALE_EXPONENT = 60;

    /** Whether the objective works in internal units (the gradient solvers); false: τ = 1, D = I, as given. */
    private final boolean rescale;
    /** D on the host, null when D = I; dUniform the common factor without standardization (1 when D = I). */
    private final double[] columnFactors;
    private final double uniformFactor;
    /**
     * D on the backend and the scratch θ̃ = D∘θ' (both null when D = I; the scratch also serves the measuring pass, which
     * otherwise measures at the caller's θ = 0 or in a vector of its own, {@link #measureTarget}).
     */
    private final BackendVector factorVector;
    private final BackendVector passScratch;
    /**
     * x̄' = D∘x̄ on the host: the statistics' own array when D = I (never written), else one of its own. The column mean
     * squared deviations are not kept: the backend keeps them, {@link #internalDeviations} makes D²∘dev on each (rare) use.
     */
    private final double[] hostMeans;
    /** τ, the target factor; NaN until the first gradient pass (or a warm start) has measured y. */
    private double targetFactor;
    /** {@link #largestSquaredRowNorm()} once made (NaN before, and after when the backend has no row pass: then remade). */
    private double largestSquaredRowNorm = Double.NaN;
    /** ‖∇(0)‖ from the measuring pass of a warm start (see {@link #zeroStartGradientNorm()}); NaN otherwise. */
    private double zeroStartGradientNorm = Double.NaN;
    /**
     * The penalty's host arrays, made on first use ({@link #penaltyArrays}: n-long loops a fit without a penalty never
     * needs): the penalty factors p, the raw l1 thresholds 2αρ·p (κ is them times τ·dⱼ once τ is known), the l2 factors in
     * internal units dⱼ²·pⱼ; and for the target factor {@link #l1Tau}, the l1 factors τ·dⱼ·pⱼ and thresholds κ.
     */
    private double[] penaltyFactors;
    private double[] rawL1Thresholds;
    private double[] l2Factors;
    private double[] l1Factors;
    private double[] l1Thresholds;
    /** The target factor the l1 arrays are to be made for (set by {@link #l1FactorsFor}); NaN before it is known. */
    private double l1Tau = Double.NaN;

    public CentredObjective(ResidentProblem problem, boolean fitIntercept, boolean standardize) {
        this(problem, fitIntercept, standardize, Penalty.none());
    }

    /**
     * @param penalty the penalty (its factors must have one entry per column: checked here)
     */
    public CentredObjective(ResidentProblem problem, boolean fitIntercept, boolean standardize, Penalty penalty) {
        this(problem, fitIntercept, standardize, penalty, false);
    }

    /**
     * @param penalty the penalty (its factors must have one entry per column: checked here)
     * @param rescale whether to work in internal units (see the class Javadoc): the gradient solvers' objective
     * @throws ArithmeticException (one line, {@link #scaleProblem}) when {@code rescale} and X cannot be scaled
     */
    public CentredObjective(ResidentProblem problem, boolean fitIntercept, boolean standardize, Penalty penalty,
                            boolean rescale) {
        this(problem, fitIntercept, standardize, penalty, rescale, null);
    }

    /**
     * As the five-argument constructor, with the column statistics (x̄, ȳ and, when standardized, the scales) of the
     * training rows only: without the validation rows of {@code split} (SGD's early stopping), read from the host
     * dataset by {@link CheckedProblem#heldOut} ({@link HeldOutMoments}). A problem that does not know its host dataset
     * keeps the statistics of all rows. The power-of-two factors D and the refusals of {@link #scaleProblem} still look
     * at all rows (they bound magnitudes; D is exact).
     *
     * @param split the SGD split (null or no held rows: all rows)
     */
    /**
     * Whether a column of root mean square deviation {@code sigma} (about its mean when {@code centred}, else about 0) and
     * mean {@code mean} is constant: σ = 0, or centred with σ ≤ {@value #CONSTANT_COLUMN_RATIO}·|mean| (what centring
     * leaves of a constant column). Its coefficient is then 0 under standardization.
     */
    static boolean isConstant(double sigma, double mean, boolean centred) {
        return sigma == 0 || centred && sigma <= CONSTANT_COLUMN_RATIO * Math.abs(mean);
    }

    /**
     * Whether the gradient solvers work standardized on {@code problem} with {@code config}: its
     * {@link dev.downhill.FitConfig#standardize(long, long)} rule, or, left to the default with cg or an automatic η (or a
     * fixed one the steps do not use: {@link dev.downhill.FitConfig#fixedLearningRateUsed()}), an
     * l2 term that makes the minimiser unique ({@link #ridgeMakesTheMinimiserUnique}) — the wide-X case the rule leaves off
     * — except where that would cost a lazy stochastic epoch its laziness ({@link #unscaledToStayLazy}).
     */
    public static boolean standardizes(ResidentProblem problem, dev.downhill.FitConfig config) {
        return config.standardize(problem.rows(), problem.cols()) || standardizedByRidge(problem, config);
    }

    /** 2^(k/4) for k = 0..3: the steps of the quarter-octave grid of {@link #onRateGrid}. */
    private static final double[] RATE_GRID = {1, 0x1.306fe0a31b715p0, 0x1.6a09e667f3bcdp0, 0x1.ae89f995ad3adp0};

    /**
     * The point of the grid 2^(k/4) (k an integer) nearest to {@code rate} in log scale (rate &gt; 0 finite): the same
     * value for every rate in the same quarter-octave, bit for bit on every machine (a table and a power of two, no
     * logarithm of the result).
     */
    static double onRateGrid(double rate) {
        int k = (int) Math.round(4 * (StrictMath.log(rate) / StrictMath.log(2)));
        return Math.scalb(RATE_GRID[Math.floorMod(k, 4)], Math.floorDiv(k, 4));
    }

    /**
     * Whether a fit rounds its standardized ridge's decay rates to {@link #onRateGrid}'s grid: sgd or minibatch on sparse
     * X with an intercept and an l2 term, standardized ({@link #standardizes}), without an l1 term. Jacobi's
     * S²ⱼ = 1/(σⱼ² + λⱼ/2) gives each column its own decay rate ηλⱼS²ⱼ, and with the implicit centring no lazy epoch
     * follows n different rates: each step cost O(n) (200,000 × 20,000 sparse, 3 sgd epochs: ~30–40 s against ~2 s
     * unscaled). Rounded to a quarter-octave — S²ⱼ within 2^±⅛ of Jacobi's, as good a preconditioner — the rates are a
     * few dozen, and the epoch keeps one scale per group ({@code SparseLazyEpoch.decaysByGroup}): O(the batch's entries +
     * the groups) a step. Only the preconditioning changes: the minimiser is the same.
     */
    public static boolean groupsRidgeRates(ResidentProblem problem, dev.downhill.FitConfig config) {
        Penalty penalty = config.penalty();
        return config.solver().isStochastic() && problem.isSparse() && config.fitIntercept() && penalty.l2Strength() > 0
                && !penalty.hasL1() && standardizes(problem, config);
    }

    /** Whether {@link #standardizes} is true only by its ridge branch (wide X, or X that the rule leaves unscaled). */
    public static boolean standardizedByRidge(ResidentProblem problem, dev.downhill.FitConfig config) {
        return !config.standardize(problem.rows(), problem.cols()) && config.standardizeSetting() == null
                && (config.solver() == dev.downhill.Solver.CG || !config.fixedLearningRateUsed())
                && ridgeMakesTheMinimiserUnique(problem, config.fitIntercept(), config.penalty());
    }

    /**
     * The columns of {@code problem} that are constant by {@link #isConstant} (about their means when {@code centred},
     * else all zero), from its column statistics — what a gradient fit reports ({@link #constantColumns()}), for the
     * solvers that build no objective (cd: its coefficients there are 0, as G's or X̃'s column is).
     */
    public static int[] constantColumns(ResidentProblem problem, boolean centred) {
        double[] deviations = problem.columnMeanSquaredDeviations(centred);
        double[] means = problem.columnStatistics().means();
        return java.util.stream.IntStream.range(0, deviations.length)
                .filter(j -> isConstant(Math.sqrt(deviations[j]), means[j], centred)).toArray();
    }

    /**
     * Whether the l2 term of {@code penalty} makes the objective strictly convex in every column that is not constant
     * ({@link #isConstant}): a positive l2 factor on each. Then the minimiser is unique — on wide X too, where without a
     * ridge the gradient solvers from 0 find the minimum-norm θ only unstandardized — so standardization (Jacobi scaling
     * of the penalised Hessian) only speeds the solvers up. Reads the column statistics (cached by a checked problem).
     */
    public static boolean ridgeMakesTheMinimiserUnique(ResidentProblem problem, boolean centred, Penalty penalty) {
        if (!(penalty.l2Strength() > 0)) {
            return false;
        }
        int n = Math.toIntExact(problem.cols());
        double[] factors = penalty.l2Factors(n);
        double[] deviations = null;
        double[] means = null;
        for (int j = 0; j < n; j++) {
            if (factors[j] > 0) {
                continue;
            }
            if (deviations == null) {
                deviations = problem.columnMeanSquaredDeviations(centred);
                means = problem.columnStatistics().means();
            }
            if (!isConstant(Math.sqrt(deviations[j]), means[j], centred)) {
                return false;
            }
        }
        return true;
    }

    public CentredObjective(ResidentProblem problem, boolean fitIntercept, boolean standardize, Penalty penalty,
                            boolean rescale, EpochRows split) {
        this(problem, fitIntercept, standardize, penalty, rescale, split, false);
    }

    /**
     * As above; {@code groupRidgeRates} rounds the standardized ridge's decay rates λⱼ·S²ⱼ to a quarter-octave grid
     * ({@link #groupsRidgeRates}: the sparse stochastic fits with an intercept whose epochs then run lazily).
     */
    public CentredObjective(ResidentProblem problem, boolean fitIntercept, boolean standardize, Penalty penalty,
                            boolean rescale, EpochRows split, boolean groupRidgeRates) {
        this.groupedRidgeRates = groupRidgeRates;
        this.problem = problem;
        this.rescale = rescale;
        this.penalty = penalty;
        this.centred = fitIntercept;
        HeldOutMoments held = split != null && split.held() > 0 && problem instanceof CheckedProblem c ? c.heldOut(split) : null;
        if (held != null) {
            held.requireWeightOnBothSides(split.held(), split.rows(), problem.weightSum());
        }
        this.heldOut = held;
        ColumnStatistics stats = statisticsFromSource();
        this.userTargetMean = stats.targetMean();
        this.standardized = standardize;
        int n = Math.toIntExact(problem.cols());
        this.targetFactor = rescale ? Double.NaN : 1;
        double[] d = null;
        double uniform = 1;
        if (rescale) {
            ColumnMagnitudes magnitudes = ColumnMagnitudes.measure(problem, fitIntercept, standardize);
            if (magnitudes.refusal() != null) {
                throw new ArithmeticException(magnitudes.refusal());
            }
            if (magnitudes.outsideNeutral()) {
                double[] a = magnitudes.values(problem);
                d = new double[n];
                uniform = Math.scalb(1.0, -magnitudes.largestExponent());
                for (int j = 0; j < n; j++) {
                    d[j] = standardize ? a[j] > 0 ? Math.scalb(1.0, -Math.getExponent(a[j])) : 1 : uniform;
                }
                if (standardize) {
                    uniform = 1; // unused: the standardized norms do not see D
                }
            }
        }
        this.columnFactors = d;
        this.uniformFactor = uniform;
        double[] userMeans = stats.means();
        if (d == null) {
            this.hostMeans = userMeans; // read only
        } else {
            this.hostMeans = new double[n];
            for (int j = 0; j < n; j++) {
                hostMeans[j] = userMeans[j] * d[j];
            }
        }
        double[] lambda = ridgeDiagonal(penalty, n, d);
        List<BackendVector> made = new ArrayList<>();
        try {
            this.factorVector = d != null ? track(made, problem.allocateVector(n)) : null;
            if (factorVector != null) {
                factorVector.copyFromHost(d);
            }
            this.passScratch = d != null ? track(made, problem.allocateVector(n)) : null;
            this.means = centred ? track(made, problem.allocateVector(n)) : null;
            if (means != null) {
                means.copyFromHost(hostMeans);
            }
            if (standardize) {
                double[] s2 = new double[n];
                List<Integer> constant = new ArrayList<>();
                standardization(internalDeviations(), lambda, null, s2, constant);
                this.squaredScales = track(made, problem.allocateVector(n));
                squaredScales.copyFromHost(s2);
                this.constantColumns = constant.stream().mapToInt(Integer::intValue).toArray();
                this.hostSquaredScales = s2;
            } else {
                this.squaredScales = null;
                this.constantColumns = new int[0];
                this.hostSquaredScales = null;
            }
            if (lambda != null) {
                this.ridge = track(made, problem.allocateVector(n));
                this.ridgeScratch = track(made, problem.allocateVector(n));
                ridge.copyFromHost(lambda);
            } else {
                this.ridge = null;
                this.ridgeScratch = null;
            }
            if (!rescale) {
                l1FactorsFor(1);
            }
        } catch (RuntimeException | Error e) {
            for (int k = made.size() - 1; k >= 0; k--) {
                made.get(k).close();
            }
            throw e;
        }
    }

    /**
     * The standardization of each column from its internal deviation σⱼ² (and the l2 term λⱼ, null without one): constant
     * columns ({@link #isConstant}) get 0 and go to {@code constant}; the others Sⱼ = 1/σⱼ, Sⱼ² = 1/σⱼ², or with λⱼ &gt; 0
     * the Jacobi scaling 1/√(σⱼ² + λⱼ/2) and its square. Writes those of {@code s}, {@code s2} and {@code constant} that
     * are not null.
     */
    private void standardization(double[] deviations, double[] lambda, double[] s, double[] s2, List<Integer> constant) {
        for (int j = 0; j < deviations.length; j++) {
            double sigma = Math.sqrt(deviations[j]);
            if (isConstant(sigma, hostMeans[j], centred)) {
                if (constant != null) {
                    constant.add(j);
                }
            } else if (lambda == null || lambda[j] == 0) {
                if (s != null) {
                    s[j] = 1 / sigma;
                }
                if (s2 != null) {
                    s2[j] = 1 / deviations[j];
                }
            } else if (groupedRidgeRates) { // λⱼ·S²ⱼ on the quarter-octave grid: within 2^±⅛ of Jacobi's (below)
                double diagonal = deviations[j] + lambda[j] / 2;
                double squared = onRateGrid(lambda[j] / diagonal) / lambda[j];
                if (s != null) {
                    s[j] = Math.sqrt(squared);
                }
                if (s2 != null) {
                    s2[j] = squared;
                }
            } else { // Jacobi: the penalised Hessian's diagonal 2σⱼ² + λⱼ scaled to 2, as σⱼ² alone without a ridge
                double diagonal = deviations[j] + lambda[j] / 2; // exact: λⱼ is 2·(a product)
                if (s != null) {
                    s[j] = 1 / Math.sqrt(diagonal);
                }
                if (s2 != null) {
                    s2[j] = 1 / diagonal;
                }
            }
        }
    }

    /**
     * S on the backend (standardized only), made on the first call with the scratch beside it, from the same deviations
     * and λ as S² (the same bits as when the constructor made both).
     */
    private BackendVector columnScales() {
        if (scales == null) {
            int n = Math.toIntExact(problem.cols());
            double[] s = new double[n];
            standardization(internalDeviations(), ridgeDiagonal(penalty, n, columnFactors), s, null, null);
            BackendVector made = problem.allocateVector(n);
            try {
                made.copyFromHost(s);
                scratch = problem.allocateVector(n);
            } catch (RuntimeException | Error e) {
                made.close();
                throw e;
            }
            scales = made;
        }
        return scales;
    }

    /** The statistics of the training rows (all rows without a split): a fresh copy from the problem (which keeps them). */
    private ColumnStatistics statisticsFromSource() {
        return heldOut == null ? problem.columnStatistics() : heldOut.trainingStatistics(problem.columnStatistics(), problem.weightSum());
    }

    /**
     * The column mean squared deviations in internal units, D²∘dev (of the training rows), made again on each call from
     * the problem's kept deviations: the same bits each time, n values the objective does not hold on to.
     */
    private double[] internalDeviations() {
        double[] deviations = trainingDeviations();
        if (columnFactors != null) {
            double[] d = columnFactors;
            for (int j = 0; j < deviations.length; j++) {
                deviations[j] *= d[j] * d[j];
            }
        }
        return deviations;
    }

    /** The column mean squared deviations of the training rows (all rows without a split). */
    private double[] trainingDeviations() {
        double[] all = problem.columnMeanSquaredDeviations(centred);
        return heldOut == null ? all : heldOut.trainingDeviations(all, centred, problem.weightSum());
    }

    /** Whether the statistics exclude held-out validation rows. */
    public boolean excludesHeldOutRows() {
        return heldOut != null;
    }

    private static BackendVector track(List<BackendVector> made, BackendVector v) {
        made.add(v);
        return v;
    }

    public ResidentProblem problem() {
        return problem;
    }

    /** {@link #weightSum()} for a problem without an objective (the direct solvers): Σw, m when unweighted. */
    public static double weightSum(ResidentProblem problem) {
        return problem.weightSum();
    }

    public Penalty penalty() {
        return penalty;
    }

    /** Whether the objective has an l2 term (λ ≠ 0). */
    public boolean hasRidge() {
        return ridge != null;
    }

    /**
     * κ = 2αρ·p, the l1 weights of F (all 0 without an l1 term), in internal units (2αρ·τ·dⱼ·pⱼ); a copy. Needs τ:
     * call it after the first gradient pass (before it, this measures y with a pass of its own).
     */
    public double[] l1Thresholds() {
        ensureTargetFactor();
        penaltyArrays();
        return l1Thresholds.clone();
    }

    /** The penalty's l1 factors in internal units, τ·dⱼ·pⱼ (p unscaled); a copy. Needs τ, as {@link #l1Thresholds}. */
    public double[] l1Factors() {
        ensureTargetFactor();
        penaltyArrays();
        return l1Factors.clone();
    }

    /** The penalty's l2 factors in internal units, dⱼ²·pⱼ (p unscaled); a copy. */
    public double[] l2Factors() {
        penaltyArrays();
        return l2Factors.clone();
    }

    /** The l1 factors and thresholds are now those of target factor τ (made on their next use, {@link #penaltyArrays}). */
    private void l1FactorsFor(double tau) {
        if (tau != l1Tau) {
            l1Tau = tau;
            l1Factors = null;
        }
    }

    /**
     * Makes the penalty's host arrays on first use, and the l1 factors and thresholds for {@link #l1Tau} (τ·dⱼ·pⱼ and
     * 2αρ·pⱼ·τ·dⱼ: exact, power-of-two products; p and 2αρ·p themselves before τ is known).
     */
    private void penaltyArrays() {
        int n = Math.toIntExact(problem.cols());
        if (penaltyFactors == null) {
            penaltyFactors = penalty.factors(n);
            double l1 = 2 * penalty.l1Strength();
            rawL1Thresholds = new double[n];
            for (int j = 0; j < n; j++) {
                rawL1Thresholds[j] = l1 * penaltyFactors[j];
            }
            l2Factors = penalty.l2Factors(n).clone();
            if (columnFactors != null) {
                for (int j = 0; j < n; j++) {
                    l2Factors[j] *= columnFactors[j] * columnFactors[j];
                }
            }
        }
        if (l1Factors == null) {
            l1Factors = new double[n];
            l1Thresholds = new double[n];
            for (int j = 0; j < n; j++) {
                double f = !(l1Tau > 0) ? 1 : columnFactors == null ? l1Tau : l1Tau * columnFactors[j];
                l1Factors[j] = f == 1 ? penaltyFactors[j] : penaltyFactors[j] * f;
                l1Thresholds[j] = f == 1 ? rawL1Thresholds[j] : rawL1Thresholds[j] * f;
            }
        }
    }

    /** The preconditioner's diagonal on the host: S² when standardized (0 for constant columns), else ones; a copy. */
    public double[] squaredScales() {
        if (hostSquaredScales == null) {
            double[] ones = new double[Math.toIntExact(problem.cols())];
            java.util.Arrays.fill(ones, 1);
            return ones;
        }
        return hostSquaredScales.clone();
    }

    /**
     * gradient ← gradient + λ∘θ (the l2 term's gradient) and returns ½Σλⱼθⱼ² = α(1−ρ)Σpⱼθⱼ², the l2 term of F;
     * no work and 0 without an l2 term. Reads θ, writes {@code gradient}.
     */
    public double addRidge(BackendVector theta, BackendVector gradient) {
        return addRidge(theta, gradient, 1);
    }

    /**
     * {@link #addRidge(BackendVector, BackendVector)} with λ times {@code penaltyFactor} (an epoch's penalty,
     * {@link #epochBuilder(EpochRows, long, double)}): gradient ← gradient + (factor·λ)∘θ; returns ½Σ(factor·λⱼ)θⱼ².
     */
    public double addRidge(BackendVector theta, BackendVector gradient, double penaltyFactor) {
        if (ridge == null) {
            return 0;
        }
        problem.copy(theta, ridgeScratch);
        problem.multiply(scaledRidge(penaltyFactor), ridgeScratch);
        problem.axpy(1, ridgeScratch, gradient);
        return 0.5 * problem.dot(theta, ridgeScratch);
    }

    /** The penalty part of F at θ (host, internal units): Σκⱼ|θⱼ| + ½Σλⱼθⱼ² = 2·{@link #penaltyValue}. */
    public double penaltyTerm(double[] theta) {
        return 2 * penaltyValue(theta);
    }

    /**
     * {@link Penalty#value} at θ in internal units: αρ·Σ(τdⱼpⱼ)|θ'ⱼ| + ½α(1−ρ)·Σ(dⱼ²pⱼ)θ'ⱼ² = τ²·Penalty.value(θ)
     * (exactly Penalty.value when unscaled). Needs τ.
     */
    public double penaltyValue(double[] theta) {
        if (!penalty.isActive()) {
            return 0;
        }
        ensureTargetFactor();
        if (columnFactors == null && targetFactor == 1) {
            return penalty.value(theta);
        }
        penaltyArrays();
        double l1 = 0;
        double l2 = 0;
        for (int j = 0; j < theta.length; j++) {
            l1 += l1Factors[j] * Math.abs(theta[j]);
            l2 += l2Factors[j] * theta[j] * theta[j];
        }
        return penalty.l1Strength() * l1 + 0.5 * penalty.l2Strength() * l2;
    }

    public boolean centred() {
        return centred;
    }

    public boolean standardized() {
        return standardized;
    }

    /** Columns treated as constant under standardization (their coefficient is 0); empty otherwise. */
    public int[] constantColumns() {
        return constantColumns.clone();
    }

    /** The problem's column statistics in the user's units (x̄, ȳ; the internal ones are D∘x̄ and τȳ): a copy. */
    public ColumnStatistics statistics() {
        return statisticsFromSource();
    }

    /**
     * Σw, the normaliser of the full-batch objective (1/Σw)Σwᵢrᵢ² and of its gradient (2/Σw)X_cᵀWr, and of the
     * penalty's scale: the number of rows m, exactly, when the problem is unweighted ({@link ResidentProblem#weightSum()}).
     * Every use of "m as the normaliser" goes through here.
     */
    public double weightSum() {
        return problem.weightSum();
    }

    /**
     * θ₀ as the solvers start from it, in internal units (θ'₀ = τ·D⁻¹θ₀): the given values (user units) with constant
     * columns' coefficients set to 0. A non-zero θ₀ needs τ: the first call measures y with one pass at θ = 0.
     */
    public double[] startingPoint(double[] theta0) {
        double[] t = theta0.clone();
        for (int j : constantColumns) {
            t[j] = 0;
        }
        boolean zero = true;
        for (double v : t) {
            zero &= v == 0;
        }
        if (rescale && !zero) {
            ensureTargetFactor();
            for (int j = 0; j < t.length; j++) {
                t[j] = t[j] * (targetFactor / (columnFactors == null ? 1 : columnFactors[j]));
            }
        }
        return t;
    }

    /** b(θ) = ȳ − x̄ᵀθ with an intercept, else 0 (internal units: τȳ − x̄'ᵀθ'). */
    public double interceptFor(BackendVector theta) {
        return centred ? targetMean() - problem.dot(means, theta) : 0;
    }

    /** b(θ) = ȳ − x̄ᵀθ from the float64 means on the host (θ given on the host), else 0 (internal units). */
    public double interceptFor(double[] theta) {
        if (!centred) {
            return 0;
        }
        double[] m = hostMeans;
        double s = 0;
        for (int j = 0; j < theta.length; j++) {
            s += m[j] * theta[j];
        }
        return targetMean() - s;
    }

    /** ȳ, the (weighted) mean of y in the user's units (from the column statistics). */
    public double userTargetMean() {
        return userTargetMean;
    }

    /** ȳ' = τȳ. */
    private double targetMean() {
        ensureTargetFactor();
        return targetFactor == 1 ? userTargetMean : targetFactor * userTargetMean;
    }

    // ------------------------------------------------------------------ internal units

    /**
     * Why the gradient solvers cannot scale {@code problem}'s X (one line naming the column, its magnitude and the way
     * out), or null. Measured from the column statistics a fit with these {@code centred} and {@code standardize} settings
     * needs anyway ({@link ColumnMagnitudes}): a column's root mean square about 0. Refused: in float64, a column whose
     * squares overflow in the statistics (values beyond about 1e154: the deviation is infinite) or vanish (root mean square
     * below 2^−{@value #FLOAT64_LOW_EXPONENT} ≈ 3e-154, or a non-zero mean whose squares vanished: the spread cannot be told
     * from 0); in float32, a column beyond 2^±{@value #FLOAT32_LIMIT_EXPONENT} (≈ 3e±32), where the backends' float32
     * products X·r and θ cannot both be held. The svd solver, which scales columns by their norms itself, and float64
     * take such data.
     */
    public static String scaleProblem(ResidentProblem problem, boolean centred, boolean standardize) {
        return ColumnMagnitudes.measure(problem, centred, standardize).refusal();
    }

    /** τ, measured on first use (see the class Javadoc) with a pass of its own. */
    private void ensureTargetFactor() {
        if (targetFactor > 0) {
            return;
        }
        try (BackendVector out = problem.allocateVector(problem.cols())) {
            measureTarget(null, 2.0 / weightSum(), out);
        }
    }

    /**
     * Measures y with the gradient pass at θ = 0 over all rows (into {@code out}) and sets τ. Returns that pass's sums
     * when the caller's θ is 0 ({@code zeroTheta}, reusable: the pass it asked for) and τ came out as the factor the pass
     * used or within 2^±{@value #REUSE_RESCALE_EXPONENT} of it (then {@code out} holds the internal gradient at θ = 0
     * for τ, before centring: the pass's output scaled by the power of two between them), else null.
     *
     * @param zeroTheta the caller's θ when it is 0 over all rows (read only), or null: the pass reads θ = 0 from the
     *                  pass scratch (zeroed) when D ≠ I, else from a vector made for it and freed after
     */
    private ResidualSums measureTarget(BackendVector zeroTheta, double scale, BackendVector out) {
        if (zeroTheta != null) {
            return measureTargetAt(zeroTheta, true, scale, out);
        }
        if (passScratch != null) {
            problem.scale(0, passScratch); // θ = 0 (the vector holds zeros or a finite θ: no allocation of n zeros)
            return measureTargetAt(passScratch, false, scale, out);
        }
        try (BackendVector zero = problem.allocateVector(problem.cols())) {
            return measureTargetAt(zero, false, scale, out);
        }
    }

    /** {@link #measureTarget} with θ = 0 in {@code zero} (read only); {@code reusable}: it is the caller's θ. */
    private ResidualSums measureTargetAt(BackendVector zero, boolean reusable, double scale, BackendVector out) {
        boolean float64 = problem.precision() == Precision.FLOAT64;
        double tau = 1;
        double magnitude;
        ResidualSums sums;
        while (true) {
            sums = problem.gradient(zero, centred ? tau * userTargetMean : 0, tau, scale, RowSlice.all(), out);
            double meanSquare = sums.sumOfSquares() / weightSum();
            if (float64 && tau == 1 && meanSquare == Double.POSITIVE_INFINITY) {
                tau = Math.scalb(1.0, -RETRY_EXPONENT); // y's squares overflowed: measure it scaled down
                continue;
            }
            if (float64 && tau == 1 && meanSquare == 0) {
                tau = Math.scalb(1.0, RETRY_EXPONENT); // zero, or squares that vanished: measure it scaled up
                continue;
            }
            double spread = Math.sqrt(meanSquare) / tau;
            magnitude = centred ? Math.hypot(spread, userTargetMean) : spread;
            break;
        }
        double chosen = 1;
        if (magnitude > 0 && Double.isFinite(magnitude)) {
            int e = Math.getExponent(magnitude);
            if (!float64 && e < -FLOAT32_TARGET_LOW_EXPONENT) { // τ = 2^−e would not fit float32
                throw new ArithmeticException(String.format(java.util.Locale.ROOT, "y's values are too small for the "
                        + "gradient solvers in float32: about %.3g, below float32's normal range; rescale y (a power of ten; "
                        + "θ and b scale by the same factor)" + (problem.isSparse() ? " or use float64" : ", use float64, or use the svd solver"),
                        magnitude));
            }
            if (columnFactors != null || Math.abs(e) > NEUTRAL_EXPONENT) {
                chosen = Math.scalb(1.0, -e);
            }
        }
        targetFactor = chosen;
        l1FactorsFor(chosen);
        boolean warmStart = !reusable && scale == 2.0 / weightSum(); // the cold start's gradient norm is wanted
        if (!reusable && !warmStart) {
            return null; // a slice's own pass follows
        }
        // float32 sums the products x·r in float32, where the pass at τ = 1 could overflow or underflow: no rescaling
        boolean rescalable = chosen == tau || float64 && Math.abs(Math.getExponent(chosen) - Math.getExponent(tau)) <= REUSE_RESCALE_EXPONENT;
        if (!rescalable) {
            if (!warmStart) {
                return null; // the caller's pass at τ follows
            }
            sums = problem.gradient(zero, centred ? chosen * userTargetMean : 0, chosen, scale, RowSlice.all(), out);
        } else if (chosen != tau) { // the pass at τ' = 2ᵏτ, without a second pass: r, Σwr x and the sums all scale by 2ᵏ
            double ratio = chosen / tau;
            problem.scale(ratio, out);
            sums = new ResidualSums(sums.sumOfSquares() * ratio * ratio, sums.sum() * ratio);
        }
        if (factorVector != null) {
            problem.multiply(factorVector, out);
        }
        if (warmStart) { // a warm start measured y at θ = 0: keep the cold start's gradient norm
            if (centred) {
                problem.axpy(-scale * sums.sum(), means, out);
            }
            zeroStartGradientNorm = gradientNorm(out);
            return null;
        }
        return sums;
    }

    /**
     * ‖∇‖ at θ = 0 (‖S∇‖ when standardized, internal units: what a fit from 0 records first) when y was measured by a
     * pass of its own — a warm start — else NaN. The full-batch solvers stop a warm start at tol times the larger of
     * this and its own first gradient norm, so that starting near the answer asks for the accuracy a cold start
     * reaches, not tol times a gradient that is already small (which would run into the rounding floor).
     */
    public double zeroStartGradientNorm() {
        return zeroStartGradientNorm;
    }

    /** One fused pass in internal units: θ̃ = D∘θ' to the backend, its output times D. Reads θ, writes out. */
    private ResidualSums pass(BackendVector theta, double intercept, double targetWeight, double scale, RowSlice rows,
                              BackendVector out) {
        if (factorVector == null) {
            return problem.gradient(theta, intercept, targetWeight, scale, rows, out);
        }
        problem.copy(theta, passScratch);
        problem.multiply(factorVector, passScratch);
        ResidualSums sums = problem.gradient(passScratch, intercept, targetWeight, scale, rows, out);
        problem.multiply(factorVector, out);
        return sums;
    }

    /** Whether this objective works in internal units (it was made with {@code rescale}). */
    public boolean rescaled() {
        return rescale;
    }

    /** θ = D·θ'/τ (host, float64): internal coefficients in the user's units. */
    public double[] userCoefficients(double[] internal) {
        double[] t = internal.clone();
        if (rescale) {
            ensureTargetFactor();
            for (int j = 0; j < t.length; j++) {
                t[j] = t[j] * ((columnFactors == null ? 1 : columnFactors[j]) / targetFactor);
            }
        }
        return t;
    }

    /** b = b'/τ. */
    public double userIntercept(double internal) {
        return rescale ? internal / targetFactor() : internal;
    }

    /** A loss (or objective) in the user's units: F = F'/τ². */
    public double userLoss(double internal) {
        double tau = targetFactor();
        return internal / tau / tau;
    }

    /** A gradient norm in the user's units: ‖S∇‖ = ‖S'∇'‖/τ standardized; ‖∇‖ = ‖∇'‖/(τ·d) otherwise. */
    public double userGradientNorm(double internal) {
        return internal / targetFactor() / uniformFactor;
    }

    /** η in the user's units: η' standardized (the standardized coordinates do not see D), η'·d² otherwise. */
    public double userLearningRate(double internal) {
        return internal * uniformFactor * uniformFactor;
    }

    /** η' for a step η given in the user's units (the inverse of {@link #userLearningRate}). */
    public double internalLearningRate(double user) {
        return user / uniformFactor / uniformFactor;
    }

    /** τ, the power of two y is scaled by in internal units (1 before it is measured: nothing in internal units exists before then). */
    public double targetFactor() {
        return targetFactor > 0 ? targetFactor : 1;
    }

    /** The listener, seeing losses and gradient norms in the user's units. */
    public dev.downhill.IterationListener userListener(dev.downhill.IterationListener listener) {
        if (!rescale) {
            return listener;
        }
        if (listener instanceof GapListener gaps) { // the gap is relative: only the loss and the norm are mapped
            return new GapListener() {
                @Override
                public Control onIteration(long k, double loss, double norm) {
                    return gaps.onIteration(k, userLoss(loss), userGradientNorm(norm));
                }

                @Override
                public Control onGap(long k, double relativeGap) {
                    return gaps.onGap(k, relativeGap);
                }
            };
        }
        return (k, loss, norm) -> listener.onIteration(k, userLoss(loss), userGradientNorm(norm));
    }

    /**
     * Writes g = (2/k)·X_Sᵀ W r_S (centred) for the k rows of {@code rows} and returns Σwr_S², Σwr_S (W = I when
     * unweighted). Reads θ, writes {@code gradient}. This is the θ-gradient (not preconditioned). The normaliser k
     * is Σw for all rows ({@link #weightSum()}) and the slice's row count for a slice (sgd, mini-batches: each row's
     * contribution is multiplied by its weight, the batch normaliser stays the batch size).
     */
    public ResidualSums gradient(BackendVector theta, RowSlice rows, BackendVector gradient) {
        double scale = 2.0 / (rows.isAll() ? weightSum() : rows.size(problem.rows()));
        ResidualSums sums = null;
        if (!(targetFactor > 0)) { // the first pass: measure y (at θ = 0 this is the pass asked for)
            sums = measureTarget(rows.isAll() && isZero(theta) ? theta : null, scale, gradient);
        }
        if (sums == null) {
            sums = pass(theta, interceptFor(theta), targetFactor, scale, rows, gradient);
        }
        if (centred) {
            problem.axpy(-scale * sums.sum(), means, gradient);
        }
        return sums;
    }

    /**
     * The epoch description of this objective's SGD step ({@link StochasticEpoch}): the same arithmetic as
     * {@link #gradient} on a slice, {@link #addRidge}, {@link #precondition} and the l1 proximal step on
     * {@link #l1Thresholds} with {@link #squaredScales}. Needs τ (measured here when no pass has yet). The vectors are
     * this objective's: the description is valid while it is open.
     */
    public StochasticEpoch.Builder epochBuilder(EpochRows rows, long batchSize) {
        return epochBuilder(rows, batchSize, 1);
    }

    /**
     * {@link #epochBuilder(EpochRows, long)} with the penalty's λ and κ multiplied by {@code penaltyFactor}: an epoch's
     * batch gradient is (2/k_B)Σ_B wᵢxᵢrᵢ, w̄ = Σw/m times the objective's (2/Σw)Σ wᵢxᵢrᵢ on average, so a weighted fit runs
     * its epochs with steps η/w̄ and the penalty times w̄ (each step then is η times the objective's) — see
     * {@link #trainingWeightMean(long)}.
     */
    public StochasticEpoch.Builder epochBuilder(EpochRows rows, long batchSize, double penaltyFactor) {
        ensureTargetFactor();
        StochasticEpoch.Builder b = StochasticEpoch.builder(rows, batchSize)
                .target(targetFactor, centred ? targetMean() : 0)
                .means(means)
                .columnFactors(factorVector)
                .ridge(scaledRidge(penaltyFactor))
                .squaredScales(standardized ? squaredScales : null)
                // only where the lazy sparse epoch could run (it needs no l1 term): the ratio may cost a pass over X
                .centringRatio(centred && problem.isSparse() && !penalty.hasL1() ? centringRatio() : 0);
        if (penalty.hasL1()) {
            double[] kappa = l1Thresholds();
            for (int j = 0; j < kappa.length; j++) {
                kappa[j] *= penaltyFactor;
            }
            b.l1(kappa, squaredScales());
        }
        return b;
    }

    /** λ times {@code factor} (the ridge vector itself for 1; null without an l2 term), made once per factor. */
    private BackendVector scaledRidge(double factor) {
        if (ridge == null || factor == 1) {
            return ridge;
        }
        if (scaledRidge == null || scaledRidgeFactor != factor) {
            if (scaledRidge == null) {
                scaledRidge = problem.allocateVector(ridge.length());
            }
            double[] lambda = ridge.copyToHost();
            for (int j = 0; j < lambda.length; j++) {
                lambda[j] *= factor;
            }
            scaledRidge.copyFromHost(lambda);
            scaledRidgeFactor = factor;
        }
        return scaledRidge;
    }

    /**
     * w̄ = Σw/m over the training rows (the rows less those held out for validation; 1 when unweighted, exactly): what an
     * epoch's batch gradient (2/k_B)Σ_B wᵢxᵢrᵢ is on average times the objective's gradient.
     */
    public double trainingWeightMean(long trainingRows) {
        if (!problem.weighted()) {
            return 1;
        }
        // without the held-out rows' moments (an objective made without the split) the mean over every row stands in
        return heldOut == null ? weightSum() / problem.rows() : (weightSum() - heldOut.heldWeight()) / trainingRows;
    }

    /**
     * max x̄ⱼ²/σⱼ² over the columns with x̄ⱼ ≠ 0 (the training rows' statistics; +∞ for a constant non-zero column), for
     * {@link StochasticEpoch#centringRatio}; D cancels from it. Reads the deviations held, else the problem's (a pass
     * the first time, then cached).
     */
    private double centringRatio() {
        double[] dev = internalDeviations();
        double[] means = hostMeans;
        double ratio = 0;
        for (int j = 0; j < dev.length; j++) {
            double mean = means[j];
            if (mean != 0) {
                ratio = Math.max(ratio, dev[j] > 0 ? mean * mean / dev[j] : Double.POSITIVE_INFINITY);
            }
        }
        return ratio;
    }

    private static boolean isZero(BackendVector v) {
        for (double x : v.copyToHost()) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** ‖S∇‖ when standardized, else ‖∇‖ (host scalar; reads g). */
    public double gradientNorm(BackendVector gradient) {
        if (!standardized) {
            return Math.sqrt(problem.dot(gradient, gradient));
        }
        BackendVector s = columnScales();
        problem.copy(gradient, scratch);
        problem.multiply(s, scratch);
        return Math.sqrt(problem.dot(scratch, scratch));
    }

    /** g ← S²g when standardized (the θ-space image of a β-gradient step); no-op otherwise. Writes g. */
    public void precondition(BackendVector gradient) {
        if (standardized) {
            problem.multiply(squaredScales, gradient);
        }
    }

    /**
     * Writes out = H·v with H = (2/Σw)X_cᵀWX_c (or (2/Σw)XᵀWX without an intercept) + diag(λ), the Hessian of the
     * smooth part of F in θ (the MSE's alone without an l2 term). Reads v.
     */
    public void hessianTimes(BackendVector v, BackendVector out) {
        double scale = 2.0 / weightSum();
        double b = centred ? -problem.dot(means, v) : 0;
        ResidualSums sums = pass(v, b, 0.0, scale, RowSlice.all(), out);
        if (centred) {
            problem.axpy(-scale * sums.sum(), means, out);
        }
        if (ridge != null) {
            problem.copy(v, ridgeScratch);
            problem.multiply(ridge, ridgeScratch);
            problem.axpy(1, ridgeScratch, out);
        }
    }

    /** out = SHS·v when standardized (the Hessian in β), else H·v: what the step size must respect. Reads v. */
    public void curvatureTimes(BackendVector v, BackendVector out) {
        if (!standardized) {
            hessianTimes(v, out);
            return;
        }
        BackendVector s = columnScales();
        problem.copy(v, scratch);
        problem.multiply(s, scratch);
        hessianTimes(scratch, out);
        problem.multiply(s, out);
    }

    /**
     * An upper estimate of the rounding error in a loss (1/m)‖r‖² that a gradient pass computed at θ in this
     * problem's working precision (unit roundoff u). Each rᵢ = fl(xᵢᵀθ + b − yᵢ) carries an error of about
     * u·√(n+2)·(Σⱼ|xᵢⱼθⱼ| + |b| + |yᵢ|) ≤ u·√(n+2)·(2Σⱼ|xᵢⱼθⱼ| + 2|b| + |rᵢ|) (as |yᵢ| ≤ |ŷᵢ| + |rᵢ|); over the rows
     * that is at most u·√(n+2)·a with a = 2Σⱼ|θⱼ|·rmsⱼ(x) + 2|b| + √loss, and the loss then moves by up to
     * 2·√loss·(that) plus the summation's 64·u·loss:
     * <pre>
     *   δloss ≈ u·(64·loss + 8·√(n+2)·√loss·a)
     * </pre>
     * When the fitted values are much larger than the residuals (a good fit of data far from 0) this is many
     * orders above u·loss: the loss stops resolving progress long before the gradient does. Copies θ to the
     * host (O(n)); the first call without standardization may make one pass for the column scales. Reads θ.
     */
    public double lossRoundingError(BackendVector theta, double loss) {
        double[] t = theta.copyToHost();
        double[] rms = columnRootMeanSquares();
        double sum = 0;
        for (int j = 0; j < t.length; j++) {
            sum += Math.abs(t[j]) * rms[j];
        }
        double root = Math.sqrt(Math.max(0, loss));
        double a = 2 * sum + 2 * Math.abs(interceptFor(t)) + root;
        double u = problem.precision() == Precision.FLOAT32 ? 0x1p-24 : 0x1p-53;
        return u * (64 * loss + 8 * Math.sqrt(t.length + 2.0) * root * a);
    }

    /**
     * rmsⱼ = √((1/m)Σᵢ xᵢⱼ²) of the training rows, from the cached column statistics: √(deviation² + x̄ⱼ²) from the
     * deviations the fit holds (standardized, or with column factors), else √ of the mean squares about 0 (what an
     * unstandardized fit measured its magnitudes from: no pass of its own).
     */
    private double[] columnRootMeanSquares() {
        if (rootMeanSquares == null) {
            double[] rms;
            if (standardized || columnFactors != null) {
                double[] deviations = internalDeviations();
                double[] means = hostMeans;
                rms = new double[deviations.length];
                for (int j = 0; j < rms.length; j++) {
                    rms[j] = Math.sqrt(deviations[j] + (centred ? means[j] * means[j] : 0));
                }
            } else {
                double[] all = problem.columnMeanSquaredDeviations(false);
                rms = heldOut == null ? all : heldOut.trainingDeviations(all, false, problem.weightSum());
                for (int j = 0; j < rms.length; j++) {
                    rms[j] = Math.sqrt(rms[j]);
                }
            }
            rootMeanSquares = rms;
        }
        return rootMeanSquares;
    }

    /**
     * R² in the solver's coordinates: (1/m)Σ‖xᵢ − c‖², or when standardized Σⱼ σⱼ²sⱼ² — the number of non-constant
     * columns without an l2 term (each term 1), less with one (sⱼ² = 1/(σⱼ² + λⱼ/2)).
     */
    public double meanSquaredRowNorm() {
        if (standardized) {
            if (ridge == null) {
                return problem.cols() - constantColumns.length;
            }
            double[] deviations = internalDeviations();
            double s = 0;
            for (int j = 0; j < deviations.length; j++) {
                s += deviations[j] * hostSquaredScales[j]; // 0 for constant columns
            }
            return s;
        }
        if (columnFactors == null && heldOut == null) {
            return problem.meanSquaredDeviation(centred);
        }
        if (columnFactors == null) {
            double s = 0;
            for (double v : trainingDeviations()) {
                s += v;
            }
            return s;
        }
        double s = 0;
        for (double v : internalDeviations()) {
            s += v;
        }
        return s;
    }

    /**
     * R²max = maxᵢ (wᵢ/w̄)‖x̃ᵢ‖², x̃ᵢ the row in the solver's coordinates (centred by the training means when fitting an
     * intercept, times D and, standardized, S: ‖x̃ᵢ‖² = Σⱼ dⱼ²sⱼ²(xᵢⱼ − x̄ⱼ)²), w̄ = Σw/m over every row (1 unweighted):
     * from the backend's row pass ({@link ResidentProblem#maxSquaredRowNorm}, made on the first call and kept), over
     * every row, held-out ones too (a bound for the training rows). NaN when the backend has no row pass.
     */
    public double largestSquaredRowNorm() {
        if (Double.isNaN(largestSquaredRowNorm)) {
            double[] q = null;
            if (columnFactors != null || standardized) {
                int n = Math.toIntExact(problem.cols());
                q = new double[n];
                for (int j = 0; j < n; j++) {
                    double d = columnFactors == null ? 1 : columnFactors[j];
                    q[j] = d * d * (standardized ? hostSquaredScales[j] : 1);
                }
            }
            double max = problem.maxSquaredRowNorm(centred ? statisticsFromSource().means() : null, q);
            largestSquaredRowNorm = problem.weighted() ? max / (problem.weightSum() / problem.rows()) : max;
        }
        return largestSquaredRowNorm;
    }

    /**
     * λⱼ = 2α(1−ρ)·pⱼ of the l2 penalty in internal units (times dⱼ²): the penalised Hessian's diagonal is 2σⱼ² + λⱼ, and
     * standardization divides column j by √(σⱼ² + λⱼ/2) (Jacobi scaling of it); null without an l2 term. Before, a ridge
     * on columns of small σ made the standardized problem as ill-conditioned as λ/σ² (α = 100 on σ = 0.01 columns
     * beside σ = 1 ones: gd hit its 10,000-iteration limit, 1,890 iterations unstandardized); the minimiser is the same,
     * only the solvers' coordinates and steps change.
     */
    private static double[] ridgeDiagonal(Penalty penalty, int n, double[] d) {
        double l2 = 2 * penalty.l2Strength();
        if (!(l2 > 0)) {
            return null;
        }
        double[] quadratic = penalty.l2Factors(n); // the l2 term's factors (the same as the l1 term's unless set apart)
        double[] lambda = new double[n];
        for (int j = 0; j < n; j++) {
            lambda[j] = d == null ? l2 * quadratic[j] : l2 * quadratic[j] * (d[j] * d[j]);
        }
        return lambda;
    }


    @Override
    public void close() {
        for (BackendVector v : new BackendVector[] {scaledRidge, ridgeScratch, ridge, scratch, squaredScales, scales, means,
                passScratch, factorVector}) {
            if (v != null) {
                v.close();
            }
        }
    }
}
