package dev.downhill;

import dev.downhill.spi.BackendOptions;
import java.util.Objects;

/**
 * Immutable configuration of a fit, made with {@link #builder()}. Every setter of the builder
 * validates its argument and throws {@link IllegalArgumentException} naming the problem, with two exceptions:
 * a null argument where null has no meaning (every object-valued setter but {@code precision}, {@code backend} and
 * {@code standardize}, whose null restores the default) throws {@link NullPointerException} whose message is the
 * argument's name ({@code solver(null)}: "solver"); and a backend name is checked only for its form (letters, digits,
 * '-', '_', '.'): which backends exist is known only at run time, from the class path ({@link java.util.ServiceLoader}),
 * so an unknown or unusable backend is refused when the data are loaded ({@code LinearRegression.load} or
 * {@code fit}) with a {@link dev.downhill.spi.BackendUnavailableException} naming it and listing the backends
 * ({@link dev.downhill.spi.Backends#select(String)} checks a name earlier). {@link Builder#build()} refuses combinations
 * (an l1 penalty on cg, normal or svd; cd without an l1 term) with an {@link IllegalArgumentException}; a setting the
 * named solver does not use (a batch size with sgd, a learning rate with cg, …) is accepted, and a fit of a dataset
 * warns about it ({@link LinearRegression#IGNORED_SETTING_LOGGER}).
 *
 * <p>Defaults: solver {@link Solver#AUTO} (chosen per problem; {@link Solver#GD} is the textbook one); learning rate {@link LearningRate#auto()}; max iterations
 * {@value #DEFAULT_GD_ITERATIONS} steps for GD, {@value #DEFAULT_SGD_EPOCHS} epochs for SGD
 * variants; batch size min({@value #DEFAULT_BATCH_SIZE}, m) for mini-batch (SGD always uses 1);
 * tolerance {@value #DEFAULT_GD_TOLERANCE} for the full-batch solvers on float64 ({@value
 * #DEFAULT_GD_TOLERANCE_FLOAT32} on float32), {@value #DEFAULT_SGD_TOLERANCE} for SGD variants; patience {@value #DEFAULT_PATIENCE} epochs; initial coefficients zeros; intercept fitted;
 * precision that of the data; backend chosen by {@link dev.downhill.spi.Backends}; seed 0;
 * threads 0 (all cores), other backend options unset ({@link BackendOptions#none()}: the system-property
 * defaults apply); rank cutoff max(m, n)·ε₆₄ for SVD.
 *
 * <p>Cancelling: an interrupt of the thread running a fit ({@link Thread#interrupt()}, {@code Future.cancel(true)}) stops
 * it at its next iteration boundary — within one iteration or epoch; normal and svd between blocks of rows of their
 * passes over X — with a {@link FitInterruptedException}, the thread's interrupt flag left set (saving the solver's
 * state first when a {@link Checkpoint} writes one); see there.
 * {@link Checkpoint#requestStop()} does the same from any thread without interrupting.
 *
 * <p>Stopping: full-batch GD stops when ‖∇θ‖ ≤ tol·‖∇θ₀‖, or with {@link StopReason#NO_PROGRESS} when it
 * can no longer improve in its precision (tol = 0 turns both off and runs to the iteration limit);
 * SGD variants stop when the epoch loss (the held-out rows' MSE with {@link #validationFraction()}) has not dropped
 * below (1 − tol)·(best so far) for {@code patience} consecutive epochs (tol = 0 disables the rule).
 */
public final class FitConfig {
    /** Default iteration limit of the full-batch solvers: steps of gd and nesterov, iterations of cg, sweeps of cd. */
    public static final long DEFAULT_GD_ITERATIONS = 10_000;
    /** Default iteration limit of the stochastic solvers (sgd, minibatch), in epochs (passes over the training rows). */
    public static final long DEFAULT_SGD_EPOCHS = 1_000;
    /** Default rows per step of minibatch: min({@value}, m) for m training rows. */
    public static final int DEFAULT_BATCH_SIZE = 32;
    /** Default tolerance of the full-batch solvers on float64 problems. */
    public static final double DEFAULT_GD_TOLERANCE = 1e-10;
    /** Default tolerance of the full-batch solvers on float32 problems (near float32's gradient noise floor). */
    public static final double DEFAULT_GD_TOLERANCE_FLOAT32 = 1e-6;
    /**
     * Default tolerance of the stochastic solvers (sgd, minibatch), in either precision: the relative drop of the epoch
     * (or validation) loss below the best so far that counts as progress; see the class Javadoc.
     */
    public static final double DEFAULT_SGD_TOLERANCE = 1e-4;
    /** Default patience of the stochastic solvers: epochs without progress before they stop (or adaptive divides η). */
    public static final int DEFAULT_PATIENCE = 5;
    /**
     * The normal equations refuse XᵀX whose estimated condition number exceeds this (the cpu backend
     * tests XᵀX scaled to unit diagonal, the nd4j backend XᵀX itself): the Cholesky answer's relative
     * error is bounded by about cond·ε₆₄, so beyond 1e12 fewer than 4 digits are guaranteed before
     * refinement, and refinement needs cond·ε₆₄ &lt; 1 with room to spare.
     */
    public static final double NORMAL_EQUATIONS_MAX_CONDITION = 1e12;

