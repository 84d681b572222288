package dev.downhill.cpu;

import static org.bytedeco.openblas.global.openblas_full.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasUpper;
import static org.bytedeco.openblas.global.openblas_full.LAPACK_COL_MAJOR;
import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dgeqrf;
import static org.bytedeco.openblas.global.openblas_full.cblas_dgemv;
import static org.bytedeco.openblas.global.openblas_full.cblas_dsyrk;
import static org.bytedeco.openblas.global.openblas_full.cblas_ssyrk;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import dev.downhill.io.HugePages;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.Interrupts;
import dev.downhill.spi.OffHeapAllocation;
import dev.downhill.spi.QrReduction;
import dev.downhill.spi.WideRows;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Locale;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * The passes over X that core's direct solvers need, on OpenBLAS/LAPACK in float64. Centring (when
 * {@code stats} is given) and column scaling are applied while copying row blocks into float64
 * workspace; X itself is never modified. Sample weights (when the dataset has them) enter the same way: each
 * copied row of [X_c | y_c] is multiplied by √wᵢ, so the Gram pass gives X_cᵀWX_c, X_cᵀWy_c and the QR pass the
 * factor of W^½[X_c·D | y_c]. Work memory is off-heap and freed before returning.
 *
 * <p>Interrupts: every pass looks at the calling thread's interrupt flag before each block of rows (and the QR pass
 * again before factoring a block it has copied) and stops with {@link dev.downhill.FitInterruptedException}
 * ({@link Interrupts}), its work memory and the Gram matrix freed; a BLAS or LAPACK call that has started runs to its end.
 */
