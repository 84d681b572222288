package dev.downhill.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.ml.regression.LinearRegressionSummary;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link DownhillRegressionModel#evaluate} and the training summary's metrics against Spark's own
 * {@code LinearRegressionModel.evaluate}, its training summary and {@code RegressionEvaluator} on the same data in the same
 * session, and against a hand computation in exact decimal arithmetic. Same session settings as
 * {@link DownhillRegressorTest} ({@code local[2,2]}, 1 MiB of task results on the driver).
 *
 * <p>Tolerances. Metrics of the same coefficients on the same rows are the same sums in another order (Spark's
 * summarizer and downhill's partials both keep running means and squared deviations): they agree to 1e-12 relative (the
 * rounding of a few hundred float64 additions is ~1e-14; Spark's explained variance expands Σw(ŷ − ȳ)² into
 * Σwŷ² + Wȳ² − 2ȳΣwŷ, which loses a factor Σwŷ²/Σw(ŷ − ȳ)² ≈ 5 of that here). Metrics of two fits compare the fits as well:
 * both solve the normal equations, and their coefficients agree to 1e-10 (asserted, as in DownhillRegressorTest), which
 * moves MAE and the explained variance by about that relative amount (the MSE is stationary at the optimum): 1e-9.
 */
class DownhillRegressionMetricsTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    static final StructType SCHEMA = DownhillRegressorTest.SCHEMA;

    @BeforeAll
    static void start() {
        spark = LocalSpark.start("downhill-spark-metrics-test");
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /**
     * m rows of 3 features (scales 1..3, means 0, 0.5, 1), y = xᵀ(1.5, −0.75, 0.5) + 3 + 0.5·noise; weights in [0.5, 4),
     * every 11th 0 (Spark does not count those rows).
     */
    static List<Row> rows(int m, long seed) {
        Random r = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            double[] x = new double[3];
            for (int j = 0; j < 3; j++) {
                x[j] = (j + 1) * r.nextGaussian() + 0.5 * j;
            }
            double y = 3 + 1.5 * x[0] - 0.75 * x[1] + 0.5 * x[2] + 0.5 * r.nextGaussian();
            double w = i % 11 == 0 ? 0 : 0.5 + 3.5 * r.nextDouble();
            rows.add(RowFactory.create(Vectors.dense(x), y, w));
        }
        return rows;
    }

    static Dataset<Row> frame(List<Row> rows, int partitions) {
        return spark.createDataFrame(jsc.parallelize(rows, partitions), SCHEMA);
    }

    /** A downhill model with the given coefficients and the params that decide the metrics. */
    static DownhillRegressionModel model(Vector coefficients, double intercept, boolean fitIntercept, boolean weighted) {
        DownhillRegressionModel m = new DownhillRegressionModel("downhillReg_test", coefficients, intercept);
        return m.copy(new ParamMap().put(m.fitIntercept(), fitIntercept).put(m.weightCol(), weighted ? "weight" : ""));
    }

    static void close(double expected, double actual, double relative, String what) {
        double e = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
        assertTrue(e <= relative, what + ": expected " + expected + ", got " + actual + " (relative error " + e + ")");
    }

    /** Σw and Σw² over the rows of weight > 0 (all 1 when unweighted). */
    static double[] weightSums(List<Row> rows, boolean weighted) {
        double w = 0;
        double ww = 0;
        for (Row row : rows) {
            double v = weighted ? row.getDouble(2) : 1;
            w += v;
            ww += v * v;
        }
        return new double[] {w, ww};
    }

    /** Spark's weighted r² from downhill's: 1 − (1 − r2)·(W − Σw²/W)/(W − 1) (see DownhillRegressionMetrics). */
    static double sparksR2(double r2, double[] weightSums) {
        double w = weightSums[0];
        return 1 - (1 - r2) * (w - weightSums[1] / w) / (w - 1);
    }

    @Test
    void evaluateGivesSparksMetricsForTheSameCoefficients() {
        List<Row> train = rows(300, 1);
        List<Row> test = rows(200, 2);
        Dataset<Row> trainFrame = frame(train, 3).cache();
        Dataset<Row> testFrame = frame(test, 3).cache();
        for (boolean weighted : new boolean[] {false, true}) {
            for (boolean fitIntercept : new boolean[] {true, false}) {
                String c = (weighted ? "weighted" : "unweighted") + (fitIntercept ? ", intercept" : ", through the origin");
                LinearRegression lr = new LinearRegression().setSolver("normal").setFitIntercept(fitIntercept);
                if (weighted) {
                    lr.setWeightCol("weight");
                }
                LinearRegressionModel theirs = lr.fit(trainFrame);
                DownhillRegressionModel ours = model(theirs.coefficients(), theirs.intercept(), fitIntercept, weighted);
                LinearRegressionSummary s = theirs.evaluate(testFrame);
                DownhillRegressionMetrics o = ours.evaluate(testFrame);
                close(s.meanSquaredError(), o.meanSquaredError(), 1e-12, c + ": mse");
                close(s.rootMeanSquaredError(), o.rootMeanSquaredError(), 1e-12, c + ": rmse");
                close(s.meanAbsoluteError(), o.meanAbsoluteError(), 1e-12, c + ": mae");
                close(s.explainedVariance(), o.explainedVariance(), 1e-12, c + ": explained variance");
                assertEquals(s.numInstances(), o.numInstances(), c + ": numInstances");
                assertEquals(s.degreesOfFreedom(), o.degreesOfFreedom(), c + ": degreesOfFreedom");
                assertEquals(weighted ? 200 - 19 : 200, o.numInstances(), c + ": rows of weight 0 are not counted");
                assertEquals(o.numInstances() - 3 - (fitIntercept ? 1 : 0), o.degreesOfFreedom(), c);
                double[] ws = weightSums(test, weighted);
                if (weighted && fitIntercept) {
                    // Spark's weighted r² divides by Σw(y − ȳ)²·(W − 1)/(W − Σw²/W); downhill keeps Σw(y − ȳ)²
                    close(s.r2(), sparksR2(o.r2(), ws), 1e-12, c + ": Spark's r2 from ours");
                    assertTrue(Math.abs(s.r2() - o.r2()) > 1e-5, c + ": the two r2 differ on this data: " + s.r2() + " " + o.r2());
                    int k = 1;
                    long n = o.numInstances();
                    close(s.r2adj(), 1 - (1 - s.r2()) * (n - k) / (double) (n - 3 - k), 1e-12, c + ": Spark's r2adj");
                } else {
                    close(s.r2(), o.r2(), 1e-12, c + ": r2");
                    close(s.r2adj(), o.r2adj(), 1e-12, c + ": r2adj");
                }
                close(1 - (1 - o.r2()) * (o.numInstances() - (fitIntercept ? 1 : 0)) / (double) o.degreesOfFreedom(), o.r2adj(), 1e-14,
                        c + ": r2adj from r2");
                // Spark's RegressionEvaluator on our predictions: the same numbers
                Dataset<Row> predicted = o.predictions();
                assertEquals("prediction", o.predictionCol());
                for (String metric : new String[] {"mse", "rmse", "mae", "var", "r2"}) {
                    RegressionEvaluator evaluator = new RegressionEvaluator().setMetricName(metric).setThroughOrigin(!fitIntercept);
                    if (weighted) {
                        evaluator.setWeightCol("weight");
                    }
                    double theirsValue = evaluator.evaluate(predicted);
                    double oursValue = switch (metric) {
                        case "mse" -> o.meanSquaredError();
                        case "rmse" -> o.rootMeanSquaredError();
                        case "mae" -> o.meanAbsoluteError();
                        case "var" -> o.explainedVariance();
                        default -> weighted && fitIntercept ? sparksR2(o.r2(), ws) : o.r2();
                    };
                    close(theirsValue, oursValue, 1e-12, c + ": RegressionEvaluator " + metric);
                }
                // the residuals: label − prediction, one column, every row
                List<Row> residuals = o.residuals().collectAsList();
                List<Row> sparks = s.residuals().collectAsList();
                assertEquals(test.size(), residuals.size());
                assertEquals("residuals", o.residuals().columns()[0]);
                for (int i = 0; i < 10; i++) {
                    close(sparks.get(i).getDouble(0), residuals.get(i).getDouble(0), 1e-12, c + ": residual " + i);
                }
            }
        }
        trainFrame.unpersist();
        testFrame.unpersist();
    }

    @Test
    void theTrainingSummaryHasSparksMetrics() {
        List<Row> train = rows(300, 3);
        Dataset<Row> trainFrame = frame(train, 3).cache();
        for (boolean weighted : new boolean[] {false, true}) {
            for (boolean fitIntercept : new boolean[] {true, false}) {
                String c = (weighted ? "weighted" : "unweighted") + (fitIntercept ? ", intercept" : ", through the origin");
                LinearRegression lr = new LinearRegression().setSolver("normal").setFitIntercept(fitIntercept);
                DownhillRegressor est = new DownhillRegressor().setSolver("normal").setFitIntercept(fitIntercept);
                if (weighted) {
                    lr.setWeightCol("weight");
                    est.setWeightCol("weight");
                }
                LinearRegressionModel theirs = lr.fit(trainFrame);
                DownhillRegressionModel ours = est.fit(trainFrame);
                double[] a = ours.coefficients().toArray();
                double[] b = theirs.coefficients().toArray();
                for (int j = 0; j < 3; j++) {
                    close(b[j], a[j], 1e-10, c + ": coefficient " + j);
                }
                assertEquals(theirs.intercept(), ours.intercept(), 1e-10 * Math.max(1, Math.abs(theirs.intercept())), c);
                org.apache.spark.ml.regression.LinearRegressionTrainingSummary s = theirs.summary();
                DownhillRegressionSummary o = ours.summary();
                close(s.meanSquaredError(), o.meanSquaredError(), 1e-9, c + ": mse");
                close(s.rootMeanSquaredError(), o.rootMeanSquaredError(), 1e-9, c + ": rmse");
                close(s.meanAbsoluteError(), o.meanAbsoluteError(), 1e-9, c + ": mae");
                close(s.explainedVariance(), o.explainedVariance(), 1e-9, c + ": explained variance");
                assertEquals(s.numInstances(), o.numInstances(), c + ": numInstances");
                assertEquals(s.degreesOfFreedom(), o.degreesOfFreedom(), c + ": degreesOfFreedom");
                double theirR2 = weighted && fitIntercept ? sparksR2(o.r2(), weightSums(train, true)) : o.r2();
                close(s.r2(), theirR2, 1e-9, c + ": r2");
                if (!(weighted && fitIntercept)) {
                    close(s.r2adj(), o.r2adj(), 1e-9, c + ": r2adj");
                }
                // the record's components and the metrics are the same numbers, and evaluate on the training data gives them
                assertEquals(o.metrics().r2(), o.r2(), 0);
                assertEquals(o.metrics().meanSquaredError(), o.meanSquaredError(), 0);
                DownhillRegressionMetrics again = ours.evaluate(trainFrame);
                close(o.meanSquaredError(), again.meanSquaredError(), 1e-12, c + ": evaluate(train) mse");
                close(o.meanAbsoluteError(), again.meanAbsoluteError(), 1e-12, c + ": evaluate(train) mae");
                close(o.explainedVariance(), again.explainedVariance(), 1e-12, c + ": evaluate(train) explained variance");
                close(o.r2(), again.r2(), 1e-12, c + ": evaluate(train) r2");
                assertEquals(o.numInstances(), again.numInstances());
                assertEquals(train.size(), o.predictions().count());
                assertEquals(train.size(), o.residuals().count());
            }
        }
        trainFrame.unpersist();
    }

    /**
     * Partitions held as CSR (4 entries a row of 40): the training summary's pass runs the backend's sparse prediction;
     * evaluate on the same rows predicts with Spark's vectors. The same metrics to rounding.
     */
    @Test
    void theTrainingSummaryOfSparseRowsIsEvaluateOnTheTrainingData() {
        Random r = new Random(5);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            double[] x = new double[40];
            double y = 3 + 0.5 * r.nextGaussian();
            for (int j = 0; j < 40; j++) {
                if ((i + j) % 10 == 0) {
                    x[j] = (1 + j % 3) * r.nextGaussian() + 1;
                    y += (j % 2 == 0 ? 1.5 : -0.5) * x[j];
                }
            }
            rows.add(RowFactory.create(Vectors.dense(x).toSparse(), y, i % 11 == 0 ? 0.0 : 0.5 + r.nextDouble()));
        }
        assertFalse(PartitionProblem.holdDense(100, 40, 400, false), "CSR");
        Dataset<Row> data = frame(rows, 3).cache();
        DownhillRegressionModel ours = new DownhillRegressor().setSolver("cg").setTol(1e-12).setMaxIter(500).setWeightCol("weight")
                .fit(data);
        DownhillRegressionSummary o = ours.summary();
        DownhillRegressionMetrics e = ours.evaluate(data);
        assertTrue(o.r2() > 0.9 && o.r2() < 1, "r2 " + o.r2());
        close(e.meanSquaredError(), o.meanSquaredError(), 1e-12, "mse");
        close(e.meanAbsoluteError(), o.meanAbsoluteError(), 1e-12, "mae");
        close(e.explainedVariance(), o.explainedVariance(), 1e-12, "explained variance");
        close(e.r2(), o.r2(), 1e-12, "r2");
        close(e.r2adj(), o.r2adj(), 1e-12, "r2adj");
        assertEquals(300 - 28, o.numInstances());
        assertEquals(300 - 28 - 41, o.degreesOfFreedom());
        data.unpersist();
    }

    /** Exact decimal arithmetic on 7 rows (one of weight 0, one a sparse vector): every metric, both weightings and r2 forms. */
    @Test
    void metricsMatchAHandComputation() {
        double[][] x = {{1, 2}, {-0.5, 3.25}, {2.75, -1}, {0, 0}, {4, 1.5}, {-3, 0.125}, {1.5, -2.5}};
        double[] y = {3.1, -0.4, 7.3, 2.2, 5.9, -6.05, 8.75};
        double[] w = {1, 2.5, 0.75, 0, 3, 1.25, 0.5};
        double[] theta = {1.75, -0.8};
        double b = 1.2;
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < y.length; i++) {
            Vector v = Vectors.dense(x[i]);
            rows.add(RowFactory.create(i == 3 ? v.toSparse() : v, y[i], w[i]));
        }
        Dataset<Row> data = frame(rows, 2);
        MathContext mc = MathContext.DECIMAL128;
        for (boolean weighted : new boolean[] {false, true}) {
            for (boolean fitIntercept : new boolean[] {true, false}) {
                String c = (weighted ? "weighted" : "unweighted") + (fitIntercept ? ", intercept" : ", through the origin");
                double intercept = fitIntercept ? b : 0;
                DownhillRegressionMetrics o = model(Vectors.dense(theta), intercept, fitIntercept, weighted).evaluate(data);
                BigDecimal sw = BigDecimal.ZERO, swy = BigDecimal.ZERO, swp = BigDecimal.ZERO, sse = BigDecimal.ZERO,
                        sae = BigDecimal.ZERO, syy = BigDecimal.ZERO;
                BigDecimal[] p = new BigDecimal[y.length];
                long count = 0;
                for (int i = 0; i < y.length; i++) {
                    p[i] = new BigDecimal(intercept).add(new BigDecimal(x[i][0]).multiply(new BigDecimal(theta[0])))
                            .add(new BigDecimal(x[i][1]).multiply(new BigDecimal(theta[1])));
                    BigDecimal wi = new BigDecimal(weighted ? w[i] : 1);
                    BigDecimal yi = new BigDecimal(y[i]);
                    BigDecimal r = yi.subtract(p[i]);
                    sw = sw.add(wi);
                    swy = swy.add(wi.multiply(yi));
                    swp = swp.add(wi.multiply(p[i]));
                    sse = sse.add(wi.multiply(r).multiply(r));
                    sae = sae.add(wi.multiply(r.abs()));
                    syy = syy.add(wi.multiply(yi).multiply(yi));
                    count += wi.signum() > 0 ? 1 : 0;
                }
                BigDecimal ym = swy.divide(sw, mc);
                BigDecimal sst = BigDecimal.ZERO, ssreg = BigDecimal.ZERO;
                for (int i = 0; i < y.length; i++) {
                    BigDecimal wi = new BigDecimal(weighted ? w[i] : 1);
                    BigDecimal dy = new BigDecimal(y[i]).subtract(ym);
                    BigDecimal dp = p[i].subtract(ym);
                    sst = sst.add(wi.multiply(dy).multiply(dy));
                    ssreg = ssreg.add(wi.multiply(dp).multiply(dp));
                }
                double mse = sse.divide(sw, mc).doubleValue();
                BigDecimal unexplained = sse.divide(fitIntercept ? sst : syy, mc); // 1 − r2
                double r2 = BigDecimal.ONE.subtract(unexplained).doubleValue();
                int k = fitIntercept ? 1 : 0;
                double r2adj = BigDecimal.ONE.subtract(unexplained.multiply(BigDecimal.valueOf(count - k))
                        .divide(BigDecimal.valueOf(count - 2 - k), mc)).doubleValue();
                // float64 predictions (one dot product of 2 terms) and sums of 7 terms: ~1e-15; 1e-13 leaves room
                close(mse, o.meanSquaredError(), 1e-13, c + ": mse");
                close(Math.sqrt(mse), o.rootMeanSquaredError(), 1e-13, c + ": rmse");
                close(sae.divide(sw, mc).doubleValue(), o.meanAbsoluteError(), 1e-13, c + ": mae");
                close(ssreg.divide(sw, mc).doubleValue(), o.explainedVariance(), 1e-13, c + ": explained variance");
                close(r2, o.r2(), 1e-13, c + ": r2");
                close(r2adj, o.r2adj(), 1e-13, c + ": r2adj");
                assertEquals(weighted ? 6 : 7, o.numInstances(), c);
                assertEquals(o.numInstances() - 2 - k, o.degreesOfFreedom(), c);
            }
        }
    }

    /** Metrics of the same partitions are the same bits; another partitioning changes them only by rounding; no rows collected. */
    @Test
    void evaluateIsDeterministicAndCollectsNoRows() {
        List<Row> many = rows(40_000, 7); // 40,000 × (3 + 2) float64: 1.6 MB, over the driver's 1 MiB of task results
        DownhillRegressionModel m = model(Vectors.dense(1.5, -0.75, 0.5), 3, true, true);
        Dataset<Row> four = frame(many, 4);
        assertThrows(Exception.class, () -> four.toJavaRDD().collect());
        DownhillRegressionMetrics a = m.evaluate(four);
        DownhillRegressionMetrics b = m.evaluate(four);
        DownhillRegressionMetrics seven = m.evaluate(frame(many, 7));
        assertArrayEquals(new double[] {a.meanSquaredError(), a.meanAbsoluteError(), a.r2(), a.explainedVariance()},
                new double[] {b.meanSquaredError(), b.meanAbsoluteError(), b.r2(), b.explainedVariance()}, 0);
        close(a.meanSquaredError(), seven.meanSquaredError(), 1e-13, "mse, 7 partitions vs 4");
        close(a.explainedVariance(), seven.explainedVariance(), 1e-13, "explained variance, 7 partitions vs 4");
        close(a.r2(), seven.r2(), 1e-13, "r2, 7 partitions vs 4");
        assertEquals(a.numInstances(), seven.numInstances());
    }

    @Test
    void badInputToEvaluateFailsInOneLineNamingTheColumn() {
        DownhillRegressionModel weighted = model(Vectors.dense(1, 2, 3), 0.5, true, true);
        List<Row> good = rows(20, 4);
        Dataset<Row> frame = frame(good, 2);
        assertColumn(() -> weighted.evaluate(frame.drop("weight")), "column 'weight' (the model's weightCol) is not in the dataset "
                + "(its columns: features, label); to evaluate unweighted, use model.copy(new ParamMap().put(model.weightCol(), \"\"))");
        // … which works
        DownhillRegressionModel unweighted = weighted.copy(new ParamMap().put(weighted.weightCol(), ""));
        assertEquals(20, unweighted.evaluate(frame.drop("weight")).numInstances());
        assertColumn(() -> weighted.evaluate(frame.drop("label")),
                "column 'label' (the model's labelCol) is not in the dataset (its columns: features, weight)");
        assertColumn(() -> weighted.evaluate(frame.withColumn("features", org.apache.spark.sql.functions.lit("x"))),
                "column 'features' (the model's featuresCol) is of type string, not a vector (Spark's VectorAssembler makes one)");
        assertColumn(() -> weighted.evaluate(frame.withColumn("label", org.apache.spark.sql.functions.lit("x"))),
                "column 'label' (the model's labelCol) is of type string, not numeric");
        assertColumn(() -> weighted.evaluate(frame.limit(0)), "the dataset has no rows");
        List<Row> zeros = new ArrayList<>();
        for (Row r : good) {
            zeros.add(RowFactory.create(r.get(0), r.get(1), 0.0));
        }
        assertColumn(() -> weighted.evaluate(frame(zeros, 2)), "column 'weight': every weight is zero");
        assertRow(weighted, good, 5, RowFactory.create(Vectors.dense(1, 2), 1.0, 1.0),
                "column 'features': row 5 of partition 0 has 2 values, the model has 3 features");
        assertRow(weighted, good, 7, RowFactory.create(good.get(7).get(0), Double.NaN, 1.0),
                "column 'label': row 7 of partition 0 is NaN (every value must be finite)");
        assertRow(weighted, good, 3, RowFactory.create(good.get(3).get(0), null, 1.0), "column 'label': row 3 of partition 0 is null");
        assertRow(weighted, good, 12, RowFactory.create(null, 1.0, 1.0), "column 'features': row 2 of partition 1 is null");
        assertRow(weighted, good, 4, RowFactory.create(Vectors.sparse(3, new int[] {1}, new double[] {Double.POSITIVE_INFINITY}), 1.0,
                1.0), "column 'features': row 4 of partition 0 has Infinity at index 1 (every value must be finite)");
        assertRow(weighted, good, 9, RowFactory.create(good.get(9).get(0), 1.0, -2.0),
                "column 'weight': row 9 of partition 0 is -2.0 (weights must be ≥ 0)");
        assertRow(weighted, good, 10, RowFactory.create(good.get(10).get(0), 1.0, Double.NaN),
                "column 'weight': row 0 of partition 1 is NaN (every value must be finite)");
        // unweighted, the weight column is not read: a NaN there is no error
        List<Row> nanWeight = new ArrayList<>(good);
        nanWeight.set(10, RowFactory.create(good.get(10).get(0), 1.0, Double.NaN));
        assertEquals(20, unweighted.evaluate(frame(nanWeight, 2)).numInstances());
    }

    private static void assertColumn(org.junit.jupiter.api.function.Executable call, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }

    private static void assertRow(DownhillRegressionModel model, List<Row> good, int at, Row bad, String expected) {
        List<Row> rows = new ArrayList<>(good);
        rows.set(at, bad);
        InvalidRowException e = assertThrows(InvalidRowException.class, () -> model.evaluate(frame(rows, 2)));
        assertEquals(expected, e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    /**
     * A constant non-zero feature column without an intercept. Spark's LinearRegression gives it coefficient 0 when it
     * finds its standard deviation 0 — l-bfgs always (its running variance of a constant is exactly 0), normal when
     * E[x²] − E[x]² rounds to exactly 0 (always for c = 1; for c = 0.1 on these rows it does not, and the normal solver
     * fits the column as downhill does). downhill minimises the objective: with λ = 0 that is least squares through
     * the origin, where the constant column plays the intercept — the answer of Spark's own fit of the other column with
     * fitIntercept true (the constant column's coefficient is its b/c). Spark's zero costs a far worse fit.
     */
    @Test
    void aConstantColumnWithoutAnInterceptIsFittedAsLeastSquaresDoes() {
        Random r = new Random(1);
        for (double constant : new double[] {1.0, 0.1}) {
            List<Row> rows = new ArrayList<>();
            List<Row> withoutIt = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                double a = r.nextGaussian();
                double drawn = 0.5 + r.nextDouble();
                double w = i % 7 == 0 ? 0 : drawn;
                double y = 2 * a + 5 + 0.1 * r.nextGaussian();
                rows.add(RowFactory.create(Vectors.dense(a, constant), y, w));
                withoutIt.add(RowFactory.create(Vectors.dense(a), y, w));
            }
            Dataset<Row> data = frame(rows, 2).cache();
            LinearRegressionModel withIntercept = new LinearRegression().setSolver("normal").setWeightCol("weight")
                    .fit(frame(withoutIt, 2));
            double[] leastSquares = {withIntercept.coefficients().apply(0), withIntercept.intercept() / constant};
            for (String solver : new String[] {"normal", "cg", "svd"}) {
                DownhillRegressionModel ours = new DownhillRegressor().setSolver(solver).setFitIntercept(false).setWeightCol("weight")
                        .setTol(1e-12).fit(data);
                assertEquals(0, ours.intercept(), 0);
                for (int j = 0; j < 2; j++) {
                    close(leastSquares[j], ours.coefficients().apply(j), 1e-10, "c = " + constant + ", " + solver + ": coefficient " + j);
                }
                close(withIntercept.summary().meanSquaredError(), ours.summary().meanSquaredError(), 1e-9, "least squares' mse");
            }
            for (String solver : new String[] {"normal", "l-bfgs"}) {
                LinearRegressionModel theirs = new LinearRegression().setSolver(solver).setFitIntercept(false).setWeightCol("weight")
                        .fit(data);
                String c = "Spark " + solver + ", c = " + constant;
                if (solver.equals("l-bfgs") || constant == 1.0) {
                    assertEquals(0.0, theirs.coefficients().apply(1), 0, c + ": the constant column's coefficient");
                    assertTrue(theirs.summary().meanSquaredError() > 100 * withIntercept.summary().meanSquaredError(),
                            c + ": without the column, a far worse fit " + theirs.summary().meanSquaredError());
                } else {
                    close(leastSquares[1], theirs.coefficients().apply(1), 1e-8, c + ": fitted as downhill does");
                }
            }
            data.unpersist();
        }
    }

    /**
     * A constant column with an intercept is no feature at all (the intercept spans it): svd's minimum-norm answer gives
     * it 0 and the other coefficients are the fit without it; the normal equations refuse it by name, as on one machine.
     * The partitions' means merged by a plain weighted sum differed from the constant in the last bit, so the merged
     * centred Gram matrix and R factor held that rounding as a column of spread ~1e-16, which svd scaled to unit norm:
     * θ ≈ −1.7e13, b ≈ 6.4e13 (the Spark helper's find).
     */
    @Test
    void aConstantColumnWithAnInterceptGetsNoCoefficient() {
        Random r = new Random(4);
        for (double constant : new double[] {3.7, 0.1, 1e-3}) {
            List<Row> rows = new ArrayList<>();
            List<Row> withoutIt = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                double a = r.nextGaussian();
                double w = 0.5 + r.nextDouble();
                double y = 2 * a + 5 + 0.1 * r.nextGaussian();
                rows.add(RowFactory.create(Vectors.dense(a, constant), y, w));
                withoutIt.add(RowFactory.create(Vectors.dense(a), y, w));
            }
            for (int partitions : new int[] {2, 5}) {
                Dataset<Row> data = frame(rows, partitions).cache();
                DownhillRegressionModel reference = new DownhillRegressor().setSolver("svd").setWeightCol("weight")
                        .fit(frame(withoutIt, partitions));
                for (String solver : new String[] {"svd", "auto", "cg", "normal"}) { // normal: coefficient 0, as Spark's
                    DownhillRegressionModel ours = new DownhillRegressor().setSolver(solver).setWeightCol("weight").setTol(1e-12)
                            .fit(data);
                    String c = "c = " + constant + ", " + partitions + " partitions, " + solver;
                    assertEquals(0.0, ours.coefficients().apply(1), solver.equals("cg") ? 1e-9 : 0, c + ": the constant column");
                    close(reference.coefficients().apply(0), ours.coefficients().apply(0), 1e-10, c + ": the other coefficient");
                    close(reference.intercept(), ours.intercept(), 1e-10, c + ": the intercept");
                }
                data.unpersist();
            }
        }
    }
}
