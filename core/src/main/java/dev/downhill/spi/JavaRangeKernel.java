package dev.downhill.spi;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;

/**
 * The reference arithmetic of {@link HostExtendedResidual}'s two passes over a row range, in Java: every product split
 * exactly with {@link Math#fma}, every sum a two-sum, rows streamed in blocks through windows onto X (see
 * {@link HostExtendedResidual.RangeKernel} for the contract a native kernel must match bit for bit).
 */
final class JavaRangeKernel implements HostExtendedResidual.RangeKernel {
    static final JavaRangeKernel INSTANCE = new JavaRangeKernel();

    private JavaRangeKernel() {
    }

    /** Σᵢ xᵢ and Σᵢ yᵢ over rows [from, to), and Σᵢ xᵢyᵢ when {@code momentHi} is given. */
    @Override
    public void columnSums(Dataset data, boolean round, long from, long to, int blockRows, double[] hi, double[] lo,
                           double[] momentHi, double[] momentLo) {
        Sums p = new Sums(data, round, hi, lo);
        int n = p.n;
        DoublePointer weights = p.weights;
        if (momentHi != null && weights != null) {
            throw new IllegalArgumentException("the column sums' moment Σᵢ xᵢyᵢ is for unweighted data");
        }
        double[] row = new double[n];
        for (long start = from; start < to; start += blockRows) {
            int rows = (int) Math.min(blockRows, to - start);
            Buffer block = p.window(start, rows);
            for (int i = 0; i < rows; i++) {
                p.rowInto(block, i, row);
                if (weights != null) { // Σ wᵢxᵢ and Σ wᵢyᵢ, each product split exactly
                    double wi = weights.get(start + i);
                    for (int j = 0; j < n; j++) {
                        double q = wi * row[j];
                        double qe = Math.fma(wi, row[j], -q);
                        double h = p.hi[j];
                        double s = h + q;
                        double v = s - h;
                        p.lo[j] += ((h - (s - v)) + (q - v)) + qe;
                        p.hi[j] = s;
                    }
                    double yi = p.y(start + i);
                    double q = wi * yi;
                    double qe = Math.fma(wi, yi, -q);
                    double s = p.hi[n] + q;
                    double v = s - p.hi[n];
                    p.lo[n] += ((p.hi[n] - (s - v)) + (q - v)) + qe;
                    p.hi[n] = s;
                    continue;
                }
                for (int j = 0; j < n; j++) {
                    double h = p.hi[j];
                    double s = h + row[j];
                    double v = s - h;
                    p.lo[j] += (h - (s - v)) + (row[j] - v);
                    p.hi[j] = s;
                }
                double yi = p.y(start + i);
                if (momentHi != null) { // Σ xᵢyᵢ, each product split exactly
                    for (int j = 0; j < n; j++) {
                        double q = row[j] * yi;
                        double qe = Math.fma(row[j], yi, -q);
                        double h = momentHi[j];
                        double s = h + q;
                        double v = s - h;
                        momentLo[j] += ((h - (s - v)) + (q - v)) + qe;
                        momentHi[j] = s;
                    }
                }
                double s = p.hi[n] + yi;
                double v = s - p.hi[n];
                p.lo[n] += (p.hi[n] - (s - v)) + (yi - v);
                p.hi[n] = s;
            }
            p.normalize();
            if (momentHi != null) {
                Sums.normalize(momentHi, momentLo);
            }
        }
    }

    /** Σᵢ xᵢrᵢ and Σᵢ rᵢ over rows [from, to), rᵢ = yᵢ − xᵢᵀθ + offset in double-double. */
    @Override
    public void residualSums(Dataset data, boolean round, long from, long to, int blockRows, double[] theta,
                             double offsetHi, double offsetLo, double[] hi, double[] lo) {
        Sums p = new Sums(data, round, hi, lo);
        int n = p.n;
        DoublePointer weights = p.weights;
        double[] row = new double[n];
        double[] sh = p.hi;
        double[] sl = p.lo;
        for (long start = from; start < to; start += blockRows) {
            int rows = (int) Math.min(blockRows, to - start);
            Buffer block = p.window(start, rows);
            for (int i = 0; i < rows; i++) {
                p.rowInto(block, i, row);
                double yi = p.y(start + i);
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
                if (weights != null) { // (rh, rl) ← wᵢ·(rh + rl) in double-double
                    double wi = weights.get(start + i);
                    double q = rh * wi;
                    double qe = Math.fma(rh, wi, -q) + rl * wi;
                    rh = q + qe;
                    rl = qe - (rh - q);
                }
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
                double s = p.hi[n] + rh;
                double v = s - p.hi[n];
                p.lo[n] += ((p.hi[n] - (s - v)) + (rh - v)) + rl;
                p.hi[n] = s;
            }
            p.normalize();
        }
    }

    /** One call's view of the data and its n + 1 double-double sums (the total at index n). */
    private static final class Sums {
        final Dataset data;
        final boolean round;
        final int n;
        final DoublePointer weights;
        final double[] hi;
        final double[] lo;

        Sums(Dataset data, boolean round, double[] hi, double[] lo) {
            this.data = data;
            this.round = round;
            this.n = Math.toIntExact(data.cols());
            this.weights = data.isWeighted() ? data.weightsPointer() : null;
            this.hi = hi;
            this.lo = lo;
        }

        /** Renormalises every (hi, lo) pair so that |lo| ≤ ulp(hi)/2. */
        void normalize() {
            normalize(hi, lo);
        }

        static void normalize(double[] hi, double[] lo) {
            for (int j = 0; j < hi.length; j++) {
                double s = hi[j] + lo[j];
                lo[j] = lo[j] - (s - hi[j]);
                hi[j] = s;
            }
        }

        double y(long i) {
            return round ? (float) data.y(i) : data.y(i);
        }

        /** A window over rows [start, start + rows) of X. */
        Buffer window(long start, int rows) {
            long offset = start * n;
            return data.precision() == Precision.FLOAT64
                    ? OffHeapViews.doubles(data.xPointer(), offset, rows * n)
                    : OffHeapViews.floats(data.xPointer(), offset, rows * n);
        }

        /** Copies row i of a block window into {@code out}, rounded to float32 when the backend holds float32. */
        void rowInto(Buffer block, int i, double[] out) {
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
}