    private final Solver solver;
    private final LearningRate learningRate;
    private final long maxIterations;
    private final int batchSize;
    private final double tolerance;
    private final int patience;
    private final InitialCoefficients initialCoefficients;
    private final boolean fitIntercept;
    private final Precision precision;
    private final String backend;
    private final long seed;
    private final BackendOptions backendOptions;
    private final double rankCutoff;
    private final IterationListener listener;
    private final Boolean standardize;
    private final boolean exactReference;
    private final boolean standardErrors;
    private final LearningRateSchedule schedule;
    private final double validationFraction;
    private final long averageFrom;
    private final long directMemoryBudget;
    private final Penalty penalty;
    private final Checkpoint checkpoint;

    private FitConfig(Builder b) {
        this.checkpoint = b.checkpoint;
        this.penalty = b.penalty;
        this.directMemoryBudget = b.directMemoryBudget;
        this.schedule = b.schedule;
        this.validationFraction = b.validationFraction;
        this.averageFrom = b.averageFrom;
        this.standardize = b.standardize;
        this.exactReference = b.exactReference;
        this.standardErrors = b.standardErrors;
        this.solver = b.solver;
        this.learningRate = b.learningRate;
        this.maxIterations = b.maxIterations;
        this.batchSize = b.batchSize;
        this.tolerance = b.tolerance;
        this.patience = b.patience;
        this.initialCoefficients = b.initialCoefficients;
        this.fitIntercept = b.fitIntercept;
        this.precision = b.precision;
        this.backend = b.backend;
        this.seed = b.seed;
        this.backendOptions = b.backendOptions;
        this.rankCutoff = b.rankCutoff;
        this.listener = b.listener;
    }

    /**
     * A builder holding the defaults (see the class Javadoc).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder starting from this configuration: every setting as here; changing it leaves this configuration as it is.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.solver = solver;
        b.learningRate = learningRate;
        b.maxIterations = maxIterations;
        b.batchSize = batchSize;
        b.tolerance = tolerance;
        b.patience = patience;
        b.initialCoefficients = initialCoefficients;
        b.fitIntercept = fitIntercept;
        b.precision = precision;
        b.backend = backend;
        b.seed = seed;
        b.backendOptions = backendOptions;
        b.rankCutoff = rankCutoff;
        b.listener = listener;
        b.standardize = standardize;
        b.exactReference = exactReference;
        b.standardErrors = standardErrors;
        b.schedule = schedule;
        b.validationFraction = validationFraction;
        b.averageFrom = averageFrom;
        b.directMemoryBudget = directMemoryBudget;
        b.penalty = penalty;
        b.checkpoint = checkpoint;
        return b;
    }

    /**
     * The solver ({@link Solver#AUTO} by default: chosen per problem when the fit starts; the model's
     * {@link FittedModel#solver()} is the one that ran).
     *
     * @return the configured solver
     */
    public Solver solver() {
        return solver;
    }

    /**
     * Where the fit saves its state and where it resumes from ({@link Checkpoint#none()} by default); not part of the
     * model or of a checkpoint's fingerprint.
     */
    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /** The penalty on the coefficients ({@link Penalty#none()} by default); see {@link Penalty} for the objective. */
    public Penalty penalty() {
        return penalty;
    }

