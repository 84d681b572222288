package dev.downhill.io;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Reads an svmlight / libsvm file (sparse text, {@code label index:value ...}, see
 * {@link SvmLightLine}) into a dense {@link Dataset}: row i of X holds line i's values at their
 * columns and zeros elsewhere; y holds the labels. The number of features n is the largest index
 * in the file (1-based indices: index k is column k−1), or a fixed n given with
 * {@link #withFeatures(long)} (an index beyond it is an error). {@link #readSparse} keeps X as the file stores it (CSR),
 * and {@link #read(Path, java.util.function.Predicate)} reads it one way or the other as its shape decides.
 *
 * <p>Dense size limit: densifying can turn a small sparse file into a huge matrix, so before
 * allocating anything the reader checks rows × n × bytes per value against a limit (8 GiB by
 * default, {@link #withDenseLimit(long)}) and fails with a message giving all four numbers.
 *
 * <p>Memory: two passes. The first checks every line's syntax and finds the row count and n
 * (nothing is stored); the second parses the values and writes X row by row, zeros included,
 * into off-heap memory of the exact final size through a buffer of 64 K values. X is never on
 * the Java heap. A regular file must not change between the passes; anything else (a named pipe,
 * {@code /dev/stdin}) is read once, into a temporary copy that both passes read. A file of 16 MiB or more is read on
 * every core ({@link #withThreads}): both passes run on ranges of whole lines at once. Precision: float64 by default,
 * float32 on request (each value rounded once, correctly: {@link DecimalText}).
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
    private final java.util.function.Consumer<FileShape> shapeReport;
    /** The threads the passes run on (0: every core). */
    private final int threads;
    /** The least bytes a thread's range of the file holds ({@link TextRanges#MIN_RANGE_BYTES}; tests lower it). */
    private final long rangeBytes;

    private SvmLightReader(long features, IndexBase indexBase, long denseLimitBytes, Precision precision,
                           java.util.function.Consumer<FileShape> shapeReport, int threads, long rangeBytes) {
        this.features = features;
        this.indexBase = indexBase;
        this.denseLimitBytes = denseLimitBytes;
        this.precision = precision;
        this.shapeReport = shapeReport;
        this.threads = threads;
        this.rangeBytes = rangeBytes;
    }

    /** n from the file, indices numbered by scikit-learn's rule ({@link IndexBase#AUTO}), 8 GiB dense limit, float64. */
    public static SvmLightReader defaults() {
        return new SvmLightReader(0, IndexBase.AUTO, DEFAULT_DENSE_LIMIT_BYTES, Precision.FLOAT64, shape -> { }, 0,
                TextRanges.MIN_RANGE_BYTES);
    }

    /** Reads {@code file} with the defaults. */
    public static Dataset readDataset(Path file) {
        return defaults().read(file);
    }

    /**
     * The threads the two passes run on: a regular file of at least 16 MiB (a pipe's spooled copy
     * too, and a gzip or bzip2 file's decompressed copy) is cut into ranges of whole lines, one a thread, each range's rows written to their place in X and
     * y; the result is the one-thread read's, bit for bit. A file with a malformed line (or anything else that fails) is
     * read again on one thread, whose error names the line. Default 0: every core.
     */
    public SvmLightReader withThreads(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (every core) or more, got " + threads);
        }
        return new SvmLightReader(features, indexBase, denseLimitBytes, precision, shapeReport, threads, rangeBytes);
    }

    /** The least bytes of a thread's range (tests cut small files). */
    SvmLightReader withRangeBytes(long bytes) {
        return new SvmLightReader(features, indexBase, denseLimitBytes, precision, shapeReport, threads, bytes);
    }

    /** The cuts of {@code readable} into one range per thread (one range: read on one thread). */
    private long[] cuts(Path readable) throws IOException {
        return TextRanges.cuts(readable, threads > 0 ? threads : Runtime.getRuntime().availableProcessors(), rangeBytes);
    }

    /** A fixed number of features (columns of X); 0 means the largest index in the file. */
    public SvmLightReader withFeatures(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("number of features must be zero (from the file) or more, got " + n);
        }
        return new SvmLightReader(n, indexBase, denseLimitBytes, precision, shapeReport, threads, rangeBytes);
    }

    /** Whether indices start at 0 (as scikit-learn's {@code dump_svmlight_file} writes by default) or at 1: forces the numbering. */
    public SvmLightReader withZeroBasedIndices(boolean zeroBased) {
        return withIndexBase(zeroBased ? IndexBase.ZERO : IndexBase.ONE);
    }

    /** How indices are numbered ({@link IndexBase#AUTO} by default). */
    public SvmLightReader withIndexBase(IndexBase base) {
        return new SvmLightReader(features, Objects.requireNonNull(base, "base"), denseLimitBytes, precision, shapeReport, threads, rangeBytes);
    }

    /**
     * A reader that tells {@code report} how the indices of each file it reads turned out to be numbered —
     * {@link IndexBase#ZERO} or {@link IndexBase#ONE}, {@link IndexBase#AUTO} resolved by the file's contents — once per
     * read, after the first pass, before X is filled (so a read that fails in its second pass has already reported), on
     * the reading thread. A model keeps it ({@code data.indexBase} in its file), so that a later file is read with the
     * numbering the model was fitted with, whatever indices that file happens to contain.
     */
    public SvmLightReader withIndexBaseReport(java.util.function.Consumer<IndexBase> report) {
        Objects.requireNonNull(report, "report");
        return withShapeReport(shape -> report.accept(shape.indexBase()));
    }

    /**
     * A reader that tells {@code report} each file's {@link FileShape} — its numbering (as {@link #withIndexBaseReport},
     * which it replaces, as that replaces it), rows, features and stored entries — once per read, at the same moment.
     */
    public SvmLightReader withShapeReport(java.util.function.Consumer<FileShape> report) {
        return new SvmLightReader(features, indexBase, denseLimitBytes, precision, Objects.requireNonNull(report, "report"), threads, rangeBytes);
    }

    /**
     * What a read found in a file.
     *
     * @param indexBase how its indices are numbered ({@link IndexBase#ZERO} or {@link IndexBase#ONE})
     * @param rows      its rows (lines with a target)
     * @param features  the columns of X read (the file's, or {@link #withFeatures}'s)
     * @param nonZeros  the index:value pairs stored in it (explicit zeros included)
     * @param largestIndexLine the 1-based line of its first largest index (0: no index, or not known)
     */
    public record FileShape(IndexBase indexBase, long rows, long features, long nonZeros, long largestIndexLine) {
        /** A shape without the line of its largest index (0). */
        public FileShape(IndexBase indexBase, long rows, long features, long nonZeros) {
            this(indexBase, rows, features, nonZeros, 0);
        }

        /** nonZeros ÷ (rows·features): the share of X the file stores (1 for an empty X). */
        public double density() {
            double cells = (double) rows * features;
            return cells == 0 ? 1 : nonZeros / cells;
        }
    }

    /** The largest dense X, in bytes, the reader will allocate. */
    public SvmLightReader withDenseLimit(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("dense limit must be positive, got " + bytes);
        }
        return new SvmLightReader(features, indexBase, bytes, precision, shapeReport, threads, rangeBytes);
    }

    public SvmLightReader withPrecision(Precision precision) {
        return new SvmLightReader(features, indexBase, denseLimitBytes, Objects.requireNonNull(precision, "precision"), shapeReport, threads, rangeBytes);
    }

    /** Reads {@code file} into a new dataset the caller owns (and closes). */
    public Dataset read(Path file) {
        return read(file, shape -> false).dense();
    }

    /**
     * Reads {@code file} as it is stored, sparse: X in CSR form ({@link CsrMatrix}: the file's index:value pairs,
     * explicit zeros kept) and y, in off-heap memory of the exact final size — never the dense X, never on the Java
     * heap (a file far bigger than the heap reads under {@code -Xmx1g}); the dense size limit does not apply. The
     * caller owns (and closes) the result.
     */
    public SparseData readSparse(Path file) {
        return read(file, shape -> true).sparse();
    }

    /**
     * Reads {@code file} dense ({@link #read}) or sparse ({@link #readSparse}) as {@code sparse} decides from the file's
     * shape — rows, features and stored values, known after the first pass and before anything is allocated (the
     * command line reads a file sparse when its dense X would take 64 MiB or more of which it stores at most 10 %). The
     * decision may be asked more than once for one file (a read on several threads that falls back to one asks
     * again), so {@code sparse} should only look at the shape. The caller owns (and closes) the result.
     */
    public Read read(Path file, java.util.function.Predicate<FileShape> sparse) {
        Objects.requireNonNull(sparse, "sparse");
        try (TextLines.Spool source = TextLines.spool(file, threads)) {
            long[] cuts = cuts(source.path());
            if (cuts.length > 2) {
                Read d = TextRanges.orOneThread(file, () -> readInRanges(file, source.path(), cuts, sparse));
                if (d != null) {
                    return d;
                }
            }
            Shape shape = scan(file, source.path());
            long n = columns(file, shape);
            if (sparse.test(shape.of(n))) {
                n = sparseColumns(file, shape);
                shapeReport.accept(shape.of(n));
                try (IndexAppender pointers = new IndexAppender(shape.rows + 1, true, file, "CSR row pointers");
                     IndexAppender columns = new IndexAppender(shape.nonZeros, false, file, "CSR column indices");
                     OffHeapAppender values = new OffHeapAppender(precision, shape.nonZeros, file, "the non-zero values of X");
                     OffHeapAppender y = new OffHeapAppender(precision, shape.rows, file, "y");
                     BufferedReader in = TextLines.open(source.path())) {
                    pointers.append(0);
                    fillSparseLines(file, in, true, shape.zeroBased, n, 0, pointers, columns, values, y);
                    return new Read(null, SparseData.adopt(shape.rows, n, precision, pointers, columns, values, y));
                }
            }
            checkDenseSize(file, shape, n);
            shapeReport.accept(shape.of(n));
            try (OffHeapAppender x = new OffHeapAppender(precision, shape.rows * n, file, "X");
                 OffHeapAppender y = new OffHeapAppender(precision, shape.rows, file, "y");
                 BufferedReader in = TextLines.open(source.path())) {
                fillLines(file, in, true, shape.zeroBased, n, x, y);
                return new Read(OffHeapAppender.toDataset(x, y, shape.rows, n), null);
            }
        } catch (IOException e) {
            throw ReadFailure.of(file, e);
        }
    }

    /**
     * What {@link #read(Path, java.util.function.Predicate)} read: a dense dataset or sparse data, exactly one of the two
     * (the other null). Closing it closes that one.
     */
    public static final class Read implements AutoCloseable {
        private final Dataset dense;
        private final SparseData sparse;

        private Read(Dataset dense, SparseData sparse) {
            this.dense = dense;
            this.sparse = sparse;
        }

        /** Whether the file was read sparse. */
        public boolean isSparse() {
            return sparse != null;
        }

        /** The dense dataset, or null when read sparse. */
        public Dataset dense() {
            return dense;
        }

        /** The sparse data, or null when read dense. */
        public SparseData sparse() {
            return sparse;
        }

        @Override
        public void close() {
            if (dense != null) {
                dense.close();
            } else {
                sparse.close();
            }
        }
    }

    /** What the first pass learns (of the file, or of one range of it). */
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
        /** Lines read, blank ones and comments included. */
        long lines;

        /** What the read reports of the whole file, read with {@code features} columns. */
        FileShape of(long features) {
            return new FileShape(zeroBased ? IndexBase.ZERO : IndexBase.ONE, rows, features, nonZeros,
                    maxColumn >= 0 ? maxColumnLine : 0);
        }

        /** This shape (of the ranges before) followed by {@code next} (of the range after them). */
        void add(Shape next) {
            if (next.maxColumn > maxColumn) { // the first line with the largest column, as one pass finds it
                maxColumn = next.maxColumn;
                maxColumnLine = lines + next.maxColumnLine;
                maxColumnToken = next.maxColumnToken;
            }
            rows += next.rows;
            nonZeros += next.nonZeros;
            sawZeroIndex |= next.sawZeroIndex;
            lines += next.lines;
        }
    }

    /** n: given, or the largest column + 1; checks the file's largest index against a given n. */
    private long columns(Path file, Shape shape) {
        long n = features > 0 ? features : shape.maxColumn + 1;
        if (n == 0) {
            throw new MalformedFileException(file, "no line has any index:value pair, so there are no features; "
                    + "give the number of features explicitly (withFeatures; --features N on the command line)");
        }
        if (shape.maxColumn >= n) {
            throw MalformedFileException.atToken(file, shape.maxColumnLine, shape.maxColumnToken, "index "
                    + (shape.zeroBased ? shape.maxColumn : shape.maxColumn + 1) + " exceeds the " + n + " features given"
                    + (shape.zeroBased ? " (indices are 0-based" + (indexBase == IndexBase.AUTO ? ": the file has an index 0)" : ")")
                    : ""));
        }
        return n;
    }

    /** {@link #columns}, at most 2^31 − 1 (a CSR matrix's int32 column indices). */
    private long sparseColumns(Path file, Shape shape) {
        long n = columns(file, shape);
        if (n > Integer.MAX_VALUE) {
            throw new MalformedFileException(file, n + " features: a sparse X has at most 2^31 − 1 columns");
        }
        return n;
    }

    /** First pass: syntax of every line, row count, non-zeros, largest column, and the numbering of the indices. */
    private Shape scan(Path file, Path readable) throws IOException {
        try (BufferedReader in = TextLines.open(readable)) {
            return resolved(file, scanLines(file, in, true));
        }
    }

    /** The first pass over the lines of {@code in} (the file's first lines when {@code fileStart}: a BOM is skipped). */
    private Shape scanLines(Path file, BufferedReader in, boolean fileStart) throws IOException {
        Shape shape = new Shape();
        SvmLightLine parsed = new SvmLightLine(file, indexBase != IndexBase.ONE);
        long number = 0;
        for (String line; (line = in.readLine()) != null; ) {
            number++;
            if (!parsed.parse(fileStart && number == 1 ? TextLines.stripBom(line) : line, number)) {
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
        shape.lines = number;
        return shape;
    }

    /** {@code shape}, the whole file's, with its numbering resolved; refuses a file without data lines. */
    private Shape resolved(Path file, Shape shape) {
        if (shape.rows == 0) {
            throw new MalformedFileException(file, "the file has no data lines (only blank lines or comments)");
        }
        shape.zeroBased = indexBase == IndexBase.ZERO || indexBase == IndexBase.AUTO && shape.sawZeroIndex;
        if (indexBase == IndexBase.AUTO && !shape.zeroBased && shape.maxColumn >= 0) {
            shape.maxColumn--; // parsed as raw indices; the file turned out 1-based
        }
        return shape;
    }

    private void checkDenseSize(Path file, Shape shape, long n) {
        long rows = shape.rows;
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
                    + "or check its largest feature index (the number of features" + largestIndex(shape) + "); in the library only, "
                    + "SvmLightReader.withDenseLimit raises the limit");
        }
    }

    /**
     * Second pass over the lines of {@code in}: values into X (dense, zeros filled, n a row) and y, which must take
     * exactly the rows the lines hold (the first pass counted them).
     */
    private void fillLines(Path file, BufferedReader in, boolean fileStart, boolean zeroBased, long n, OffHeapAppender x,
                           OffHeapAppender y) throws IOException {
        SvmLightLine parsed = new SvmLightLine(file, zeroBased);
        long rows = y.capacity();
        long number = 0;
        for (String line; (line = in.readLine()) != null; ) {
            number++;
            if (!parsed.parse(fileStart && number == 1 ? TextLines.stripBom(line) : line, number)) {
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
            y.append(value(parsed, -1));
            long next = 0;
            for (int k = 0; k < parsed.count(); k++) {
                long column = parsed.column(k);
                x.appendZeros(column - next);
                x.append(value(parsed, k));
                next = column + 1;
            }
            x.appendZeros(n - next);
        }
        if (y.size() != rows) {
            throw new MalformedFileException(file, "found " + y.size() + " rows, but the first pass counted " + rows
                    + ": did the file change while being read?");
        }
    }

    /**
     * Second pass over the lines of {@code in}, sparse: for each row its end (valueBase + the values so far) into
     * pointers, its column indices and values, its label into y, which must take exactly the rows and values the lines
     * hold (the first pass counted them).
     */
    private void fillSparseLines(Path file, BufferedReader in, boolean fileStart, boolean zeroBased, long n, long valueBase,
                                 IndexAppender pointers, IndexAppender columns, OffHeapAppender values, OffHeapAppender y)
            throws IOException {
        SvmLightLine parsed = new SvmLightLine(file, zeroBased);
        long rows = y.capacity();
        long nnz = values.capacity();
        long number = 0;
        for (String line; (line = in.readLine()) != null; ) {
            number++;
            if (!parsed.parse(fileStart && number == 1 ? TextLines.stripBom(line) : line, number)) {
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
            y.append(value(parsed, -1));
            for (int k = 0; k < parsed.count(); k++) {
                columns.append((int) parsed.column(k));
                values.append(value(parsed, k));
            }
            pointers.append(valueBase + values.size());
        }
        if (y.size() != rows || values.size() != nnz) {
            throw new MalformedFileException(file, "found " + y.size() + " rows and " + values.size() + " values, but the "
                    + "first pass counted " + rows + " and " + nnz + ": did the file change while being read?");
        }
    }

    // ------------------------------------------------------------------ both passes on several threads

    /**
     * The first pass on each range, combined in order into the file's shape; {@code firstRow[k]} and {@code firstValue[k]}
     * receive the rows and values of the ranges before range k (and, at k = ranges, the totals).
     */
    private Shape scanInRanges(Path file, Path readable, long[] cuts, long[] firstRow, long[] firstValue) throws Exception {
        List<Shape> shapes = TextRanges.onEachRange(cuts, (k, from, to) -> {
            try (BufferedReader in = TextRanges.open(readable, from, to)) {
                return scanLines(file, in, k == 0);
            }
        });
        Shape shape = new Shape();
        for (int k = 0; k < shapes.size(); k++) {
            shape.add(shapes.get(k));
            firstRow[k + 1] = shape.rows;
            firstValue[k + 1] = shape.nonZeros;
        }
        return resolved(file, shape);
    }

    /**
     * {@link #read(Path, java.util.function.Predicate)} with both passes split over the ranges {@code cuts}: the first
     * pass counts each range's rows and values, the second writes each range's rows into its slice of X (dense, or the
     * CSR arrays) and y (from the rows and values of the ranges before it).
     */
    private Read readInRanges(Path file, Path readable, long[] cuts, java.util.function.Predicate<FileShape> sparse)
            throws Exception {
        long[] firstRow = new long[cuts.length];
        long[] firstValue = new long[cuts.length];
        Shape shape = scanInRanges(file, readable, cuts, firstRow, firstValue);
        long n = columns(file, shape);
        if (sparse.test(shape.of(n))) {
            return new Read(null, fillSparseInRanges(file, readable, cuts, shape, sparseColumns(file, shape), firstRow, firstValue));
        }
        checkDenseSize(file, shape, n);
        try (OffHeapAppender x = new OffHeapAppender(precision, shape.rows * n, file, "X");
             OffHeapAppender y = new OffHeapAppender(precision, shape.rows, file, "y")) {
            TextRanges.onEachRange(cuts, (k, from, to) -> {
                long rows = firstRow[k + 1] - firstRow[k];
                try (BufferedReader in = TextRanges.open(readable, from, to);
                     OffHeapAppender xs = x.slice(firstRow[k] * n, rows * n);
                     OffHeapAppender ys = y.slice(firstRow[k], rows)) {
                    fillLines(file, in, k == 0, shape.zeroBased, n, xs, ys);
                }
                return null;
            });
            x.filledBySlices();
            y.filledBySlices();
            return new Read(reported(OffHeapAppender.toDataset(x, y, shape.rows, n), shape.of(n)), null);
        }
    }

    /** The second pass of a sparse read on the ranges {@code cuts} (see {@link #readInRanges}). */
    private SparseData fillSparseInRanges(Path file, Path readable, long[] cuts, Shape shape, long n, long[] firstRow,
                                          long[] firstValue) throws Exception {
        try (IndexAppender pointers = new IndexAppender(shape.rows + 1, true, file, "CSR row pointers");
             IndexAppender columns = new IndexAppender(shape.nonZeros, false, file, "CSR column indices");
             OffHeapAppender values = new OffHeapAppender(precision, shape.nonZeros, file, "the non-zero values of X");
             OffHeapAppender y = new OffHeapAppender(precision, shape.rows, file, "y")) {
            try (IndexAppender first = pointers.slice(0, 1)) {
                first.append(0);
            }
            TextRanges.onEachRange(cuts, (k, from, to) -> {
                long rows = firstRow[k + 1] - firstRow[k];
                long nnz = firstValue[k + 1] - firstValue[k];
                try (BufferedReader in = TextRanges.open(readable, from, to);
                     IndexAppender ps = pointers.slice(firstRow[k] + 1, rows);
                     IndexAppender cs = columns.slice(firstValue[k], nnz);
                     OffHeapAppender vs = values.slice(firstValue[k], nnz);
                     OffHeapAppender ys = y.slice(firstRow[k], rows)) {
                    fillSparseLines(file, in, k == 0, shape.zeroBased, n, firstValue[k], ps, cs, vs, ys);
                }
                return null;
            });
            pointers.filledBySlices();
            columns.filledBySlices();
            values.filledBySlices();
            y.filledBySlices();
            return reported(SparseData.adopt(shape.rows, n, precision, pointers, columns, values, y), shape.of(n));
        }
    }

    /**
     * {@code result}, once the numbering has been reported: the ranged read reports after everything else has succeeded,
     * so that a read that falls back to one thread reports once, there. A report that throws ends the read (the result
     * freed) with its exception, passed through {@link TextRanges#orOneThread}: it is not a failure of the ranges to
     * read again, which called the report a second time.
     */
    private <T extends AutoCloseable> T reported(T result, FileShape shape) throws Exception {
        try {
            shapeReport.accept(shape);
        } catch (RuntimeException e) {
            result.close();
            throw new TextRanges.Passed(e);
        } catch (Error e) {
            result.close();
            throw e;
        }
        return result;
    }

    /** The label (k = −1) or value k of the parsed line, rounded to the precision; refused out of its range. */
    private double value(SvmLightLine parsed, int k) {
        int from = k < 0 ? parsed.labelFrom() : parsed.valueFrom(k);
        int to = k < 0 ? parsed.labelTo() : parsed.valueTo(k);
        double v = DecimalText.parse(parsed.line(), from, to, precision);
        if (Double.isFinite(v) && (precision == Precision.FLOAT64 || Math.abs(v) >= Float.MIN_NORMAL)) {
            return v; // what belowRange passes without reading the text
        }
        String text = parsed.line().substring(from, to);
        int token = k < 0 ? 1 : parsed.token(k);
        if (!Double.isFinite(v)) {
            throw parsed.error(token, DecimalText.outOfRange(text, precision));
        }
        String lost = DecimalText.belowRange(text, v, precision);
        if (lost != null) {
            throw parsed.error(token, lost);
        }
        return v;
    }

    /** ": index K on line L" for the file's largest index as written (its numbering's), or "" when n was given. */
    private String largestIndex(Shape shape) {
        if (features > 0 || shape.maxColumn < 0) {
            return "";
        }
        return ": index " + (shape.zeroBased ? shape.maxColumn : shape.maxColumn + 1) + " on line " + shape.maxColumnLine;
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
