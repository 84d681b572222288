package dev.downhill.cpu;

import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dgelqf;
import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dormlq;
import static org.bytedeco.openblas.global.openblas_full.LAPACK_COL_MAJOR;

import dev.downhill.spi.LqFactorization;
import org.bytedeco.javacpp.DoublePointer;

/**
 * A = L·Q₁ by LAPACK's dgelqf (blocked Householder, O(rows²·cols)); products with Q by dormlq (side R, no transpose).
 * The reflectors and τ are kept on the Java heap between calls, each call working on off-heap copies.
 */
final class LapackLq implements LqFactorization {
    private final int rows;
    private final int cols;
    private final int threads;
    /** dgelqf's output, rows × cols column-major: L on and below the diagonal, the reflectors to its right. */
    private final double[] factored;
    private final double[] tau;

    private LapackLq(int rows, int cols, int threads, double[] factored, double[] tau) {
        this.rows = rows;
        this.cols = cols;
        this.threads = threads;
        this.factored = factored;
        this.tau = tau;
    }

    static LapackLq factor(double[] a, int rows, int cols, int threads) {
        if (rows > cols) {
            throw new IllegalArgumentException("LQ of a " + rows + " × " + cols + " matrix: rows must not exceed cols");
        }
        return OpenBlas.withThreads(threads, () -> {
            try (DoublePointer p = dev.downhill.io.HugePages.advise(new DoublePointer((long) a.length)).put(a);
                 DoublePointer t = new DoublePointer(Math.max(1, rows))) {
                DirectPasses.checkInfo(LAPACKE_dgelqf(LAPACK_COL_MAJOR, rows, cols, p, Math.max(1, rows), t), "LAPACKE_dgelqf");
                double[] factored = new double[a.length];
                double[] tau = new double[rows];
                p.get(factored);
                t.get(tau);
                return new LapackLq(rows, cols, threads, factored, tau);
            }
        });
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public double[] lower() {
        double[] l = new double[rows * rows];
        for (int j = 0; j < rows; j++) {
            for (int i = j; i < rows; i++) {
                l[i + j * rows] = factored[i + j * rows];
            }
        }
        return l;
    }

    /** C·Q with C = [B 0] (count × cols): dormlq, side R, trans N. */
    @Override
    public double[] timesQ(double[] b, int count) {
        if (count == 0 || rows == 0) {
            return new double[count * cols];
        }
        return OpenBlas.withThreads(threads, () -> {
            try (DoublePointer a = new DoublePointer((long) factored.length).put(factored);
                 DoublePointer t = new DoublePointer(rows).put(tau);
                 DoublePointer c = new DoublePointer((long) count * cols)) {
                c.fill(0);
                c.put(b, 0, count * rows); // the first rows columns of C are B (column-major, leading dimension count)
                DirectPasses.checkInfo(LAPACKE_dormlq(LAPACK_COL_MAJOR, (byte) 'R', (byte) 'N', count, cols, rows, a, rows, t,
                        c, count), "LAPACKE_dormlq");
                double[] out = new double[count * cols];
                c.get(out);
                return out;
            }
        });
    }
}