    /**
     * Bytes the direct solvers may use for their float64 work (the automatic solver choice does not pick them
     * beyond it): the configured budget, else half the JVM's maximum heap (their n × n matrices live there). It also
     * bounds the dense copy that svd makes of a sparse X (m·n values in X's precision; refused above it) and, with
     * {@link Solver#AUTO} and an l1 term on sparse X, the 16·n² bytes of cd's Gram matrix. It steers choices; it is not
     * a limit on a solver named explicitly: normal, or svd on dense X, takes the n × n matrices it needs whatever it says.
     */
    public long directMemoryBudget() {
        return directMemoryBudget > 0 ? directMemoryBudget : Runtime.getRuntime().maxMemory() / 2;
    }

    /** The budget set with {@link Builder#directMemoryBudget}, or 0 when left to the default (package use: model files). */
    long configuredDirectMemoryBudget() {
        return directMemoryBudget;
    }

    /**
     * The learning rate η of gd, nesterov, sgd and minibatch: {@link LearningRate#auto()} (the default: from a seeded
     * power iteration, see there) or a fixed η, a step on the MSE's gradient (2/m)Xᵀr. cg, normal, svd and cd use none;
     * under {@link LearningRateSchedule#inverseTime} the schedule's t₀/(t + t₁) replaces it (a fixed η then decides
     * nothing: {@link #fixedLearningRateUsed()}).
     *
     * @return the configured learning rate
     */
    public LearningRate learningRate() {
        return learningRate;
    }

    /**
     * Whether a fixed learning rate sets this fit's steps, so that the default standardization follows it ({@link
     * #standardize(long, long)}): false for {@link LearningRate#auto()}, and false for sgd and minibatch under an
     * inverse-time schedule, whose steps t₀/(t + t₁) do not use η — there a fixed η decides nothing, as with the command
     * line, which does not pass {@code --lr} on under {@code --schedule invtime} (the library warns that it does nothing:
     * {@link LinearRegression#IGNORED_SETTING_LOGGER}).
     */
    public boolean fixedLearningRateUsed() {
        return !learningRate.isAuto() && !dev.downhill.internal.SolverSetting.learningRateIgnoredBySchedule(solver, schedule.kind());
    }

    /** Max iterations: steps for full-batch GD, epochs for SGD and mini-batch. */
    public long maxIterations() {
        if (maxIterations > 0) {
            return maxIterations;
        }
        return solver.isStochastic() ? DEFAULT_SGD_EPOCHS : DEFAULT_GD_ITERATIONS;
    }

    /** The configured iteration limit, 0 when left at the default. */
    long configuredMaxIterations() {
        return maxIterations;
    }

    /** Rows per step: 1 for SGD, the configured size (default min(32, m)) for mini-batch, m for GD. */
    public long batchSize(long rows) {
        switch (solver) {
            case SGD: return 1;
            case MINIBATCH: return batchSize > 0 ? batchSize : Math.min(DEFAULT_BATCH_SIZE, rows);
            default: return rows;
        }
    }

    /** The configured batch size, 0 when left at the default. */
    public int configuredBatchSize() {
        return batchSize;
    }

    /**
     * The tolerance for the configured {@link #precision()}, or for a float64 problem when the precision is left to the
     * data (see {@link #tolerance(Precision)}).
     */
    public double tolerance() {
        return tolerance(precision != null ? precision : Precision.FLOAT64);
    }

    /**
     * The tolerance: the configured one, else the default for the solver and the working precision (not null): 1e-10 in
     * float64, 1e-6 in float32, {@value #DEFAULT_SGD_TOLERANCE} for sgd and minibatch; cd works in float64 whatever
     * {@code precision} (1e-10).
     */
    public double tolerance(Precision precision) {
        Objects.requireNonNull(precision, "precision");
        if (!Double.isNaN(tolerance)) {
            return tolerance;
        }
        if (solver.isStochastic()) {
            return DEFAULT_SGD_TOLERANCE;
        }
        if (solver == Solver.CD) { // cd works in float64 on the host (its Gram matrix or column copy) whatever X's precision
            return DEFAULT_GD_TOLERANCE;
        }
        return precision == Precision.FLOAT32 ? DEFAULT_GD_TOLERANCE_FLOAT32 : DEFAULT_GD_TOLERANCE;
    }

    /** The configured tolerance, NaN when left at the default. */
    public double configuredTolerance() {
        return tolerance;
    }

    /**
     * Epochs without progress (the monitored loss not below (1 − tol)·best) before sgd and minibatch stop, or before
     * {@link LearningRateSchedule#adaptive()} divides η by 5; default {@value #DEFAULT_PATIENCE}. The full-batch and direct
     * solvers do not use it.
     *
     * @return the patience, ≥ 1
     */
    public int patience() {
        return patience;
    }

