package dev.downhill.cpu;

import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasTrans;
import static org.bytedeco.openblas.global.openblas_full.cblas_dsdot;
import static org.bytedeco.openblas.global.openblas_full.cblas_saxpy;
import static org.bytedeco.openblas.global.openblas_full.cblas_sgemv;

import dev.downhill.internal.OffHeapViews;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * float32 kernels. The OpenBLAS strategy: per block, r = Xθ row by row with {@code cblas_dsdot}
 * (float64 accumulation: an sgemv's float32 sums left GD a gradient floor near ‖∇‖/‖∇₀‖ ≈ 2e-6, above
 * the float32 default tolerance), then Xᵀr by sgemv into a float32 partial that is flushed into the
 * float64 accumulator every {@code blocksPerFlush} blocks (and at the end of every pass).
 */
final class FloatKernel extends FusedKernel {
    private final FloatPointer x;
    private final FloatPointer y;
    /** Sample weights (float64, m values), or null when unweighted. */
    private final org.bytedeco.javacpp.DoublePointer weights;
    private final FloatPointer block;
    private final FloatPointer residual;
    private final FloatBuffer residualView;
    private final FloatPointer partial;
    private final FloatBuffer partialView;
    private final int blocksPerFlush;

    private final long flushRows;
    private final double[] residualDots;

    FloatKernel(FloatPointer x, FloatPointer y, org.bytedeco.javacpp.DoublePointer weights, long cols, BlockShape shape,
                GradientStrategy strategy) {
        // a block's float32 partial never spans more than flushRows rows
        super(cols, (int) Math.min(shape.rowsPerBlock(cols, 4), Math.max(1, shape.flushRows())), strategy);
        this.flushRows = shape.flushRows();
        this.x = x;
        this.y = y;
        this.weights = weights;
        this.block = new FloatPointer(x);
        this.residual = new FloatPointer(rowsPerBlock);
        this.residualView = OffHeapViews.floats(residual, 0, rowsPerBlock);
        this.partial = new FloatPointer(cols);
        this.partialView = OffHeapViews.floats(partial, 0, n);
        Pointer.memset(partial, 0, cols * 4);
        this.blocksPerFlush = shape.blocksPerFlush(rowsPerBlock);
        this.residualDots = new double[rowsPerBlock];
    }

    @Override
    void gradientRows(long start, long end, Pointer theta, double intercept, double targetWeight) {
        FloatPointer t = (FloatPointer) theta;
        if (strategy == GradientStrategy.SINGLE_PASS) {
            NativeKernels.fused_gradient_float(x, cols, y, weights, start, end, t, intercept, targetWeight, partial, accumulator,
                    flushRows, nativeSums);
            takeNativeSums();
            return;
        }
        FloatBuffer targets = null;
        long targetsStart = 0;
        int blocks = 0;
        for (long row = start; row < end; row += rowsPerBlock) {
            int rows = (int) Math.min(rowsPerBlock, end - row);
            block.position(x.position() + row * cols);
            for (int i = 0; i < rows; i++) { // r = Xθ with float64 accumulation (sdot's float32 sum sets GD's floor)
                block.position(x.position() + (row + i) * cols);
                residualDots[i] = cblas_dsdot(n, block, 1, t, 1);
            }
            block.position(x.position() + row * cols);
            if (targets == null || row + rows > targetsStart + targets.capacity()) {
                targetsStart = row;
                targets = OffHeapViews.floats(y, row, (int) Math.min(end - row, OffHeapViews.MAX_WINDOW));
            }
            int base = (int) (row - targetsStart);
            double ss = 0;
            double s = 0;
            if (weights != null) {
                java.nio.DoubleBuffer w = OffHeapViews.doubles(weights, row, rows);
                for (int i = 0; i < rows; i++) {
                    double r = residualDots[i] + (intercept - targetWeight * targets.get(base + i));
                    double wr = w.get(i) * r;
                    ss += wr * r;
                    s += wr;
                    residualView.put(i, (float) wr);
                }
            } else {
                for (int i = 0; i < rows; i++) {
                    double r = residualDots[i] + (intercept - targetWeight * targets.get(base + i));
                    ss += r * r;
                    s += r;
                    residualView.put(i, (float) r);
                }
            }
            sumOfSquares += ss;
            sum += s;
            cblas_sgemv(CblasRowMajor, CblasTrans, rows, n, 1f, block, n, residual, 1, 1f, partial, 1);
            if (++blocks % blocksPerFlush == 0) {
                flush();
            }
        }
        flush();
    }

    @Override
    void gradientGather(long[] order, int from, int to, Pointer theta, double intercept, double targetWeight) {
        FloatPointer t = (FloatPointer) theta;
        for (int p = from; p < to; p++) {
            long row = order[p];
            block.position(x.position() + row * cols);
            double r = cblas_dsdot(n, block, 1, t, 1) + (intercept - targetWeight * y.get(row));
            if (weights != null) {
                double wr = weights.get(row) * r;
                sumOfSquares += wr * r;
                sum += wr;
                cblas_saxpy(n, (float) wr, block, 1, partial, 1);
                continue;
            }
            sumOfSquares += r * r;
            sum += r;
            cblas_saxpy(n, (float) r, block, 1, partial, 1);
        }
        flush();
    }

    @Override
    void gradientGatherNative(org.bytedeco.javacpp.LongPointer order, int from, int to, Pointer theta, double intercept,
                              double targetWeight) {
        EpochKernels.gather_float(x, cols, y, weights, order, from, to, (FloatPointer) theta, intercept, targetWeight, partial,
                accumulator, nativeSums);
        takeNativeSums();
    }

    @Override
    Pointer x() {
        return x;
    }

    @Override
    Pointer y() {
        return y;
    }

    @Override
    org.bytedeco.javacpp.DoublePointer weights() {
        return weights;
    }

    @Override
    FloatPointer partial() {
        return partial;
    }

    /**
     * Column sums of rows [start, end) added to the float64 accumulator element by element (no float32
     * partial: means exact to float64 rounding, so centring removes the mean direction exactly enough
     * for the SVD's rank cutoff to see it), and Σy.
     */
    /** With the native kernels, the squares ride along in the same pass (the squared-deviations pass's bits about 0). */
    @Override
    boolean statisticsRows(long start, long end, org.bytedeco.javacpp.DoublePointer squares) {
        if (!EpochKernels.available()) {
            statisticsRowsInJava(start, end);
            return false;
        }
        carryingSum(() -> EpochKernels.column_sums_float(x, cols, y, weights, start, end, accumulator, nativeSums, squares));
        return squares != null;
    }

    /** The column sums in Java (without the native library): the native loop's order and bits. */
    private void statisticsRowsInJava(long start, long end) {
        for (long row = start; row < end; row++) {
            FloatBuffer values = OffHeapViews.floats(x, row * cols, n);
            if (weights != null) { // Σ wᵢxᵢ, Σ wᵢyᵢ in float64
                double w = weights.get(row);
                for (int j = 0; j < n; j++) {
                    accumulatorView.put(j, accumulatorView.get(j) + w * values.get(j));
                }
                sum += w * y.get(row);
                continue;
            }
            for (int j = 0; j < n; j++) {
                accumulatorView.put(j, accumulatorView.get(j) + values.get(j));
            }
            sum += y.get(row);
        }
    }

    /** accumulator += partial; partial = 0. */
    private void flush() {
        for (int j = 0; j < n; j++) {
            accumulatorView.put(j, accumulatorView.get(j) + partialView.get(j));
            partialView.put(j, 0f);
        }
    }

    @Override
    public void close() {
        partial.close();
        residual.close();
        super.close();
    }
}
