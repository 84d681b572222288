package dev.downhill.internal.direct;

import dev.downhill.spi.DenseKernels;
import dev.downhill.spi.SingularValueDecomposition;
import java.nio.DoubleBuffer;

/**
 * The dense kernels in plain Java: a column-oriented Cholesky and a one-sided Jacobi SVD (Hestenes),
 * which is accurate to the last digits even for graded matrices but costs O(sweeps·rows·cols²) — meant for
 * the small matrices of tests and of backends without a LAPACK; the cpu backend uses LAPACK instead. A column whose squares
 * underflow float64 (entries below ~1e-162 when the largest is near 1) is left unrotated, with σ = 0: it lies far below
 * any rank cutoff.
 */
public final class JavaDenseKernels implements DenseKernels {
    public static final JavaDenseKernels INSTANCE = new JavaDenseKernels();
    private static final int MAX_SWEEPS = 80;

    private JavaDenseKernels() {
    }

    /**
     * Left-looking, column by column: column j of L is a_j − Σ_{k<j} L[j,k]·L[·,k] (the updates applied in the order
     * k = 0, 1, …, each as a contiguous axpy down column k), then divided by √(its diagonal).
     */
    @Override
    public int cholesky(double[] a, int n) {
        for (int j = 0; j < n; j++) {
            int col = j * n;
            for (int k = 0; k < j; k++) {
                double ljk = a[j + k * n];
                int other = k * n;
                for (int i = j; i < n; i++) {
                    a[col + i] -= a[other + i] * ljk;
                }
            }
            double d = a[j + col];
            if (!(d > 0)) {
                return j + 1;
            }
            d = Math.sqrt(d);
            a[j + col] = d;
            for (int i = j + 1; i < n; i++) {
                a[col + i] /= d;
            }
            for (int i = 0; i < j; i++) {
                a[col + i] = 0;
            }
        }
        return 0;
    }

    /** Rows of A transposed at a time in {@link #rowGram}. */
    private static final int GRAM_TILE = 64;

    /**
     * G = AᵀA of the row-major rows × cols {@code a}, column-major with both triangles filled (see
     * {@link DenseKernels#rowGram}): A is taken {@value #GRAM_TILE} rows at a time, transposed into a cache-sized tile,
     * and every G[j, k] (k ≤ j) gains that tile's dot product of columns j and k (four interleaved sums, added in a
     * fixed order). Threads share the columns j (every threads-th one each) and see the tiles in the same order, so the
     * bits do not depend on the thread count. An interrupt of the calling thread stops every thread at its next tile:
     * {@link dev.downhill.FitInterruptedException} ({@link dev.downhill.spi.Interrupts}).
     */
    public static double[] rowGram(double[] a, int rows, int cols, int threads) {
        if ((long) rows * cols > a.length) {
            throw new IllegalArgumentException(rows + " × " + cols + " rows in an array of " + a.length);
        }
        double[] g = new double[Math.multiplyExact(cols, cols)];
        int workers = Math.max(1, Math.min(threads, cols / 16 + 1));
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable[] parts = new Runnable[workers];
        for (int t = 0; t < workers; t++) {
            int part = t;
            parts[t] = () -> {
                double[] tile = new double[GRAM_TILE * cols];
                for (int start = 0; start < rows; start += GRAM_TILE) {
                    if (part == 0 && Thread.currentThread().isInterrupted()) {
                        stop.set(true);
                    }
                    if (stop.get()) {
                        return; // the caller throws FitInterruptedException below
                    }
                    int height = Math.min(GRAM_TILE, rows - start);
                    for (int i = 0; i < height; i++) {
                        int src = (start + i) * cols;
                        for (int j = 0; j < cols; j++) {
                            tile[j * GRAM_TILE + i] = a[src + j];
                        }
                    }
                    for (int j = part; j < cols; j += workers) {
                        int cj = j * GRAM_TILE;
                        for (int k = 0; k <= j; k++) {
                            int ck = k * GRAM_TILE;
                            double s0 = 0;
                            double s1 = 0;
                            double s2 = 0;
                            double s3 = 0;
                            int i = 0;
                            for (; i + 3 < height; i += 4) {
                                s0 += tile[cj + i] * tile[ck + i];
                                s1 += tile[cj + i + 1] * tile[ck + i + 1];
                                s2 += tile[cj + i + 2] * tile[ck + i + 2];
                                s3 += tile[cj + i + 3] * tile[ck + i + 3];
                            }
                            for (; i < height; i++) {
                                s0 += tile[cj + i] * tile[ck + i];
                            }
                            g[j + k * cols] += (s0 + s1) + (s2 + s3);
                        }
                    }
                }
            };
        }
        dev.downhill.internal.ParallelParts.run("downhill-row-gram", parts, stop);
        dev.downhill.spi.Interrupts.stopIfInterrupted();
        for (int k = 0; k < cols; k++) {
            for (int j = k + 1; j < cols; j++) {
                g[k + j * cols] = g[j + k * cols];
            }
        }
        return g;
    }