    /**
     * Where the iterative solvers (gd, nesterov, cg, sgd, minibatch, cd) start: θ₀ = 0 by default
     * ({@link InitialCoefficients#zeros()}); normal and svd ignore it.
     *
     * @return the starting coefficients
     */
    public InitialCoefficients initialCoefficients() {
        return initialCoefficients;
    }

    /**
     * Whether the fit has an unpenalised intercept b (default true: X and y centred implicitly, b = ȳ − x̄ᵀθ); without
     * one b is exactly 0.
     *
     * @return whether an intercept is fitted
     */
    public boolean fitIntercept() {
        return fitIntercept;
    }

    /** Requested precision, or null for the data's own. */
    public Precision precision() {
        return precision;
    }

    /** Requested backend name, or null to select automatically. */
    public String backend() {
        return backend;
    }

    /**
     * The seed of the row order and the held-out rows (sgd, minibatch), of the power iteration's start (an automatic η)
     * and of cross-validation's folds; default 0. The same configuration, seed included, on the same backend and thread
     * count gives a bit-identical model.
     *
     * @return the seed
     */
    public long seed() {
        return seed;
    }

    /** CPU threads; 0 means the backend's default (all cores). The same as {@code backendOptions().threads()}. */
    public int threads() {
        return backendOptions.threads();
    }

    /**
     * The settings the backend is loaded with (threads, device, memory budgets, kernel choice); fields left unset
     * take their defaults from system properties when the data are loaded ({@link BackendOptions#defaults()}).
     */
    public BackendOptions backendOptions() {
        return backendOptions;
    }

    /** Relative singular-value cutoff for SVD; NaN means max(m, n)·ε₆₄. */
    public double rankCutoff() {
        return rankCutoff;
    }

    /** The cutoff for an m × n problem. */
    public double rankCutoff(long rows, long cols) {
        return Double.isNaN(rankCutoff) ? Math.max(rows, cols) * Math.ulp(1.0) : rankCutoff;
    }

    /**
     * The listener called once per iteration of the iterative solvers ({@link IterationListener#NONE} by default); the
     * direct solvers call none.
     *
     * @return the listener
     */
    public IterationListener listener() {
        return listener;
    }

    /**
     * Whether the gradient solvers work on standardized features for an m × n problem (each column
     * divided by its standard deviation — implicitly, X is never copied; coefficients are reported on
     * the original scale). Default: on when the learning rate is {@code auto} (always for
     * {@link Solver#CG}, which has none) and the problem is tall (m &gt; n, or m &gt; n + 1 with an
     * intercept); off with a fixed η, so that a given η means what the textbooks mean — but a fixed η that the
     * steps do not use counts as {@code auto} ({@link #fixedLearningRateUsed()}: sgd and minibatch under an
     * inverse-time schedule, whose steps are t₀/(t + t₁); since 2026-12-02, so that the library fits as the command
     * line does, which drops {@code --lr} there) — and off for
     * wide problems, where gradient descent from 0 should find the minimum-norm θ — standardized, it
     * would find the θ of minimum ‖diag(σ)θ‖ instead. The same holds for rank-deficient tall X when
     * standardization is on. A fit also turns it on for wide X (cg, or an automatic η) when an l2 penalty with a
     * positive factor on every non-constant column makes the minimiser unique: scaling then changes only the solvers'
     * speed (unscaled, a ridge on columns of very different spreads — Spark's standardized penalty on sparse wide
     * data — left cg at its iteration limit 13 % above the minimum); not for sgd and minibatch on sparse X with an
     * intercept and the same l2 factor on every column, whose steps would then cost n instead of the batch's stored
     * entries.
     */
    public boolean standardize(long rows, long cols) {
        if (standardize != null) {
            return standardize;
        }
        boolean tall = rows > cols + (fitIntercept ? 1 : 0);
        return tall && (solver == Solver.CG || !fixedLearningRateUsed());
    }

    /** The explicit standardization setting, or null for the default rule of {@link #standardize(long, long)}. */
    public Boolean standardizeSetting() {
        return standardize;
    }

    /** The step schedule of the stochastic solvers (constant by default). */
    public LearningRateSchedule schedule() {
        return schedule;
    }

