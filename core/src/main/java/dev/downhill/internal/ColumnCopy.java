package dev.downhill.internal;

import dev.downhill.Dataset;
import dev.downhill.SparseDataset;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.ResidentProblem;
import java.util.Arrays;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * X by column on the host heap, in float64, with y and the weights, for {@link ColumnCoordinateDescent}: what its sweeps
 * read — a column dotted with the weighted residual, or added to the residual — and the statistics they need. Made once
 * from the dataset a problem was loaded from ({@link CheckedProblem}); the dataset is not read again.
 *
 * <ul>
 *   <li><b>Sparse X</b>: CSC (row indices and values of each column's stored entries, and wᵢxᵢⱼ when weighted: 12 bytes
 *       an entry, 20 weighted). Not centred — the zeros stay zeros; the solver centres implicitly by the weighted column
 *       means μ ({@link #sweepMeans}).</li>
 *   <li><b>Dense X</b>: column-major and centred, X̃ = X − 1μᵀ (8·m·n bytes): {@link #sweepMeans} are then zero.</li>
 * </ul>
 * The weights are scaled by a power of two (their mean near 1: exact, the minimiser unchanged).
 */
abstract sealed class ColumnCopy permits ColumnCopy.Sparse, ColumnCopy.Dense {
    /** The most stored entries (sparse) or m·n values (dense) a copy holds: Java arrays. */
    static final long MAX_VALUES = Integer.MAX_VALUE - 8;
    /** Stored entries read from the CSR arrays at a time. */
    private static final int BLOCK = 1 << 16;

    final int m;
    final int n;
    /** The scaled weights, or null when unweighted. */
    final double[] weights;
    /** Σw (scaled). */
    final double weightSum;
    /** ȳ (weighted; 0 without an intercept). */
    final double targetMean;
    /** y_c = y − ȳ. */
    final double[] centredTargets;
    /** ‖y_c‖²_W. */
    final double targetSquares;
    /** The weighted column means μ (zeros without an intercept), for the intercept b = ȳ − μᵀθ. */
    final double[] means;
    /** The means the sweeps subtract implicitly: μ for sparse X, zeros for dense X (stored centred). */
    final double[] sweepMeans;
    /** Σᵢwᵢxᵢⱼ over the stored entries (W·μⱼ for sparse X; zeros for dense X, whose columns are centred). */
    final double[] columnWeightedSums;
    /** dⱼ = ‖X̃ⱼ‖²_W. */
    final double[] squares;

    private ColumnCopy(int m, int n, double[] weights, double[] y, boolean fitIntercept, double[] means, double[] sweepMeans,
                       double[] columnWeightedSums, double[] squares) {
        this.m = m;
        this.n = n;
        this.weights = weights;
        double total = 0;
        double weighted = 0;
        for (int i = 0; i < m; i++) {
            double wi = weights == null ? 1 : weights[i];
            total += wi;
            weighted += wi * y[i];
        }
        this.weightSum = total;
        this.targetMean = fitIntercept ? weighted / total : 0;
        double ys = 0;
        for (int i = 0; i < m; i++) {
            y[i] -= targetMean;
            ys += (weights == null ? 1 : weights[i]) * y[i] * y[i];
        }
        this.centredTargets = y;
        this.targetSquares = ys;
        this.means = means;
        this.sweepMeans = sweepMeans;
        this.columnWeightedSums = columnWeightedSums;
        this.squares = squares;
    }

    /** Σ over column j's stored entries of wᵢ·xᵢⱼ·rᵢ (x̃ for dense X). */
    abstract double weightedDot(int j, double[] r);

    /** r += a·Xⱼ over column j's stored entries (X̃ⱼ for dense X). Writes r. */
    abstract void add(int j, double a, double[] r);

    /** Bytes of heap this copy holds. */
    abstract double bytes();

    /**
     * The copy of {@code problem}'s host dataset ({@link CheckedProblem#hostSparse()} or {@link CheckedProblem#hostData()}).
     *
     * @throws IllegalArgumentException when the problem knows no host dataset, or X is beyond {@value #MAX_VALUES} values
     * @throws ArithmeticException      when a column's squares overflow float64 or are subnormal
     */
    static ColumnCopy of(ResidentProblem problem, boolean fitIntercept) {
        if (problem instanceof CheckedProblem c) {
            if (c.hostSparse() != null && c.hostSparse().rows() == problem.rows()) {
                return Sparse.of(problem, c.hostSparse(), fitIntercept);
            }
            if (c.hostData() != null) {
                return Dense.of(problem, c.hostData(), fitIntercept);
            }
        }
        throw new IllegalArgumentException("coordinate descent over the columns needs the dataset the problem was loaded from");
    }

    /**
     * Bytes of heap a copy of X (m × n, {@code values} stored entries: nnz, or m·n when dense) and a fit over it take:
     * the copy, 6 vectors of length m and 6 of length n, and a fit's 7 more of length n (the Anderson extrapolation's
     * iterates and its trial point) and one of length m (the saved residual).
     */
    static double memory(long rows, long cols, long values, boolean sparse, boolean weighted) {
        return (double) values * (sparse ? (weighted ? 20 : 12) : 8) + 8.0 * rows * 6 + 8.0 * cols * 13;
    }

    /** The weights scaled so that their mean is near 1 (a power of two), or null. */
    private static double[] scaledWeights(DoublePointer pointer, int m) {
        if (pointer == null) {
            return null;
        }
        double[] w = new double[m];
        new DoublePointer(pointer).position(0).get(w);
        double total = 0;
        for (double v : w) {
            total += v;
        }
        int e = Math.getExponent(total / m); // the mean weight near 1: wᵢrᵢ² keeps its range
        for (int i = 0; i < m; i++) {
            w[i] = Math.scalb(w[i], -e);
        }
        return w;
    }

    /** dⱼ checked as the Gram route checks Gⱼⱼ: refused when it overflows, or when the squares are subnormal. */
    private static double checked(ResidentProblem problem, boolean fitIntercept, int j, double square, double weightSum) {
        if (!Double.isFinite(square)) {
            throw new ArithmeticException("XᵀX overflows float64 (entries of X too large to square, beyond ~1e154): "
                    + "rescale X by a power of ten (a lasso then fits the same model with α divided by that factor, its "
                    + "coefficients that factor larger); the gradient solvers refuse the same squares, and no other solver "
                    + "takes an l1 term");
        }
        dev.downhill.internal.direct.DirectLeastSquares.checkSquarableForCd(problem, fitIntercept, j,
                square * problem.weightSum() / weightSum);
        return square;
    }

    private static double sum(double[] w, int m) {
        if (w == null) {
            return m;
        }
        double s = 0;
        for (double v : w) {
            s += v;
        }
        return s;
    }

    /** Sparse X by column (CSC), not centred. */
    static final class Sparse extends ColumnCopy {
        /** Column j's stored entries are [starts[j], starts[j + 1]) of rowIndex and values. */
        private final int[] starts;
        private final int[] rowIndex;
        private final double[] values;
        /** wᵢ·xᵢⱼ per stored entry (the same array as values when unweighted). */
        private final double[] weightedValues;

        private Sparse(int m, int n, double[] weights, double[] y, boolean fitIntercept, double[] means,
                       double[] columnWeightedSums, double[] squares, int[] starts, int[] rowIndex, double[] values,
                       double[] weightedValues) {
            super(m, n, weights, y, fitIntercept, means, means, columnWeightedSums, squares);
            this.starts = starts;
            this.rowIndex = rowIndex;
            this.values = values;
            this.weightedValues = weightedValues;
        }

        static Sparse of(ResidentProblem problem, SparseDataset data, boolean fitIntercept) {
            CsrMatrix x = data.x();
            if (x.nonZeros() > MAX_VALUES) {
                throw new IllegalArgumentException("coordinate descent over the columns copies X by column: " + x.nonZeros()
                        + " stored entries are beyond a Java array (2^31 − 9)");
            }
            int m = Math.toIntExact(data.rows());
            int n = Math.toIntExact(data.cols());
            int stored = (int) x.nonZeros();
            long[] rowPointers = new long[m + 1];
            new LongPointer(x.rowPointers()).position(0).get(rowPointers);
            IntPointer columnIndices = new IntPointer(x.columnIndices()).position(0);
            double[] w = scaledWeights(data.isWeighted() ? data.weightsPointer() : null, m);
            // CSC by counting: column sizes, their starts, then each entry to its column's next slot (rows in order), the
            // CSR arrays read a block of entries at a time
            int[] columns = new int[Math.min(stored, BLOCK)];
            double[] block = new double[columns.length];
            int[] starts = new int[n + 1];
            for (int from = 0; from < stored; from += BLOCK) {
                int count = Math.min(BLOCK, stored - from);
                columnIndices.position(from).get(columns, 0, count);
                countColumns(columns, count, starts);
            }
            for (int j = 0; j < n; j++) {
                starts[j + 1] += starts[j];
            }
            int[] next = Arrays.copyOf(starts, n);
            int[] rowIndex = new int[stored];
            double[] values = new double[stored];
            Pointer entries = x.values() instanceof DoublePointer d ? new DoublePointer(d) : new FloatPointer((FloatPointer) x.values());
            float[] floats = entries instanceof FloatPointer ? new float[columns.length] : null;
            int row = 0;
            for (int from = 0; from < stored; from += BLOCK) {
                int count = Math.min(BLOCK, stored - from);
                columnIndices.position(from).get(columns, 0, count);
                if (floats == null) {
                    ((DoublePointer) entries).position(from).get(block, 0, count);
                } else {
                    ((FloatPointer) entries).position(from).get(floats, 0, count);
                    for (int k = 0; k < count; k++) {
                        block[k] = floats[k];
                    }
                }
                row = scatterBlock(rowPointers, row, from, columns, block, count, next, rowIndex, values);
            }
            double total = sum(w, m);
            double[] weightedValues = w == null ? values : new double[stored];
            double[] means = new double[n];
            double[] columnWeightedSums = new double[n];
            double[] squares = new double[n];
            for (int j = 0; j < n; j++) {
                double s = 0;
                double storedWeight = 0;
                for (int k = starts[j]; k < starts[j + 1]; k++) {
                    double wi = w == null ? 1 : w[rowIndex[k]];
                    if (w != null) {
                        weightedValues[k] = wi * values[k];
                    }
                    s += wi * values[k];
                    storedWeight += wi;
                }
                columnWeightedSums[j] = s;
                double mu = fitIntercept ? s / total : 0;
                means[j] = mu;
                // dⱼ = Σ_stored wᵢ(xᵢⱼ − μⱼ)² + μⱼ²·(W − Σ_stored wᵢ): no cancellation
                double q = 0;
                for (int k = starts[j]; k < starts[j + 1]; k++) {
                    double v = values[k] - mu;
                    q += (w == null ? 1 : w[rowIndex[k]]) * v * v;
                }
                squares[j] = checked(problem, fitIntercept, j, q + mu * mu * Math.max(0, total - storedWeight), total);
            }
            return new Sparse(m, n, w, data.targets(), fitIntercept, means, columnWeightedSums, squares, starts, rowIndex,
                    values, weightedValues);
        }

        @Override
        double weightedDot(int j, double[] r) {
            double s = 0;
            for (int k = starts[j], end = starts[j + 1]; k < end; k++) {
                s += weightedValues[k] * r[rowIndex[k]];
            }
            return s;
        }

        @Override
        void add(int j, double a, double[] r) {
            for (int k = starts[j], end = starts[j + 1]; k < end; k++) {
                r[rowIndex[k]] += a * values[k];
            }
        }

        @Override
        double bytes() {
            return memory(m, n, rowIndex.length, true, weights != null);
        }

        /** counts[c + 1] += 1 for each column index c of columns[0, count). */
        private static void countColumns(int[] columns, int count, int[] counts) {
            for (int k = 0; k < count; k++) {
                counts[columns[k] + 1]++;
            }
        }

        /**
         * Puts the stored entries [from, from + count) of a CSR matrix (their column indices and values given) into the
         * CSC arrays: each to its column's next slot, with its row (found from the row pointers, starting at
         * {@code row}). Writes next, rowIndex and values; returns the row of the block's last entry.
         */
        private static int scatterBlock(long[] rowPointers, int row, int from, int[] columns, double[] block, int count,
                                        int[] next, int[] rowIndex, double[] values) {
            int i = row;
            for (int k = 0; k < count; k++) {
                while (rowPointers[i + 1] <= from + k) {
                    i++;
                }
                int slot = next[columns[k]]++;
                rowIndex[slot] = i;
                values[slot] = block[k];
            }
            return i;
        }
    }

    /** Dense X column-major, centred by its weighted column means (with an intercept). */
    static final class Dense extends ColumnCopy {
        /** X̃ column-major: column j at [j·m, (j + 1)·m). */
        private final double[] values;

        private Dense(int m, int n, double[] weights, double[] y, boolean fitIntercept, double[] means, double[] squares,
                      double[] values) {
            super(m, n, weights, y, fitIntercept, means, new double[n], new double[n], squares);
            this.values = values;
        }

        static Dense of(ResidentProblem problem, Dataset data, boolean fitIntercept) {
            long cells = data.rows() * data.cols();
            if (cells > MAX_VALUES) {
                throw new IllegalArgumentException("coordinate descent over the columns copies X by column: " + cells
                        + " values are beyond a Java array (2^31 − 9)");
            }
            int m = Math.toIntExact(data.rows());
            int n = Math.toIntExact(data.cols());
            double[] w = scaledWeights(data.isWeighted() ? data.weightsPointer() : null, m);
            double[] values = new double[m * n];
            double[] sums = new double[n];
            for (int i = 0; i < m; i++) {
                double[] row = data.row(i);
                double wi = w == null ? 1 : w[i];
                for (int j = 0; j < n; j++) {
                    values[j * m + i] = row[j];
                    sums[j] += wi * row[j];
                }
            }
            double total = sum(w, m);
            double[] means = new double[n];
            double[] squares = new double[n];
            for (int j = 0; j < n; j++) {
                double mu = fitIntercept ? sums[j] / total : 0;
                means[j] = mu;
                double q = 0;
                for (int i = 0, k = j * m; i < m; i++, k++) {
                    double v = values[k] - mu;
                    values[k] = v;
                    q += (w == null ? 1 : w[i]) * v * v;
                }
                squares[j] = checked(problem, fitIntercept, j, q, total);
            }
            return new Dense(m, n, w, data.targets(), fitIntercept, means, squares, values);
        }

        @Override
        double weightedDot(int j, double[] r) {
            double s = 0;
            int base = j * m;
            if (weights == null) {
                for (int i = 0; i < m; i++) {
                    s += values[base + i] * r[i];
                }
            } else {
                for (int i = 0; i < m; i++) {
                    s += values[base + i] * weights[i] * r[i];
                }
            }
            return s;
        }

        @Override
        void add(int j, double a, double[] r) {
            int base = j * m;
            for (int i = 0; i < m; i++) {
                r[i] += a * values[base + i];
            }
        }

        @Override
        double bytes() {
            return memory(m, n, (long) m * n, false, weights != null);
        }
    }
}
