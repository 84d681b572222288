package dev.downhill.spi;

import dev.downhill.Precision;
import dev.downhill.io.CsrMatrix;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * An SGD / mini-batch epoch ({@link StochasticEpoch}) over CSR X whose steps cost each batch's stored entries, not n —
 * scikit-learn's {@code wscale} trick, extended to the implicit centring. θ is held as
 * <pre>  θ = a·v + c·d,   d = S²∘x̄</pre>
 * (v dense, a and c scalars; d = 0 without an intercept). A step of {@link StochasticEpoch}'s arithmetic,
 * θ ← θ − η·S²∘(D∘g_B − s·Σwr·x̄ + λ∘θ) with g_B = s·Σᵢ wᵢrᵢxᵢ over the batch's rows (s = 2/k), is then
 * <pre>  a ← (1 − q)·a,   c ← (1 − q)·c + η·s·Σwr,   vⱼ ← vⱼ − η·S²ⱼ·Dⱼ·(g_B)ⱼ / a   (j in the batch's rows)</pre>
 * with q = η·λⱼ·S²ⱼ, which must be the same for every j (so: no l2 term, or one whose λ∘S² is uniform — the ridge without
 * penalty factors on unstandardized X); x̄ᵀv is kept up to date with the same updates, so b = μ_y − x̄ᵀθ =
 * μ_y − a·x̄ᵀv − c·x̄ᵀd costs nothing and rᵢ = xᵢᵀ(D∘θ) + b − τyᵢ costs the row's entries. v is folded back
 * (v ← θ, a = 1, c = 0; O(n)) when a drops below 2⁻²⁰⁰ or a step would shrink θ by more than three quarters.
 *
 * <p>The same steps as {@link StochasticEpoch#runPerBatch} in exact arithmetic, with other roundings (θ is never rounded
 * to a float32 vector within the epoch): results agree to rounding, not bit for bit. A non-uniform λ∘S² without an
 * intercept runs lazily too, with a decay per column ({@link #decaysPerColumn}: each column keeps the step it was last
 * brought to and catches up by the product of its decays since, a power of ρⱼ for a constant step). An l1 term (its
 * proximal step touches every coordinate), or a non-uniform λ∘S² with an intercept, is not handled ({@link #applies});
 * the per-batch loop runs those.
 * Host memory: the CSR arrays, y and the weights are read where they are (direct views when they fit one buffer,
 * else bulk copies row by row); v, d, D, S² are n-length heap arrays. One thread.
 */
public final class SparseLazyEpoch {
    /** v is folded back into θ when a falls below this. */
    private static final double SMALLEST_SCALE = 0x1p-200;
    /** A row's sums (x_iᵀv, x_iᵀd, Σ x̄_j δ_j) run in this many interleaved chains over its entries. */
    private static final int CHAINS = 8;

    /**
     * The interleaved sums p_q of a row's entries at positions ≡ q (mod 8), combined as ((p₀ + p₄) + (p₂ + p₆)) +
     * ((p₁ + p₅) + (p₃ + p₇)); the row's last (length mod 8) entries are then added in order. The native epoch sums
     * alike (one chain of ~1,000 dependent additions a row was most of an E2006-shaped epoch there).
     */
    private static double combined(double[] p) {
        return ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]));
    }

    private SparseLazyEpoch() {
    }

    /**
     * The largest {@link StochasticEpoch#centringRatio} (x̄ⱼ²/σⱼ²) run lazily: a residual here is a difference of sums
     * of about x̄ⱼ²/σⱼ² times its size (θ's c·d part), so a column whose mean is 10⁸ of its spreads gave residuals of
     * rounding noise (sgd diverged, minibatch "converged" 500× off; 10⁶ was still fine). Past 2³² (|x̄| = 65,536 σ) the
     * per-batch loop runs, whose centring is exact per step.
     */
    public static final double LARGEST_CENTRING_RATIO = 0x1p32;

    /**
     * Whether {@code plan} can run lazily: no l1 term, λⱼ·S²ⱼ the same for every j (or no l2 term) or else
     * {@link #decaysPerColumn}, and no column whose mean is too large against its spread ({@link #LARGEST_CENTRING_RATIO}).
     */
    public static boolean applies(StochasticEpoch plan) {
        // averaging is lazy in the uniform and the grouped forms (LazyAverage), not in the per-column one
        if (plan.average() != null && plan.ridge() != null && Double.isNaN(uniformRidgeRate(plan)) && !decaysByGroup(plan)) {
            return false;
        }
        if (plan.l1Thresholds() != null || !(plan.centringRatio() <= LARGEST_CENTRING_RATIO)) {
            return false;
        }
        return !Double.isNaN(uniformRidgeRate(plan)) || decaysPerColumn(plan) || decaysByGroup(plan);
    }

    /** The most distinct decay rates λⱼ·S²ⱼ {@link #decaysByGroup} follows (each costs O(1) a step). */
    public static final int MAX_RATE_GROUPS = 1024;

    /**
     * Whether {@code plan} runs lazily with one scale per group of columns that share a decay rate ({@link #run}'s third
     * form): an intercept ({@link StochasticEpoch#means()}), an l2 term whose λⱼ·S²ⱼ differ but take at most
     * {@value #MAX_RATE_GROUPS} distinct values, no l1 term. θⱼ = a_g·vⱼ + c_g·dⱼ for column j of group g: a step scales
     * each group's (a_g, c_g) by its own 1 − η·q_g and adds the centring's η·s·Σwr to every c_g — O(groups) — and
     * b = μ_y − Σ_g (a_g·x̄ᵀv_g + c_g·x̄ᵀd_g) needs the groups' sums only. The core makes the rates few where this
     * matters: the standardized ridge of a sparse stochastic fit with an intercept rounds λⱼ·S²ⱼ to a quarter-octave
     * grid ({@code CentredObjective}), which takes the per-batch loop's O(n) a step down to the batch's entries plus the
     * groups.
     */
    public static boolean decaysByGroup(StochasticEpoch plan) {
        return rateGroups(plan) != null;
    }

    /** The groups of {@link #decaysByGroup}, or null when it does not hold. */
    private static RateGroups rateGroups(StochasticEpoch plan) {
        if (plan.ridge() == null || plan.means() == null || plan.l1Thresholds() != null
                || !Double.isNaN(uniformRidgeRate(plan))) {
            return null;
        }
        return RateGroups.of(plan.ridge().copyToHost(), plan.squaredScales() == null ? null : plan.squaredScales().copyToHost());
    }

    /** Columns grouped by their decay rate q = λⱼ·S²ⱼ: {@code group[j]} indexes {@code rate}. */
    private record RateGroups(int[] group, double[] rate) {
        /** The groups of λ∘S² (S² = 1 when null), or null when the rates are more than {@value #MAX_RATE_GROUPS} or not finite ≥ 0. */
        static RateGroups of(double[] lambda, double[] s2) {
            java.util.HashMap<Long, Integer> index = new java.util.HashMap<>();
            int[] group = new int[lambda.length];
            double[] rate = new double[Math.min(lambda.length, MAX_RATE_GROUPS)];
            for (int j = 0; j < lambda.length; j++) {
                double q = lambda[j] * (s2 == null ? 1 : s2[j]) + 0.0;
                if (!(q >= 0) || Double.isInfinite(q)) {
                    return null;
                }
                Integer g = index.get(Double.doubleToLongBits(q));
                if (g == null) {
                    if (index.size() == MAX_RATE_GROUPS) {
                        return null;
                    }
                    g = index.size();
                    index.put(Double.doubleToLongBits(q), g);
                    rate[g] = q;
                }
                group[j] = g;
            }
            return new RateGroups(group, java.util.Arrays.copyOf(rate, index.size()));
        }
    }

    /**
     * Whether {@code plan} runs lazily with a decay of its own per column ({@link #run}'s second form): an l2 term whose
     * λⱼ·S²ⱼ differ (penalty factors, or the ridge's own standardization S²ⱼ = 1/(σⱼ² + λⱼ/2)), no intercept (no
     * {@link StochasticEpoch#means()}), no l1 term, fewer than 2³¹ steps, and finite steps η_t ≥ 0 with every
     * 1 − η_t·λⱼ·S²ⱼ above ¼ when η is the same for every batch of the epoch (the {@code constant} schedule), at least ¾
     * when it changes ({@link Decay}). With an intercept the implicit centring moves every θⱼ every step by an amount that
     * then decays at θⱼ's own rate, and b = μ_y − x̄ᵀθ needs Σⱼ x̄ⱼθⱼ after every step: an n-term sum of different
     * geometric sequences, which no O(1) state gives exactly (the per-batch loop runs those, O(n) a step).
     */
    public static boolean decaysPerColumn(StochasticEpoch plan) {
        if (plan.ridge() == null || plan.means() != null || plan.l1Thresholds() != null
                || plan.batches() >= Integer.MAX_VALUE || !Double.isNaN(uniformRidgeRate(plan))) {
            return false;
        }
        return Decay.of(plan, Decay.SEGMENT_ENTRIES) != null;
    }

    /** The uniform λⱼ·S²ⱼ of {@code plan} (0 without an l2 term), or NaN when the products differ. */
    public static double uniformRidgeRate(StochasticEpoch plan) {
        if (plan.ridge() == null) {
            return 0;
        }
        return uniformProduct(plan.ridge().copyToHost(), plan.squaredScales() == null ? null : plan.squaredScales().copyToHost());
    }

    /** q with λⱼ·S²ⱼ = q for every j (S² = 1 when null; 0 for no columns), or NaN when the products differ. */
    private static double uniformProduct(double[] lambda, double[] s2) {
        double q = lambda.length == 0 ? 0 : lambda[0] * (s2 == null ? 1 : s2[0]);
        for (int j = 0; j < lambda.length; j++) {
            if (lambda[j] * (s2 == null ? 1 : s2[j]) != q) {
                return Double.NaN;
            }
        }
        return q;
    }

    /**
     * Runs {@code plan} over the CSR X. Writes θ and {@code gradient} (the last batch's D∘g_B − s·Σwr·x̄ + λ∘θ, θ before
     * its step, as {@link ResidentProblem#epoch} says).
     *
     * @param values  X's values as the problem holds them ({@link FloatPointer} or {@link DoublePointer} per precision)
     * @param y       m targets in the same precision
     * @param weights m float64 weights, or null
     */
    public static StochasticEpoch.EpochSums run(CsrMatrix x, Pointer values, Pointer y, DoublePointer weights, Precision precision,
                                                StochasticEpoch plan, BackendVector theta, BackendVector gradient) {
        return run(x, values, y, weights, precision, plan, theta, gradient, true);
    }

    /**
     * As above; {@code bufferViews} false reads every row with bulk copies (the path for arrays beyond one buffer view),
     * which gives the same bits.
     */
    public static StochasticEpoch.EpochSums run(CsrMatrix x, Pointer values, Pointer y, DoublePointer weights, Precision precision,
                                                StochasticEpoch plan, BackendVector theta, BackendVector gradient,
                                                boolean bufferViews) {
        return run(x, values, y, weights, precision, plan, theta, gradient, bufferViews, Decay.SEGMENT_ENTRIES);
    }

    /**
     * As above, with a changing step's prefix-sum table ({@link Decay}) of at most {@code segmentEntries} entries (tests:
     * a small table brings every column up to date at its end and starts a new one).
     */
    public static StochasticEpoch.EpochSums run(CsrMatrix x, Pointer values, Pointer y, DoublePointer weights, Precision precision,
                                                StochasticEpoch plan, BackendVector theta, BackendVector gradient,
                                                boolean bufferViews, int segmentEntries) {
        return run(new Rows(x, values, y, weights, precision, bufferViews), plan, theta, gradient, segmentEntries);
    }

    private static StochasticEpoch.EpochSums run(Rows rows, StochasticEpoch plan, BackendVector theta, BackendVector gradient,
                                                 int segmentEntries) {
        if (plan.ridge() != null && Double.isNaN(uniformRidgeRate(plan))) {
            if (decaysPerColumn(plan)) {
                return runPerColumn(rows, plan, theta, gradient, segmentEntries);
            }
            RateGroups groups = rateGroups(plan);
            if (groups != null) {
                return runByGroup(rows, plan, groups, theta, gradient);
            }
            throw new IllegalArgumentException("the lazy sparse epoch needs no l1 term and a uniform λ∘S², or no intercept "
                    + "and steps that decay no column by more than its limit, or few distinct λ∘S²");
        }
        int n = Math.toIntExact(theta.length());
        double[] v = theta.copyToHost();
        double[] mean = plan.means() == null ? null : plan.means().copyToHost();
        double[] factor = plan.columnFactors() == null ? null : plan.columnFactors().copyToHost();
        double[] s2 = plan.squaredScales() == null ? null : plan.squaredScales().copyToHost();
        double[] lambda = plan.ridge() == null ? null : plan.ridge().copyToHost();
        double lambdaS2 = lambda == null ? 0 : uniformProduct(lambda, s2);
        if (plan.l1Thresholds() != null || Double.isNaN(lambdaS2)) {
            throw new IllegalArgumentException("the lazy sparse epoch needs no l1 term and a uniform λ∘S²");
        }
        double[] d = new double[n];
        LazyAverage average = plan.average() == null ? null : new LazyAverage(n, 1, null);
        double xd = 0;
        if (mean != null) {
            for (int j = 0; j < n; j++) {
                d[j] = (s2 == null ? 1 : s2[j]) * mean[j];
                xd += mean[j] * d[j];
            }
        }
        State s = new State(v, d, mean);
        Batches batches = new Batches(plan);
        int capacity = batches.capacity();
        long[] starts = new long[capacity + 1]; // the batch's entries, gathered once: offsets into cols/vals
        double[] wr = new double[capacity];
        double[] pv = new double[CHAINS];
        double[] pd = new double[CHAINS];
        Buffer entries = new Buffer();
        double sumSquares = 0;
        long t = plan.firstStep();
        double[] lastTheta = null;
        while (batches.next()) {
            int k = batches.size();
            double scale = 2.0 / k;
            boolean last = batches.last();
            if (last) {
                lastTheta = s.materialized();
            }
            double b = mean != null ? plan.targetMean() - (s.a * s.xv + s.c * xd) : 0;
            entries.clear();
            double sumWr = 0;
            for (int r = 0; r < k; r++) {
                long i = batches.row(r);
                starts[r] = entries.size;
                rows.append(i, entries);
                // x_iᵀv and x_iᵀd in eight interleaved sums each (entry positions ≡ q mod 8), combined, then the tail
                java.util.Arrays.fill(pv, 0);
                java.util.Arrays.fill(pd, 0);
                int e = (int) starts[r];
                for (; e + CHAINS <= entries.size; e += CHAINS) {
                    for (int q = 0; q < CHAINS; q++) {
                        int j = entries.columns[e + q];
                        double xij = factor == null ? entries.values[e + q] : entries.values[e + q] * factor[j];
                        pv[q] += xij * v[j];
                        pd[q] += xij * d[j];
                    }
                }
                double dv = combined(pv);
                double dd = combined(pd);
                for (; e < entries.size; e++) {
                    int j = entries.columns[e];
                    double xij = factor == null ? entries.values[e] : entries.values[e] * factor[j];
                    dv += xij * v[j];
                    dd += xij * d[j];
                }
                double residual = s.a * dv + s.c * dd + (b - plan.targetWeight() * rows.y(i));
                double w = rows.weight(i);
                wr[r] = w * residual;
                sumWr += wr[r];
                sumSquares += wr[r] * residual;
            }
            starts[k] = entries.size;
            boolean averaged = average != null && plan.averagingFactor(t) > 0;
            double rate = plan.stepSize(t++);
            double shrink = 1 - rate * lambdaS2;
            double drift = mean != null ? rate * scale * sumWr : 0;
            if (shrink <= 0.25) { // a step that shrinks θ this much (or flips it): taken densely, v ← shrink·θ
                if (average != null) {
                    average.flush(v, d);
                }
                s.fold();
                for (int j = 0; j < n; j++) {
                    v[j] *= shrink;
                }
                s.recount();
                s.c = drift;
            } else {
                if (Math.abs(s.a * shrink) < SMALLEST_SCALE) {
                    if (average != null) {
                        average.flush(v, d);
                    }
                    s.fold();
                }
                s.a *= shrink;
                s.c = s.c * shrink + drift;
            }
            for (int r = 0; r < k; r++) {
                double coefficient = -rate * scale * wr[r] / s.a;
                // v_j += δ_j over the row; x̄ᵀv moves by the row's Σ x̄_j δ_j, summed as the row dots are
                java.util.Arrays.fill(pv, 0);
                int e = (int) starts[r];
                int end = (int) starts[r + 1];
                for (; e + CHAINS <= end; e += CHAINS) {
                    for (int q = 0; q < CHAINS; q++) {
                        int j = entries.columns[e + q];
                        double delta = coefficient * entries.values[e + q] * (factor == null ? 1 : factor[j]) * (s2 == null ? 1 : s2[j]);
                        v[j] += delta;
                        pv[q] += (mean == null ? 0 : mean[j]) * delta;
                        if (average != null) {
                            average.moved(j, delta);
                        }
                    }
                }
                double moved = combined(pv);
                for (; e < end; e++) {
                    int j = entries.columns[e];
                    double delta = coefficient * entries.values[e] * (factor == null ? 1 : factor[j]) * (s2 == null ? 1 : s2[j]);
                    v[j] += delta;
                    moved += (mean == null ? 0 : mean[j]) * delta;
                    if (average != null) {
                        average.moved(j, delta);
                    }
                }
                if (mean != null) {
                    s.xv += moved;
                }
            }
            if (averaged) {
                average.step(0, s.a, s.c);
                average.stepped();
            }
            if (last) { // the last batch's gradient at θ before its step, densely (once an epoch)
                copyLastBatchGradient(gradient, n, k, starts, entries, scale, wr, factor, mean, sumWr, lambda, lastTheta);
            }
        }
        if (average != null) {
            average.finish(plan, v, d);
        }
        theta.copyFromHost(s.materialized());
        return new StochasticEpoch.EpochSums(sumSquares, t - plan.firstStep());
    }

    /**
     * The epoch of {@link #decaysByGroup}: an intercept and G distinct decay rates q_g. Column j of group g holds
     * θⱼ = a_g·vⱼ + c_g·dⱼ (d = S²∘x̄); a step of {@link StochasticEpoch}'s arithmetic is, for every group,
     * <pre>  a_g ← (1 − η·q_g)·a_g,   c_g ← (1 − η·q_g)·c_g + η·s·Σwr,   vⱼ ← vⱼ − η·S²ⱼ·Dⱼ·(g_B)ⱼ / a_g  (j in the batch's rows)</pre>
     * and b = μ_y − Σ_g (a_g·x̄ᵀv_g + c_g·x̄ᵀd_g) with x̄ᵀv_g kept up to date by the same updates: O(G + the batch's entries) a
     * step. A step that would shrink some group by more than three quarters is taken densely (every group folded:
     * v ← θ, a = 1, c = 0, then scaled), as is a fold when some a_g falls below 2⁻²⁰⁰. The same steps as the per-batch loop
     * in exact arithmetic, with other roundings.
     */
    private static StochasticEpoch.EpochSums runByGroup(Rows rows, StochasticEpoch plan, RateGroups groups, BackendVector theta,
                                                        BackendVector gradient) {
        int n = Math.toIntExact(theta.length());
        double[] v = theta.copyToHost();
        double[] mean = plan.means().copyToHost();
        double[] factor = plan.columnFactors() == null ? null : plan.columnFactors().copyToHost();
        double[] s2 = plan.squaredScales() == null ? null : plan.squaredScales().copyToHost();
        double[] lambda = plan.ridge().copyToHost();
        int[] group = groups.group();
        double[] q = groups.rate();
        int count = q.length;
        double[] d = new double[n];
        double[] xd = new double[count];
        for (int j = 0; j < n; j++) {
            d[j] = (s2 == null ? 1 : s2[j]) * mean[j];
            xd[group[j]] += mean[j] * d[j];
        }
        double[] push = new double[n]; // Dⱼ·S²ⱼ
        for (int j = 0; j < n; j++) {
            push[j] = (factor == null ? 1 : factor[j]) * (s2 == null ? 1 : s2[j]);
        }
        double[] a = new double[count];
        double[] c = new double[count];
        double[] xv = new double[count];
        java.util.Arrays.fill(a, 1);
        recountByGroup(v, mean, group, xv);
        LazyAverage average = plan.average() == null ? null : new LazyAverage(n, count, group);
        Batches batches = new Batches(plan);
        int capacity = batches.capacity();
        long[] starts = new long[capacity + 1];
        double[] wr = new double[capacity];
        Buffer entries = new Buffer();
        double sumSquares = 0;
        long t = plan.firstStep();
        while (batches.next()) {
            int k = batches.size();
            double scale = 2.0 / k;
            double[] lastTheta = batches.last() ? materializedByGroup(v, d, group, a, c) : null;
            double sumGroups = 0;
            for (int g = 0; g < count; g++) {
                sumGroups += a[g] * xv[g] + c[g] * xd[g];
            }
            double b = plan.targetMean() - sumGroups;
            entries.clear();
            double sumWr = 0;
            for (int r = 0; r < k; r++) {
                long i = batches.row(r);
                starts[r] = entries.size;
                rows.append(i, entries);
                double dot = 0;
                for (int e = (int) starts[r]; e < entries.size; e++) {
                    int j = entries.columns[e];
                    int g = group[j];
                    double xij = factor == null ? entries.values[e] : entries.values[e] * factor[j];
                    dot += xij * (a[g] * v[j] + c[g] * d[j]);
                }
                double residual = dot + (b - plan.targetWeight() * rows.y(i));
                double w = rows.weight(i);
                wr[r] = w * residual;
                sumWr += wr[r];
                sumSquares += wr[r] * residual;
            }
            starts[k] = entries.size;
            boolean averaged = average != null && plan.averagingFactor(t) > 0;
            double rate = plan.stepSize(t++);
            double drift = rate * scale * sumWr;
            boolean dense = false;
            for (int g = 0; g < count && !dense; g++) {
                double shrink = 1 - rate * q[g];
                dense = shrink <= 0.25 || Math.abs(a[g] * shrink) < SMALLEST_SCALE;
            }
            if (dense) { // fold every group (v ← θ), then scale: taken densely, O(n)
                if (average != null) {
                    average.flush(v, d);
                }
                for (int j = 0; j < n; j++) {
                    int g = group[j];
                    v[j] = a[g] * v[j] + c[g] * d[j];
                }
                java.util.Arrays.fill(a, 1);
                java.util.Arrays.fill(c, 0);
                for (int j = 0; j < n; j++) {
                    v[j] *= 1 - rate * q[group[j]];
                }
                java.util.Arrays.fill(c, drift);
                recountByGroup(v, mean, group, xv);
            } else {
                for (int g = 0; g < count; g++) {
                    double shrink = 1 - rate * q[g];
                    a[g] *= shrink;
                    c[g] = c[g] * shrink + drift;
                }
            }
            for (int r = 0; r < k; r++) {
                double coefficient = -rate * scale * wr[r];
                for (int e = (int) starts[r]; e < starts[r + 1]; e++) {
                    int j = entries.columns[e];
                    int g = group[j];
                    double delta = coefficient * entries.values[e] * push[j] / a[g];
                    v[j] += delta;
                    xv[g] += mean[j] * delta;
                    if (average != null) {
                        average.moved(j, delta);
                    }
                }
            }
            if (averaged) {
                for (int g = 0; g < count; g++) {
                    average.step(g, a[g], c[g]);
                }
                average.stepped();
            }
            if (lastTheta != null) { // the last batch's gradient at θ before its step, densely (once an epoch)
                copyLastBatchGradient(gradient, n, k, starts, entries, scale, wr, factor, mean, sumWr, lambda, lastTheta);
            }
        }
        if (average != null) {
            average.finish(plan, v, d);
        }
        theta.copyFromHost(materializedByGroup(v, d, group, a, c));
        return new StochasticEpoch.EpochSums(sumSquares, t - plan.firstStep());
    }

    /** θⱼ = a_g·vⱼ + c_g·dⱼ for every column (g its group). */
    private static double[] materializedByGroup(double[] v, double[] d, int[] group, double[] a, double[] c) {
        double[] out = new double[v.length];
        for (int j = 0; j < v.length; j++) {
            int g = group[j];
            out[j] = a[g] * v[j] + c[g] * d[j];
        }
        return out;
    }

    /** x̄ᵀv over each group's columns, into {@code xv}. */
    private static void recountByGroup(double[] v, double[] mean, int[] group, double[] xv) {
        java.util.Arrays.fill(xv, 0);
        for (int j = 0; j < v.length; j++) {
            xv[group[j]] += mean[j] * v[j];
        }
    }

    /**
     * The epoch of {@link #decaysPerColumn}: no intercept, ρⱼ(t) = 1 − η_t·λⱼ·S²ⱼ differing per column. A step of
     * {@link StochasticEpoch}'s arithmetic is then θⱼ ← ρⱼ(t)·θⱼ − η_t·S²ⱼ·Dⱼ·(g_B)ⱼ, which leaves a column outside the
     * batch's rows multiplied by ρⱼ(t). θⱼ is held as vⱼ, its value after the epoch's first tⱼ steps (tⱼ the step that
     * last touched column j): a row's entries are first brought to step k by vⱼ ← Π_{tⱼ ≤ s < k} ρⱼ(s)·vⱼ
     * ({@link Decay#over}), then the step multiplies each column of the batch by ρⱼ(k) once and adds its share of the
     * gradient. θ (and the last batch's θ for the gradient) is materialized once an epoch (and once per
     * {@link Decay#SEGMENT_ENTRIES} of a changing step's table): O(n) then, O(the batch's entries) a step.
     */
    private static StochasticEpoch.EpochSums runPerColumn(Rows rows, StochasticEpoch plan, BackendVector theta,
                                                          BackendVector gradient, int segmentEntries) {
        if (plan.average() != null) { // applies() sends an averaging plan of this form to the per-batch loop
            throw new IllegalArgumentException("the lazy sparse epoch with a decay per column does not average the iterates");
        }
        int n = Math.toIntExact(theta.length());
        double[] v = theta.copyToHost();
        double[] factor = plan.columnFactors() == null ? null : plan.columnFactors().copyToHost();
        double[] s2 = plan.squaredScales() == null ? null : plan.squaredScales().copyToHost();
        double[] lambda = plan.ridge().copyToHost();
        Decay decay = Decay.of(plan, segmentEntries);
        decay.segment(0);
        double[] push = new double[n]; // Dⱼ·S²ⱼ: a row's entry times this is its share of S²∘D∘g_B per unit of s·wᵢrᵢ
        for (int j = 0; j < n; j++) {
            push[j] = (factor == null ? 1 : factor[j]) * (s2 == null ? 1 : s2[j]);
        }
        int[] last = new int[n];
        Batches batches = new Batches(plan);
        int capacity = batches.capacity();
        long[] starts = new long[capacity + 1];
        double[] wr = new double[capacity];
        double[] pv = new double[CHAINS];
        Buffer entries = new Buffer();
        double sumSquares = 0;
        long t = plan.firstStep();
        int step = 0; // steps of this epoch taken
        while (batches.next()) {
            int k = batches.size();
            double scale = 2.0 / k;
            if (decay.segmentEnds(step)) { // a changing step's table is full: every column to this step, a new table
                for (int j = 0; j < n; j++) {
                    v[j] *= decay.over(j, last[j], step);
                    last[j] = step;
                }
                decay.segment(step);
            }
            double[] lastTheta = batches.last() ? caughtUp(v, decay, last, step) : null;
            entries.clear();
            for (int r = 0; r < k; r++) {
                long i = batches.row(r);
                starts[r] = entries.size;
                rows.append(i, entries);
                java.util.Arrays.fill(pv, 0);
                int e = (int) starts[r];
                for (int c = e; c < entries.size; c++) { // the row's columns brought to this step
                    int j = entries.columns[c];
                    if (last[j] != step) {
                        v[j] *= decay.over(j, last[j], step);
                        last[j] = step;
                    }
                }
                for (; e + CHAINS <= entries.size; e += CHAINS) {
                    for (int q = 0; q < CHAINS; q++) {
                        int j = entries.columns[e + q];
                        double xij = factor == null ? entries.values[e + q] : entries.values[e + q] * factor[j];
                        pv[q] += xij * v[j];
                    }
                }
                double dv = combined(pv);
                for (; e < entries.size; e++) {
                    int j = entries.columns[e];
                    double xij = factor == null ? entries.values[e] : entries.values[e] * factor[j];
                    dv += xij * v[j];
                }
                double residual = dv - plan.targetWeight() * rows.y(i);
                double w = rows.weight(i);
                wr[r] = w * residual;
                sumSquares += wr[r] * residual;
            }
            starts[k] = entries.size;
            double rate = decay.rate(step);
            t++;
            for (int r = 0; r < k; r++) {
                double coefficient = -rate * scale * wr[r];
                for (int e = (int) starts[r]; e < starts[r + 1]; e++) {
                    int j = entries.columns[e];
                    if (last[j] == step) { // the step's decay, once per column of the batch
                        v[j] *= decay.over(j, step, step + 1);
                        last[j] = step + 1;
                    }
                    v[j] += coefficient * entries.values[e] * push[j];
                }
            }
            if (lastTheta != null) { // the last batch's gradient at θ before its step, densely (once an epoch)
                copyLastBatchGradient(gradient, n, k, starts, entries, scale, wr, factor, null, 0, lambda, lastTheta);
            }
            step++;
        }
        theta.copyFromHost(caughtUp(v, decay, last, step));
        return new StochasticEpoch.EpochSums(sumSquares, t - plan.firstStep());
    }

    /** θ after {@code step} steps: vⱼ·Π_{tⱼ ≤ s < step} ρⱼ(s) for every column (v and t are left as they are). */
    private static double[] caughtUp(double[] v, Decay decay, int[] last, int step) {
        double[] theta = new double[v.length];
        for (int j = 0; j < v.length; j++) {
            theta[j] = last[j] == step ? v[j] : v[j] * decay.over(j, last[j], step);
        }
        return theta;
    }

    /**
     * The per-column decays of an epoch without an intercept: qⱼ = λⱼ·S²ⱼ and the steps η_t, and the product
     * Π_{a ≤ s < b} ρⱼ(s), ρⱼ(s) = 1 − η_s·qⱼ, of a column over steps a to b.
     *
     * <p>One step (b = a + 1) is 1 − η_a·qⱼ, the per-batch loop's factor in exact arithmetic. A constant step: ρⱼ^(b−a)
     * by {@link Math#pow} (within an ulp of the power of the rounded ρⱼ, where the per-batch loop rounds θⱼ − η·S²ⱼ·λⱼθⱼ
     * at each of the b − a steps: the two differ by rounding that grows with the steps, about (b − a) ulps either way — the
     * standard of the uniform path's scale a, which multiplies by 1 − η·q each step). A changing step: the product is
     * exp(−Σ_{k≥1} qⱼᵏ·(P_k(b) − P_k(a))) with the prefix sums P_k(t) = Σ_{s<t} η_sᵏ/k (log(1 − x) = −Σ xᵏ/k), truncated
     * after the K terms that leave each step's remainder, at most x^(K+1)/((K+1)(1 − x)) with x = max η_t·qⱼ ≤ ¼, below
     * 2⁻⁵⁶ — under the rounding of the per-batch loop's own step. The prefix sums differ by the steps between a and b with
     * an absolute error of about an ulp of qⱼ·Σ_{s<b}η_s (the decay's exponent over the table: ≲ 1e-13 relative to the
     * product while that exponent stays below ~500, past which the product is below 1e-200). The table holds K·(T + 1)
     * sums, T the steps of a segment: at most {@link #SEGMENT_ENTRIES} entries (or the tests' limit), after which every column is brought to
     * the segment's end (O(n)) and a new table starts.
     */
    private static final class Decay {
        /** The most entries of a changing step's prefix-sum table (32 MiB). */
        static final int SEGMENT_ENTRIES = 1 << 22;
        /** Each step's truncated remainder of the logarithm is at most this. */
        private static final double REMAINDER = 0x1p-56;

        private final double[] q;
        private final double[] rates;
        private final boolean constant;
        private final double[] rho;
        private final int terms;
        private final int segmentSteps;
        private double[] prefix;
        private int segmentStart;

        private Decay(double[] q, double[] rates, boolean constant, int terms, int entries) {
            this.q = q;
            this.rates = rates;
            this.constant = constant;
            this.terms = terms;
            this.rho = constant ? new double[q.length] : null;
            if (constant) {
                for (int j = 0; j < q.length; j++) {
                    rho[j] = 1 - rates[0] * q[j];
                }
            }
            this.segmentSteps = constant ? Integer.MAX_VALUE : Math.max(1, entries / terms - 1);
        }

        /** The decays of {@code plan} (no intercept, a non-uniform λ∘S²), or null when they cannot run lazily. */
        static Decay of(StochasticEpoch plan, int entries) {
            int steps = (int) plan.batches();
            double[] rates = new double[Math.max(1, steps)];
            boolean constant = true;
            double largest = 0;
            for (int k = 0; k < steps; k++) {
                rates[k] = plan.stepSize(plan.firstStep() + k);
                if (!(rates[k] >= 0) || Double.isInfinite(rates[k])) {
                    return null;
                }
                constant &= Double.compare(rates[k], rates[0]) == 0;
                largest = Math.max(largest, rates[k]);
            }
            double[] lambda = plan.ridge().copyToHost();
            double[] s2 = plan.squaredScales() == null ? null : plan.squaredScales().copyToHost();
            double[] q = new double[lambda.length];
            double most = 0;
            for (int j = 0; j < q.length; j++) {
                q[j] = lambda[j] * (s2 == null ? 1 : s2[j]);
                if (!(q[j] >= 0) || Double.isInfinite(q[j])) {
                    return null;
                }
                most = Math.max(most, q[j]);
            }
            if (constant) {
                return 1 - rates[0] * most > 0.25 ? new Decay(q, rates, true, 0, entries) : null;
            }
            double x = largest * most;
            if (!(x <= 0.25)) {
                return null;
            }
            int terms = 1;
            while (Math.pow(x, terms + 1) / ((terms + 1) * (1 - x)) > REMAINDER) {
                terms++;
            }
            return new Decay(q, rates, false, terms, entries);
        }

        double rate(int step) {
            return rates[step];
        }

        /** Whether the table ends at {@code step} (a changing step only; never at 0). */
        boolean segmentEnds(int step) {
            return !constant && step > segmentStart && step - segmentStart >= segmentSteps;
        }

        /**
         * A new table from {@code step}: P_k(t) − P_k(step) for t = step … step + segmentSteps, k = 1 … K (nothing for a
         * constant step).
         */
        void segment(int step) {
            segmentStart = step;
            if (constant) {
                return;
            }
            int count = (int) Math.min(segmentSteps, rates.length - (long) step);
            if (prefix == null) {
                prefix = new double[(int) ((long) terms * (Math.min(segmentSteps, rates.length) + 1))];
            }
            java.util.Arrays.fill(prefix, 0, terms, 0);
            for (int s = 0; s < count; s++) {
                double eta = rates[step + s];
                double power = 1;
                for (int k = 1; k <= terms; k++) {
                    power *= eta;
                    prefix[(s + 1) * terms + k - 1] = prefix[s * terms + k - 1] + power / k;
                }
            }
        }

        /** Π_{a ≤ s < b} (1 − η_s·qⱼ) (a ≤ b, within the current table for a changing step). */
        double over(int j, int a, int b) {
            if (b == a) {
                return 1;
            }
            if (b == a + 1) {
                return constant ? rho[j] : 1 - rates[a] * q[j];
            }
            if (constant) {
                return Math.pow(rho[j], b - a);
            }
            int from = (a - segmentStart) * terms;
            int to = (b - segmentStart) * terms;
            double qj = q[j];
            double sum = 0;
            for (int k = terms - 1; k >= 0; k--) { // Horner: q·(Δ₁ + q·(Δ₂ + …))
                sum = qj * ((prefix[to + k] - prefix[from + k]) + sum);
            }
            return Math.exp(-sum);
        }
    }

    /**
     * The sum of the epoch's averaged iterates θ_t = a_t·v_t + c_t·d (a, c per group of columns; one group in the uniform
     * form), kept in O(the batch's entries) a step: with A = Σ a_t and C = Σ c_t over the averaged steps since the last
     * flush, Σ a_t·v_t = A·v − u, where u gains δⱼ·A (A before the step) whenever vⱼ moves by δⱼ. A flush (before every
     * fold, which rewrites v densely, and at the end) adds A·v − u + C·d to the flushed sum and starts again;
     * {@link #finish} folds the epoch's mean into θ̄ as the running mean over the whole fit. Host float64 throughout.
     */
    private static final class LazyAverage {
        private final double[] u;
        private final double[] sum;
        private final double[] sumA;
        private final double[] sumC;
        private final int[] group;
        private long steps;

        /** For n columns in {@code groups} groups ({@code group}: each column's; null for one). */
        LazyAverage(int n, int groups, int[] group) {
            this.u = new double[n];
            this.sum = new double[n];
            this.sumA = new double[groups];
            this.sumC = new double[groups];
            this.group = group;
        }

        /** vⱼ moved by δ: u gains δ·A of j's group (A over the averaged steps before this one). */
        void moved(int j, double delta) {
            u[j] += delta * sumA[group == null ? 0 : group[j]];
        }

        /** An averaged step's a and c of group g, after the step. */
        void step(int g, double a, double c) {
            sumA[g] += a;
            sumC[g] += c;
        }

        /** One more averaged step (after its groups' {@link #step}). */
        void stepped() {
            steps++;
        }

        /** The sum so far into {@code sum} (A·v − u + C·d per column), u, A and C back to 0: before v is rewritten. */
        void flush(double[] v, double[] d) {
            for (int j = 0; j < v.length; j++) {
                int g = group == null ? 0 : group[j];
                sum[j] += sumA[g] * v[j] - u[j] + sumC[g] * d[j];
                u[j] = 0;
            }
            java.util.Arrays.fill(sumA, 0);
            java.util.Arrays.fill(sumC, 0);
        }

        /**
         * θ̄ after the epoch: with K of its steps averaged and K' before it (the fit's steps from the first averaged one
         * up to the epoch's first), θ̄ ← S/K when K' = 0, else θ̄ + (S − K·θ̄)/(K' + K) (S the epoch's sum); unchanged
         * when K = 0. Writes {@code plan.average()}.
         */
        void finish(StochasticEpoch plan, double[] v, double[] d) {
            if (steps == 0) {
                return;
            }
            flush(v, d);
            long before = Math.max(0, plan.firstStep() - (plan.averageFrom() - 1));
            double[] out = new double[sum.length];
            double[] average = plan.average();
            if (before == 0) {
                for (int j = 0; j < out.length; j++) {
                    out[j] = sum[j] / steps;
                }
            } else {
                double total = (double) before + steps;
                for (int j = 0; j < out.length; j++) {
                    out[j] = average[j] + (sum[j] - steps * average[j]) / total;
                }
            }
            System.arraycopy(out, 0, average, 0, out.length);
        }
    }

    /** θ = a·v + c·d and x̄ᵀv. */
    private static final class State {
        final double[] v;
        final double[] d;
        final double[] mean;
        double a = 1;
        double c;
        double xv;

        State(double[] v, double[] d, double[] mean) {
            this.v = v;
            this.d = d;
            this.mean = mean;
            recount();
        }

        double[] materialized() {
            double[] theta = new double[v.length];
            for (int j = 0; j < v.length; j++) {
                theta[j] = a * v[j] + c * d[j];
            }
            return theta;
        }

        /** v ← θ, a = 1, c = 0. */
        void fold() {
            for (int j = 0; j < v.length; j++) {
                v[j] = a * v[j] + c * d[j];
            }
            a = 1;
            c = 0;
            recount();
        }

        void recount() {
            xv = 0;
            if (mean != null) {
                for (int j = 0; j < v.length; j++) {
                    xv += mean[j] * v[j];
                }
            }
        }
    }

    /**
     * The epoch's batches in order: the training rows' positions, fetched {@link StochasticEpoch#BLOCK_POSITIONS} (a
     * multiple of B) at a time, B rows a batch (the epoch's last may be shorter).
     */
    private static final class Batches {
        private final StochasticEpoch plan;
        private final long train;
        private final int batch;
        private final int block;
        private final long[] order;
        private final long lastBatchStart;
        private long blockStart;
        private int taken;
        private int from;
        private int size;
        private boolean started;

        Batches(StochasticEpoch plan) {
            this.plan = plan;
            this.train = plan.rows().train();
            this.batch = Math.toIntExact(plan.batchSize());
            this.block = (int) ((long) batch * Math.max(1, StochasticEpoch.BLOCK_POSITIONS / batch));
            this.order = new long[(int) Math.min(block, train)];
            this.lastBatchStart = (train - 1) / batch * batch;
        }

        /** The most rows a batch has. */
        int capacity() {
            return (int) Math.min(batch, train);
        }

        /** Moves to the next batch; false after the last. */
        boolean next() {
            if (!started) {
                started = true;
                if (train <= 0) {
                    return false;
                }
                load(0);
            } else {
                from += batch;
                if (from >= taken) {
                    if (blockStart + block >= train) {
                        return false;
                    }
                    load(blockStart + block);
                }
            }
            size = (int) Math.min(taken, (long) from + batch) - from;
            return true;
        }

        private void load(long start) {
            blockStart = start;
            taken = (int) Math.min(block, train - start);
            plan.rows().training(start, order, 0, taken);
            from = 0;
        }

        /** The current batch's rows. */
        int size() {
            return size;
        }

        /** Row r of the current batch (0 ≤ r &lt; {@link #size}). */
        long row(int r) {
            return order[from + r];
        }

        /** Whether the current batch is the epoch's last. */
        boolean last() {
            return blockStart + from == lastBatchStart;
        }
    }

    /** A batch's entries, appended row after row (grows as needed). */
    private static final class Buffer {
        int[] columns = new int[1024];
        double[] values = new double[1024];
        int size;

        void clear() {
            size = 0;
        }

        void reserve(int more) {
            if (size + more > columns.length) {
                int capacity = Math.max(size + more, 2 * columns.length);
                columns = java.util.Arrays.copyOf(columns, capacity);
                values = java.util.Arrays.copyOf(values, capacity);
            }
        }
    }

    /** Random access to rows of the host CSR, y and the weights: buffer views where the arrays fit one, else bulk copies. */
    private static final class Rows {
        private final CsrMatrix x;
        private final Pointer valuesPointer;
        private final Pointer yPointer;
        private final DoublePointer weightsPointer;
        private final boolean float64;
        private final LongBuffer pointers;
        private final IntBuffer columns;
        private final DoubleBuffer doubles;
        private final FloatBuffer floats;
        private final DoubleBuffer yDoubles;
        private final FloatBuffer yFloats;
        private final DoubleBuffer weights;
        private float[] scratch = new float[0];

        Rows(CsrMatrix x, Pointer values, Pointer y, DoublePointer weights, Precision precision, boolean views) {
            this.x = x;
            this.valuesPointer = values;
            this.yPointer = y;
            this.weightsPointer = weights;
            this.float64 = precision == Precision.FLOAT64;
            long m = x.rows();
            long nnz = x.nonZeros();
            int size = float64 ? 8 : 4;
            this.pointers = views && fits(m + 1, 8) ? bytes(x.rowPointers(), m + 1, 8).asLongBuffer() : null;
            boolean entries = views && fits(nnz, 4) && fits(nnz, size) && nnz > 0;
            this.columns = entries ? bytes(x.columnIndices(), nnz, 4).asIntBuffer() : null;
            this.doubles = entries && float64 ? bytes(values, nnz, 8).asDoubleBuffer() : null;
            this.floats = entries && !float64 ? bytes(values, nnz, 4).asFloatBuffer() : null;
            boolean targets = views && fits(m, size) && m > 0;
            this.yDoubles = targets && float64 ? bytes(y, m, 8).asDoubleBuffer() : null;
            this.yFloats = targets && !float64 ? bytes(y, m, 4).asFloatBuffer() : null;
            this.weights = weights != null && views && fits(m, 8) && m > 0 ? bytes(weights, m, 8).asDoubleBuffer() : null;
        }

        private static boolean fits(long count, int size) {
            return count * size <= Integer.MAX_VALUE;
        }

        /** The {@code count} elements of {@code size} bytes from p's position, as a native-order byte buffer. */
        private static java.nio.ByteBuffer bytes(Pointer p, long count, int size) {
            BytePointer b = new BytePointer(p);
            b.position(p.position() * size).limit(p.position() * size + count * size);
            return b.asByteBuffer().order(ByteOrder.nativeOrder());
        }

        /** Appends row i's column indices and values (widened to double) to {@code out}. */
        void append(long i, Buffer out) {
            long from = pointers != null ? pointers.get((int) i) : x.rowPointers().get(i);
            long to = pointers != null ? pointers.get((int) i + 1) : x.rowPointers().get(i + 1);
            int count = (int) (to - from);
            out.reserve(count);
            int at = out.size;
            if (columns != null) {
                int f = (int) from;
                for (int e = 0; e < count; e++) {
                    out.columns[at + e] = columns.get(f + e);
                    out.values[at + e] = doubles != null ? doubles.get(f + e) : floats.get(f + e);
                }
            } else if (count > 0) {
                x.columnIndices().position(from).get(out.columns, at, count);
                x.columnIndices().position(0);
                if (float64) {
                    ((DoublePointer) valuesPointer).position(from).get(out.values, at, count);
                } else {
                    if (scratch.length < count) {
                        scratch = new float[count];
                    }
                    ((FloatPointer) valuesPointer).position(from).get(scratch, 0, count);
                    for (int e = 0; e < count; e++) {
                        out.values[at + e] = scratch[e];
                    }
                }
                valuesPointer.position(0);
            }
            out.size += count;
        }

        double y(long i) {
            if (yDoubles != null) {
                return yDoubles.get((int) i);
            }
            if (yFloats != null) {
                return yFloats.get((int) i);
            }
            return float64 ? ((DoublePointer) yPointer).get(i) : ((FloatPointer) yPointer).get(i);
        }

        double weight(long i) {
            if (weightsPointer == null) {
                return 1;
            }
            return weights != null ? weights.get((int) i) : weightsPointer.get(i);
        }
    }

    /**
     * The last batch's gradient at θ before its step, written densely into {@code gradient} (once an epoch):
     * gⱼ = scale·Σᵣ wᵣrᵣ·xᵣⱼ·fⱼ − scale·Σwr·x̄ⱼ (centred: {@code mean} non-null) + λⱼθⱼ ({@code lambda} non-null), f the
     * column factors (1 when null), over the k rows whose entries are {@code starts}' ranges of {@code entries}.
     */
    private static void copyLastBatchGradient(BackendVector gradient, int n, int k, long[] starts, Buffer entries, double scale,
                                              double[] wr, double[] factor, double[] mean, double sumWr, double[] lambda,
                                              double[] lastTheta) {
        double[] g = new double[n];
        for (int r = 0; r < k; r++) {
            for (int e = (int) starts[r]; e < starts[r + 1]; e++) {
                int j = entries.columns[e];
                g[j] += scale * wr[r] * entries.values[e] * (factor == null ? 1 : factor[j]);
            }
        }
        for (int j = 0; j < n; j++) {
            g[j] += (mean != null ? -scale * sumWr * mean[j] : 0) + (lambda != null ? lambda[j] * lastTheta[j] : 0);
        }
        gradient.copyFromHost(g);
    }
}