    /**
     * Fraction of rows held out for early stopping (0: off). With it, the stochastic solvers train on
     * the other rows and stop when the validation MSE has not improved by tol (relative) for
     * {@code patience} epochs. The held-out rows are a seeded random subset, fixed for the fit (the
     * column means and scales still come from all rows).
     */
    public double validationFraction() {
        return validationFraction;
    }

    /**
     * The step from which the stochastic solvers average their iterates (averaged SGD, scikit-learn's {@code average}):
     * 0 (the default) for no averaging; a ≥ 1 for the mean θ̄ of the iterates after steps a, a + 1, …, T (steps counted
     * from 1 over the whole fit, one a batch: a row at batch size 1, as scikit-learn counts samples), kept as
     * θ̄ ← θ̄ + (θ − θ̄)/(t − a + 1) after step t — θ̄ = θ after step a. The model's coefficients (and the intercept,
     * which follows from them) are then θ̄'s; the loss history, the stopping rule and early stopping's validation error
     * follow the iterates θ, as scikit-learn's do. A fit that stops before step a returns its last iterate (with a
     * warning). Ignored, with a warning, by the other solvers.
     *
     * @return the first averaged step, or 0 when the iterates are not averaged
     */
    public long averageFrom() {
        return averageFrom;
    }

    /** Whether the fit also computes the SVD solution to report the relative distance to it. */
    public boolean exactReference() {
        return exactReference;
    }

    /**
     * Whether the fit also computes the coefficients' standard errors, t-values and two-sided p-values
     * ({@link CoefficientInference}, {@link FittedModel#inference()}): for an unpenalised fit by the exact solvers
     * ({@link Solver#NORMAL}, {@link Solver#SVD}, or {@link Solver#AUTO} when it resolves to one of them). Another solver
     * or a penalty leaves them out with a warning; the fit itself is the same either way.
     */
    public boolean standardErrors() {
        return standardErrors;
    }

