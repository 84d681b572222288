package dev.downhill.spark;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.SparseDataset;
import dev.downhill.internal.direct.HouseholderQr;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.Backends;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.QrReduction;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import java.util.Arrays;
import java.util.Iterator;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.bytedeco.javacpp.DoublePointer;

/**
 * One partition's rows loaded into a downhill problem on its executor (executor side; never serialized). Built once per
 * fit from the partition's rows ({@link #build}), kept in {@link PartitionRegistry} across the fit's passes and closed at
 * its end. A partition whose vectors are all {@link SparseVector}s is held as CSR (the passes visit its stored entries)
 * when that takes under half of the dense layout's bytes and the solver reads CSR ({@link Layout#denseX()} false), any
 * other as dense row-major float64; both in off-heap memory ({@link #bytes()}). (Spark's VectorAssembler writes rows that
 * are mostly zeros as sparse vectors: such a partition of a small dense table was held as CSR, and svd refused it.)
 *
 * <p>Every pass returns this partition's float64 partial of a sum over rows, in the global frame the driver passes in
 * (the global means): the driver adds the partials of all partitions in a fixed order ({@link OrderedTreeSum}). The
 * local problem centres with this partition's own (weighted) means x̄ₚ, ȳₚ; the partials move to the global means
 * x̄, ȳ with the parallel-axis identities (Wₚ = Σᵢ∈ₚ wᵢ, dₚ = x̄ₚ − x̄):
 * <pre>
 *   Σᵢ wᵢ(xᵢⱼ − x̄ⱼ)²           = Σᵢ wᵢ(xᵢⱼ − x̄ₚⱼ)² + Wₚ·dₚⱼ²
 *   Σᵢ wᵢ(xᵢ − x̄)(xᵢ − x̄)ᵀ     = Gₚ + Wₚ·dₚdₚᵀ,     Σᵢ wᵢ(xᵢ − x̄)(yᵢ − ȳ) = cₚ + Wₚ·dₚ(ȳₚ − ȳ)
 *   R of the globally centred rows = R of [Rₚ; √Wₚ·(dₚᵀD, ȳₚ − ȳ)]
 *   Σᵢ wᵢ(xᵢ − x̄)rᵢ            = gₚ + Wₚ·dₚ·δₚ,     δₚ = (ȳₚ − ȳ) − dₚᵀθ
 * </pre>
 * (the cross terms vanish because Σᵢ wᵢ(xᵢ − x̄ₚ) = 0). A partition with no rows, or whose weights are all zero,
 * holds no problem and contributes zeros.
 *
 * <p>Thread-safety: the passes and {@link #close()} are synchronized (a retried or speculative task may reach the same
 * partition while another runs); a pass after close fails with an {@link IllegalStateException}.
 */
final class PartitionProblem implements AutoCloseable {
    /** Which column of the input row holds what (the driver selects features, label[, weight] in this order). */
    static final int FEATURES = 0;
    static final int LABEL = 1;
    static final int WEIGHT = 2;

    static {
        NativeBlasGuard.apply();
    }

    private final int partition;
    private final long rows;
    private final int cols;
    private final boolean sparse;
    private final double weightSum;
    private final double weightSquareSum;
    private final double[] means; // x̄ₚ (weighted, correctly rounded), empty problem: zeros
    private final double targetMean;
    private final double[] meanLows; // x̄ₚ's and then ȳₚ's low parts: with means and targetMean, the double-double means
    private final double targetSquaredDeviations; // Σᵢ wᵢ(yᵢ − ȳₚ)²
    private final long bytes;
    private final ResidentProblem problem; // null when empty
    private final Dataset dense;
    private final SparseDataset csr;
    private BackendVector theta;
    private BackendVector gradient;
    private boolean closed;

