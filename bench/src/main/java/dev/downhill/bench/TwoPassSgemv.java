package dev.downhill.bench;

import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasTrans;
import static org.bytedeco.openblas.global.openblas_full.cblas_sgemv;
import static org.bytedeco.openblas.global.openblas_full.openblas_set_num_threads;

import dev.downhill.Dataset;
import dev.downhill.internal.OffHeapViews;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * The baseline gradient: r = Xθ + b − y by one full {@code cblas_sgemv}, then g = (2/m)Xᵀr by a
 * second one (X read twice), OpenBLAS threaded over {@code threads} for the duration of the call.
 * Owns its host buffers (θ, r, g); close once.
 */
public final class TwoPassSgemv implements AutoCloseable {
    private final Dataset data;
    private final int rows;
    private final int cols;
    private final int threads;
    private final FloatPointer theta;
    private final FloatPointer residual;
    private final FloatPointer gradient;

    public TwoPassSgemv(Dataset data, double[] theta, int threads) {
        this.data = data;
        this.rows = Math.toIntExact(data.rows());
        this.cols = Math.toIntExact(data.cols());
        this.threads = threads;
        this.theta = new FloatPointer(cols);
        for (int j = 0; j < cols; j++) {
            this.theta.put(j, (float) theta[j]);
        }
        this.residual = new FloatPointer(rows);
        this.gradient = new FloatPointer(cols);
    }

    /** One gradient with intercept b; returns g₀ (to keep the work observable). */
    public float step(float intercept) {
        openblas_set_num_threads(threads);
        try {
            FloatPointer x = (FloatPointer) data.xPointer();
            cblas_sgemv(CblasRowMajor, CblasNoTrans, rows, cols, 1f, x, cols, theta, 1, 0f, residual, 1);
            FloatBuffer r = OffHeapViews.floats(residual, 0, rows);
            FloatBuffer y = OffHeapViews.floats(data.yPointer(), 0, rows);
            for (int i = 0; i < rows; i++) {
                r.put(i, r.get(i) + intercept - y.get(i));
            }
            cblas_sgemv(CblasRowMajor, CblasTrans, rows, cols, 2f / rows, x, cols, residual, 1, 0f, gradient, 1);
            return gradient.get(0);
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
