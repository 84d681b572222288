package dev.downhill.io;

import dev.downhill.Precision;
import java.util.Objects;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A sparse m × n matrix in compressed sparse row (CSR) form, in host off-heap memory this object owns:
 * <ul>
 *   <li>{@code rowPointers}: m + 1 int64 offsets, p₀ = 0 ≤ p₁ ≤ … ≤ p_m = nnz; row i's entries are [pᵢ, pᵢ₊₁);</li>
 *   <li>{@code columns}: nnz int32 column indices in [0, n), strictly increasing within each row (no duplicates);</li>
 *   <li>{@code values}: nnz float32 or float64 values ({@link #precision()}), finite.</li>
 * </ul>
 * The number of non-zeros is an int64: more than 2³¹ entries are allowed (each array is addressed by long offsets);
 * n is below 2³¹. The layout is SciPy's {@code csr_matrix} with sorted indices (SciPy's {@code indptr},
 * {@code indices}, {@code data}) and what cuSPARSE and MKL take as CSR with 0-based indices.
 *
 * <p>Every instance has been validated (by {@link #of} or by the reader that built it): a matrix that breaks any of
 * the rules above is refused with one line naming the row. Ownership: {@link #close()} frees the three arrays
 * (closing twice is harmless); reading from several threads is fine.
 */
public final class CsrMatrix implements AutoCloseable {
    private final long rows;
    private final long cols;
    private final long nonZeros;
    private final Precision precision;
    private LongPointer rowPointers;
    private IntPointer columns;
    private Pointer values;
    /** What else closing frees (the file mapping the arrays are views of), or null. */
    private AutoCloseable owner;

    /** Takes ownership of the three arrays, which {@link #validate} has accepted (readers build these). */
    CsrMatrix(long rows, long cols, Precision precision, LongPointer rowPointers, IntPointer columns, Pointer values) {
        this(rows, cols, precision, rowPointers, columns, values, null);
    }

    /**
     * As above, the arrays being views of memory {@code owner} holds (a file mapping): closing the matrix closes the
     * arrays, then the owner.
     */
    CsrMatrix(long rows, long cols, Precision precision, LongPointer rowPointers, IntPointer columns, Pointer values,
              AutoCloseable owner) {
        this.owner = owner;
        this.rows = rows;
        this.cols = cols;
        this.precision = precision;
        this.rowPointers = rowPointers;
        this.columns = columns;
        this.values = values;
        this.nonZeros = rowPointers.get(rows);
    }

    /**
     * A validated copy of SciPy-style CSR arrays (row pointers, column indices, values) of a {@code rows} × {@code cols}
     * matrix, in {@code precision} (float64 values rounded once to float32 when asked).
     *
     * @throws IllegalArgumentException naming the first broken rule and its row
     */
    public static CsrMatrix of(long[] rowPointers, int[] columnIndices, double[] values, long cols, Precision precision) {
        Objects.requireNonNull(rowPointers, "rowPointers");
        Objects.requireNonNull(columnIndices, "columnIndices");
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(precision, "precision");
        if (rowPointers.length < 1) {
            throw new IllegalArgumentException("CSR row pointers need m + 1 ≥ 1 entries, got none");
        }
        if (columnIndices.length != values.length) {
            throw new IllegalArgumentException("CSR has " + columnIndices.length + " column indices but " + values.length + " values");
        }
        long rows = rowPointers.length - 1L;
        if (rowPointers[rowPointers.length - 1] != columnIndices.length) {
            throw new IllegalArgumentException("CSR row pointers end at " + rowPointers[rowPointers.length - 1] + " but there are "
                    + columnIndices.length + " column indices");
        }
        // the values first: a value outside float32's range is refused before any native memory is taken (the pointers
        // and indices allocated first were left to the garbage collector)
        Pointer v = precision == Precision.FLOAT64 ? new DoublePointer(values) : toFloats(values);
        LongPointer p = null;
        IntPointer c = null;
        try {
            p = new LongPointer(rowPointers);
            c = new IntPointer(columnIndices);
            validate(rows, cols, p, c, v, precision);
            return new CsrMatrix(rows, cols, precision, p, c, v);
        } catch (RuntimeException | Error e) {
            if (p != null) {
                p.close();
            }
            if (c != null) {
                c.close();
            }
            v.close();
            throw e;
        }
    }

    private static FloatPointer toFloats(double[] values) {
        float[] f = new float[values.length];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) values[k];
            if (dev.downhill.internal.Float32Range.lost(values[k])) {
                throw new IllegalArgumentException("CSR value " + k + " (zero-based): " + dev.downhill.internal.Float32Range.problem(values[k])
                        + "; keep the values in float64 or rescale them");
            }
        }
        return new FloatPointer(f);
    }

    /**
     * Checks every CSR rule (see the class comment) over the arrays, in one pass; throws {@link IllegalArgumentException}
     * naming the rule and the row (0-based) that breaks it.
     */
    static void validate(long rows, long cols, LongPointer rowPointers, IntPointer columns, Pointer values, Precision precision) {
        if (rows < 0 || cols < 0 || cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("CSR shape " + rows + " × " + cols + " is not valid (n must be below 2^31)");
        }
        if (rowPointers.get(0) != 0) {
            throw new IllegalArgumentException("CSR row pointers must start at 0, got " + rowPointers.get(0));
        }
        long nnz = rowPointers.get(rows);
        long broken = firstBrokenRow(rows, rowPointers, nnz, Long.MAX_VALUE); // the pointers first: a broken one explains what follows it
        if (broken >= 0) {
            throw new IllegalArgumentException("CSR row " + broken + ": row pointers go from " + rowPointers.get(broken) + " to "
                    + rowPointers.get(broken + 1) + " (they must not decrease, nor pass the " + nnz + " non-zeros)");
        }
        // bulk copies a chunk at a time (one JNI call each), not a native call per element
        long[] pointers = new long[(int) Math.min(CHUNK + 1, rows + 1)];
        int[] cs = new int[CHUNK];
        double[] ds = precision == Precision.FLOAT64 ? new double[CHUNK] : null;
        float[] fs = precision == Precision.FLOAT32 ? new float[CHUNK] : null;
        for (long first = 0; first < rows; first += CHUNK) {
            int count = (int) Math.min(CHUNK, rows - first);
            rowPointers.position(first).get(pointers, 0, count + 1);
            rowPointers.position(0);
            for (int r = 0; r < count; r++) {
                long i = first + r;
                long from = pointers[r];
                long to = pointers[r + 1];
                int previous = -1;
                for (long k = from; k < to; k += CHUNK) {
                    int n = (int) Math.min(CHUNK, to - k);
                    columns.position(k).get(cs, 0, n);
                    columns.position(0);
                    if (ds != null) {
                        ((DoublePointer) values).position(k).get(ds, 0, n);
                    } else {
                        ((FloatPointer) values).position(k).get(fs, 0, n);
                    }
                    values.position(0);
                    for (int e = 0; e < n; e++) {
                        int column = cs[e];
                        if (column < 0 || column >= cols) {
                            throw new IllegalArgumentException("CSR row " + i + ": column index " + column + " is outside [0, " + cols + ")");
                        }
                        if (column <= previous) {
                            throw new IllegalArgumentException("CSR row " + i + ": column index " + column + (column == previous
                                    ? " appears twice" : " follows " + previous + " (indices must be sorted within a row)"));
                        }
                        previous = column;
                        double v = ds != null ? ds[e] : fs[e];
                        if (!Double.isFinite(v)) {
                            throw new IllegalArgumentException("CSR row " + i + ", column " + column + " (zero-based): value " + v + " is not finite");
                        }
                    }
                }
            }
        }
    }

    /**
     * Puts every row in canonical form in place, as SciPy's {@code sum_duplicates()} does: entries sorted by column and
     * duplicates merged by summing their values; rows already canonical are left as they are (moved down when an
     * earlier row shrank). The row pointers must already be monotone (rows whose pointers are not are left for
     * {@link #validate} to report). Returns {rows that were not sorted, entries removed as duplicates}.
     */
    static long[] canonicalize(long rows, LongPointer rowPointers, IntPointer columns, Pointer values, Precision precision) {
        long unsortedRows = 0;
        long removed = 0;
        long nnz = rowPointers.get(rows);
        if (rowPointers.get(0) != 0 || nnz < 0 || firstBrokenRow(rows, rowPointers, nnz, Integer.MAX_VALUE - 8) >= 0) {
            // broken pointers: validate() names them; nothing is changed first (rewriting a row's pointer could hide them)
            return new long[] {0, 0};
        }
        long write = 0;
        long from = 0;
        int[] cs = new int[16];
        double[] ds = new double[16];
        for (long i = 0; i < rows; i++) {
            long to = rowPointers.get(i + 1); // sound: checked above
            int n = (int) (to - from);
            if (cs.length < n) {
                cs = new int[n];
                ds = new double[n];
            }
            if (n > 0) {
                columns.position(from).get(cs, 0, n);
                columns.position(0);
                read(values, precision, from, ds, n);
            }
            boolean canonical = true;
            for (int e = 1; e < n && canonical; e++) {
                canonical = cs[e] > cs[e - 1];
            }
            int kept = n;
            if (!canonical) {
                unsortedRows++;
                Integer[] order = new Integer[n];
                for (int e = 0; e < n; e++) {
                    order[e] = e;
                }
                final int[] c = cs;
                java.util.Arrays.sort(order, (a, b) -> Integer.compare(c[a], c[b]));
                int[] sc = new int[n];
                double[] sv = new double[n];
                kept = 0;
                for (int e = 0; e < n; e++) {
                    int k = order[e];
                    if (kept > 0 && sc[kept - 1] == cs[k]) {
                        sv[kept - 1] += ds[k];
                    } else {
                        sc[kept] = cs[k];
                        sv[kept] = ds[k];
                        kept++;
                    }
                }
                removed += n - kept;
                System.arraycopy(sc, 0, cs, 0, kept);
                System.arraycopy(sv, 0, ds, 0, kept);
            }
            if (!canonical || write != from) {
                if (kept > 0) {
                    columns.position(write).put(cs, 0, kept);
                    columns.position(0);
                    write(values, precision, write, ds, kept);
                }
            }
            write += kept;
            from = to;
            rowPointers.put(i + 1, write);
        }
        return new long[] {unsortedRows, removed};
    }

    /**
     * The first row whose pointers fall, pass nnz or span more than {@code longestRow} entries (canonicalize's limit: a
     * row a Java array can hold), or −1 when every row's are sound.
     */
    private static long firstBrokenRow(long rows, LongPointer rowPointers, long nnz, long longestRow) {
        long[] pointers = new long[(int) Math.min(CHUNK + 1, rows + 1)];
        for (long first = 0; first < rows; first += CHUNK) {
            int count = (int) Math.min(CHUNK, rows - first);
            rowPointers.position(first).get(pointers, 0, count + 1);
            rowPointers.position(0);
            for (int r = 0; r < count; r++) {
                long from = pointers[r];
                long to = pointers[r + 1];
                if (to < from || to > nnz || to - from > longestRow) {
                    return first + r;
                }
            }
        }
        return -1;
    }

    private static void read(Pointer values, Precision precision, long at, double[] into, int n) {
        if (precision == Precision.FLOAT64) {
            ((DoublePointer) values).position(at).get(into, 0, n);
        } else {
            float[] f = new float[n];
            ((FloatPointer) values).position(at).get(f, 0, n);
            for (int e = 0; e < n; e++) {
                into[e] = f[e];
            }
        }
        values.position(0);
    }

    private static void write(Pointer values, Precision precision, long at, double[] from, int n) {
        if (precision == Precision.FLOAT64) {
            ((DoublePointer) values).position(at).put(from, 0, n);
        } else {
            float[] f = new float[n];
            for (int e = 0; e < n; e++) {
                f[e] = (float) from[e];
            }
            ((FloatPointer) values).position(at).put(f, 0, n);
        }
        values.position(0);
    }

    /** Elements copied to the heap at a time while validating. */
    private static final int CHUNK = 1 << 14;

    /** m. */
    public long rows() {
        return rows;
    }

    /** n. */
    public long cols() {
        return cols;
    }

    /** The number of stored entries, p_m. */
    public long nonZeros() {
        return nonZeros;
    }

    /** float32 or float64 values. */
    public Precision precision() {
        return precision;
    }

    /**
     * The m + 1 row pointers (host off-heap memory owned by this matrix; valid until it is closed). Each call returns a new
     * view of that memory, so moving its position (JavaCPP's {@code p.position(k).get()}) moves nobody else's — neither the
     * matrix's nor another thread's — and closing it frees nothing (the matrix owns the memory).
     */
    public LongPointer rowPointers() {
        ensureOpen();
        return dev.downhill.internal.OffHeapViews.unowned(rowPointers);
    }

    /** The nnz column indices (host off-heap memory owned by this matrix): a new view each call, as {@link #rowPointers()}. */
    public IntPointer columnIndices() {
        ensureOpen();
        return dev.downhill.internal.OffHeapViews.unowned(columns);
    }

    /**
     * The nnz values: a {@link DoublePointer} for float64, a {@link FloatPointer} for float32 (owned by this matrix): a new
     * view each call, as {@link #rowPointers()}.
     */
    public Pointer values() {
        ensureOpen();
        return dev.downhill.internal.OffHeapViews.unowned(values);
    }

    /** Bytes of the three arrays: 8(m+1) + nnz·(4 + value bytes). */
    public long bytes() {
        return 8 * (rows + 1) + nonZeros * (4L + precision.bytes());
    }

    /** Element (i, j): the stored value, or 0 (a binary search of row i; for tests and small lookups). */
    public double get(long i, long j) {
        ensureOpen();
        if (i < 0 || i >= rows || j < 0 || j >= cols) {
            throw new IndexOutOfBoundsException("(" + i + ", " + j + ") outside " + rows + " × " + cols);
        }
        long lo = rowPointers.get(i);
        long hi = rowPointers.get(i + 1) - 1;
        while (lo <= hi) {
            long mid = (lo + hi) >>> 1;
            int c = columns.get(mid);
            if (c == j) {
                return precision == Precision.FLOAT64 ? ((DoublePointer) values).get(mid) : ((FloatPointer) values).get(mid);
            }
            if (c < j) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return 0;
    }

    private void ensureOpen() {
        if (rowPointers == null) {
            throw new IllegalStateException("the CSR matrix is closed");
        }
    }

    @Override
    public void close() {
        if (rowPointers != null) {
            rowPointers.close();
            columns.close();
            values.close();
            rowPointers = null;
            columns = null;
            values = null;
            if (owner != null) {
                try {
                    owner.close();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot release the CSR matrix's memory: " + e.getMessage(), e);
                }
                owner = null;
            }
        }
    }

    /** Whether the column indices and values are views of a mapped file ({@link NpzReader#mapCsr}) rather than memory. */
    public boolean isMapped() {
        return owner != null;
    }

    @Override
    public String toString() {
        return rows + " × " + cols + " CSR, " + nonZeros + " non-zeros, " + precision.name().toLowerCase(java.util.Locale.ROOT);
    }
}
