package dev.downhill.io;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Reads an svmlight / libsvm file (sparse text, {@code label index:value ...}, see
 * {@link SvmLightLine}) into a dense {@link Dataset}: row i of X holds line i's values at their
 * columns and zeros elsewhere; y holds the labels. The number of features n is the largest index
 * in the file (1-based indices: index k is column k−1), or a fixed n given with
 * {@link #withFeatures(long)} (an index beyond it is an error).
 *
 * <p>Dense size limit: densifying can turn a small sparse file into a huge matrix, so before
 * allocating anything the reader checks rows × n × bytes per value against a limit (8 GiB by
 * default, {@link #withDenseLimit(long)}) and fails with a message giving all four numbers.
 *
 * <p>Memory: two passes. The first checks every line's syntax and finds the row count and n
 * (nothing is stored); the second parses the values and writes X row by row, zeros included,
 * into off-heap memory of the exact final size through a buffer of 64 K values. X is never on
 * the Java heap. A regular file must not change between the passes; anything else (a named pipe,
 * {@code /dev/stdin}) is read once, into a temporary copy that both passes read. Precision: float64 by default,
 * float32 on request (each value rounded once, correctly).
 *
 * <p>Errors: {@link MalformedFileException} naming the 1-based line and token for malformed
 * labels, indices, values, non-increasing indices, non-finite values; {@link UncheckedIOException}
 * for I/O; memory of a failed read is freed. Immutable and thread-safe ({@code with*} methods return copies), as long as
 * the callback given to {@link #withIndexBaseReport} is.
 */
public final class SvmLightReader {
    /** Default limit on the dense X: 8 GiB. */
    public static final long DEFAULT_DENSE_LIMIT_BYTES = 8L << 30;

    /** How the indices of a file are numbered. */
    public enum IndexBase {
        /** scikit-learn's rule ({@code zero_based="auto"}): a 0 index anywhere in the file means 0-based, else 1-based. */
        AUTO,
        /** Indices start at 0 (index k is column k). */
        ZERO,
        /** Indices start at 1 (index k is column k − 1); a 0 is an error. */
        ONE
    }

    private final long features;
    private final IndexBase indexBase;
    private final long denseLimitBytes;
    private final Precision precision;
    private final java.util.function.Consumer<IndexBase> numberingReport;

    private SvmLightReader(long features, IndexBase indexBase, long denseLimitBytes, Precision precision,
                           java.util.function.Consumer<IndexBase> numberingReport) {
        this.features = features;
        this.indexBase = indexBase;
        this.denseLimitBytes = denseLimitBytes;
        this.precision = precision;
        this.numberingReport = numberingReport;
    }

    /** n from the file, indices numbered by scikit-learn's rule ({@link IndexBase#AUTO}), 8 GiB dense limit, float64. */
    public static SvmLightReader defaults() {
        return new SvmLightReader(0, IndexBase.AUTO, DEFAULT_DENSE_LIMIT_BYTES, Precision.FLOAT64, base -> { });
    }

    /** Reads {@code file} with the defaults. */
    public static Dataset readDataset(Path file) {
        return defaults().read(file);
    }

    /** A fixed number of features (columns of X); 0 means the largest index in the file. */
    public SvmLightReader withFeatures(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("number of features must be zero (from the file) or more, got " + n);
        }
        return new SvmLightReader(n, indexBase, denseLimitBytes, precision, numberingReport);
    }

    /** Whether indices start at 0 (as scikit-learn's {@code dump_svmlight_file} writes by default) or at 1: forces the numbering. */
    public SvmLightReader withZeroBasedIndices(boolean zeroBased) {
        return withIndexBase(zeroBased ? IndexBase.ZERO : IndexBase.ONE);
    }

    /** How indices are numbered ({@link IndexBase#AUTO} by default). */
    public SvmLightReader withIndexBase(IndexBase base) {
        return new SvmLightReader(features, Objects.requireNonNull(base, "base"), denseLimitBytes, precision, numberingReport);
    }

    /**
     * A reader that tells {@code report} how the indices of each file it reads turned out to be numbered —
     * {@link IndexBase#ZERO} or {@link IndexBase#ONE}, {@link IndexBase#AUTO} resolved by the file's contents — once per
     * read, after the first pass, before X is filled (so a read that fails in its second pass has already reported), on
     * the reading thread. A model keeps it ({@code data.indexBase} in its file), so that a later file is read with the
     * numbering the model was fitted with, whatever indices that file happens to contain.
     */
    public SvmLightReader withIndexBaseReport(java.util.function.Consumer<IndexBase> report) {
        return new SvmLightReader(features, indexBase, denseLimitBytes, precision, Objects.requireNonNull(report, "report"));
    }

    /** The largest dense X, in bytes, the reader will allocate. */
    public SvmLightReader withDenseLimit(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("dense limit must be positive, got " + bytes);
        }
        return new SvmLightReader(features, indexBase, bytes, precision, numberingReport);
    }

    public SvmLightReader withPrecision(Precision precision) {
        return new SvmLightReader(features, indexBase, denseLimitBytes, Objects.requireNonNull(precision, "precision"), numberingReport);
    }

    /** Reads {@code file} into a new dataset the caller owns (and closes). */
    public Dataset read(Path file) {
        try (TextLines.Spool source = TextLines.spool(file)) {
            Shape shape = scan(file, source.path());
            long n = columns(file, shape);
            checkDenseSize(file, shape.rows, n);
            numberingReport.accept(shape.zeroBased ? IndexBase.ZERO : IndexBase.ONE);
            return fill(file, source.path(), shape, n);
        } catch (IOException e) {
            throw ReadFailure.of(file, e);
        }
    }

    /**
     * Reads {@code file} as it is stored, sparse: X in CSR form ({@link CsrMatrix}: the file's index:value pairs,
     * explicit zeros kept) and y, in off-heap memory of the exact final size — never the dense X, never on the Java
     * heap (a file far bigger than the heap reads under {@code -Xmx1g}); the dense size limit does not apply. The
     * caller owns (and closes) the result.
     */
    public SparseData readSparse(Path file) {
        try (TextLines.Spool source = TextLines.spool(file)) {
            Shape shape = scan(file, source.path());
            long n = columns(file, shape);
            if (n > Integer.MAX_VALUE) {
                throw new MalformedFileException(file, n + " features: a sparse X has at most 2^31 − 1 columns");
            }
            numberingReport.accept(shape.zeroBased ? IndexBase.ZERO : IndexBase.ONE);
            return fillSparse(file, source.path(), shape, n);
        } catch (IOException e) {
            throw ReadFailure.of(file, e);
        }
    }

    /** What the first pass learns. */
    private static final class Shape {
        long rows;
        long nonZeros;
        /** Largest column, numbered as the pass parsed (0-based, or raw indices under AUTO until resolved). */
        long maxColumn = -1;
        long maxColumnLine;
        int maxColumnToken;
        boolean sawZeroIndex;
        /** The numbering that applies, once the first pass has seen the whole file. */
        boolean zeroBased;
    }

    /** n: given, or the largest column + 1; checks the file's largest index against a given n. */
    private long columns(Path file, Shape shape) {
        long n = features > 0 ? features : shape.maxColumn + 1;
        if (n == 0) {
            throw new MalformedFileException(file, "no line has any index:value pair, so there are no features; "
                    + "give the number of features explicitly");
        }
        if (shape.maxColumn >= n) {
            throw MalformedFileException.atToken(file, shape.maxColumnLine, shape.maxColumnToken, "index "
                    + (shape.zeroBased ? shape.maxColumn : shape.maxColumn + 1) + " exceeds the " + n + " features given"
                    + (shape.zeroBased ? " (indices are 0-based" + (indexBase == IndexBase.AUTO ? ": the file has an index 0)" : ")")
                    : ""));
        }
        return n;
    }

    /** First pass: syntax of every line, row count, non-zeros, largest column, and the numbering of the indices. */
    private Shape scan(Path file, Path readable) throws IOException {
        Shape shape = new Shape();
        SvmLightLine parsed = new SvmLightLine(file, indexBase != IndexBase.ONE);
        try (BufferedReader in = TextLines.open(readable)) {
            long number = 0;
            for (String line; (line = in.readLine()) != null; ) {
                number++;
                if (!parsed.parse(number == 1 ? TextLines.stripBom(line) : line, number)) {
                    continue;
                }
                shape.rows++;
                shape.nonZeros += parsed.count();
                if (parsed.count() > 0 && parsed.column(0) == 0) {
                    shape.sawZeroIndex = true;
                }
                if (parsed.maxColumn() > shape.maxColumn) {
                    shape.maxColumn = parsed.maxColumn();
                    shape.maxColumnLine = number;
                    shape.maxColumnToken = parsed.token(parsed.count() - 1);
                }
            }
        }
        if (shape.rows == 0) {
            throw new MalformedFileException(file, "the file has no data lines (only blank lines or comments)");
        }
        shape.zeroBased = indexBase == IndexBase.ZERO || indexBase == IndexBase.AUTO && shape.sawZeroIndex;
        if (indexBase == IndexBase.AUTO && !shape.zeroBased && shape.maxColumn >= 0) {
            shape.maxColumn--; // parsed as raw indices; the file turned out 1-based
        }
        return shape;
    }

    private void checkDenseSize(Path file, long rows, long n) {
        long bytes;
        try {
            bytes = Math.multiplyExact(Math.multiplyExact(rows, n), (long) precision.bytes());
        } catch (ArithmeticException e) {
            bytes = Long.MAX_VALUE;
        }
        if (bytes > denseLimitBytes) {
            throw new MalformedFileException(file, "the dense X would be " + rows + " rows × " + n + " features × "
                    + precision.bytes() + " bytes (" + precision.name().toLowerCase(Locale.ROOT) + ") = "
                    + (bytes == Long.MAX_VALUE ? "more than 2^63" : String.valueOf(bytes)) + " bytes ("
                    + gib(bytes) + "), over the limit of " + denseLimitBytes + " bytes (" + gib(denseLimitBytes)
                    + "): read it sparse instead (--sparse on the command line; SvmLightReader.readSparse in the library), "
                    + (precision == Precision.FLOAT64 ? "use float32 (--precision float32; withPrecision), " : "")
                    + "or check its largest feature index (the number of features); in the library only, "
                    + "SvmLightReader.withDenseLimit raises the limit");
        }
    }

    /** Second pass: values into off-heap X (dense, zeros filled) and y. */
    private Dataset fill(Path file, Path readable, Shape shape, long n) throws IOException {
        long rows = shape.rows;
        SvmLightLine parsed = new SvmLightLine(file, shape.zeroBased);
        try (OffHeapAppender x = new OffHeapAppender(precision, rows * n, file, "X");
             OffHeapAppender y = new OffHeapAppender(precision, rows, file, "y");
             BufferedReader in = TextLines.open(readable)) {
            long number = 0;
            for (String line; (line = in.readLine()) != null; ) {
                number++;
                if (!parsed.parse(number == 1 ? TextLines.stripBom(line) : line, number)) {
                    continue;
                }
                if (y.size() == rows) {
                    throw new MalformedFileException(file, number, 0, "more rows than the first pass counted ("
                            + rows + "): did the file change while being read?");
                }
                if (parsed.maxColumn() >= n) {
                    throw new MalformedFileException(file, number, 0, "index beyond the " + n
                            + " features the first pass found: did the file change while being read?");
                }
                y.append(value(parsed, parsed.labelText(), 1));
                long next = 0;
                for (int k = 0; k < parsed.count(); k++) {
                    long column = parsed.column(k);
                    x.appendZeros(column - next);
                    x.append(value(parsed, parsed.valueText(k), parsed.token(k)));
                    next = column + 1;
                }
                x.appendZeros(n - next);
            }
            if (y.size() != rows) {
                throw new MalformedFileException(file, "found " + y.size() + " rows, but the first pass counted " + rows
                        + ": did the file change while being read?");
            }
            return OffHeapAppender.toDataset(x, y, rows, n);
        }
    }

    /** Second pass, sparse: row pointers, column indices and values into off-heap CSR arrays, labels into y. */
    private SparseData fillSparse(Path file, Path readable, Shape shape, long n) throws IOException {
        long rows = shape.rows;
        long nnz = shape.nonZeros;
        SvmLightLine parsed = new SvmLightLine(file, shape.zeroBased);
        try (IndexAppender pointers = new IndexAppender(rows + 1, true, file, "CSR row pointers");
             IndexAppender columns = new IndexAppender(nnz, false, file, "CSR column indices");
             OffHeapAppender values = new OffHeapAppender(precision, nnz, file, "the non-zero values of X");
             OffHeapAppender y = new OffHeapAppender(precision, rows, file, "y");
             BufferedReader in = TextLines.open(readable)) {
            long number = 0;
            pointers.append(0);
            for (String line; (line = in.readLine()) != null; ) {
                number++;
                if (!parsed.parse(number == 1 ? TextLines.stripBom(line) : line, number)) {
                    continue;
                }
                if (y.size() == rows || values.size() + parsed.count() > nnz) {
                    throw new MalformedFileException(file, number, 0, "more rows or values than the first pass counted ("
                            + rows + " rows, " + nnz + " values): did the file change while being read?");
                }
                if (parsed.maxColumn() >= n) {
                    throw new MalformedFileException(file, number, 0, "index beyond the " + n
                            + " features the first pass found: did the file change while being read?");
                }
                y.append(value(parsed, parsed.labelText(), 1));
                for (int k = 0; k < parsed.count(); k++) {
                    columns.append((int) parsed.column(k));
                    values.append(value(parsed, parsed.valueText(k), parsed.token(k)));
                }
                pointers.append(values.size());
            }
            if (y.size() != rows || values.size() != nnz) {
                throw new MalformedFileException(file, "found " + y.size() + " rows and " + values.size() + " values, but the "
                        + "first pass counted " + rows + " and " + nnz + ": did the file change while being read?");
            }
            return SparseData.adopt(rows, n, precision, pointers, columns, values, y);
        }
    }

    private double value(SvmLightLine parsed, String text, int token) {
        double v = DecimalText.parse(text, precision);
        if (!Double.isFinite(v)) {
            throw parsed.error(token, DecimalText.outOfRange(text, precision));
        }
        String lost = DecimalText.belowRange(text, v, precision);
        if (lost != null) {
            throw parsed.error(token, lost);
        }
        return v;
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