    private PartitionProblem(int partition, long rows, int cols, boolean sparse, double weightSum, double weightSquareSum,
                             double[] means, double targetMean, double[] meanLows, double targetSquaredDeviations, long bytes,
                             ResidentProblem problem, Dataset dense, SparseDataset csr) {
        this.partition = partition;
        this.rows = rows;
        this.cols = cols;
        this.sparse = sparse;
        this.weightSum = weightSum;
        this.weightSquareSum = weightSquareSum;
        this.means = means;
        this.targetMean = targetMean;
        this.meanLows = meanLows;
        this.targetSquaredDeviations = targetSquaredDeviations;
        this.bytes = bytes;
        this.problem = problem;
        this.dense = dense;
        this.csr = csr;
    }

    /** What a fit's executors need to know to load a partition (serialized with the pass closures). */
    /** @param denseX whether the solver needs dense X (svd's QR reduction, cd's Gram from dense rows) */
    record Layout(String featuresCol, String labelCol, String weightCol, String backend, int threads, boolean denseX)
            implements java.io.Serializable {
        Layout(String featuresCol, String labelCol, String weightCol, String backend, int threads) {
            this(featuresCol, labelCol, weightCol, backend, threads, false);
        }

        boolean weighted() {
            return weightCol != null;
        }
    }

    /** A sparse partition the solver needs dense is densified up to this many bytes of X (beyond, it stays CSR and is refused). */
    static final long DENSIFY_FOR_SOLVER_BYTES = 1L << 30;

    /**
     * Whether a partition of all-sparse rows is better held dense: CSR would take at least half the dense bytes (12 per
     * stored entry and 8 per row against 8n per row), or the solver needs dense X and the dense bytes are reasonable.
     */
    static boolean holdDense(long rows, int n, long stored, boolean solverNeedsDense) {
        double denseBytes = 8.0 * rows * n;
        double csrBytes = 12.0 * stored + 8.0 * (rows + 1);
        return 2 * csrBytes >= denseBytes || (solverNeedsDense && denseBytes <= DENSIFY_FOR_SOLVER_BYTES);
    }