    @Override
    public double choleskyInverseNormEstimate(double[] l, int n) {
        return new CholeskyFactor(l, n).inverseNormEstimate();
    }

    /**
     * x = (LLᵀ)⁻¹b for the factor L in the lower triangle of the column-major n × n {@code l} (heap or off-heap
     * memory, absolute indexing); {@code b} is not modified.
     */
    public static double[] choleskySolve(DoubleBuffer l, int n, double[] b) {
        return new CholeskyFactor(l, n).solve(b);
    }

    /**
     * {@link dev.downhill.spi.GramSystem#inverseDiagonal}'s default: for the factor L in the lower triangle of the
     * column-major n × n {@code l} (heap or off-heap memory, absolute indexing), diagonal[j] = ‖L⁻¹eⱼ‖² and the return
     * value ‖L⁻¹v‖² (0 when {@code v} is null). Column j of L⁻¹ is zero above j: one forward substitution per column from
     * row j, n³/6 multiply-adds in all (a column whose entries below the diagonal are 0, as a constant column's are, costs
     * O(n)), on the calling thread; an interrupt stops it between columns (FitInterruptedException). Writes
     * {@code diagonal} only: L and {@code v} are not modified.
     */
    public static double choleskyInverseDiagonal(DoubleBuffer l, int n, double[] v, double[] diagonal) {
        double[] z = new double[n];
        for (int j = 0; j < n; j++) {
            if ((j & 63) == 0) { // O(n³/6) on one thread, seconds at n = 2,500
                dev.downhill.spi.Interrupts.stopIfInterrupted();
            }
            java.util.Arrays.fill(z, j, n, 0);
            z[j] = 1;
            diagonal[j] = forwardSquares(l, n, z, j);
        }
        if (v == null) {
            return 0;
        }
        System.arraycopy(v, 0, z, 0, n);
        return forwardSquares(l, n, z, 0);
    }

    /** Solves L·z = v in place on rows from..n−1 (v zero above {@code from}), returning ‖z‖². */
    private static double forwardSquares(DoubleBuffer l, int n, double[] z, int from) {
        double sum = 0;
        for (int c = from; c < n; c++) {
            int base = c * n;
            double v = z[c] / l.get(c + base);
            z[c] = v;
            if (v != 0) {
                for (int i = c + 1; i < n; i++) {
                    z[i] -= l.get(i + base) * v;
                }
            }
            sum += v * v;
        }
        return sum;
    }

    /**
     * A ← D·A·D on the lower triangle of the column-major n × n {@code a} (D = diag(scales)); returns the 1-norm of the
     * symmetric result from that triangle (an entry (i, j), i &gt; j, counts in columns j and i), +∞ when a scaled entry
     * is not finite. A column at a time through a heap array, in a small method: bulk copies stand in for per-element
     * buffer calls, and the JIT compiles it early.
     */
    public static double scaleSymmetricLower(DoubleBuffer a, int n, double[] scales) {
        double[] columnSums = new double[n];
        boolean finite = true;
        double[] values = new double[n];
        for (int j = 0; j < n; j++) {
            double sj = scales[j];
            int length = n - j;
            a.get(j * n + j, values, 0, length);
            double column = 0;
            for (int k = 0; k < length; k++) {
                double v = values[k] * scales[j + k] * sj;
                values[k] = v;
                double magnitude = Math.abs(v);
                column += magnitude;
                columnSums[j + k] += k > 0 ? magnitude : 0;
                finite &= magnitude < Double.POSITIVE_INFINITY;
            }
            a.put(j * n + j, values, 0, length);
            columnSums[j] += column;
        }
        double norm = 0;
        for (double c : columnSums) {
            norm = Math.max(norm, c);
        }
        return finite ? norm : Double.POSITIVE_INFINITY;
    }

