package dev.downhill.spark;

import dev.downhill.Precision;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.ExtendedResidual;
import dev.downhill.spi.QrReduction;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.bytedeco.javacpp.DoublePointer;

/**
 * A {@link ResidentProblem} whose X lives on Spark's executors: core's solvers and direct-solver decisions run unchanged on
 * the driver, and every pass over X is one Spark job. Each partition is loaded once into a downhill problem on its
 * executor ({@link PartitionProblem}, kept in {@link PartitionRegistry}); a pass runs one task per partition on the
 * loaded problem and combines the per-partition float64 partials with one {@code treeAggregate} in a fixed order
 * ({@link OrderedTreeSum}), so the same partitions give a bit-identical model. No pass brings rows to the driver: what
 * comes back is, per pass, O(n) values (the gradient, column moments), O(n²) for the Gram pass or an (n+1)² R factor per
 * partition for the QR pass.
 *
 * <p>Driver-side vectors are host arrays ({@link HostVector}); the vector operations run on the driver. {@link #predict}
 * is refused (it would bring m values to the driver): the model's {@code transform} predicts on the executors.
 * Stochastic row slices are refused ({@link #gradient}): the estimator offers the full-batch solvers only.
 *
 * <p>Memory: each executor holds its partitions' X, y (and weights) off-heap in float64 — m·n·8 bytes dense, 12 bytes per
 * stored entry sparse — for the fit's duration; {@link #close()} frees them. That memory is outside the heap, so the
 * persisted handles are charged to Spark's storage memory (on the heap) for their own few bytes only: charged the off-heap
 * bytes, they evicted the user's cached blocks (the training DataFrame's among them) to make room that nothing used, and a
 * handle larger than the storage memory was not kept, so every pass computed the input again to rebuild it. The handles'
 * name in the Storage tab says the off-heap bytes.
 */
final class SparkResidentProblem implements ResidentProblem {

    /** Test hook, called in every pass task once its partition is loaded (before the pass runs). Executor side. */
    interface PassHook extends Serializable {
        void beforePass(long fit, String pass, int partition);
    }

    static volatile PassHook hook;

    /** One partition's persisted handle: which fit and partition, and what it holds (off-heap, on its executor). */
    static final class Handle implements Serializable {
        private static final long serialVersionUID = 1L;
        final int partition;
        final long rows;
        final int cols;
        final boolean sparse;
        final long bytes;
        final String backend;

        Handle(int partition, long rows, int cols, boolean sparse, long bytes, String backend) {
            this.partition = partition;
            this.rows = rows;
            this.cols = cols;
            this.sparse = sparse;
            this.bytes = bytes;
            this.backend = backend;
        }
    }

    /** A pass run on one partition's loaded problem. */
    interface Pass extends Serializable {
        double[] apply(PartitionProblem p);
    }

    private final JavaSparkContext sc;
    private final JavaRDD<Row> source;
    /** The rows, computed only if a pass's executor must load its partition again ({@link DeferredRDD}). */
    private final JavaRDD<Row> deferred;
    private final JavaRDD<Handle> handles;
    private final long fit;
    private final PartitionProblem.Layout layout;
    private final int partitions;
    private final int depth;
    private final long rows;
    private final int cols;
    private final boolean sparse;
    private final String backend;
    private final long bytes;
    private final double weightSum;
    private final double weightSquareSum;
    private final double[] means; // the global means, each the high part of globalMeans' double-double mean
    private final double targetMean;
    /** The statistics pass's result, {@link OrderedTreeSum#MEANS}' payload: W, Σw², the double-double means. */
    private final double[] globalMeans;
    private final double[][] deviations = new double[2][];
    private double targetDeviations = Double.NaN;
    private long passes;
    private boolean closed;