    /**
     * Reads the partition's rows (features vector, label, and weight when {@code layout.weighted()}), checks every value
     * and loads them. Bad input fails with an {@link InvalidRowException} naming the column, the partition and the row
     * (zero-based within the partition): a null, a NaN or an infinity, a negative weight, or a vector whose length
     * differs from the partition's first.
     */
    static PartitionProblem build(int partition, Iterator<Row> input, Layout layout) {
        GrowableDoubles x = new GrowableDoubles();
        GrowableDoubles y = new GrowableDoubles();
        GrowableDoubles w = layout.weighted() ? new GrowableDoubles() : null;
        GrowableInts indices = new GrowableInts();
        GrowableLongs rowPointers = new GrowableLongs();
        rowPointers.add(0);
        boolean allSparse = true;
        int n = -1;
        long i = 0;
        java.util.List<Vector> pendingDense = null;
        try {
            while (input.hasNext()) {
                Row row = input.next();
                if (row.isNullAt(FEATURES)) {
                    throw InvalidRowException.of(layout.featuresCol(), partition, i, "is null");
                }
                Vector v = (Vector) row.get(FEATURES);
                if (n < 0) {
                    n = v.size();
                    if (n == 0) {
                        throw InvalidRowException.of(layout.featuresCol(), partition, i, "is an empty vector");
                    }
                } else if (v.size() != n) {
                    throw InvalidRowException.of(layout.featuresCol(), partition, i, "has " + v.size()
                            + " values where row 0 of the partition has " + n + " (every feature vector must have the same length)");
                }
                double label = label(row, LABEL, layout.labelCol(), partition, i);
                y.add(label);
                if (w != null) {
                    double weight = label(row, WEIGHT, layout.weightCol(), partition, i);
                    if (weight < 0) {
                        throw InvalidRowException.of(layout.weightCol(), partition, i, "is " + weight + " (weights must be ≥ 0)");
                    }
                    w.add(weight);
                }
                if (v instanceof SparseVector s) {
                    int[] idx = s.indices();
                    double[] val = s.values();
                    for (int k = 0; k < idx.length; k++) {
                        checkFinite(val[k], layout.featuresCol(), partition, i, idx[k]);
                    }
                    if (allSparse) {
                        for (int k = 0; k < idx.length; k++) {
                            indices.add(idx[k]);
                            x.add(val[k]);
                        }
                        rowPointers.add(indices.size());
                    } else {
                        appendDense(x, v, n);
                    }
                } else {
                    double[] val = ((DenseVector) v).values();
                    for (int k = 0; k < val.length; k++) {
                        checkFinite(val[k], layout.featuresCol(), partition, i, k);
                    }
                    if (allSparse) { // the first dense row: the rows so far move to the dense layout
                        allSparse = false;
                        x = densify(x, indices, rowPointers, i, n);
                        indices = null;
                        rowPointers = null;
                    }
                    appendDense(x, v, n);
                }
                i++;
            }
        } catch (RuntimeException e) {
            x.close();
            y.close();
            if (w != null) {
                w.close();
            }
            throw e;
        }
        long m = i;
        if (allSparse && m > 0 && holdDense(m, n, indices.size(), layout.denseX())) {
            x = densify(x, indices, rowPointers, m, n);
            allSparse = false;
            indices = null;
            rowPointers = null;
        }
        double weightSum = w == null ? m : w.sum();
        double weightSquareSum = w == null ? m : w.sumOfSquares();
        if (weightSum == Double.POSITIVE_INFINITY) {
            x.close();
            y.close();
            w.close();
            throw new InvalidRowException("column '" + layout.weightCol() + "': the weights of partition " + partition
                    + " sum to Infinity (rescale them)");
        }
        if (m == 0 || !(weightSum > 0)) { // nothing (or only zero weights) to contribute
            x.close();
            y.close();
            if (w != null) {
                w.close();
            }
            return new PartitionProblem(partition, m, Math.max(n, 0), false, 0, 0, new double[Math.max(n, 0)], 0,
                    new double[Math.max(n, 0) + 1], 0, 0,
                    null, null, null);
        }
        BackendOptions options = BackendOptions.builder().threads(layout.threads()).build();
        ResidentProblem problem = null;
        Dataset dense = null;
        SparseDataset csr = null;
        long bytes;
        try {
            if (allSparse) {
                double[] values = x.toArrayAndClose();
                CsrMatrix matrix = CsrMatrix.of(rowPointers.toArray(), indices.toArray(), values, n, Precision.FLOAT64);
                csr = SparseDataset.of(matrix, y.toArrayAndClose());
                if (w != null) {
                    SparseDataset weighted = csr.withWeights(w.toArrayAndClose());
                    csr = weighted;
                }
                bytes = matrix.bytes() + m * 8L * (w == null ? 1 : 2);
                problem = Backends.loadSparse(layout.backend(), csr, Precision.FLOAT64, options);
            } else {
                bytes = x.capacityBytes() + y.capacityBytes() + (w == null ? 0 : w.capacityBytes());
                DoublePointer px = x.detach(m * n);
                DoublePointer py = y.detach(m);
                dense = w == null ? Dataset.adopt(px, py, m, n) : Dataset.adopt(px, py, w.detach(m), m, n);
                problem = Backends.load(layout.backend(), dense, Precision.FLOAT64, options);
            }
            LocalMeans local = doubleDoubleMeans(dense, csr, layout.threads());
            ColumnStatistics stats = local.rounded();
            double[] lows = local.lows();
            double ym = stats.targetMean();
            double ss = 0;
            DoublePointer csrY = csr != null ? (DoublePointer) csr.yPointer() : null; // views, taken once
            DoublePointer csrW = csr != null && csr.isWeighted() ? csr.weightsPointer() : null;
            for (long r = 0; r < m; r++) {
                double d = (dense != null ? dense.y(r) : csrY.get(r)) - ym;
                ss += (dense != null ? dense.weight(r) : csrW != null ? csrW.get(r) : 1) * d * d;
            }
            return new PartitionProblem(partition, m, n, allSparse, weightSum, weightSquareSum, stats.means().clone(), ym, lows, ss,
                    bytes, problem, dense, csr);
        } catch (RuntimeException e) {
            if (problem != null) {
                problem.close();
            }
            if (dense != null) {
                dense.close();
            }
            if (csr != null) {
                csr.close();
            }
            throw e;
        }
    }

