package dev.downhill.spark;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamPair;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.Identifiable;

/**
 * The params {@link DownhillRegressor} and the {@link DownhillRegressionModel} it fits share, as Spark's
 * {@code LinearRegressionParams} are shared by {@code LinearRegression} and {@code LinearRegressionModel}: the model
 * carries the values it was fitted with ({@code cvModel.bestModel().getRegParam()} after a cross-validation), and they
 * are saved with it. Each instance has its own param objects ({@link Declared}, made for its uid); the accessors and
 * getters here read them.
 */
public interface DownhillRegressionParams extends Params {
    /** downhill's solvers on Spark (sgd and minibatch are not offered: each step would be a Spark job). */
    List<String> SOLVERS = List.of("auto", "gd", "nesterov", "cg", "normal", "svd", "cd");
    /** The backends an executor may use. */
    List<String> BACKENDS = List.of("cpu", "cuda", "auto");
    /** The loss downhill fits (Spark's {@code loss} default; its other, huber, is refused by the fit). */
    String SQUARED_ERROR = "squaredError";
    /** Spark's default {@code epsilon} (the huber loss's shape; it has no effect on squared error). */
    double DEFAULT_EPSILON = 1.35;

    /** This instance's param objects. */
    Declared declaredParams();

    default Param<String> weightCol() {
        return declaredParams().weightCol;
    }

    default BooleanParam fitIntercept() {
        return declaredParams().fitIntercept;
    }

    default DoubleParam regParam() {
        return declaredParams().regParam;
    }

    default DoubleParam elasticNetParam() {
        return declaredParams().elasticNetParam;
    }

    default BooleanParam standardization() {
        return declaredParams().standardization;
    }

    default Param<String> solver() {
        return declaredParams().solver;
    }

    default IntParam maxIter() {
        return declaredParams().maxIter;
    }

    default DoubleParam tol() {
        return declaredParams().tol;
    }

    default Param<String> backend() {
        return declaredParams().backend;
    }

    default IntParam threads() {
        return declaredParams().threads;
    }

    default IntParam aggregationDepth() {
        return declaredParams().aggregationDepth;
    }

    default Param<String> loss() {
        return declaredParams().loss;
    }

    default DoubleParam epsilon() {
        return declaredParams().epsilon;
    }

    default DoubleParam maxBlockSizeInMB() {
        return declaredParams().maxBlockSizeInMB;
    }

    /**
     * The weightCol, when it is set; as Spark's {@code getWeightCol} it has no default, so when it is not set this throws
     * Spark's {@link java.util.NoSuchElementException} ({@code isDefined(weightCol())} says which).
     */
    default String getWeightCol() {
        return getOrDefault(weightCol());
    }

    default boolean getFitIntercept() {
        return (Boolean) getOrDefault(fitIntercept());
    }

    default double getRegParam() {
        return (Double) getOrDefault(regParam());
    }

    default double getElasticNetParam() {
        return (Double) getOrDefault(elasticNetParam());
    }

    default boolean getStandardization() {
        return (Boolean) getOrDefault(standardization());
    }

    default String getSolver() {
        return getOrDefault(solver());
    }

    default int getMaxIter() {
        return (Integer) getOrDefault(maxIter());
    }

    default double getTol() {
        return (Double) getOrDefault(tol());
    }

    default String getBackend() {
        return getOrDefault(backend());
    }

    default int getThreads() {
        return (Integer) getOrDefault(threads());
    }

    default int getAggregationDepth() {
        return (Integer) getOrDefault(aggregationDepth());
    }

    default String getLoss() {
        return getOrDefault(loss());
    }

    default double getEpsilon() {
        return (Double) getOrDefault(epsilon());
    }

    default double getMaxBlockSizeInMB() {
        return (Double) getOrDefault(maxBlockSizeInMB());
    }

    /**
     * The param objects of one instance (Spark's params belong to their owner's uid), with their docs, validators and
     * defaults; the owner sets the defaults ({@link #defaults()}) in its constructor.
     */
    final class Declared implements Serializable {
        private static final long serialVersionUID = 1L;

        final Param<String> weightCol;
        final BooleanParam fitIntercept;
        final DoubleParam regParam;
        final DoubleParam elasticNetParam;
        final BooleanParam standardization;
        final Param<String> solver;
        final IntParam maxIter;
        final DoubleParam tol;
        final Param<String> backend;
        final IntParam threads;
        final IntParam aggregationDepth;
        final Param<String> loss;
        final DoubleParam epsilon;
        final DoubleParam maxBlockSizeInMB;

