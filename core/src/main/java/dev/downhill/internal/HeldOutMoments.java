package dev.downhill.internal;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.SparseDataset;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.EpochRows;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * The column statistics of the training rows of an SGD fit with early stopping: those of all m rows (the backend's
 * cached pass) with the held-out validation rows' contributions taken out, the latter summed on the host from the
 * dataset the problem was loaded from (O(held·n) reads, no pass over X). In float64, about the full means μ (no
 * cancellation beyond the held rows' own): with W = Σw, Wₕ the held rows' weight, Wₜ = W − Wₕ,
 * <pre>
 *   aⱼ = Σₕ w(xⱼ − μⱼ),   qⱼ = Σₕ w(xⱼ − μⱼ)²,   pⱼ = Σₕ w xⱼ²,   b = Σₕ w(y − ȳ)
 *   μₜ = μ − a/Wₜ,   ȳₜ = ȳ − b/Wₜ
 *   centred:   devₜⱼ = (W·devⱼ − qⱼ − aⱼ²/Wₜ)/Wₜ          (Σₜ w(x − μₜ)² = Σₜ w(x − μ)² − Wₜ(μₜ − μ)²)
 *   uncentred: devₜⱼ = (W·dev⁰ⱼ − pⱼ)/Wₜ                  (Σₜ w x²)
 * </pre>
 * (negative rounding residue clamped to 0).
 */
public final class HeldOutMoments {
    private final double heldWeight;
    private final double[] centredSum;
    private final double[] centredSquares;
    private final double[] squares;
    private final double targetCentredSum;

    private HeldOutMoments(double heldWeight, double[] centredSum, double[] centredSquares, double[] squares,
                           double targetCentredSum) {
        this.heldWeight = heldWeight;
        this.centredSum = centredSum;
        this.centredSquares = centredSquares;
        this.squares = squares;
        this.targetCentredSum = targetCentredSum;
    }

    /** Sums over the validation rows of {@code rows} of a dense host dataset, about the full means. */
    static HeldOutMoments of(Dataset data, EpochRows rows, ColumnStatistics full) {
        int n = Math.toIntExact(data.cols());
        double[] mu = full.means();
        double[] a = new double[n];
        double[] q = new double[n];
        double[] p = new double[n];
        double wSum = 0;
        double b = 0;
        boolean f64 = data.precision() == Precision.FLOAT64;
        org.bytedeco.javacpp.DoublePointer weights = data.weightsPointer(); // views, taken once
        org.bytedeco.javacpp.Pointer xs = data.xPointer();
        org.bytedeco.javacpp.Pointer ys = data.yPointer();
        for (Block block = new Block(rows); block.next(); ) {
            for (int k = 0; k < block.count; k++) {
                long i = block.rows[k];
                double w = weights != null ? weights.get(i) : 1;
                wSum += w;
                if (f64) {
                    DoubleBuffer x = dev.downhill.internal.OffHeapViews.doubles(xs, i * n, n);
                    for (int j = 0; j < n; j++) {
                        add(x.get(j), mu[j], w, a, q, p, j);
                    }
                    b += w * (dev.downhill.internal.OffHeapViews.doubles(ys, i, 1).get(0) - full.targetMean());
                } else {
                    FloatBuffer x = dev.downhill.internal.OffHeapViews.floats(xs, i * n, n);
                    for (int j = 0; j < n; j++) {
                        add(x.get(j), mu[j], w, a, q, p, j);
                    }
                    b += w * (dev.downhill.internal.OffHeapViews.floats(ys, i, 1).get(0) - full.targetMean());
                }
            }
        }
        return new HeldOutMoments(wSum, a, q, p, b);
    }

    /** As {@link #of(Dataset, EpochRows, ColumnStatistics)} for a CSR dataset (absent entries are 0). */
    static HeldOutMoments of(SparseDataset data, EpochRows rows, ColumnStatistics full) {
        int n = Math.toIntExact(data.cols());
        double[] mu = full.means();
        double[] sx = new double[n];
        double[] p = new double[n];
        double wSum = 0;
        double b = 0;
        CsrMatrix x = data.x();
        boolean f64 = x.precision() == Precision.FLOAT64;
        double[] y = data.targets();
        org.bytedeco.javacpp.DoublePointer weights = data.weightsPointer(); // views, taken once
        org.bytedeco.javacpp.LongPointer pointers = x.rowPointers();
        org.bytedeco.javacpp.IntPointer columns = x.columnIndices();
        org.bytedeco.javacpp.Pointer values = x.values();
        for (Block block = new Block(rows); block.next(); ) {
            for (int k = 0; k < block.count; k++) {
                long i = block.rows[k];
                double w = weights != null ? weights.get(i) : 1;
                wSum += w;
                long from = pointers.get(i);
                long to = pointers.get(i + 1);
                for (long e = from; e < to; e++) {
                    int j = columns.get(e);
                    double v = f64 ? ((org.bytedeco.javacpp.DoublePointer) values).get(e)
                            : ((org.bytedeco.javacpp.FloatPointer) values).get(e);
                    sx[j] += w * v;
                    p[j] += w * v * v;
                }
                b += w * (y[(int) i] - full.targetMean());
            }
        }
        double[] a = new double[n];
        double[] q = new double[n];
        for (int j = 0; j < n; j++) { // Σw(x − μ) = Σwx − Wₕμ, Σw(x − μ)² = Σwx² − 2μΣwx + Wₕμ²
            a[j] = sx[j] - wSum * mu[j];
            q[j] = Math.max(0, p[j] - 2 * mu[j] * sx[j] + wSum * mu[j] * mu[j]);
        }
        return new HeldOutMoments(wSum, a, q, p, b);
    }

    private static void add(double x, double mu, double w, double[] a, double[] q, double[] p, int j) {
        double d = x - mu;
        a[j] += w * d;
        q[j] += w * d * d;
        p[j] += w * x * x;
    }

    /** Σw of the held-out rows. */
    double heldWeight() {
        return heldWeight;
    }

    /**
     * Refuses a weighted split that leaves either side without weight: the validation error (Σₕwr²/Σₕw) or the training
     * rows' statistics would be 0/0 — early stopping then "converged" on a validation error that never moved, or the fit
     * failed with a NaN loss. {@code heldRows} of {@code rows} are held out; {@code weightSum} is Σw over all rows.
     */
    void requireWeightOnBothSides(long heldRows, long rows, double weightSum) {
        if (!(heldWeight > 0)) {
            throw new IllegalArgumentException("early stopping: every one of the " + heldRows + " rows held out for validation (of "
                    + rows + ") has weight 0, so the validation error is undefined: use a larger validation fraction or another "
                    + "seed, or turn early stopping off");
        }
        // Σw and the held rows' Σw are summed in different orders: with no weight on the training rows their difference
        // is rounding (± a few ulps of Σw, from m additions), not 0 — so "no training weight" means below that
        double rounding = 4.0 * rows * Math.ulp(1.0) * weightSum;
        if (!(weightSum - heldWeight > rounding)) {
            throw new IllegalArgumentException("early stopping: every one of the " + (rows - heldRows) + " training rows (of "
                    + rows + ") has weight 0 — all the weight is in the " + heldRows + " rows held out for validation: use a "
                    + "smaller validation fraction or another seed, or turn early stopping off");
        }
    }

    /** The training rows' means and ȳ, given the full statistics and Σw of all rows. */
    ColumnStatistics trainingStatistics(ColumnStatistics full, double weightSum) {
        double wt = weightSum - heldWeight;
        double[] mu = full.means();
        for (int j = 0; j < mu.length; j++) {
            mu[j] -= centredSum[j] / wt;
        }
        return new ColumnStatistics(mu, full.targetMean() - targetCentredSum / wt);
    }

    /** The training rows' mean squared deviations (about their own means when centred, else about 0). */
    double[] trainingDeviations(double[] fullDeviations, boolean centred, double weightSum) {
        double wt = weightSum - heldWeight;
        double[] d = new double[fullDeviations.length];
        for (int j = 0; j < d.length; j++) {
            double s = centred ? weightSum * fullDeviations[j] - centredSquares[j] - centredSum[j] * centredSum[j] / wt
                    : weightSum * fullDeviations[j] - squares[j];
            d[j] = Math.max(0, s / wt);
        }
        return d;
    }

    /** The validation rows in blocks (never an m-length array): {@code rows[0..count)} after each {@link #next()}. */
    private static final class Block {
        private final EpochRows epoch;
        final long[] rows;
        int count;
        private long next;

        Block(EpochRows epoch) {
            this.epoch = epoch;
            this.rows = new long[(int) Math.min(epoch.held(), 1 << 16)];
        }

        boolean next() {
            if (next >= epoch.held()) {
                return false;
            }
            count = (int) Math.min(rows.length, epoch.held() - next);
            epoch.validation(next, rows, 0, count);
            next += count;
            return true;
        }
    }
}
