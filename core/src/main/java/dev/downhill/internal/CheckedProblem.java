package dev.downhill.internal;

import dev.downhill.Precision;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.DenseKernels;
import dev.downhill.spi.EpochRows;
import dev.downhill.spi.ExtendedResidual;
import dev.downhill.spi.GramSystem;
import dev.downhill.spi.QrReduction;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import dev.downhill.spi.StochasticEpoch;
import dev.downhill.spi.WideRows;
import org.bytedeco.javacpp.DoublePointer;

/**
 * The one place that checks the arguments of every pass, in front of whichever
 * backend runs the passes: {@link dev.downhill.LoadedProblem} wraps each problem it is given in one. Lengths
 * (θ, the gradient's output, the vectors of the vector operations, column scales, the prediction's output), row
 * orders (entries within [0, m)) and column scales (positive, finite) are checked here with one message each (scalars
 * are not: a diverging fit's NaN must reach core's divergence guard, not stop in an argument check), so a backend sees only well-formed calls; what only a backend can check (that a vector is its own kind) it
 * still checks. The column statistics and mean squared deviations are computed once and kept by the backend (the SPI's
 * contract; copies are returned); the extended-residual pass (whose constructor makes a pass for the means in
 * double-double) and the column magnitudes are kept here. Every operation of {@link ResidentProblem} is forwarded — including those with a default
 * implementation, so a backend's override is never bypassed ({@code CheckedProblemTest} checks that by reflection).
 */
public final class CheckedProblem implements ResidentProblem {
    private final ResidentProblem backend;
    private final int n;
    private final ExtendedResidual[] residuals = new ExtendedResidual[2];
    private final ColumnMagnitudes[] magnitudes = new ColumnMagnitudes[2];

    /** The host dataset the problem was loaded from (one of them, or neither when unknown). */
    private final dev.downhill.Dataset hostData;
    private final dev.downhill.SparseDataset hostSparse;

    private CheckedProblem(ResidentProblem backend, dev.downhill.Dataset hostData, dev.downhill.SparseDataset hostSparse) {
        this.backend = backend;
        this.n = Math.toIntExact(backend.cols());
        this.hostData = hostData;
        this.hostSparse = hostSparse;
    }

    /** {@code problem} behind the checks (itself when it already is a checked problem). */
    public static ResidentProblem of(ResidentProblem problem) {
        return problem instanceof CheckedProblem ? problem : new CheckedProblem(problem, null, null);
    }

    /**
     * {@code problem} behind the checks, knowing the host dataset it was loaded from ({@code data} or {@code sparse}, either
     * may be null), so that {@link #heldOut} can read a few of its rows. A checked problem without that knowledge is
     * wrapped anew (around the same backend problem).
     */
    public static ResidentProblem of(ResidentProblem problem, dev.downhill.Dataset data, dev.downhill.SparseDataset sparse) {
        if (problem instanceof CheckedProblem c) {
            if (c.hostData != null || c.hostSparse != null || data == null && sparse == null) {
                return c;
            }
            problem = c.backend;
        }
        return new CheckedProblem(problem, data, sparse);
    }

    /** The dense dataset this problem was loaded from, while it is open and has the problem's rows; else null. */
    public dev.downhill.Dataset hostData() {
        return hostData != null && hostData.rows() == rows() && hostData.isOpen() ? hostData : null;
    }

    /** The sparse dataset this problem was loaded from, or null when unknown (or X is dense). */
    public dev.downhill.SparseDataset hostSparse() {
        return hostSparse;
    }

    /**
     * The validation rows' moments ({@link HeldOutMoments}) of an SGD split, read from the host dataset; null when this
     * problem does not know its host dataset (then the column statistics include those rows).
     */
    public HeldOutMoments heldOut(EpochRows rows) {
        if (rows.rows() != rows()) {
            throw new IllegalArgumentException("the split covers " + rows.rows() + " rows but X has " + rows() + " rows");
        }
        if (hostData != null && hostData.rows() == rows() && hostData.isOpen()) {
            return HeldOutMoments.of(hostData, rows, columnStatistics());
        }
        if (hostSparse != null && hostSparse.rows() == rows()) {
            return HeldOutMoments.of(hostSparse, rows, columnStatistics());
        }
        return null;
    }

    @Override
    public String backendName() {
        return backend.backendName();
    }

    @Override
    public long rows() {
        return backend.rows();
    }

    @Override
    public long cols() {
        return backend.cols();
    }

    @Override
    public Precision precision() {
        return backend.precision();
    }

    @Override
    public String description() {
        return backend.description();
    }