    /** A row's label (or weight) as a finite double; a null, NaN or infinity fails naming the column and the row. */
    static double label(Row row, int index, String column, int partition, long i) {
        if (row.isNullAt(index)) {
            throw InvalidRowException.of(column, partition, i, "is null");
        }
        double v = ((Number) row.get(index)).doubleValue();
        if (!Double.isFinite(v)) {
            throw InvalidRowException.of(column, partition, i, "is " + v + " (every value must be finite)");
        }
        return v;
    }

    static void checkFinite(double v, String column, int partition, long i, int j) {
        if (!Double.isFinite(v)) {
            throw InvalidRowException.of(column, partition, i, "has " + v + " at index " + j + " (every value must be finite)");
        }
    }

    private static void appendDense(GrowableDoubles x, Vector v, int n) {
        if (v instanceof DenseVector d) {
            x.addAll(d.values());
        } else {
            SparseVector s = (SparseVector) v;
            long base = x.size();
            x.addZeros(n);
            int[] idx = s.indices();
            double[] val = s.values();
            for (int k = 0; k < idx.length; k++) {
                x.set(base + idx[k], val[k]);
            }
        }
    }

    /** The CSR rows read so far as dense row-major values. */
    private static GrowableDoubles densify(GrowableDoubles values, GrowableInts indices, GrowableLongs rowPointers, long rows, int n) {
        GrowableDoubles d = new GrowableDoubles();
        for (long r = 0; r < rows; r++) {
            long base = d.size();
            d.addZeros(n);
            for (long k = rowPointers.get(r); k < rowPointers.get(r + 1); k++) {
                d.set(base + indices.get(k), values.get(k));
            }
        }
        values.close();
        return d;
    }

    int partition() {
        return partition;
    }

    long rows() {
        return rows;
    }

    /** n, or 0 for a partition without rows. */
    int cols() {
        return cols;
    }

    boolean isSparse() {
        return sparse;
    }

    /** The backend that holds this partition ("cpu", "cuda": what "auto" chose on this executor), or null when empty. */
    String backendName() {
        return problem == null ? null : problem.backendName();
    }

    /** Off-heap bytes this partition's data holds (X, y, weights). */
    long bytes() {
        return bytes;
    }

    /** The build's summary for the driver: [rows, n, sparse, Wₚ, Σwₚ², Wₚ·x̄ₚ (n), Wₚ·ȳₚ, Σwᵢ(yᵢ − ȳₚ)², bytes]. */
    /**
     * This partition's weighted means x̄ₚ and ȳₚ in double-double (the extended residual's pass over its rows, one pass at
     * its load), not the backend's float64 statistics (sums of m rounded products, off by up to ~m·ε·|x̄|): the frame
     * every pass is moved to the global means in. The moves of the extended residual, which the direct solvers' answer is
     * refined to, are then exact to ~106 bits ({@link #transposedResidual}), and a constant column's mean is its value
     * exactly, in every partition and merged ({@link OrderedTreeSum#combineMeans}), so its centred Gram entries and R
     * column are exactly 0 (the backends centre their Gram and QR passes by these rounded means or by their statistics,
     * which are the same for a column of one value). With the float64 statistics they held the means' rounding: svd
     * scaled that to a coefficient of 1e13, and columns far from 0 (a mean of 1e6 against a spread of 1) were refined to
     * an answer off in its 11th digit.
     */
    private static LocalMeans doubleDoubleMeans(Dataset dense, SparseDataset csr, int threads) {
        if (dense != null) {
            dev.downhill.spi.HostExtendedResidual pass = new dev.downhill.spi.HostExtendedResidual(dense, Precision.FLOAT64,
                    true, Math.max(1, threads));
            return new LocalMeans(pass.roundedMeans(), pass.meanLowParts());
        }
        dev.downhill.spi.SparseExtendedResidual pass = new dev.downhill.spi.SparseExtendedResidual(csr.x(), csr.x().values(),
                csr.yPointer(), csr.isWeighted() ? csr.weightsPointer() : null, Precision.FLOAT64, true);
        return new LocalMeans(pass.roundedMeans(), pass.meanLowParts());
    }

