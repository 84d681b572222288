package dev.downhill.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.ml.regression.LinearRegressionTrainingSummary;
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
 * The summary's coefficientStandardErrors, tValues and pValues against Spark's own {@code LinearRegression} (solver normal,
 * a weight column), which computes them by the same conventions: σ̂² = Σwᵢrᵢ²/(m − n − 1), Cov = σ̂²(XᵀWX)⁻¹, the intercept
 * last.
 */
class DownhillRegressionSummaryInferenceTest {
    private static SparkSession spark;

    private static final StructType SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField("features", SQLDataTypes.VectorType(), true),
        DataTypes.createStructField("label", DataTypes.DoubleType, true),
        DataTypes.createStructField("weight", DataTypes.DoubleType, true)});

    @BeforeAll
    static void start() {
        spark = LocalSpark.start("downhill-spark-inference-test");
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /** 300 × 4, two columns without effect (moderate p-values), weights in [0.5, 2) but every tenth row's 0. */
    private static Dataset<Row> frame() {
        Random r = new Random(17);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            double[] x = new double[4];
            double y = 2;
            for (int j = 0; j < 4; j++) {
                x[j] = (j + 1) * r.nextGaussian() + j;
            }
            y += 0.8 * x[0] - 0.3 * x[2] + r.nextGaussian();
            double w = 0.5 + 1.5 * r.nextDouble();
            rows.add(RowFactory.create(Vectors.dense(x), y, i % 10 == 9 ? 0.0 : w)); // rows of weight 0: not in ν, as Spark's
        }
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 3), SCHEMA);
    }

    @Test
    void agreeWithSparksNormalSolver() {
        Dataset<Row> frame = frame().cache();
        for (boolean intercept : new boolean[] {true, false}) {
            LinearRegressionModel spk = new org.apache.spark.ml.regression.LinearRegression().setSolver("normal")
                    .setWeightCol("weight").setFitIntercept(intercept).fit(frame);
            DownhillRegressionSummary ours = new DownhillRegressor().setSolver("normal").setWeightCol("weight")
                    .setFitIntercept(intercept).fit(frame).summary();
            LinearRegressionTrainingSummary theirs = spk.summary();
            // Spark solves and inverts its (standardized) Gram matrix in float64 too; the condition number of these
            // columns' XᵀWX is ~1e2, so both are good to ~1e-13 — 1e-9 leaves room for Spark's own formulation
            close(theirs.coefficientStandardErrors(), ours.coefficientStandardErrors(), 1e-9, "standard errors", intercept);
            close(theirs.tValues(), ours.tValues(), 1e-9, "t-values", intercept);
            double[] sp = theirs.pValues();
            double[] op = ours.pValues();
            assertEquals(sp.length, op.length);
            for (int j = 0; j < sp.length; j++) {
                // Spark's p = 2·(1 − cdf(|t|)) loses its relative accuracy as p falls (1 − cdf cancels): compare where
                // p > 1e-6 to 1e-6 relative, elsewhere to 1e-14 absolute
                double tolerance = sp[j] > 1e-6 ? 1e-6 * sp[j] : 1e-14;
                assertEquals(sp[j], op[j], tolerance, "p-value " + j + (intercept ? "" : " (no intercept)"));
            }
        }
    }

    /** The default solver, auto, has them where Spark's auto has them (its normal solver: dense rows, ≤ 4,096 features). */
    @Test
    void theDefaultSolverHasThemAsSparksDefaultDoes() {
        Dataset<Row> frame = frame().cache();
        LinearRegressionTrainingSummary theirs = new org.apache.spark.ml.regression.LinearRegression().setWeightCol("weight")
                .fit(frame).summary();
        DownhillRegressionSummary ours = new DownhillRegressor().setWeightCol("weight").fit(frame).summary();
        assertEquals("normal", ours.solver());
        close(theirs.coefficientStandardErrors(), ours.coefficientStandardErrors(), 1e-9, "standard errors (auto)", true);
        close(theirs.tValues(), ours.tValues(), 1e-9, "t-values (auto)", true);
        // no iterations: one entry in the history, as Spark's normal solver has (its value there is 0)
        assertEquals(0, ours.totalIterations());
        assertEquals(theirs.totalIterations(), ours.totalIterations());
        assertEquals(theirs.objectiveHistory().length, ours.objectiveHistory().length);
        assertEquals(ours.meanSquaredError(), ours.objectiveHistory()[0], 1e-15 * ours.meanSquaredError(), "the MSE at the answer");
    }

    @Test
    void aPenalisedFitHasNoneAndSaysSo() {
        DownhillRegressionSummary ridge = new DownhillRegressor().setSolver("normal").setRegParam(0.1).fit(frame()).summary();
        assertThrows(UnsupportedOperationException.class, ridge::coefficientStandardErrors);
        assertThrows(UnsupportedOperationException.class, ridge::pValues);
    }

    private static void close(double[] expected, double[] actual, double relative, String what, boolean intercept) {
        assertEquals(expected.length, actual.length, what);
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], actual[j], relative * Math.abs(expected[j]), what + " " + j + (intercept ? "" : " (no intercept)"));
        }
    }
}