    @Override
    public SingularValueDecomposition svd(double[] a, int rows, int cols) {
        if (rows >= cols) {
            return tall(a.clone(), rows, cols);
        }
        // A = (Aᵀ)ᵀ = (U'ΣV'ᵀ)ᵀ = V'ΣU'ᵀ
        return tall(SingularValueDecomposition.transpose(a, rows, cols), cols, rows).ofTranspose();
    }

    /** One-sided Jacobi on the columns of w (rows ≥ cols, overwritten). */
    private static SingularValueDecomposition tall(double[] w, int rows, int cols) {
        double[] v = new double[cols * cols];
        for (int j = 0; j < cols; j++) {
            v[j + j * cols] = 1;
        }
        double eps = Math.ulp(1.0);
        boolean rotated = true;
        for (int sweep = 0; sweep < MAX_SWEEPS && rotated; sweep++) {
            rotated = false;
            for (int p = 0; p < cols - 1; p++) {
                for (int q = p + 1; q < cols; q++) {
                    double alpha = 0;
                    double beta = 0;
                    double gamma = 0;
                    for (int i = 0; i < rows; i++) {
                        double x = w[i + p * rows];
                        double y = w[i + q * rows];
                        alpha += x * x;
                        beta += y * y;
                        gamma += x * y;
                    }
                    // a column whose squares underflow (α or β = 0, γ ≠ 0: entries below ~1e-162 of the largest, which the
                    // caller brings near 1) is orthogonal to working precision: rotating it moved nothing and never converged
                    if (gamma == 0 || alpha == 0 || beta == 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha) * Math.sqrt(beta)) {
                        continue;
                    }
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta) / (Math.abs(zeta) + Math.hypot(1, zeta));
                    if (zeta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.hypot(1, t);
                    double s = c * t;
                    rotate(w, rows, p, q, c, s);
                    rotate(v, cols, p, q, c, s);
                }
            }
            if (sweep == MAX_SWEEPS - 1 && rotated) {
                throw new ArithmeticException("one-sided Jacobi SVD did not converge in " + MAX_SWEEPS + " sweeps");
            }
        }
        double[] sigma = new double[cols];
        Integer[] order = new Integer[cols];
        for (int j = 0; j < cols; j++) {
            double s = 0;
            for (int i = 0; i < rows; i++) {
                s += w[i + j * rows] * w[i + j * rows];
            }
            sigma[j] = Math.sqrt(s);
            order[j] = j;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(sigma[y], sigma[x]));
        double[] u = new double[rows * cols];
        double[] vt = new double[cols * cols];
        double[] sorted = new double[cols];
        for (int l = 0; l < cols; l++) {
            int j = order[l];
            sorted[l] = sigma[j];
            for (int i = 0; i < rows; i++) {
                u[i + l * rows] = sigma[j] > 0 ? w[i + j * rows] / sigma[j] : 0;
            }
            for (int i = 0; i < cols; i++) {
                vt[l + i * cols] = v[i + j * cols];
            }
        }
        return new SingularValueDecomposition(u, sorted, vt, rows, cols);
    }

    private static void rotate(double[] a, int ld, int p, int q, double c, double s) {
        for (int i = 0; i < ld; i++) {
            double x = a[i + p * ld];
            double y = a[i + q * ld];
            a[i + p * ld] = c * x - s * y;
            a[i + q * ld] = s * x + c * y;
        }
    }
}
