package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.IterationListener;
import dev.downhill.Penalty;
import dev.downhill.SparseDataset;
import dev.downhill.StopReason;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.ResidentProblem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Coordinate descent for the lasso and elastic net over the columns of a sparse X (glmnet's "naive updates",
 * scikit-learn's {@code sparse_enet_coordinate_descent}, which its {@code Lasso} and {@code LassoCV} use on sparse X):
 * the residual is kept up to date, so a coordinate costs the stored entries of its column, not n — the route for wide
 * sparse X, whose n × n Gram matrix ({@link GramCoordinateDescent}) would be too large or too slow to make. The same
 * objective, the same cyclic order and the same stopping rule as {@link GramCoordinateDescent}, so the same tol gives
 * the same guarantee; only the bookkeeping differs.
 *
 * <p>X is copied once, by column (CSC, host heap, float64 values: 12 bytes a stored entry, 20 when weighted, plus
 * O(m + n); {@link #memory}); the dataset is not read again. The weights are scaled by a power of two (mean near 1:
 * exact, the minimiser unchanged). In the unnormalised units of scikit-learn (W = Σw; l1 = Wαρ, l2 = Wα(1−ρ); p the
 * penalty factors, p₂ the l2 term's), with X̃ = X − 1μᵀ centred by the weighted column means μ (X itself without an
 * intercept), dⱼ = ‖X̃ⱼ‖²_W and r = y_c − X̃θ the residual, one sweep visits j = 0 … n−1 in order:
 * <pre>
 *   t = X̃ⱼᵀWr + dⱼθⱼ;   θⱼ' = sign(t)·max(|t| − l1·pⱼ, 0) / (dⱼ + l2·p₂ⱼ);   r −= (θⱼ' − θⱼ)·X̃ⱼ
 * </pre>
 * X̃ⱼ is dense (its zeros become −μⱼ), so r is kept as r = u + s·1 with u updated at column j's stored rows only
 * (u −= δ·Xⱼ) and the scalar s += δ·μⱼ; then X̃ⱼᵀWr = Xⱼᵀ(W∘u) − μⱼ·Σᵢwᵢuᵢ (the s terms cancel), Σᵢwᵢuᵢ kept up to date
 * too (−= δ·Σᵢwᵢxᵢⱼ). Each sweep starts with s folded into u (O(m)), so that s stays the size of one sweep's moves. A
 * coordinate costs its column's stored entries, twice when it moves. After each sweep one pass over the stored entries
 * gives X̃ᵀWr exactly (for the gradient, the KKT norm and the duality gap) and ‖r‖²_W one pass over r: the gap
 * test and histories of {@link GramCoordinateDescent} follow.
 *
 * <p>dⱼ = Σ_stored wᵢ(xᵢⱼ − μⱼ)² + μⱼ²·(W − Σ_stored wᵢ) (no cancellation). A column with dⱼ + l2·p₂ⱼ = 0 (constant
 * without an l2 term) stays at 0; one whose squares overflow float64, or are subnormal, is refused as the Gram route
 * refuses it.
 */
public final class ColumnCoordinateDescent {
    /** Stored entries read from the CSR arrays at a time. */
    private static final int BLOCK = 1 << 16;
    private final int n;
    private final int m;
    /** CSC: column j's stored entries are [starts[j], starts[j + 1]) of rowIndex and values. */
    private final int[] starts;
    private final int[] rowIndex;
    private final double[] values;
    /** wᵢ·xᵢⱼ per stored entry (the same array as values when unweighted). */
    private final double[] weightedValues;
    /** The scaled weights, or null when unweighted. */
    private final double[] weights;
    /** y_c = y − ȳ (y without an intercept). */
    private final double[] centredTargets;
    /** μ (zeros without an intercept). */
    private final double[] means;
    /** Σ_stored wᵢxᵢⱼ = W·μⱼ. */
    private final double[] columnWeightedSums;
    /** dⱼ = ‖X̃ⱼ‖²_W. */
    private final double[] squares;
    private final double weightSum;
    private final double targetMean;
    private final double targetSquares;
    private final boolean fitIntercept;
    private final Penalty penalty;
    private final double freeScale;
    /** The last fit's answer and the residual at it (a path's next fit starts there). */
    private double[] lastTheta;
    private double[] lastResidual;

    /**
     * Bytes of host heap the copy of a sparse X of {@code rows} × {@code cols} with {@code nonZeros} stored entries takes:
     * the CSC arrays (12 bytes an entry, 8 more for wᵢxᵢⱼ when weighted) and the vectors of length m and n.
     */
    public static double memory(long rows, long cols, long nonZeros, boolean weighted) {
        return (double) nonZeros * (weighted ? 20 : 12) + 8.0 * rows * 5 + 8.0 * cols * 6;
    }

    /** The most stored entries the copy holds (Java arrays). */
    public static final long MAX_NON_ZEROS = Integer.MAX_VALUE - 8;

    /**
     * Copies {@code problem}'s sparse X, y and weights ({@link CheckedProblem#hostSparse()}, read once) by column, in
     * float64, for {@code penalty}'s mix and factors (α is given per fit).
     *
     * @throws IllegalArgumentException when the problem has no host sparse dataset, X has more than
     *                                  {@value #MAX_NON_ZEROS} stored entries, or the penalty factors do not match
     * @throws ArithmeticException      when a column's squares overflow float64 or are subnormal
     */
    public static ColumnCoordinateDescent of(ResidentProblem problem, boolean fitIntercept, Penalty penalty) {
        SparseDataset data = problem instanceof CheckedProblem c ? c.hostSparse() : null;
        if (data == null || data.rows() != problem.rows()) {
            throw new IllegalArgumentException("coordinate descent over the columns needs the sparse dataset the problem was "
                    + "loaded from");
        }
        return new ColumnCoordinateDescent(problem, data, fitIntercept, penalty);
    }

    private ColumnCoordinateDescent(ResidentProblem problem, SparseDataset data, boolean fitIntercept, Penalty penalty) {
        CsrMatrix x = data.x();
        if (x.nonZeros() > MAX_NON_ZEROS) {
            throw new IllegalArgumentException("coordinate descent over the columns copies X by column: " + x.nonZeros()
                    + " stored entries are beyond a Java array (2^31 − 9)");
        }
        this.m = Math.toIntExact(data.rows());
        this.n = Math.toIntExact(data.cols());
        this.fitIntercept = fitIntercept;
        this.penalty = penalty;
        penalty.factors(n);
        int stored = (int) x.nonZeros();
        long[] rowPointers = new long[m + 1];
        new LongPointer(x.rowPointers()).position(0).get(rowPointers);
        IntPointer columnIndices = new IntPointer(x.columnIndices()).position(0);
        double[] w = null;
        if (data.isWeighted()) {
            w = new double[m];
            data.weightsPointer().get(w);
            double total = 0;
            for (double v : w) {
                total += v;
            }
            int e = Math.getExponent(total / m); // the mean weight near 1: wᵢrᵢ² keeps its range
            for (int i = 0; i < m; i++) {
                w[i] = Math.scalb(w[i], -e);
            }
        }
        this.weights = w;
        // CSC by counting: column sizes, their starts, then each entry to its column's next slot (rows in order), the
        // CSR arrays read a block of entries at a time
        int[] columns = new int[Math.min(stored, BLOCK)];
        double[] block = new double[columns.length];
        starts = new int[n + 1];
        for (int from = 0; from < stored; from += BLOCK) {
            int count = Math.min(BLOCK, stored - from);
            columnIndices.position(from).get(columns, 0, count);
            countColumns(columns, count, starts);
        }
        for (int j = 0; j < n; j++) {
            starts[j + 1] += starts[j];
        }
        int[] next = Arrays.copyOf(starts, n);
        rowIndex = new int[stored];
        values = new double[stored];
        Pointer entries = x.values() instanceof DoublePointer d ? new DoublePointer(d) : new FloatPointer((FloatPointer) x.values());
        float[] floats = entries instanceof FloatPointer ? new float[columns.length] : null;
        int row = 0;
        for (int from = 0; from < stored; from += BLOCK) {
            int count = Math.min(BLOCK, stored - from);
            columnIndices.position(from).get(columns, 0, count);
            if (floats == null) {
                ((DoublePointer) entries).position(from).get(block, 0, count);
            } else {
                ((FloatPointer) entries).position(from).get(floats, 0, count);
                for (int k = 0; k < count; k++) {
                    block[k] = floats[k];
                }
            }
            row = scatterBlock(rowPointers, row, from, columns, block, count, next, rowIndex, values);
        }
        double[] y = data.targets();
        double total = 0;
        double weighted = 0;
        for (int i = 0; i < m; i++) {
            double wi = w == null ? 1 : w[i];
            total += wi;
            weighted += wi * y[i];
        }
        this.weightSum = total;
        this.targetMean = fitIntercept ? weighted / total : 0;
        double ys = 0;
        for (int i = 0; i < m; i++) {
            y[i] -= targetMean;
            ys += (w == null ? 1 : w[i]) * y[i] * y[i];
        }
        this.centredTargets = y;
        this.targetSquares = ys;
        weightedValues = w == null ? values : new double[stored];
        means = new double[n];
        columnWeightedSums = new double[n];
        squares = new double[n];
        for (int j = 0; j < n; j++) {
            double sum = 0;
            double storedWeight = 0;
            for (int k = starts[j]; k < starts[j + 1]; k++) {
                double wi = w == null ? 1 : w[rowIndex[k]];
                if (w != null) {
                    weightedValues[k] = wi * values[k];
                }
                sum += wi * values[k];
                storedWeight += wi;
            }
            columnWeightedSums[j] = sum;
            double mu = fitIntercept ? sum / total : 0;
            means[j] = mu;
            double s = 0;
            for (int k = starts[j]; k < starts[j + 1]; k++) {
                double v = values[k] - mu;
                s += (w == null ? 1 : w[rowIndex[k]]) * v * v;
            }
            s += mu * mu * Math.max(0, total - storedWeight);
            if (!Double.isFinite(s)) {
                throw new ArithmeticException("XᵀX overflows float64 (entries of X too large to square, beyond ~1e154): "
                        + "rescale X, or use the nesterov solver");
            }
            dev.downhill.internal.direct.DirectLeastSquares.checkSquarable(problem, fitIntercept,
                    fitIntercept ? "XᵀX (centred)" : "XᵀX", j, s * problem.weightSum() / total);
            squares[j] = s;
        }
        double f = 0;
        double[] a = new double[n];
        transposedResidual(y, a);
        for (double v : a) { // ∇f(0) = −(2/W)·X̃ᵀWy_c: the scale of the unpenalised coefficients' test
            f = Math.max(f, 2 * Math.abs(v) / total);
        }
        this.freeScale = f;
    }

    /** Bytes of host heap this copy holds ({@link #memory} of its shape). */
    public double bytes() {
        return memory(m, n, rowIndex.length, weights != null);
    }

    /** b(θ) = ȳ − μᵀθ with an intercept, else 0. */
    public double interceptFor(double[] theta) {
        if (!fitIntercept) {
            return 0;
        }
        double s = 0;
        for (int j = 0; j < n; j++) {
            s += means[j] * theta[j];
        }
        return targetMean - s;
    }

    /**
     * Fits each α of {@code alphas} in turn, each from the previous answer (the first from {@code start}); tolerance,
     * iteration limit (sweeps) and listener are {@code config}'s.
     */
    public List<IterativeResult> path(FitConfig config, double[] alphas, double[] start) {
        List<IterativeResult> out = new ArrayList<>(alphas.length);
        double[] theta = start.clone();
        for (double alpha : alphas) {
            IterativeResult r = fit(config, alpha, theta);
            out.add(r);
            theta = r.coefficients();
        }
        return out;
    }

    /** One fit at α from {@code start} (not modified); the stopping rule and histories are {@link GramCoordinateDescent}'s. */
    public IterativeResult fit(FitConfig config, double alpha, double[] start) {
        Penalty pen = penalty.withAlpha(alpha);
        double[] p = pen.factors(n);
        double[] p2 = pen.l2Factors(n);
        double w = weightSum;
        double l1 = w * pen.l1Strength();
        double l2 = w * pen.l2Strength();
        double tol = config.tolerance(dev.downhill.Precision.FLOAT64);
        long maxSweeps = config.maxIterations();
        IterationListener listener = config.listener();
        double[] theta = start.clone();
        double[] r = Arrays.equals(theta, lastTheta) ? lastResidual.clone() : residualAt(theta);
        double[] a = new double[n];
        double[] g = new double[n];
        List<Double> losses = new ArrayList<>();
        List<Double> norms = new ArrayList<>();
        StopReason stop;
        double gap;
        long sweep = 0;
        boolean moved = true;
        double changeMax = 0;
        double thetaMax = 0;
        while (true) {
            transposedResidual(r, a); // X̃ᵀWr at θ, exactly (one pass over the stored entries)
            double residualSquares = 0;
            for (int i = 0; i < m; i++) {
                residualSquares += (weights == null ? 1 : weights[i]) * r[i] * r[i];
            }
            SweepState state = SweepState.at(a, residualSquares, targetSquares, theta, p, p2, l1, l2, w, g);
            losses.add(state.loss());
            norms.add(state.kktNorm());
            gap = state.gap();
            if (listener.onIteration(sweep, state.loss(), state.kktNorm()) == IterationListener.Control.STOP) {
                stop = StopReason.STOPPED_BY_LISTENER;
                break;
            }
            if (tol > 0 && sweep > 0 && (thetaMax == 0 || changeMax <= tol * thetaMax) && gap <= tol
                    && SweepState.freeSettled(g, p, tol * freeScale)) {
                stop = StopReason.DUALITY_GAP;
                break;
            }
            if (!moved) {
                stop = StopReason.NO_PROGRESS;
                break;
            }
            if (sweep >= maxSweeps) {
                stop = StopReason.ITERATION_LIMIT;
                break;
            }
            Checkpointer.stopIfInterrupted(sweep); // a boundary: Thread.interrupt() stops the fit (FitInterruptedException)
            double[] changes = sweep(p, p2, l1, l2, theta, r);
            changeMax = changes[0];
            thetaMax = changes[1];
            moved = changes[2] != 0;
            sweep++;
        }
        lastTheta = theta.clone();
        lastResidual = r;
        return new IterativeResult(theta, interceptFor(theta), sweep, stop, SweepState.toArray(losses), SweepState.toArray(norms), Double.NaN, gap);
    }

    /** r = y_c − X̃θ from scratch: u = y_c − Xθ over the columns with θⱼ ≠ 0, then + μᵀθ. */
    private double[] residualAt(double[] theta) {
        double[] r = centredTargets.clone();
        double shift = 0;
        for (int j = 0; j < n; j++) {
            double t = theta[j];
            if (t != 0) {
                for (int k = starts[j]; k < starts[j + 1]; k++) {
                    r[rowIndex[k]] -= t * values[k];
                }
                shift += means[j] * t;
            }
        }
        if (shift != 0) {
            for (int i = 0; i < m; i++) {
                r[i] += shift;
            }
        }
        return r;
    }

    /** out = X̃ᵀWr = Xᵀ(W∘r) − μ·Σᵢwᵢrᵢ (one pass over the stored entries). Writes out. */
    private void transposedResidual(double[] r, double[] out) {
        double total = weightedSum(r);
        for (int j = 0; j < n; j++) {
            out[j] = dot(weightedValues, rowIndex, starts[j], starts[j + 1], r) - means[j] * total;
        }
    }

    private double weightedSum(double[] r) {
        double s = 0;
        if (weights == null) {
            for (double v : r) {
                s += v;
            }
        } else {
            for (int i = 0; i < m; i++) {
                s += weights[i] * r[i];
            }
        }
        return s;
    }

    /**
     * One cyclic sweep over j = 0 … n−1 (the class Javadoc), r kept as u + s·1 within it and returned as r. Writes θ and
     * r; returns {largest |Δθⱼ|, largest |θⱼ| after the sweep, 1 if any θⱼ moved else 0}.
     */
    private double[] sweep(double[] p, double[] p2, double l1, double l2, double[] theta, double[] r) {
        double total = weightedSum(r); // Σwᵢuᵢ with s = 0: u = r at the start
        double shift = 0;
        double changeMax = 0;
        double thetaMax = 0;
        boolean moved = false;
        for (int j = 0; j < n; j++) {
            double dj = squares[j];
            double d = dj + l2 * p2[j];
            if (!(d > 0)) {
                continue;
            }
            int from = starts[j];
            int to = starts[j + 1];
            double old = theta[j];
            double t = dot(weightedValues, rowIndex, from, to, r) - means[j] * total + dj * old;
            double threshold = l1 * p[j];
            double next = Math.abs(t) <= threshold ? 0 : Math.copySign(Math.abs(t) - threshold, t) / d;
            double delta = next - old;
            changeMax = Math.max(changeMax, Math.abs(delta));
            thetaMax = Math.max(thetaMax, Math.abs(next));
            if (delta != 0) {
                theta[j] = next;
                moved = true;
                scatter(-delta, values, rowIndex, from, to, r);
                total -= delta * columnWeightedSums[j];
                shift += delta * means[j];
            }
        }
        if (shift != 0) {
            for (int i = 0; i < m; i++) {
                r[i] += shift;
            }
        }
        return new double[] {changeMax, thetaMax, moved ? 1 : 0};
    }

    /** counts[c + 1] += 1 for each column index c of columns[0, count). */
    private static void countColumns(int[] columns, int count, int[] counts) {
        for (int k = 0; k < count; k++) {
            counts[columns[k] + 1]++;
        }
    }

    /**
     * Puts the stored entries [from, from + count) of a CSR matrix (their column indices and values given) into the CSC
     * arrays: each to its column's next slot, with its row (found from the row pointers, starting at {@code row}).
     * Writes next, rowIndex and values; returns the row of the block's last entry.
     */
    private static int scatterBlock(long[] rowPointers, int row, int from, int[] columns, double[] block, int count,
                                    int[] next, int[] rowIndex, double[] values) {
        int i = row;
        for (int k = 0; k < count; k++) {
            while (rowPointers[i + 1] <= from + k) {
                i++;
            }
            int slot = next[columns[k]]++;
            rowIndex[slot] = i;
            values[slot] = block[k];
        }
        return i;
    }

    /** Σ_k v[k]·r[rows[k]] over k ∈ [from, to). */
    private static double dot(double[] v, int[] rows, int from, int to, double[] r) {
        double s = 0;
        for (int k = from; k < to; k++) {
            s += v[k] * r[rows[k]];
        }
        return s;
    }

    /** r[rows[k]] += a·v[k] over k ∈ [from, to). Writes r. */
    private static void scatter(double a, double[] v, int[] rows, int from, int to, double[] r) {
        for (int k = from; k < to; k++) {
            r[rows[k]] += a * v[k];
        }
    }
}