final class DirectPasses {
    /** Bytes of X converted per block when forming XᵀX. */
    private static final long GRAM_BLOCK_BYTES = 32L << 20;
    /** The QR pass factors X in one piece up to this size, else in row blocks of about {@value #QR_BLOCK_BYTES}. */
    private static final long QR_WHOLE_BYTES = 1L << 30;
    private static final long QR_BLOCK_BYTES = 256L << 20;
    /** Rows transposed at a time into the column-major QR buffer (their row-major source stays in cache). */
    private static final int TILE_ROWS = 64;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DirectPasses.class);

    private DirectPasses() {
    }

    /**
     * G = X_cᵀX_c and c = X_cᵀy_c, G off-heap as {@link OffHeapGramSystem} holds it (the row-major upper triangle, which is
     * the column-major lower one). Float64 X whose column means are small against the columns' spread
     * (x̄ⱼ² ≤ E[xⱼ²]/{@value #DOWNDATE_RATIO} for every j, so at most ~1.2 of float64's digits cancel) is multiplied in
     * place — dsyrk and dgemv straight on X, no copy — and centred afterwards by the rank-one downdate G − m·x̄x̄ᵀ,
     * c − m·x̄ȳ; otherwise rows are centred in float64 blocks first (dsyrk, dgemv per block). Either way the direct
     * solver's refinement takes θ to full accuracy; this only chooses how exact the factorization it refines with is.
     * When the caller already has c (X_cᵀy_c from the means' double-double pass), no dgemv reads X for it.
     * Runs on the calling thread's OpenBLAS thread count; the caller owns (closes) the result.
     *
     * @param centredMoment X_cᵀy_c for the centring {@code stats} give, or null to compute c here
     */
    static OffHeapGramSystem gram(Dataset data, ColumnStatistics stats, double[] centredMoment, int threads) {
        if (centredMoment != null && stats == null) {
            throw new IllegalArgumentException("a centred moment for an uncentred Gram matrix");
        }
        if (data.precision() == Precision.FLOAT64 && !data.isWeighted()) {
            OffHeapGramSystem fast = inPlace(data, stats, centredMoment, threads);
            if (fast != null) {
                return fast;
            }
        }
        return centredBlocks(data, stats, centredMoment, threads);
    }

    /** {@link #gram} copied to the heap with both triangles filled. */
    static CrossProducts crossProducts(Dataset data, ColumnStatistics stats, double[] centredMoment, int threads) {
        try (OffHeapGramSystem system = gram(data, stats, centredMoment, threads)) {
            return system.toHost();
        }
    }

    /** Bytes of float32 rows per block of the float32-product Gram pass (ssyrk runs near its peak on such blocks). */
    private static final long FLOAT32_BLOCK_BYTES = 16L << 20;

    /**
     * G from X_c rounded to float32, as {@link dev.downhill.spi.ResidentProblem#gramSystem(boolean, boolean)} allows:
     * each row block centred in float64 and rounded once to float32 ({@link GramKernels#gram_round_rows}), ssyrk into a
     * float32 n × n sum over the block (β = 0: what the sum's memory held is never read), which is added into the float64
     * G (upper triangle, row-major; the first block's is copied, so G needs no zero fill) — about twice dsyrk's speed, each entry within ~(k + 2)·u₃₂·Σᵢ|xᵢⱼxᵢₗ| for blocks of k rows. c is {@code centredMoment} when
     * centred; uncentred, Xᵀy by dgemv on the float64 rows of each block. Memory: G, one block and one float32 sum.
     * Runs on the calling thread's OpenBLAS thread count; the caller owns (closes) the result.
     *
     * Float32 X is centred in float64 and rounded once the same way (uncentred, it is used as it is).
     *
     * @return the system ({@link OffHeapGramSystem#unitRoundoff()} = u₃₂), or null where this pass does not apply:
     *         weighted data, centred without {@code centredMoment}, float32 data uncentred (c would need a float64
     *         copy), or the native kernels unavailable
     */
    static OffHeapGramSystem float32Products(Dataset data, ColumnStatistics stats, double[] centredMoment, int threads) {
        boolean float32 = data.precision() == Precision.FLOAT32;
        if (data.isWeighted() || (stats != null) != (centredMoment != null) || (float32 && stats == null)
                || !GramKernels.available()) {
            return null;
        }
        int n = Math.toIntExact(data.cols());
        long m = data.rows();
        int blockRows = (int) Math.max(1, Math.min(m, FLOAT32_BLOCK_BYTES / (4L * n)));
        long started = System.nanoTime();
        OffHeapGramSystem system = new OffHeapGramSystem(n, threads, OffHeapGramSystem.FLOAT32_ROUNDOFF, false);
        try (FloatPointer block = HugePages.advise(new FloatPointer((long) blockRows * n));
             FloatPointer sum = HugePages.advise(new FloatPointer((long) n * n));
             DoublePointer mean = stats == null ? null : new DoublePointer(stats.means());
             DoublePointer rhs = centredMoment == null ? new DoublePointer(n) : null) {
            if (rhs != null) {
                DoublePointer.memset(rhs, 0, 8L * n);
            }
            for (long row = 0; row < m; row += blockRows) {
                Interrupts.stopIfInterrupted();
                int rows = (int) Math.min(blockRows, m - row);
                if (float32) {
                    GramKernels.gram_round_rows_float((FloatPointer) OffHeapViews.offset(data.xPointer(), row * n), n, rows, mean,
                            block);
                } else {
                    GramKernels.gram_round_rows((DoublePointer) OffHeapViews.offset(data.xPointer(), row * n), n, rows, mean, block);
                }
                cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, n, rows, 1f, block, n, 0f, sum, n);
                GramKernels.gram_add_upper(n, sum, system.pointer(), row == 0);
                if (rhs != null) { // uncentred float64 data only
                    DoublePointer x = (DoublePointer) OffHeapViews.offset(data.xPointer(), row * n);
                    DoublePointer y = (DoublePointer) OffHeapViews.offset(data.yPointer(), row);
                    cblas_dgemv(CblasRowMajor, CblasTrans, rows, n, 1.0, x, n, y, 1, 1.0, rhs, 1);
                }
            }
            double[] c = centredMoment != null ? centredMoment.clone() : new double[n];
            if (rhs != null) {
                rhs.get(c);
            }
            system.setMoment(c);
            LOG.debug("Gram of float32 products: {} ms", (System.nanoTime() - started) / 1_000_000);
            return system;
        } catch (RuntimeException | Error e) {
            system.close();
            throw e;
        }
    }

    /**
     * Rows per dsyrk call on X in place are a multiple of this: 3·2¹², a multiple of the k-panel depth of OpenBLAS's dsyrk
     * (256, 384 or 512 rows on x86), so that with β = 1 the calls split X's rows into the same panels one call would, and
     * G has the same bits (checked on Haswell kernels for 37 to 1,000 columns).
     */
    static final int IN_PLACE_ROW_UNIT = 3 << 12;
    /** Bytes of X per dsyrk call on X in place, about (one {@link #IN_PLACE_ROW_UNIT} at least): the flag is read between calls. */
    private static final long IN_PLACE_BLOCK_BYTES = 64L << 20;
    /** At most this many rows per dsyrk call on X in place (int sizes): 85 units, just under 2²⁰. */
    private static final long IN_PLACE_MAX_ROWS = (1L << 20) / IN_PLACE_ROW_UNIT * IN_PLACE_ROW_UNIT;
    static final double DOWNDATE_RATIO = 17;

    /**
     * XᵀX and Xᵀy on X itself (Xᵀy only without {@code centredMoment}), then downdated by the means; null when the means
     * are too large for that.
     */
    private static OffHeapGramSystem inPlace(Dataset data, ColumnStatistics stats, double[] centredMoment, int threads) {
        int n = Math.toIntExact(data.cols());
        long m = data.rows();
        long started = System.nanoTime();
        OffHeapGramSystem system = new OffHeapGramSystem(n, threads);
        try {
            DoublePointer gram = system.pointer();
            double[] c;
            long blockRows = inPlaceBlockRows(n);
            try (DoublePointer rhs = centredMoment == null ? new DoublePointer(n) : null) {
                if (rhs != null) {
                    DoublePointer.memset(rhs, 0, 8L * n);
                }
                for (long row = 0; row < m; row += blockRows) {
                    Interrupts.stopIfInterrupted();
                    // the last call takes a short remainder with the block before it (fewer than 2 blocks): OpenBLAS's
                    // last panels are then those of one call
                    int rows = (int) (m - row < 2 * blockRows ? m - row : blockRows);
                    DoublePointer x = (DoublePointer) OffHeapViews.offset(data.xPointer(), row * n);
                    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, rows, 1.0, x, n, 1.0, gram, n);
                    if (rhs != null) {
                        DoublePointer y = (DoublePointer) OffHeapViews.offset(data.yPointer(), row);
                        cblas_dgemv(CblasRowMajor, CblasTrans, rows, n, 1.0, x, n, y, 1, 1.0, rhs, 1);
                    }
                    if (rows != blockRows) {
                        break;
                    }
                }
                c = new double[n];
                if (rhs != null) {
                    rhs.get(c);
                }
            }
            LOG.debug("Gram in place: dsyrk{} {} ms", centredMoment == null ? " and dgemv" : "", (System.nanoTime() - started) / 1_000_000);
            if (stats != null) {
                double[] mean = stats.means();
                for (int j = 0; j < n; j++) {
                    if (!(mean[j] * mean[j] * DOWNDATE_RATIO <= system.upper(j, j) / m)) {
                        system.close();
                        return null;
                    }
                }
                long downdating = System.nanoTime();
                system.downdate(m, mean);
                LOG.debug("Gram in place: downdate {} ms", (System.nanoTime() - downdating) / 1_000_000);
                if (centredMoment == null) {
                    for (int i = 0; i < n; i++) {
                        c[i] -= m * mean[i] * stats.targetMean();
                    }
                }
            }
            system.setMoment(centredMoment != null ? centredMoment.clone() : c);
            return system;
        } catch (RuntimeException | Error e) {
            system.close();
            throw e;
        }
    }

    /**
     * Rows per dsyrk call on X in place for n columns: whole {@link #IN_PLACE_ROW_UNIT}s, about
     * {@value #IN_PLACE_BLOCK_BYTES} bytes of X but at least 16·n rows (each call reads and writes G, n² values: at 16·n
     * rows that costs at most 1/8 of the call's reading of X), and {@link #IN_PLACE_MAX_ROWS} at most.
     */
    static long inPlaceBlockRows(int n) {
        long columns = Math.max(1, n);
        long units = Math.max(IN_PLACE_BLOCK_BYTES / (8L * columns * IN_PLACE_ROW_UNIT),
                (16 * columns + IN_PLACE_ROW_UNIT - 1) / IN_PLACE_ROW_UNIT);
        return Math.min(IN_PLACE_MAX_ROWS, Math.max(1, units) * IN_PLACE_ROW_UNIT);
    }

    /** Tiles of the mirror copy: 64 × 64 doubles read and 64 × 64 written stay in the L1/L2 cache. */
    private static final int MIRROR_TILE = 64;

    /**
     * Copies the upper triangle of the row-major n × n {@code g} into its lower triangle, tile by tile (a plain
     * column-strided copy misses the cache on every write: ~40 ms for n = 2,000).
     */
    static void mirrorUpper(double[] g, int n) {
        for (int ib = 0; ib < n; ib += MIRROR_TILE) {
            int iEnd = Math.min(n, ib + MIRROR_TILE);
            for (int jb = ib; jb < n; jb += MIRROR_TILE) {
                int jEnd = Math.min(n, jb + MIRROR_TILE);
                for (int i = ib; i < iEnd; i++) {
                    for (int j = Math.max(jb, i + 1); j < jEnd; j++) {
                        g[j * n + i] = g[i * n + j];
                    }
                }
            }
        }
    }

    /** G and c from float64 row blocks centred on the way (dsyrk per block, and dgemv without {@code centredMoment}). */
    private static OffHeapGramSystem centredBlocks(Dataset data, ColumnStatistics stats, double[] centredMoment, int threads) {
        int n = Math.toIntExact(data.cols());
        long m = data.rows();
        int blockRows = (int) Math.max(1, Math.min(m, GRAM_BLOCK_BYTES / (8L * n)));
        OffHeapGramSystem system = new OffHeapGramSystem(n, threads);
        try (DoublePointer rhs = new DoublePointer(n);
             DoublePointer block = HugePages.advise(OffHeapAllocation.doubles((long) blockRows * n, String.format(Locale.ROOT,
                     "a float64 block of X for the Gram pass (%,d × %,d)", blockRows, n)));
             DoublePointer targets = new DoublePointer(blockRows)) {
            DoublePointer gram = system.pointer();
            DoublePointer.memset(rhs, 0, 8L * n);
            for (long row = 0; row < m; row += blockRows) {
                Interrupts.stopIfInterrupted();
                int rows = (int) Math.min(blockRows, m - row);
                copyRowMajor(data, stats, row, rows, block, targets);
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, rows, 1.0, block, n, 1.0, gram, n);
                if (centredMoment == null) {
                    cblas_dgemv(CblasRowMajor, CblasTrans, rows, n, 1.0, block, n, targets, 1, 1.0, rhs, 1);
                }
            }
            double[] c = centredMoment != null ? centredMoment.clone() : new double[n];
            if (centredMoment == null) {
                rhs.get(c);
            }
            system.setMoment(c);
            return system;
        } catch (RuntimeException | Error e) {
            system.close();
            throw e;
        }
    }

    /**
     * R of [X_c·D | y_c] by Householder QR (dgeqrf): in one piece when the float64 copy fits
     * {@value #QR_WHOLE_BYTES} bytes, else block by block — each block stacked under the previous R and
     * factored again, so memory is one block plus R.
     */
    static QrReduction qrReduction(Dataset data, ColumnStatistics stats, double[] scales) {
        long m = data.rows();
        int n = Math.toIntExact(data.cols());
        int w = n + 1;
        long blockRows = 8L * m * w <= QR_WHOLE_BYTES ? m : Math.max(4L * w, QR_BLOCK_BYTES / (8L * w));
        blockRows = Math.min(blockRows, m);
        long lda = blockRows + (blockRows < m ? w : 0);
        if (lda * w > Integer.MAX_VALUE || lda > Integer.MAX_VALUE) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "the QR pass needs a float64 block of %,d × %,d beyond LAPACK's 32-bit sizes; use a gradient solver", lda, w));
        }
        int k = 0; // rows of R held at the top of a
        try (DoublePointer a = HugePages.advise(OffHeapAllocation.doubles(lda * w, String.format(Locale.ROOT,
                "the svd solver's float64 copy of X_c and y for the QR pass (%,d × %,d)", lda, w)));
             DoublePointer tau = new DoublePointer(Math.min(lda, w))) {
            for (long row = 0; row < m; row += blockRows) {
                Interrupts.stopIfInterrupted();
                int rows = (int) Math.min(blockRows, m - row);
                copyColumnMajor(data, stats, scales, row, rows, a, k, (int) lda);
                Interrupts.stopIfInterrupted(); // not into dgeqrf after an interrupted copy
                int used = k + rows;
                int info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, used, w, a, (int) lda, tau);
                checkInfo(info, "LAPACKE_dgeqrf");
                k = Math.min(used, w);
                for (int j = 0; j < w; j++) { // Householder vectors below the diagonal of R's rows: zero them
                    DoubleBuffer column = OffHeapViews.doubles(a, (long) j * lda, k);
                    for (int i = j + 1; i < k; i++) {
                        column.put(i, 0);
                    }
                }
            }
            double[] r = new double[k * w];
            for (int j = 0; j < w; j++) {
                DoubleBuffer column = OffHeapViews.doubles(a, (long) j * lda, k);
                for (int i = 0; i <= Math.min(j, k - 1); i++) {
                    r[i + j * k] = column.get(i);
                }
            }
            return new QrReduction(r, k, w);
        }
    }

    /**
     * The rows pass for wide X (m ≤ n): A = [X_c·D | y_c] (weighted, row i times √wᵢ) itself, m × (n+1) column-major on
     * the Java heap — one copy of X, tile by tile as the QR pass copies it, and no factorization ({@link
     * dev.downhill.spi.ResidentProblem#wideRows}). No off-heap work memory.
     *
     * @throws IllegalArgumentException when m &gt; n
     * @throws IllegalStateException    when m·(n+1) exceeds a Java array
     */
    static WideRows wideRows(Dataset data, ColumnStatistics stats, double[] scales) {
        long m = data.rows();
        int n = Math.toIntExact(data.cols());
        if (m > n) {
            throw new IllegalArgumentException("the rows pass is for wide X: " + m + " rows > " + n + " columns");
        }
        long size = m * (n + 1);
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "the rows pass needs a float64 copy of %,d × %,d beyond a Java array's %,d values; use a gradient solver",
                    m, n + 1, Integer.MAX_VALUE - 8));
        }
        int rows = (int) m;
        double[] a = new double[(int) size];
        copyColumnMajor(data, stats, scales, 0, rows, (j, start, count) -> DoubleBuffer.wrap(a, j * rows + start, count).slice());
        return new WideRows(a, rows, n + 1);
    }

    /** Where {@link #copyColumnMajor} writes: {@code count} values of column j of the block, from its row {@code start}. */
    @FunctionalInterface
    private interface ColumnViews {
        DoubleBuffer column(int j, int start, int count);
    }

    /** Rows [row, row+rows) of [X_c·D | y_c] into column-major {@code a} (leading dimension lda) from row {@code top}. */
    private static void copyColumnMajor(Dataset data, ColumnStatistics stats, double[] scales, long row, int rows,
                                        DoublePointer a, int top, int lda) {
        copyColumnMajor(data, stats, scales, row, rows, (j, start, count) -> OffHeapViews.doubles(a, (long) j * lda + top + start, count));
    }

    /** Rows [row, row+rows) of [X_c·D | y_c] into the columns {@code out} views (column n: y_c). */
    private static void copyColumnMajor(Dataset data, ColumnStatistics stats, double[] scales, long row, int rows, ColumnViews out) {
        int n = (int) data.cols();
        double[] means = stats == null ? new double[n] : stats.means();
        double targetMean = stats == null ? 0 : stats.targetMean();
        int chunk = Math.max(1, Math.min(Math.min(rows, TILE_ROWS), OffHeapViews.MAX_WINDOW / Math.max(1, n)));
        for (int start = 0; start < rows; start += chunk) { // tiles of rows: read row-major in cache, write column runs
            Interrupts.stopIfInterrupted(); // a whole X is one block up to 1 GiB: its copy stops between tiles
            int count = Math.min(chunk, rows - start);
            long offset = (row + start) * n;
            java.nio.Buffer in = data.precision() == Precision.FLOAT64
                    ? OffHeapViews.doubles(data.xPointer(), offset, count * n)
                    : OffHeapViews.floats(data.xPointer(), offset, count * n);
            for (int j = 0; j < n; j++) {
                DoubleBuffer column = out.column(j, start, count);
                double mean = means[j];
                double scale = scales[j];
                if (in instanceof DoubleBuffer d) {
                    for (int i = 0; i < count; i++) {
                        column.put(i, (d.get(i * n + j) - mean) * scale);
                    }
                } else {
                    FloatBuffer f = (FloatBuffer) in;
                    for (int i = 0; i < count; i++) {
                        column.put(i, (f.get(i * n + j) - mean) * scale);
                    }
                }
            }
            DoubleBuffer target = out.column(n, start, count);
            for (int i = 0; i < count; i++) {
                target.put(i, data.y(row + start + i) - targetMean);
            }
            if (data.isWeighted()) { // rows scaled by √wᵢ
                DoubleBuffer w = OffHeapViews.doubles(data.weightsPointer(), row + start, count);
                for (int j = 0; j <= n; j++) {
                    DoubleBuffer column = out.column(j, start, count);
                    for (int i = 0; i < count; i++) {
                        column.put(i, column.get(i) * Math.sqrt(w.get(i)));
                    }
                }
            }
        }
    }

    /** Writes rows [row, row+rows) of X (minus x̄ when stats is given) to {@code block} and of y (minus ȳ) to {@code targets}. */
    private static void copyRowMajor(Dataset data, ColumnStatistics stats, long row, int rows, DoublePointer block, DoublePointer targets) {
        int n = (int) data.cols();
        double[] means = stats == null ? null : stats.means();
        double targetMean = stats == null ? 0 : stats.targetMean();
        DoubleBuffer out = OffHeapViews.doubles(block, 0, rows * n);
        DoubleBuffer outY = OffHeapViews.doubles(targets, 0, rows);
        if (data.precision() == Precision.FLOAT64) {
            DoubleBuffer in = OffHeapViews.doubles(data.xPointer(), row * n, rows * n);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < n; j++) {
                    out.put(i * n + j, in.get(i * n + j) - (means == null ? 0 : means[j]));
                }
                outY.put(i, data.y(row + i) - targetMean);
            }
        } else {
            FloatBuffer in = OffHeapViews.floats(data.xPointer(), row * n, rows * n);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < n; j++) {
                    out.put(i * n + j, in.get(i * n + j) - (means == null ? 0 : means[j]));
                }
                outY.put(i, data.y(row + i) - targetMean);
            }
        }
        if (data.isWeighted()) { // rows scaled by √wᵢ
            DoubleBuffer w = OffHeapViews.doubles(data.weightsPointer(), row, rows);
            for (int i = 0; i < rows; i++) {
                double s = Math.sqrt(w.get(i));
                for (int j = 0; j < n; j++) {
                    out.put(i * n + j, out.get(i * n + j) * s);
                }
                outY.put(i, outY.get(i) * s);
            }
        }
    }

    static void checkInfo(int info, String call) {
        if (info != 0) {
            throw new IllegalStateException(call + " failed: info " + info + (info < 0 ? " (argument " + (-info) + " is invalid)" : ""));
        }
    }
}