    /** The double-double means: each rounded to a double, and the low parts (columns, then ȳ) that complete them. */
    private record LocalMeans(ColumnStatistics rounded, double[] lows) {
    }

    double[] summary(int n) {
        double[] s = new double[n + 8];
        s[0] = rows;
        s[1] = cols;
        s[2] = sparse ? 1 : 0;
        s[3] = weightSum;
        s[4] = weightSquareSum;
        for (int j = 0; j < Math.min(n, means.length); j++) {
            s[5 + j] = weightSum * means[j];
        }
        s[5 + n] = weightSum * targetMean;
        s[6 + n] = targetSquaredDeviations;
        s[7 + n] = bytes;
        return s;
    }

    /**
     * This partition's {@link OrderedTreeSum#MEANS} payload: [Wₚ, Σw², x̄ₚ,hi (n), ȳₚ,hi, x̄ₚ,lo (n), ȳₚ,lo] — its weight
     * sums and double-double means (an empty partition: zeros, of weight 0).
     */
    double[] localMeans(int n) {
        double[] s = new double[2 + 2 * (n + 1)];
        s[0] = weightSum;
        s[1] = weightSquareSum;
        for (int j = 0; j < Math.min(n, means.length); j++) {
            s[2 + j] = means[j];
            s[3 + n + j] = meanLows[j];
        }
        s[2 + n] = targetMean;
        s[3 + 2 * n] = meanLows.length > 0 ? meanLows[meanLows.length - 1] : 0;
        return s;
    }

    /** The fused gradient pass over this partition: [s·Σwᵢxᵢrᵢ (n), Σwᵢrᵢ², Σwᵢrᵢ]. */
    synchronized double[] gradient(double[] th, double intercept, double targetWeight, double scale, int n) {
        ensureOpen();
        double[] out = new double[n + 2];
        if (problem == null) {
            return out;
        }
        if (theta == null) {
            theta = problem.allocateVector(n);
            gradient = problem.allocateVector(n);
        }
        theta.copyFromHost(th);
        ResidualSums sums = problem.gradient(theta, intercept, targetWeight, scale, RowSlice.all(), gradient);
        System.arraycopy(gradient.copyToHost(), 0, out, 0, n);
        out[n] = sums.sumOfSquares();
        out[n + 1] = sums.sum();
        return out;
    }

    /**
     * This partition's {@link MetricSums} for the model (θ, b): the backend's prediction pass writes ŷ for its rows into a
     * temporary off-heap buffer (8 bytes a row, freed before the return), then one loop adds (yᵢ, ŷᵢ, wᵢ).
     */
    synchronized double[] metricSums(double[] th, double intercept) {
        ensureOpen();
        double[] s = new double[MetricSums.SIZE];
        if (problem == null) {
            s[MetricSums.ROWS] = rows;
            return s;
        }
        DoublePointer y = dense != null ? (DoublePointer) dense.yPointer() : (DoublePointer) csr.yPointer();
        DoublePointer w = dense != null ? dense.weightsPointer() : csr.isWeighted() ? csr.weightsPointer() : null;
        try (DoublePointer predicted = new DoublePointer(rows)) {
            problem.predict(th, intercept, predicted);
            for (long r = 0; r < rows; r++) {
                MetricSums.add(s, y.get(r), predicted.get(r), w == null ? 1 : w.get(r));
            }
        }
        return s;
    }

    /** Σᵢ wᵢ(xᵢⱼ − cⱼ)² with c the global means when centred, else 0. */
    synchronized double[] squaredDeviations(boolean centred, double[] globalMeans, int n) {
        ensureOpen();
        double[] out = new double[n];
        if (problem == null) {
            return out;
        }
        double[] local = problem.columnMeanSquaredDeviations(centred);
        for (int j = 0; j < n; j++) {
            out[j] = weightSum * local[j];
            if (centred) {
                double d = means[j] - globalMeans[j];
                out[j] += weightSum * d * d;
            }
        }
        return out;
    }

