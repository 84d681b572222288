package dev.downhill.spi;

import dev.downhill.Precision;

/**
 * A dataset loaded into a backend (X and y uploaded once) together with the fused operations
 * the solvers in core are written against. Solvers never see backend memory directly; they
 * hold {@link BackendVector}s and call these operations.
 *
 * <p>The cut: <b>backends stream X, core decides.</b> A backend implements passes over its X — the fused
 * gradient ({@link #gradient}), column moments ({@link #columnStatistics}, {@link #columnMeanSquaredDeviations}),
 * the Gram pass ({@link #crossProducts}), the QR reduction ({@link #qrReduction}), the extended-precision residual
 * ({@link #extendedResidual}) — plus small dense kernels ({@link #denseKernels}). Everything that chooses —
 * centring and scaling, the condition estimate and refusal, the rank, refinement, stopping, the messages users
 * read — lives in core ({@code dev.downhill.internal}, {@code dev.downhill.internal.direct}), once for every
 * backend. Each pass says which buffers it writes and whether its result is in host or backend memory.
 *
 * <p>Lifecycle: made by {@link Backend#load}; reusable for any number of fits; {@link #close()}
 * frees what the backend allocated (closing twice is harmless). A problem may reference the
 * {@link dev.downhill.Dataset}'s memory without copying it (the CPU backend does), so the dataset
 * must stay open while the problem is used.
 *
 * <p>Arguments: core wraps every problem it is given in {@code dev.downhill.internal.CheckedProblem}, which checks the
 * lengths of θ, vectors, column scales, row orders and prediction outputs once for every backend (and caches the
 * column statistics and the extended-residual pass); a backend checks only what it alone can (that a vector is its
 * own kind, its own size limits). Code that drives a raw problem through this SPI must pass well-formed arguments.
 *
 * <p>Thread-safety: one fit at a time per problem; operations are not safe to call concurrently.
 * Determinism: each operation gives bit-identical results for the same inputs, backend and
 * thread count (reductions are combined in float64 in a fixed order).
 */
public interface ResidentProblem extends AutoCloseable {

    /** Name of the backend that holds this problem (e.g. "cpu"). */
    String backendName();

    /** m, the number of rows of X. */
    long rows();

    /** n, the number of columns (features) of X. */
    long cols();

    /** Precision of X, y and every vector of this problem. */
    Precision precision();

    /**
     * Whether the problem carries the per-row sample weights of its dataset ({@link dev.downhill.Dataset#isWeighted()}).
     * When it does, every pass is weighted as its Javadoc says (the gradient, the column statistics, the Gram and
     * QR passes, the extended residual); {@link #predict} is not. A backend that cannot weight must refuse a
     * weighted dataset in {@link Backend#load}, never ignore the weights (core checks this flag against the dataset).
     */
    default boolean weighted() {
        return false;
    }

    /**
     * Σᵢ wᵢ, the normaliser of the weighted objective (1/Σw)Σᵢ wᵢrᵢ² — exactly {@code (double) rows()} when the
     * problem is unweighted. The dataset's {@link dev.downhill.Dataset#weightSum()}.
     */
    default double weightSum() {
        return rows();
    }

    /**
     * What runs this problem, in the backend's words, for people (logs, the demo): e.g. "2 threads, native
     * single-pass kernel (AVX2/FMA)" on the cpu backend, the device and whether X is streamed on cuda. Empty
     * when the backend has nothing to say. (Thread counts and such are backend-specific, so they are not
     * part of the generic SPI.)
     */
    default String description() {
        return "";
    }

    /**
     * The host threads this problem's passes run on, where their count decides the order of the sums (and so the bits
     * of every result): the count the backend resolved from {@link BackendOptions#threads()} (0 there: its default,
     * e.g. every core), not the count asked for. 0 when the backend does not say (it uses no host threads, or their
     * count is not the only thing that decides). A checkpoint's fingerprint compares this count, so that equal effective
     * settings resume (a checkpoint saved with {@code threads(2)} resumes with the default on a 2-core machine); when it
     * is 0, the fingerprint compares the requested count and, for the default, the machine's cores.
     */
    default int hostThreads() {
        return 0;
    }

