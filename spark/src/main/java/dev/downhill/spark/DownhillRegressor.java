package dev.downhill.spark;

import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LoadedProblem;
import dev.downhill.Penalty;
import dev.downhill.Solver;
import dev.downhill.internal.FrontEnds;
import dev.downhill.internal.ConvergenceWarning;
import dev.downhill.internal.AccuracyWarning;
import dev.downhill.internal.RankDeficiencyWarning;
import dev.downhill.spi.BackendOptions;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamPair;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * downhill's linear regression as a Spark ML {@code Estimator} ({@code Predictor}): fits y ≈ Xθ + b on a DataFrame of
 * feature vectors (dense or sparse) and labels, optionally weighted, and produces a {@link DownhillRegressionModel}. Each
 * partition is loaded once into a downhill problem on its executor; core's solvers run on the driver, one Spark job per
 * pass over X ({@link SparkResidentProblem}); no rows are brought to the driver.
 *
 * <p>Params follow Spark's {@code LinearRegression} where it has the same one, with its meaning, so a pipeline can swap
 * one for the other: featuresCol, labelCol, weightCol (no default, as Spark's: unset or empty, unweighted), predictionCol,
 * fitIntercept, regParam (λ), elasticNetParam (a), standardization, maxIter (≥ 0), tol (≥ 0; see {@link IterationBounds}
 * for 0 and ≥ 1), aggregationDepth, solver (Spark's auto, normal and l-bfgs among downhill's), and Spark's loss, epsilon
 * and maxBlockSizeInMB, which do nothing here ({@link SparkOnlyParams}: a loss but squaredError is refused, the others
 * warned about). The objective is Spark's,
 * <pre>
 *   (1/(2Σw))·Σᵢ wᵢ(yᵢ − xᵢᵀθ − b)²  +  λ·a·Σⱼ sⱼ|θⱼ|  +  (λ(1−a)/(2σ_y))·Σⱼ sⱼ²θⱼ²
 * </pre>
 * with sⱼ = σⱼ (the column's standard deviation) when standardization is true, else 1, and σ_y the label's, both
 * weighted and divided by Σw, as Spark's normal solver (WeightedLeastSquares) computes them. (Spark's l-bfgs path divides
 * by Σw − Σw²/Σw instead, so its λ differs from the normal solver's by a factor 1 + O(1/m); downhill follows the normal
 * solver, which is also glmnet's convention.) It is expressed through core's {@link Penalty}: l1
 * (a = 1) is {@code Penalty.l1(λ)} with factors sⱼ, l2 (a = 0) is {@code Penalty.l2(λ/σ_y)} with factors sⱼ², and an
 * elastic net is {@code Penalty.elasticNet(α, ρ)} with α = λa + λ(1−a)/σ_y, ρ = λa/α — with standardization its l1
 * factors sⱼ and its l2 term's own factors sⱼ² ({@link Penalty#withL2PenaltyFactors}).
 *
 * <p>Params of its own: solver (gd, nesterov, cg, normal, svd, cd, auto — auto is core's choice; Spark's l-bfgs is cg, or
 * nesterov with an l1 term; sgd and minibatch are refused: each step would be a Spark job), backend (cpu, cuda or auto,
 * chosen on each executor), threads (per task, default 1 — Spark runs one task per core).
 *
 * <p>A fit that stops at maxIter before meeting tol (&gt; 0) is returned as usual, with a warning on the driver's
 * logger {@value #CONVERGENCE_LOGGER} in these params' names (Spark's l-bfgs logs a like one); maxIter 0 and tol ≥ 1
 * stop at the start, asked for, and warn nothing. Solver svd on X below full rank warns on {@value #RANK_LOGGER} (core's
 * warning, with advice a Spark user can follow: {@link #RANK_ADVICE}).
 */
public final class DownhillRegressor extends Predictor<Vector, DownhillRegressor, DownhillRegressionModel>
        implements DownhillRegressionParams, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    /**
     * The most features for which Spark's solver auto runs its normal solver (WeightedLeastSquares.MAX_NUM_FEATURES),
     * whose summary has standard errors: up to here, on dense rows without regParam, auto computes them too.
     */
    static final int SPARK_NORMAL_MAX_FEATURES = 4096;
    /** The logger of the warning that a fit stopped at maxIter before meeting tol (core's, in Spark's param names). */
    public static final String CONVERGENCE_LOGGER = "dev.downhill.spark.DownhillRegressor.convergence";
    private static final org.slf4j.Logger CONVERGENCE_LOG = org.slf4j.LoggerFactory.getLogger(CONVERGENCE_LOGGER);
    /** The logger of the warning that solver svd found X rank deficient (core's, with advice a Spark user can follow). */
    public static final String RANK_LOGGER = "dev.downhill.spark.DownhillRegressor.rank";
    private static final org.slf4j.Logger RANK_LOG = org.slf4j.LoggerFactory.getLogger(RANK_LOGGER);
    /**
     * The logger of the warning that a gradient fit (l-bfgs, cg, gd, nesterov) stopped with coefficients its gradient does
     * not vouch for on ill-conditioned X (core's {@code AccuracyWarning}, in Spark's param names).
     */
    public static final String ACCURACY_LOGGER = "dev.downhill.spark.DownhillRegressor.accuracy";
    private static final org.slf4j.Logger ACCURACY_LOG = org.slf4j.LoggerFactory.getLogger(ACCURACY_LOGGER);
    /** What a Spark user can do about it: this estimator's exact solvers, or a smaller tol. */
    static final String ACCURACY_ADVICE = "use solver normal or svd, or a smaller tol";
    /**
     * What a Spark user can do about an svd fit below full rank: core's advice names its rank cutoff, which no param here
     * sets (Spark's LinearRegression has none).
     */
    static final String RANK_ADVICE = "rescale them (e.g. Spark's StandardScaler; the standardization param scales only the "
            + "penalty, not X) or add a ridge term (regParam > 0 with elasticNetParam < 1); the cutoff, max(m, n)·ε, is no "
            + "param here";

    static {
        NativeBlasGuard.apply();
    }


    /** Spark's quasi-Newton solver's name, accepted and mapped to downhill's nearest ({@link #solverOf}). */
    static final String SPARK_LBFGS = "l-bfgs";

    private final String uid;
    private final Declared params;

    public DownhillRegressor() {
        this(Identifiable$.MODULE$.randomUID("downhillReg"));
    }

    public DownhillRegressor(String uid) {
        this(Uids.pending(uid));
    }

    /** Spark's superclass makes its params in its constructor and asks {@link #uid()} then: the uid waits in {@link Uids}. */
    private DownhillRegressor(Uids.Pending pending) {
        this.uid = pending.take();
        this.params = new Declared(this);
        for (ParamPair<?> p : params.defaults()) {
            defaultOf(p);
        }
    }

    @Override
    public String uid() {
        return uid != null ? uid : Uids.current();
    }

    private <T> void defaultOf(ParamPair<T> p) {
        setDefault(p.param(), p.value());
    }

    @Override
    public Declared declaredParams() {
        return params;
    }

    public DownhillRegressor setWeightCol(String v) {
        return (DownhillRegressor) set(weightCol(), v);
    }

    public DownhillRegressor setFitIntercept(boolean v) {
        return (DownhillRegressor) set(fitIntercept(), v);
    }

    public DownhillRegressor setRegParam(double v) {
        return (DownhillRegressor) set(regParam(), v);
    }

    public DownhillRegressor setElasticNetParam(double v) {
        return (DownhillRegressor) set(elasticNetParam(), v);
    }

    public DownhillRegressor setStandardization(boolean v) {
        return (DownhillRegressor) set(standardization(), v);
    }

    public DownhillRegressor setSolver(String v) {
        return (DownhillRegressor) set(solver(), v);
    }

    public DownhillRegressor setMaxIter(int v) {
        return (DownhillRegressor) set(maxIter(), v);
    }

    public DownhillRegressor setTol(double v) {
        return (DownhillRegressor) set(tol(), v);
    }

    public DownhillRegressor setBackend(String v) {
        return (DownhillRegressor) set(backend(), v);
    }

    public DownhillRegressor setThreads(int v) {
        return (DownhillRegressor) set(threads(), v);
    }

    public DownhillRegressor setAggregationDepth(int v) {
        return (DownhillRegressor) set(aggregationDepth(), v);
    }

    /** Spark's loss: only squaredError (its default) is fitted; the fit refuses huber. */
    public DownhillRegressor setLoss(String v) {
        return (DownhillRegressor) set(loss(), v);
    }

    /** Spark's huber shape (&gt; 1): no effect here (downhill fits squared error); a value other than 1.35 is warned about. */
    public DownhillRegressor setEpsilon(double v) {
        return (DownhillRegressor) set(epsilon(), v);
    }

    /** Spark's block size for its own solvers (&gt;= 0): no effect here; a value other than 0 is warned about. */
    public DownhillRegressor setMaxBlockSizeInMB(double v) {
        return (DownhillRegressor) set(maxBlockSizeInMB(), v);
    }

    @Override
    public DownhillRegressor copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<DownhillRegressor> read() {
        return new DefaultParamsReader<>();
    }

    public static DownhillRegressor load(String path) {
        return read().load(path);
    }

    @Override
    public DownhillRegressionModel train(Dataset<?> dataset) {
        long start = System.nanoTime();
        SparkOnlyParams.check(this);
        String w = WeightColumn.of(this);
        boolean weighted = w != null;
        if (weighted) { // as Spark's LinearRegression: a boolean or string column is refused, not cast (true → 1, text → null)
            org.apache.spark.sql.types.StructType schema = dataset.schema();
            if (!java.util.Arrays.asList(schema.fieldNames()).contains(w)) {
                throw new IllegalArgumentException("column '" + w + "' (the weightCol) is not in the dataset (its columns: "
                        + String.join(", ", schema.fieldNames()) + ")");
            }
            org.apache.spark.sql.types.DataType type = schema.apply(w).dataType();
            if (!(type instanceof org.apache.spark.sql.types.NumericType)) {
                throw new IllegalArgumentException("column '" + w + "' (the weightCol) is of type " + type.simpleString()
                        + ", not numeric");
            }
        }
        String features = $(featuresCol());
        String label = $(labelCol());
        Column[] columns = weighted
                ? new Column[] {functions.col(features), functions.col(label).cast("double"), functions.col(w).cast("double")}
                : new Column[] {functions.col(features), functions.col(label).cast("double")};
        JavaRDD<Row> rows = dataset.select(columns).toJavaRDD();
        int cores = (Integer) $(threads());
        boolean l1 = (Double) $(regParam()) > 0 && (Double) $(elasticNetParam()) > 0;
        Solver chosen = solverOf($(solver()), l1);
        checkPenalty(chosen, (Double) $(regParam()), (Double) $(elasticNetParam()));
        if (chosen == Solver.NORMAL && l1) {
            // an l1 term on the normal equations' statistics: Spark's normal solver fits it (OWL-QN on the Gram matrix);
            // downhill's way is coordinate descent on the same Gram matrix (one Gram pass, then no pass over X)
            chosen = Solver.CD;
        }
        PartitionProblem.Layout layout = new PartitionProblem.Layout(features, label, weighted ? w : null, $(backend()), cores,
                chosen == Solver.SVD || chosen == Solver.CD);
        IterationBounds bounds = new IterationBounds((Integer) $(maxIter()), (Double) $(tol()));
        FitConfig.Builder config = FitConfig.builder()
                .solver(chosen)
                .listener(bounds.listener())
                .fitIntercept((Boolean) $(fitIntercept()))
                // as Spark's summary has them for its normal solver: the exact solvers without a penalty (one more pass)
                .standardErrors((chosen == Solver.NORMAL || chosen == Solver.SVD) && (Double) $(regParam()) == 0);
        if (chosen.isIterative() || chosen.isAuto()) { // the direct solvers have no iterations (core would warn about them)
            config.maxIterations(bounds.maxIterations()).tolerance(bounds.tolerance());
        }
        try (SparkResidentProblem problem = SparkResidentProblem.load(rows, layout, (Integer) $(aggregationDepth()))) {
            config.penalty(penalty(problem));
            boolean normalLikeSpark = chosen == Solver.NORMAL;
            if (chosen == Solver.AUTO && (Double) $(regParam()) == 0 && problem.cols() <= SPARK_NORMAL_MAX_FEATURES) {
                // Spark's auto runs its normal solver here, whose summary has standard errors: on dense rows core's auto then
                // solves exactly (normal, or svd where XᵀX is too ill-conditioned), without its cg trial, and computes them;
                // on CSR rows (where core's auto would run cg) the normal equations from the sparse Gram pass, as Spark's
                config.standardErrors(true);
                if (problem.isSparse()) {
                    config.solver(Solver.NORMAL);
                    normalLikeSpark = true;
                }
            }
            // the handle's close would close the problem: it is closed once, after the summary's pass, by the outer try
            LoadedProblem loaded = LoadedProblem.of(problem, null, BackendOptions.none());
            // core's warnings name its settings (maxIterations, tolerance, rankCutoff): this estimator says them in Spark's terms
            FittedModel fitted;
            try {
                fitted = SparkResidentProblem.unwrap(() -> FrontEnds.fitUnwarned(loaded, config.build()));
            } catch (dev.downhill.SingularMatrixException refused) {
                if (!normalLikeSpark) {
                    throw refused;
                }
                // Spark's normal solver retries a singular XᵀX with its quasi-Newton solver, so a pipeline that names it
                // still fits: downhill retries on the rows already loaded with svd (exact, the minimum-norm answer) where
                // they are held dense, with cg (Spark's l-bfgs here) where they are held as CSR (svd needs them dense)
                Solver retry = problem.isSparse() ? Solver.CG : Solver.SVD;
                RANK_LOG.warn("normal refused: " + refused.getMessage() + " — refitting with " + retry.cliName()
                        + (retry == Solver.SVD ? ", whose answer on dependent columns is the minimum-norm one"
                        : " (the rows are held sparse), without standard errors") + " (as Spark's normal solver retries with "
                        + "its quasi-Newton solver)");
                config.solver(retry);
                if (retry == Solver.CG) {
                    config.standardErrors(false).maxIterations(bounds.maxIterations()).tolerance(bounds.tolerance());
                }
                fitted = SparkResidentProblem.unwrap(() -> FrontEnds.fitUnwarned(loaded, config.build()));
            }
            boolean lbfgs = SPARK_LBFGS.equals($(solver()).trim().toLowerCase(Locale.ROOT));
            String ran = lbfgs ? SPARK_LBFGS + " (run as " + fitted.solver().cliName() + ")" : fitted.solver().cliName();
            ConvergenceWarning.of(fitted, "maxIter", "tol", "solver", ran).ifPresent(CONVERGENCE_LOG::warn);
            RankDeficiencyWarning.of(fitted, RANK_ADVICE).ifPresent(RANK_LOG::warn);
            AccuracyWarning.of(problem, fitted, ran, ACCURACY_ADVICE).ifPresent(ACCURACY_LOG::warn); // X still loaded
            double[] theta = fitted.coefficients();
            double b = fitted.intercept();
            if (bounds.stoppedAtStart(fitted)) { // the starting point itself, θ = 0 and b = ȳ (core's proximal solvers
                theta = new double[theta.length]; // answer with one proximal step from their last point, here the start)
                b = (Boolean) $(fitIntercept()) ? problem.columnStatistics().targetMean() : 0;
                // core's record as the summary has it: that point, and the rule that stopped there (not core's listener)
                fitted = FrontEnds.restated(fitted, theta, b, bounds.stopReason(fitted));
            }
            DownhillRegressionModel model = copyValues(new DownhillRegressionModel(uid, DownhillRegressionModel.dense(theta), b),
                    ParamMap.empty()).setParent(this);
            return model.withTraining(summarize(problem, fitted, theta, b, bounds, model, dataset, start), fitted);
        }
    }

    /**
     * The solver named: downhill's, or Spark's l-bfgs mapped to the nearest of downhill's — cg without an l1 term (both
     * take gradient steps shaped by curvature from earlier steps; on least squares with exact line searches their steps
     * are the same), nesterov with one (Spark's OWL-QN there; downhill's proximal solver, auto's choice for an l1 term).
     *
     * @param l1 whether the penalty has an l1 term (regParam &gt; 0 and elasticNetParam &gt; 0)
     */
    static Solver solverOf(String name, boolean l1) {
        if (name == null) {
            throw new IllegalArgumentException("solver is null: give one of " + String.join(", ", SOLVERS));
        }
        String s = name.trim().toLowerCase(Locale.ROOT);
        if (s.equals("sgd") || s.equals("minibatch")) {
            throw new IllegalArgumentException("solver " + s + " is not offered on Spark (each step would be a Spark job): use gd, "
                    + "nesterov or cg");
        }
        if (s.equals(SPARK_LBFGS)) {
            return l1 ? Solver.NESTEROV : Solver.CG;
        }
        if (!SOLVERS.contains(s)) {
            throw new IllegalArgumentException("unknown solver '" + name + "': downhill's solvers on Spark are "
                    + String.join(", ", SOLVERS) + " (and Spark's l-bfgs, as cg or nesterov)");
        }
        return Solver.parse(s);
    }

    /**
     * Refuses, in these params' terms, a solver that cannot fit the penalty asked for (core would say it in its own, α
     * and ρ, and name solvers this estimator refuses): cg and svd fit no l1 term (regParam &gt; 0 with elasticNetParam
     * &gt; 0), cd fits nothing else.
     */
    static void checkPenalty(Solver chosen, double regParam, double elasticNetParam) {
        boolean l1 = regParam > 0 && elasticNetParam > 0;
        if (l1 && (chosen == Solver.CG || chosen == Solver.SVD)) {
            throw new IllegalArgumentException("solver " + chosen.cliName() + " cannot fit an l1 term (regParam " + regParam
                    + " with elasticNetParam " + elasticNetParam + " > 0): use normal (cd on the Gram matrix), cd, nesterov, gd, "
                    + "l-bfgs or auto");
        }
        if (!l1 && chosen == Solver.CD) {
            throw new IllegalArgumentException("solver cd fits an l1 term only (regParam > 0 and elasticNetParam > 0; got regParam "
                    + regParam + ", elasticNetParam " + elasticNetParam + "): use normal, svd, cg, nesterov, gd, l-bfgs or auto");
        }
    }

    /** Spark's regParam / elasticNetParam / standardization as core's penalty (see the class comment). */
    private Penalty penalty(SparkResidentProblem problem) {
        double lambda = (Double) $(regParam());
        double a = (Double) $(elasticNetParam());
        if (!(lambda > 0)) {
            return Penalty.none();
        }
        boolean standardize = (Boolean) $(standardization());
        double w = problem.weightSum();
        double sy = Math.sqrt(problem.targetSquaredDeviations() / w);
        if (sy == Double.POSITIVE_INFINITY && a < 1) { // λ(1−a)/σ_y would be 0: the l2 term would vanish
            throw new IllegalArgumentException("column '" + $(labelCol()) + "': the labels' standard deviation overflows float64 "
                    + "(labels beyond ~1e154), so the penalty cannot be scaled by it: rescale the labels");
        }
        double mean = problem.columnStatistics().targetMean();
        if (!(sy > 0) && mean != 0 && a < 1 && !(Boolean) $(fitIntercept())) {
            // the l2 term is λ(1−a)/σ_y with σ_y = 0 (with an intercept the answer is θ = 0 and b = the label whatever
            // the scale; without one there is no answer to take); Spark's LinearRegression refuses this too
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "column '%s': every label is %s "
                    + "(standard deviation 0) and fitIntercept is false, so the l2 term λ(1−a)/σ_y has no scale (Spark's "
                    + "LinearRegression refuses this too): set regParam 0, elasticNetParam 1 or fitIntercept true",
                    $(labelCol()), mean));
        }
        if (!(sy > 0)) {
            sy = Math.abs(mean);
        }
        if (!(sy > 0)) { // every label is 0: θ = 0 (and b = 0) minimises the objective whatever the penalty's scale, as Spark answers
            sy = 1;
        }
        int n = (int) problem.cols();
        double[] s = new double[n];
        if (standardize) {
            double[] msd = problem.columnMeanSquaredDeviations(true);
            for (int j = 0; j < n; j++) {
                s[j] = Math.sqrt(msd[j]);
                if (s[j] == Double.POSITIVE_INFINITY) {
                    throw new IllegalArgumentException("column '" + $(featuresCol()) + "': the standard deviation of index " + j
                            + " overflows float64 (values beyond ~1e154), so the penalty cannot be standardized: rescale it, or "
                            + "set standardization false");
                }
            }
        } else {
            java.util.Arrays.fill(s, 1);
        }
        if (a == 1) {
            return Penalty.l1(lambda).withPenaltyFactors(s);
        }
        double[] s2 = new double[n];
        for (int j = 0; j < n; j++) {
            s2[j] = s[j] * s[j];
        }
        if (a == 0) {
            return Penalty.l2(lambda / sy).withPenaltyFactors(s2);
        }
        double alpha = lambda * a + lambda * (1 - a) / sy;
        Penalty net = Penalty.elasticNet(alpha, lambda * a / alpha);
        // with standardization the l1 term's factors are σⱼ and the l2 term's σⱼ²: the l2 term gets its own
        return standardize ? net.withPenaltyFactors(s).withL2PenaltyFactors(s2) : net;
    }

    /**
     * The training summary: one more pass over the loaded partitions, at the answer θ, b, for every metric (the backend's
     * prediction pass and the sums of {@link MetricSums} in each partition).
     */
    private static DownhillRegressionSummary summarize(SparkResidentProblem problem, FittedModel fitted, double[] theta, double b,
                                                       IterationBounds bounds, DownhillRegressionModel model, Dataset<?> dataset,
                                                       long start) {
        double[] sums = problem.pass("metrics", OrderedTreeSum.MOMENTS, p -> p.metricSums(theta, b));
        DownhillRegressionMetrics metrics = model.metricsOf(sums, dataset);
        double mse = metrics.meanSquaredError();
        // the direct solvers record no history: one entry, the objective at the answer, keeps Spark's
        // totalIterations == objectiveHistory.length − 1 (Spark's normal solver gives [0.0])
        double[] history = fitted.lossHistory().length > 0 ? fitted.lossHistory()
                : new double[] {mse + 2 * fitted.config().penalty().value(theta)};
        return new DownhillRegressionSummary(history, mse, Math.sqrt(mse), metrics.r2(), fitted.iterations(),
                fitted.solver().cliName(), bounds.stopReason(fitted).name(), problem.passes(), (System.nanoTime() - start) / 1e9,
                metrics, fitted.inference().map(s -> s.withDegreesOfFreedom(s.degreesOfFreedom() - (problem.rows() - metrics.numInstances())))
                        .orElse(null)); // ν by the rows of positive weight, as Spark's (core counted every loaded row)
    }
}