    /**
     * AₚᵀAₚ for Aₚ this partition's own row sketch ({@link dev.downhill.spi.HostRowSketch}): its rows centred by the
     * global means and hashed with a seed of their own (mixed from the fit's seed and the partition's index) into buckets
     * of their own, so the whole X's sketch stacks the partitions' and its Gram matrix is the sum of theirs. Zeros for an
     * empty or sparse partition (sparse X gets no sketch: auto runs cg on it without a trial).
     */
    synchronized double[] sketchGram(int sketchRows, double rowRate, long seed, boolean centred, double[] globalMeans, int n) {
        ensureOpen();
        if (problem == null || dense == null) {
            return new double[SymmetricPacking.triangle(n)];
        }
        long partitionSeed = dev.downhill.sampling.CounterBasedSampler.hash(seed, partition);
        return SymmetricPacking.pack(dev.downhill.spi.HostRowSketch.gram(dense, centred ? globalMeans : null, sketchRows, rowRate,
                partitionSeed, problem.hostThreads(), problem.denseKernels()), n, new double[0]);
    }

    /** [G's lower triangle ({@link SymmetricPacking}), c (n)] of this partition in the global frame. */
    synchronized double[] crossProducts(boolean centred, double[] globalMeans, double globalTargetMean, int n) {
        ensureOpen();
        if (problem == null) {
            return new double[SymmetricPacking.triangle(n) + n];
        }
        CrossProducts local = problem.crossProducts(centred);
        double[] out = SymmetricPacking.pack(local.gram(), n, local.moment()); // a new array: the triangle, then c
        if (centred) { // moved to the global frame: + Wₚ·ddᵀ on the triangle, + Wₚ·d·dy on c
            double[] d = new double[n];
            for (int j = 0; j < n; j++) {
                d[j] = means[j] - globalMeans[j];
            }
            double dy = targetMean - globalTargetMean;
            int at = 0;
            for (int k = 0; k < n; k++) {
                double wd = weightSum * d[k];
                for (int j = k; j < n; j++) {
                    out[at++] += wd * d[j];
                }
            }
            for (int j = 0; j < n; j++) {
                out[at + j] += weightSum * d[j] * dy;
            }
        }
        return out;
    }

    /** The R factor of this partition's rows of A = [X_c·D | y_c] in the global frame, as {@link OrderedTreeSum#QR} payload. */
    synchronized double[] qrReduction(boolean centred, double[] scales, double[] globalMeans, double globalTargetMean, int n) {
        ensureOpen();
        if (problem == null) {
            return OrderedTreeSum.emptyFactor(n + 1);
        }
        QrReduction local = problem.qrReduction(centred, scales);
        if (!centred) {
            return OrderedTreeSum.factor(local.r(), local.rows(), local.cols());
        }
        int rows = local.rows() + 1;
        double[] a = new double[rows * (n + 1)];
        for (int j = 0; j <= n; j++) {
            for (int r = 0; r < local.rows(); r++) {
                a[r + j * rows] = local.get(r, j);
            }
        }
        double root = Math.sqrt(weightSum);
        for (int j = 0; j < n; j++) {
            a[local.rows() + j * rows] = root * (means[j] - globalMeans[j]) * scales[j];
        }
        a[local.rows() + n * rows] = root * (targetMean - globalTargetMean);
        QrReduction reduced = HouseholderQr.reduce(a, rows, n + 1);
        return OrderedTreeSum.factor(reduced.r(), reduced.rows(), reduced.cols());
    }