    /**
     * What decides the order of this problem's sums (and so the bits of every result) besides the data, the settings and
     * {@link #hostThreads()}, in words, or "" when nothing does: on a GPU, the device and its kernels' grid (a fused
     * kernel sized to the device's multiprocessors sums X's rows in as many partials). A checkpoint's fingerprint
     * records it and, where it is not empty, compares it instead of the thread count asked for (which then decides
     * nothing): a checkpoint resumes bit for bit on the same kind of device, and is refused on another.
     */
    default String sumsLayout() {
        return "";
    }

    /** Whether X is held sparse (CSR): the passes visit its stored entries only. */
    default boolean isSparse() {
        return false;
    }

    /** A zero-filled vector of the given length in this problem's memory and precision. */
    BackendVector allocateVector(long length);

    /** Column means and ȳ from one pass (computed once, then cached); weighted means (1/Σw)Σᵢ wᵢxᵢ when {@link #weighted()}. */
    ColumnStatistics columnStatistics();

    /**
     * Per column, (1/m)Σᵢ (Xᵢⱼ − cⱼ)² with c = x̄ when {@code centred}, else 0 (the squared column scale
     * used by standardization), in float64; weighted, (1/Σw)Σᵢ wᵢ(Xᵢⱼ − cⱼ)² with the weighted means. Computed on first use,
     * then cached; returns a copy. Its rounding error must be at most a few times that of a pass after the means (no
     * cancellation): a backend may instead take E[xⱼ²] − x̄ⱼ² from its statistics pass where x̄ⱼ² ≤ E[xⱼ²]/2 for every
     * column (the cpu backend's CSR problem does), since the difference is then at least half of E[xⱼ²].
     */
    double[] columnMeanSquaredDeviations(boolean centred);

    /**
     * R² = (1/m)Σᵢ ‖xᵢ − c‖² = Σⱼ {@link #columnMeanSquaredDeviations}(centred)ⱼ: the mean squared
     * (centred) row norm.
     */
    default double meanSquaredDeviation(boolean centred) {
        double s = 0;
        for (double v : columnMeanSquaredDeviations(centred)) {
            s += v;
        }
        return s;
    }

    /**
     * The row pass: maxᵢ wᵢ·Σⱼ qⱼ(Xᵢⱼ − cⱼ)² over every row of X (wᵢ = 1 unweighted), in float64: the largest weighted
     * squared row norm in the coordinates x ↦ √q∘(x − c) the stochastic solvers step in (c the centre, q the squared column
     * factors). Core bounds the automatic step of SGD and mini-batch with it ({@link dev.downhill.LearningRate#auto()}):
     * no single row may be stepped past its own least-squares hyperplane. Reads X and the weights only.
     *
     * <p>The default returns NaN: the backend has no row pass (core then sizes the step from the mean row norm alone).
     * Backends whose X, or the host dataset it came from, is on the host return {@link HostRowNorms#max} (dense) or
     * {@link SparseHostPasses#maxSquaredRowNorm} (CSR).
     *
     * @param centre         c, n values, or null for 0
     * @param squaredFactors q, n values ≥ 0 (0 drops a column), or null for all ones
     */
    default double maxSquaredRowNorm(double[] centre, double[] squaredFactors) {
        return Double.NaN;
    }

    /**
     * x ← d∘x (elementwise product). Writes {@code x}. The default goes through host memory;
     * backends override it to stay resident.
     */
    default void multiply(BackendVector d, BackendVector x) {
        double[] a = d.copyToHost();
        double[] b = x.copyToHost();
        for (int j = 0; j < b.length; j++) {
            b[j] *= a[j];
        }
        x.copyFromHost(b);
    }

    /** to ← from. Writes {@code to}. The default goes through host memory; backends override it. */
    default void copy(BackendVector from, BackendVector to) {
        to.copyFromHost(from.copyToHost());
    }

