package dev.downhill.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Penalty;
import dev.downhill.Solver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The estimator in local mode: one shared {@code local[2,2]} session (2 cores; a failed task is retried once), tiny data.
 * References: downhill's single-machine fit of the same rows, Spark's own LinearRegression, the same fit on other
 * partitionings. The driver may hold 1 MiB of task results ({@code spark.driver.maxResultSize}), less than the largest
 * dataset here: a step that collected rows would fail.
 */
class DownhillRegressorTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    static final StructType SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField("features", SQLDataTypes.VectorType(), true),
        DataTypes.createStructField("label", DataTypes.DoubleType, true),
        DataTypes.createStructField("weight", DataTypes.DoubleType, true)});

    @BeforeAll
    static void start() {
        spark = LocalSpark.start("downhill-spark-test");
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    @AfterEach
    void noHook() {
        SparkResidentProblem.hook = null;
    }

    /** m × n data: x ~ N(0, 1) per column scaled by 1..n and shifted, y = xᵀθ* + 3 + noise, weights in [0.5, 2). */
    record Data(double[][] x, double[] y, double[] w) {
        static Data make(int m, int n, long seed) {
            Random r = new Random(seed);
            double[][] x = new double[m][n];
            double[] y = new double[m];
            double[] w = new double[m];
            for (int i = 0; i < m; i++) {
                double s = 3;
                for (int j = 0; j < n; j++) {
                    x[i][j] = (j + 1) * r.nextGaussian() + 0.5 * j;
                    s += x[i][j] * (j % 2 == 0 ? 1.5 : -0.75) / (j + 1);
                }
                y[i] = s + 0.1 * r.nextGaussian();
                w[i] = 0.5 + 1.5 * r.nextDouble();
            }
            return new Data(x, y, w);
        }

        Dataset<Row> frame(int partitions, boolean sparse) {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < y.length; i++) {
                Vector v = Vectors.dense(x[i]);
                rows.add(RowFactory.create(sparse ? v.toSparse() : v, y[i], w[i]));
            }
            return spark.createDataFrame(jsc.parallelize(rows, partitions), SCHEMA);
        }

        dev.downhill.Dataset local(boolean weighted) {
            return weighted ? dev.downhill.Dataset.of(x, y, w) : dev.downhill.Dataset.of(x, y);
        }
    }

    private static double[] modelVector(DownhillRegressionModel m) {
        double[] c = m.coefficients().toArray();
        double[] out = java.util.Arrays.copyOf(c, c.length + 1);
        out[c.length] = m.intercept();
        return out;
    }

    private static double[] modelVector(FittedModel m) {
        double[] c = m.coefficients();
        double[] out = java.util.Arrays.copyOf(c, c.length + 1);
        out[c.length] = m.intercept();
        return out;
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
     * auto's cg trial on Spark is certified by the partitions' sketch ({@code sketchGram}, each partition sketching its own
     * rows): the certificate on centred orthonormal columns (4,000 × 330) allows the trial at the configured tolerance, as
     * on one machine (κ̂ is the sketch's spread, tens); with one column the sum of two others plus 1e-9 noise the sketch
     * finds the columns dependent (κ̂ = ∞) and allows none, as on one machine. (Asked of the certificate directly: a trial
     * needs ~630 columns now, whose n² Gram results would pass the tests' 1 MiB maxResultSize.)
     */
    @Test
    void autosTrialIsCertifiedByThePartitionsSketch() {
        int m = 4_000;
        int n = 330;
        Random r = new Random(4);
        double[][] q = dev.downhill.testing.TestData.centredOrthonormalColumns(r, m, n);
        FitConfig trial = FitConfig.builder().solver(Solver.CG).build();
        for (boolean dependent : new boolean[] {false, true}) {
            double[][] x = new double[m][n];
            double[] y = new double[m];
            double[] w = new double[m];
            for (int i = 0; i < m; i++) {
                double s = 2;
                for (int j = 0; j < n; j++) {
                    x[i][j] = q[j][i] * Math.sqrt(m);
                }
                if (dependent) {
                    x[i][2] = x[i][0] + x[i][1] + 1e-9 * r.nextGaussian();
                }
                for (int j = 0; j < n; j++) {
                    s += x[i][j] * ((j % 5) - 2) * 0.1;
                }
                y[i] = s + 0.1 * r.nextGaussian();
                w[i] = 1;
            }
            // one partition: its n² = 330² sketch Gram (871 kB) fits the tests' 1 MiB result limit, two would not (as
            // for the Gram pass: the README asks for maxResultSize above P·8n² bytes)
            org.apache.spark.api.java.JavaRDD<Row> rows = new Data(x, y, w).frame(1, false).select("features", "label").toJavaRDD();
            PartitionProblem.Layout layout = new PartitionProblem.Layout("features", "label", null, "cpu", 1);
            dev.downhill.internal.TrialCertificate onSpark;
            try (SparkResidentProblem problem = SparkResidentProblem.load(rows, layout, 2)) {
                onSpark = dev.downhill.internal.TrialCertificate.of(dev.downhill.internal.CheckedProblem.of(problem), trial);
            }
            dev.downhill.internal.TrialCertificate single;
            try (dev.downhill.Dataset local = dev.downhill.Dataset.of(x, y);
                 dev.downhill.spi.ResidentProblem problem = dev.downhill.spi.Backends.load("cpu", local, dev.downhill.Precision.FLOAT64,
                         dev.downhill.spi.BackendOptions.builder().threads(1).build())) {
                single = dev.downhill.internal.TrialCertificate.of(dev.downhill.internal.CheckedProblem.of(problem), trial);
            }
            String what = "Spark " + onSpark + " / one machine " + single;
            assertEquals(!dependent, onSpark.allowsTrial(), what);
            assertEquals(single.allowsTrial(), onSpark.allowsTrial(), what);
            if (dependent) {
                assertEquals(Double.POSITIVE_INFINITY, onSpark.conditionEstimate(), what);
                assertTrue(onSpark.why().contains("a sketch of X finds its columns dependent"), what);
            } else { // κ(H) = 1: the sketch's spread (~30), well below 1e-8/1e-10 = 100, so the configured tolerance stands
                assertTrue(onSpark.conditionEstimate() >= 1 && onSpark.conditionEstimate() < 100, what);
                assertEquals(trial.tolerance(), onSpark.tolerance(), what);
            }
        }
    }

    @Test
    void agreesWithTheSingleMachineFitForEverySolver() {
        Data d = Data.make(300, 6, 1);
        Dataset<Row> frame = d.frame(3, false).cache();
        for (String solver : new String[] {"normal", "svd", "cg", "nesterov", "auto"}) {
            for (boolean weighted : new boolean[] {false, true}) {
                DownhillRegressor est = new DownhillRegressor().setSolver(solver).setMaxIter(20_000).setTol(1e-13);
                if (weighted) {
                    est.setWeightCol("weight");
                }
                DownhillRegressionModel model = est.fit(frame);
                FitConfig config = FitConfig.builder().solver(Solver.parse(solver)).maxIterations(20_000).tolerance(1e-13).build();
                try (dev.downhill.Dataset local = d.local(weighted)) {
                    FittedModel reference = LinearRegression.fit(local, config);
                    double e = relativeError(modelVector(model), modelVector(reference));
                    assertTrue(e < 1e-10, solver + (weighted ? " weighted" : "") + ": relative error " + e);
                    assertEquals(reference.solver().cliName(), model.summary().solver(), "auto chooses as on one machine");
                }
                assertTrue(model.summary().r2() > 0.99 && model.summary().r2() < 1, "r2 " + model.summary().r2());
                assertEquals(0, loadedPartitions(), "partitions left loaded after the fit");
            }
        }
        frame.unpersist();
    }

    /**
     * solver normal on dependent columns (column 2 = 2 × column 1): Spark's normal solver retries a singular XᵀX with its
     * quasi-Newton solver, so a pipeline that names it fits; here it refits with svd, whose minimum-norm answer must equal
     * the single-machine svd's (1e-10), and says so in the summary (a review: normal threw where Spark's fitted).
     */
    @Test
    void normalOnDependentColumnsRefitsWithSvd() {
        Data base = Data.make(200, 4, 11);
        for (double[] row : base.x()) {
            row[2] = 2 * row[1];
        }
        Data d = new Data(base.x(), base.y(), base.w());
        DownhillRegressionModel model = new DownhillRegressor().setSolver("normal").fit(d.frame(2, false));
        assertEquals("svd", model.summary().solver());
        try (dev.downhill.Dataset local = d.local(false)) {
            FittedModel svd = LinearRegression.fit(local, FitConfig.builder().solver(Solver.SVD).build());
            double e = relativeError(modelVector(model), modelVector(svd));
            assertTrue(e < 1e-10, "relative error " + e);
        }
        // the same rows as sparse vectors with a zero in most of them, held as CSR: refitted with cg, whose answer fits as
        // well (the predictions agree; the coefficients are another of the minimisers)
        Data sparse = Data.make(200, 20, 11); // (CSR beats dense only where the row pointers are few against the entries)
        for (int i = 0; i < sparse.x().length; i++) {
            double[] row = sparse.x()[i];
            for (int j = 0; j < row.length; j++) {
                row[j] = (i + j) % 10 == 0 ? row[j] : 0;
            }
            row[2] = 2 * row[1];
        }
        DownhillRegressionModel onCsr = new DownhillRegressor().setSolver("normal").setTol(1e-12).setMaxIter(10_000)
                .fit(sparse.frame(2, true));
        assertEquals("cg", onCsr.summary().solver());
        try (dev.downhill.Dataset local = sparse.local(false)) {
            FittedModel svd = LinearRegression.fit(local, FitConfig.builder().solver(Solver.SVD).build());
            double mse = onCsr.summary().meanSquaredError();
            double reference = svd.score(local).mse();
            assertEquals(reference, mse, 1e-9 * reference, "cg's MSE against svd's");
        }
    }

    /**
     * auto with regParam 0 on sparse vectors held as CSR (20 features, a tenth of the entries stored): as Spark's auto, the
     * normal equations (from the sparse Gram pass), with standard errors — those of the same rows held dense, to 1e-10
     * (a review: core's auto ran cg there, and the summary had none).
     */
    @Test
    void autoOnSparseRowsHasStandardErrorsAsOnDenseOnes() {
        Data d = Data.make(300, 20, 13);
        for (int i = 0; i < d.x().length; i++) {
            for (int j = 0; j < 20; j++) {
                d.x()[i][j] = (i + j) % 10 == 0 ? d.x()[i][j] : 0;
            }
        }
        DownhillRegressionModel sparse = new DownhillRegressor().fit(d.frame(2, true));
        DownhillRegressionModel dense = new DownhillRegressor().fit(d.frame(2, false));
        assertEquals("normal", sparse.summary().solver());
        double[] a = sparse.summary().coefficientStandardErrors();
        double[] b = dense.summary().coefficientStandardErrors();
        assertEquals(b.length, a.length);
        for (int j = 0; j < a.length; j++) {
            assertEquals(b[j], a[j], 1e-10 * b[j], "standard error " + j);
        }
    }

    /**
     * Columns far from 0 (means of 1e6 and −3e7 against spreads of 1–4): the partitions' extended residuals are moved to
     * the global frame by their means, so those must be the double-double means the passes centre by. With the backends'
     * float64 statistics (sums of m rounded products) the refined answer was 2e-11 off the exact least squares (BigDecimal),
     * where the single-machine fit is exact to the last bit.
     */
    @Test
    void columnsFarFromZeroAgreeWithTheSingleMachineFit() {
        Data base = Data.make(400, 4, 5);
        for (double[] row : base.x()) {
            row[1] += 1e6;
            row[3] -= 3e7;
        }
        Data d = new Data(base.x(), base.y(), base.w());
        Dataset<Row> frame = d.frame(7, false).cache();
        for (String solver : new String[] {"normal", "svd"}) {
            for (boolean weighted : new boolean[] {false, true}) {
                DownhillRegressor est = new DownhillRegressor().setSolver(solver);
                if (weighted) {
                    est.setWeightCol("weight");
                }
                DownhillRegressionModel model = est.fit(frame);
                double[] exact = exactLeastSquares(d, weighted);
                double e = relativeError(modelVector(model), exact);
                try (dev.downhill.Dataset local = d.local(weighted)) { // and the single-machine fit, as accurate
                    FittedModel single = LinearRegression.fit(local, FitConfig.builder().solver(Solver.parse(solver)).build());
                    assertTrue(relativeError(modelVector(single), exact) < 1e-13, solver + ": the single-machine fit");
                }
                assertTrue(e < 1e-13, solver + (weighted ? " weighted" : "") + ": relative error " + e);
            }
        }
        frame.unpersist();
    }

    /**
     * The weighted least-squares θ and b of {@code d} (with an intercept), exactly to 60 digits: the normal equations of
     * [X 1] formed and solved in BigDecimal (Gaussian elimination with partial pivoting), rounded to double.
     */
    static double[] exactLeastSquares(Data d, boolean weighted) {
        java.math.MathContext mc = new java.math.MathContext(60);
        int n = d.x()[0].length + 1;
        java.math.BigDecimal[][] a = new java.math.BigDecimal[n][n + 1];
        for (java.math.BigDecimal[] row : a) {
            java.util.Arrays.fill(row, java.math.BigDecimal.ZERO);
        }
        for (int i = 0; i < d.y().length; i++) {
            java.math.BigDecimal[] v = new java.math.BigDecimal[n + 1];
            for (int j = 0; j < n - 1; j++) {
                v[j] = new java.math.BigDecimal(d.x()[i][j]);
            }
            v[n - 1] = java.math.BigDecimal.ONE;
            v[n] = new java.math.BigDecimal(d.y()[i]);
            java.math.BigDecimal w = weighted ? new java.math.BigDecimal(d.w()[i]) : java.math.BigDecimal.ONE;
            for (int j = 0; j < n; j++) {
                java.math.BigDecimal wj = w.multiply(v[j]);
                for (int k = 0; k <= n; k++) {
                    a[j][k] = a[j][k].add(wj.multiply(v[k]));
                }
            }
        }
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int r = c + 1; r < n; r++) {
                if (a[r][c].abs().compareTo(a[pivot][c].abs()) > 0) {
                    pivot = r;
                }
            }
            java.math.BigDecimal[] t = a[c];
            a[c] = a[pivot];
            a[pivot] = t;
            for (int r = 0; r < n; r++) {
                if (r != c) {
                    java.math.BigDecimal f = a[r][c].divide(a[c][c], mc);
                    for (int k = c; k <= n; k++) {
                        a[r][k] = a[r][k].subtract(f.multiply(a[c][k]), mc);
                    }
                }
            }
        }
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            out[j] = a[j][n].divide(a[j][j], mc).doubleValue(); // θ then b, as modelVector lays them out
        }
        return out;
    }

    /** How many partitions of any fit the registry still holds. */
    private static int loadedPartitions() {
        try {
            java.lang.reflect.Field f = PartitionRegistry.class.getDeclaredField("LOADED");
            f.setAccessible(true);
            return ((java.util.Map<?, ?>) f.get(null)).size();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void summaryMatchesAnIndependentComputation() {
        Data d = Data.make(200, 3, 2);
        DownhillRegressionModel model = new DownhillRegressor().setSolver("normal").setWeightCol("weight").fit(d.frame(2, false));
        double[] th = model.coefficients().toArray();
        double b = model.intercept();
        double sw = 0, swy = 0;
        for (int i = 0; i < d.y.length; i++) {
            sw += d.w[i];
            swy += d.w[i] * d.y[i];
        }
        double ym = swy / sw, ssRes = 0, ssTot = 0;
        for (int i = 0; i < d.y.length; i++) {
            double p = b;
            for (int j = 0; j < th.length; j++) {
                p += d.x[i][j] * th[j];
            }
            ssRes += d.w[i] * (d.y[i] - p) * (d.y[i] - p);
            ssTot += d.w[i] * (d.y[i] - ym) * (d.y[i] - ym);
        }
        assertEquals(ssRes / sw, model.summary().meanSquaredError(), 1e-12 * ssRes / sw);
        assertEquals(Math.sqrt(ssRes / sw), model.summary().rootMeanSquaredError(), 1e-12);
        assertEquals(1 - ssRes / ssTot, model.summary().r2(), 1e-12);
        assertEquals(0, model.summary().totalIterations());
        // the transform predicts xᵀθ + b on the executors
        List<Row> predicted = model.transform(d.frame(2, false)).select("prediction").collectAsList();
        for (int i = 0; i < 5; i++) {
            double p = b;
            for (int j = 0; j < th.length; j++) {
                p += d.x[i][j] * th[j];
            }
            assertEquals(p, predicted.get(i).getDouble(0), 1e-12 * Math.max(1, Math.abs(p)));
        }
    }

    @Test
    void agreesWithSparksLinearRegression() {
        Data d = Data.make(400, 5, 3);
        Dataset<Row> frame = d.frame(3, false).cache();
        // ordinary (weighted) least squares: the same objective, solved exactly by both
        LinearRegressionModel spk = new org.apache.spark.ml.regression.LinearRegression().setSolver("normal")
                .setWeightCol("weight").fit(frame);
        DownhillRegressionModel ours = new DownhillRegressor().setSolver("normal").setWeightCol("weight").fit(frame);
        double[] s = java.util.Arrays.copyOf(spk.coefficients().toArray(), 6);
        s[5] = spk.intercept();
        assertTrue(relativeError(modelVector(ours), s) < 1e-10, "ols vs Spark: " + relativeError(modelVector(ours), s));
        // ridge (a = 0) against Spark's normal solver, which shares downhill's standard deviations (divided by Σw)
        for (boolean standardization : new boolean[] {true, false}) {
            LinearRegressionModel sm = new org.apache.spark.ml.regression.LinearRegression().setRegParam(0.3)
                    .setElasticNetParam(0).setStandardization(standardization).setWeightCol("weight").setSolver("normal").fit(frame);
            DownhillRegressionModel om = new DownhillRegressor().setRegParam(0.3).setStandardization(standardization)
                    .setWeightCol("weight").setSolver("normal").fit(frame);
            double e = relativeError(modelVector(om), withIntercept(sm));
            assertTrue(e < 1e-10, "ridge, standardization=" + standardization + ": " + e);
        }
        // an elastic net with standardization (l1 factors σⱼ, the l2 term's own factors σⱼ²) against Spark's normal solver,
        // which shares the σ convention and runs OWL-QN inside WeightedLeastSquares for it: to its convergence, 1e-6
        LinearRegressionModel net = new org.apache.spark.ml.regression.LinearRegression().setRegParam(0.05)
                .setElasticNetParam(0.5).setStandardization(true).setWeightCol("weight").setSolver("normal")
                .setMaxIter(1000).setTol(1e-12).fit(frame);
        DownhillRegressionModel ourNet = new DownhillRegressor().setRegParam(0.05).setElasticNetParam(0.5).setStandardization(true)
                .setWeightCol("weight").setSolver("nesterov").setMaxIter(50_000).setTol(1e-13).fit(frame);
        double netError = relativeError(modelVector(ourNet), withIntercept(net));
        assertTrue(netError < 1e-6, "elastic net, standardization=true: " + netError + "\n ours "
                + java.util.Arrays.toString(modelVector(ourNet)) + "\n spark " + java.util.Arrays.toString(withIntercept(net)));
        // solver normal with an l1 term, as Spark's: coordinate descent on the same Gram statistics (it was refused)
        DownhillRegressionModel ourNormalNet = new DownhillRegressor().setRegParam(0.05).setElasticNetParam(0.5)
                .setStandardization(true).setWeightCol("weight").setSolver("normal").setMaxIter(50_000).setTol(1e-13).fit(frame);
        assertEquals("cd", ourNormalNet.summary().solver());
        double normalNetError = relativeError(modelVector(ourNormalNet), withIntercept(net));
        assertTrue(normalNetError < 1e-6, "elastic net, solver normal: " + normalNetError);
        // lasso (a = 1) and an elastic net against Spark's l-bfgs (OWL-QN), whose standard deviations are divided by
        // Σw − Σw²/Σw: every σ is c times downhill's, c = √(Σw / (Σw − Σw²/Σw)), so Spark's λ is downhill's c·λ where
        // σⱼ/σ_y scale the terms (lasso with standardization) — the tolerance is OWL-QN's convergence at tol 1e-12
        double sw = 0, sww = 0;
        for (double v : d.w) {
            sw += v;
            sww += v * v;
        }
        double c = Math.sqrt(sw / (sw - sww / sw));
        double[][] cases = {{1, 1, c}, {1, 0, 1}}; // a, standardization, factor on λ
        for (double[] k : cases) {
            boolean standardization = k[1] == 1;
            LinearRegressionModel sm = new org.apache.spark.ml.regression.LinearRegression().setRegParam(0.05)
                    .setElasticNetParam(k[0]).setStandardization(standardization).setWeightCol("weight").setSolver("l-bfgs")
                    .setMaxIter(1000).setTol(1e-12).fit(frame);
            DownhillRegressionModel om = new DownhillRegressor().setRegParam(0.05 * k[2]).setElasticNetParam(k[0])
                    .setStandardization(standardization).setWeightCol("weight").setSolver("nesterov").setMaxIter(50_000)
                    .setTol(1e-13).fit(frame);
            double e = relativeError(modelVector(om), withIntercept(sm));
            assertTrue(e < 1e-6, "a=" + k[0] + " standardization=" + standardization + ": " + e
                    + "\n ours " + java.util.Arrays.toString(modelVector(om)) + "\n spark " + java.util.Arrays.toString(withIntercept(sm)));
        }
        // an elastic net's l2 term carries 1/σ_y, which c does not cancel there: checked against core's elastic net with
        // α = λa + λ(1−a)/σ_y, ρ = λa/α, σ_y computed here (weighted, divided by Σw)
        double swy = 0;
        for (int i = 0; i < d.y.length; i++) {
            swy += d.w[i] * d.y[i];
        }
        double ss = 0;
        for (int i = 0; i < d.y.length; i++) {
            ss += d.w[i] * (d.y[i] - swy / sw) * (d.y[i] - swy / sw);
        }
        double sy = Math.sqrt(ss / sw);
        double lambda = 0.05, a = 0.5, alpha = lambda * a + lambda * (1 - a) / sy;
        DownhillRegressionModel om = new DownhillRegressor().setRegParam(lambda).setElasticNetParam(a).setStandardization(false)
                .setWeightCol("weight").setSolver("nesterov").setMaxIter(50_000).setTol(1e-13).fit(frame);
        try (dev.downhill.Dataset local = d.local(true)) {
            FittedModel ref = LinearRegression.fit(local, FitConfig.builder().solver(Solver.NESTEROV).maxIterations(50_000)
                    .tolerance(1e-13).penalty(Penalty.elasticNet(alpha, lambda * a / alpha)).build());
            double e = relativeError(modelVector(om), modelVector(ref));
            assertTrue(e < 1e-10, "elastic net vs core's: " + e);
        }
        frame.unpersist();
    }

    private static double[] withIntercept(LinearRegressionModel m) {
        double[] c = m.coefficients().toArray();
        double[] out = java.util.Arrays.copyOf(c, c.length + 1);
        out[c.length] = m.intercept();
        return out;
    }

    @Test
    void partitionCountChangesOnlyRoundingAndRunsAreBitIdentical() {
        Data d = Data.make(500, 4, 4);
        DownhillRegressor cg = new DownhillRegressor().setSolver("cg").setTol(1e-10).setMaxIter(100).setWeightCol("weight");
        DownhillRegressor svd = new DownhillRegressor().setSolver("svd").setWeightCol("weight");
        Dataset<Row> single = d.frame(1, false);
        double[] one = modelVector(cg.fit(single));
        double[] oneSvd = modelVector(svd.fit(single));
        for (int p : new int[] {2, 5, 8}) {
            Dataset<Row> frame = d.frame(p, false);
            DownhillRegressionModel first = cg.fit(frame);
            double[] a = modelVector(first);
            double[] b = modelVector(cg.fit(frame));
            assertArrayEquals(a, b, 0, p + " partitions: two runs differ"); // bit-identical
            assertTrue(first.summary().totalIterations() > 2, "an iterative fit: many passes combined");
            assertTrue(relativeError(a, one) < 1e-13, p + " partitions vs 1 (cg): " + relativeError(a, one));
            double[] s = modelVector(svd.fit(frame));
            assertTrue(relativeError(s, oneSvd) < 1e-13, p + " partitions vs 1 (svd, TSQR): " + relativeError(s, oneSvd));
        }
    }

    @Test
    void aTaskThatFailsOnceIsRetriedWithTheSameAnswer() {
        Data d = Data.make(300, 4, 5);
        Dataset<Row> frame = d.frame(3, false);
        DownhillRegressor est = new DownhillRegressor().setSolver("cg").setTol(1e-13).setMaxIter(100);
        double[] clean = modelVector(est.fit(frame));
        AtomicInteger gradients = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        SparkResidentProblem.hook = (fit, pass, partition) -> {
            if (pass.equals("gradient") && partition == 1 && gradients.incrementAndGet() == 3 && failures.getAndIncrement() == 0) {
                PartitionRegistry.evict(fit, partition); // the executor's copy is lost too: the retry loads the rows again
                throw new IllegalStateException("injected task failure");
            }
        };
        double[] retried = modelVector(est.fit(frame));
        assertEquals(1, failures.get(), "the hook failed a task once");
        assertArrayEquals(clean, retried, 0);
    }

    /**
     * A weightCol that is not numeric is refused as Spark's LinearRegression refuses it (a boolean was cast to 0/1,
     * dropping rows silently; a string failed with Spark's multi-line cast error); a backend the executors cannot run is
     * one line, not a job's stack of retried tasks.
     */
    @Test
    void aNonNumericWeightColumnAndAnUnavailableBackendAreOneLineErrors() {
        Dataset<Row> frame = Data.make(40, 3, 8).frame(2, false);
        IllegalArgumentException flag = assertThrows(IllegalArgumentException.class, () -> new DownhillRegressor().setWeightCol("b")
                .fit(frame.withColumn("b", org.apache.spark.sql.functions.col("label").gt(0))));
        assertEquals("column 'b' (the weightCol) is of type boolean, not numeric", flag.getMessage());
        IllegalArgumentException text = assertThrows(IllegalArgumentException.class, () -> new DownhillRegressor().setWeightCol("s")
                .fit(frame.withColumn("s", org.apache.spark.sql.functions.lit("a"))));
        assertEquals("column 's' (the weightCol) is of type string, not numeric", text.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new DownhillRegressor().setWeightCol("nope").fit(frame));
        assertTrue(missing.getMessage().startsWith("column 'nope' (the weightCol) is not in the dataset"), missing.getMessage());
        dev.downhill.spi.BackendUnavailableException cuda = assertThrows(dev.downhill.spi.BackendUnavailableException.class,
                () -> new DownhillRegressor().setBackend("cuda").fit(frame));
        assertFalse(cuda.getMessage().contains("\n"), cuda.getMessage());
        assertTrue(cuda.getMessage().contains("cuda"), cuda.getMessage());
    }

    @Test
    void badInputFailsNamingTheColumnAndRow() {
        Data d = Data.make(20, 3, 6);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            rows.add(RowFactory.create(Vectors.dense(d.x[i]), d.y[i], d.w[i]));
        }
        assertBad(rows, 7, RowFactory.create(Vectors.dense(d.x[7]), Double.NaN, 1.0), "column 'label': row 7 of partition 0 is NaN");
        assertBad(rows, 3, RowFactory.create(Vectors.dense(d.x[3]), null, 1.0), "column 'label': row 3 of partition 0 is null");
        assertBad(rows, 12, RowFactory.create(null, 1.0, 1.0), "column 'features': row 2 of partition 1 is null");
        assertBad(rows, 4, RowFactory.create(Vectors.dense(1, Double.POSITIVE_INFINITY, 3), 1.0, 1.0),
                "column 'features': row 4 of partition 0 has Infinity at index 1");
        assertBad(rows, 5, RowFactory.create(Vectors.dense(1, 2), 1.0, 1.0), "column 'features': row 5 of partition 0 has 2 values");
        assertBad(rows, 9, RowFactory.create(Vectors.dense(d.x[9]), 1.0, -2.0), "column 'weight': row 9 of partition 0 is -2.0");
        assertBad(rows, 10, RowFactory.create(Vectors.dense(d.x[10]), 1.0, Double.NaN), "column 'weight': row 0 of partition 1 is NaN");
        List<Row> shorter = new ArrayList<>(rows.subList(0, 10));
        for (int i = 10; i < 20; i++) {
            shorter.add(RowFactory.create(Vectors.dense(1, 2), 1.0, 1.0));
        }
        InvalidRowException e = assertThrows(InvalidRowException.class, () -> new DownhillRegressor().setWeightCol("weight")
                .fit(spark.createDataFrame(jsc.parallelize(shorter, 2), SCHEMA)));
        assertTrue(e.getMessage().startsWith("column 'features': row 0 of partition 1 has 2 values where row 0 of partition 0 has 3"),
                e.getMessage());
    }

    private static void assertBad(List<Row> good, int at, Row bad, String expected) {
        List<Row> rows = new ArrayList<>(good);
        rows.set(at, bad);
        Dataset<Row> frame = spark.createDataFrame(jsc.parallelize(rows, 2), SCHEMA);
        InvalidRowException e = assertThrows(InvalidRowException.class,
                () -> new DownhillRegressor().setWeightCol("weight").fit(frame));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
        assertEquals(0, loadedPartitions(), "a failed load leaves nothing loaded");
    }

    /**
     * Values that overflow float64 in the fit's sums are refused, never a NaN model or a penalty that vanishes: weights
     * each partition sums finitely but whose total is Infinity (the model was NaN), weights one partition's sum overflows
     * (a raw task failure), labels beyond ~1e154 under a penalty (σ_y overflowed, so λ/σ_y was 0: the fit was unpenalized),
     * and an infinite regParam (refused by core at the fit, naming its α).
     */
    @Test
    void overflowingSumsAreRefusedNamingTheColumn() {
        Data d = Data.make(40, 2, 22);
        List<Row> acrossPartitions = new ArrayList<>();
        List<Row> inOnePartition = new ArrayList<>();
        List<Row> hugeLabels = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            acrossPartitions.add(RowFactory.create(Vectors.dense(d.x[i]), d.y[i], 8e306)); // 20 a partition: 1.6e308 each
            inOnePartition.add(RowFactory.create(Vectors.dense(d.x[i]), d.y[i], i < 20 ? 1.0 : 1e308));
            hugeLabels.add(RowFactory.create(Vectors.dense(d.x[i]), d.y[i] * 1e160, 1.0));
        }
        DownhillRegressor weighted = new DownhillRegressor().setWeightCol("weight");
        IllegalArgumentException total = assertThrows(IllegalArgumentException.class,
                () -> weighted.fit(spark.createDataFrame(jsc.parallelize(acrossPartitions, 2), SCHEMA)));
        assertEquals("column 'weight': the weights sum to Infinity (rescale them)", total.getMessage());
        InvalidRowException one = assertThrows(InvalidRowException.class,
                () -> weighted.fit(spark.createDataFrame(jsc.parallelize(inOnePartition, 2), SCHEMA)));
        assertEquals("column 'weight': the weights of partition 1 sum to Infinity (rescale them)", one.getMessage());
        Dataset<Row> frame = spark.createDataFrame(jsc.parallelize(hugeLabels, 2), SCHEMA);
        double slope = new DownhillRegressor().fit(frame).coefficients().apply(0);
        assertTrue(Double.isFinite(slope) && Math.abs(slope) > 1e159, "no penalty: no σ_y, the fit runs: " + slope);
        IllegalArgumentException sy = assertThrows(IllegalArgumentException.class,
                () -> new DownhillRegressor().setRegParam(0.1).fit(frame));
        assertTrue(sy.getMessage().startsWith("column 'label': the labels' standard deviation overflows float64"), sy.getMessage());
        IllegalArgumentException infinite = assertThrows(IllegalArgumentException.class,
                () -> new DownhillRegressor().setRegParam(Double.POSITIVE_INFINITY));
        assertTrue(infinite.getMessage().contains("regParam given invalid value Infinity"), infinite.getMessage());
        assertEquals(0, loadedPartitions(), "the refused fits leave nothing loaded");
    }

    @Test
    void noRowsReachTheDriver() {
        // 40,000 × 8 float64 is 2.5 MB, over the 1 MiB the driver may receive: collecting it fails, fitting does not
        Data d = Data.make(40_000, 8, 7);
        Dataset<Row> frame = d.frame(4, false);
        Exception tooBig = assertThrows(Exception.class, () -> frame.toJavaRDD().collect());
        assertTrue(String.valueOf(tooBig.getMessage()).contains("maxResultSize"), tooBig.getMessage());
        for (String solver : new String[] {"cg", "normal", "svd"}) {
            DownhillRegressionModel model = new DownhillRegressor().setSolver(solver).setTol(1e-12).fit(frame);
            assertTrue(model.summary().r2() > 0.99, solver);
        }
    }

    @Test
    void sparseVectorsGiveTheDenseAnswer() {
        Data d = Data.make(300, 40, 8);
        for (int i = 0; i < d.y.length; i++) { // make X sparse: 9 of 10 entries zero, so the partitions are held as CSR
            for (int j = 0; j < 40; j++) {
                if ((i + j) % 10 != 0) {
                    d.x[i][j] = 0;
                }
            }
        }
        assertFalse(PartitionProblem.holdDense(100, 40, 400, false), "CSR: 4 entries a row of 40");
        for (String solver : new String[] {"cg", "normal"}) {
            DownhillRegressor est = new DownhillRegressor().setSolver(solver).setTol(1e-13).setMaxIter(200).setWeightCol("weight");
            DownhillRegressionModel dense = est.fit(d.frame(3, false));
            DownhillRegressionModel sparse = est.fit(d.frame(3, true));
            double e = relativeError(modelVector(sparse), modelVector(dense));
            assertTrue(e < 1e-10, solver + ": sparse vs dense " + e);
        }
    }

    static final AtomicInteger COMPUTED = new AtomicInteger();

    @Test
    void passesReadTheLoadedPartitionsNotTheInput() {
        Data d = Data.make(300, 4, 14);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < d.y.length; i++) {
            rows.add(RowFactory.create(Vectors.dense(d.x[i]), d.y[i], d.w[i]));
        }
        // counts each computation of an input partition (local mode: the executors are this JVM)
        Dataset<Row> frame = spark.createDataFrame(jsc.parallelize(rows, 3).mapPartitions(it -> {
            COMPUTED.incrementAndGet();
            return it;
        }), SCHEMA);
        COMPUTED.set(0);
        DownhillRegressionModel model = new DownhillRegressor().setSolver("cg").setTol(1e-12).setMaxIter(100).fit(frame);
        assertTrue(model.summary().passes() > 5, "passes " + model.summary().passes());
        assertEquals(3, COMPUTED.get(), "each input partition is read once, by the load, whatever the number of passes");
        // a partition lost from its executor is read again, once, by the pass that needs it
        COMPUTED.set(0);
        AtomicInteger evicted = new AtomicInteger();
        SparkResidentProblem.hook = (fit, pass, partition) -> {
            if (pass.equals("gradient") && partition == 2 && evicted.getAndIncrement() == 1) {
                PartitionRegistry.evict(fit, partition);
                throw new IllegalStateException("injected: the partition was lost");
            }
        };
        DownhillRegressionModel again = new DownhillRegressor().setSolver("cg").setTol(1e-12).setMaxIter(100).fit(frame);
        assertEquals(4, COMPUTED.get(), "the load's 3, and partition 2 once more");
        assertArrayEquals(modelVector(model), modelVector(again), 0);
    }

    /**
     * A small table whose rows are mostly zeros reaches the fit as sparse vectors (Spark's VectorAssembler writes them so):
     * its partitions are held dense when CSR would not save half the bytes, or when the solver needs dense X — svd and cd
     * refused such a table (a hostile reviewer's 500 × 6 CSV with two non-zeros a row), and fit it now as dense rows.
     */
    @Test
    void mostlyZeroSparseVectorsOfASmallTableFitWithEverySolver() {
        Data d = Data.make(300, 6, 21);
        for (int i = 0; i < d.y.length; i++) {
            for (int j = 0; j < 6; j++) {
                if ((i + j) % 3 != 0) {
                    d.x[i][j] = 0; // two non-zeros a row
                }
            }
        }
        assertTrue(PartitionProblem.holdDense(100, 6, 200, false), "2 entries a row of 6: CSR saves too little");
        assertTrue(PartitionProblem.holdDense(100, 1000, 2000, true), "svd or cd: dense");
        assertFalse(PartitionProblem.holdDense(100, 1000, 2000, false), "cg: CSR");
        for (String solver : new String[] {"svd", "normal", "cg"}) {
            DownhillRegressor est = new DownhillRegressor().setSolver(solver).setTol(1e-13).setMaxIter(500).setWeightCol("weight");
            double e = relativeError(modelVector(est.fit(d.frame(3, true))), modelVector(est.fit(d.frame(3, false))));
            assertTrue(e < 1e-10, solver + ": sparse vectors vs dense " + e);
        }
        DownhillRegressor lasso = new DownhillRegressor().setSolver("cd").setRegParam(0.05).setElasticNetParam(1).setTol(1e-12)
                .setMaxIter(10_000);
        double e = relativeError(modelVector(lasso.fit(d.frame(2, true))), modelVector(lasso.fit(d.frame(2, false))));
        assertTrue(e < 1e-9, "cd: sparse vectors vs dense " + e);
    }

    @Test
    void mixedDenseAndSparseRowsInOnePartition() {
        Data d = Data.make(200, 4, 12);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < d.y.length; i++) { // a sparse row first, then alternating: the partition moves to dense
            Vector v = Vectors.dense(d.x[i]);
            rows.add(RowFactory.create(i % 2 == 0 ? v.toSparse() : v, d.y[i], d.w[i]));
        }
        DownhillRegressor est = new DownhillRegressor().setSolver("normal").setWeightCol("weight");
        double[] mixed = modelVector(est.fit(spark.createDataFrame(jsc.parallelize(rows, 2), SCHEMA)));
        double[] dense = modelVector(est.fit(d.frame(2, false)));
        assertTrue(relativeError(mixed, dense) < 1e-12, "mixed vs dense " + relativeError(mixed, dense));
    }

    /**
     * The off-heap bytes are not charged to Spark's storage memory (the heap): charged them, the handles evicted the user's
     * cached DataFrame to make room nothing used, and a handle larger than the storage memory was not kept, so every pass
     * computed the input again. The Storage tab's name says the bytes.
     */
    @Test
    void theLoadedPartitionsAreNamedInTheStorageTabUntilCloseButNotChargedToTheHeap() {
        Data d = Data.make(1000, 10, 13);
        org.apache.spark.api.java.JavaRDD<Row> rows = d.frame(2, false).select("features", "label").toJavaRDD();
        PartitionProblem.Layout layout = new PartitionProblem.Layout("features", "label", null, "cpu", 1);
        String name;
        try (SparkResidentProblem problem = SparkResidentProblem.load(rows, layout, 2)) {
            // X and y in float64 off-heap, in buffers grown by half: at most half as large again
            assertTrue(problem.bytes() >= 1000 * 11 * 8 && problem.bytes() <= 1.5 * 1000 * 11 * 8 + 2 * 1024 * 8, "" + problem.bytes());
            name = String.format(java.util.Locale.ROOT, "downhill partitions (fit %x: %,d bytes off-heap)", problem.fitId(),
                    problem.bytes());
            long stored = -1;
            for (org.apache.spark.storage.RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
                if (info.name().startsWith("downhill partitions (fit " + Long.toHexString(problem.fitId()))) {
                    stored = info.memSize();
                    assertEquals(2, info.numCachedPartitions());
                    assertEquals(name, info.name());
                }
            }
            assertTrue(stored > 0 && stored < 2 * 1024, "the handles' own bytes on the heap: " + stored + " (" + name + ")");
            assertEquals(2, loadedPartitions());
        }
        assertEquals(0, loadedPartitions(), "closed: nothing left on the executors");
        for (org.apache.spark.storage.RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
            assertFalse(info.name().equals(name), "unpersisted");
        }
    }

    @Test
    void savesLoadsAndSwapsIntoAPipeline(@TempDir Path dir) throws Exception {
        Data d = Data.make(200, 3, 9);
        Dataset<Row> frame = d.frame(2, false);
        DownhillRegressionModel model = new DownhillRegressor().setSolver("normal").setPredictionCol("p").fit(frame);
        String path = dir.resolve("model").toString();
        model.write().save(path);
        DownhillRegressionModel back = DownhillRegressionModel.load(path);
        assertEquals(model.uid(), back.uid());
        assertArrayEquals(model.coefficients().toArray(), back.coefficients().toArray(), 0);
        assertEquals(model.intercept(), back.intercept(), 0);
        assertEquals("p", back.getPredictionCol());
        assertFalse(back.hasSummary());
        // a pipeline with Spark's LinearRegression swapped for ours gives the same model (ordinary least squares)
        PipelineModel theirs = new Pipeline().setStages(new PipelineStage[] {
            new org.apache.spark.ml.regression.LinearRegression().setSolver("normal")}).fit(frame);
        PipelineModel ours = new Pipeline().setStages(new PipelineStage[] {new DownhillRegressor().setSolver("normal")}).fit(frame);
        String pipelinePath = dir.resolve("pipeline").toString();
        ours.write().save(pipelinePath);
        PipelineModel oursBack = PipelineModel.load(pipelinePath);
        double[] a = theirs.transform(frame).select("prediction").as(org.apache.spark.sql.Encoders.DOUBLE()).collectAsList()
                .stream().mapToDouble(Double::doubleValue).toArray();
        double[] b = oursBack.transform(frame).select("prediction").as(org.apache.spark.sql.Encoders.DOUBLE()).collectAsList()
                .stream().mapToDouble(Double::doubleValue).toArray();
        assertTrue(relativeError(b, a) < 1e-10, "pipeline predictions " + relativeError(b, a));
        // the estimator's params persist too
        String estPath = dir.resolve("estimator").toString();
        new DownhillRegressor().setSolver("cg").setRegParam(0.5).write().save(estPath);
        DownhillRegressor est = DownhillRegressor.load(estPath);
        assertEquals("cg", est.getOrDefault(est.solver()));
        assertEquals(0.5, (Double) est.getOrDefault(est.regParam()), 0);
        assertTrue(Files.exists(dir.resolve("model/data")));
    }

    /**
     * The model has the estimator's params with the values it was fitted with (as Spark's LinearRegressionModel has
     * LinearRegression's): read back after a save, and from a cross-validation's best model.
     */
    @Test
    void theModelCarriesTheParamsItWasFittedWith(@TempDir Path dir) throws Exception {
        Data d = Data.make(120, 3, 21);
        Dataset<Row> frame = d.frame(2, false);
        DownhillRegressor est = new DownhillRegressor().setSolver("cd").setRegParam(0.25).setElasticNetParam(0.5)
                .setMaxIter(300).setTol(1e-8).setStandardization(false).setWeightCol("weight").setAggregationDepth(3);
        DownhillRegressionModel model = est.fit(frame);
        String path = dir.resolve("model").toString();
        model.write().save(path);
        DownhillRegressionModel back = DownhillRegressionModel.load(path);
        for (DownhillRegressionParams m : List.of(model, back)) {
            assertEquals("cd", m.getSolver());
            assertEquals(0.25, m.getRegParam(), 0);
            assertEquals(0.5, m.getElasticNetParam(), 0);
            assertEquals(300, m.getMaxIter());
            assertEquals(1e-8, m.getTol(), 0);
            assertFalse(m.getStandardization());
            assertTrue(m.getFitIntercept());
            assertEquals("weight", m.getWeightCol());
            assertEquals(3, m.getAggregationDepth());
            assertEquals("cpu", m.getBackend());
            assertEquals(1, m.getThreads());
        }
        assertEquals(est.getRegParam(), model.getRegParam(), 0);
        // a cross-validation over regParam: the best model says which λ won (the smallest, on noise-free-ish data)
        DownhillRegressor tuned = new DownhillRegressor().setSolver("normal");
        org.apache.spark.ml.tuning.CrossValidatorModel cv = new org.apache.spark.ml.tuning.CrossValidator()
                .setEstimator(tuned)
                .setEstimatorParamMaps(new org.apache.spark.ml.tuning.ParamGridBuilder()
                        .addGrid(tuned.regParam(), new double[] {0.0, 5.0}).build())
                .setEvaluator(new org.apache.spark.ml.evaluation.RegressionEvaluator()).setNumFolds(2).setSeed(1)
                .fit(frame);
        DownhillRegressionModel best = (DownhillRegressionModel) cv.bestModel();
        assertEquals(0.0, best.getRegParam(), 0);
        assertEquals("normal", best.getSolver());
    }

    @Test
    void refusesWhatItCannotDo() {
        Dataset<Row> frame = Data.make(50, 3, 10).frame(2, false);
        // any name is accepted by the param; the fit refuses the ones it does not offer, saying why (the param's validator
        // refused them first with Spark's "given invalid value", no reason)
        IllegalArgumentException sgd = assertThrows(IllegalArgumentException.class,
                () -> new DownhillRegressor().setSolver("sgd").fit(frame));
        assertTrue(sgd.getMessage().contains("not offered on Spark"), sgd.getMessage());
        IllegalArgumentException bogus = assertThrows(IllegalArgumentException.class,
                () -> new DownhillRegressor().setSolver("newton").fit(frame));
        assertTrue(bogus.getMessage().contains("unknown solver 'newton'") && bogus.getMessage().contains("nesterov"), bogus.getMessage());
        assertEquals("cg", new DownhillRegressor().setSolver("CG").setMaxIter(5).fit(frame).summary().solver());
        // every label 0 with a penalty: θ = 0 and b = 0, as Spark's LinearRegression answers (it was an error)
        List<Row> zeros = new ArrayList<>();
        Data z = Data.make(40, 3, 11);
        for (int i = 0; i < 40; i++) {
            zeros.add(RowFactory.create(Vectors.dense(z.x[i]), 0.0, 1.0));
        }
        DownhillRegressionModel flat = new DownhillRegressor().setRegParam(0.1).fit(spark.createDataFrame(jsc.parallelize(zeros, 2), SCHEMA));
        assertArrayEquals(new double[] {0, 0, 0}, flat.coefficients().toArray(), 0.0);
        assertEquals(0.0, flat.intercept(), 0.0);
        // every label 3 without an intercept, with a penalty: refused as Spark refuses it (the penalty's scale σ_y is 0);
        // with an intercept: θ = 0 and b = 3 whatever the penalty
        List<Row> threes = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            threes.add(RowFactory.create(Vectors.dense(z.x[i]), 3.0, 1.0));
        }
        Dataset<Row> constant = spark.createDataFrame(jsc.parallelize(threes, 2), SCHEMA);
        IllegalArgumentException unscaled = assertThrows(IllegalArgumentException.class,
                () -> new DownhillRegressor().setRegParam(0.1).setFitIntercept(false).fit(constant));
        assertTrue(unscaled.getMessage().contains("every label is 3.0 (standard deviation 0) and fitIntercept is false"),
                unscaled.getMessage());
        DownhillRegressionModel level = new DownhillRegressor().setRegParam(0.1).setSolver("normal").fit(constant);
        assertArrayEquals(new double[] {0, 0, 0}, level.coefficients().toArray(), 1e-12);
        assertEquals(3.0, level.intercept(), 1e-12);
        // the elastic net without standardization is core's elastic net with α = λa + λ(1−a)/σ_y, ρ = λa/α
        DownhillRegressionModel en = new DownhillRegressor().setRegParam(0.1).setElasticNetParam(0.5).setStandardization(false)
                .setSolver("nesterov").setMaxIter(20_000).setTol(1e-13).fit(frame);
        assertEquals("nesterov", en.summary().solver());
    }

    @Test
    void svdBelowFullRankIsWarnedAboutWithAdviceASparkUserCanFollow() {
        Data d = Data.make(200, 4, 17);
        for (double[] row : d.x) {
            row[3] = 2 * row[1]; // a column twice another: rank 3 of 4
        }
        Dataset<Row> frame = d.frame(2, false);
        try (CapturedLog log = new CapturedLog(DownhillRegressor.RANK_LOGGER, LinearRegression.RANK_LOGGER)) {
            DownhillRegressionModel m = new DownhillRegressor().setSolver("svd").fit(frame);
            assertEquals(3, m.fittedModel().rank());
            assertEquals(1, log.lines().size(), log.lines().toString());
            String line = log.lines().get(0);
            assertTrue(line.startsWith(DownhillRegressor.RANK_LOGGER + ": svd: X is rank deficient (rank 3 < 4: singular values ≤ "),
                    line);
            assertTrue(line.endsWith("this may drop real signal: " + DownhillRegressor.RANK_ADVICE + "."), line);
            assertFalse(line.contains("FitConfig") || line.contains("rankCutoff"), line);
            // a ridge term keeps every direction: full rank, nothing to say
            new DownhillRegressor().setSolver("svd").setRegParam(0.1).fit(frame);
            assertEquals(1, log.lines().size(), log.lines().toString());
        }
    }

    /**
     * Core's accuracy check in Spark's words: on ill-conditioned X (a column another plus 1e-5 noise, columns scaled
     * 1 … 1e4: the standardized Hessian's κ ~ 1e10) l-bfgs (run as cg) at Spark's default tol 1e-6 meets its gradient rule
     * with coefficients the gradient does not vouch for — one line on the estimator's logger naming the solver as asked
     * and its params, none on core's; svd answers exactly and warns nothing.
     */
    @Test
    void coefficientsTheGradientDoesNotVouchForAreWarnedAboutInSparksWords() {
        Data d = Data.make(400, 6, 23);
        java.util.Random r = new java.util.Random(5);
        for (double[] row : d.x) {
            row[1] = row[0] + 1e-5 * r.nextGaussian();
            for (int j = 0; j < row.length; j++) {
                row[j] *= Math.pow(10, 4.0 * j / (row.length - 1));
            }
        }
        Dataset<Row> frame = d.frame(2, false);
        try (CapturedLog log = new CapturedLog(DownhillRegressor.ACCURACY_LOGGER, LinearRegression.ACCURACY_LOGGER)) {
            DownhillRegressionModel m = new DownhillRegressor().setSolver("l-bfgs").fit(frame);
            assertEquals("CONVERGED", m.summary().stopReason());
            assertEquals(1, log.lines().size(), log.lines().toString());
            String line = log.lines().get(0);
            assertTrue(line.startsWith(DownhillRegressor.ACCURACY_LOGGER + ": l-bfgs (run as cg) converged (its gradient norm "
                    + "met the tolerance 1e-06), but the coefficients may be far from the least-squares minimiser"), line);
            assertTrue(line.endsWith("; " + DownhillRegressor.ACCURACY_ADVICE), line);
            new DownhillRegressor().setSolver("svd").fit(frame);
            assertEquals(1, log.lines().size(), log.lines().toString());
        }
    }

    @Test
    void aFitStoppedAtMaxIterIsWarnedAboutInSparksParamNamesAndNotInCoresOnes() {
        Data d = Data.make(300, 4, 11);
        Dataset<Row> frame = d.frame(2, false);
        try (CapturedLog log = new CapturedLog(DownhillRegressor.CONVERGENCE_LOGGER, LinearRegression.CONVERGENCE_LOGGER,
                LinearRegression.IGNORED_SETTING_LOGGER)) {
            DownhillRegressionModel limited = new DownhillRegressor().setSolver("gd").setMaxIter(3).setTol(1e-10).fit(frame);
            assertEquals("ITERATION_LIMIT", limited.summary().stopReason());
            assertEquals(1, log.lines().size(), log.lines().toString());
            String line = log.lines().get(0);
            assertTrue(line.startsWith(DownhillRegressor.CONVERGENCE_LOGGER + ": gd stopped at its iteration limit (maxIter 3 "
                    + "steps) before meeting tol 1e-10 ("), line);
            assertTrue(line.contains("raise maxIter, or use an exact solver (normal, svd)"), line);
            // Spark's l-bfgs, run as cg: named as the user named it
            new DownhillRegressor().setSolver("l-bfgs").setMaxIter(2).setTol(1e-12).fit(frame);
            assertEquals(2, log.lines().size(), log.lines().toString());
            assertTrue(log.lines().get(1).startsWith(DownhillRegressor.CONVERGENCE_LOGGER + ": l-bfgs (run as cg) stopped at its "
                    + "iteration limit (maxIter 2 steps) before meeting tol 1e-12"), log.lines().get(1));
            // asked for: no iteration (maxIter 0), a tol met at the start, a fixed number of steps (tol 0), a direct solver
            new DownhillRegressor().setSolver("gd").setMaxIter(0).fit(frame);
            new DownhillRegressor().setSolver("gd").setMaxIter(3).setTol(1).fit(frame);
            new DownhillRegressor().setSolver("gd").setMaxIter(3).setTol(0).fit(frame);
            new DownhillRegressor().setSolver("normal").setMaxIter(1).fit(frame);
            assertEquals(2, log.lines().size(), log.lines().toString());
        }
    }
}
