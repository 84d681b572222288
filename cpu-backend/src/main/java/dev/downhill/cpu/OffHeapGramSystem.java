package dev.downhill.cpu;

import static org.bytedeco.openblas.global.openblas_full.CblasColMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasLower;
import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dpocon;
import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dpotrf;
import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dpotrs;
import static org.bytedeco.openblas.global.openblas_full.LAPACK_COL_MAJOR;

import dev.downhill.internal.OffHeapViews;
import dev.downhill.io.HugePages;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.GramSystem;
import java.nio.DoubleBuffer;
import org.bytedeco.javacpp.DoublePointer;

/**
 * G and c of the normal equations with G in off-heap memory (huge pages where the kernel offers them), as the cpu
 * backend's Gram pass wrote it: dsyrk's row-major upper triangle, which is the column-major lower triangle
 * {@link GramSystem} defines. It is scaled in place in native code, LAPACK factors it in place (dpotrf), estimates its
 * inverse's norm (dpocon), solves with the factor (dpotrs) and inverts it for G⁻¹'s diagonal (dtrtri) — no n² copy
 * between the heap and native memory. Owns its memory:
 * {@link #close()} frees it once.
 */
final class OffHeapGramSystem implements GramSystem {
    /** Largest n whose n² doubles one {@link DoubleBuffer} view can address (2³¹ bytes). */
    static final int MAX_VIEW_ORDER = 16_383;

    private final int n;
    private final int threads;
    private final double roundoff;
    private final DoublePointer gram;
    private double[] moment;
    private boolean closed;

    /** A zero-filled G of order n (c unset); BLAS and LAPACK calls on it use {@code threads} threads. */
    OffHeapGramSystem(int n, int threads) {
        this(n, threads, FLOAT64_ROUNDOFF, true);
    }

    /**
     * @param roundoff the unit roundoff of the pass that fills G ({@link #unitRoundoff()})
     * @param zeroFill whether G starts as zeros (else its memory is uninitialised, for a pass that writes the whole
     *                 triangle before reading it)
     */
    OffHeapGramSystem(int n, int threads, double roundoff, boolean zeroFill) {
        this.n = n;
        this.threads = threads;
        this.roundoff = roundoff;
        this.gram = HugePages.advise(dev.downhill.spi.OffHeapAllocation.doubles((long) n * n, String.format(java.util.Locale.ROOT,
                "the normal equations' Gram matrix XᵀX (%,d × %,d)", n, n)));
        if (zeroFill) {
            DoublePointer.memset(gram, 0, 8L * n * n);
        }
    }

    /** The memory BLAS writes G into: row-major, leading dimension n (upper triangle). */
    DoublePointer pointer() {
        return gram;
    }

    /** Entry (i, j), i ≤ j, of the row-major upper triangle. */
    double upper(int i, int j) {
        return gram.get((long) i * n + j);
    }

    void setMoment(double[] c) {
        this.moment = c;
    }

    /** G ← G − m·x̄x̄ᵀ on the stored triangle: the centring of a Gram matrix computed on uncentred X. */
    void downdate(long m, double[] mean) {
        double[] values = new double[n]; // a row at a time through a heap array: bulk copies, then a plain loop
        for (int i = 0; i < n; i++) {
            int length = n - i;
            gram.position((long) i * n + i).get(values, 0, length);
            for (int k = 0; k < length; k++) {
                values[k] -= m * mean[i] * mean[i + k];
            }
            gram.position((long) i * n + i).put(values, 0, length);
        }
        gram.position(0);
    }

    /** A heap copy with both triangles filled (G is symmetric, so row- and column-major agree). */
    CrossProducts toHost() {
        double[] g = new double[Math.multiplyExact(n, n)];
        gram.get(g);
        DirectPasses.mirrorUpper(g, n);
        return new CrossProducts(g, moment.clone());
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public double unitRoundoff() {
        return roundoff;
    }

    @Override
    public DoubleBuffer lower() {
        if (n > MAX_VIEW_ORDER) {
            throw new IllegalStateException("a Gram matrix of order " + n + " is beyond one buffer view (" + MAX_VIEW_ORDER + ")");
        }
        return OffHeapViews.doubles(gram, 0, n * n);
    }

    @Override
    public double[] moment() {
        return moment.clone();
    }

    /** In native code ({@link GramKernels}) when its library loads, else core's Java. */
    @Override
    public double scale(double[] scales) {
        if (GramKernels.available()) {
            try (DoublePointer s = new DoublePointer(scales)) {
                double norm = GramKernels.gram_scale_lower(n, gram, s);
                if (norm >= 0) {
                    return norm;
                }
            }
        }
        return GramSystem.super.scale(scales);
    }

    /** dpotrs on the factor in place. */
    @Override
    public double[] solve(double[] b) {
        double[] x = b.clone();
        try (DoublePointer rhs = new DoublePointer(x)) {
            OpenBlas.withThreads(threads, () -> {
                DirectPasses.checkInfo(LAPACKE_dpotrs(LAPACK_COL_MAJOR, (byte) 'L', n, 1, gram, n, rhs, n), "LAPACKE_dpotrs");
                return null;
            });
            rhs.get(x);
        }
        return x;
    }

    @Override
    public int cholesky() {
        return OpenBlas.withThreads(threads, () -> {
            int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, (byte) 'L', n, gram, n);
            if (info < 0) {
                DirectPasses.checkInfo(info, "LAPACKE_dpotrf");
            }
            return info;
        });
    }

    /** dpocon with ‖A‖₁ = 1: its rcond is then 1/est(‖A⁻¹‖₁). */
    @Override
    public double inverseNormEstimate() {
        return OpenBlas.withThreads(threads, () -> {
            try (DoublePointer rcond = new DoublePointer(1)) {
                DirectPasses.checkInfo(LAPACKE_dpocon(LAPACK_COL_MAJOR, (byte) 'L', n, gram, n, 1.0, rcond), "LAPACKE_dpocon");
                double r = rcond.get();
                return r > 0 ? 1 / r : Double.POSITIVE_INFINITY;
            }
        });
    }

    /**
     * On the problem's threads ({@link CholeskyInverseDiagonal}): ‖L⁻¹v‖² by a forward substitution (dtrsv), then L ←
     * L⁻¹ in place (dtrtri) and the squared column norms of L⁻¹. L is destroyed, as the contract allows.
     */
    @Override
    public double inverseDiagonal(double[] v, double[] diagonal) {
        return OpenBlas.withThreads(threads, () -> CholeskyInverseDiagonal.compute(gram, n, v, diagonal));
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            gram.close();
        }
    }
}