    /**
     * The fused gradient: one pass over the selected rows computing
     * <pre>  rᵢ = xᵢᵀθ + (b − τ·yᵢ),   out = s · Σᵢ wᵢ xᵢ rᵢ</pre>
     * (b − τ·yᵢ first, in float64: with an intercept b ≈ τȳ, so for y far from 0 — y ≈ 1e12 + small — it is exact
     * (Sterbenz) and no residual is rounded at ulp(ȳ), which cost the gradient solvers digits in proportion to |ȳ|/noise)
     * and returning Σwᵢrᵢ² and Σwᵢrᵢ from the same pass (float64 accumulation); wᵢ = 1 when the problem is
     * unweighted (and then the pass is exactly the unweighted one: ‖r‖², Σr). Also for slices: each visited row's
     * contribution is multiplied by its weight.
     * With τ = 0 it is the product s·Xᵀ(Xθ + b) used by power iteration.
     *
     * @param theta        θ, length n; read only
     * @param intercept    b, added to every row's prediction
     * @param targetWeight τ, 1 for the gradient, 0 to ignore y
     * @param scale        s, typically 2/(rows visited)
     * @param rows         which rows to visit (a slice's entries are row indices in [0, m))
     * @param out          written: the gradient, length n (previous contents ignored)
     */
    ResidualSums gradient(BackendVector theta, double intercept, double targetWeight, double scale,
                          RowSlice rows, BackendVector out);

    /**
     * One whole epoch of SGD / mini-batch SGD in one call: every batch of {@code epoch} (its rows from the counter-based
     * sampler, its step sizes, centring, column factors, scaling and penalties — {@link StochasticEpoch} states the
     * arithmetic of one batch), run where X is. The default runs {@link StochasticEpoch#runPerBatch}: one
     * {@link #gradient} call on a {@link RowSlice} per batch, which is also the reference an override must reproduce
     * bit for bit on the same backend and thread count (the cpu backend runs it as one native loop; the sampler's
     * Feistel network ported). Writes θ and {@code gradient} (the last batch's gradient plus λ∘θ, before S²), and with
     * {@link StochasticEpoch#average()} the running mean θ̄ after every step ({@link StochasticEpoch#averageStep}): an
     * override that cannot average must run the default for such a plan, never ignore it.
     *
     * @return Σ over batches of the batch's Σwr² (added in batch order) and the number of steps taken
     */
    default StochasticEpoch.EpochSums epoch(StochasticEpoch epoch, BackendVector theta, BackendVector gradient) {
        return StochasticEpoch.runPerBatch(this, epoch, theta, gradient);
    }

    /**
     * The prediction pass: ŷᵢ = xᵢᵀθ + b for every row i of this problem's X, each a dot product accumulated
     * in float64 (whatever the problem's precision), written as float64 to host memory. Runs where X is: on
     * the backend's threads (cpu), on the device (cuda), as ND4J ops (nd4j). Reads X only.
     *
     * @param theta     θ, length n, on the host (read only)
     * @param intercept b
     * @param out       written: {@link #rows()} float64 values from its position, in host (off-heap) memory;
     *                  m may exceed 2³¹
     */
    void predict(double[] theta, double intercept, org.bytedeco.javacpp.DoublePointer out);

    /** y ← y + α·x (the step θ ← θ − η·g is {@code axpy(-η, g, θ)}). Writes {@code y}. */
    void axpy(double alpha, BackendVector x, BackendVector y);

    /** x ← α·x. Writes {@code x}. */
    void scale(double alpha, BackendVector x);

    /** xᵀy, accumulated in float64. */
    double dot(BackendVector x, BackendVector y);

    // ------------------------------------------------------------------ passes for the direct solvers
    // Core's direct solvers (dev.downhill.internal.direct) make every decision — scaling, the condition
    // estimate and refusal, the rank, refinement, messages; backends only stream X for them.

    /**
     * The Gram pass: G = X_cᵀX_c and c = X_cᵀy_c accumulated in float64 by row blocks, with X_c, y_c centred by
     * {@link #columnStatistics()} when {@code centred}, else X, y; weighted, G = X_cᵀWX_c and c = X_cᵀWy_c. Host result; memory n² doubles on the host
     * (and wherever the backend accumulates). Reads X and y only.
     */
    CrossProducts crossProducts(boolean centred);

    /**
     * The Gram pass for the normal-equations solver: G and c as {@link #crossProducts} computes them, left where the pass
     * computed them and factored there ({@link GramSystem}). {@code float32Products} lets the backend form G from X_c
     * rounded to float32 (float32 products summed in float32 over row blocks, the blocks added in float64) — about twice
     * the speed of the float64 pass on CPUs and GPUs, each entry then accurate to a few float32 ulps of Σ|xᵢⱼxᵢₖ|; the
     * system says which it holds ({@link GramSystem#unitRoundoff()}), and c is as accurate either way. That is for a
     * solver that refines θ with extended-precision residuals and falls back to the float64 pass when refinement does not
     * converge (core's normal-equations solver). The default ignores the permission and copies {@link #crossProducts}
     * into a {@link HostGramSystem} factored by {@link #denseKernels()}; the cpu backend keeps G off the Java heap (no n²
     * copies). The caller closes the result.
     */
    default GramSystem gramSystem(boolean centred, boolean float32Products) {
        return new HostGramSystem(crossProducts(centred), denseKernels());
    }