    private SparkResidentProblem(JavaSparkContext sc, JavaRDD<Row> source, JavaRDD<Handle> handles, long fit,
                                 PartitionProblem.Layout layout, int depth, List<Handle> loaded) {
        this.sc = sc;
        this.source = source;
        this.deferred = new JavaRDD<>(new DeferredRDD<>(source.rdd(), source.classTag()), source.classTag());
        this.handles = handles;
        this.fit = fit;
        this.layout = layout;
        this.partitions = source.getNumPartitions();
        this.depth = depth;
        long m = 0;
        int n = -1;
        int nAt = -1;
        boolean anySparse = false;
        long b = 0;
        java.util.TreeSet<String> be = new java.util.TreeSet<>();
        for (Handle h : loaded) {
            m += h.rows;
            b += h.bytes;
            if (h.rows > 0 && h.cols > 0) {
                if (n < 0) {
                    n = h.cols;
                    nAt = h.partition;
                } else if (h.cols != n) {
                    throw InvalidRowException.of(layout.featuresCol(), h.partition, 0, "has " + h.cols + " values where row 0 of "
                            + "partition " + nAt + " has " + n + " (every feature vector must have the same length)");
                }
                anySparse |= h.sparse;
                if (h.backend != null) {
                    be.add(h.backend); // "auto" may choose differently on different executors
                }
            }
        }
        if (m == 0 || n < 0) {
            throw new IllegalArgumentException("the training data has no rows");
        }
        this.rows = m;
        this.cols = n;
        this.sparse = anySparse;
        this.bytes = b;
        this.backend = be.isEmpty() ? layout.backend() : String.join("+", be);
        int nn = n;
        // [W, Σw², x̄ (n), ȳ: high parts, then low parts], the double-double means merged as means (OrderedTreeSum.combineMeans:
        // a constant column's is its value)
        double[] s = pass("statistics", OrderedTreeSum.MEANS, p -> p.localMeans(nn));
        this.globalMeans = s;
        this.weightSum = s[0];
        this.weightSquareSum = s[1];
        if (!(weightSum > 0)) {
            throw new IllegalArgumentException("column '" + layout.weightCol() + "': every weight is zero");
        }
        if (weightSum == Double.POSITIVE_INFINITY) { // each partition's sum is finite (checked at its load), their total not
            throw new IllegalArgumentException("column '" + layout.weightCol() + "': the weights sum to Infinity (rescale them)");
        }
        this.means = new double[n];
        for (int j = 0; j < n; j++) {
            means[j] = s[2 + j];
            if (!Double.isFinite(means[j])) {
                throw new IllegalArgumentException("column '" + layout.featuresCol() + "': the weighted sum of index " + j
                        + " overflows float64 (rescale the weights or the values)");
            }
        }
        this.targetMean = s[2 + n];
        if (!Double.isFinite(targetMean)) {
            throw new IllegalArgumentException("column '" + layout.labelCol() + "': the weighted sum of the labels overflows "
                    + "float64 (rescale the weights or the labels)");
        }
    }

