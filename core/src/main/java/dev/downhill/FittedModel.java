package dev.downhill;

import java.time.Duration;
import org.bytedeco.javacpp.DoublePointer;
import java.util.Arrays;
import java.util.Locale;
import dev.downhill.spi.Backends;
import dev.downhill.spi.ResidentProblem;

/**
 * An immutable fitted linear model ŷ = xᵀθ + b, with the record of how it was made.
 * Accessors return copies; instances are thread-safe.
 *
 * <p>Equality is identity ({@link Object#equals}, not overridden): a model holds the results of floating-point work
 * (θ, b, the histories, the wall time), which the same fit reproduces only on the same backend and thread count; compare
 * {@link #coefficients()} and {@link #intercept()} with a tolerance instead, or the {@link #config()}s, which have value
 * equality.
 *
 * <p>A null argument is a {@link NullPointerException} naming the parameter ({@code predict((Dataset) null)}: "data"),
 * thrown before any work, except {@link #predictingOn(String)}, whose null means the automatic choice; a null row
 * inside X and a value that is not finite are {@link IllegalArgumentException}s naming the row.
 */
public final class FittedModel {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FittedModel.class);
    /** Whether the warning that sparse X is predicted off the model's backend (one without sparse passes) was given. */
    private final java.util.concurrent.atomic.AtomicBoolean warnedSparseFallback = new java.util.concurrent.atomic.AtomicBoolean();

    private final double[] coefficients;
    private final double intercept;
    private final Solver solver;
    private final String backend;
    private final Precision precision;
    private final long rows;
    private final long iterations;
    private final StopReason stopReason;
    private final double[] lossHistory;
    private final double[] gradientNormHistory;
    private final Duration wallTime;
    private final double learningRate;
    private final long rank;
    private final FitConfig config;
    private final ConvergenceReport report;
    /** Σw of the training data when it was weighted, else NaN. */
    private final double trainingWeightSum;
    /** The coefficients' standard errors when computed ({@link FitConfig#standardErrors()}), else null. */
    private final CoefficientInference inference;
    /** Between the solve and {@link LinearRegression}'s completion of {@link #inference}: what the solve gave it; else null. */
    private final dev.downhill.internal.direct.InverseGram pendingInverseGram;
    /** The iterations of {@link #lossHistory}'s points when it is a thinned history (a model read from a file), else null. */
    private final ThinnedHistory lossThinning;
    /** The same for {@link #gradientNormHistory}. */
    private final ThinnedHistory gradientThinning;

    FittedModel(double[] coefficients, double intercept, Solver solver, String backend, Precision precision, long rows,
                long iterations, StopReason stopReason, double[] lossHistory, double[] gradientNormHistory, Duration wallTime,
                double learningRate, long rank, FitConfig config, ConvergenceReport report) {
        this(coefficients, intercept, solver, backend, precision, rows, iterations, stopReason, lossHistory, gradientNormHistory,
                wallTime, learningRate, rank, config, report, Double.NaN);
    }

    /**
     * Copies the arrays (the caller keeps its own).
     *
     * @param trainingWeightSum Σw of weighted training data, NaN when it was unweighted
     * @throws ArithmeticException when a coefficient or the intercept is not finite (an answer that overflows float64)
     */
    FittedModel(double[] coefficients, double intercept, Solver solver, String backend, Precision precision, long rows,
                long iterations, StopReason stopReason, double[] lossHistory, double[] gradientNormHistory, Duration wallTime,
                double learningRate, long rank, FitConfig config, ConvergenceReport report, double trainingWeightSum) {
        this(finite(coefficients, intercept, solver).clone(), intercept, solver, backend, precision, rows, iterations, stopReason, lossHistory.clone(),
                gradientNormHistory.clone(), wallTime, learningRate, rank, config, report, trainingWeightSum, null, null, null, null);
    }

    /**
     * θ, checked: every model a fit makes (and a model file gives) passes here, so none with a coefficient or intercept
     * that is not finite is ever returned — an answer that overflows float64 is an {@link ArithmeticException}.
     */
    private static double[] finite(double[] coefficients, double intercept, Solver solver) {
        dev.downhill.internal.Overflows.requireFiniteAnswer(coefficients, intercept, solver.cliName());
        return coefficients;
    }

    /**
     * Keeps the arrays it is given (no copy: the model is their only holder, or shares them with another model, which
     * never writes them either): the with-methods make a model from another's arrays, n coefficients not copied again.
     */
    private FittedModel(double[] coefficients, double intercept, Solver solver, String backend, Precision precision, long rows,
                        long iterations, StopReason stopReason, double[] lossHistory, double[] gradientNormHistory, Duration wallTime,
                        double learningRate, long rank, FitConfig config, ConvergenceReport report, double trainingWeightSum,
                        CoefficientInference inference, dev.downhill.internal.direct.InverseGram pendingInverseGram,
                        ThinnedHistory lossThinning, ThinnedHistory gradientThinning) {
        if (inference != null && inference.features() != coefficients.length) {
            throw new IllegalArgumentException("standard errors for " + inference.features() + " coefficients, the model has "
                    + coefficients.length);
        }
        this.inference = inference;
        this.lossThinning = lossThinning;
        this.gradientThinning = gradientThinning;
        this.pendingInverseGram = pendingInverseGram;
        this.trainingWeightSum = trainingWeightSum;
        this.report = report;
        this.coefficients = coefficients;
        this.intercept = intercept;
        this.solver = solver;
        this.backend = backend;
        this.precision = precision;
        this.rows = rows;
        this.iterations = iterations;
        this.stopReason = stopReason;
        this.lossHistory = lossHistory;
        this.gradientNormHistory = gradientNormHistory;
        this.wallTime = wallTime;
        this.learningRate = learningRate;
        this.rank = rank;
        this.config = config;
    }

    /**
     * A model's fields to change a few of (the with-methods): starts as {@code of}'s, arrays shared, not copied; changed
     * fields are set directly, then {@link #build}.
     */
    private static final class Copy {
        double[] coefficients;
        double intercept;
        StopReason stopReason;
        Duration wallTime;
        FitConfig config;
        ConvergenceReport report;
        double trainingWeightSum;
        CoefficientInference inference;
        dev.downhill.internal.direct.InverseGram pendingInverseGram;
        ThinnedHistory lossThinning;
        ThinnedHistory gradientThinning;
        private final FittedModel of;

        Copy(FittedModel of) {
            this.of = of;
            this.coefficients = of.coefficients;
            this.intercept = of.intercept;
            this.stopReason = of.stopReason;
            this.wallTime = of.wallTime;
            this.config = of.config;
            this.report = of.report;
            this.trainingWeightSum = of.trainingWeightSum;
            this.inference = of.inference;
            this.pendingInverseGram = of.pendingInverseGram;
            this.lossThinning = of.lossThinning;
            this.gradientThinning = of.gradientThinning;
        }

        FittedModel build() {
            return new FittedModel(coefficients, intercept, of.solver, of.backend, of.precision, of.rows, of.iterations, stopReason,
                    of.lossHistory, of.gradientNormHistory, wallTime, of.learningRate, of.rank, config, report, trainingWeightSum,
                    inference, pendingInverseGram, lossThinning, gradientThinning);
        }
    }

    /**
     * This model with other coefficients, intercept and stop reason: a fit that a front end's own rule ended at its
     * starting point (the Spark estimator's maxIter 0 and tol ≥ 1: {@link dev.downhill.internal.FrontEnds#restated}).
     */
    FittedModel restated(double[] newCoefficients, double newIntercept, StopReason newStopReason) {
        if (newCoefficients.length != coefficients.length) {
            throw new IllegalArgumentException(newCoefficients.length + " coefficients for a model of " + coefficients.length);
        }
        Copy c = new Copy(this);
        c.coefficients = newCoefficients.clone();
        c.intercept = newIntercept;
        c.stopReason = newStopReason;
        return c.build();
    }

    /** This model with another report (the automatic solver choice recorded after the fit). */
    FittedModel withReport(ConvergenceReport newReport) {
        Copy c = new Copy(this);
        c.report = newReport;
        return c.build();
    }

    /** This model recording another Σw (the caller's, where the backend fitted rescaled weights: {@link LoadedProblem}). */
    FittedModel withTrainingWeightSum(double weightSum) {
        Copy c = new Copy(this);
        c.trainingWeightSum = weightSum;
        return c.build();
    }

    /** This model with θ = {@code theta}, kept (not copied; no one may write it): {@link PathModels}. */
    FittedModel withCoefficientsKept(double[] theta) {
        if (theta.length != coefficients.length) {
            throw new IllegalArgumentException(theta.length + " coefficients for a model of " + coefficients.length);
        }
        Copy c = new Copy(this);
        c.coefficients = theta;
        return c.build();
    }

    /** This model with another wall time (a resumed fit's runs together; a cross-validation's whole run). */
    FittedModel withWallTime(Duration time) {
        Copy c = new Copy(this);
        c.wallTime = time;
        return c.build();
    }

    /** This model with the solve's {@link dev.downhill.internal.direct.InverseGram}, for {@link LinearRegression} to complete. */
    FittedModel withPendingInverseGram(dev.downhill.internal.direct.InverseGram g) {
        Copy c = new Copy(this);
        c.pendingInverseGram = g;
        return c.build();
    }

    /** This model with its coefficients' standard errors (and no pending solve state). */
    FittedModel withInference(CoefficientInference statistics) {
        Copy c = new Copy(this);
        c.inference = statistics;
        c.pendingInverseGram = null;
        return c.build();
    }

    /**
     * This model with histories of some iterations only — read from a file that thinned them, or a cd fit's full sweeps:
     * the iterations of their points (null: complete).
     */
    FittedModel withThinnedHistories(ThinnedHistory loss, ThinnedHistory gradient) {
        if (loss != null && loss.iterations().length != lossHistory.length
                || gradient != null && gradient.iterations().length != gradientNormHistory.length) {
            throw new IllegalArgumentException("a thinned history's iterations must be one per point");
        }
        Copy c = new Copy(this);
        c.lossThinning = loss;
        c.gradientThinning = gradient;
        return c.build();
    }

    /** The thinning of {@link #lossHistory} (a model read from a file that thinned it), or null when it is complete. */
    ThinnedHistory lossThinning() {
        return lossThinning;
    }

    /** The thinning of {@link #gradientNormHistory}, or null when it is complete. */
    ThinnedHistory gradientThinning() {
        return gradientThinning;
    }

    /** What the solve left for the standard errors (package use), or null. */
    dev.downhill.internal.direct.InverseGram pendingInverseGram() {
        return pendingInverseGram;
    }

    /**
     * The coefficients' and intercept's standard errors, t-values and p-values, when the fit computed them: asked for
     * ({@link FitConfig.Builder#standardErrors(boolean)}) and made by an exact solver without a penalty. Empty otherwise
     * (and for a model read from a file written without them).
     */
    public java.util.Optional<CoefficientInference> inference() {
        return java.util.Optional.ofNullable(inference);
    }

    /** Whether the model was fitted to weighted data (sample weights; see {@link Dataset#withWeights(double[])}). */
    public boolean trainingWeighted() {
        return !Double.isNaN(trainingWeightSum);
    }

    /** Σw of the training data's sample weights; NaN when it was unweighted. */
    public double trainingWeightSum() {
        return trainingWeightSum;
    }

    /** θ, a copy. */
    public double[] coefficients() {
        return coefficients.clone();
    }

    /** θ itself, not a copy (package use: a model file writes it; the caller must not write it). */
    double[] coefficientsView() {
        return coefficients;
    }

    /**
     * θⱼ.
     *
     * @throws IndexOutOfBoundsException when j is not in [0, {@link #features()})
     */
    public double coefficient(int j) {
        if (j < 0 || j >= coefficients.length) {
            throw new IndexOutOfBoundsException("coefficient index " + j + " is out of range for a model of "
                    + coefficients.length + (coefficients.length == 1 ? " feature" : " features") + " (indices from 0)");
        }
        return coefficients[j];
    }

    /** Number of features n. */
    public int features() {
        return coefficients.length;
    }

    /** b; exactly 0 when the intercept was not fitted (see {@link #fitIntercept()}). */
    public double intercept() {
        return intercept;
    }

    /**
     * Whether the intercept was fitted ({@link FitConfig#fitIntercept()}); without it {@link #intercept()} is 0.
     *
     * @return whether b was fitted
     */
    public boolean fitIntercept() {
        return config.fitIntercept();
    }

    /**
     * The solver that ran: never {@link Solver#AUTO} — the automatic choice is recorded here, and
     * {@code report().solverChoice()} says why it was made.
     *
     * @return the solver
     */
    public Solver solver() {
        return solver;
    }

    /** Name of the backend that ran the fit (the automatic choice is recorded here). */
    public String backend() {
        return backend;
    }

    /** The working precision of the fit. */
    public Precision precision() {
        return precision;
    }

    /**
     * Rows of the data the fit was given (its {@code data.rows} in a model file), early stopping's held-out validation
     * rows included (sgd and minibatch with a validation fraction f hold out max(1, round(f·m)) of them and train on the rest).
     */
    public long trainingRows() {
        return rows;
    }

    /** Steps (GD) or epochs (SGD variants) taken; 0 for direct solvers. */
    public long iterations() {
        return iterations;
    }

    /**
     * Why the fit ended ({@link StopReason#DIRECT_SOLUTION} for normal and svd); see {@link #converged()}.
     *
     * @return the stop reason
     */
    public StopReason stopReason() {
        return stopReason;
    }

    /**
     * The tolerance the fit ran with: the configured one, else the default for its solver and its working precision
     * ({@code config().tolerance(precision())}; {@code config().tolerance()} assumes float64 when the precision was left to
     * the data). The model file's {@code hyperparameters.tolerance}. Direct solvers do not use it.
     */
    public double tolerance() {
        return config.tolerance(precision);
    }

    /**
     * Whether the fit met its stopping rule: a direct solution, a tolerance reached ({@link StopReason#CONVERGED},
     * {@link StopReason#DUALITY_GAP}), or as close as the working precision allows ({@link StopReason#NO_PROGRESS}).
     * False when it ended at its iteration limit ({@link StopReason#ITERATION_LIMIT}, warned about on {@link
     * LinearRegression#CONVERGENCE_LOGGER} when the tolerance was &gt; 0) or was stopped by a listener.
     */
    public boolean converged() {
        return switch (stopReason) {
            case CONVERGED, DUALITY_GAP, NO_PROGRESS, DIRECT_SOLUTION -> true;
            case ITERATION_LIMIT, STOPPED_BY_LISTENER -> false;
        };
    }

    /**
     * MSE at each iteration, starting point first (SGD variants: one mean batch loss per epoch); a copy. Weighted
     * data: (1/Σw)Σwᵢrᵢ² for the full-batch solvers, (1/k)Σwᵢrᵢ² over the k rows visited for sgd and mini-batches.
     * With a {@link Penalty} it is what the solver minimises, MSE + 2·penalty (twice {@link Penalty}'s objective; the
     * objective at the answer is {@link ConvergenceReport#objective()}).
     */
    public double[] lossHistory() {
        return lossHistory.clone();
    }

    /**
     * The iteration of each point of {@link #lossHistory()}: 0, 1, 2, … for a complete history (most fitted models'),
     * the full sweeps' for a {@link Solver#CD} fit that also swept its non-zero coefficients alone in between (its state
     * is taken at full sweeps only), the kept iterations for a model read from a file whose writer thinned a long
     * history ({@link ModelFile#write}); a copy.
     */
    public long[] lossHistoryIterations() {
        return iterationsOf(lossThinning, lossHistory.length);
    }

    /** As {@link #lossHistoryIterations()}, for {@link #gradientNormHistory()}; a copy. */
    public long[] gradientNormHistoryIterations() {
        return iterationsOf(gradientThinning, gradientNormHistory.length);
    }

    private static long[] iterationsOf(ThinnedHistory thinning, int points) {
        return thinning != null ? thinning.iterations().clone() : java.util.stream.LongStream.range(0, points).toArray();
    }

    /**
     * The gradient's norm at each iteration (GD) or of each epoch's last batch (SGD variants), in the solver's
     * coordinates: ‖S∇θ‖ with S the column scaling of standardization (on by default with an automatic η on tall X, and
     * for cg; the identity without it — see the README's "Standardization"); a copy. With an l2 penalty the gradient
     * includes its term; with an l1 term (gd, nesterov) it is the norm of the minimum-norm subgradient (the KKT residual).
     */
    public double[] gradientNormHistory() {
        return gradientNormHistory.clone();
    }

    /** Final training MSE as recorded by the solver (NaN for direct solvers: use {@link #score}). */
    public double finalLoss() {
        return lossHistory.length == 0 ? Double.NaN : lossHistory[lossHistory.length - 1];
    }

    /**
     * Wall-clock time of the fit, including loading into the backend when {@code fit(Dataset)} was used; for a fit resumed
     * from a {@link Checkpoint}, the time of all its runs up to their last checkpoint plus this run's (this run alone:
     * {@link ConvergenceReport#resumedRunSeconds()}).
     */
    public Duration wallTime() {
        return wallTime;
    }

    /**
     * The η used (the chosen value when the configuration said auto); NaN for direct solvers. It is a step in the solver's
     * coordinates: when the fit was standardized ({@link ConvergenceReport}; the default with an automatic η on tall X)
     * it applies to the standardized features, not to raw X — and a fixed η turns automatic standardization off (one the
     * steps use: {@link FitConfig#fixedLearningRateUsed()}), so to reuse this value give it with
     * {@link FitConfig.Builder#standardize(Boolean) standardize(true)}. Under an inverse-time schedule it is η₀, which
     * the steps t₀/(t + t₁) do not use: the configured rate, or the automatic step (a yardstick for t₀/t₁).
     */
    public double learningRate() {
        return learningRate;
    }

    /** Effective rank found by the SVD solver; −1 for other solvers. */
    public long rank() {
        return rank;
    }

    /** Standardization, constant columns and the distance to the exact solution (when computed). */
    public ConvergenceReport report() {
        return report;
    }

    /** ‖∇ₖ‖/‖∇₀‖ at the end of a gradient fit (the quantity the GD stopping rule compares with tol); NaN for direct solvers. */
    public double finalRelativeGradient() {
        if (gradientNormHistory.length == 0) {
            return Double.NaN;
        }
        double first = gradientNormHistory[0];
        double last = gradientNormHistory[gradientNormHistory.length - 1];
        return first == 0 ? 0 : last / first;
    }

    /**
     * The configuration the fit ran with: the one it was given, except that {@link Solver#AUTO} is replaced by the solver
     * that ran ({@link #solver()}: svd where auto's normal equations refused; the choice and its reason are
     * {@link ConvergenceReport#solverChoice()}). A refit with it names that solver: on other
     * data it does not choose again (and a refusal of normal then throws). A model read from a file has the configuration
     * the file records, which is this one's.
     */
    public FitConfig config() {
        return config;
    }

    /**
     * This model predicting and scoring on {@code backend} — a name, or null/"auto" for the automatic choice — instead of
     * the backend its configuration names (a model fitted on a GPU, asked to predict on the cpu backend): only
     * {@link #config()}'s backend changes; θ, b and the record of the fit, {@link #backend()} included, stay. Backends'
     * predictions differ in the last bits at most. A backend named here must run here, as one named for a fit must: it is
     * checked now. (A model whose own backend cannot run here — read from a file written on a GPU machine — predicts on
     * the automatic choice instead; a backend asked for by name is never replaced.)
     *
     * @throws IllegalArgumentException if {@code backend} is not a name
     * @throws dev.downhill.spi.BackendUnavailableException if no backend of that name is on the class path, or it cannot
     *         run here (the message lists the backends and why each is unavailable)
     */
    public FittedModel predictingOn(String backend) {
        FitConfig other = config.toBuilder().backend(backend).build();
        if (other.backend() != null && !Backends.isAuto(other.backend())) {
            Backends.select(other.backend());
        }
        return withConfig(other);
    }

    /**
     * This model predicting and scoring on {@code threads} CPU threads (0: every core) instead of the threads its
     * configuration names (those it was fitted on): only {@link #config()}'s thread count changes.
     *
     * @throws IllegalArgumentException if {@code threads} is negative
     */
    public FittedModel predictingOnThreads(int threads) {
        return withConfig(config.toBuilder().threads(threads).build());
    }

    /** This model with {@code other} as its configuration (where and how it predicts); the record of the fit stays. */
    FittedModel withConfig(FitConfig other) {
        Copy c = new Copy(this);
        c.config = other;
        return c.build();
    }

    /** ŷᵢ = xᵢᵀθ + b for each row (plain Java on the calling thread: for small inputs; datasets go to the backend). */
    public double[] predict(double[][] x) {
        java.util.Objects.requireNonNull(x, "x");
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = predictRow(x[i], i);
        }
        return out;
    }

    /** ŷ = xᵀθ + b for one row. */
    public double predict(double[] x) {
        java.util.Objects.requireNonNull(x, "x");
        return predictRow(x, 0);
    }

    /**
     * ŷᵢ = xᵢᵀθ + b for each float32 row, as {@link #predict(double[][])} with every value widened to float64 (exactly):
     * the same answer as for the same values in double arrays.
     */
    public double[] predict(float[][] x) {
        java.util.Objects.requireNonNull(x, "x");
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = predictRow(widened(x[i]), i);
        }
        return out;
    }

    /** ŷ = xᵀθ + b for one float32 row (widened to float64, as {@link #predict(float[][])}). */
    public double predict(float[] x) {
        java.util.Objects.requireNonNull(x, "x");
        return predictRow(widened(x), 0);
    }

    private static double[] widened(float[] row) {
        if (row == null) {
            return null;
        }
        double[] wide = new double[row.length];
        for (int j = 0; j < row.length; j++) {
            wide[j] = row[j];
        }
        return wide;
    }

    /**
     * ŷᵢ for every row of {@code data} (m below 2³¹; {@link #predict(Dataset, DoublePointer)} has no limit),
     * computed by the backend's prediction pass: {@code data} is loaded into the backend this model's
     * configuration names (automatic selection when it names none, or when the one it names cannot run here — a model
     * fitted on a GPU predicts on a machine without one) with its backend options.
     */
    public double[] predict(Dataset data) {
        java.util.Objects.requireNonNull(data, "data");
        checkColumns(data.cols());
        long m = data.rows();
        if (m > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(m + " rows do not fit a Java array: use predict(Dataset, DoublePointer)");
        }
        try (DoublePointer out = new DoublePointer(m)) {
            predict(data, out);
            double[] a = new double[(int) m];
            out.get(a);
            return a;
        }
    }

    /**
     * ŷᵢ for every row of {@code data} into {@code out} (m float64 values from its position; any m), by the
     * backend's prediction pass as {@link #predict(Dataset)}.
     */
    public void predict(Dataset data, DoublePointer out) {
        java.util.Objects.requireNonNull(data, "data");
        java.util.Objects.requireNonNull(out, "out");
        checkColumns(data.cols());
        checkOutput(out, data.rows()); // before the data are loaded
        try (Dataset.Use use = data.use(); LoadedProblem p = LinearRegression.load(data, predictionConfig())) {
            predict(p, out);
        }
    }

    /**
     * ŷᵢ for every row of a sparse X (m below 2³¹), by a backend's prediction pass over the stored entries — never
     * densified: the model's backend when it takes sparse X and can run here, else the first available one that does (the
     * cpu backend).
     * {@code data} may have fewer columns than the model (its last columns all zero, as a test file often is); more
     * columns are refused.
     */
    public double[] predict(SparseDataset data) {
        long m = java.util.Objects.requireNonNull(data, "data").rows();
        if (m > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(m + " rows do not fit a Java array: use predict(SparseDataset, DoublePointer)");
        }
        try (DoublePointer out = new DoublePointer(m)) {
            predict(data, out);
            double[] a = new double[(int) m];
            out.get(a);
            return a;
        }
    }

    /** ŷᵢ for every row of a sparse X into {@code out} (m float64 values from its position; any m); see {@link #predict(SparseDataset)}. */
    public void predict(SparseDataset data, DoublePointer out) {
        java.util.Objects.requireNonNull(data, "data");
        checkOutput(out, data.rows());
        if (data.cols() > coefficients.length) {
            throw new IllegalArgumentException("X has " + data.cols() + " columns but the model has " + coefficients.length
                    + " coefficients");
        }
        String backend = predictionConfig().backend(); // null when the one the model names cannot run here
        if (backend != null && !Backends.select(backend).takesSparse()) {
            // the model was fitted dense on a backend without sparse passes: predict where sparse X runs, and say so
            String named = Backends.select(backend).name();
            backend = null;
            if (!warnedSparseFallback.getAndSet(true)) { // once per model: score calls predict again
                LOG.warn("the {} backend does not take sparse X: predicting on {}", named, Backends.selectSparse(null).name());
            }
        }
        double[] theta = java.util.Arrays.copyOf(coefficients, Math.toIntExact(data.cols()));
        try (SparseDataset.Use use = data.use(); ResidentProblem p = Backends.loadSparse(backend, data, null, config.backendOptions())) {
            p.predict(theta, intercept, out);
        }
    }

    /** MSE and R² of the predictions on a sparse X and its targets (weighted as {@link #score(Dataset)} when it carries weights). */
    public Score score(SparseDataset data) {
        java.util.Objects.requireNonNull(data, "data");
        try (SparseDataset.Use use = data.use()) {
            return sparseScore(predict(data), data);
        }
    }

    /** MSE and R² of {@code predicted} against a sparse dataset's targets (and weights). */
    private static Score sparseScore(double[] predicted, SparseDataset data) {
        double[] weights = null;
        if (data.isWeighted()) {
            weights = new double[predicted.length];
            data.weightsPointer().get(weights);
        }
        return score(predicted, data.targets(), weights);
    }

    /**
     * Refuses an output buffer that is a null pointer or, when its capacity is known (memory JavaCPP allocated), one
     * with fewer than {@code rows} values from its position.
     */
    private static void checkOutput(DoublePointer out, long rows) {
        java.util.Objects.requireNonNull(out, "out");
        if (out.isNull()) {
            throw new IllegalArgumentException("out is a null pointer: give memory for " + rows + " values");
        }
        long room = out.capacity() - out.position();
        if (out.capacity() > 0 && room < rows) {
            throw new IllegalArgumentException("out holds " + room + " values from its position but there are " + rows + " rows");
        }
    }

    /** ŷᵢ for every row of a loaded problem (m below 2³¹), computed where the problem lives (its backend's prediction pass). */
    public double[] predict(LoadedProblem problem) {
        long m = java.util.Objects.requireNonNull(problem, "problem").rows();
        if (m > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(m + " rows do not fit a Java array: use predict(LoadedProblem, DoublePointer)");
        }
        try (DoublePointer out = new DoublePointer(m)) {
            predict(problem, out);
            double[] a = new double[(int) m];
            out.get(a);
            return a;
        }
    }

    /**
     * ŷᵢ = xᵢᵀθ + b for every row of a loaded problem, written to {@code out} (host memory, m float64 values
     * from its position; m may exceed 2³¹), by the backend's prediction pass (the cpu backend's threads, the
     * GPU, ND4J ops). Dot products are accumulated in float64. Writes {@code out} only. Waits while another thread fits or
     * predicts on the problem; interrupted while it waits, it throws {@link FitInterruptedException} (at iteration 0, the
     * flag set again) and writes nothing.
     */
    public void predict(LoadedProblem problem, DoublePointer out) {
        java.util.Objects.requireNonNull(problem, "problem");
        java.util.Objects.requireNonNull(out, "out");
        checkOutput(out, problem.rows());
        checkColumns(problem.cols());
        try (LoadedProblem.Hold hold = problem.hold()) { // one fit or prediction at a time: another thread's waits
            problem.problem().predict(coefficients, intercept, out); // θ is read only (the SPI's contract): no copy
        }
    }

    /**
     * ŷᵢ for every row of a row-major matrix in host off-heap memory: {@code x} is a
     * {@link org.bytedeco.javacpp.FloatPointer} or {@link org.bytedeco.javacpp.DoublePointer} holding
     * rows × {@link #features()} values from its position (m below 2³¹). Reads x only; runs on the backend
     * as {@link #predict(Dataset)} (x is wrapped, not copied, with zero targets).
     */
    public double[] predict(org.bytedeco.javacpp.Pointer x, long rows) {
        java.util.Objects.requireNonNull(x, "x");
        if (!(x instanceof DoublePointer) && !(x instanceof org.bytedeco.javacpp.FloatPointer)) {
            throw new IllegalArgumentException("x must be a FloatPointer or DoublePointer, got " + x.getClass().getName());
        }
        if (x.isNull()) {
            throw new IllegalArgumentException("x is a null pointer");
        }
        if (rows < 1) {
            throw new IllegalArgumentException("rows must be at least 1, got " + rows);
        }
        org.bytedeco.javacpp.Pointer zeros = x instanceof DoublePointer ? new DoublePointer(rows) : new org.bytedeco.javacpp.FloatPointer(rows);
        try {
            org.bytedeco.javacpp.Pointer.memset(zeros, 0, rows * (x instanceof DoublePointer ? 8 : 4));
            try (Dataset d = Dataset.wrap(x, zeros, rows, coefficients.length)) {
                return predict(d);
            }
        } finally {
            zeros.close();
        }
    }

    /**
     * MSE and R² of the predictions on {@code data} (computed by the backend's prediction pass, see {@link #predict(Dataset)}).
     * When {@code data} carries sample weights both are weighted, like scikit-learn's {@code score(X, y, sample_weight)}:
     * MSE = Σwᵢrᵢ²/Σw and R² = 1 − Σwᵢrᵢ²/Σwᵢ(yᵢ − ȳ_w)² with ȳ_w the weighted mean.
     */
    public Score score(Dataset data) {
        java.util.Objects.requireNonNull(data, "data");
        checkColumns(data.cols());
        // data cannot be closed under the prediction pass (a close from another thread freed X mid-read: SIGSEGV)
        try (Dataset.Use use = data.use(); LoadedProblem p = LinearRegression.load(data, predictionConfig())) {
            return score(p);
        }
    }

    /**
     * MSE and R² of the predictions on the data a problem was loaded from (the backend's prediction pass; any m);
     * weighted as {@link #score(Dataset)} when that data carries sample weights.
     */
    public Score score(LoadedProblem problem) {
        long m = java.util.Objects.requireNonNull(problem, "problem").rows();
        if (m == 0) {
            throw new IllegalArgumentException("cannot score zero rows");
        }
        Dataset data = problem.data();
        if (data == null) { // loaded from a sparse dataset: its targets (and weights) are on the host
            SparseDataset sparse = problem.sparse();
            if (sparse == null) {
                throw new IllegalArgumentException("the problem does not know the data it was loaded from (LoadedProblem.of "
                        + "without a dataset): score the dataset itself");
            }
            try (SparseDataset.Use use = sparse.use()) {
                return sparseScore(predict(problem), sparse);
            }
        }
        if (data.isWeighted()) {
            return weightedScore(problem, data);
        }
        try (DoublePointer predicted = new DoublePointer(m)) {
            predict(problem, predicted);
            double[] y = new double[(int) Math.min(WINDOW, m)];
            double mean = 0;
            double largest = 0;
            double lowest = Double.POSITIVE_INFINITY;
            double highest = Double.NEGATIVE_INFINITY;
            for (long i0 = 0; i0 < m; i0 += WINDOW) {
                int len = targets(data, i0, y);
                for (int i = 0; i < len; i++) {
                    mean += y[i];
                    largest = Math.max(largest, Math.abs(y[i]));
                    lowest = Math.min(lowest, y[i]);
                    highest = Math.max(highest, y[i]);
                }
            }
            mean /= m;
            double scale = squaringScale(largest);
            double ssRes = 0;
            double ssTot = 0;
            for (long i0 = 0; i0 < m; i0 += WINDOW) {
                int len = targets(data, i0, y);
                java.nio.DoubleBuffer p = dev.downhill.internal.OffHeapViews.doubles(predicted, i0, len);
                for (int i = 0; i < len; i++) {
                    double yi = y[i];
                    double r = (p.get(i) - yi) * scale;
                    ssRes += r * r;
                    double d = (yi - mean) * scale;
                    ssTot += d * d;
                }
            }
            return scaledScore(ssRes, lowest == highest ? 0 : ssTot, m, scale);
        }
    }

    private static final int WINDOW = 1 << 16;

    /** Σwr²/Σw and 1 − Σwr²/Σw(y − ȳ_w)², two passes over y like the unweighted score. */
    private Score weightedScore(LoadedProblem problem, Dataset data) {
        long m = problem.rows();
        try (DoublePointer predicted = new DoublePointer(m)) {
            predict(problem, predicted);
            double[] y = new double[(int) Math.min(WINDOW, m)];
            double mean = 0;
            double total = 0;
            double largest = 0;
            double heaviest = 0;
            double lowest = Double.POSITIVE_INFINITY;
            double highest = Double.NEGATIVE_INFINITY;
            for (long i0 = 0; i0 < m; i0 += WINDOW) {
                int len = targets(data, i0, y);
                java.nio.DoubleBuffer w = dev.downhill.internal.OffHeapViews.doubles(data.weightsPointer(), i0, len);
                for (int i = 0; i < len; i++) {
                    mean += w.get(i) * y[i];
                    total += w.get(i);
                    largest = Math.max(largest, Math.abs(y[i]));
                    heaviest = Math.max(heaviest, w.get(i));
                    if (w.get(i) > 0) {
                        lowest = Math.min(lowest, y[i]);
                        highest = Math.max(highest, y[i]);
                    }
                }
            }
            mean /= total;
            double scale = squaringScale(largest);
            double ws = weightScale(heaviest);
            total *= ws;
            double ssRes = 0;
            double ssTot = 0;
            for (long i0 = 0; i0 < m; i0 += WINDOW) {
                int len = targets(data, i0, y);
                java.nio.DoubleBuffer p = dev.downhill.internal.OffHeapViews.doubles(predicted, i0, len);
                java.nio.DoubleBuffer w = dev.downhill.internal.OffHeapViews.doubles(data.weightsPointer(), i0, len);
                for (int i = 0; i < len; i++) {
                    double r = (p.get(i) - y[i]) * scale;
                    double wi = w.get(i) * ws;
                    ssRes += wi * r * r;
                    double d = (y[i] - mean) * scale;
                    ssTot += wi * d * d;
                }
            }
            return scaledScore(ssRes, lowest == highest ? 0 : ssTot, total, scale);
        }
    }

    /** Copies y[from, from + len) of the dataset into {@code into} (len = min(into.length, m − from)); returns len. */
    private static int targets(Dataset data, long from, double[] into) {
        int len = (int) Math.min(into.length, data.rows() - from);
        if (data.precision() == Precision.FLOAT64) {
            dev.downhill.internal.OffHeapViews.doubles(data.yPointer(), from, len).get(into, 0, len);
        } else {
            java.nio.FloatBuffer f = dev.downhill.internal.OffHeapViews.floats(data.yPointer(), from, len);
            for (int i = 0; i < len; i++) {
                into[i] = f.get(i);
            }
        }
        return len;
    }

    /** Where predictions run: the backend this model's configuration asked for (auto when none), with its options. */
    private FitConfig predictionConfig() {
        String backend = config.backend();
        if (backend != null && !Backends.isAuto(backend)) {
            try {
                Backends.select(backend);
            } catch (dev.downhill.spi.BackendUnavailableException e) {
                backend = null; // the fit's backend cannot run here: predict where the automatic choice runs
            }
        }
        FitConfig.Builder b = FitConfig.builder().backendOptions(config.backendOptions());
        return (backend == null ? b : b.backend(backend)).build();
    }

    /** MSE and R² of the predictions on ({@code x}, {@code y}). */
    public Score score(double[][] x, double[] y) {
        java.util.Objects.requireNonNull(x, "x");
        java.util.Objects.requireNonNull(y, "y");
        for (int i = 0; i < y.length; i++) {
            if (!Double.isFinite(y[i])) {
                throw new IllegalArgumentException("y[" + i + "] is " + y[i] + ": every target must be finite");
            }
        }
        if (x.length != y.length) {
            throw new IllegalArgumentException("X has " + x.length + " rows but y has " + y.length + " values");
        }
        return score(predict(x), y, null);
    }

    /** MSE = Σw(ŷ − y)²/Σw and R² = 1 − Σw(ŷ − y)²/Σw(y − ȳ_w)², wᵢ = 1 when {@code weights} is null. */
    private static Score score(double[] predicted, double[] y, double[] weights) {
        if (y.length == 0) {
            throw new IllegalArgumentException("cannot score zero rows");
        }
        double mean = 0;
        double total = 0;
        double largest = 0;
        double heaviest = 0;
        double lowest = Double.POSITIVE_INFINITY;
        double highest = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < y.length; i++) {
            double w = weights == null ? 1 : weights[i];
            mean += w * y[i];
            total += w;
            largest = Math.max(largest, Math.abs(y[i]));
            heaviest = Math.max(heaviest, w);
            if (w > 0) {
                lowest = Math.min(lowest, y[i]);
                highest = Math.max(highest, y[i]);
            }
        }
        mean /= total;
        double scale = squaringScale(largest);
        double ws = weightScale(heaviest);
        total *= ws;
        double ssRes = 0;
        double ssTot = 0;
        for (int i = 0; i < y.length; i++) {
            double w = (weights == null ? 1 : weights[i]) * ws;
            double r = (predicted[i] - y[i]) * scale;
            ssRes += w * r * r;
            double d = (y[i] - mean) * scale;
            ssTot += w * d * d;
        }
        return scaledScore(ssRes, lowest == highest ? 0 : ssTot, total, scale);
    }

    /**
     * The power of two the residuals and deviations are multiplied by before they are squared: 1 while |y| ≤ 2^400
     * (and above 2^−400), where no square or sum of squares overflows or underflows; else 2^−e for |y|'s largest
     * exponent e (targets of 1e160 gave MSE ∞ and R² NaN for a correct fit). Exact: it changes no bit of R².
     */
    private static double squaringScale(double largestTarget) {
        if (largestTarget == 0 || !(largestTarget < Double.POSITIVE_INFINITY)
                || largestTarget <= 0x1p400 && largestTarget >= 0x1p-400) {
            return 1;
        }
        return Math.scalb(1.0, -Math.getExponent(largestTarget));
    }

    /**
     * The power of two the weights are multiplied by in the sums of squares: 1 while the largest weight lies within
     * 2^±20 (no bit changes on ordinary weights), else 2^−e for its exponent e. Only the weights' ratios enter MSE = Σwr²/Σw
     * and R², and a power of two changes none of them; without it weights ≈ 1e-150 times residuals² ≈ 1e-182 underflowed
     * to 0 (MSE 0, R² NaN for a correct fit).
     */
    private static double weightScale(double heaviest) {
        if (!(heaviest > 0) || !(heaviest < Double.POSITIVE_INFINITY) || heaviest <= 0x1p20 && heaviest >= 0x1p-20) {
            return 1;
        }
        return Math.scalb(1.0, -Math.getExponent(heaviest));
    }

    /** MSE = (Σw r_s²/Σw)/s² and R² = 1 − Σw r_s²/Σw d_s² from the sums of squares of residuals and deviations times s. */
    /**
     * MSE and R² from the sums of squares; {@code ssTot} is passed as 0 when every y (of weight &gt; 0) is the same value —
     * exactly, not Σ(y − ȳ)² computed, which for a constant y is rounding noise (ȳ an ulp off: ~1e-28 on y = 4.2) and made
     * R² an arbitrary number (0.48 from gd, 1.0 from normal on the same y, in a review) — so R² is NaN then (undefined:
     * scikit-learn's {@code r2_score} answers 1.0 or 0.0 by convention).
     */
    private static Score scaledScore(double ssRes, double ssTot, double total, double scale) {
        return new Score(ssRes / total / scale / scale, ssTot == 0 ? Double.NaN : 1 - ssRes / ssTot);
    }

    /** ŷ for one row: its length must be n and its values finite (an IllegalArgumentException naming the row, else). */
    private double predictRow(double[] row, int index) {
        if (row == null) {
            throw new IllegalArgumentException("row " + index + " is null");
        }
        if (row.length != coefficients.length) {
            throw new IllegalArgumentException("row " + index + " has " + row.length + " values but the model has "
                    + coefficients.length + " coefficients");
        }
        for (int j = 0; j < row.length; j++) {
            if (!Double.isFinite(row[j])) {
                throw new IllegalArgumentException("row " + index + ", column " + j + " is " + row[j]
                        + ": every value of X must be finite");
            }
        }
        return dot(row) + intercept;
    }

    private double dot(double[] row) {
        double s = 0;
        for (int j = 0; j < coefficients.length; j++) {
            s += coefficients[j] * row[j];
        }
        return s;
    }

    private void checkColumns(long cols) {
        if (cols != coefficients.length) {
            throw new IllegalArgumentException("data has " + cols + " columns but the model has " + coefficients.length + " coefficients");
        }
    }

    @Override
    public String toString() {
        String theta = coefficients.length <= 8 ? Arrays.toString(coefficients) : "[" + coefficients.length + " coefficients]";
        return String.format(Locale.ROOT, "FittedModel[%s on %s, θ=%s, b=%.9g, iterations=%d, %s]",
                solver.cliName(), backend, theta, intercept, iterations, stopReason);
    }
}
