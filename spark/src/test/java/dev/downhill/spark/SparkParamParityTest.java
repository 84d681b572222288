package dev.downhill.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DownhillRegressor} against Spark's own {@code LinearRegression} param for param, in one local session: the same
 * params (names, defaults, setters and getters), weightCol without a default, maxIter 0 and the tolerances at the ends
 * of their ranges, Spark's solver names, and Spark's params that do nothing here. Data: {@link DownhillRegressorTest.Data}
 * (200 × 3, weights in [0.5, 2)).
 */
class SparkParamParityTest {
    private static SparkSession spark;
    private static Dataset<Row> frame;
    private static DownhillRegressorTest.Data data;

    @BeforeAll
    static void start() {
        spark = LocalSpark.start("downhill-spark-parity-test");
        data = DownhillRegressorTest.Data.make(200, 3, 5);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < data.y().length; i++) {
            rows.add(RowFactory.create(Vectors.dense(data.x()[i]), data.y()[i], data.w()[i]));
        }
        frame = spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 2),
                DownhillRegressorTest.SCHEMA).cache();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /** Σwᵢyᵢ/Σwᵢ, or the plain mean unweighted. */
    private static double meanLabel(boolean weighted) {
        double sw = 0;
        double swy = 0;
        for (int i = 0; i < data.y().length; i++) {
            double w = weighted ? data.w()[i] : 1;
            sw += w;
            swy += w * data.y()[i];
        }
        return swy / sw;
    }

    private static double[] withIntercept(double[] coefficients, double intercept) {
        double[] out = Arrays.copyOf(coefficients, coefficients.length + 1);
        out[coefficients.length] = intercept;
        return out;
    }

    private static double[] vector(DownhillRegressionModel m) {
        return withIntercept(m.coefficients().toArray(), m.intercept());
    }

    private static double[] vector(LinearRegressionModel m) {
        return withIntercept(m.coefficients().toArray(), m.intercept());
    }

    /**
     * {@code m}'s record in core (its {@code fittedModel()}, what a model file holds) says what its summary does: the
     * starting point it answered with, 0 iterations, and the rule that stopped it there; no iteration-limit warning.
     */
    private static void assertStart(DownhillRegressionModel m, dev.downhill.StopReason reason, String what) {
        dev.downhill.FittedModel f = m.fittedModel();
        assertEquals(reason, f.stopReason(), what);
        assertEquals(reason == dev.downhill.StopReason.CONVERGED, f.converged(), what);
        assertArrayEquals(m.coefficients().toArray(), f.coefficients(), 0.0, what);
        assertEquals(m.intercept(), f.intercept(), 0.0, what);
        assertEquals(0, f.iterations(), what);
        assertTrue(dev.downhill.internal.ConvergenceWarning.of(f, "maxIter", "tol", "solver").isEmpty(), what);
    }

    /** max |a − b| / max(1, |b|) over the components. */
    private static double relativeError(double[] a, double[] b) {
        double e = 0;
        for (int i = 0; i < a.length; i++) {
            e = Math.max(e, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
        }
        return e;
    }

    /**
     * Every param of Spark's LinearRegression and LinearRegressionModel is a param of ours with the same default (or,
     * as weightCol, none), and every public setter and getter of Spark's estimator is ours too, with the same argument
     * types (a pipeline that configures one configures the other).
     */
    @Test
    void hasEverySparkParamWithItsDefaultSetterAndGetter() {
        LinearRegression theirs = new LinearRegression();
        DownhillRegressor ours = new DownhillRegressor();
        LinearRegressionModel theirModel = new LinearRegression().setSolver("normal").fit(frame);
        DownhillRegressionModel ourModel = new DownhillRegressor().setSolver("normal").fit(frame);
        List<String> checked = new ArrayList<>();
        for (Param<?> p : theirs.params()) {
            assertTrue(ours.hasParam(p.name()), "Spark's param " + p.name() + " is missing");
            Param<Object> mine = ours.getParam(p.name());
            assertEquals(theirs.getDefault(p), ours.getDefault(mine), "the default of " + p.name());
            checked.add(p.name());
        }
        for (Param<?> p : theirModel.params()) {
            assertTrue(ourModel.hasParam(p.name()), "Spark's model param " + p.name() + " is missing from the model");
            assertEquals(theirModel.getDefault(p), ourModel.getDefault(ourModel.getParam(p.name())),
                    "the model's default of " + p.name());
        }
        assertTrue(checked.containsAll(List.of("loss", "epsilon", "maxBlockSizeInMB", "weightCol", "maxIter", "tol", "solver")),
                "Spark 4.2's list: " + checked);
        for (Method m : LinearRegression.class.getMethods()) {
            if ((m.getName().startsWith("set") || m.getName().startsWith("get")) && m.getDeclaringClass() != Object.class) {
                try {
                    DownhillRegressor.class.getMethod(m.getName(), m.getParameterTypes());
                } catch (NoSuchMethodException e) {
                    throw new AssertionError("Spark's LinearRegression." + m.getName() + Arrays.toString(m.getParameterTypes())
                            + " is not DownhillRegressor's", e);
                }
            }
        }
        // the model: Spark's setters and getters, and what its LinearRegressionModel offers on top (setSummary is Spark's
        // own, private[regression] in Scala and public only in the bytecode)
        List<String> modelMethods = List.of("coefficients", "intercept", "scale", "summary", "hasSummary", "evaluate",
                "numFeatures", "predict", "write", "copy");
        for (Method m : LinearRegressionModel.class.getMethods()) {
            String name = m.getName();
            boolean accessor = (name.startsWith("set") || name.startsWith("get")) && !name.equals("setSummary");
            if ((accessor || modelMethods.contains(name)) && m.getDeclaringClass() != Object.class) {
                try {
                    DownhillRegressionModel.class.getMethod(name, m.getParameterTypes());
                } catch (NoSuchMethodException e) {
                    throw new AssertionError("Spark's LinearRegressionModel." + name + Arrays.toString(m.getParameterTypes())
                            + " is not DownhillRegressionModel's", e);
                }
            }
        }
        assertEquals(theirModel.scale(), ourModel.scale(), 0.0); // 1: squared error's (Spark's huber scale)
        // the training summary: Spark's documented accessors (its bytecode has private[regression] ones too), but its
        // normal solver's coefficientStandardErrors, tValues, pValues and its devianceResiduals
        for (String name : List.of("objectiveHistory", "totalIterations", "predictions", "predictionCol", "labelCol",
                "featuresCol", "explainedVariance", "meanAbsoluteError", "meanSquaredError", "rootMeanSquaredError", "r2", "r2adj",
                "residuals", "numInstances", "degreesOfFreedom")) {
            try {
                org.apache.spark.ml.regression.LinearRegressionTrainingSummary.class.getMethod(name);
                DownhillRegressionSummary.class.getMethod(name);
            } catch (NoSuchMethodException e) {
                throw new AssertionError("the training summary's " + name + "()", e);
            }
        }
        assertEquals("label", ourModel.summary().labelCol());
        assertEquals("features", ourModel.summary().featuresCol());
        assertEquals(theirModel.summary().predictionCol(), ourModel.summary().predictionCol());
    }

    /**
     * weightCol has no default, as Spark's: not defined, getWeightCol throws, the fit is unweighted; set to "" it is
     * unweighted too (the same bits); the copy and a save and load keep it undefined; an estimator with it set still
     * weights, and its model evaluates unweighted after a copy with "".
     */
    @Test
    void weightColHasNoDefault(@TempDir Path dir) {
        LinearRegression theirs = new LinearRegression();
        DownhillRegressor ours = new DownhillRegressor().setSolver("normal");
        assertFalse(theirs.isDefined(theirs.weightCol()));
        assertFalse(ours.isDefined(ours.weightCol()));
        assertThrows(NoSuchElementException.class, theirs::getWeightCol);
        assertThrows(NoSuchElementException.class, ours::getWeightCol);
        DownhillRegressionModel unset = ours.fit(frame);
        DownhillRegressionModel empty = ours.copy(ParamMap.empty()).setWeightCol("").fit(frame);
        assertArrayEquals(vector(unset), vector(empty), 0.0);
        assertFalse(unset.isDefined(unset.weightCol()));
        assertFalse(ours.copy(ParamMap.empty()).isDefined(ours.weightCol()));
        assertFalse(unset.copy(ParamMap.empty()).isDefined(unset.weightCol()));
        // unweighted least squares, as Spark's normal solver with weightCol unset (exact solves of one objective: 1e-10)
        LinearRegressionModel spk = new LinearRegression().setSolver("normal").fit(frame);
        assertTrue(relativeError(vector(unset), vector(spk)) < 1e-10, "unweighted vs Spark");
        assertEquals(unset.summary().r2(), unset.evaluate(frame).r2(), 1e-12);
        String estimatorPath = dir.resolve("estimator").toString();
        String modelPath = dir.resolve("model").toString();
        try {
            ours.write().save(estimatorPath);
            unset.write().save(modelPath);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertFalse(DownhillRegressor.load(estimatorPath).isDefined(ours.weightCol()));
        DownhillRegressionModel back = DownhillRegressionModel.load(modelPath);
        assertFalse(back.isDefined(back.weightCol()));
        assertEquals(unset.evaluate(frame).meanSquaredError(), back.evaluate(frame).meanSquaredError(), 0.0);
        DownhillRegressionModel weighted = ours.copy(ParamMap.empty()).setWeightCol("weight").fit(frame);
        assertEquals("weight", weighted.getWeightCol());
        LinearRegressionModel spkWeighted = new LinearRegression().setSolver("normal").setWeightCol("weight").fit(frame);
        assertTrue(relativeError(vector(weighted), vector(spkWeighted)) < 1e-10, "weighted vs Spark");
        // evaluated unweighted after a copy with "" (as Spark's model): the plain mean of the squared residuals, here to 1e-12
        DownhillRegressionModel asUnweighted = weighted.copy(new ParamMap().put(weighted.weightCol(), ""));
        double[] theta = weighted.coefficients().toArray();
        double sum = 0;
        for (int i = 0; i < data.y().length; i++) {
            double r = data.y()[i] - weighted.intercept();
            for (int j = 0; j < theta.length; j++) {
                r -= theta[j] * data.x()[i][j];
            }
            sum += r * r;
        }
        double mse = sum / data.y().length;
        assertEquals(mse, asUnweighted.evaluate(frame).meanSquaredError(), 1e-12 * mse);
    }

    /**
     * maxIter 0, which Spark accepts: its l-bfgs returns its starting point, θ = 0 and b = ȳ (weighted; 0 without an
     * intercept), after 0 iterations with one objective value; its normal solver — and auto, which is normal on 3 columns —
     * refuses it (WeightedLeastSquares requires maxIter &gt; 0). Every iterative solver of ours (without an intercept one
     * of each kind of loop: gd, cd, proximal nesterov) returns the same starting point, stop reason ITERATION_LIMIT (ŷ's intercept to 1e-12 relative: both are the weighted mean, summed in other
     * orders); the direct solvers have no iterations and answer as at maxIter 100, bit for bit.
     */
    @Test
    void maxIterZeroGivesTheStartingPointOfTheIterativeSolvers() {
        IllegalArgumentException sparkNormal = assertThrows(IllegalArgumentException.class,
                () -> new LinearRegression().setSolver("normal").setMaxIter(0).fit(frame));
        assertTrue(sparkNormal.getMessage().contains("maxIter"), sparkNormal.getMessage());
        String[][] iterative = {{"gd", "0"}, {"nesterov", "0"}, {"cg", "0"}, {"l-bfgs", "0"}, {"cd", "1"}, {"nesterov", "0.5"},
            {"l-bfgs", "1"}, {"normal", "0.5"}}; // solver, elasticNetParam (with regParam 0.1)
        String[][] withoutIntercept = {{"gd", "0"}, {"cd", "1"}, {"nesterov", "0.5"}}; // b = 0: one of each kind of loop
        for (boolean fitIntercept : new boolean[] {true, false}) {
            LinearRegressionModel start = new LinearRegression().setSolver("l-bfgs").setMaxIter(0).setWeightCol("weight")
                    .setFitIntercept(fitIntercept).setRegParam(0.1).fit(frame);
            assertArrayEquals(new double[3], start.coefficients().toArray(), 0.0);
            assertEquals(fitIntercept ? meanLabel(true) : 0, start.intercept(), 1e-12 * Math.abs(meanLabel(true)));
            assertEquals(0, start.summary().totalIterations());
            assertEquals(1, start.summary().objectiveHistory().length);
            for (String[] c : fitIntercept ? iterative : withoutIntercept) {
                DownhillRegressionModel m = new DownhillRegressor().setSolver(c[0]).setRegParam(0.1)
                        .setElasticNetParam(Double.parseDouble(c[1])).setMaxIter(0).setWeightCol("weight")
                        .setFitIntercept(fitIntercept).fit(frame);
                String what = c[0] + " a=" + c[1] + " fitIntercept=" + fitIntercept;
                assertArrayEquals(new double[3], m.coefficients().toArray(), 0.0, what);
                assertEquals(start.intercept(), m.intercept(), 1e-12 * Math.abs(start.intercept()), what);
                assertEquals(0, m.summary().totalIterations(), what);
                assertEquals(1, m.summary().objectiveHistory().length, what);
                assertEquals("ITERATION_LIMIT", m.summary().stopReason(), what);
                assertStart(m, dev.downhill.StopReason.ITERATION_LIMIT, what);
            }
        }
        for (String direct : new String[] {"normal", "svd", "auto"}) { // auto: core's choice on 200 × 3 is a direct solve
            DownhillRegressor est = new DownhillRegressor().setSolver(direct).setRegParam(0.1).setWeightCol("weight");
            DownhillRegressionModel none = est.copy(ParamMap.empty()).setMaxIter(0).fit(frame);
            assertArrayEquals(vector(est.fit(frame)), vector(none), 0.0, direct);
            assertEquals("DIRECT_SOLUTION", none.summary().stopReason(), direct);
            assertEquals(0, none.summary().totalIterations(), direct);
        }
    }

    /**
     * tol 0 and tol ≥ 1, both of which Spark accepts. tol 0: every iterative solver runs to maxIter (a limit of 200 ends
     * it: no tolerance to meet, the no-progress rule off), stop reason ITERATION_LIMIT. tol 1 (every iterative solver), 5
     * (cg) and ∞ (cd): the starting point meets the relative rule, so the answer is it, stop reason CONVERGED — Spark's l-bfgs at tol 5 returns the same
     * point (unweighted ȳ; 1e-12 relative). The direct solvers ignore tol (the same bits as at the default).
     */
    @Test
    void tolZeroRunsToTheLimitAndTolOneOrMoreStopsAtTheStart() {
        String[][] iterative = {{"gd", "0", "200"}, {"nesterov", "0", "200"}, {"cg", "0", "3"}, {"cd", "1", "7"},
            {"nesterov", "1", "50"}}; // solver, elasticNetParam (with regParam 0.1), maxIter; cg within its n + 1 = 4 steps
        for (String[] c : iterative) {
            DownhillRegressionModel m = new DownhillRegressor().setSolver(c[0]).setRegParam(0.1)
                    .setElasticNetParam(Double.parseDouble(c[1])).setTol(0).setMaxIter(Integer.parseInt(c[2])).fit(frame);
            assertEquals(Integer.parseInt(c[2]), m.summary().totalIterations(), c[0] + " a=" + c[1]);
            assertEquals("ITERATION_LIMIT", m.summary().stopReason(), c[0] + " a=" + c[1]);
        }
        LinearRegressionModel spk = new LinearRegression().setSolver("l-bfgs").setTol(5).fit(frame);
        assertArrayEquals(new double[3], spk.coefficients().toArray(), 0.0);
        assertEquals(meanLabel(false), spk.intercept(), 1e-12 * Math.abs(meanLabel(false)));
        for (double tol : new double[] {1, 5, Double.POSITIVE_INFINITY}) {
            for (String[] c : tol == 1 ? iterative : new String[][] {iterative[tol == 5 ? 2 : 3]}) { // all at 1; cg, cd beyond
                DownhillRegressionModel m = new DownhillRegressor().setSolver(c[0]).setRegParam(0.1)
                        .setElasticNetParam(Double.parseDouble(c[1])).setTol(tol).fit(frame);
                String what = c[0] + " a=" + c[1] + " tol=" + tol;
                assertArrayEquals(new double[3], m.coefficients().toArray(), 0.0, what);
                assertEquals(spk.intercept(), m.intercept(), 1e-12 * Math.abs(spk.intercept()), what);
                assertEquals(0, m.summary().totalIterations(), what);
                assertEquals("CONVERGED", m.summary().stopReason(), what);
                assertStart(m, dev.downhill.StopReason.CONVERGED, what);
            }
        }
        // Spark's l-bfgs stops at its start where breeze's gradient test, ‖∇₀‖ ≤ tol·f₀ in its scaled units, holds there:
        // not on these data at tol 1 (‖∇₀‖ is about the norm of the columns' correlations with y, f₀ about ½)
        LinearRegressionModel spk1 = new LinearRegression().setSolver("l-bfgs").setTol(1).fit(frame);
        assertTrue(spk1.summary().totalIterations() > 0, "Spark's l-bfgs at tol 1 steps from its start here");
        assertEquals(0.5, spk1.summary().objectiveHistory()[0], 0.01, "f₀ about ½");
        for (String direct : new String[] {"normal", "svd"}) {
            DownhillRegressor est = new DownhillRegressor().setSolver(direct).setRegParam(0.1);
            assertArrayEquals(vector(est.fit(frame)), vector(est.copy(ParamMap.empty()).setTol(5).fit(frame)), 0.0, direct);
            assertArrayEquals(vector(est.fit(frame)), vector(est.copy(ParamMap.empty()).setTol(0).fit(frame)), 0.0, direct);
        }
    }

    /**
     * Spark's solver name l-bfgs is downhill's cg without an l1 term and nesterov with one (the summary says which), and
     * fits Spark's objective: least squares (where the two σ conventions do not enter) against Spark's l-bfgs at tol 1e-12
     * to 1e-6, and the lasso without standardization (no σ in the objective either) to 1e-6 — Spark's stopping rule, a
     * relative change of the loss of 1e-12, leaves the coefficients about √1e-12 = 1e-6 from the minimum, relative
     * (the loss is quadratic near it).
     */
    @Test
    void sparksLbfgsIsCgOrNesterovWithTheSameAnswer() {
        LinearRegressionModel ols = new LinearRegression().setSolver("l-bfgs").setMaxIter(1000).setTol(1e-12)
                .setWeightCol("weight").fit(frame);
        DownhillRegressionModel ourOls = new DownhillRegressor().setSolver("l-bfgs").setMaxIter(1000).setTol(1e-12)
                .setWeightCol("weight").fit(frame);
        assertEquals("cg", ourOls.summary().solver());
        assertEquals("l-bfgs", ourOls.getSolver());
        double e = relativeError(vector(ourOls), vector(ols));
        assertTrue(e < 1e-6, "least squares vs Spark's l-bfgs: " + e);
        LinearRegressionModel lasso = new LinearRegression().setSolver("l-bfgs").setMaxIter(1000).setTol(1e-12)
                .setRegParam(0.05).setElasticNetParam(1).setStandardization(false).setWeightCol("weight").fit(frame);
        DownhillRegressionModel ourLasso = new DownhillRegressor().setSolver("l-bfgs").setMaxIter(50_000).setTol(1e-13)
                .setRegParam(0.05).setElasticNetParam(1).setStandardization(false).setWeightCol("weight").fit(frame);
        assertEquals("nesterov", ourLasso.summary().solver());
        double l = relativeError(vector(ourLasso), vector(lasso));
        assertTrue(l < 1e-6, "lasso vs Spark's l-bfgs: " + l + "\n ours " + Arrays.toString(vector(ourLasso)) + "\n spark "
                + Arrays.toString(vector(lasso)));
    }

    /**
     * Spark's loss, epsilon and maxBlockSizeInMB: loss huber (or any but squaredError) fails the fit in one line; epsilon
     * and maxBlockSizeInMB away from their defaults are accepted, warned about and change nothing (the same bits); their
     * validators refuse what Spark's refuse; the model carries and saves all three.
     */
    @Test
    void sparksHuberIsRefusedAndItsTuningParamsWarned(@TempDir Path dir) throws Exception {
        IllegalArgumentException huber = assertThrows(IllegalArgumentException.class,
                () -> new DownhillRegressor().setLoss("huber").fit(frame));
        assertEquals("loss huber is not supported: downhill fits squared error (loss squaredError)", huber.getMessage());
        assertEquals("loss absolute is not supported: downhill fits squared error (loss squaredError)", assertThrows(
                IllegalArgumentException.class, () -> new DownhillRegressor().setLoss("absolute").fit(frame)).getMessage());
        DownhillRegressor plain = new DownhillRegressor().setSolver("cg").setTol(1e-12);
        DownhillRegressor tuned = plain.copy(ParamMap.empty()).setLoss("squaredError").setEpsilon(2.5).setMaxBlockSizeInMB(4);
        assertEquals(List.of(), SparkOnlyParams.ignored(plain));
        assertEquals(List.of("epsilon 2.5 has no effect: it shapes Spark's huber loss, and downhill fits squared error",
                "maxBlockSizeInMB 4.0 has no effect: it sizes the blocks Spark's own solvers stack rows into; downhill loads "
                        + "each partition whole"), SparkOnlyParams.ignored(tuned));
        DownhillRegressionModel model = tuned.fit(frame);
        assertArrayEquals(vector(plain.fit(frame)), vector(model), 0.0);
        // the validators refuse what Spark's refuse (epsilon ≤ 1, a negative block size) when the value is set
        assertThrows(IllegalArgumentException.class, () -> new LinearRegression().setEpsilon(1));
        assertThrows(IllegalArgumentException.class, () -> new DownhillRegressor().setEpsilon(1));
        assertThrows(IllegalArgumentException.class, () -> new LinearRegression().setMaxBlockSizeInMB(-1));
        assertThrows(IllegalArgumentException.class, () -> new DownhillRegressor().setMaxBlockSizeInMB(-1));
        assertThrows(IllegalArgumentException.class, () -> new DownhillRegressor().setMaxIter(-1));
        assertThrows(IllegalArgumentException.class, () -> new DownhillRegressor().setTol(-1e-9));
        String path = dir.resolve("model").toString();
        model.write().save(path);
        DownhillRegressionModel back = DownhillRegressionModel.load(path);
        for (DownhillRegressionParams m : List.of(model, back)) {
            assertEquals("squaredError", m.getLoss());
            assertEquals(2.5, m.getEpsilon(), 0.0);
            assertEquals(4.0, m.getMaxBlockSizeInMB(), 0.0);
        }
    }
}
