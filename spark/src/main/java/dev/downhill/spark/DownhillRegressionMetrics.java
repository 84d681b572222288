package dev.downhill.spark;

import java.io.Serializable;
import java.util.Collections;
import java.util.Locale;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/**
 * How well a {@link DownhillRegressionModel} fits a DataFrame, with the names and meanings of Spark's
 * {@code LinearRegressionSummary}: what {@link DownhillRegressionModel#evaluate} returns, and what the training summary
 * ({@link DownhillRegressionSummary#metrics()}) holds for the training data. With the model's weight column set (and
 * in the data), every sum is weighted by it, as Spark's are; W = Σwᵢ (the number of rows when unweighted), rᵢ = yᵢ − ŷᵢ,
 * ȳ the weighted mean label:
 * <ul>
 *   <li>{@link #meanSquaredError()} Σwᵢrᵢ²/W, {@link #rootMeanSquaredError()} its square root, {@link #meanAbsoluteError()}
 *   Σwᵢ|rᵢ|/W;
 *   <li>{@link #r2()} 1 − Σwᵢrᵢ²/Σwᵢ(yᵢ − ȳ)², or 1 − Σwᵢrᵢ²/Σwᵢyᵢ² (through the origin) when the model has no intercept,
 *   as Spark chooses. Unweighted it is Spark's number; weighted, Spark divides by Σwᵢ(yᵢ − ȳ)²·(W − 1)/(W − Σwᵢ²/W) (its
 *   unbiased weighted variance times W − 1), which depends on the weights' scale and is negative when W &lt; 1 — downhill
 *   keeps the usual weighted R² above (R's {@code lm}, scikit-learn's {@code r2_score}, core's {@code Score}); Spark's is
 *   1 − (1 − r2)·(W − Σwᵢ²/W)/(W − 1);
 *   <li>{@link #r2adj()} 1 − (1 − r2)·(N − k)/(N − p − k) and {@link #degreesOfFreedom()} N − p − k, with N =
 *   {@link #numInstances()} (the rows of weight &gt; 0), p the number of features and k = 1 with an intercept, else 0 — as
 *   Spark defines them;
 *   <li>{@link #explainedVariance()} Σwᵢ(ŷᵢ − ȳ)²/W — what Spark computes (its Javadoc's "1 − variance(y − ŷ)/variance(y)" is
 *   not what it returns).
 * </ul>
 * r2 is NaN when its denominator is 0 (every label equal, or every label 0 through the origin; Spark divides by that 0).
 *
 * <p>The numbers are computed on the executors in one pass: each partition sums its rows in float64 (means and squared
 * deviations as running updates), and the partials are combined in a fixed order over the partition indices, so the same
 * partitions give the same bits. No row reaches the driver. {@link #predictions()} and {@link #residuals()} are lazy
 * DataFrames (not kept when this object is serialized, as Spark's are not); with the model's predictionCol empty, the
 * predictions are in a column named {@code prediction_<uuid>}, as Spark names it.
 */
public final class DownhillRegressionMetrics implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Makes {@link #predictions()} on first use (the model's transform; null in a deserialized copy). */
    private final transient Supplier<Dataset<Row>> transform;
    private transient Dataset<Row> predictions;
    private final String predictionCol;
    private final String labelCol;
    private final String featuresCol;
    private final double meanSquaredError;
    private final double meanAbsoluteError;
    private final double r2;
    private final double r2adj;
    private final double explainedVariance;
    private final long numInstances;
    private final long degreesOfFreedom;

    private DownhillRegressionMetrics(Supplier<Dataset<Row>> transform, String predictionCol, String labelCol, String featuresCol,
                                      double meanSquaredError, double meanAbsoluteError, double r2, double r2adj,
                                      double explainedVariance, long numInstances, long degreesOfFreedom) {
        this.transform = transform;
        this.predictionCol = predictionCol;
        this.labelCol = labelCol;
        this.featuresCol = featuresCol;
        this.meanSquaredError = meanSquaredError;
        this.meanAbsoluteError = meanAbsoluteError;
        this.r2 = r2;
        this.r2adj = r2adj;
        this.explainedVariance = explainedVariance;
        this.numInstances = numInstances;
        this.degreesOfFreedom = degreesOfFreedom;
    }

