package dev.downhill.cpu;

import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasTrans;
import static org.bytedeco.openblas.global.openblas_full.cblas_daxpy;
import static org.bytedeco.openblas.global.openblas_full.cblas_ddot;
import static org.bytedeco.openblas.global.openblas_full.cblas_dgemv;

import dev.downhill.internal.OffHeapViews;
import java.nio.DoubleBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.Pointer;

/** float64 fused kernel: dgemv per block accumulating (β = 1) straight into the float64 accumulator. */
final class DoubleKernel extends FusedKernel {
    private final DoublePointer x;
    private final DoublePointer y;
    /** Sample weights (m values), or null when unweighted. */
    private final DoublePointer weights;
    private final DoublePointer block;
    private final DoublePointer residual;
    private final DoubleBuffer residualView;
    private final DoublePointer ones;

    DoubleKernel(DoublePointer x, DoublePointer y, DoublePointer weights, long cols, BlockShape shape, GradientStrategy strategy) {
        super(cols, shape.rowsPerBlock(cols, 8), strategy);
        this.x = x;
        this.y = y;
        this.weights = weights;
        this.block = new DoublePointer(x);
        this.residual = new DoublePointer(rowsPerBlock);
        this.residualView = OffHeapViews.doubles(residual, 0, rowsPerBlock);
        this.ones = new DoublePointer(rowsPerBlock);
        for (int i = 0; i < rowsPerBlock; i++) {
            ones.put(i, 1.0);
        }
    }

    @Override
    void gradientRows(long start, long end, Pointer theta, double intercept, double targetWeight) {
        DoublePointer t = (DoublePointer) theta;
        if (strategy == GradientStrategy.SINGLE_PASS) {
            NativeKernels.fused_gradient_double(x, cols, y, weights, start, end, t, intercept, targetWeight, accumulator, nativeSums);
            takeNativeSums();
            return;
        }
        DoubleBuffer targets = null;
        long targetsStart = 0;
        for (long row = start; row < end; row += rowsPerBlock) {
            int rows = (int) Math.min(rowsPerBlock, end - row);
            block.position(x.position() + row * cols);
            cblas_dgemv(CblasRowMajor, CblasNoTrans, rows, n, 1.0, block, n, t, 1, 0.0, residual, 1);
            if (targets == null || row + rows > targetsStart + targets.capacity()) {
                targetsStart = row;
                targets = OffHeapViews.doubles(y, row, (int) Math.min(end - row, OffHeapViews.MAX_WINDOW));
            }
            int base = (int) (row - targetsStart);
            double ss = 0;
            double s = 0;
            if (weights != null) {
                DoubleBuffer w = OffHeapViews.doubles(weights, row, rows);
                for (int i = 0; i < rows; i++) {
                    double r = residualView.get(i) + (intercept - targetWeight * targets.get(base + i));
                    double wr = w.get(i) * r;
                    ss += wr * r;
                    s += wr;
                    residualView.put(i, wr);
                }
            } else {
                for (int i = 0; i < rows; i++) {
                    double r = residualView.get(i) + (intercept - targetWeight * targets.get(base + i));
                    ss += r * r;
                    s += r;
                    residualView.put(i, r);
                }
            }
            sumOfSquares += ss;
            sum += s;
            cblas_dgemv(CblasRowMajor, CblasTrans, rows, n, 1.0, block, n, residual, 1, 1.0, accumulator, 1);
        }
    }

    @Override
    void gradientGather(long[] order, int from, int to, Pointer theta, double intercept, double targetWeight) {
        DoublePointer t = (DoublePointer) theta;
        for (int p = from; p < to; p++) {
            long row = order[p];
            block.position(x.position() + row * cols);
            double r = cblas_ddot(n, block, 1, t, 1) + (intercept - targetWeight * y.get(row));
            if (weights != null) {
                double wr = weights.get(row) * r;
                sumOfSquares += wr * r;
                sum += wr;
                cblas_daxpy(n, wr, block, 1, accumulator, 1);
                continue;
            }
            sumOfSquares += r * r;
            sum += r;
            cblas_daxpy(n, r, block, 1, accumulator, 1);
        }
    }

    @Override
    void gradientGatherNative(org.bytedeco.javacpp.LongPointer order, int from, int to, Pointer theta, double intercept,
                              double targetWeight) {
        EpochKernels.gather_double(x, cols, y, weights, order, from, to, (DoublePointer) theta, intercept, targetWeight,
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
    DoublePointer weights() {
        return weights;
    }

    @Override
    org.bytedeco.javacpp.FloatPointer partial() {
        return null;
    }

    /**
     * Column sums and Σy (and, with {@code squares}, Σ wx² in the same pass) by the native row-order loop that the float32
     * kernel uses; without the native library, per block through dgemv (another order, no squares).
     */
    @Override
    boolean statisticsRows(long start, long end, DoublePointer squares) {
        if (!EpochKernels.available()) {
            statisticsRowsThroughBlas(start, end);
            return false;
        }
        carryingSum(() -> EpochKernels.column_sums_double(x, cols, y, weights, start, end, accumulator, nativeSums, squares));
        return squares != null;
    }

    private void statisticsRowsThroughBlas(long start, long end) {
        for (long row = start; row < end; row += rowsPerBlock) {
            int rows = (int) Math.min(rowsPerBlock, end - row);
            block.position(x.position() + row * cols);
            DoubleBuffer targets = OffHeapViews.doubles(y, row, rows);
            double s = 0;
            if (weights != null) { // Σ wᵢxᵢ = X_Bᵀw_B, Σ wᵢyᵢ
                DoublePointer w = (DoublePointer) dev.downhill.internal.OffHeapViews.offset(weights, row);
                cblas_dgemv(CblasRowMajor, CblasTrans, rows, n, 1.0, block, n, w, 1, 1.0, accumulator, 1);
                DoubleBuffer wb = OffHeapViews.doubles(weights, row, rows);
                for (int i = 0; i < rows; i++) {
                    s += wb.get(i) * targets.get(i);
                }
            } else {
                cblas_dgemv(CblasRowMajor, CblasTrans, rows, n, 1.0, block, n, ones, 1, 1.0, accumulator, 1);
                for (int i = 0; i < rows; i++) {
                    s += targets.get(i);
                }
            }
            sum += s;
        }
    }

    @Override
    public void close() {
        ones.close();
        residual.close();
        super.close();
    }
}
