package dev.downhill.bench;

import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasTrans;
import static org.bytedeco.openblas.global.openblas_full.cblas_dgemv;
import static org.bytedeco.openblas.global.openblas_full.cblas_sgemv;
import static org.bytedeco.openblas.global.openblas_full.openblas_set_num_threads;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The baseline gradient: r = Xθ + b − y by one full {@code cblas_sgemv} ({@code cblas_dgemv} for a
 * float64 X), then g = (2/m)Xᵀr by a second one (X read twice), OpenBLAS threaded over
 * {@code threads} for the duration of the call. Owns its host buffers (θ, r, g); close once.
 */
public final class TwoPassSgemv implements AutoCloseable {
    private final Dataset data;
    private final int rows;
    private final int cols;
    private final int threads;
    private final boolean doubles;
    private final Pointer theta;
    private final Pointer residual;
    private final Pointer gradient;

    public TwoPassSgemv(Dataset data, double[] theta, int threads) {
        this.data = data;
        this.rows = Math.toIntExact(data.rows());
        this.cols = Math.toIntExact(data.cols());
        this.threads = threads;
        this.doubles = data.precision() == Precision.FLOAT64;
        if (doubles) {
            this.theta = new DoublePointer(theta);
            this.residual = new DoublePointer(rows);
            this.gradient = new DoublePointer(cols);
        } else {
            FloatPointer t = new FloatPointer(cols);
            for (int j = 0; j < cols; j++) {
                t.put(j, (float) theta[j]);
            }
            this.theta = t;
            this.residual = new FloatPointer(rows);
            this.gradient = new FloatPointer(cols);
        }
    }

    /** One gradient with intercept b; returns g₀ (to keep the work observable). */
    public float step(float intercept) {
        openblas_set_num_threads(threads);
        try {
            if (doubles) {
                DoublePointer x = (DoublePointer) data.xPointer();
                DoublePointer r = (DoublePointer) residual;
                cblas_dgemv(CblasRowMajor, CblasNoTrans, rows, cols, 1, x, cols, (DoublePointer) theta, 1, 0, r, 1);
                DoubleBuffer rb = OffHeapViews.doubles(r, 0, rows);
                DoubleBuffer y = OffHeapViews.doubles(data.yPointer(), 0, rows);
                for (int i = 0; i < rows; i++) {
                    rb.put(i, rb.get(i) + intercept - y.get(i));
                }
                cblas_dgemv(CblasRowMajor, CblasTrans, rows, cols, 2.0 / rows, x, cols, r, 1, 0, (DoublePointer) gradient, 1);
                return (float) ((DoublePointer) gradient).get(0);
            }
            FloatPointer x = (FloatPointer) data.xPointer();
            FloatPointer r = (FloatPointer) residual;
            cblas_sgemv(CblasRowMajor, CblasNoTrans, rows, cols, 1f, x, cols, (FloatPointer) theta, 1, 0f, r, 1);
            FloatBuffer rb = OffHeapViews.floats(r, 0, rows);
            FloatBuffer y = OffHeapViews.floats(data.yPointer(), 0, rows);
            for (int i = 0; i < rows; i++) {
                rb.put(i, rb.get(i) + intercept - y.get(i));
            }
            cblas_sgemv(CblasRowMajor, CblasTrans, rows, cols, 2f / rows, x, cols, r, 1, 0f, (FloatPointer) gradient, 1);
            return ((FloatPointer) gradient).get(0);
        } finally {
            openblas_set_num_threads(1);
        }
    }

    @Override
    public void close() {
        gradient.close();
        residual.close();
        theta.close();
    }
}