    /**
     * The metrics of {@link MetricSums} {@code s} for a model of {@code numFeatures} features.
     *
     * @param throughOrigin whether r2 is taken through the origin (the model has no intercept)
     * @param transform     makes the predictions DataFrame (called on the first {@link #predictions()})
     */
    static DownhillRegressionMetrics of(double[] s, int numFeatures, boolean throughOrigin, Supplier<Dataset<Row>> transform,
                                        String predictionCol, String labelCol, String featuresCol) {
        double w = s[MetricSums.WEIGHT];
        double sse = s[MetricSums.SQUARED_ERROR];
        double total = throughOrigin ? s[MetricSums.LABEL_SQUARES] : s[MetricSums.LABEL_DEVIATIONS];
        double r2 = total > 0 ? 1 - sse / total : Double.NaN;
        long n = (long) s[MetricSums.COUNT];
        long k = throughOrigin ? 0 : 1;
        double r2adj = 1 - (1 - r2) * (double) (n - k) / (double) (n - numFeatures - k);
        double shift = s[MetricSums.PREDICTION_MEAN] - s[MetricSums.LABEL_MEAN];
        double explained = (s[MetricSums.PREDICTION_DEVIATIONS] + w * shift * shift) / w;
        return new DownhillRegressionMetrics(transform, predictionCol, labelCol, featuresCol, sse / w,
                s[MetricSums.ABSOLUTE_ERROR] / w, r2, r2adj, explained, n, n - numFeatures - k);
    }

    /**
     * The data with the model's predictions, {@code model.transform(data)} (made on the first call — a dataset that already
     * has the prediction column fails here, not in evaluate or the fit); null in a deserialized copy.
     */
    public synchronized Dataset<Row> predictions() {
        if (predictions == null && transform != null) {
            predictions = transform.get();
        }
        return predictions;
    }

    /** The prediction column of {@link #predictions()}. */
    public String predictionCol() {
        return predictionCol;
    }

    public String labelCol() {
        return labelCol;
    }

    public String featuresCol() {
        return featuresCol;
    }

    /** Σwᵢ(ŷᵢ − ȳ)²/W. */
    public double explainedVariance() {
        return explainedVariance;
    }

    /** Σwᵢ|yᵢ − ŷᵢ|/W. */
    public double meanAbsoluteError() {
        return meanAbsoluteError;
    }

    /** Σwᵢ(yᵢ − ŷᵢ)²/W. */
    public double meanSquaredError() {
        return meanSquaredError;
    }

    /** √{@link #meanSquaredError()}. */
    public double rootMeanSquaredError() {
        return Math.sqrt(meanSquaredError);
    }

    /** 1 − Σwᵢrᵢ²/Σwᵢ(yᵢ − ȳ)² (through the origin: Σwᵢyᵢ² below) — see the class comment for Spark's weighted variant. */
    public double r2() {
        return r2;
    }

    /** 1 − (1 − r2)·(N − k)/(N − p − k), as Spark's. */
    public double r2adj() {
        return r2adj;
    }

    /** One column, {@code residuals}: label − prediction for every row of {@link #predictions()} (lazy). */
    public Dataset<Row> residuals() {
        Dataset<Row> predictions = predictions();
        if (predictions == null) {
            throw new IllegalStateException("no predictions: this copy of the metrics was deserialized (the DataFrame is not kept)");
        }
        return predictions.select(functions.col(quote(labelCol)).cast("double").minus(functions.col(quote(predictionCol)))
                .as("residuals"));
    }

    /** N: the rows of weight &gt; 0 (every row when unweighted), as Spark counts them. */
    public long numInstances() {
        return numInstances;
    }