    /**
     * The QR reduction pass: the triangular factor R of A = [X_c·diag(columnScales) | y_c] in float64
     * (X_c, y_c as in {@link #crossProducts}; weighted, each row of A multiplied by √wᵢ), with Q never formed — by Householder QR of a float64 copy of A,
     * or block by block for tall X (R of [R_previous; next block]). Host result, {@link QrReduction}'s layout.
     * Reads X and y only; the backend's float64 work memory is freed before returning.
     *
     * @param columnScales D, length n (read only)
     * @throws IllegalStateException when the backend cannot hold the float64 work copy (the message says how much)
     */
    QrReduction qrReduction(boolean centred, double[] columnScales);

    /**
     * The rows pass for wide X (m ≤ n): A = [X_c·diag(columnScales) | y_c] in float64 on the host (X_c, y_c as in
     * {@link #qrReduction}; weighted, each row times √wᵢ), or PᵀA for an orthogonal m × m P ({@link WideRows}). For m ≤ n
     * the QR pass's R is as large as A and its 2m²n flops buy nothing the minimum-norm solution needs: core takes A's
     * LQ factorization instead ({@link DenseKernels#lq}). The default returns that R (P = Q, the QR pass); a backend
     * that holds X on the host returns A itself, one copy of X (O(mn)). Reads X and y only.
     *
     * @param columnScales D, length n (read only)
     * @throws IllegalArgumentException when m &gt; n
     * @throws IllegalStateException    when the backend cannot hold the float64 copy (the message says how much)
     */
    default WideRows wideRows(boolean centred, double[] columnScales) {
        if (rows() > cols()) {
            throw new IllegalArgumentException("the rows pass is for wide X: " + rows() + " rows > " + cols() + " columns");
        }
        QrReduction r = qrReduction(centred, columnScales);
        return new WideRows(r.r(), r.rows(), r.cols());
    }

    /**
     * The extended-precision residual pass for iterative refinement ({@link ExtendedResidual}), centred like
     * {@link #crossProducts} when {@code centred} (weighted: X_cᵀW r and the weighted means). Backends whose X (or the host dataset it came from) is on
     * the host return a {@link HostExtendedResidual}.
     */
    ExtendedResidual extendedResidual(boolean centred);

    /**
     * The sketch pass: G = AᵀA (n × n, column-major, both triangles; host memory) for A a CountSketch of a sample of the
     * rows of W^½X_c (X_c centred by {@link #columnStatistics()}' means when {@code centred}, else X): the
     * {@code sketchRows} × n matrix {@link HostRowSketch} defines — each row kept with probability {@code rowRate} and
     * scaled by its inverse root, and every kept row added, with a random sign, into one of {@code sketchRows} buckets
     * chosen by {@link dev.downhill.sampling.CounterBasedSampler#hash} of ({@code seed}, its index). E[G] = X_cᵀWX_c. Core
     * estimates X's condition number from it (for {@link dev.downhill.Solver#AUTO}'s conjugate-gradient trial): a read
     * of the kept rows and O(sketchRows·n) work memory instead of the Gram or QR pass. Reads X only.
     *
     * <p>The default returns null: the backend has no sketch pass (core then makes no decision that needs one). Backends
     * whose X, or the host dataset it came from, is on the host return {@link HostRowSketch#gram}. A partitioned backend may sketch each partition into buckets of its own and hash its rows
     * with a seed of its own (A then stacks the partitions' sketches, and G = Σₚ AₚᵀAₚ: each task returns n² values, as
     * the Gram pass), as long as each row's bucket and sign are a fixed random function of the row.
     */
    default double[] sketchGram(int sketchRows, double rowRate, long seed, boolean centred) {
        return null;
    }

    /** The dense n × n kernels (Cholesky, SVD) the direct solvers use; plain Java unless the backend has better. */
    default DenseKernels denseKernels() {
        return dev.downhill.internal.direct.JavaDenseKernels.INSTANCE;
    }

    @Override
    void close();
}
