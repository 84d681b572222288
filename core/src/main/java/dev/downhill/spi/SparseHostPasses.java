package dev.downhill.spi;

import dev.downhill.Precision;
import dev.downhill.internal.DoubleDouble;
import dev.downhill.io.CsrMatrix;
import java.util.Arrays;
import java.util.Locale;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The once-per-problem passes of a CSR X in plain Java on the host, for backends whose hot passes run elsewhere (the
 * cuda backend's CSR problem keeps a host copy of X, as the dense cuda problem does for its host passes): the column
 * statistics, the mean squared deviations and the Gram pass, over the stored entries only, in float64, one thread, rows
 * in order (deterministic). The cpu backend has native, threaded versions of the same formulas ({@code CpuCsrProblem});
 * these are their reference in Java.
 *
 * <p>Inputs are borrowed: the matrix's structure, its values in {@code precision} ({@code values}: a {@link DoublePointer}
 * for float64, a {@link FloatPointer} for float32 — which may be a converted copy of the matrix's own values), y in the same
 * precision and the float64 weights (null for all ones). Reads are bulk copies of row blocks.
 */
public final class SparseHostPasses {
    /** Rows per bulk read of the pointers, y and w. */
    private static final int ROWS = CsrBlockReader.ROWS;
    /** Entries per bulk read of the columns and values. */
    private static final int PIECE = CsrBlockReader.PIECE;

    private final CsrMatrix x;
    private final CsrBlockReader reader;
    private final int n;

    public SparseHostPasses(CsrMatrix x, Pointer values, Pointer y, DoublePointer weights, Precision precision) {
        this.x = x;
        this.reader = new CsrBlockReader(x, values, y, weights, precision);
        this.n = Math.toIntExact(x.cols());
    }

    /** What a pass does with (a piece of) row i's entries (columns[e], vals[e] for e < count) and the row's yᵢ and wᵢ. */
    private interface RowVisitor {
        void row(long i, double yi, double wi, int[] columns, double[] vals, int count);
    }

    /**
     * Visits every row in order (an empty row once, with no entries). A row longer than {@value #PIECE} entries is visited
     * in pieces, or read whole when {@code wholeRows} (the Gram pass pairs a row's entries).
     */
    private void visit(RowVisitor visitor, boolean wholeRows) {
        long rows = x.rows();
        long[] pointers = new long[ROWS + 1];
        double[] ys = new double[ROWS];
        double[] ws = new double[ROWS];
        int[] columns = new int[PIECE];
        double[] vals = new double[PIECE];
        int[] heldColumns = new int[PIECE]; // a bulk read of the block's short rows (CsrBlockReader.rowEntries)
        double[] heldVals = new double[PIECE];
        for (long first = 0; first < rows; first += ROWS) {
            Interrupts.stopIfInterrupted(); // between blocks of rows: an interrupt stops the pass (FitInterruptedException)
            int count = reader.rows(first, pointers, ys, ws);
            for (int r = 0; r < count; r++) {
                long from = pointers[r];
                long to = pointers[r + 1];
                if (to - from <= PIECE) { // copied out of the bulk read (no JNI copy a row)
                    int at = reader.rowEntries(pointers, r, count, heldColumns, heldVals);
                    int c = (int) (to - from);
                    System.arraycopy(heldColumns, at, columns, 0, c);
                    System.arraycopy(heldVals, at, vals, 0, c);
                    visitor.row(first + r, ys[r], ws[r], columns, vals, c);
                    continue;
                }
                if (wholeRows) {
                    int length = Math.toIntExact(to - from);
                    int[] c = new int[length];
                    double[] v = new double[length];
                    reader.entries(from, length, c, v);
                    visitor.row(first + r, ys[r], ws[r], c, v, length);
                    continue;
                }
                long k = from;
                do {
                    int c = (int) Math.min(PIECE, to - k);
                    reader.entries(k, c, columns, vals);
                    visitor.row(first + r, ys[r], ws[r], columns, vals, c);
                    k += c;
                } while (k < to);
            }
        }
    }

    /**
     * One pass: the weighted column means x̄ⱼ = Σᵢ wᵢXᵢⱼ / Σw, ȳ = Σᵢ wᵢyᵢ / Σw, Σw, and the mean squares about 0,
     * (1/Σw)Σᵢ (wᵢXᵢⱼ)Xᵢⱼ — the bits of {@link #columnMeanSquaredDeviations}{@code (null, Σw)}, so that a fit that needs only
     * those makes no second pass (all sums float64 in row order; pieces of a long row add the row's yᵢ and wᵢ once).
     *
     * @return the statistics, Σw and the mean squares about 0
     */
    public Statistics columnStatistics() {
        double[] sums = new double[n];
        double[] squares = new double[n];
        double[] totals = new double[2]; // Σwy, Σw
        long[] lastRow = {-1};
        visit((row, yi, wi, columns, vals, count) -> {
            for (int e = 0; e < count; e++) {
                int j = columns[e];
                double v = vals[e];
                double wv = wi * v;
                sums[j] += wv;
                squares[j] += wv * v;
            }
            if (row != lastRow[0]) {
                lastRow[0] = row;
                totals[0] += wi * yi;
                totals[1] += wi;
            }
        }, false);
        for (int j = 0; j < n; j++) {
            sums[j] /= totals[1];
            squares[j] /= totals[1];
        }
        return new Statistics(new ColumnStatistics(sums, totals[0] / totals[1]), totals[1], squares);
    }

    /**
     * The column statistics, Σw and the mean squares about 0 from one pass ({@code meanSquares} is the pass's own array:
     * read only).
     */
    public record Statistics(ColumnStatistics statistics, double weightSum, double[] meanSquares) {
    }

    /**
     * {@link ResidentProblem#maxSquaredRowNorm}: maxᵢ wᵢ·Σⱼ qⱼ(Xᵢⱼ − cⱼ)², each row's sum taken as Σⱼ qⱼcⱼ² + Σ_{stored}
     * (qⱼ(Xᵢⱼ − cⱼ)² − qⱼcⱼ²) (the absent entries' share from the constant) in double-double, each qⱼcⱼ² exact: a column
     * whose mean dwarfs its spread (c = 10⁸, X − c ~ 1) would otherwise cancel the row's sum to rounding noise. One pass,
     * row order.
     *
     * @param center         c (length n), or null for 0
     * @param squaredFactors q (length n, ≥ 0), or null for all ones
     */
    public double maxSquaredRowNorm(double[] center, double[] squaredFactors) {
        double[] qcHi = center == null ? null : new double[n]; // qⱼcⱼ = qcHi + qcLo exactly
        double[] qcLo = center == null ? null : new double[n];
        DoubleDouble constant = new DoubleDouble();
        if (center != null) {
            DoubleDouble qc = new DoubleDouble();
            for (int j = 0; j < n; j++) {
                double q = squaredFactors == null ? 1 : squaredFactors[j];
                qcHi[j] = q * center[j];
                qcLo[j] = Math.fma(q, center[j], -qcHi[j]);
                constant.addProduct(qc.set(qcHi[j], qcLo[j]), center[j]);
            }
        }
        DoubleDouble sum = new DoubleDouble();
        DoubleDouble product = new DoubleDouble();
        double[] state = {-1, 0, 0}; // the current row, its weight, the largest weighted sum so far
        visit((row, yi, wi, columns, vals, count) -> {
            if (row != state[0]) {
                state[2] = Math.max(state[2], state[1] * Math.max(0, sum.value()));
                state[0] = row;
                state[1] = wi;
                sum.set(constant.hi(), constant.lo());
            }
            for (int e = 0; e < count; e++) {
                int j = columns[e];
                double q = squaredFactors == null ? 1 : squaredFactors[j];
                double d = center == null ? vals[e] : vals[e] - center[j];
                sum.add(q * d * d);
                if (center != null) {
                    sum.addProduct(product.set(qcHi[j], qcLo[j]), -center[j]);
                }
            }
        }, false);
        return Math.max(state[2], state[1] * Math.max(0, sum.value()));
    }

    /**
     * Per column, (1/Σw)Σᵢ wᵢ(Xᵢⱼ − cⱼ)² from the stored entries plus cⱼ² times the weight of the rows where Xᵢⱼ is not
     * stored (Σw − Σ_{stored} wᵢ): no cancellation. {@code center} is c (length n), or null for 0.
     *
     * @param weightSum Σw (from {@link #columnStatistics})
     */
    public double[] columnMeanSquaredDeviations(double[] center, double weightSum) {
        double[] c = center == null ? new double[n] : center;
        double[] dev = new double[n];
        double[] storedWeight = new double[n];
        visit((row, yi, wi, columns, vals, count) -> {
            for (int e = 0; e < count; e++) {
                int j = columns[e];
                double d = vals[e] - c[j];
                dev[j] += wi * d * d;
                storedWeight[j] += wi;
            }
        }, false);
        for (int j = 0; j < n; j++) {
            dev[j] = (dev[j] + c[j] * c[j] * Math.max(0, weightSum - storedWeight[j])) / weightSum;
        }
        return dev;
    }

    /**
     * The cells of the n × n float64 Gram matrix a sparse Gram pass accumulates on the Java heap, refused in one line
     * before the pass when they cannot be had: more than a Java array holds, or more bytes (8n²) than the JVM's whole
     * heap ({@link Runtime#maxMemory()}, -Xmx) — a certain OutOfMemoryError, which said neither what needed the memory
     * nor that the data's size does not matter (a Gram matrix of 20,000 columns is 3.2 GB whatever the rows or the
     * precision). A need within -Xmx that the heap's other contents leave no room for still ends in OutOfMemoryError.
     *
     * @throws IllegalStateException naming the columns, the bytes, the heap and the ways out
     */
    public static int gramCells(int n) {
        long cells = (long) n * n;
        String ways = "use the cg solver (gd or nesterov with an l1 term): they need no n × n matrix";
        if (cells > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(String.format(Locale.ROOT, "the Gram matrix of %,d columns (%,d float64 values) does "
                    + "not fit a Java array; %s", n, cells, ways));
        }
        long heap = Runtime.getRuntime().maxMemory();
        if (8 * cells > heap) {
            throw new IllegalStateException(String.format(Locale.ROOT, "the Gram matrix of %,d columns needs %s of Java heap "
                    + "(8n² bytes, whatever the rows or the precision), more than the JVM's %s (-Xmx); raise -Xmx, or %s", n,
                    dev.downhill.internal.ByteSizes.format(8.0 * cells), dev.downhill.internal.ByteSizes.format(heap), ways));
        }
        return (int) cells;
    }

    /**
     * G = XᵀWX and c = XᵀWy from each row's pairs of entries (O(Σᵢ nnzᵢ²) work, n² float64 on the heap), centred by the
     * rank-one downdate G − Σw·x̄x̄ᵀ, c − Σw·x̄ȳ when {@code statistics} is given, the columns where it cancelled
     * recomputed ({@link #recentreCancelled}; as the cpu backend's CSR Gram pass).
     *
     * @param statistics the column statistics and Σw for the centred products, or null for the raw ones
     * @throws IllegalStateException when n² float64 exceed a Java array or the heap ({@link #gramCells})
     */
    public CrossProducts crossProducts(Statistics statistics) {
        double[] g = new double[gramCells(n)];
        double[] c = new double[n];
        visit((row, yi, wi, columns, vals, count) -> {
            for (int a = 0; a < count; a++) {
                int ja = columns[a];
                double wa = wi * vals[a];
                c[ja] += wa * yi;
                long base = (long) ja * n;
                for (int b = a; b < count; b++) {
                    g[(int) (base + columns[b])] += wa * vals[b]; // columns increase along the row: the upper triangle
                }
            }
        }, true);
        if (statistics != null) {
            centre(g, c, statistics.statistics(), statistics.weightSum());
        } else {
            mirrorUpper(g, n);
        }
        return new CrossProducts(g, c);
    }

    /**
     * Centres the raw products of this matrix in place — {@code g} = XᵀWX with only its upper triangle (j ≥ i, row-major
     * n × n) filled, {@code c} = XᵀWy — into X_cᵀWX_c (both halves) and X_cᵀWy_c: the rank-one downdate G − Σw·x̄x̄ᵀ,
     * c − Σw·x̄ȳ, then {@link #recentreCancelled} for the columns where it cancelled. The cpu backend's native Gram pass and
     * {@link #crossProducts} both end here.
     */
    public void centre(double[] g, double[] c, ColumnStatistics statistics, double weightSum) {
        double[] mean = statistics.means();
        double ybar = statistics.targetMean();
        double[] raw = diagonal(g, n);
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                g[i * n + j] -= weightSum * mean[i] * mean[j];
            }
            c[i] -= weightSum * mean[i] * ybar;
        }
        mirrorUpper(g, n);
        recentreCancelled(g, c, raw, mean, ybar);
    }

    /** Copies the upper triangle of the row-major n × n {@code g} into its lower one. */
    private static void mirrorUpper(double[] g, int n) {
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                g[j * n + i] = g[i * n + j];
            }
        }
    }

    /**
     * The refusal of a QR reduction (the svd solver) of a sparse X, one message for every backend and core: it would
     * densify X ({@code nonZeros} −1: not said).
     */
    public static IllegalStateException densifyingQr(long rows, long cols, long nonZeros) {
        double bytes = 8.0 * rows * (cols + 1.0);
        return new IllegalStateException(String.format(Locale.ROOT, "the QR reduction of a sparse X would densify it: %,d × %,d "
                + "float64 is %s%s; use the cg solver (or normal when n is small)", rows, cols,
                dev.downhill.internal.ByteSizes.format(bytes),
                nonZeros < 0 ? "" : String.format(Locale.ROOT, " (X has %,d non-zeros)", nonZeros)));
    }

    /** The diagonal of the n × n row-major {@code g}. */
    private static double[] diagonal(double[] g, int n) {
        double[] d = new double[n];
        for (int j = 0; j < n; j++) {
            d[j] = g[j * n + j];
        }
        return d;
    }

    /**
     * A downdated column keeps at most this share of its raw diagonal: (XᵀWX)ⱼⱼ &gt; {@value} · (X_cᵀWX_c)ⱼⱼ means the
     * downdate cancelled more than three of float64's ~16 digits in that column, and it is recomputed.
     */
    public static final double CANCELLATION_LIMIT = 1024;

    /**
     * Repairs a centred Gram matrix made by the rank-one downdate (G − Σw·x̄x̄ᵀ, c − Σw·x̄ȳ): in a column whose mean is
     * large against its spread the downdate subtracts two nearly equal numbers (a column at 1e7 ± 1 keeps no correct digit
     * of its variance), beyond what the direct solver's refinement can restore. The columns S with
     * (XᵀWX)ⱼⱼ &gt; {@value #CANCELLATION_LIMIT}·Gⱼⱼ (or Gⱼⱼ ≤ 0; {@code rawDiagonal} holds the (XᵀWX)ⱼⱼ) get their row
     * and column of G, and cⱼ, again from the deviations dᵢⱼ = Xᵢⱼ − x̄ⱼ (−x̄ⱼ where Xᵢⱼ is not stored), in one pass:
     * <pre>
     *   G_jk = Σᵢ wᵢ dᵢⱼ Xᵢₖ − x̄ₖ Σᵢ wᵢ dᵢⱼ   (k ∉ S: over the stored Xᵢₖ; both terms small)
     *   G_jk = Σᵢ wᵢ dᵢⱼ dᵢₖ                  (k ∈ S)
     *   c_j  = Σᵢ wᵢ dᵢⱼ (yᵢ − ȳ)
     * </pre>
     * O(m·|S|² + nnz·|S|) work and |S|·n doubles. Writes both halves of the row-major n × n {@code g}; nothing when no
     * column cancelled.
     */
    private void recentreCancelled(double[] g, double[] c, double[] rawDiagonal, double[] mean, double ybar) {
        int[] position = new int[n];
        int s = 0;
        for (int j = 0; j < n; j++) {
            double centred = g[j * n + j];
            boolean cancelled = rawDiagonal[j] > 0 && !(centred * CANCELLATION_LIMIT > rawDiagonal[j]);
            position[j] = cancelled ? s++ : -1;
        }
        if (s == 0) {
            return;
        }
        final int size = s;
        int[] columnsOf = new int[size];
        for (int j = 0; j < n; j++) {
            if (position[j] >= 0) {
                columnsOf[position[j]] = j;
            }
        }
        double[] cross = new double[size * n]; // Σ w dⱼ Xₖ over the stored Xₖ
        double[] deviationSum = new double[size]; // Σ w dⱼ
        double[] inner = new double[size * size]; // Σ w dⱼ dₖ, j, k ∈ S
        double[] rhs = new double[size]; // Σ w dⱼ (y − ȳ)
        double[] d = new double[size];
        visit((row, yi, wi, columns, vals, count) -> {
            for (int t = 0; t < size; t++) {
                d[t] = -mean[columnsOf[t]];
            }
            for (int e = 0; e < count; e++) {
                int p = position[columns[e]];
                if (p >= 0) {
                    d[p] = vals[e] - mean[columns[e]];
                }
            }
            double dy = yi - ybar;
            for (int t = 0; t < size; t++) {
                double wd = wi * d[t];
                deviationSum[t] += wd;
                rhs[t] += wd * dy;
                for (int u = 0; u < size; u++) {
                    inner[t * size + u] += wd * d[u];
                }
                int base = t * n;
                for (int e = 0; e < count; e++) {
                    cross[base + columns[e]] += wd * vals[e];
                }
            }
        }, true);
        double noise = 4.0 * x.rows() * Math.ulp(1.0);
        for (int t = 0; t < size; t++) {
            int j = columnsOf[t];
            // a constant column's deviations are its mean's rounding error (a row-order sum of m values: up to ~m·ε of
            // the mean, not 0): a diagonal at that noise level (Σw·d² ≤ (4mε)²·Σw·x²) is the constant it is, exactly 0 —
            // else the solver took it for a real column and scaled the noise into θⱼ ≈ 1e9 (a reviewer's 0.1 in every row)
            boolean constant = !(inner[t * size + t] > noise * noise * rawDiagonal[j]);
            for (int k = 0; k < n; k++) {
                int u = position[k];
                double v = constant ? 0 : u >= 0 ? inner[t * size + u] : cross[t * n + k] - mean[k] * deviationSum[t];
                g[j * n + k] = v;
                g[k * n + j] = v;
            }
            c[j] = constant ? 0 : rhs[t];
        }
    }


    /**
     * A new off-heap copy of {@code count} values of {@code from} (a {@link DoublePointer} or {@link FloatPointer}) in
     * precision {@code to} (float64 → float32 rounds to nearest), in bulk chunks. The caller closes it.
     */
    public static Pointer converted(Pointer from, long count, Precision to) {
        Pointer out = to == Precision.FLOAT64 ? new DoublePointer(Math.max(1, count)) : new FloatPointer(Math.max(1, count));
        int chunk = PIECE;
        double[] d = new double[chunk];
        float[] f = new float[chunk];
        for (long k = 0; k < count; k += chunk) {
            int c = (int) Math.min(chunk, count - k);
            if (from instanceof DoublePointer dp) {
                dp.position(k).get(d, 0, c);
                dp.position(0);
                if (to == Precision.FLOAT64) {
                    ((DoublePointer) out).position(k).put(d, 0, c).position(0);
                } else {
                    for (int e = 0; e < c; e++) {
                        f[e] = (float) d[e];
                    }
                    ((FloatPointer) out).position(k).put(f, 0, c).position(0);
                }
            } else {
                ((FloatPointer) from).position(k).get(f, 0, c);
                from.position(0);
                if (to == Precision.FLOAT32) {
                    ((FloatPointer) out).position(k).put(f, 0, c).position(0);
                } else {
                    for (int e = 0; e < c; e++) {
                        d[e] = f[e];
                    }
                    ((DoublePointer) out).position(k).put(d, 0, c).position(0);
                }
            }
        }
        return out;
    }
}