    /** N − p − k: p features, k = 1 with an intercept. */
    public long degreesOfFreedom() {
        return degreesOfFreedom;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "DownhillRegressionMetrics: numInstances=%d, r2=%s, r2adj=%s, rootMeanSquaredError=%s, "
                + "meanAbsoluteError=%s, explainedVariance=%s", numInstances, r2, r2adj, rootMeanSquaredError(), meanAbsoluteError,
                explainedVariance);
    }

    /** A column name as one identifier ({@code functions.col} would read a dot as a struct field). */
    static String quote(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    /**
     * The {@link MetricSums} of a model (θ, b) on {@code dataset}, on the executors: one job, one partial per partition,
     * combined in partition order. Checks the columns first and every row as it reads it; bad input fails with a one-line
     * message naming the column (and the row).
     *
     * @param weightCol the model's weight column, or null/empty for unweighted sums
     */
    static double[] sums(Dataset<?> dataset, Vector coefficients, double intercept, String featuresCol, String labelCol,
                         String weightCol, int depth) {
        boolean weighted = weightCol != null && !weightCol.isEmpty();
        StructType schema = dataset.schema();
        int n = coefficients.size();
        checkColumn(schema, featuresCol, "featuresCol", true, null);
        checkColumn(schema, labelCol, "labelCol", false, null);
        if (weighted) {
            checkColumn(schema, weightCol, "weightCol", false, "; to evaluate unweighted, use "
                    + "model.copy(new ParamMap().put(model.weightCol(), \"\"))");
        }
        Column[] columns = weighted
                ? new Column[] {functions.col(quote(featuresCol)), functions.col(quote(labelCol)).cast("double"),
                                functions.col(quote(weightCol)).cast("double")}
                : new Column[] {functions.col(quote(featuresCol)), functions.col(quote(labelCol)).cast("double")};
        JavaRDD<Row> rows = dataset.select(columns).toJavaRDD();
        String wc = weighted ? weightCol : null;
        double[] s = SparkResidentProblem.unwrap(() -> rows.mapPartitionsWithIndex((index, it) -> {
            double[] partial = new double[MetricSums.SIZE];
            long i = 0;
            while (it.hasNext()) {
                Row row = it.next();
                if (row.isNullAt(PartitionProblem.FEATURES)) {
                    throw InvalidRowException.of(featuresCol, index, i, "is null");
                }
                Vector v = (Vector) row.get(PartitionProblem.FEATURES);
                if (v.size() != n) {
                    throw InvalidRowException.of(featuresCol, index, i, "has " + v.size() + " values, the model has " + n
                            + " features");
                }
                double[] values = v instanceof SparseVector sv ? sv.values() : ((DenseVector) v).values();
                for (int k = 0; k < values.length; k++) {
                    if (!Double.isFinite(values[k])) {
                        PartitionProblem.checkFinite(values[k], featuresCol, index, i,
                                v instanceof SparseVector sv ? sv.indices()[k] : k);
                    }
                }
                double y = PartitionProblem.label(row, PartitionProblem.LABEL, labelCol, index, i);
                double w = 1;
                if (wc != null) {
                    w = PartitionProblem.label(row, PartitionProblem.WEIGHT, wc, index, i);
                    if (w < 0) {
                        throw InvalidRowException.of(wc, index, i, "is " + w + " (weights must be ≥ 0)");
                    }
                }
                MetricSums.add(partial, y, v.dot(coefficients) + intercept, w);
                i++;
            }
            return Collections.singletonList(new SparkResidentProblem.Leaf(index, partial)).iterator();
        }, true).treeAggregate(new OrderedTreeSum(OrderedTreeSum.MOMENTS), (agg, leaf) -> agg.add(leaf.partition(), leaf.value()),
                OrderedTreeSum::merge, depth).result());
        if (s == null || s[MetricSums.ROWS] == 0) {
            throw new IllegalArgumentException("the dataset has no rows");
        }
        if (!(s[MetricSums.WEIGHT] > 0)) {
            throw new IllegalArgumentException("column '" + weightCol + "': every weight is zero");
        }
        if (s[MetricSums.WEIGHT] == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("column '" + weightCol + "': the weights sum to Infinity (rescale them)");
        }
        return s;
    }

    private static void checkColumn(StructType schema, String name, String param, boolean vector, String hint) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(param + " is not set");
        }
        if (!java.util.Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException("column '" + name + "' (the model's " + param + ") is not in the dataset (its columns: "
                    + String.join(", ", schema.fieldNames()) + ")" + (hint == null ? "" : hint));
        }
        DataType type = schema.apply(name).dataType();
        if (vector ? !type.equals(SQLDataTypes.VectorType()) : !(type instanceof NumericType)) {
            throw new IllegalArgumentException("column '" + name + "' (the model's " + param + ") is of type " + type.simpleString()
                    + ", not " + (vector ? "a vector (Spark's VectorAssembler makes one)" : "numeric"));
        }
    }
}