    /**
     * Loads every partition of {@code source} (rows: features vector, label[, weight]) on its executor and returns the
     * driver-side problem. Bad input fails here with an {@link InvalidRowException}.
     *
     * @param depth the {@code treeAggregate} depth of every pass (2 is Spark's default)
     */
    static SparkResidentProblem load(JavaRDD<Row> source, PartitionProblem.Layout layout, int depth) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(source.context());
        long fit = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        JavaRDD<Handle> handles = source.mapPartitionsWithIndex((index, rows) -> {
            PartitionProblem p = PartitionRegistry.getOrBuild(fit, index, rows, layout);
            return Collections.singletonList(new Handle(index, p.rows(), p.cols(), p.isSparse(), p.bytes(), p.backendName()))
                    .iterator();
        }, true).persist(StorageLevel.MEMORY_ONLY());
        handles.setName("downhill partitions (fit " + Long.toHexString(fit) + ")");
        try {
            List<Handle> loaded = new ArrayList<>(unwrap(handles::collect));
            loaded.sort((a, b) -> Integer.compare(a.partition, b.partition));
            long bytes = 0;
            for (Handle h : loaded) {
                bytes += h.bytes;
            }
            handles.setName(String.format(Locale.ROOT, "downhill partitions (fit %x: %,d bytes off-heap)", fit, bytes));
            return new SparkResidentProblem(sc, source, handles, fit, layout, depth, loaded);
        } catch (Exception e) { // a SparkException too (undeclared)
            release(sc, handles, fit, source.getNumPartitions(), false);
            throw e;
        }
    }

    /**
     * Runs {@code pass} on every partition's loaded problem (loading it from its rows where this executor does not hold
     * it) and combines the partials in partition order. One Spark job.
     */
    double[] pass(String name, int mode, Pass pass) {
        if (closed) {
            throw new IllegalStateException("the Spark problem was closed: its partitions are freed");
        }
        long f = fit;
        PartitionProblem.Layout l = layout;
        passes++;
        return unwrap(() -> handles.zipPartitions(deferred, (Iterator<Handle> hs, Iterator<Row> rs) -> {
            Handle h = hs.next();
            PartitionProblem p = PartitionRegistry.getOrBuild(f, h.partition, rs, l);
            PassHook k = hook;
            if (k != null) {
                k.beforePass(f, name, h.partition);
            }
            return Collections.singletonList(new Leaf(h.partition, pass.apply(p))).iterator();
        }).treeAggregate(new OrderedTreeSum(mode), (agg, leaf) -> agg.add(leaf.partition, leaf.value), OrderedTreeSum::merge,
                depth).result());
    }

    /** One partition's partial. */
    record Leaf(int partition, double[] value) implements Serializable {
    }

    /** Runs a Spark action, re-throwing bad input found on an executor as the {@link InvalidRowException} it was. */
    static <T> T unwrap(java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (Exception e) { // Spark's actions throw the checked SparkException without declaring it
            if (e instanceof InvalidRowException || e instanceof dev.downhill.spi.BackendUnavailableException) {
                throw (RuntimeException) e;
            }
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof InvalidRowException bad) {
                    throw new InvalidRowException(bad.getMessage());
                }
                if (t instanceof dev.downhill.spi.BackendUnavailableException unavailable) { // on the executors: one line here
                    throw new dev.downhill.spi.BackendUnavailableException(unavailable.getMessage());
                }
            }
            String message = String.valueOf(e.getMessage());
            if (e instanceof SparkException) { // a cluster's executors send the message only
                String row = firstLineAfter(message, InvalidRowException.class.getName() + ": ");
                if (row != null) {
                    throw new InvalidRowException(row);
                }
                String backend = firstLineAfter(message, dev.downhill.spi.BackendUnavailableException.class.getName() + ": ");
                if (backend != null) {
                    throw new dev.downhill.spi.BackendUnavailableException(backend);
                }
            }
            throw SparkResidentProblem.<RuntimeException>sneaky(e);
        }
    }

    /** The rest of {@code message}'s line after {@code marker}, or null when it does not hold the marker. */
    private static String firstLineAfter(String message, String marker) {
        int at = message.indexOf(marker);
        if (at < 0) {
            return null;
        }
        String rest = message.substring(at + marker.length());
        int end = rest.indexOf('\n');
        return end >= 0 ? rest.substring(0, end) : rest;
    }

    @SuppressWarnings("unchecked")
    private static <E extends Exception> E sneaky(Exception e) throws E {
        throw (E) e;
    }

    /** The number of passes (Spark jobs over the loaded partitions) run so far. */
    long passes() {
        return passes;
    }

    long fitId() {
        return fit;
    }

    int partitions() {
        return partitions;
    }

    /** Off-heap bytes the executors hold for this problem. */
    long bytes() {
        return bytes;
    }

    /** Σwᵢ². */
    double weightSquareSum() {
        return weightSquareSum;
    }

    /** Σᵢ wᵢ(yᵢ − ȳ)² (one pass on first use). */
    synchronized double targetSquaredDeviations() {
        if (Double.isNaN(targetDeviations)) {
            double ym = targetMean;
            int n = cols;
            targetDeviations = pass("target deviations", OrderedTreeSum.SUM, p -> {
                double[] s = p.summary(n);
                double w = s[3];
                double d = w > 0 ? s[5 + n] / w - ym : 0;
                return new double[] {s[6 + n] + w * d * d};
            })[0];
        }
        return targetDeviations;
    }

    @Override
    public String backendName() {
        return "spark/" + backend;
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public long cols() {
        return cols;
    }

    @Override
    public Precision precision() {
        return Precision.FLOAT64;
    }

    @Override
    public boolean weighted() {
        return layout.weighted();
    }

    @Override
    public double weightSum() {
        return layout.weighted() ? weightSum : rows;
    }

    @Override
    public String description() {
        return String.format(Locale.ROOT, "Spark: %d partitions on the executors (%s backend, %s X, %,d bytes off-heap)",
                partitions, backend, sparse ? "sparse" : "dense", bytes);
    }

    @Override
    public boolean isSparse() {
        return sparse;
    }

    @Override
    public BackendVector allocateVector(long length) {
        return new HostVector(Math.toIntExact(length));
    }

    @Override
    public ColumnStatistics columnStatistics() {
        return new ColumnStatistics(means.clone(), targetMean);
    }

    @Override
    public synchronized double[] columnMeanSquaredDeviations(boolean centred) {
        int slot = centred ? 1 : 0;
        if (deviations[slot] == null) {
            double[] c = means.clone();
            int n = cols;
            double[] sums = pass("squared deviations", OrderedTreeSum.SUM, p -> p.squaredDeviations(centred, c, n));
            double w = weightSum();
            for (int j = 0; j < n; j++) {
                sums[j] /= w;
            }
            deviations[slot] = sums;
        }
        return deviations[slot].clone();
    }

    @Override
    public void multiply(BackendVector d, BackendVector x) {
        double[] a = ((HostVector) d).values;
        double[] b = ((HostVector) x).values;
        for (int j = 0; j < b.length; j++) {
            b[j] *= a[j];
        }
    }

    @Override
    public void copy(BackendVector from, BackendVector to) {
        double[] a = ((HostVector) from).values;
        System.arraycopy(a, 0, ((HostVector) to).values, 0, a.length);
    }

    @Override
    public ResidualSums gradient(BackendVector theta, double intercept, double targetWeight, double scale, RowSlice slice,
                                 BackendVector out) {
        if (!slice.isAll()) {
            throw new UnsupportedOperationException("row slices (sgd, minibatch) are not run on Spark: each step would be a job; "
                    + "use gd, nesterov or cg");
        }
        double[] th = ((HostVector) theta).values.clone();
        int n = cols;
        double[] r = pass("gradient", OrderedTreeSum.SUM, p -> p.gradient(th, intercept, targetWeight, scale, n));
        System.arraycopy(r, 0, ((HostVector) out).values, 0, n);
        return new ResidualSums(r[n], r[n + 1]);
    }

    @Override
    public void predict(double[] theta, double intercept, DoublePointer out) {
        throw new UnsupportedOperationException("predict would bring all " + rows + " predictions to the driver: use the model's "
                + "transform, which predicts on the executors");
    }

    @Override
    public void axpy(double alpha, BackendVector x, BackendVector y) {
        double[] a = ((HostVector) x).values;
        double[] b = ((HostVector) y).values;
        for (int j = 0; j < b.length; j++) {
            b[j] += alpha * a[j];
        }
    }

    @Override
    public void scale(double alpha, BackendVector x) {
        double[] b = ((HostVector) x).values;
        for (int j = 0; j < b.length; j++) {
            b[j] *= alpha;
        }
    }

    @Override
    public double dot(BackendVector x, BackendVector y) {
        double[] a = ((HostVector) x).values;
        double[] b = ((HostVector) y).values;
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }

    /**
     * Σₚ AₚᵀAₚ over the partitions' own sketches ({@link PartitionProblem#sketchGram}: each partition sketches its rows
     * into buckets of its own, hashed with a seed of its own), centred by the global means; one job, n(n+1)/2 values per
     * task (the lower triangle, {@link SymmetricPacking}, as the Gram pass), no rows brought to the driver. Null for sparse X.
     */
    @Override
    public double[] sketchGram(int sketchRows, double rowRate, long seed, boolean centred) {
        if (isSparse()) {
            return null;
        }
        double[] c = means.clone();
        int n = cols;
        return SymmetricPacking.unpack(pass("sketch", OrderedTreeSum.SUM, p -> p.sketchGram(sketchRows, rowRate, seed, centred, c, n)), n);
    }

    @Override
    public CrossProducts crossProducts(boolean centred) {
        int n = cols;
        long cells = (long) n * n + n;
        if (cells > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("the Gram matrix of " + n + " features does not fit a Java array: use cg");
        }
        double[] c = means.clone();
        double ym = targetMean;
        double[] r = pass("gram", OrderedTreeSum.SUM, p -> p.crossProducts(centred, c, ym, n)); // the triangle, then c
        double[] moment = new double[n];
        System.arraycopy(r, SymmetricPacking.triangle(n), moment, 0, n);
        return new CrossProducts(SymmetricPacking.unpack(r, n), moment);
    }

    @Override
    public QrReduction qrReduction(boolean centred, double[] columnScales) {
        int n = cols;
        double[] c = means.clone();
        double[] scales = columnScales.clone();
        double ym = targetMean;
        double[] r = pass("qr", OrderedTreeSum.QR, p -> p.qrReduction(centred, scales, c, ym, n));
        int got = (int) r[0];
        int want = (int) Math.min(rows, n + 1L); // the centring rows added per partition are below the rank: dropped
        int keep = Math.min(got, want);
        double[] factor = new double[keep * (n + 1)];
        for (int j = 0; j <= n; j++) {
            for (int i = 0; i < keep; i++) {
                factor[i + j * keep] = r[2 + i + j * got];
            }
        }
        if (keep < want) { // fewer rows than min(m, n + 1) (every partition's factor was short): zero rows below
            double[] padded = new double[want * (n + 1)];
            for (int j = 0; j <= n; j++) {
                System.arraycopy(factor, j * keep, padded, j * want, keep);
            }
            return new QrReduction(padded, want, n + 1);
        }
        return new QrReduction(factor, keep, n + 1);
    }

    @Override
    public ExtendedResidual extendedResidual(boolean centred) {
        int n = cols;
        double[] global = globalMeans.clone();
        return new ExtendedResidual() {
            @Override
            public double[] transposedResidual(double[] theta) {
                double[] th = theta.clone();
                return pass("extended residual", OrderedTreeSum.SUM, p -> p.transposedResidual(centred, th, global, n));
            }

            /** b = ȳ − x̄ᵀθ from the double-double means, in double-double, rounded once. */
            @Override
            public double intercept(double[] theta) {
                if (!centred) {
                    return 0;
                }
                dev.downhill.internal.DoubleDouble s = new dev.downhill.internal.DoubleDouble(global[2 + n], 0);
                s.add(global[3 + 2 * n]);
                for (int j = 0; j < n; j++) {
                    s.addProduct(-global[2 + j], theta[j]);
                    s.addProduct(-global[3 + n + j], theta[j]);
                }
                return s.value();
            }
        };
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        release(sc, handles, fit, partitions, true);
    }

    /** Closes the fit's loaded partitions wherever they are held and drops the persisted handles. */
    private static void release(JavaSparkContext sc, JavaRDD<Handle> handles, long fit, int partitions, boolean loaded) {
        try {
            if (loaded) {
            // where the handles are cached (the scheduler sends these tasks there), then one task per slot on the
            // others: an executor that rebuilt a partition for a retried task frees it too
                handles.foreachPartition(it -> PartitionRegistry.closeFit(fit));
            }
            int slots = Math.max(partitions, 2 * sc.defaultParallelism());
            List<Integer> ids = new ArrayList<>(slots);
            for (int i = 0; i < slots; i++) {
                ids.add(i);
            }
            sc.parallelize(ids, slots).foreach(i -> PartitionRegistry.closeFit(fit));
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(SparkResidentProblem.class).warn("freeing the fit's partitions failed: {}", e.toString());
        } finally {
            handles.unpersist(true);
            PartitionRegistry.closeFit(fit); // the driver's own (local mode)
        }
    }

    /** A driver-side vector: a host array. */
    static final class HostVector implements BackendVector {
        final double[] values;

        HostVector(int length) {
            values = new double[length];
        }

        @Override
        public long length() {
            return values.length;
        }

        @Override
        public void copyFromHost(double[] v) {
            System.arraycopy(v, 0, values, 0, values.length);
        }

        @Override
        public double[] copyToHost() {
            return values.clone();
        }

        @Override
        public void close() {
        }
    }
}
