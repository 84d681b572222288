package dev.downhill.spi;

import dev.downhill.Precision;
import dev.downhill.io.CsrMatrix;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The extended-precision residual pass ({@link ExtendedResidual}) over a CSR X: with weights wᵢ (all 1 when absent)
 * and, for a centred problem, the weighted means x̄ = Σwᵢxᵢ/Σw, ȳ = Σwᵢyᵢ/Σw carried in double-double,
 * <pre>  rᵢ = (yᵢ − ȳ) − (xᵢ − x̄)ᵀθ,   g = Σᵢ wᵢ rᵢ (xᵢ − x̄) = Σᵢ xᵢ·wᵢrᵢ − x̄·Σᵢ wᵢrᵢ</pre>
 * every product and sum in double-double over the stored entries only (the zeros of X add nothing to xᵢᵀθ, and the
 * centring enters through the offset x̄ᵀθ − ȳ and the last term). One thread, or parts of the rows on the caller's
 * threads (the eight-argument constructor); reads each row's entries once per pass
 * (bulk copies of as many rows as {@value #PIECE} entries hold, pieces of {@value #PIECE} for longer rows). Allocates nothing of length m.
 * Looks at the thread's interrupt flag between blocks of {@value #ROWS} rows ({@link Interrupts}).
 */
public final class SparseExtendedResidual implements ExtendedResidual {
    private static final int PIECE = CsrBlockReader.PIECE;
    private static final int ROWS = CsrBlockReader.ROWS;

    /** The most bytes the parts' double-double accumulators (16 per column each) may take together. */
    private static final long PART_ACCUMULATOR_BYTES = 1L << 26;

    private final CsrMatrix x;
    /** One reader per part (its scratch and views its own). */
    private final CsrBlockReader[] readers;
    /** The parts' rows: part k holds [cuts[k], cuts[k + 1]). */
    private final long[] cuts;
    /** Runs a part for each index in [0, parts), on other threads where it has them, and returns when all have ended. */
    private final java.util.function.Consumer<java.util.function.IntConsumer> runner;
    private final int n;
    /** x̄ and ȳ in double-double ({@link DoubleDoubleMeans#NONE} when uncentred). */
    private final DoubleDoubleMeans means;

    /** The pass on one thread. */
    public SparseExtendedResidual(CsrMatrix x, Pointer values, Pointer y, DoublePointer weights, Precision precision, boolean centred) {
        this(x, values, y, weights, precision, centred, 1, part -> part.accept(0));
    }

    /**
     * The pass on {@code parts} ranges of rows of about equal stored entries (fewer where the rows are fewer, or where
     * the parts' n-length double-double accumulators would pass {@value #PART_ACCUMULATOR_BYTES} bytes), which {@code
     * runner} runs — given a body, it calls it once for each part index in [0, parts) and returns when all have
     * ended (the cpu backend: on its threads). Each part sums into its own accumulators; they are added in part
     * order, so the bits depend on the number of parts, not on the threads or their timing.
     */
    public SparseExtendedResidual(CsrMatrix x, Pointer values, Pointer y, DoublePointer weights, Precision precision, boolean centred,
                                  int parts, java.util.function.Consumer<java.util.function.IntConsumer> runner) {
        this.x = x;
        this.n = Math.toIntExact(x.cols());
        this.runner = java.util.Objects.requireNonNull(runner, "runner");
        long byMemory = Math.max(1, PART_ACCUMULATOR_BYTES / (16L * Math.max(1, n)));
        int count = (int) Math.max(1, Math.min(Math.min(parts, byMemory), Math.max(1, x.rows())));
        this.cuts = cuts(x, count);
        this.readers = new CsrBlockReader[count];
        for (int k = 0; k < count; k++) {
            readers[k] = new CsrBlockReader(x, values, y, weights, precision);
        }
        this.means = centred ? means() : DoubleDoubleMeans.NONE;
    }

    /** Row boundaries of {@code parts} ranges of about equal stored entries (the first row whose pointer reaches k·nnz/parts). */
    private static long[] cuts(CsrMatrix x, int parts) {
        long rows = x.rows();
        long[] cuts = new long[parts + 1];
        cuts[parts] = rows;
        org.bytedeco.javacpp.LongPointer p = new org.bytedeco.javacpp.LongPointer(x.rowPointers());
        long nnz = p.get(rows);
        for (int k = 1; k < parts; k++) {
            long target = nnz / parts * k + nnz % parts * k / parts;
            long lo = cuts[k - 1];
            long hi = rows;
            while (lo < hi) { // the first row i ≥ cuts[k − 1] with pointer[i] ≥ target
                long mid = (lo + hi) >>> 1;
                if (p.get(mid) < target) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            cuts[k] = lo;
        }
        return cuts;
    }

    /** (hi[j], lo[j]) += (bh[j], bl[j]) in double-double, for every j. */
    private static void addInto(double[] hi, double[] lo, double[] bh, double[] bl) {
        for (int j = 0; j < hi.length; j++) {
            double s = hi[j] + bh[j];
            double v = s - hi[j];
            lo[j] += ((hi[j] - (s - v)) + (bh[j] - v)) + bl[j];
            hi[j] = s;
        }
    }

    /** Σwᵢxᵢ, Σwᵢyᵢ and Σw in double-double, then the quotients. */
    private DoubleDoubleMeans means() {
        int parts = readers.length;
        double[][] shs = new double[parts][];
        double[][] sls = new double[parts][];
        double[][] totals = new double[parts][4]; // Σwy (hi, lo), Σw (hi, lo)
        runner.accept(part -> {
            shs[part] = new double[n];
            sls[part] = new double[n];
            meansOfPart(part, shs[part], sls[part], totals[part]);
        });
        double[] t = totals[0];
        for (int k = 1; k < parts; k++) {
            addInto(shs[0], sls[0], shs[k], sls[k]);
            addDoubleDouble(t, 0, totals[k][0], totals[k][1]);
            addDoubleDouble(t, 2, totals[k][2], totals[k][3]);
        }
        return DoubleDoubleMeans.of(shs[0], sls[0], n, t[0], t[1], t[2], t[3]);
    }

    /** (t[at], t[at + 1]) += (hi, lo) in double-double. */
    private static void addDoubleDouble(double[] t, int at, double hi, double lo) {
        double s = t[at] + hi;
        double v = s - t[at];
        t[at + 1] += ((t[at] - (s - v)) + (hi - v)) + lo;
        t[at] = s;
    }

    /** Part {@code part}'s Σwᵢxᵢ into (sh, sl) and its Σwᵢyᵢ and Σw into total. */
    private void meansOfPart(int part, double[] sh, double[] sl, double[] total) {
        visit(part, (firstPiece, yi, wi, columns, vals, at, count) -> {
            for (int e = at; e < at + count; e++) {
                int j = columns[e];
                double p = wi * vals[e];
                double pe = Math.fma(wi, vals[e], -p);
                double s = sh[j] + p;
                double v = s - sh[j];
                sl[j] += ((sh[j] - (s - v)) + (p - v)) + pe;
                sh[j] = s;
            }
        }, (yi, wi) -> {
            addProduct(total, 0, wi, yi);
            addProduct(total, 2, wi, 1);
        });
    }

    /**
     * The column means and ȳ this pass centres with, each the double nearest its double-double value (zeros for an
     * uncentred pass), as {@link HostExtendedResidual#roundedMeans()}.
     */
    public ColumnStatistics roundedMeans() {
        return means.rounded(n);
    }

    /**
     * The low parts of the means this pass centres with — x̄ⱼ − {@link #roundedMeans()}'s x̄ⱼ for each column, then ȳ's
     * (n + 1 values, zeros for an uncentred pass): with the rounded means, the double-double means, for a caller that
     * moves this pass's sums to other means (Spark's partitions, to the global means) to ~106 bits.
     */
    public double[] meanLowParts() {
        return means.lowParts(n);
    }

    @Override
    public double intercept(double[] theta) {
        return means.intercept(theta);
    }

    @Override
    public double[] transposedResidual(double[] theta) {
        double[] offset = means.offset(theta); // x̄ᵀθ − ȳ, so that rᵢ = yᵢ − xᵢᵀθ + offset
        int parts = readers.length;
        double[][] shs = new double[parts][];
        double[][] sls = new double[parts][];
        double[][] totals = new double[parts][2];
        runner.accept(part -> {
            shs[part] = new double[n];
            sls[part] = new double[n];
            residualOfPart(part, theta, offset[0], offset[1], shs[part], sls[part], totals[part]);
        });
        double[] t = totals[0];
        for (int k = 1; k < parts; k++) {
            addInto(shs[0], sls[0], shs[k], sls[k]);
            addDoubleDouble(t, 0, totals[k][0], totals[k][1]);
        }
        return means.centre(shs[0], sls[0], n, t[0], t[1]);
    }

    /** Part {@code part}'s Σᵢ xᵢ·wᵢrᵢ into (sh, sl) and Σᵢ wᵢrᵢ into total, rᵢ = yᵢ + (oh, ol) − xᵢᵀθ. */
    private void residualOfPart(int part, double[] theta, double oh, double ol, double[] sh, double[] sl, double[] total) {
        double[] r = new double[2];
        visit(part, (firstPiece, yi, wi, columns, vals, at, count) -> {
            // r = y + offset − Σ x θ in double-double (one piece of a long row at a time: carried in r)
            if (firstPiece) {
                double ah = oh + yi;
                double v0 = ah - oh;
                r[0] = ah;
                r[1] = ol + ((oh - (ah - v0)) + (yi - v0));
            }
            double ah = r[0];
            double al = r[1];
            for (int e = at; e < at + count; e++) {
                double q = vals[e] * theta[columns[e]];
                double qe = Math.fma(vals[e], theta[columns[e]], -q);
                double s = ah - q;
                double v = s - ah;
                al += ((ah - (s - v)) + (-q - v)) - qe;
                ah = s;
            }
            r[0] = ah;
            r[1] = al;
        }, null, (wi, columns, vals, at, count) -> {
            double rh = r[0] + r[1];
            double rl = r[1] - (rh - r[0]);
            double wh = wi * rh;
            double wl = Math.fma(wi, rh, -wh) + wi * rl;
            for (int e = at; e < at + count; e++) {
                int j = columns[e];
                double q = wh * vals[e];
                double qe = Math.fma(wh, vals[e], -q) + wl * vals[e];
                double s = sh[j] + q;
                double v = s - sh[j];
                sl[j] += ((sh[j] - (s - v)) + (q - v)) + qe;
                sh[j] = s;
            }
        }, wi -> {
            double rh = r[0] + r[1];
            double rl = r[1] - (rh - r[0]);
            double wh = wi * rh;
            double wl = Math.fma(wi, rh, -wh) + wi * rl;
            double s = total[0] + wh;
            double v = s - total[0];
            total[1] += ((total[0] - (s - v)) + (wh - v)) + wl;
            total[0] = s;
        });
    }

    // ---------------------------------------------------------------- row visits

    /** Sees one piece of a row, entries [at, at + count) of the arrays: {@code first} is true for its first piece. */
    private interface PieceVisitor {
        void piece(boolean first, double yi, double wi, int[] columns, double[] values, int at, int count);
    }

    /** Sees one piece of a row again (entries [at, at + count)), after the whole row was visited. */
    private interface SecondVisitor {
        void piece(double wi, int[] columns, double[] values, int at, int count);
    }

    /** Sees a row's target and weight once. */
    private interface RowVisitor {
        void row(double yi, double wi);
    }

    private void visit(int part, PieceVisitor pieces, RowVisitor perRow) {
        visit(part, pieces, perRow, null, null);
    }

    /**
     * For every row of part {@code part}: {@code pieces} over its entries (in pieces), then {@code second} over the same
     * entries again (the row re-read only when it is longer than one piece), then {@code after} with its weight;
     * {@code perRow} once per row.
     */
    private void visit(int part, PieceVisitor pieces, RowVisitor perRow, SecondVisitor second,
                       java.util.function.DoubleConsumer after) {
        CsrBlockReader reader = readers[part];
        long end = cuts[part + 1];
        long[] pointers = new long[ROWS + 1];
        double[] ys = new double[ROWS];
        double[] ws = new double[ROWS];
        int[] columns = new int[PIECE];
        double[] vals = new double[PIECE];
        for (long first = cuts[part]; first < end; first += ROWS) {
            Interrupts.stopIfInterrupted(); // between blocks of rows: an interrupt stops the pass (FitInterruptedException)
            int count = reader.rows(first, end, pointers, ys, ws);
            for (int r = 0; r < count; r++) {
                long from = pointers[r];
                long to = pointers[r + 1];
                if (perRow != null) {
                    perRow.row(ys[r], ws[r]);
                }
                if (to - from <= PIECE) { // with the block's following rows, in one bulk read
                    int at = reader.rowEntries(pointers, r, count, columns, vals);
                    int c = (int) (to - from);
                    pieces.piece(true, ys[r], ws[r], columns, vals, at, c);
                    if (second != null) {
                        second.piece(ws[r], columns, vals, at, c);
                    }
                } else {
                    for (long k = from; k < to; k += PIECE) {
                        int c = (int) Math.min(PIECE, to - k);
                        reader.entries(k, c, columns, vals);
                        pieces.piece(k == from, ys[r], ws[r], columns, vals, 0, c);
                    }
                    if (second != null) {
                        for (long k = from; k < to; k += PIECE) {
                            int c = (int) Math.min(PIECE, to - k);
                            reader.entries(k, c, columns, vals);
                            second.piece(ws[r], columns, vals, 0, c);
                        }
                    }
                }
                if (after != null) {
                    after.accept(ws[r]);
                }
            }
        }
    }

    /** (t[at], t[at+1]) += a·b in double-double. */
    private static void addProduct(double[] t, int at, double a, double b) {
        double p = a * b;
        double pe = Math.fma(a, b, -p);
        double s = t[at] + p;
        double v = s - t[at];
        t[at + 1] += ((t[at] - (s - v)) + (p - v)) + pe;
        t[at] = s;
    }
}