    /**
     * Value equality over every setting as configured (the 23 fields a builder sets): two configurations are equal when
     * each setting was given the same value or both were left at the default — a setting given explicitly is not equal
     * to the default it happens to match ({@code maxIterations(10_000)} is not the unset limit, whose value depends on
     * the solver). Settings compare by their own equality: {@link Solver}, {@link Precision}, {@link LearningRate},
     * {@link LearningRateSchedule}, {@link Penalty}, {@link InitialCoefficients} and {@link BackendOptions} by value; the
     * backend name ignoring case, as {@link dev.downhill.spi.Backends} reads it; doubles as {@link Double#compare} (the
     * builder stores −0.0 as 0.0); the {@link IterationListener} by its own {@code equals} — identity for a lambda, so
     * two configurations with separately made lambdas differ, and {@link IterationListener#NONE} equals itself; the
     * {@link Checkpoint} by identity (its {@link Checkpoint#requestStop()} flag is shared by the configurations that hold
     * that object, not by an equal-looking {@code Checkpoint.to(dir)} made again; {@link Checkpoint#none()} is one
     * object). {@link #hashCode()} agrees.
     */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof FitConfig c)) {
            return false;
        }
        return solver == c.solver && learningRate.equals(c.learningRate) && maxIterations == c.maxIterations
                && batchSize == c.batchSize && Double.compare(tolerance, c.tolerance) == 0 && patience == c.patience
                && initialCoefficients.equals(c.initialCoefficients) && fitIntercept == c.fitIntercept
                && precision == c.precision && Objects.equals(backendKey(), c.backendKey()) && seed == c.seed
                && backendOptions.equals(c.backendOptions) && Double.compare(rankCutoff, c.rankCutoff) == 0
                && listener.equals(c.listener) && Objects.equals(standardize, c.standardize)
                && exactReference == c.exactReference && standardErrors == c.standardErrors && schedule.equals(c.schedule)
                && Double.compare(validationFraction, c.validationFraction) == 0 && averageFrom == c.averageFrom
                && directMemoryBudget == c.directMemoryBudget
                && penalty.equals(c.penalty) && checkpoint == c.checkpoint;
    }

    @Override
    public int hashCode() {
        return Objects.hash(solver, learningRate, maxIterations, batchSize, tolerance, patience, initialCoefficients,
                fitIntercept, precision, backendKey(), seed, backendOptions, rankCutoff, listener, standardize, exactReference,
                standardErrors, schedule, validationFraction, averageFrom, directMemoryBudget, penalty, System.identityHashCode(checkpoint));
    }

    /** The backend name as {@link dev.downhill.spi.Backends} matches it (case ignored), or null for automatic. */
    private String backendKey() {
        return backend == null ? null : backend.toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The settings, readable: each with its effective value (defaults resolved for the solver), the ones rarely changed
     * only when set.
     */
    @Override
    public String toString() {
        return "FitConfig[solver=" + solver.cliName() + ", learningRate=" + learningRate + ", maxIterations=" + maxIterations()
                + ", batchSize=" + (batchSize > 0 ? batchSize : "default") + ", tolerance=" + tolerance() + ", patience=" + patience
                + ", initial=" + initialCoefficients + ", fitIntercept=" + fitIntercept + ", precision="
                + (precision == null ? "data" : precision) + ", backend=" + (backend == null ? "auto" : backend) + ", seed=" + seed
                + ", threads=" + threads()
                + (backendOptions.toBuilder().threads(0).build().equals(BackendOptions.none()) ? "" : ", backendOptions=" + backendOptions)
                + ", standardize=" + (standardize == null ? "auto" : standardize) + ", schedule=" + schedule
                + (validationFraction > 0 ? ", validationFraction=" + validationFraction : "")
                + (averageFrom > 0 ? ", averageFrom=" + averageFrom : "")
                + (penalty.kind() == Penalty.Kind.NONE ? "" : ", penalty=" + penalty) + (exactReference ? ", exactReference" : "")
                + (standardErrors ? ", standardErrors" : "")
                + (Double.isNaN(rankCutoff) ? "" : ", rankCutoff=" + rankCutoff)
                + (directMemoryBudget > 0 ? ", directMemoryBudget=" + directMemoryBudget : "")
                + (listener == IterationListener.NONE ? "" : ", listener=" + listener)
                + (checkpoint.isActive() ? ", checkpoint " + checkpoint : "") + "]";
    }

    /**
     * Mutable builder; {@link #build()} returns an immutable {@link FitConfig}. A bad value is an
     * {@link IllegalArgumentException}; a null argument a {@link NullPointerException} naming it, except where the setter
     * says what null means (see {@link FitConfig}).
     */
    public static final class Builder {
        private Solver solver = Solver.AUTO;
        private long directMemoryBudget;
        private LearningRate learningRate = LearningRate.auto();
        private long maxIterations = 0;
        private int batchSize = 0;
        private double tolerance = Double.NaN;
        private int patience = DEFAULT_PATIENCE;
        private InitialCoefficients initialCoefficients = InitialCoefficients.zeros();
        private boolean fitIntercept = true;
        private Precision precision;
        private String backend;
        private long seed;
        private BackendOptions backendOptions = BackendOptions.none();
        private double rankCutoff = Double.NaN;
        private IterationListener listener = IterationListener.NONE;
        private Boolean standardize;
        private boolean exactReference;
        private boolean standardErrors;
        private LearningRateSchedule schedule = LearningRateSchedule.constant();
        private double validationFraction;
        private long averageFrom;
        private Penalty penalty = Penalty.none();
        private Checkpoint checkpoint = Checkpoint.none();

        private Builder() {
        }

        /** Save the solver's state and/or resume from a saved one (see {@link Checkpoint}). */
        public Builder checkpoint(Checkpoint checkpoint) {
            this.checkpoint = Objects.requireNonNull(checkpoint, "checkpoint");
            return this;
        }

        /**
         * The solver (default {@link Solver#AUTO}); see {@link Solver} and the README's "Which solver".
         *
         * @param solver the solver, not null
         * @return this builder
         */
        public Builder solver(Solver solver) {
            this.solver = Objects.requireNonNull(solver, "solver");
            return this;
        }

        /**
         * The penalty (default {@link Penalty#none()}). An l1 term (ρ &gt; 0) needs a proximal solver — gd, nesterov,
         * sgd or minibatch — or cd (or auto); with cg, normal or svd {@link #build()} refuses it, and cd without an l1
         * term.
         */
        public Builder penalty(Penalty penalty) {
            this.penalty = Objects.requireNonNull(penalty, "penalty");
            return this;
        }

        /**
         * The learning rate of gd, nesterov, sgd and minibatch (default {@link LearningRate#auto()}); see
         * {@link FitConfig#learningRate()}.
         *
         * @param learningRate a fixed η or {@link LearningRate#auto()}, not null
         * @return this builder
         */
        public Builder learningRate(LearningRate learningRate) {
            this.learningRate = Objects.requireNonNull(learningRate, "learningRate");
            return this;
        }

        /** A fixed learning rate η &gt; 0. */
        public Builder learningRate(double eta) {
            return learningRate(LearningRate.of(eta));
        }

        /** Max iterations ≥ 1: steps for full-batch GD, epochs for SGD and mini-batch. */
        public Builder maxIterations(long maxIterations) {
            if (maxIterations <= 0) {
                throw new IllegalArgumentException("max iterations must be ≥ 1, got " + maxIterations);
            }
            this.maxIterations = maxIterations;
            return this;
        }

        /** Bytes the direct solvers may use (&gt; 0; see {@link FitConfig#directMemoryBudget()}). */
        public Builder directMemoryBudget(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("direct solver memory budget must be positive, got " + bytes);
            }
            this.directMemoryBudget = bytes;
            return this;
        }

        /** Rows per mini-batch ≥ 1 (for {@link Solver#MINIBATCH}; SGD always uses 1). */
        public Builder batchSize(int batchSize) {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Tolerance in [0, 1); see the class Javadoc for what it means per solver (a relative gradient norm or a relative
         * improvement: 1 or more would stop at the start, θ = 0 reported as converged).
         */
        public Builder tolerance(double tolerance) {
            if (!(tolerance >= 0) || !(tolerance < 1)) {
                throw new IllegalArgumentException("tolerance must lie in [0, 1) (a relative gradient norm or improvement; "
                        + "1 or more would stop before the first step), got " + tolerance);
            }
            this.tolerance = tolerance + 0.0; // −0.0 as 0.0: one value, one equality
            return this;
        }

        /** Epochs without improvement before SGD variants stop (≥ 1). */
        public Builder patience(int patience) {
            if (patience <= 0) {
                throw new IllegalArgumentException("patience must be ≥ 1 epoch, got " + patience);
            }
            this.patience = patience;
            return this;
        }

        /**
         * Where the iterative solvers start (default {@link InitialCoefficients#zeros()}; normal and svd ignore it). Given
         * values must number X's columns: a fit refuses another length with an {@link IllegalArgumentException}.
         *
         * @param initial the starting coefficients, not null
         * @return this builder
         */
        public Builder initialCoefficients(InitialCoefficients initial) {
            this.initialCoefficients = Objects.requireNonNull(initial, "initialCoefficients");
            return this;
        }

        /**
         * Whether to fit an unpenalised intercept (default true); false fits y ≈ Xθ, b = 0.
         *
         * @param fitIntercept whether to fit b
         * @return this builder
         */
        public Builder fitIntercept(boolean fitIntercept) {
            this.fitIntercept = fitIntercept;
            return this;
        }

        /** Working precision; null (the default) uses the data's. */
        public Builder precision(Precision precision) {
            this.precision = precision;
            return this;
        }

        /**
         * Backend name ("cpu", "cuda", "nd4j", …; any case, surrounding blanks ignored), or null / blank / "auto" for
         * automatic selection.
         *
         * @throws IllegalArgumentException when the name holds other characters than letters, digits, '-', '_' and '.';
         *                                  whether a backend of that name is on the class path and can run is checked when
         *                                  the data are loaded (see {@link FitConfig})
         */
        public Builder backend(String backend) {
            if (backend == null || backend.isBlank() || backend.trim().equalsIgnoreCase("auto")) {
                this.backend = null;
                return this;
            }
            String name = backend.trim();
            if (!name.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException("backend name '" + name + "' is not a name (letters, digits, '-', '_', '.'): "
                        + "name one backend, e.g. cpu, or auto");
            }
            this.backend = name;
            return this;
        }

        /**
         * Seed of the row order and the held-out rows of sgd and minibatch, of the power iteration's start vector (an
         * automatic η) and of cross-validation's folds (default 0); see {@link FitConfig#seed()}.
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * CPU threads ≥ 0 (0: all cores). Results are bit-identical for the same thread count. Sets the threads
         * of {@link #backendOptions(BackendOptions)}.
         */
        public Builder threads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be ≥ 0 (0 = all cores), got " + threads);
            }
            this.backendOptions = backendOptions.toBuilder().threads(threads).build();
            return this;
        }

        /** The backend's settings (replaces any set before, threads included); see {@link BackendOptions}. */
        public Builder backendOptions(BackendOptions options) {
            this.backendOptions = Objects.requireNonNull(options, "backendOptions");
            return this;
        }

        /** SVD: singular values ≤ cutoff·σ_max count as zero (0 ≤ cutoff &lt; 1). */
        public Builder rankCutoff(double cutoff) {
            if (!(cutoff >= 0 && cutoff < 1)) {
                throw new IllegalArgumentException("rank cutoff must be in [0, 1), got " + cutoff);
            }
            this.rankCutoff = cutoff + 0.0;
            return this;
        }

        /** Called every iteration; may stop the fit early. */
        public Builder listener(IterationListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Standardize features implicitly (see {@link FitConfig#standardize(long, long)}); null restores the default. */
        public Builder standardize(Boolean standardize) {
            this.standardize = standardize;
            return this;
        }

        /** Step schedule for SGD and mini-batch. */
        public Builder schedule(LearningRateSchedule schedule) {
            this.schedule = Objects.requireNonNull(schedule, "schedule");
            return this;
        }

        /** Hold out this fraction of rows for early stopping, 0 ≤ f &lt; 1 (SGD and mini-batch). */
        public Builder validationFraction(double fraction) {
            if (!(fraction >= 0 && fraction < 1)) {
                throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + fraction);
            }
            this.validationFraction = fraction + 0.0;
            return this;
        }

        /**
         * Average the stochastic solvers' iterates from step {@code from} on (see {@link FitConfig#averageFrom()}): 1 is
         * scikit-learn's {@code average=True}, a larger value its {@code average=a} (counted in steps: rows at batch size
         * 1); 0 turns averaging off.
         *
         * @param from the first averaged step, ≥ 0
         * @return this builder
         */
        public Builder averageFrom(long from) {
            if (from < 0) {
                throw new IllegalArgumentException("the first averaged step must be ≥ 1 (or 0 for no averaging), got " + from);
            }
            this.averageFrom = from;
            return this;
        }

        /** Also compute the SVD solution and report the relative distance to it (costs an SVD). */
        public Builder exactReference(boolean exactReference) {
            this.exactReference = exactReference;
            return this;
        }

        /**
         * Also compute the standard errors, t-values and p-values of the coefficients and the intercept
         * ({@link CoefficientInference}) — exact solvers, no penalty; see {@link FitConfig#standardErrors()}. Costs one
         * more pass over X (the residuals) and O(n³/6) host work on the factorization the solve already made.
         */
        public Builder standardErrors(boolean standardErrors) {
            this.standardErrors = standardErrors;
            return this;
        }

        /**
         * The configuration of this builder's settings (the builder can go on being used).
         *
         * @return an immutable configuration
         * @throws IllegalArgumentException when the penalty has an l1 term (α &gt; 0, ρ &gt; 0) and the solver is cg,
         *                                  normal or svd, which cannot fit it; or when the solver is cd and the penalty
         *                                  has no l1 term (none, l2, an elastic net with ρ = 0, or α = 0)
         */
        public FitConfig build() {
            if (penalty.hasL1() && (solver == Solver.CG || solver == Solver.NORMAL || solver == Solver.SVD)) {
                throw new IllegalArgumentException("solver " + solver.cliName() + " cannot fit an l1 penalty (" + penalty.kind().cliName()
                        + (penalty.kind() == Penalty.Kind.ELASTIC_NET ? " with l1 ratio " + penalty.l1Ratio() : "")
                        + "): use gd or nesterov (proximal gradient; cd, coordinate descent on the Gram matrix; sgd and minibatch also work)");
            }
            if (solver == Solver.CD && !penalty.hasL1()) {
                // the penalty's α only where it is the reason (α = 0): under cross-validation α is not chosen yet
                boolean l1Kind = penalty.kind() == Penalty.Kind.L1 || penalty.kind() == Penalty.Kind.ELASTIC_NET;
                throw new IllegalArgumentException("solver cd fits an l1 or elastic-net penalty (α > 0, ρ > 0), got "
                        + (penalty.kind() == Penalty.Kind.L2 || penalty.kind() == Penalty.Kind.NONE ? penalty.kind().cliName() : penalty)
                        + (l1Kind ? " — with α = 0 (or ρ = 0) no l1 term is left: that is least squares"
                        + (penalty.l2Strength() > 0 ? " with a ridge" : "") + ", whose answer cd's duality gap cannot certify"
                        : "") + ": use another solver (auto, normal, svd, cg" + (l1Kind ? ", or nesterov" : "") + ")");
            }
            return new FitConfig(this);
        }
    }
}
