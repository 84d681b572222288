package dev.downhill;

import dev.downhill.internal.CentredObjective;
import dev.downhill.internal.ColumnCoordinateDescent;
import dev.downhill.internal.GramCoordinateDescent;
import dev.downhill.internal.GramRidgePath;
import dev.downhill.internal.direct.DirectLeastSquares;
import dev.downhill.internal.IterativeResult;
import dev.downhill.internal.SolverChoice;
import dev.downhill.internal.SparseL1Choice;
import dev.downhill.sampling.CounterBasedSampler;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.RowSlice;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.Locale;
import java.util.Objects;

/**
 * Regularization paths and K-fold cross-validation choosing the penalty strength α (glmnet's {@code cv.glmnet},
 * scikit-learn's {@code ElasticNetCV}).
 *
 * <p>The configuration's {@link Penalty} names what is varied: its kind, l1 ratio ρ and penalty factors are kept, its α
 * is not used (the grid's, or the path's given α's, replace it): {@code Penalty.l1(1)} and {@code Penalty.l1(123)} give
 * the same cross-validation. A configuration without a penalty ({@link Penalty#none()}) is refused: there is no α to
 * vary.
 *
 * <p>The path: {@value #DEFAULT_PATH_LENGTH} values of α spaced evenly in log from α_max down to
 * {@value #DEFAULT_PATH_RATIO}·α_max, where α_max = max_{pⱼ&gt;0} |(1/m)X_cᵀy_c|ⱼ / (ρ'·pⱼ) with ρ' = max(ρ, 10⁻³): for
 * an l1 term (ρ &gt; 0) the smallest α whose answer is θ = 0 (scikit-learn's {@code _alpha_grid}); for ridge (ρ = 0)
 * the same scale with ρ' = 10⁻³, glmnet's convention. Each fit of a path starts from the previous answer (warm
 * start), so the path costs a few times one fit. A ridge path ends at lasso's α_max, which is a strong penalty for
 * data with little noise: when ridge's least validation error comes at the default path's end, still falling, the
 * cross-validation continues on α's going further down at the same spacing (only those fitted), up to
 * {@value #RIDGE_EXTENSIONS} times (to 10⁻¹²·α_max), with the solvers that fit one α cheaply (auto, normal, svd, cg). A report whose least error still sits at the path's end says so
 * ({@link CrossValidationReport#minimumAtPathEnd()}; the command line warns).
 *
 * <p>Cross-validation: the rows are split into K folds by a seeded permutation
 * ({@link CounterBasedSampler#epochOrder}(seed ⊕ salt, 0, m); fold f holds positions [f·m/K, (f+1)·m/K)), so the
 * same seed gives the same folds on every backend. For each fold the path is fitted on the other rows and the
 * validation error of each α recorded — the MSE, or with sample weights the weighted mean Σwᵢrᵢ²/Σwᵢ over the fold's
 * held-out rows (scikit-learn's {@code LassoCV(...).fit(X, y, sample_weight=w)}: each training fold fitted with its own
 * weights, each validation error weighted by its rows' weights; the folds' errors averaged unweighted); the chosen α
 * is the one of least mean error ({@link Rule#MIN}) or the largest α
 * whose mean is within one standard error (standard deviation of the folds' MSEs / √K) of that minimum
 * ({@link Rule#ONE_SE}). The model returned is the full-data path's fit at the chosen α, with the
 * {@link CrossValidationReport} in its {@link ConvergenceReport#crossValidation()} and the whole run's time (every fold and
 * the full-data path) as its {@link FittedModel#wallTime()}.
 *
 * <p>Paths on the Gram matrix: with the solver named {@link Solver#CD}, or left to {@link Solver#AUTO} with an l1 term
 * and dense X with no more columns than rows (its Gram matrices within the direct memory budget,
 * {@link GramCoordinateDescent#choosePath}), every path — each fold's and the full data's, whose fit at the chosen α is
 * the model — runs by coordinate descent on its Gram matrix ({@link GramCoordinateDescent}): one Gram pass over all
 * rows and one over each held-out fold, each training fold's statistics by subtraction
 * ({@link GramCoordinateDescent.Statistics#without}), then no pass over X. On sparse X with an l1 term and the solver
 * named cd or left to auto, each path (the full data's, each fold's) takes the route
 * {@link dev.downhill.internal.SparseL1Choice#choosePath} gives for its fits: cd on its Gram matrix, cd over its columns
 * ({@link ColumnCoordinateDescent}: one copy of the rows by column serves every α, each fit from the last one's answer
 * and residual), or (auto only, neither copy within the budget) nesterov over X. The models record it (solver
 * {@code cd} or {@code nesterov}, the reason in {@link ConvergenceReport#solverChoice()}). Otherwise each α is one
 * {@link LinearRegression#fit} over X.
 *
 * <p>Copies: the held-out rows of each fold (by column, float64, for the validation errors; and on the Gram path in
 * the data's precision for their Gram pass), and on the X path each fold's training rows (on the Java heap, in the
 * data's precision): m·n must stay below 2³¹. The configuration's solver, tolerance and other settings apply to every
 * fit. Its {@link IterationListener} hears every fit of every path (the iteration count starts again with each); on the
 * Gram path the folds' paths run on worker threads, and the listener is then called from them one call at a time
 * (serialised), never from two threads at once.
 */
public final class CrossValidation {
    /** Values of α on a path. */
    public static final int DEFAULT_PATH_LENGTH = 100;
    /** The smallest α of a path, relative to α_max. */
    public static final double DEFAULT_PATH_RATIO = 1e-3;
    /** Folds by default. */
    public static final int DEFAULT_FOLDS = 5;
    /** The mix assumed for α_max when ρ is smaller (ridge): glmnet's convention. */
    public static final double MIN_RATIO_FOR_ALPHA_MAX = 1e-3;
    /**
     * How many times a ridge cross-validation on the default path ({@link #fit(Dataset, FitConfig, int, Rule)}) goes on
     * along a longer one when its least validation error came at the path's smallest α: each time the path goes as
     * many decades further down at the same spacing, only the new α's fitted (to 10⁻⁶·α_max, 10⁻⁹·α_max, 10⁻¹²·α_max), with the solvers that fit
     * one α cheaply (auto, normal, svd, cg). A ridge path from α_max (scaled as an l1 path with ρ = 10⁻³) to 10⁻³·α_max
     * ends where lasso's α_max is, a strong penalty for data with little noise. A path given by count and ratio is
     * run as given.
     */
    public static final int RIDGE_EXTENSIONS = 3;
    static final long FOLD_SALT = 0xF01D_5EEDL;

    /** How α is chosen from the cross-validation curve. */
    public enum Rule {
        /** The α of least mean validation MSE. */
        MIN,
        /** The largest α whose mean validation MSE is within one standard error of the minimum (glmnet's lambda.1se). */
        ONE_SE;

        /**
         * The name the command line ({@code --alpha-rule}), the model file and {@link CrossValidationReport#rule()} use.
         *
         * @return "min" or "1se"
         */
        public String cliName() {
            return this == MIN ? "min" : "1se";
        }

