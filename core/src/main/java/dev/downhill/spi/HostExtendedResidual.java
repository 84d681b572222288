package dev.downhill.spi;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.internal.DoubleDouble;
import dev.downhill.internal.OffHeapViews;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * {@link ExtendedResidual} over a host {@link Dataset} (for backends whose X is in host memory, or
 * that keep the host copy they were loaded from): rᵢ = (yᵢ − ȳ) − Σⱼ (Xᵢⱼ − x̄ⱼ)θⱼ with the means and
 * every product and sum carried to ~106 bits. Streams X in row blocks through windows (no per-row
 * allocation); reads X, y (host memory) and θ, writes nothing it does not return. The means are
 * computed (one pass) when the object is made.
 */
public final class HostExtendedResidual implements ExtendedResidual {
    /** Elements per window (a block of whole rows, at least one). */
    private static final int WINDOW = OffHeapViews.MAX_WINDOW;

    private final Dataset data;
    private final boolean centred;
    private final boolean round;
    private final int n;
    private final int blockRows;
    private final DoubleDouble[] means;
    private final DoubleDouble targetMean = new DoubleDouble();

    public HostExtendedResidual(Dataset data, boolean centred) {
        this(data, data.precision(), centred);
    }

    /**
     * @param precision the precision the backend holds X and y in: with FLOAT32 over float64 data every value
     *                  is rounded to float32 as it is read (the problem the backend solves), with FLOAT64 it is
     *                  read as stored
     */
    public HostExtendedResidual(Dataset data, Precision precision, boolean centred) {
        this.data = data;
        this.round = precision == Precision.FLOAT32 && data.precision() == Precision.FLOAT64;
        this.centred = centred;
        this.n = Math.toIntExact(data.cols());
        this.blockRows = (int) Math.max(1, Math.min(4096, WINDOW / Math.max(1, n)));
        this.means = new DoubleDouble[n];
        for (int j = 0; j < n; j++) {
            means[j] = new DoubleDouble();
        }
        if (centred) {
            double[] row = new double[n];
            for (long start = 0; start < data.rows(); start += blockRows) {
                int rows = (int) Math.min(blockRows, data.rows() - start);
                java.nio.Buffer block = window(start, rows);
                for (int i = 0; i < rows; i++) {
                    rowInto(block, i, row);
                    for (int j = 0; j < n; j++) {
                        means[j].add(row[j]);
                    }
                    targetMean.add(y(start + i));
                }
            }
            for (int j = 0; j < n; j++) {
                means[j].divide(data.rows());
            }
            targetMean.divide(data.rows());
        }
    }

    @Override
    public double intercept(double[] theta) {
        if (!centred) {
            return 0;
        }
        DoubleDouble b = new DoubleDouble(targetMean.hi(), targetMean.lo());
        for (int j = 0; j < n; j++) {
            b.addProduct(means[j], -theta[j]);
        }
        return b.value();
    }

    /**
     * X_cᵀr for r = r(θ), in one streaming pass: each rᵢ in double-double, and the n sums Σᵢ (Xᵢⱼ − x̄ⱼ)rᵢ
     * carried in double-double too; no m-length array. Returns n values rounded to double.
     */
    @Override
    public double[] transposedResidual(double[] theta) {
        DoubleDouble[] sums = new DoubleDouble[n];
        for (int j = 0; j < n; j++) {
            sums[j] = new DoubleDouble();
        }
        DoubleDouble total = new DoubleDouble();
        forEachResidual(theta, (i, row, value) -> {
            for (int j = 0; j < n; j++) {
                sums[j].addProduct(value, row[j]);
            }
            total.add(value);
        });
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            if (centred) {
                DoubleDouble shift = new DoubleDouble();
                shift.addProduct(means[j], total.hi());
                shift.addProduct(means[j], total.lo());
                sums[j].add(shift.negate());
            }
            out[j] = sums[j].value();
        }
        return out;
    }

    private interface ResidualConsumer {
        void accept(long row, double[] x, DoubleDouble residual);
    }

    private void forEachResidual(double[] theta, ResidualConsumer consumer) {
        DoubleDouble offset = new DoubleDouble();
        if (centred) {
            for (int j = 0; j < n; j++) {
                offset.addProduct(means[j], theta[j]);
            }
            offset.add(new DoubleDouble(targetMean.hi(), targetMean.lo()).negate());
        }
        double[] row = new double[n];
        DoubleDouble acc = new DoubleDouble();
        for (long start = 0; start < data.rows(); start += blockRows) {
            int rows = (int) Math.min(blockRows, data.rows() - start);
            java.nio.Buffer block = window(start, rows);
            for (int i = 0; i < rows; i++) {
                rowInto(block, i, row);
                acc.set(offset.hi(), offset.lo()).add(y(start + i));
                for (int j = 0; j < n; j++) {
                    acc.addProduct(row[j], -theta[j]);
                }
                consumer.accept(start + i, row, acc);
            }
        }
    }

    private double y(long i) {
        return round ? (float) data.y(i) : data.y(i);
    }

    /** A window over rows [start, start + rows) of X. */
    private java.nio.Buffer window(long start, int rows) {
        long offset = start * n;
        return data.precision() == Precision.FLOAT64
                ? OffHeapViews.doubles(data.xPointer(), offset, rows * n)
                : OffHeapViews.floats(data.xPointer(), offset, rows * n);
    }

    /** Copies row i of a block window into {@code out}. */
    private void rowInto(java.nio.Buffer block, int i, double[] out) {
        int base = i * n;
        if (block instanceof DoubleBuffer) {
            DoubleBuffer w = (DoubleBuffer) block;
            for (int j = 0; j < n; j++) {
                out[j] = round ? (float) w.get(base + j) : w.get(base + j);
            }
        } else {
            FloatBuffer w = (FloatBuffer) block;
            for (int j = 0; j < n; j++) {
                out[j] = w.get(base + j);
            }
        }
    }
}
