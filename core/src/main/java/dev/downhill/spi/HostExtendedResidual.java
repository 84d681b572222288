package dev.downhill.spi;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@link ExtendedResidual} over a host {@link Dataset} (for backends whose X is in host memory, or that keep
 * the host copy they were loaded from): rᵢ = (yᵢ − ȳ) − Σⱼ (Xᵢⱼ − x̄ⱼ)θⱼ and X_cᵀr with the means and every
 * product and sum carried in double-double (products split exactly with {@link Math#fma}, sums by two-sum;
 * ≈ 106 bits less log₂ of the terms per row). Streams X in row blocks through windows (no per-row
 * allocation, nothing of length m); reads X, y (host memory) and θ, writes nothing it does not return.
 *
 * <p>The rows are split into {@code threads} contiguous ranges whose partial sums are combined in range
 * order: the same inputs and thread count give bit-identical results. The means are computed (one pass)
 * when the object is made; a backend may keep the object for later fits of the same problem.
 */
public final class HostExtendedResidual implements ExtendedResidual {
    /** Elements per window (a block of whole rows, at least one). */
    private static final int WINDOW = OffHeapViews.MAX_WINDOW;

    private final Dataset data;
    private final boolean centred;
    private final boolean round;
    private final int n;
    private final int blockRows;
    private final int threads;
    private final double[] meanHi;
    private final double[] meanLo;
    private final double targetMeanHi;
    private final double targetMeanLo;

    public HostExtendedResidual(Dataset data, boolean centred) {
        this(data, data.precision(), centred, 1);
    }

    /**
     * @param precision the precision the backend holds X and y in: with FLOAT32 over float64 data every value
     *                  is rounded to float32 as it is read (the problem the backend solves), with FLOAT64 it is
     *                  read as stored
     * @param threads   threads for each pass (≥ 1)
     */
    public HostExtendedResidual(Dataset data, Precision precision, boolean centred, int threads) {
        this.data = data;
        this.centred = centred;
        this.round = precision == Precision.FLOAT32 && data.precision() == Precision.FLOAT64;
        this.n = Math.toIntExact(data.cols());
        this.blockRows = (int) Math.max(1, Math.min(4096, WINDOW / Math.max(1, n)));
        this.threads = (int) Math.max(1, Math.min(threads, data.rows()));
        this.meanHi = new double[n];
        this.meanLo = new double[n];
        if (centred) {
            Partial total = run(range -> columnSums(range[0], range[1]));
            double m = data.rows();
            for (int j = 0; j < n; j++) {
                double[] q = divide(total.hi[j], total.lo[j], m);
                meanHi[j] = q[0];
                meanLo[j] = q[1];
            }
            double[] q = divide(total.totalHi, total.totalLo, m);
            targetMeanHi = q[0];
            targetMeanLo = q[1];
        } else {
            targetMeanHi = 0;
            targetMeanLo = 0;
        }
    }

    @Override
    public double intercept(double[] theta) {
        if (!centred) {
            return 0;
        }
        double hi = targetMeanHi;
        double lo = targetMeanLo;
        for (int j = 0; j < n; j++) { // b −= (x̄ⱼ,hi + x̄ⱼ,lo)·θⱼ
            double p = meanHi[j] * theta[j];
            double pe = Math.fma(meanHi[j], theta[j], -p) + meanLo[j] * theta[j];
            double s = hi - p;
            double v = s - hi;
            lo += ((hi - (s - v)) + (-p - v)) - pe;
            hi = s;
        }
        return hi + lo;
    }

    /**
     * X_cᵀr for r = r(θ), in one streaming pass: each rᵢ in double-double, and the n sums Σᵢ Xᵢⱼrᵢ and Σᵢ rᵢ
     * carried in double-double too, then X_cᵀr = Σᵢ xᵢrᵢ − x̄·Σᵢ rᵢ. Returns n values rounded to double.
     */
    @Override
    public double[] transposedResidual(double[] theta) {
        double offsetHi = 0;
        double offsetLo = 0;
        if (centred) { // offset = x̄ᵀθ − ȳ, so that rᵢ = yᵢ − xᵢᵀθ + offset
            offsetHi = -targetMeanHi;
            offsetLo = -targetMeanLo;
            for (int j = 0; j < n; j++) {
                double p = meanHi[j] * theta[j];
                double pe = Math.fma(meanHi[j], theta[j], -p) + meanLo[j] * theta[j];
                double s = offsetHi + p;
                double v = s - offsetHi;
                offsetLo += ((offsetHi - (s - v)) + (p - v)) + pe;
                offsetHi = s;
            }
            double s = offsetHi + offsetLo;
            offsetLo = offsetLo - (s - offsetHi);
            offsetHi = s;
        }
        final double oh = offsetHi;
        final double ol = offsetLo;
        Partial total = run(range -> residualSums(range[0], range[1], theta, oh, ol));
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            double hi = total.hi[j];
            double lo = total.lo[j];
            if (centred) { // − x̄ⱼ·Σr
                double p = meanHi[j] * total.totalHi;
                double pe = Math.fma(meanHi[j], total.totalHi, -p) + meanHi[j] * total.totalLo + meanLo[j] * total.totalHi;
                double s = hi - p;
                double v = s - hi;
                lo += ((hi - (s - v)) + (-p - v)) - pe;
                hi = s;
            }
            out[j] = hi + lo;
        }
        return out;
    }

    /** Per-range double-double sums: n column sums and one total. */
    private static final class Partial {
        final double[] hi;
        final double[] lo;
        double totalHi;
        double totalLo;

        Partial(int n) {
            hi = new double[n];
            lo = new double[n];
        }

        /** this += other, in double-double. */
        void add(Partial other) {
            for (int j = 0; j < hi.length; j++) {
                double[] s = twoSumAdd(hi[j], lo[j], other.hi[j], other.lo[j]);
                hi[j] = s[0];
                lo[j] = s[1];
            }
            double[] s = twoSumAdd(totalHi, totalLo, other.totalHi, other.totalLo);
            totalHi = s[0];
            totalLo = s[1];
        }

        /** Renormalises every (hi, lo) pair so that |lo| ≤ ulp(hi)/2. */
        void normalize() {
            for (int j = 0; j < hi.length; j++) {
                double s = hi[j] + lo[j];
                lo[j] = lo[j] - (s - hi[j]);
                hi[j] = s;
            }
            double s = totalHi + totalLo;
            totalLo = totalLo - (s - totalHi);
            totalHi = s;
        }
    }

    /** Σᵢ xᵢ and Σᵢ yᵢ over rows [from, to). */
    private Partial columnSums(long from, long to) {
        Partial p = new Partial(n);
        double[] row = new double[n];
        for (long start = from; start < to; start += blockRows) {
            int rows = (int) Math.min(blockRows, to - start);
            Buffer block = window(start, rows);
            for (int i = 0; i < rows; i++) {
                rowInto(block, i, row);
                for (int j = 0; j < n; j++) {
                    double h = p.hi[j];
                    double s = h + row[j];
                    double v = s - h;
                    p.lo[j] += (h - (s - v)) + (row[j] - v);
                    p.hi[j] = s;
                }
                double yi = y(start + i);
                double s = p.totalHi + yi;
                double v = s - p.totalHi;
                p.totalLo += (p.totalHi - (s - v)) + (yi - v);
                p.totalHi = s;
            }
            p.normalize();
        }
        return p;
    }

    /** Σᵢ xᵢrᵢ and Σᵢ rᵢ over rows [from, to), rᵢ = yᵢ − xᵢᵀθ + offset in double-double. */
    private Partial residualSums(long from, long to, double[] theta, double offsetHi, double offsetLo) {
        Partial p = new Partial(n);
        double[] row = new double[n];
        double[] sh = p.hi;
        double[] sl = p.lo;
        for (long start = from; start < to; start += blockRows) {
            int rows = (int) Math.min(blockRows, to - start);
            Buffer block = window(start, rows);
            for (int i = 0; i < rows; i++) {
                rowInto(block, i, row);
                double yi = y(start + i);
                double ah = offsetHi + yi;
                double v0 = ah - offsetHi;
                double al = offsetLo + ((offsetHi - (ah - v0)) + (yi - v0));
                // xᵢᵀθ in four interleaved double-double sums (independent dependency chains, so the loop runs at
                // the FPU's throughput rather than the latency of one chain), then (ah, al) −= their total
                double h0 = 0, l0 = 0, h1 = 0, l1 = 0, h2 = 0, l2 = 0, h3 = 0, l3 = 0;
                int j = 0;
                for (; j + 3 < n; j += 4) {
                    double q0 = row[j] * theta[j];
                    double q1 = row[j + 1] * theta[j + 1];
                    double q2 = row[j + 2] * theta[j + 2];
                    double q3 = row[j + 3] * theta[j + 3];
                    double e0 = Math.fma(row[j], theta[j], -q0);
                    double e1 = Math.fma(row[j + 1], theta[j + 1], -q1);
                    double e2 = Math.fma(row[j + 2], theta[j + 2], -q2);
                    double e3 = Math.fma(row[j + 3], theta[j + 3], -q3);
                    double s0 = h0 + q0;
                    double s1 = h1 + q1;
                    double s2 = h2 + q2;
                    double s3 = h3 + q3;
                    double w0 = s0 - h0;
                    double w1 = s1 - h1;
                    double w2 = s2 - h2;
                    double w3 = s3 - h3;
                    l0 += ((h0 - (s0 - w0)) + (q0 - w0)) + e0;
                    l1 += ((h1 - (s1 - w1)) + (q1 - w1)) + e1;
                    l2 += ((h2 - (s2 - w2)) + (q2 - w2)) + e2;
                    l3 += ((h3 - (s3 - w3)) + (q3 - w3)) + e3;
                    h0 = s0;
                    h1 = s1;
                    h2 = s2;
                    h3 = s3;
                }
                for (; j < n; j++) {
                    double q = row[j] * theta[j];
                    double e = Math.fma(row[j], theta[j], -q);
                    double s = h0 + q;
                    double w = s - h0;
                    l0 += ((h0 - (s - w)) + (q - w)) + e;
                    h0 = s;
                }
                double c = h0 + h1; // (h0, l0) += (h1, l1), then (h2, l2), (h3, l3): double-double additions
                double u = c - h0;
                double f = (h0 - (c - u)) + (h1 - u) + l0 + l1;
                h0 = c + f;
                l0 = f - (h0 - c);
                c = h0 + h2;
                u = c - h0;
                f = (h0 - (c - u)) + (h2 - u) + l0 + l2;
                h0 = c + f;
                l0 = f - (h0 - c);
                c = h0 + h3;
                u = c - h0;
                f = (h0 - (c - u)) + (h3 - u) + l0 + l3;
                h0 = c + f;
                l0 = f - (h0 - c);
                c = ah - h0; // r = (ah, al) − (h0, l0)
                u = c - ah;
                f = (ah - (c - u)) + (-h0 - u) + al - l0;
                double rh = c + f;
                double rl = f - (rh - c);
                for (j = 0; j < n; j++) { // (sh, sl)ⱼ += xⱼ·(rh + rl)
                    double x = row[j];
                    double q = rh * x;
                    double qe = Math.fma(rh, x, -q) + rl * x;
                    double h = sh[j];
                    double s = h + q;
                    double v = s - h;
                    sl[j] += ((h - (s - v)) + (q - v)) + qe;
                    sh[j] = s;
                }
                double s = p.totalHi + rh;
                double v = s - p.totalHi;
                p.totalLo += ((p.totalHi - (s - v)) + (rh - v)) + rl;
                p.totalHi = s;
            }
            p.normalize();
        }
        return p;
    }

    private interface RangeTask {
        Partial run(long[] range);
    }

    /** Runs the task on {@code threads} contiguous row ranges and combines the partials in range order. */
    private Partial run(RangeTask task) {
        long m = data.rows();
        if (threads == 1) {
            return task.run(new long[] {0, m});
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "downhill-extended-residual");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Partial>> futures = new ArrayList<>();
            for (int t = 1; t < threads; t++) {
                long[] range = {m * t / threads, m * (t + 1) / threads};
                Callable<Partial> c = () -> task.run(range);
                futures.add(pool.submit(c));
            }
            Partial total = task.run(new long[] {0, m / threads});
            for (Future<Partial> f : futures) {
                total.add(get(f));
            }
            return total;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Partial get(Future<Partial> f) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** (ah + al) + (bh + bl) in double-double, normalised. */
    private static double[] twoSumAdd(double ah, double al, double bh, double bl) {
        double s = ah + bh;
        double v = s - ah;
        double e = (ah - (s - v)) + (bh - v) + al + bl;
        double h = s + e;
        return new double[] {h, e - (h - s)};
    }

    /** (hi + lo) / d in double-double. */
    private static double[] divide(double hi, double lo, double d) {
        double q = hi / d;
        double p = q * d;
        double pe = Math.fma(q, d, -p);
        double r = ((hi - p) - pe + lo) / d;
        double h = q + r;
        return new double[] {h, r - (h - q)};
    }

    private double y(long i) {
        return round ? (float) data.y(i) : data.y(i);
    }

    /** A window over rows [start, start + rows) of X. */
    private Buffer window(long start, int rows) {
        long offset = start * n;
        return data.precision() == Precision.FLOAT64
                ? OffHeapViews.doubles(data.xPointer(), offset, rows * n)
                : OffHeapViews.floats(data.xPointer(), offset, rows * n);
    }

    /** Copies row i of a block window into {@code out}, rounded to float32 when the backend holds float32. */
    private void rowInto(Buffer block, int i, double[] out) {
        int base = i * n;
        if (block instanceof DoubleBuffer w) {
            if (round) {
                for (int j = 0; j < n; j++) {
                    out[j] = (float) w.get(base + j);
                }
            } else {
                for (int j = 0; j < n; j++) {
                    out[j] = w.get(base + j);
                }
            }
        } else {
            FloatBuffer w = (FloatBuffer) block;
            for (int j = 0; j < n; j++) {
                out[j] = w.get(base + j);
            }
        }
    }
}