        /**
         * Parses a {@link #cliName()}, case-insensitive, surrounding blanks ignored.
         *
         * @param text "min" or "1se"
         * @return the rule
         * @throws NullPointerException     when {@code text} is null
         * @throws IllegalArgumentException for any other text
         */
        public static Rule parse(String text) {
            Objects.requireNonNull(text, "text");
            switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "min": return MIN;
                case "1se": return ONE_SE;
                default: throw new IllegalArgumentException("alpha rule must be min or 1se, got '" + text + "'");
            }
        }
    }

    private CrossValidation() {
    }

    /**
     * α_max for {@code penalty}'s mix and factors on {@code data} (one pass over X on the configured backend): see the
     * class Javadoc.
     *
     * @throws IllegalArgumentException when X_cᵀy_c is 0 on every penalised column (no path to build)
     */
    public static double alphaMax(Dataset data, FitConfig config) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(config, "config");
        // data cannot be closed under the pass (a close from another thread freed X mid-read: SIGSEGV)
        try (Dataset.Use use = data.use(); LoadedProblem problem = LinearRegression.load(data, config)) {
            return alphaMax(problem.problem(), config.fitIntercept(), config.penalty());
        }
    }

    static double alphaMax(ResidentProblem problem, boolean fitIntercept, Penalty penalty) {
        int n = Math.toIntExact(problem.cols());
        double[] factors = penalty.factors(n);
        double ratio = Math.max(penalty.l1Ratio(), MIN_RATIO_FOR_ALPHA_MAX);
        double max = 0;
        try (CentredObjective objective = new CentredObjective(problem, fitIntercept, false);
             BackendVector zero = problem.allocateVector(n);
             BackendVector g = problem.allocateVector(n)) {
            objective.gradient(zero, RowSlice.all(), g); // g = −(2/m)X_cᵀy_c
            double[] c = g.copyToHost();
            for (int j = 0; j < n; j++) {
                if (factors[j] > 0) {
                    max = Math.max(max, 0.5 * Math.abs(c[j]) / (ratio * factors[j]));
                }
            }
        }
        if (!(max > 0) || !Double.isFinite(max)) {
            throw new IllegalArgumentException("cannot build a regularization path: X_cᵀy_c is 0 on every penalised column "
                    + "(y constant, or uncorrelated with X)");
        }
        return max;
    }

    /** Refuses a grid of fewer than 2 values or a ratio outside (0, 1), as {@link #alphaGrid} does. */
    private static void checkGrid(int count, double ratio) {
        if (count < 2 || !(ratio > 0 && ratio < 1)) {
            throw new IllegalArgumentException("an α grid needs ≥ 2 values and 0 < ratio < 1; got " + count + " and " + ratio);
        }
    }

    /** {@code count} values from {@code alphaMax} down to ratio·alphaMax, evenly spaced in log (count ≥ 2, 0 &lt; ratio &lt; 1). */
    public static double[] alphaGrid(double alphaMax, int count, double ratio) {
        if (count < 2 || !(ratio > 0 && ratio < 1) || !(alphaMax > 0)) {
            throw new IllegalArgumentException("an α grid needs ≥ 2 values, 0 < ratio < 1 and α_max > 0; got " + count + ", "
                    + ratio + ", " + alphaMax);
        }
        double[] a = new double[count];
        for (int k = 0; k < count; k++) {
            a[k] = alphaMax * Math.pow(ratio, k / (count - 1.0));
        }
        return a;
    }

    /** A path or cross-validation varies the penalty's α: without a penalty there is none to vary (ridge is not assumed). */
    private static void refuseNoPenalty(FitConfig config, String what) {
        if (config.penalty().kind() == Penalty.Kind.NONE) {
            throw new IllegalArgumentException(what + " chooses a penalty's α: name the penalty (l2, l1 or elasticnet)");
        }
    }

    /** A path or cross-validation is many fits: one checkpoint folder cannot hold them (not supported yet). */
    private static void refuseCheckpoint(FitConfig config) {
        if (config.checkpoint().isActive()) {
            throw new IllegalArgumentException("checkpoints are not supported for cross-validation and α paths yet (many fits): "
                    + "give α explicitly to checkpoint a fit");
        }
    }

    /**
     * Fits {@code config} (its penalty's kind, mix and factors) at every α of {@code alphas} in turn on a loaded problem,
     * each fit warm-started from the previous answer. With the solver left to {@link Solver#AUTO}, an l1 term and dense X
     * with no more columns than rows whose Gram matrix fits the direct memory budget, the path runs on the Gram matrix
     * ({@link Solver#CD}: one Gram pass, then no pass over X); on sparse X with an l1 term and cd named or auto, by the
     * route {@link dev.downhill.internal.SparseL1Choice#choosePath} gives for the path (cd on the Gram matrix, cd over
     * the columns, or nesterov) — the choice and its reason in each model's {@link ConvergenceReport#solverChoice()}; on
     * wide dense X (more columns than rows) with cd named or auto, over its columns when their float64 copy fits the
     * budget; otherwise each α is one {@link LinearRegression#fit} over X.
     *
     * @throws IllegalArgumentException before any fit when the configuration has no penalty ({@link Penalty#none()}: a path
     *                                  varies a penalty's α) or a checkpoint, or an α is not finite and ≥ 0
     */
    public static List<FittedModel> path(LoadedProblem problem, FitConfig config, double[] alphas) {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(alphas, "alphas");
        LinearRegression.checkMatches(problem, config); // as a fit on the problem does, also on the Gram path
        warnNoStandardErrors(config);
        try (LoadedProblem.Hold hold = problem.hold()) { // one fit or prediction at a time on the problem (LoadedProblem)
            return heldPath(problem, config, alphas);
        }
    }

    private static List<FittedModel> heldPath(LoadedProblem problem, FitConfig config, double[] alphas) {
        return call(preparedPath(problem, config, alphas).path());
    }

    /**
     * A path made ready on the caller's thread: {@code path} computes its models. When {@code detached}, everything it
     * reads was taken from the problem already (cd's Gram statistics or column copy, {@code bytes} of host memory): it
     * may run on another thread after the problem is closed, and single-threaded (the cd sweeps). Otherwise it fits over
     * the problem, which must stay open until it has run.
     */
    private record PreparedPath(PathRun run, boolean detached, double bytes) {
        static PreparedPath attached(Callable<List<FittedModel>> path) {
            return new PreparedPath(sink -> emit(path.call(), sink), false, 0);
        }

        /** The path's models, kept ({@link #path}). */
        Callable<List<FittedModel>> path() {
            return () -> collect(run);
        }

        /** The path's models held compactly until one is chosen (a cross-validation's full data path: {@link PathModels}). */
        Callable<List<FittedModel>> heldModels() {
            return () -> held(run);
        }

        /**
         * Each fit's {@code error}, the model dropped once scored (a fold's path: at n = 2²⁰ a hundred kept models were
         * ~1.6 GB a path, and a review's hashed 20,000 × 2²⁰ lasso CV ran out of a 4 GB heap).
         */
        Callable<double[]> errors(int count, java.util.function.ToDoubleFunction<FittedModel> error) {
            return () -> {
                double[] out = new double[count];
                run.run((k, model) -> out[k] = error.applyAsDouble(model));
                return out;
            };
        }
    }

    /** Where a path's fits go, one α at a time ({@code k}: its index on the path). */
    @FunctionalInterface
    private interface PathSink {
        void accept(int k, FittedModel model);
    }

    /** A path's fits, each handed to the sink as it is made. */
    @FunctionalInterface
    private interface PathRun {
        void run(PathSink sink) throws Exception;
    }

    /** The models of {@code run}, in path order. */
    private static List<FittedModel> collect(PathRun run) throws Exception {
        List<FittedModel> models = new ArrayList<>();
        run.run((k, model) -> models.add(model));
        return models;
    }

    /**
     * The models of {@code run}, in path order, held compactly until one is chosen ({@link PathModels}: the full data's
     * path of a cross-validation).
     */
    private static List<FittedModel> held(PathRun run) throws Exception {
        PathModels models = new PathModels();
        run.run(models::append);
        return models;
    }

    /** {@code models} handed to {@code sink} in order. */
    private static void emit(List<FittedModel> models, PathSink sink) {
        for (int k = 0; k < models.size(); k++) {
            sink.accept(k, models.get(k));
        }
    }

    private static PreparedPath preparedPath(LoadedProblem problem, FitConfig config, double[] alphas) {
        refuseCheckpoint(config);
        refuseNoPenalty(config, "a regularization path");
        for (int k = 0; k < alphas.length; k++) { // every α before the first fit, not at its turn along the path
            if (!(alphas[k] >= 0) || !Double.isFinite(alphas[k])) {
                throw new IllegalArgumentException("α " + k + " of the path is " + alphas[k] + ": every α must be a finite number ≥ 0");
            }
        }
        if (config.solver() == Solver.SVD && problem.problem().isSparse() && problem.sparseSource() != null) {
            return PreparedPath.attached(() -> densifiedPath(problem, config, alphas));
        }
        ResidentProblem p = problem.problem();
        Origin origin = Origin.of(p, problem.weightExponent()); // naming the constant columns where a cd path runs
        if (p.isSparse() && config.penalty().l1Ratio() > 0 && (config.solver() == Solver.CD || config.solver().isAuto())) {
            SparseL1Choice route = config.solver() == Solver.CD
                    ? SparseL1Choice.cdRoute(p, config.directMemoryBudget(), alphas.length)
                    : SparseL1Choice.ofPath(p, config, alphas.length);
            if (route != null) {
                switch (route.route()) {
                    case GRAM:
                        return preparedGramPath(p, origin.naming(p, config.fitIntercept()), config, alphas, route.reason());
                    case COLUMNS:
                        return columnPath(ColumnCoordinateDescent.of(p, config.fitIntercept(), config.penalty()), p,
                                origin.naming(p, config.fitIntercept()), config, alphas, route.reason());
                    default:
                        return new PreparedPath(sink -> xPath(problem, config.toBuilder().solver(Solver.NESTEROV).build(),
                                alphas, (k, m) -> sink.accept(k, m.withReport(m.report().withSolverChoice(route.reason())))),
                                false, 0);
                }
            }
        }
        PreparedPath columns = preparedWidePath(p, origin, config, alphas, 1, true);
        if (columns != null) {
            return columns;
        }
        String choice = GramCoordinateDescent.choosePath(p, config);
        if (choice == null) {
            return new PreparedPath(sink -> xPath(problem, config, alphas, sink), false, 0);
        }
        return preparedGramPath(p, origin.naming(p, config.fitIntercept()), config, alphas, choice);
    }

    /**
     * The copies of X's size a cross-validation over the columns of wide dense X holds at once on the heap: the full
     * data's column copy, a fold's, and that fold's training rows (auto falls back to the path over X when they do not
     * fit the budget: a review ran out of a 160 MB heap on 120 × 30,000 where nesterov's path fitted in 128 MB).
     */
    static final int CV_HELD_COPIES = 3;

    /**
     * The path over the columns of a wide dense X with cd named ({@link ColumnCoordinateDescent#wideDenseChoice}) or with
     * auto and an l1 term ({@link ColumnCoordinateDescent#widePathChoice}: warm starts keep a path's cd fits short), its
     * copy taken now, detached; null where that route does not apply. Under auto the budget must hold {@code heldCopies}
     * such copies (cross-validation: {@value #CV_HELD_COPIES}), else the path runs over X as before. With {@code
     * nameConstants} its models name {@code p}'s constant columns (a fold's, which only score, none).
     */
    private static PreparedPath preparedWidePath(ResidentProblem p, Origin origin, FitConfig config, double[] alphas,
                                                 int heldCopies, boolean nameConstants) {
        boolean named = config.solver() == Solver.CD;
        if (!named && !(config.solver().isAuto() && config.penalty().l1Ratio() > 0)) {
            return null;
        }
        String wide = named ? ColumnCoordinateDescent.wideDenseChoice(p, config.directMemoryBudget())
                : ColumnCoordinateDescent.widePathChoice(p, config.directMemoryBudget() / heldCopies);
        if (wide == null) {
            return null;
        }
        ColumnCoordinateDescent cd = ColumnCoordinateDescent.of(p, config.fitIntercept(), config.penalty());
        return columnPath(cd, p, nameConstants ? origin.naming(p, config.fitIntercept()) : origin, config, alphas,
                named ? wide + " (the path's fits, each from the last answer)" : wide);
    }

    /** {@link #cdPath} over a column copy made from {@code p}, detached. */
    private static PreparedPath columnPath(ColumnCoordinateDescent cd, ResidentProblem p, Origin origin, FitConfig config,
                                           double[] alphas, String choice) {
        int n = Math.toIntExact(p.cols());
        double weightSum = p.weightSum();
        long rows = p.rows();
        return new PreparedPath(sink -> cdPath(cd::fit, n, weightSum, origin, rows, config, alphas, choice, sink), true, cd.bytes());
    }

    /** The Gram statistics of {@code p} taken now (one Gram pass), the path on them detached. */
    private static PreparedPath preparedGramPath(ResidentProblem p, Origin origin, FitConfig config, double[] alphas, String choice) {
        GramCoordinateDescent.Statistics statistics = GramCoordinateDescent.Statistics.of(p, config.fitIntercept());
        long rows = p.rows();
        double n = statistics.moment().length;
        return new PreparedPath(sink -> gramPath(statistics, origin, rows, config, alphas, choice, sink), true, 8 * n * n);
    }

    /**
     * A fold's validation errors from its prepared path: a detached path submitted to the pool (which releases the slot
     * the caller acquired for it when it ends), an attached one run here and now, while its problem is open (the caller
     * then releases the slot).
     */
    private static Future<double[]> runFold(ExecutorService pool, java.util.concurrent.Semaphore slots, PreparedPath path,
                                            int count, java.util.function.ToDoubleFunction<FittedModel> error) {
        if (path.detached()) {
            return submit(pool, slots, path.errors(count, error));
        }
        return CompletableFuture.completedFuture(call(path.errors(count, error)));
    }

    /** {@code task}'s result, its exceptions as thrown (a checked one wrapped). */
    private static <T> T call(Callable<T> task) {
        try {
            return task.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * svd named on a sparse problem loaded from a {@link SparseDataset}: the dataset is densified once (refused before
     * any work when the copy exceeds {@link FitConfig#directMemoryBudget()}) and loaded once onto the problem's backend,
     * precision and options, and every α is fitted on that copy — not a copy per α, as one {@link
     * LinearRegression#fit(LoadedProblem, FitConfig)} per α would make. The first model's wall time counts the copy.
     */
    private static List<FittedModel> densifiedPath(LoadedProblem problem, FitConfig config, double[] alphas) {
        SparseDataset data = problem.sparseSource();
        SparseDensification.checkAffordable(data.rows(), data.cols(), data.x().nonZeros(), data.precision(),
                config.directMemoryBudget());
        FitConfig dense = config.toBuilder().backend(problem.backendName()).precision(problem.precision())
                .backendOptions(problem.options()).build();
        long start = System.nanoTime();
        try (SparseDataset.Use use = data.use(); Dataset copy = SparseDensification.densify(data);
             LoadedProblem loaded = LinearRegression.load(copy, dense)) {
            SparseDensification.logDensified(data, config.directMemoryBudget());
            long copied = System.nanoTime();
            List<FittedModel> models = xPath(loaded, dense, alphas);
            if (!models.isEmpty()) {
                models.set(0, models.get(0).withWallTime(models.get(0).wallTime().plusNanos(copied - start)));
            }
            return models;
        }
    }

    private static List<FittedModel> xPath(LoadedProblem problem, FitConfig asked, double[] alphas) {
        List<FittedModel> models = new ArrayList<>(alphas.length);
        xPath(problem, asked, alphas, (k, model) -> models.add(model));
        return models;
    }

    /**
     * The path over X with the configured solver, each α from the last answer, each fit handed to {@code sink} as it is
     * made (a fold's path scores and drops it); the recorded warm start shares the last model's θ (not another n values).
     */
    private static void xPath(LoadedProblem problem, FitConfig asked, double[] alphas, PathSink sink) {
        // every fit of a path is penalised: none computes standard errors, and the one warning was given at the start
        FitConfig config = asked.standardErrors() ? asked.toBuilder().standardErrors(false).build() : asked;
        InitialCoefficients start = config.initialCoefficients();
        for (int k = 0; k < alphas.length; k++) {
            FitConfig c = config.toBuilder().penalty(config.penalty().withAlpha(alphas[k])).initialCoefficients(start).build();
            FittedModel m = LinearRegression.fitUnwarned(problem, c); // no iteration-limit warning per α
            sink.accept(k, m);
            start = InitialCoefficients.sharing(m.coefficientsView());
        }
    }

    /**
     * What the models of a cd path name: the backend and precision the statistics came from, whether weighted, and the
     * constant columns of the data they were fitted on (none named for a fold's path, whose models only score).
     */
    private record Origin(String backend, Precision precision, boolean weighted, int weightExponent, int[] constantColumns) {
        /** @param weightExponent k of the weights the backend was given, wᵢ·2ᵏ ({@link dev.downhill.internal.WeightScale}) */
        static Origin of(ResidentProblem problem, int weightExponent) {
            return new Origin(problem.backendName(), problem.precision(), problem.weighted(), weightExponent, new int[0]);
        }

        /**
         * This origin naming {@code problem}'s constant columns ({@link CentredObjective#constantColumns}: the column
         * statistics, a pass over X unless cached) — taken only where a cd path runs on it.
         */
        Origin naming(ResidentProblem problem, boolean centred) {
            return new Origin(backend, precision, weighted, weightExponent, CentredObjective.constantColumns(problem, centred));
        }
    }

    /** {@link #cdPath} on the Gram statistics {@code statistics} (read only: paths may share them). */
    private static void gramPath(GramCoordinateDescent.Statistics statistics, Origin like, long rows,
                                 FitConfig config, double[] alphas, String choice, PathSink sink) {
        cdPath(new GramCoordinateDescent(statistics, config.penalty())::fit, statistics.moment().length,
                statistics.weightSum(), like, rows, config, alphas, choice, sink);
    }

    /** A path on one problem's Gram statistics (coordinate descent, or a ridge's SVD). */
    @FunctionalInterface
    private interface StatisticsPath {
        void run(GramCoordinateDescent.Statistics statistics, Origin like, long rows, PathSink sink) throws Exception;
    }

    /** The reason a ridge cross-validation's paths run on the Gram matrix: its start, to know such a model by. */
    static final String RIDGE_GRAM_PATH = "normal: the ridge path on the Gram matrix";

    /**
     * Whether a dense cross-validation's ridge paths run on the Gram matrix ({@link GramRidgePath}): a pure l2 penalty with
     * positive factors, auto or normal, the cpu backend, no more columns than rows, the path's n × n matrices within the
     * direct solvers' budget ({@link GramRidgePath#memory}) — the reason, or null for the paths over X (a normal-equations solve
     * per α: a Gram pass, a Cholesky factor and the refinement's passes each, 600 of them for 100 α's and 5 folds).
     */
    private static String ridgeGramChoice(ResidentProblem p, FitConfig config) {
        long rows = p.rows();
        long cols = p.cols();
        Solver s = config.solver();
        if (!(s.isAuto() || s == Solver.NORMAL) || !"cpu".equals(p.backendName()) // (its kernels outlive
                // the problem: LAPACK's; cuda's are the problem's device context)
                || cols > rows || cols > DirectLeastSquares.MAX_COLUMNS
                || !GramRidgePath.applies(config.penalty(), Math.toIntExact(cols))
                || GramRidgePath.memory(cols) > config.directMemoryBudget()) {
            return null;
        }
        return String.format(java.util.Locale.ROOT, "%s (%,d × %,d: one Gram pass over all rows and one over each held-out "
                + "fold, one SVD of G a path, then O(n²) an α; the chosen α fitted again on all rows by the solver asked for)",
                RIDGE_GRAM_PATH, rows, cols);
    }

    /**
     * {@link #ridgeGramChoice} for a sparse X, where the Gram pass weighs its stored entries: taken where the normal
     * equations for one fit would cost at most the dense rule's ~300 cg passes ({@link SolverChoice#chooseSparse} with
     * standard errors asked for) — one such pass a path then serves all its α's, where each α had been a fit over X.
     */
    private static String sparseRidgeGramChoice(LoadedProblem problem, FitConfig config) {
        ResidentProblem p = problem.problem();
        SparseDataset data = problem.sparseSource();
        String choice = data == null ? null : ridgeGramChoice(p, config);
        if (choice == null) {
            return null;
        }
        SolverChoice normal = SolverChoice.chooseSparse(p.rows(), p.cols(), data.x().nonZeros(),
                SparseL1Choice.gramPairs(data.x()), config.directMemoryBudget(), true);
        return normal.solver() != Solver.NORMAL ? null : String.format(java.util.Locale.ROOT, "%s (sparse X, %,d × %,d, %,d "
                + "non-zeros: one sparse Gram pass over all rows and one over each fold's training rows, one SVD of G a path, "
                + "then O(n²) an α; the chosen α fitted again on all rows by the solver asked for)", RIDGE_GRAM_PATH, p.rows(),
                p.cols(), data.x().nonZeros());
    }

    /**
     * A detached ridge path on {@code p}'s Gram statistics, taken now (one Gram pass; a sparse fold's over its training
     * rows): {@link #ridgeGramPath}.
     */
    private static PreparedPath preparedRidgePath(ResidentProblem p, Origin origin, FitConfig config, double[] alphas,
                                                  String choice) {
        GramCoordinateDescent.Statistics statistics = GramCoordinateDescent.Statistics.of(p, config.fitIntercept());
        dev.downhill.spi.DenseKernels kernels = p.denseKernels();
        long rows = p.rows();
        return new PreparedPath(sink -> ridgeGramPath(statistics, origin, rows, config, alphas, choice, kernels, sink), true,
                GramRidgePath.memory(statistics.moment().length));
    }

    /**
     * A ridge path on Gram statistics ({@link GramRidgePath}: one SVD, then each α in O(n²)); the models record the
     * normal solver, a direct solution, and {@code like}'s backend, precision and constant columns.
     */
    private static void ridgeGramPath(GramCoordinateDescent.Statistics statistics, Origin like, long rows, FitConfig config,
                                      double[] alphas, String choice, dev.downhill.spi.DenseKernels kernels, PathSink sink) {
        long start = System.nanoTime();
        GramRidgePath ridge = new GramRidgePath(statistics, config.penalty(), kernels);
        double weightSum = like.weighted() ? Math.scalb(statistics.weightSum(), -like.weightExponent()) : Double.NaN;
        for (int k = 0; k < alphas.length; k++) {
            FitConfig c = config.toBuilder().solver(Solver.NORMAL).penalty(config.penalty().withAlpha(alphas[k])).build();
            FittedModel m = LinearRegression.pathModel(Solver.NORMAL, like.backend(), like.precision(), rows, weightSum, c,
                    ridge.fit(alphas[k]), start, like.constantColumns().clone());
            sink.accept(k, m.withReport(m.report().withSolverChoice(choice)));
            start = System.nanoTime();
        }
    }

    /**
     * The most values (α's × features) of the coefficient path a cross-validation report keeps for its plot (80 MB of
     * float64); a longer one is left out (the report's {@code coefficientPath} null): {@link #path} returns the fits, their θ among them.
     */
    public static final long MAX_COEFFICIENT_PATH_VALUES = 10_000_000;

    /** One cd fit at α from a starting point: {@link GramCoordinateDescent#fit} or {@link ColumnCoordinateDescent#fit}. */
    @FunctionalInterface
    private interface CoordinateDescentFit {
        IterativeResult fit(FitConfig config, double alpha, double[] start);
    }

    /**
     * The path by coordinate descent ({@code cd}: on a Gram matrix or over the columns), each α from the last answer; the
     * models name {@code like}'s backend and precision and {@code rows} training rows. The fitter's data are read only
     * (paths may share Gram statistics).
     */
    private static void cdPath(CoordinateDescentFit cd, int n, double backendWeightSum, Origin like, long rows,
                               FitConfig config, double[] alphas, String choice, PathSink sink) {
        long start = System.nanoTime();
        double[] theta = config.initialCoefficients().values(n);
        InitialCoefficients warm = config.initialCoefficients();
        double weightSum = like.weighted() ? Math.scalb(backendWeightSum, -like.weightExponent()) : Double.NaN; // the caller's
        for (int k = 0; k < alphas.length; k++) {
            double alpha = alphas[k];
            FitConfig c = config.toBuilder().solver(Solver.CD).penalty(config.penalty().withAlpha(alpha))
                    .initialCoefficients(warm).build();
            IterativeResult r = cd.fit(c, alpha, theta);
            FittedModel m = LinearRegression.cdModel(like.backend(), like.precision(), rows, weightSum, c, r, start,
                    like.constantColumns().clone());
            sink.accept(k, m.withReport(m.report().withSolverChoice(choice)));
            theta = r.coefficients();
            // the next fit's recorded warm start is this model's θ, its array shared (not another n values a model)
            warm = InitialCoefficients.sharing(m.coefficientsView());
            start = System.nanoTime();
        }
    }

    /**
     * K-fold cross-validation over the default path ({@value #DEFAULT_PATH_LENGTH} values down to
     * {@value #DEFAULT_PATH_RATIO}·α_max), choosing α by {@code rule}; the folds come from {@code config.seed()}.
     *
     * @return the full-data fit at the chosen α, its report carrying the {@link CrossValidationReport}
     */
    public static FittedModel fit(Dataset data, FitConfig config, int folds, Rule rule) {
        requireNonNull(data, config, rule);
        warnNoStandardErrors(config); // once: the default path may be extended (fitted again) below
        return exactAtChosen(config, onDefaultPath(config, rule, alphasFor -> fitOnPath(data, config, folds, rule, alphasFor)),
                at -> LinearRegression.fitQuietly(data, at));
    }

    /** {@link #fit(Dataset, FitConfig, int, Rule)} with a path of {@code count} values down to ratio·α_max, as given. */
    public static FittedModel fit(Dataset data, FitConfig config, int folds, Rule rule, int count, double ratio) {
        requireNonNull(data, config, rule);
        checkGrid(count, ratio); // before the pass over X that finds α_max
        warnNoStandardErrors(config);
        long started = System.nanoTime();
        return exactAtChosen(config, chosen(fitOnPath(data, config, folds, rule, alphaMax -> alphaGrid(alphaMax, count, ratio)),
                rule, started, config), at -> LinearRegression.fitQuietly(data, at));
    }

    /**
     * The model a cross-validation returns when its ridge paths ran on the Gram matrix ({@link #RIDGE_GRAM_PATH}): the
     * chosen α fitted again on all rows with the solver asked for (auto: the normal equations, refined), so that it is
     * the model a fit at that α gives, to its last digits; the cross-validation's report and reason kept, the wall time
     * both. Any other model as it is.
     */
    private static FittedModel exactAtChosen(FitConfig config, FittedModel chosen,
                                             java.util.function.Function<FitConfig, FittedModel> fit) {
        if (!chosen.report().solverChoice().startsWith(RIDGE_GRAM_PATH)) {
            return chosen;
        }
        CrossValidationReport cv = chosen.report().crossValidation();
        long start = System.nanoTime();
        // (standard errors off for the refit: a penalised fit has none, and the cross-validation warned once)
        FittedModel exact = fit.apply(config.toBuilder().penalty(config.penalty().withAlpha(cv.chosenAlpha()))
                .listener(IterationListener.NONE).standardErrors(false).build());
        exact = exact.withConfig(exact.config().toBuilder().standardErrors(config.standardErrors()).listener(config.listener())
                .build());
        String again = exact.report().solverChoice().isEmpty() ? exact.solver().cliName() : exact.report().solverChoice();
        return exact.withReport(exact.report().withCrossValidation(cv).withSolverChoice(chosen.report().solverChoice()
                + "; at the chosen α: " + again)).withWallTime(chosen.wallTime().plusNanos(System.nanoTime() - start));
    }

    /**
     * The cross-validation table over the α's {@code alphasFor} gives for α_max: each fold's validation errors and the
     * full-data path's models.
     */
    /** The null checks of every cross-validation, in parameter order, before any work. */
    private static void requireNonNull(Object data, FitConfig config, Rule rule) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(rule, "rule");
    }

    /** One warning for a path or cross-validation asked for standard errors: its fits are penalised, so none has them. */
    private static void warnNoStandardErrors(FitConfig config) {
        if (config.standardErrors()) {
            org.slf4j.LoggerFactory.getLogger(LinearRegression.class).warn("standard errors not computed: the fits of a "
                    + "regularization path or cross-validation are penalised, and the least-squares formulas do not apply");
        }
    }

    private static PathTable fitOnPath(Dataset data, FitConfig config, int folds, Rule rule,
                                       java.util.function.DoubleFunction<double[]> alphasFor) {
        long m = data.rows();
        checkRequest(config, rule, folds, m);
        try (Dataset.Use use = data.use()) { // data cannot be closed under the full path or the folds, which read it too
            return denseTable(data, config, folds, m, alphasFor);
        }
    }

    /** {@code listener} called one call at a time, whichever thread calls it (the folds' paths run on several). */
    private static IterationListener serialised(IterationListener listener) {
        if (listener == IterationListener.NONE) {
            return listener;
        }
        Object lock = new Object();
        return (iteration, loss, gradientNorm) -> {
            synchronized (lock) {
                return listener.onIteration(iteration, loss, gradientNorm);
            }
        };
    }

    private static PathTable denseTable(Dataset data, FitConfig requested, int folds, long m,
                                        java.util.function.DoubleFunction<double[]> alphasFor) {
        FitConfig config = requested.toBuilder().listener(serialised(requested.listener())).build();
        double[] alphas;
        List<FittedModel> fullOnX = null;
        String gramChoice;
        GramCoordinateDescent.Statistics all = null;
        Origin origin;
        int k = LinearRegression.weightExponent(data); // every fold is loaded with the full data's weight scale
        PreparedPath fullPrepared = null;
        dev.downhill.spi.DenseKernels ridgeKernels = null; // the ridge path on the Gram matrix: its SVDs' kernels
        try (LoadedProblem problem = LinearRegression.load(data, config, k)) {
            alphas = alphasFor.apply(alphaMax(problem.problem(), config.fitIntercept(), config.penalty()));
            Origin plain = Origin.of(problem.problem(), k);
            fullPrepared = preparedWidePath(problem.problem(), plain, config, alphas, CV_HELD_COPIES, true); // wide X: its columns
            gramChoice = fullPrepared == null ? GramCoordinateDescent.choosePath(problem.problem(), config) : null;
            if (gramChoice == null && fullPrepared == null) { // a ridge: the path on the Gram matrix too, one SVD a path
                gramChoice = ridgeGramChoice(problem.problem(), config);
                ridgeKernels = gramChoice != null ? problem.problem().denseKernels() : null;
            }
            origin = gramChoice != null ? plain.naming(problem.problem(), config.fitIntercept()) : plain; // the full Gram path's
            if (gramChoice != null) {
                try {
                    all = GramCoordinateDescent.Statistics.of(problem.problem(), config.fitIntercept());
                } catch (ArithmeticException e) { // XᵀX beyond float64, or columns too small to square: the ridge's fits
                    if (ridgeKernels == null) {     // over X choose their own solver (svd where normal refuses); cd has none
                        throw e;
                    }
                    gramChoice = null;
                    ridgeKernels = null;
                    origin = plain;
                }
            }
            if (gramChoice == null && fullPrepared == null) {
                fullOnX = xPath(problem, config, alphas);
            }
        }
        // On the Gram path every path (the full data's, each fold's) is coordinate descent on its own n × n statistics,
        // single-threaded and independent of the others: they run side by side on the cores, as many at once as the
        // direct-memory budget holds matrices (each path's answers do not depend on the others or on the order)
        int parallel = all != null && ridgeKernels != null ? concurrentPaths(GramRidgePath.memory(data.cols()), config)
                : all != null ? concurrentPaths(Math.toIntExact(data.cols()), config)
                : fullPrepared != null ? concurrentPaths(fullPrepared.bytes(), config) : 1;
        ExecutorService pool = parallel > 1 ? Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "downhill-cv-path");
            t.setDaemon(true);
            return t;
        }) : null;
        try {
            final GramCoordinateDescent.Statistics allRows = all;
            final double[] grid = alphas;
            final dev.downhill.spi.DenseKernels kernels = ridgeKernels;
            final String choice = gramChoice;
            StatisticsPath onGram = (statistics, like, rows, sink) -> {
                if (kernels != null) {
                    ridgeGramPath(statistics, like, rows, config, grid, choice, kernels, sink);
                } else {
                    gramPath(statistics, like, rows, config, grid, choice, sink);
                }
            };
            // at most `parallel` paths hold their matrices at once: a fold's statistics are made once a slot is free
            java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(parallel);
            Future<List<FittedModel>> fullPath = null;
            if (all != null) {
                acquire(slots);
                Origin fullOrigin = origin;
                fullPath = submit(pool, slots, () -> held(sink -> onGram.run(allRows, fullOrigin, m, sink)));
            } else if (fullPrepared != null) {
                acquire(slots);
                fullPath = submit(pool, slots, fullPrepared.heldModels());
            }
            long[] order = CounterBasedSampler.epochOrder(config.seed() ^ FOLD_SALT, 0, m);
            List<Future<double[]>> foldErrors = new ArrayList<>(folds);
            for (int f = 0; f < folds; f++) {
                int from = (int) (f * m / folds);
                int to = (int) ((f + 1) * m / folds);
                boolean[] held = held(order, m, f, folds);
                int n = Math.toIntExact(data.cols());
                double[][] validationX = new double[n][to - from]; // by column: a model's predictions are axpys over its support
                double[] validationY = new double[to - from];
                double[] validationW = new double[to - from];
                double validationWeight = 0;
                for (int q = from; q < to; q++) {
                    double[] row = data.row(order[q]);
                    for (int j = 0; j < n; j++) {
                        validationX[j][q - from] = row[j];
                    }
                    validationY[q - from] = data.y(order[q]);
                    validationW[q - from] = Math.scalb(data.weight(order[q]), k); // the folds' scale: ratios, exact
                    validationWeight += validationW[q - from];
                }
                if (!(validationWeight > 0)) {
                    throw zeroWeightFold(f, folds);
                }
                double heldWeight = validationWeight;
                if (all != null) { // the training fold's Gram matrix = all rows' − the held-out rows' (one small pass)
                    GramCoordinateDescent.Statistics training;
                    Origin foldOrigin;
                    acquire(slots);
                    try (Dataset heldOut = subset(data, held, true); LoadedProblem problem = LinearRegression.load(heldOut, config, k)) {
                        training = all.without(GramCoordinateDescent.Statistics.of(problem.problem(), config.fitIntercept()));
                        foldOrigin = Origin.of(problem.problem(), k);
                    }
                    long trainingRows = m - (to - from);
                    PathRun foldPath = sink -> onGram.run(training, foldOrigin, trainingRows, sink);
                    foldErrors.add(submit(pool, slots, new PreparedPath(foldPath, true, 0).errors(grid.length,
                            model -> validationError(model, validationX, validationY, validationW, heldWeight))));
                } else {
                    acquire(slots); // at most `parallel` prepared paths hold their copies at once
                    boolean submitted = false;
                    try (Dataset training = subset(data, held, false); LoadedProblem problem = LinearRegression.load(training, config, k)) {
                        PreparedPath wide = fullPrepared != null ? preparedWidePath(problem.problem(), Origin.of(problem.problem(), k),
                                config, alphas, 1, false) : null;
                        PreparedPath path = wide != null ? wide : new PreparedPath(sink -> xPath(problem, config, alphas, sink),
                                false, 0);
                        submitted = path.detached();
                        foldErrors.add(runFold(pool, slots, path, alphas.length, model -> validationError(model, validationX,
                                validationY, validationW, heldWeight)));
                    } finally {
                        if (!submitted) {
                            slots.release();
                        }
                    }
                }
            }
            double[][] mse = new double[folds][];
            for (int f = 0; f < folds; f++) {
                mse[f] = get(foldErrors.get(f));
            }
            return new PathTable(alphas, fullPath == null ? fullOnX : get(fullPath), mse);
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    /**
     * K-fold cross-validation on sparse X over the default path, as {@link #fit(Dataset, FitConfig, int, Rule)} does on
     * dense X (the same folds for the same seed, the same grid, the same rules): every path runs over X with the
     * configured solver, or on the Gram matrix with cd named or chosen ({@link GramCoordinateDescent#choosePath}), each
     * fold's training rows copied as CSR (X is not densified; a fold's stored entries must stay below 2³¹). With {@link Solver#SVD} named, X is densified once when its
     * dense copy fits {@link FitConfig#directMemoryBudget()} (as {@link LinearRegression#fit(SparseDataset, FitConfig)}
     * does; refused above it, before any work) and the cross-validation is {@link #fit(Dataset, FitConfig, int, Rule)}'s on
     * that copy — the same folds, grid and rules — the copy closed at the end.
     */
    public static FittedModel fit(SparseDataset data, FitConfig config, int folds, Rule rule) {
        requireNonNull(data, config, rule);
        if (config.solver() == Solver.SVD) {
            return onDensified(data, config, dense -> fit(dense, config, folds, rule));
        }
        warnNoStandardErrors(config); // once: the default path may be extended (fitted again) below
        return exactAtChosen(config, onDefaultPath(config, rule, alphasFor -> fitOnPath(data, config, folds, rule, alphasFor)),
                at -> LinearRegression.fitQuietly(data, at));
    }

    /** {@link #fit(SparseDataset, FitConfig, int, Rule)} with a path of {@code count} values down to ratio·α_max, as given. */
    public static FittedModel fit(SparseDataset data, FitConfig config, int folds, Rule rule, int count, double ratio) {
        requireNonNull(data, config, rule);
        if (config.solver() == Solver.SVD) {
            return onDensified(data, config, dense -> fit(dense, config, folds, rule, count, ratio));
        }
        checkGrid(count, ratio); // before the pass over X that finds α_max
        warnNoStandardErrors(config);
        long started = System.nanoTime();
        return exactAtChosen(config, chosen(fitOnPath(data, config, folds, rule, alphaMax -> alphaGrid(alphaMax, count, ratio)),
                rule, started, config), at -> LinearRegression.fitQuietly(data, at));
    }

    /**
     * {@code crossValidation} run on a dense copy of {@code data} (svd named): refused before any work when the copy
     * exceeds {@link FitConfig#directMemoryBudget()}; else the copy is made once, owned here, closed once.
     */
    private static FittedModel onDensified(SparseDataset data, FitConfig config,
                                           java.util.function.Function<Dataset, FittedModel> crossValidation) {
        SparseDensification.checkAffordable(data.rows(), data.cols(), data.x().nonZeros(), data.precision(),
                config.directMemoryBudget());
        try (SparseDataset.Use use = data.use(); Dataset copy = SparseDensification.densify(data)) {
            SparseDensification.logDensified(data, config.directMemoryBudget());
            return crossValidation.apply(copy);
        }
    }

    /**
     * The cross-validation table over the α's {@code alphasFor} gives for α_max: each fold's validation errors and the
     * full-data path's models.
     */
    private static PathTable fitOnPath(SparseDataset data, FitConfig config, int folds, Rule rule,
                                       java.util.function.DoubleFunction<double[]> alphasFor) {
        long m = data.rows();
        checkRequest(config, rule, folds, m);
        try (SparseDataset.Use use = data.use()) { // data cannot be closed under the folds' passes
            return sparseTable(data, config, folds, m, alphasFor);
        }
    }

    /**
     * The sparse cross-validation's table. Each path — the full data's, each fold's — is prepared on this thread (the
     * fold's training rows copied and loaded, its route's statistics or column copy taken: {@link #preparedPath}); a cd
     * path (single-threaded sweeps on its own copy) then runs on a worker thread while the next is prepared, as many at
     * once as the cores and {@link FitConfig#directMemoryBudget()} allow ({@link #concurrentPaths(double, FitConfig)}; {@link FitConfig#threads()} bounds them); a path
     * over X (nesterov and the other solvers, whose passes use the backend's threads) runs here, one at a time. Each path's
     * answers do not depend on the others or on the order.
     */
    private static PathTable sparseTable(SparseDataset data, FitConfig requested, int folds, long m,
                                         java.util.function.DoubleFunction<double[]> alphasFor) {
        FitConfig config = requested.toBuilder().listener(serialised(requested.listener())).build();
        double[] alphas;
        PreparedPath full;
        List<FittedModel> fullModels = null;
        String ridge;
        try (LoadedProblem problem = LinearRegression.load(data, config)) {
            alphas = alphasFor.apply(alphaMax(problem.problem(), config.fitIntercept(), config.penalty()));
            ridge = sparseRidgeGramChoice(problem, config);
            PreparedPath onGram = null;
            if (ridge != null) {
                try {
                    onGram = preparedRidgePath(problem.problem(), Origin.of(problem.problem(), problem.weightExponent())
                            .naming(problem.problem(), config.fitIntercept()), config, alphas, ridge);
                } catch (ArithmeticException e) { // XᵀX beyond float64, or columns too small to square: fits over X
                    ridge = null;
                }
            }
            full = onGram != null ? onGram : preparedPath(problem, config, alphas);
            if (!full.detached()) {
                fullModels = call(full.heldModels());
            }
        }
        int parallel = full.detached() ? concurrentPaths(full.bytes(), config) : 1;
        ExecutorService pool = parallel > 1 ? Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "downhill-cv-path");
            t.setDaemon(true);
            return t;
        }) : null;
        long[] order = CounterBasedSampler.epochOrder(config.seed() ^ FOLD_SALT, 0, m);
        int k = LinearRegression.weightExponent(data);
        // the folds' rows from a view with the weights near 1 (WeightScale), so that the validation errors' wᵢrᵢ² keep range
        SparseDataset scaled = k == 0 ? data : data.withWeightsScaledBy(k);
        try {
            java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(parallel);
            Future<List<FittedModel>> fullPath = CompletableFuture.completedFuture(fullModels);
            if (full.detached()) {
                acquire(slots);
                fullPath = submit(pool, slots, full.heldModels());
            }
            SparseFolds split = new SparseFolds(scaled);
            List<Future<double[]>> foldErrors = new ArrayList<>(folds);
            for (int f = 0; f < folds; f++) {
                boolean[] held = held(order, m, f, folds);
                SparseFolds.Validation validation = split.validation(held);
                if (!(validation.weightSum() > 0)) {
                    throw zeroWeightFold(f, folds);
                }
                acquire(slots); // at most `parallel` prepared paths hold their copies at once
                boolean submitted = false;
                try (SparseDataset training = split.training(held); LoadedProblem problem = LinearRegression.load(training, config)) {
                    PreparedPath path = ridge != null ? preparedRidgePath(problem.problem(), Origin.of(problem.problem(),
                            problem.weightExponent()), config, alphas, ridge) : preparedPath(problem, config, alphas);
                    submitted = path.detached();
                    foldErrors.add(runFold(pool, slots, path, alphas.length, validation::error));
                } finally {
                    if (!submitted) {
                        slots.release();
                    }
                }
            }
            double[][] mse = new double[folds][];
            for (int f = 0; f < folds; f++) {
                mse[f] = get(foldErrors.get(f));
            }
            return new PathTable(alphas, get(fullPath), mse);
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
            if (scaled != data) {
                scaled.close();
            }
        }
    }

    /** A cross-validation table: the path's α's, the full-data path's models and each fold's errors ({@code mse[f][k]}). */
    private record PathTable(double[] alphas, List<FittedModel> full, double[][] mse) {
        /** This table followed by {@code tail}'s α's (further down the path). */
        PathTable append(PathTable tail) {
            double[] a = java.util.Arrays.copyOf(alphas, alphas.length + tail.alphas.length);
            System.arraycopy(tail.alphas, 0, a, alphas.length, tail.alphas.length);
            List<FittedModel> models;
            if (full instanceof PathModels head && tail.full instanceof PathModels rest) {
                models = head.followedBy(rest); // not made again: held as they are
            } else {
                models = new ArrayList<>(full);
                models.addAll(tail.full);
            }
            double[][] errors = new double[mse.length][];
            for (int f = 0; f < mse.length; f++) {
                errors[f] = java.util.Arrays.copyOf(mse[f], mse[f].length + tail.mse[f].length);
                System.arraycopy(tail.mse[f], 0, errors[f], mse[f].length, tail.mse[f].length);
            }
            return new PathTable(a, models, errors);
        }
    }

    /**
     * The cross-validation on the default path, then, while {@link #extendsPath} says so, on the α's that continue it
     * {@value #DEFAULT_PATH_RATIO}× further down at the same spacing: only the new α's are fitted (each fold's path and the
     * full data's start again from the configured initial coefficients at the first of them), and the table grows.
     */
    private static FittedModel onDefaultPath(FitConfig config, Rule rule,
                                             java.util.function.Function<java.util.function.DoubleFunction<double[]>, PathTable> run) {
        long started = System.nanoTime();
        PathTable table = run.apply(alphaMax -> alphaGrid(alphaMax, DEFAULT_PATH_LENGTH, DEFAULT_PATH_RATIO));
        FittedModel model = chosen(table, rule, started, config);
        for (int k = 1; k <= RIDGE_EXTENSIONS && extendsPath(config, model); k++) {
            int from = extendedCount(DEFAULT_PATH_LENGTH, k - 1);
            int count = extendedCount(DEFAULT_PATH_LENGTH, k);
            double ratio = Math.pow(DEFAULT_PATH_RATIO, k + 1);
            table = table.append(run.apply(alphaMax -> java.util.Arrays.copyOfRange(alphaGrid(alphaMax, count, ratio), from, count)));
            model = chosen(table, rule, started, config);
        }
        return model;
    }

    /**
     * Whether a ridge path goes on, further down: the penalty has no l1 term (ρ = 0), the solver fits one α cheaply (auto,
     * normal, svd, cg: gd and nesterov crawl at tiny α on ill-conditioned X), and the least mean validation error came
     * at the path's smallest α, still falling there ({@link CrossValidationReport#minimumAtPathEnd()}).
     */
    private static boolean extendsPath(FitConfig config, FittedModel model) {
        Solver s = config.solver();
        boolean cheapPerAlpha = s == Solver.AUTO || !s.isIterative() || s == Solver.CG; // gd, nesterov, sgd: slow at tiny α
        return cheapPerAlpha && config.penalty().l1Ratio() == 0 && model.report().crossValidation().minimumAtPathEnd();
    }

    /** The values of a path of {@code count} values extended {@code k} times by as many decades at the same spacing. */
    private static int extendedCount(int count, int k) {
        return Math.toIntExact((long) (count - 1) * (k + 1) + 1);
    }

    /**
     * Refuses, before any work, what cross-validation cannot do: a checkpoint, folds outside [2, m], no penalty, or a
     * solver that does not take the penalty at α &gt; 0 (cg, normal and svd refuse l1).
     */
    private static void checkRequest(FitConfig config, Rule rule, int folds, long m) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(rule, "rule");
        refuseCheckpoint(config);
        if (folds < 2 || folds > m) {
            throw new IllegalArgumentException("cross-validation needs 2 ≤ folds ≤ rows (" + m + "), got " + folds);
        }
        refuseNoPenalty(config, "cross-validation");
        config.toBuilder().penalty(config.penalty().withAlpha(1)).build();
    }

    /** Fold f's held-out rows (positions [f·m/K, (f+1)·m/K) of {@code order}) flagged by row. */
    private static boolean[] held(long[] order, long m, int f, int folds) {
        boolean[] held = new boolean[Math.toIntExact(m)];
        for (long q = f * m / folds; q < (f + 1) * m / folds; q++) {
            held[(int) order[(int) q]] = true;
        }
        return held;
    }

    private static IllegalArgumentException zeroWeightFold(int f, int folds) {
        return new IllegalArgumentException("cross-validation: every row held out in fold " + (f + 1) + " of " + folds
                + " has weight 0, so its validation error is undefined: use fewer folds or give α explicitly");
    }

    /**
     * The table (mean validation error and its standard error per α, over the folds' errors {@code mse[f][k]}), the α
     * the rule picks, and the full-data path's model at that α carrying the report and the whole run's time.
     */
    /**
     * The full-data path's model at the α {@code rule} chooses, with the cross-validation's report; its configuration
     * records the caller's initial coefficients (the path started each α from the last one's answer: an internal warm
     * start, not an {@code --init}).
     */
    private static FittedModel chosen(PathTable table, Rule rule, long started, FitConfig requested) {
        List<FittedModel> full = table.full();
        double[][] mse = table.mse();
        double[] alphas = table.alphas();
        int folds = mse.length;
        double[] mean = new double[alphas.length];
        double[] se = new double[alphas.length];
        int best = 0;
        for (int k = 0; k < alphas.length; k++) {
            double s = 0;
            for (int f = 0; f < folds; f++) {
                s += mse[f][k];
            }
            mean[k] = s / folds;
            double v = 0;
            for (int f = 0; f < folds; f++) {
                v += (mse[f][k] - mean[k]) * (mse[f][k] - mean[k]);
            }
            se[k] = Math.sqrt(v / (folds - 1)) / Math.sqrt(folds);
            if (mean[k] < mean[best]) {
                best = k;
            }
        }
        int oneSe = best;
        for (int k = 0; k < best; k++) { // alphas decrease: the first within the band is the largest
            if (mean[k] <= mean[best] + se[best]) {
                oneSe = k;
                break;
            }
        }
        int chosen = rule == Rule.MIN ? best : oneSe;
        double[][] coefficientPath = null; // beyond the limit (wide X: 100 × 2²⁰ values is 800 MB) not kept
        int n = full.get(0).coefficients().length;
        if ((double) alphas.length * n <= MAX_COEFFICIENT_PATH_VALUES) {
            coefficientPath = new double[alphas.length][];
            for (int k = 0; k < alphas.length; k++) {
                coefficientPath[k] = full.get(k).coefficients();
            }
        }
        CrossValidationReport report = new CrossValidationReport(folds, rule.cliName(), alphas, mean, se, alphas[best],
                alphas[oneSe], alphas[chosen], coefficientPath);
        FittedModel model = full.get(chosen);
        model = model.withConfig(model.config().toBuilder().initialCoefficients(requested.initialCoefficients())
                .listener(requested.listener()).build());
        return model.withReport(model.report().withCrossValidation(report))
                .withWallTime(java.time.Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * How many Gram paths run at once: the threads the configuration allows ({@link #threads}), as far as the
     * direct-memory budget holds their n × n matrices besides the three the path needs anyway (all rows', a held-out
     * fold's, the training fold's being prepared).
     */
    static int concurrentPaths(int n, FitConfig config) {
        long matrix = 8L * n * n;
        long room = config.directMemoryBudget() / Math.max(1, matrix) - 3;
        return (int) Math.max(1, Math.min(threads(config), room));
    }

    /**
     * How many detached paths (cd on its own copy) run at once: the threads the configuration allows ({@link #threads}),
     * as far as the direct-memory budget holds {@code bytes} (a path's Gram statistics or column copy) for each, besides
     * room for the next fold being prepared (its training rows' copy) — budget / (2·bytes) of them, at least one.
     */
    static int concurrentPaths(double bytes, FitConfig config) {
        double room = Math.floor(config.directMemoryBudget() / Math.max(1, 2 * bytes));
        return (int) Math.max(1, Math.min(threads(config), room));
    }

    /** The threads a cross-validation's paths may use: {@link FitConfig#threads()}, or the cores when it is 0 (all). */
    private static int threads(FitConfig config) {
        int cores = Runtime.getRuntime().availableProcessors();
        return config.threads() > 0 ? config.threads() : cores;
    }

    /**
     * Runs {@code task} on {@code pool} (or here and now without one), releasing one of {@code slots} when it ends; the
     * caller acquired that slot.
     */
    private static <T> Future<T> submit(ExecutorService pool, java.util.concurrent.Semaphore slots, Callable<T> task) {
        Callable<T> releasing = () -> {
            try {
                return task.call();
            } finally {
                slots.release();
            }
        };
        if (pool != null) {
            return pool.submit(releasing);
        }
        try {
            return CompletableFuture.completedFuture(releasing.call());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void acquire(java.util.concurrent.Semaphore slots) {
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /**
     * The calling thread was interrupted while it waited for a fold or a free slot: a {@link FitInterruptedException}
     * (as every fit stopped by an interrupt; {@link FitInterruptedException#threadInterrupted()} true), its flag set again.
     */
    private static FitInterruptedException interrupted(InterruptedException cause) {
        Thread.currentThread().interrupt();
        FitInterruptedException e = new FitInterruptedException(0, null, true);
        e.initCause(cause);
        return e;
    }

    /** The task's result; its exception as thrown (an interrupt is kept for the caller). */
    private static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            throw interrupted(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Σᵢ wᵢ(yᵢ − xᵢᵀθ − b)² / Σw over the validation rows (the MSE when every weight is 1), X given by column
     * ({@code x[j][i]}); r = y − b − Σ_{θⱼ≠0} θⱼ·x[j] over θ's support (a lasso path's θ is mostly zero at its large α).
     */
    private static double validationError(FittedModel model, double[][] x, double[] y, double[] w, double weightSum) {
        double[] theta = model.coefficients();
        double b = model.intercept();
        double[] r = new double[y.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = y[i] - b;
        }
        for (int j = 0; j < theta.length; j++) {
            double t = theta[j];
            if (t != 0) {
                double[] column = x[j];
                for (int i = 0; i < r.length; i++) {
                    r[i] -= t * column[i];
                }
            }
        }
        double s = 0;
        for (int i = 0; i < r.length; i++) {
            s += w[i] * r[i] * r[i];
        }
        return s / weightSum;
    }

    /** The rows whose {@code held} flag is {@code take} (and their weights), copied in the data's precision. */
    private static Dataset subset(Dataset data, boolean[] held, boolean take) {
        int n = Math.toIntExact(data.cols());
        int rows = 0;
        for (boolean h : held) {
            rows += h == take ? 1 : 0;
        }
        if ((long) rows * n >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cross-validation copies each fold's " + (take ? "held-out" : "training")
                    + " rows: " + rows + " × " + n
                    + " is beyond a Java array");
        }
        boolean single = data.precision() == Precision.FLOAT32;
        double[] xd = single ? null : new double[rows * n];
        float[] xf = single ? new float[rows * n] : null;
        double[] yd = single ? null : new double[rows];
        float[] yf = single ? new float[rows] : null;
        double[] w = data.isWeighted() ? new double[rows] : null;
        int r = 0;
        for (int i = 0; i < held.length; i++) {
            if (held[i] != take) {
                continue;
            }
            for (int j = 0; j < n; j++) {
                double v = data.x(i, j);
                if (single) {
                    xf[r * n + j] = (float) v;
                } else {
                    xd[r * n + j] = v;
                }
            }
            if (single) {
                yf[r] = (float) data.y(i);
            } else {
                yd[r] = data.y(i);
            }
            if (w != null) {
                w[r] = data.weight(i);
            }
            r++;
        }
        if (w != null) {
            boolean any = false;
            for (double v : w) {
                any |= v > 0;
            }
            if (!any) {
                throw new IllegalArgumentException("cross-validation: every " + (take ? "held-out" : "training")
                        + " row of a fold has weight 0: use fewer folds or give α explicitly");
            }
        }
        if (w == null) {
            return single ? Dataset.ofRowMajor(xf, rows, n, yf) : Dataset.ofRowMajor(xd, rows, n, yd);
        }
        return single ? Dataset.ofRowMajor(xf, rows, n, yf, w) : Dataset.ofRowMajor(xd, rows, n, yd, w);
    }
}
