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
 * centring enters through the offset x̄ᵀθ − ȳ and the last term). One thread; reads each row's entries once per pass
 * (bulk copies of as many rows as {@value #PIECE} entries hold, pieces of {@value #PIECE} for longer rows). Allocates nothing of length m.
 * Looks at the thread's interrupt flag between blocks of {@value #ROWS} rows ({@link Interrupts}).
 */
public final class SparseExtendedResidual implements ExtendedResidual {
    private static final int PIECE = CsrBlockReader.PIECE;
    private static final int ROWS = CsrBlockReader.ROWS;

    private final CsrMatrix x;
    private final CsrBlockReader reader;
    private final int n;
    /** x̄ and ȳ in double-double ({@link DoubleDoubleMeans#NONE} when uncentred). */
    private final DoubleDoubleMeans means;

    public SparseExtendedResidual(CsrMatrix x, Pointer values, Pointer y, DoublePointer weights, Precision precision, boolean centred) {
        this.x = x;
        this.reader = new CsrBlockReader(x, values, y, weights, precision);
        this.n = Math.toIntExact(x.cols());
        this.means = centred ? means() : DoubleDoubleMeans.NONE;
    }

    /** Σwᵢxᵢ, Σwᵢyᵢ and Σw in double-double, then the quotients. */
    private DoubleDoubleMeans means() {
        double[] sh = new double[n];
        double[] sl = new double[n];
        double[] total = new double[4]; // Σwy (hi, lo), Σw (hi, lo)
        visit((firstPiece, yi, wi, columns, vals, at, count) -> {
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
        return DoubleDoubleMeans.of(sh, sl, n, total[0], total[1], total[2], total[3]);
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
        final double oh = offset[0];
        final double ol = offset[1];
        double[] sh = new double[n];
        double[] sl = new double[n];
        double[] total = new double[2];
        double[] r = new double[2];
        visit((firstPiece, yi, wi, columns, vals, at, count) -> {
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
        }, () -> {
            double rh = r[0] + r[1];
            double rl = r[1] - (rh - r[0]);
            double wi = lastWeight[0];
            double wh = wi * rh;
            double wl = Math.fma(wi, rh, -wh) + wi * rl;
            double s = total[0] + wh;
            double v = s - total[0];
            total[1] += ((total[0] - (s - v)) + (wh - v)) + wl;
            total[0] = s;
        });
        return means.centre(sh, sl, n, total[0], total[1]);
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

    private final double[] lastWeight = new double[1];

    private void visit(PieceVisitor pieces, RowVisitor perRow) {
        visit(pieces, perRow, null, null);
    }

    /**
     * For every row: {@code pieces} over its entries (in pieces), then {@code second} over the same entries again (the
     * row re-read only when it is longer than one piece), then {@code after}; {@code perRow} once per row.
     */
    private void visit(PieceVisitor pieces, RowVisitor perRow, SecondVisitor second, Runnable after) {
        long rows = x.rows();
        long[] pointers = new long[ROWS + 1];
        double[] ys = new double[ROWS];
        double[] ws = new double[ROWS];
        int[] columns = new int[PIECE];
        double[] vals = new double[PIECE];
        for (long first = 0; first < rows; first += ROWS) {
            Interrupts.stopIfInterrupted(); // between blocks of rows: an interrupt stops the pass (FitInterruptedException)
            int count = reader.rows(first, pointers, ys, ws);
            for (int r = 0; r < count; r++) {
                long from = pointers[r];
                long to = pointers[r + 1];
                lastWeight[0] = ws[r];
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
                    after.run();
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
