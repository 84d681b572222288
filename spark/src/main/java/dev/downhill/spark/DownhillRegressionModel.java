package dev.downhill.spark;

import dev.downhill.FittedModel;
import java.io.IOException;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamPair;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The model {@link DownhillRegressor} fits: ŷ = xᵀθ + b, a Spark ML {@code Transformer} that predicts on the executors
 * (dense or sparse feature vectors). Persistence as Spark ML's own models: {@code write().save(path)} writes Spark's
 * metadata (class, uid, params) and one Parquet row (intercept, coefficients); {@link #load} reads it back, also from a
 * saved {@code PipelineModel}. It has the estimator's params ({@link DownhillRegressionParams}) with the values it was
 * fitted with: {@code getRegParam()}, {@code getSolver()}, … (a model saved before it had them loads with their defaults).
 */
public final class DownhillRegressionModel extends RegressionModel<Vector, DownhillRegressionModel>
        implements DownhillRegressionParams, MLWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Declared params;
    private final Vector coefficients;
    private final double intercept;
    private transient DownhillRegressionSummary summary;
    private transient FittedModel fitted;

    DownhillRegressionModel(String uid, Vector coefficients, double intercept) {
        this(Uids.pending(uid), coefficients, intercept);
    }

    private DownhillRegressionModel(Uids.Pending pending, Vector coefficients, double intercept) {
        this.uid = pending.take();
        this.params = new Declared(this);
        for (ParamPair<?> p : params.defaults()) {
            defaultOf(p);
        }
        this.coefficients = coefficients;
        this.intercept = intercept;
    }

    private <T> void defaultOf(ParamPair<T> p) {
        setDefault(p.param(), p.value());
    }

    /** The params it was fitted with (copied from the {@link DownhillRegressor}; saved and loaded with the model). */
    @Override
    public Declared declaredParams() {
        return params;
    }

    @Override
    public String uid() {
        return uid != null ? uid : Uids.current();
    }

    /** θ, one per feature. */
    public Vector coefficients() {
        return coefficients;
    }

    /** b (0 when fitIntercept was false). */
    public double intercept() {
        return intercept;
    }

    /**
     * Spark's {@code LinearRegressionModel.scale}: the huber loss's fitted scale σ, 1 for squared error — always 1 here
     * (downhill fits squared error).
     */
    public double scale() {
        return 1.0;
    }

    @Override
    public int numFeatures() {
        return coefficients.size();
    }

    @Override
    public double predict(Vector features) {
        if (features.size() != coefficients.size()) {
            throw new IllegalArgumentException("column '" + getFeaturesCol() + "': a vector of " + features.size()
                    + " values, the model has " + coefficients.size() + " features");
        }
        return features.dot(coefficients) + intercept;
    }

    /** Whether the training summary is here (a model just fitted; not one loaded from disk). */
    public boolean hasSummary() {
        return summary != null;
    }

    /** The training summary: loss history, r², RMSE, iterations, and Spark's other metrics ({@link DownhillRegressionSummary}). */
    public DownhillRegressionSummary summary() {
        if (summary == null) {
            throw new IllegalStateException("no training summary: this model was not fitted in this session (it was loaded from "
                    + "disk; a copy of a fitted model keeps its summary, as Spark's models do)");
        }
        return summary;
    }

    /**
     * The model's fit on {@code dataset}, as Spark's {@code LinearRegressionModel.evaluate}: MSE, RMSE, MAE, r², adjusted r²,
     * explained variance, the number of instances and degrees of freedom, and the predictions and residuals as lazy
     * DataFrames ({@link DownhillRegressionMetrics} says each). Weighted by the model's weightCol when it is set (the
     * dataset must have it then, as Spark's evaluate needs it; to evaluate unweighted, evaluate
     * {@code model.copy(new ParamMap().put(model.weightCol(), ""))}); r² is through the origin when fitIntercept is false.
     *
     * <p>One Spark job: each partition sums its rows on its executor (predicting each as {@link #predict} does), and the
     * partials are combined in partition order with a {@code treeAggregate} of the model's aggregationDepth; no row reaches
     * the driver. Bad input fails with a one-line {@link IllegalArgumentException} naming the column — a column missing or
     * of the wrong type — or an {@link InvalidRowException} naming the column and the row (a null, NaN or infinite value, a
     * feature vector of another length than the model's, a negative weight), never a NaN metric.
     */
    public DownhillRegressionMetrics evaluate(Dataset<?> dataset) {
        double[] sums = DownhillRegressionMetrics.sums(dataset, coefficients, intercept, getFeaturesCol(), getLabelCol(),
                WeightColumn.of(this), getAggregationDepth());
        return metricsOf(sums, dataset);
    }

    /** The metrics of {@link MetricSums} {@code sums} of this model on {@code dataset} (its predictions made on demand). */
    DownhillRegressionMetrics metricsOf(double[] sums, Dataset<?> dataset) {
        // as Spark's findSummaryModelAndPredictionCol: an empty predictionCol gets a generated name
        DownhillRegressionModel predicting = getPredictionCol().isEmpty()
                ? copy(ParamMap.empty()).setPredictionCol("prediction_" + java.util.UUID.randomUUID()) : this;
        return DownhillRegressionMetrics.of(sums, numFeatures(), !getFitIntercept(), () -> predicting.transform(dataset),
                predicting.getPredictionCol(), getLabelCol(), getFeaturesCol());
    }

    /**
     * downhill's own model of the fit (for {@code dev.downhill.ModelFile}); null for a model loaded from disk. A fit that
     * maxIter 0 or tol ≥ 1 stopped at its starting point ({@link IterationBounds}) records it as the summary does: this
     * model's coefficients and intercept (θ = 0, b = ȳ), 0 iterations, and stop reason {@code ITERATION_LIMIT} (maxIter 0;
     * {@code converged()} false) or {@code CONVERGED} (tol ≥ 1; {@code converged()} true). Its configuration holds what
     * core ran with: a limit of 1 for maxIter 0, the largest tolerance below 1 for tol ≥ 1.
     */
    public FittedModel fittedModel() {
        return fitted;
    }

    DownhillRegressionModel withTraining(DownhillRegressionSummary s, FittedModel f) {
        this.summary = s;
        this.fitted = f;
        return this;
    }

    @Override
    public DownhillRegressionModel copy(ParamMap extra) {
        DownhillRegressionModel copy = copyValues(new DownhillRegressionModel(uid, coefficients, intercept), extra);
        copy.summary = summary;
        copy.fitted = fitted;
        return copy.setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<DownhillRegressionModel> read() {
        return new Reader();
    }

    public static DownhillRegressionModel load(String path) {
        return read().load(path);
    }

    @Override
    public void save(String path) throws IOException {
        write().save(path);
    }

    @Override
    public String toString() {
        return "DownhillRegressionModel: uid=" + uid + ", numFeatures=" + numFeatures();
    }

    private static final StructType DATA = new StructType(new StructField[] {
        DataTypes.createStructField("intercept", DataTypes.DoubleType, false),
        DataTypes.createStructField("coefficients", SQLDataTypes.VectorType(), false)});

    private static final class Writer extends MLWriter {
        private final DownhillRegressionModel model;

        Writer(DownhillRegressionModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter$.MODULE$.saveMetadata(model, path, sparkSession());
            sparkSession().createDataFrame(List.of(RowFactory.create(model.intercept, model.coefficients)), DATA)
                    .repartition(1).write().parquet(path + "/data");
        }
    }

    private static final class Reader extends MLReader<DownhillRegressionModel> {
        @Override
        public DownhillRegressionModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader$.MODULE$.loadMetadata(path, sparkSession(),
                    DownhillRegressionModel.class.getName());
            Row row = sparkSession().read().parquet(path + "/data").select("intercept", "coefficients").head();
            DownhillRegressionModel model = new DownhillRegressionModel(metadata.uid(), (Vector) row.get(1),
                    row.getDouble(0));
            metadata.getAndSetParams(model, scala.Option.empty());
            return model;
        }
    }

    static Vector dense(double[] values) {
        return Vectors.dense(values);
    }
}