        Declared(Identifiable owner) {
            // no default, as Spark's: unset (isDefined false) or empty, every row has weight 1
            weightCol = new Param<>(owner, "weightCol", "weight column name; unset or empty: every row has weight 1");
            fitIntercept = new BooleanParam(owner, "fitIntercept", "whether to fit an intercept term");
            regParam = new DoubleParam(owner, "regParam", "regularization parameter λ (finite, >= 0)", new FiniteAtLeastZero());
            elasticNetParam = new DoubleParam(owner, "elasticNetParam",
                    "the l1 share a of the penalty, in [0, 1]: 0 is l2, 1 is l1", ParamValidators.inRange(0, 1));
            standardization = new BooleanParam(owner, "standardization",
                    "whether the penalty is on the standardized coefficients (sⱼ = σⱼ), as Spark's LinearRegression");
            // any name: the fit refuses the others with the reason (sgd and minibatch are not offered on Spark, l-bfgs is Spark's)
            solver = new Param<>(owner, "solver", "downhill's solver: " + String.join(", ", SOLVERS)
                    + ", or Spark's l-bfgs (run as cg, or nesterov with an l1 term)", new AnyName());
            maxIter = new IntParam(owner, "maxIter", "maximum number of iterations (>= 0; 0: the starting point of an "
                    + "iterative solver, θ = 0; the direct solvers have none)", ParamValidators.gtEq(0));
            tol = new DoubleParam(owner, "tol", "downhill's convergence tolerance (>= 0): the relative gradient norm, or with an "
                    + "l1 term the relative duality gap; 0 runs to maxIter, >= 1 stops at the starting point",
                    ParamValidators.gtEq(0));
            backend = new Param<>(owner, "backend", "the downhill backend on each executor: cpu, cuda or auto",
                    ParamValidators.inArray(BACKENDS.toArray(new String[0])));
            threads = new IntParam(owner, "threads", "threads each task's backend uses (>= 1)", ParamValidators.gtEq(1));
            aggregationDepth = new IntParam(owner, "aggregationDepth", "depth of the treeAggregate of every pass (>= 2)",
                    ParamValidators.gtEq(2));
            // Spark's LinearRegression has these three; the fit refuses a loss but squaredError and warns about the others
            // set away from their defaults (SparkOnlyParams)
            loss = new Param<>(owner, "loss", "the loss to minimise: squaredError (Spark's huber is refused)", new AnyName());
            epsilon = new DoubleParam(owner, "epsilon", "the huber loss's shape (> 1); no effect: downhill fits squared error",
                    ParamValidators.gt(1));
            maxBlockSizeInMB = new DoubleParam(owner, "maxBlockSizeInMB", "the size of Spark's stacked blocks (>= 0); no effect: "
                    + "each partition is loaded whole", ParamValidators.gtEq(0));
        }

        /** Each param with its default value (weightCol has none, as Spark's). */
        List<ParamPair<?>> defaults() {
            return List.of(new ParamPair<>(fitIntercept, true), new ParamPair<>(regParam, 0.0),
                    new ParamPair<>(elasticNetParam, 0.0), new ParamPair<>(standardization, true),
                    new ParamPair<>(solver, "auto"), new ParamPair<>(maxIter, 100), new ParamPair<>(tol, 1e-6),
                    new ParamPair<>(backend, "cpu"), new ParamPair<>(threads, 1), new ParamPair<>(aggregationDepth, 2),
                    new ParamPair<>(loss, SQUARED_ERROR), new ParamPair<>(epsilon, DEFAULT_EPSILON),
                    new ParamPair<>(maxBlockSizeInMB, 0.0));
        }
    }

    /** A param validator for a finite value ≥ 0 (Spark's gtEq(0) lets Infinity through, which the fit's penalty refuses). */
    final class FiniteAtLeastZero extends scala.runtime.AbstractFunction1<Object, Object> implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Object apply(Object value) {
            double v = ((Number) value).doubleValue();
            return Double.isFinite(v) && v >= 0;
        }
    }

    /** A param validator that accepts any non-blank name (the fit refuses the names it does not offer, saying why). */
    final class AnyName extends scala.runtime.AbstractFunction1<String, Object> implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Object apply(String name) {
            return name != null && !name.isBlank();
        }
    }
}