    /**
     * Σᵢ wᵢ(xᵢ − c)(yᵢ − ȳ − (xᵢ − c)ᵀθ) in the global frame: the local problem's extended-precision pass (double-double
     * within the partition, centred by this partition's double-double means μₚ, rounded once), moved to the global
     * double-double means c: + Wₚ·dₚ·Δ with dₚ = μₚ − c and Δ = (ȳₚ − ȳ) − dₚᵀθ (the other terms of the move are sums of
     * centred values, 0). dₚ is formed from the two double-double means, so it is exact to ~106 bits of the means
     * however far they are from 0.
     *
     * @param global the global means as {@link OrderedTreeSum#MEANS} merges them ([W, Σw², c_hi (n), ȳ_hi, c_lo (n), ȳ_lo])
     */
    synchronized double[] transposedResidual(boolean centred, double[] th, double[] global, int n) {
        ensureOpen();
        double[] out = new double[n];
        if (problem == null) {
            return out;
        }
        double[] g = problem.extendedResidual(centred).transposedResidual(th);
        System.arraycopy(g, 0, out, 0, n);
        if (centred) {
            double[] d = new double[n];
            double delta = (targetMean - global[2 + n]) + (meanLows[n] - global[3 + 2 * n]);
            for (int j = 0; j < n; j++) {
                d[j] = (means[j] - global[2 + j]) + (meanLows[j] - global[3 + n + j]);
                delta -= d[j] * th[j];
            }
            for (int j = 0; j < n; j++) {
                out[j] += weightSum * d[j] * delta;
            }
        }
        return out;
    }

    /** A pass on a partition its fit already freed (a task that outlived its fit) fails instead of reading freed memory. */
    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("partition " + partition + " was freed: its fit has ended");
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (theta != null) {
            theta.close();
            gradient.close();
            theta = null;
        }
        if (problem != null) {
            problem.close();
        }
        if (dense != null) {
            dense.close();
        }
        if (csr != null) {
            csr.close();
        }
    }

    // ------------------------------------------------------------------ growable buffers

    /** A growable off-heap float64 buffer (doubling), so a partition's X is never held twice on the Java heap. */
    static final class GrowableDoubles implements AutoCloseable {
        private DoublePointer p = new DoublePointer(1024);
        private long capacity = 1024;
        private long size;

        void add(double v) {
            ensure(size + 1);
            p.put(size++, v);
        }

        void addAll(double[] v) {
            ensure(size + v.length);
            p.position(size).put(v, 0, v.length);
            p.position(0);
            size += v.length;
        }

        void addZeros(int k) {
            ensure(size + k);
            org.bytedeco.javacpp.Pointer.memset(p.getPointer(size), 0, k * 8L);
            size += k;
        }

        void set(long i, double v) {
            p.put(i, v);
        }

        double get(long i) {
            return p.get(i);
        }

        long size() {
            return size;
        }

        double sum() {
            double s = 0;
            for (long i = 0; i < size; i++) {
                s += p.get(i);
            }
            return s;
        }

        double sumOfSquares() {
            double s = 0;
            for (long i = 0; i < size; i++) {
                double v = p.get(i);
                s += v * v;
            }
            return s;
        }

        private void ensure(long need) {
            if (need <= capacity) {
                return;
            }
            long c = Math.max(need, capacity + capacity / 2); // 1.5×: at most a third of the capacity unused
            DoublePointer q = new DoublePointer(c);
            org.bytedeco.javacpp.Pointer.memcpy(q, p, size * 8);
            p.close();
            p = q;
            capacity = c;
        }

        /**
         * Hands the buffer over, without a copy, as a pointer limited to its first {@code length} values (its capacity
         * may be up to half as large again: {@link #capacityBytes()}); this buffer is emptied.
         */
        DoublePointer detach(long length) {
            DoublePointer q = p;
            p = null;
            return q.limit(length);
        }

        /** The off-heap bytes the buffer holds (its capacity). */
        long capacityBytes() {
            return capacity * 8;
        }

        double[] toArrayAndClose() {
            double[] a = new double[Math.toIntExact(size)];
            p.get(a);
            close();
            return a;
        }

        @Override
        public void close() {
            if (p != null) {
                p.close();
                p = null;
            }
        }
    }

    /** A growable int array (CSR column indices). */
    static final class GrowableInts {
        private int[] a = new int[1024];
        private int size;

        void add(int v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, Math.toIntExact(Math.min((long) a.length * 2, Integer.MAX_VALUE - 8)));
            }
            a[size++] = v;
        }

        int get(long i) {
            return a[(int) i];
        }

        int size() {
            return size;
        }

        int[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }

    /** A growable long array (CSR row pointers). */
    static final class GrowableLongs {
        private long[] a = new long[1024];
        private int size;

        void add(long v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[size++] = v;
        }

        long get(long i) {
            return a[(int) i];
        }

        long[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }
}