    @Override
    public boolean isSparse() {
        return backend.isSparse();
    }

    @Override
    public int hostThreads() {
        return backend.hostThreads();
    }

    @Override
    public String sumsLayout() {
        return backend.sumsLayout();
    }

    @Override
    public boolean weighted() {
        return backend.weighted();
    }

    @Override
    public double weightSum() {
        return backend.weightSum();
    }

    @Override
    public BackendVector allocateVector(long length) {
        if (length < 0 || length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("vector length " + length + " is outside [0, 2^31 - 1]");
        }
        return backend.allocateVector(length);
    }

    /**
     * The backend's: it computes them once and keeps them, and hands out a copy each call (the SPI's contract), so they are
     * not kept a second time here (n values each: on hashed features, 8 MB apiece).
     */
    @Override
    public ColumnStatistics columnStatistics() {
        return backend.columnStatistics();
    }

    /** The backend's (kept there, a copy each call), as {@link #columnStatistics()}. */
    @Override
    public double[] columnMeanSquaredDeviations(boolean centred) {
        return backend.columnMeanSquaredDeviations(centred);
    }

    /**
     * The columns' magnitudes about the means ({@code aboutMeans}) or about 0, measured once ({@code measure}, called at
     * most once per setting) and kept: they are a property of the data, and their zero-or-tiny column probe is a pass
     * over X (a fit with {@code --solver auto} measures them for its choice and again for the solver it chose).
     */
    synchronized ColumnMagnitudes columnMagnitudes(boolean aboutMeans, java.util.function.Supplier<ColumnMagnitudes> measure) {
        int slot = aboutMeans ? 1 : 0;
        if (magnitudes[slot] == null) {
            magnitudes[slot] = measure.get();
        }
        return magnitudes[slot];
    }

    @Override
    public double meanSquaredDeviation(boolean centred) {
        return backend.meanSquaredDeviation(centred);
    }

    @Override
    public void multiply(BackendVector d, BackendVector x) {
        length(d, "d");
        length(x, "x");
        backend.multiply(d, x);
    }

    @Override
    public void copy(BackendVector from, BackendVector to) {
        length(from, "from");
        length(to, "to");
        backend.copy(from, to);
    }

    @Override
    public ResidualSums gradient(BackendVector theta, double intercept, double targetWeight, double scale, RowSlice rows,
                                 BackendVector out) {
        length(theta, "θ");
        length(out, "the gradient's output");
        if (!rows.isAll()) {
            long[] order = rows.order();
            long m = rows();
            for (int p = rows.from(); p < rows.to(); p++) {
                if (order[p] < 0 || order[p] >= m) {
                    throw new IllegalArgumentException("row order entry " + p + " is " + order[p] + ", outside X's " + m + " rows");
                }
            }
        }
        return backend.gradient(theta, intercept, targetWeight, scale, rows, out);
    }

    @Override
    public StochasticEpoch.EpochSums epoch(StochasticEpoch epoch, BackendVector theta, BackendVector gradient) {
        length(theta, "θ");
        length(gradient, "the gradient's output");
        if (epoch.rows().rows() != rows()) {
            throw new IllegalArgumentException("the epoch's order covers " + epoch.rows().rows() + " rows but X has " + rows() + " rows");
        }
        if (epoch.average() != null && epoch.average().length != cols()) {
            throw new IllegalArgumentException("the epoch's average has " + epoch.average().length + " values, X has " + cols()
                    + " columns");
        }
        for (BackendVector v : new BackendVector[] {epoch.means(), epoch.columnFactors(), epoch.ridge(), epoch.squaredScales()}) {
            if (v != null) {
                length(v, "an epoch vector");
            }
        }
        double[] kappa = epoch.l1Thresholds();
        if (kappa != null && kappa.length != n) {
            throw new IllegalArgumentException(kappa.length + " l1 thresholds for " + n + " columns");
        }
        return backend.epoch(epoch, theta, gradient);
    }

    @Override
    public void predict(double[] theta, double intercept, DoublePointer out) {
        if (theta.length != n) {
            throw new IllegalArgumentException("θ has " + theta.length + " values but X has " + n + " columns");
        }
        long room = out.capacity() - out.position();
        if (out.capacity() > 0 && room < rows()) {
            throw new IllegalArgumentException("prediction output has room for " + room + " values but X has " + rows() + " rows");
        }
        backend.predict(theta, intercept, out);
    }

    @Override
    public void axpy(double alpha, BackendVector x, BackendVector y) {
        length(x, "x");
        length(y, "y");
        backend.axpy(alpha, x, y);
    }

    @Override
    public void scale(double alpha, BackendVector x) {
        length(x, "x");
        backend.scale(alpha, x);
    }

    @Override
    public double dot(BackendVector x, BackendVector y) {
        if (x.length() != y.length()) {
            throw new IllegalArgumentException("dot of vectors of " + x.length() + " and " + y.length() + " values");
        }
        return backend.dot(x, y);
    }

    @Override
    public CrossProducts crossProducts(boolean centred) {
        return backend.crossProducts(centred);
    }

    @Override
    public GramSystem gramSystem(boolean centred, boolean float32Products) {
        return backend.gramSystem(centred, float32Products);
    }

    @Override
    public QrReduction qrReduction(boolean centred, double[] columnScales) {
        checkScales(columnScales);
        return backend.qrReduction(centred, columnScales.clone());
    }

    @Override
    public WideRows wideRows(boolean centred, double[] columnScales) {
        checkScales(columnScales);
        if (backend.rows() > n) {
            throw new IllegalArgumentException("the rows pass is for wide X: " + backend.rows() + " rows > " + n + " columns");
        }
        WideRows rows = backend.wideRows(centred, columnScales.clone());
        if (rows.rows() != backend.rows() || rows.cols() != n + 1 || rows.a().length != rows.rows() * (n + 1)) {
            throw new IllegalStateException("the backend's rows pass returned " + rows.rows() + " × " + rows.cols() + " ("
                    + rows.a().length + " values) for " + backend.rows() + " × " + (n + 1));
        }
        return rows;
    }

    private void checkScales(double[] columnScales) {
        if (columnScales.length != n) {
            throw new IllegalArgumentException(columnScales.length + " column scales for " + n + " columns");
        }
        for (int j = 0; j < n; j++) {
            if (!(columnScales[j] > 0 && Double.isFinite(columnScales[j]))) {
                throw new IllegalArgumentException("column scale " + j + " is " + columnScales[j] + ", not a positive finite number");
            }
        }
    }

    @Override
    public synchronized ExtendedResidual extendedResidual(boolean centred) {
        int slot = centred ? 1 : 0;
        if (residuals[slot] == null) {
            residuals[slot] = backend.extendedResidual(centred);
        }
        ExtendedResidual pass = residuals[slot];
        return new ExtendedResidual() {
            @Override
            public double[] transposedResidual(double[] theta) {
                checkTheta(theta);
                return pass.transposedResidual(theta);
            }

            @Override
            public double intercept(double[] theta) {
                checkTheta(theta);
                return pass.intercept(theta);
            }
        };
    }

    /**
     * The backend's row pass, after checking c's and q's lengths (q ≥ 0 is core's own doing: not checked); NaN when the
     * backend has none.
     */
    @Override
    public double maxSquaredRowNorm(double[] centre, double[] squaredFactors) {
        length(centre, "the row pass's centre");
        length(squaredFactors, "the row pass's squared factors");
        return backend.maxSquaredRowNorm(centre, squaredFactors);
    }

    @Override
    public double[] sketchGram(int sketchRows, double rowRate, long seed, boolean centred) {
        if (sketchRows < 1 || !(rowRate > 0 && rowRate <= 1)) {
            throw new IllegalArgumentException("a row sketch needs at least one row and a sampling rate in (0, 1], got "
                    + sketchRows + " rows at rate " + rowRate);
        }
        double[] gram = backend.sketchGram(sketchRows, rowRate, seed, centred);
        if (gram != null && gram.length != cols() * cols()) {
            throw new IllegalStateException("backend " + backend.backendName() + " returned a sketch's Gram matrix of "
                    + gram.length + " values for " + cols() + " columns");
        }
        return gram;
    }

    @Override
    public DenseKernels denseKernels() {
        return backend.denseKernels();
    }

    @Override
    public void close() {
        backend.close();
    }

    private void checkTheta(double[] theta) {
        if (theta.length != n) {
            throw new IllegalArgumentException("θ has " + theta.length + " values but X has " + n + " columns");
        }
    }

    /** Vectors of a problem have n values (the only length core's solvers use). */
    private void length(double[] v, String what) {
        if (v != null && v.length != n) {
            throw new IllegalArgumentException(what + " has " + v.length + " values but X has " + n + " columns");
        }
    }

    private void length(BackendVector v, String what) {
        if (v.length() != n) {
            throw new IllegalArgumentException(what + " has " + v.length() + " values but X has " + n + " columns");
        }
    }

    @Override
    public String toString() {
        return backend.toString();
    }
}
