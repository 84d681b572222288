package dev.downhill.io;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads a numeric CSV file into a {@link Dataset}: one column is the target y, every other column
 * is a feature of X, in file order.
 *
 * <p>Format: UTF-8 text, one row per line (see {@link TextLines} for line endings and blank
 * lines, which are skipped). Cells are separated by {@code ','}, {@code ';'}, tab or runs of spaces: by default the
 * delimiter is detected from the first non-blank line (tab if present, else {@code ';'} if
 * present, else {@code ','} if present, else whitespace when spaces separate two or more cells, as NumPy's
 * {@code savetxt} writes), or fixed with {@link #withDelimiter} (a space there means runs of whitespace). Cells may be double-quoted
 * ({@link CsvLineSplitter}). Every data cell must be a finite decimal number ({@link DecimalText}):
 * an empty cell, NaN, an infinity or text is an error naming the 1-based line and column (and the
 * column's name when there is a header). Every row must have as many cells as the first; a ragged
 * row is an error naming its line.
 *
 * <p>Header: by default the first non-blank line is a header when none of its cells is a number
 * (so a first row that mixes numbers and text is read as data and fails on the text, rather than
 * being silently dropped), when its cells are exactly 0, 1, …, k−1 with k ≥ 3 (the column labels pandas writes for a frame
 * without names, {@code pd.DataFrame(np.c_[X, y]).to_csv(f, index=False)}), or when it starts with {@code #} — NumPy's {@code savetxt(…, header="a,b,y")} writes
 * {@code # a,b,y}: the marker and the spaces after it are not part of the first name, and the rows' delimiter is
 * detected from the next non-blank line when it splits that line into as many cells as the header names (savetxt's rows
 * are separated by spaces unless it is given {@code delimiter=","}) (other {@code #} lines are not comments: a row); {@link #withHeader} forces either way ({@link Header#ABSENT} reads a {@code #} line as data). Target: the last column by
 * default, or a column named by {@link #withTarget(String)} (needs a header) or by zero-based
 * index with {@link #withTargetIndex(int)}. Sample weights: {@link #withWeightColumn(String)} names a column whose
 * values become the dataset's per-row weights (neither feature nor target). No target: {@link #withoutTarget()} reads every column as a feature and y as zeros (features
 * to be predicted). Columns: {@link #withFeatureColumns} picks X's columns by index, in any order, and skips the others
 * unparsed. Precision: float64 by default (text holds decimal
 * digits; float64 keeps them), float32 on request (each cell rounded once, correctly).
 *
 * <p>Memory: two passes over the file. The first counts the non-blank lines from the bytes; the
 * second parses and appends straight into off-heap X and y allocated at their exact final size,
 * through a buffer of 64 K values. Two passes were chosen over a growing buffer because the
 * growing one needs a copy at each doubling and up to three times the final size at its peak
 * (old block + new block with up to 2× slack), and the final size is what must fit when X is
 * close to the memory limit; counting lines costs one sequential read, far cheaper than parsing.
 * A regular file must not change between the passes (a change in row count is detected and
 * reported); anything else (a named pipe, {@code /dev/stdin}) is read once, into a temporary copy
 * that both passes read.
 *
 * <p>Errors: {@link MalformedFileException} for content, {@link java.io.UncheckedIOException} for
 * I/O failures; memory allocated for a failed read is freed. Instances are immutable and
 * thread-safe; {@code with*} methods return modified copies.
 */
public final class CsvReader {
    /** Whether the first non-blank line is a header. */
    public enum Header {
        /** A header when none of its cells is a number, or they are exactly 0, 1, …, k−1, k ≥ 3 (pandas' labels), or it starts with {@code #}. */
        AUTO,
        /** Always a header. */
        PRESENT,
        /** Never a header: the first line is data. */
        ABSENT
    }

    private static final int LAST = -1;
    /** No target column ({@link #withoutTarget}). */
    private static final int NONE = -2;

    private final Header header;
    private final Character delimiter;
    private final String targetName;
    private final int targetIndex;
    private final Precision precision;
    /** The sample-weight column: a header name or a zero-based index in decimal digits; null for none. */
    private final String weightColumn;
    /** The threads the rows are parsed on (0: every core). */
    private final int threads;
    /** The least bytes a thread's range of the file holds ({@link TextRanges#MIN_RANGE_BYTES}; tests lower it). */
    private final long rangeBytes;
    /** X's columns, zero-based indices into the file's, in X's order ({@link #withFeatureColumns}); null: every other column. */
    private final int[] featureColumns;

    private CsvReader(Header header, Character delimiter, String targetName, int targetIndex, Precision precision) {
        this(header, delimiter, targetName, targetIndex, precision, null);
    }

    private CsvReader(Header header, Character delimiter, String targetName, int targetIndex, Precision precision,
                      String weightColumn) {
        this(header, delimiter, targetName, targetIndex, precision, weightColumn, 0, TextRanges.MIN_RANGE_BYTES);
    }

    private CsvReader(Header header, Character delimiter, String targetName, int targetIndex, Precision precision,
                      String weightColumn, int threads, long rangeBytes) {
        this(header, delimiter, targetName, targetIndex, precision, weightColumn, threads, rangeBytes, null);
    }

    private CsvReader(Header header, Character delimiter, String targetName, int targetIndex, Precision precision,
                      String weightColumn, int threads, long rangeBytes, int[] featureColumns) {
        this.featureColumns = featureColumns;
        this.header = header;
        this.delimiter = delimiter;
        this.targetName = targetName;
        this.targetIndex = targetIndex;
        this.precision = precision;
        this.weightColumn = weightColumn;
        this.threads = threads;
        this.rangeBytes = rangeBytes;
    }

    /**
     * The threads the rows are read on: a regular file of at least 16 MiB (a pipe's spooled copy
     * too, and a gzip or bzip2 file's decompressed copy) is cut into ranges of whole lines (quoted cells do not span lines), one a thread, each range's rows
     * counted, then parsed into their place in X, y and the weights; the result is the one-thread read's, bit for bit. A
     * file with a malformed row (or anything else that fails) is read again on one thread, whose error names the line.
     * Default 0: every core.
     */
    public CsvReader withThreads(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (every core) or more, got " + threads);
        }
        return new CsvReader(header, delimiter, targetName, targetIndex, precision, weightColumn, threads, rangeBytes, featureColumns);
    }

    /** The least bytes of a thread's range (tests cut small files). */
    CsvReader withRangeBytes(long bytes) {
        return new CsvReader(header, delimiter, targetName, targetIndex, precision, weightColumn, threads, bytes, featureColumns);
    }

    /**
     * Reads per-row sample weights from this column — a header name, or a zero-based index (all digits) — which is
     * then neither a feature nor the target. Weights are read in float64 whatever the precision; a negative weight
     * is an error naming its line, as are the checks of {@link Dataset#withWeights(double[])} (all zero).
     */
    public CsvReader withWeightColumn(String column) {
        Objects.requireNonNull(column, "column");
        return new CsvReader(header, delimiter, targetName, targetIndex, precision, column, threads, rangeBytes, featureColumns);
    }

    /** Header detected, delimiter detected, last column is the target, float64. */
    public static CsvReader defaults() {
        return new CsvReader(Header.AUTO, null, null, LAST, Precision.FLOAT64);
    }

    /** Reads {@code file} with the defaults. */
    public static Dataset readDataset(Path file) {
        return defaults().read(file);
    }

    public CsvReader withHeader(Header header) {
        return new CsvReader(Objects.requireNonNull(header, "header"), delimiter, targetName, targetIndex, precision, weightColumn, threads, rangeBytes, featureColumns);
    }

    /** A fixed delimiter (any character but a quote, CR or LF) instead of detection. */
    public CsvReader withDelimiter(char delimiter) {
        if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
            throw new IllegalArgumentException("a CSV delimiter cannot be a quote or a line break");
        }
        return new CsvReader(header, delimiter, targetName, targetIndex, precision, weightColumn, threads, rangeBytes, featureColumns);
    }

    /** The target is the column with this header name (exact match); needs a header. */
    public CsvReader withTarget(String name) {
        Objects.requireNonNull(name, "name");
        return new CsvReader(header, delimiter, name, LAST, precision, weightColumn, threads, rangeBytes, featureColumns);
    }

    /** The target is the column at this zero-based index. */
    public CsvReader withTargetIndex(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("target column index must be zero or more, got " + index);
        }
        return new CsvReader(header, delimiter, null, index, precision, weightColumn, threads, rangeBytes, featureColumns);
    }

    public CsvReader withPrecision(Precision precision) {
        return new CsvReader(header, delimiter, targetName, targetIndex, Objects.requireNonNull(precision, "precision"),
                weightColumn, threads, rangeBytes, featureColumns);
    }

    /**
     * No target column: every column is a feature (but the weight column, and those {@link #withFeatureColumns} leaves
     * out), and the dataset's y is all zeros — for features read to be predicted, not scored. The file then needs one
     * column (two with a weight column); the layout's {@link CsvLayout#targetIndex()} is −1. {@link #withTarget} and
     * {@link #withTargetIndex} choose a target again.
     */
    public CsvReader withoutTarget() {
        return new CsvReader(header, delimiter, null, NONE, precision, weightColumn, threads, rangeBytes, featureColumns);
    }

    /**
     * X from these columns only, in this order: zero-based indices into the file's columns, each at most once, neither
     * the target nor the weight column (else the read fails naming it). The file's other columns are skipped: their cells
     * are counted but not parsed (text there is no error), so a table's features can be picked by name in any order and
     * columns such as an id or a date left out.
     */
    public CsvReader withFeatureColumns(int... columns) {
        int[] copy = columns.clone();
        for (int c : copy) {
            if (c < 0) {
                throw new IllegalArgumentException("feature column indices must be zero or more, got " + c);
            }
        }
        if (java.util.Arrays.stream(copy).distinct().count() != copy.length) {
            throw new IllegalArgumentException("a feature column is given twice: " + java.util.Arrays.toString(copy));
        }
        return new CsvReader(header, delimiter, targetName, targetIndex, precision, weightColumn, threads, rangeBytes, copy);
    }

    /** The layout of {@code file} (delimiter, header, names, target) from its first non-blank line only. */
    public CsvLayout layout(Path file) {
        try (BufferedReader in = TextLines.open(file)) {
            FirstLine first = firstLine(in, file);
            return resolve(first, file);
        } catch (IOException e) {
            throw ReadFailure.of(file, e);
        }
    }

    /** Reads {@code file} into a new dataset the caller owns (and closes). */
    public Dataset read(Path file) {
        try (TextLines.Spool source = TextLines.spool(file, threads)) {
            long[] cuts = TextRanges.cuts(source.path(), threads > 0 ? threads : Runtime.getRuntime().availableProcessors(),
                    rangeBytes);
            if (cuts.length > 2) {
                Dataset d = TextRanges.orOneThread(file, () -> readInRanges(file, source.path(), cuts));
                if (d != null) {
                    return d;
                }
            }
            long lines = TextLines.countNonBlankLines(source.path());
            try (BufferedReader in = TextLines.open(source.path())) {
                FirstLine first = firstLine(in, file);
                CsvLayout layout = resolve(first, file);
                long rows = lines - (layout.hasHeader() ? 1 : 0);
                if (rows <= 0) {
                    throw new MalformedFileException(file, "the file has a header (line " + first.number + ") but no data rows");
                }
                return readRows(in, file, first, layout, rows, weightIndex(layout, file, first.number));
            }
        } catch (IOException e) {
            throw ReadFailure.of(file, e);
        }
    }

    /** The zero-based index of the weight column, or −1 without one. */
    private int weightIndex(CsvLayout layout, Path file, long line) {
        if (weightColumn == null) {
            return -1;
        }
        int index;
        if (weightColumn.matches("\\d+")) {
            try {
                index = Integer.parseInt(weightColumn);
            } catch (NumberFormatException e) {
                index = Integer.MAX_VALUE;
            }
            if (index >= layout.columns()) {
                throw new MalformedFileException(file, line, 0, "weight column index " + weightColumn
                        + " (zero-based) is out of range: the file has " + layout.columns() + " columns");
            }
        } else {
            if (!layout.hasHeader()) {
                throw new MalformedFileException(file, line, 0, "the weight column is named " + MalformedFileException.quote(weightColumn)
                        + ", but the file has no header");
            }
            index = layout.columnNames().indexOf(weightColumn);
            if (index < 0) {
                throw new MalformedFileException(file, line, 0, "no column is named " + MalformedFileException.quote(weightColumn)
                        + " (the weight column); the header has " + MalformedFileException.quote("["
                        + String.join(", ", layout.columnNames()) + "]"));
            }
            if (layout.columnNames().lastIndexOf(weightColumn) != index) {
                throw new MalformedFileException(file, line, 0, "several columns are named " + MalformedFileException.quote(weightColumn)
                        + "; choose the weight column by index");
            }
        }
        if (index == layout.targetIndex()) {
            throw new MalformedFileException(file, line, 0, "the weight column " + MalformedFileException.quote(weightColumn)
                    + " is also the target column");
        }
        if (layout.targetIndex() < 0 && layout.columns() < 2) {
            throw new MalformedFileException(file, line, 0, "with a weight column, the file needs at least 2 columns; it has "
                    + layout.columns());
        }
        if (layout.targetIndex() >= 0 && layout.columns() < 3) {
            throw new MalformedFileException(file, line, 0, "with a weight column and a target, the file needs at least 3 columns; it has "
                    + layout.columns());
        }
        return index;
    }

    /**
     * {@link #read} on the ranges {@code cuts} (see {@link #withThreads}); null when the first non-blank line lies beyond
     * the first range or no row remains (the one-thread read then runs and says what is wrong, as it does for any
     * failure, through {@link TextRanges#orOneThread}). The layout comes from the first non-blank line, which must lie in the
     * first range; each range's non-blank lines are counted (the first range's less the header), then parsed into their
     * rows' places.
     */
    private Dataset readInRanges(Path file, Path readable, long[] cuts) throws Exception {
        FirstLine first;
        try (BufferedReader in = TextLines.open(readable)) {
            first = firstLine(in, file);
        }
        CsvLayout layout = resolve(first, file);
        int weightIndex = weightIndex(layout, file, first.number);
        List<Long> counts = TextRanges.onEachRange(cuts, (k, from, to) -> {
            try (InputStream in = TextRanges.bytes(readable, from, to)) {
                return TextLines.countLines(in, k == 0);
            }
        });
        if (counts.get(0) == 0) {
            return null; // the first non-blank line lies beyond the first range
        }
        long[] firstRow = new long[cuts.length];
        for (int k = 0; k < counts.size(); k++) {
            firstRow[k + 1] = firstRow[k] + counts.get(k) - (k == 0 && layout.hasHeader() ? 1 : 0);
        }
        long rows = firstRow[cuts.length - 1];
        if (rows <= 0) {
            return null;
        }
        long features = xColumns(layout, weightIndex, file, first.number);
        long xValues = Math.multiplyExact(rows, features);
        try (OffHeapAppender x = new OffHeapAppender(precision, xValues, file, "X");
             OffHeapAppender y = new OffHeapAppender(precision, rows, file, "y");
             OffHeapAppender w = weightIndex < 0 ? null : new OffHeapAppender(Precision.FLOAT64, rows, file, "weights")) {
            TextRanges.onEachRange(cuts, (k, from, to) -> {
                long count = firstRow[k + 1] - firstRow[k];
                try (BufferedReader in = TextRanges.open(readable, from, to);
                     OffHeapAppender xs = x.slice(firstRow[k] * features, count * features);
                     OffHeapAppender ys = y.slice(firstRow[k], count);
                     OffHeapAppender ws = w == null ? null : w.slice(firstRow[k], count)) {
                    RowParser parser = new RowParser(file, layout, new CsvLineSplitter(layout.delimiter()), xs, ys,
                            first.number, ws, weightIndex);
                    boolean header = k == 0 && layout.hasHeader();
                    boolean fileStart = k == 0;
                    for (String line; (line = in.readLine()) != null; ) {
                        if (fileStart) {
                            line = TextLines.stripBom(line);
                            fileStart = false;
                        }
                        if (TextLines.isBlank(line)) {
                            continue;
                        }
                        if (header) { // the first range's first non-blank line is the header
                            header = false;
                            continue;
                        }
                        parser.row(line, 0);
                    }
                    if (ys.size() != count) {
                        throw new IllegalStateException("a range held " + ys.size() + " rows, counted " + count);
                    }
                }
                return null;
            });
            x.filledBySlices();
            y.filledBySlices();
            if (w == null) {
                return OffHeapAppender.toDataset(x, y, rows, features);
            }
            w.filledBySlices();
            return OffHeapAppender.toDataset(x, y, w, rows, features);
        }
    }

    /**
     * X's columns: those of {@link #withFeatureColumns}, checked against the layout (each inside the file, neither the
     * target nor the weight column), else every column but the target and the weight column.
     */
    private int xColumns(CsvLayout layout, int weightIndex, Path file, long line) {
        if (featureColumns == null) {
            return layout.features() - (weightIndex >= 0 ? 1 : 0);
        }
        for (int c : featureColumns) {
            if (c >= layout.columns()) {
                throw new MalformedFileException(file, line, 0, "feature column index " + c + " (zero-based) is out of range: "
                        + "the file has " + layout.columns() + " columns");
            }
            if (c == layout.targetIndex() || c == weightIndex) {
                throw new MalformedFileException(file, line, 0, "column " + MalformedFileException.quote(layout.name(c))
                        + " is given as a feature and as the " + (c == weightIndex ? "weight column" : "target"));
            }
        }
        return featureColumns.length;
    }

    private Dataset readRows(BufferedReader in, Path file, FirstLine first, CsvLayout layout, long rows, int weightIndex)
            throws IOException {
        long features = xColumns(layout, weightIndex, file, first.number);
        long xValues;
        try {
            xValues = Math.multiplyExact(rows, features);
        } catch (ArithmeticException e) {
            throw new MalformedFileException(file, rows + " rows × " + features + " features overflow a long");
        }
        CsvLineSplitter splitter = new CsvLineSplitter(layout.delimiter());
        try (OffHeapAppender x = new OffHeapAppender(precision, xValues, file, "X");
             OffHeapAppender y = new OffHeapAppender(precision, rows, file, "y");
             OffHeapAppender w = weightIndex < 0 ? null : new OffHeapAppender(Precision.FLOAT64, rows, file, "weights")) {
            RowParser parser = new RowParser(file, layout, splitter, x, y, first.number, w, weightIndex);
            if (!layout.hasHeader()) {
                parser.row(first.text, first.number);
            }
            long number = first.number;
            for (String line; (line = in.readLine()) != null; ) {
                number++;
                if (TextLines.isBlank(line)) {
                    continue;
                }
                if (y.size() == rows) {
                    throw new MalformedFileException(file, number, 0, "more rows than the first pass counted ("
                            + rows + "): did the file change while being read?");
                }
                parser.row(line, number);
            }
            if (y.size() != rows) {
                throw new MalformedFileException(file, "found " + y.size() + " rows, but the first pass counted " + rows
                        + ": did the file change while being read?");
            }
            return w == null ? OffHeapAppender.toDataset(x, y, rows, features) : OffHeapAppender.toDataset(x, y, w, rows, features);
        }
    }

    /** Parses data rows into the appenders. */
    private final class RowParser {
        private final Path file;
        private final CsvLayout layout;
        private final CsvLineSplitter splitter;
        private final OffHeapAppender x;
        private final OffHeapAppender y;
        private final long firstLine;
        private final OffHeapAppender weights;
        private final int weightIndex;
        /** With {@link #featureColumns}: each column's place in X's row, −1 for a column skipped; else null. */
        private final int[] slots;
        /** With {@link #featureColumns}: the row's features in X's order, appended once the row is read. */
        private final double[] picked;

        RowParser(Path file, CsvLayout layout, CsvLineSplitter splitter, OffHeapAppender x, OffHeapAppender y, long firstLine,
                  OffHeapAppender weights, int weightIndex) {
            this.weights = weights;
            this.weightIndex = weightIndex;
            if (featureColumns == null) {
                slots = null;
                picked = null;
            } else {
                slots = new int[layout.columns()];
                java.util.Arrays.fill(slots, -1);
                for (int j = 0; j < featureColumns.length; j++) {
                    slots[featureColumns[j]] = j;
                }
                picked = new double[featureColumns.length];
            }
            this.file = file;
            this.layout = layout;
            this.splitter = splitter;
            this.x = x;
            this.y = y;
            this.firstLine = firstLine;
        }

        void row(String line, long number) {
            List<String> cells = splitter.split(line, file, number);
            if (cells.size() != layout.columns()) {
                throw new MalformedFileException(file, number, 0, "the row has " + cells.size() + (cells.size() == 1 ? " cell"
                        : " cells") + ", expected " + layout.columns() + " like line " + firstLine + " (delimiter "
                        + show(layout.delimiter()) + ")" + (layout.hashHeader() ? "; line " + firstLine + " starts with '#' and "
                        + "was read as a header (as NumPy's savetxt writes one); lines starting with '#' are not comments: remove "
                        + "them, or give --header no if line " + firstLine + " is data" : commentHint(line)));
            }
            for (int k = 0; k < cells.size(); k++) {
                if (slots != null && slots[k] < 0 && k != weightIndex && k != layout.targetIndex()) {
                    continue; // a column left out: not parsed
                }
                String cell = cells.get(k);
                String problem = DecimalText.problem(cell);
                if (problem != null) {
                    throw badCell(number, k, number == firstLine && !layout.hasHeader() && header == Header.AUTO ? problem + "; line " + number
                            + " was read as data, not as a header, since some of its cells are numbers (a header's cells"
                            + " are all names): give --header yes if it is one" : problem, commentHint(line));
                }
                if (k == weightIndex) { // float64, ≥ 0
                    double w = DecimalText.parse(cell, Precision.FLOAT64);
                    if (!Double.isFinite(w)) {
                        throw badCell(number, k, DecimalText.outOfRange(cell, Precision.FLOAT64));
                    }
                    if (w < 0) {
                        throw badCell(number, k, "the weight " + cell.trim() + " is negative (weights must be ≥ 0)");
                    }
                    weights.append(w);
                    continue;
                }
                double v = DecimalText.parse(cell, precision);
                if (!Double.isFinite(v)) {
                    throw badCell(number, k, DecimalText.outOfRange(cell, precision));
                }
                String lost = DecimalText.belowRange(cell, v, precision);
                if (lost != null) {
                    throw badCell(number, k, lost);
                }
                if (k == layout.targetIndex()) {
                    y.append(v);
                } else if (slots != null) {
                    picked[slots[k]] = v;
                } else {
                    x.append(v);
                }
            }
            if (slots != null) {
                for (double v : picked) {
                    x.append(v);
                }
            }
            if (layout.targetIndex() < 0) {
                y.append(0.0); // no target (withoutTarget): y is zero
            }
        }

        /** For a malformed row whose line starts with '#': that such lines are not comments here; "" otherwise. */
        private static String commentHint(String line) {
            return line.stripLeading().startsWith("#") ? "; the line starts with '#', and lines starting with '#' are not "
                    + "comments here (NumPy's loadtxt skips them): remove them, e.g. grep -v '^#'" : "";
        }

        private MalformedFileException badCell(long number, int k, String problem) {
            return badCell(number, k, problem, "");
        }

        /** The error for cell k of line {@code number}: the problem, the column's name, and {@code hint} last. */
        private MalformedFileException badCell(long number, int k, String problem, String hint) {
            String name = layout.hasHeader() ? " (column " + MalformedFileException.quote(layout.name(k)) + ")" : "";
            boolean trailing = problem.startsWith("the cell is empty") && k == layout.columns() - 1
                    && layout.delimiter() != CsvLineSplitter.WHITESPACE && (!layout.hasHeader() || layout.name(k).isEmpty());
            return new MalformedFileException(file, number, k + 1, problem + name + (trailing ? "; the lines end with the "
                    + "delimiter " + show(layout.delimiter()) + ", which makes an empty last column: remove it" : "") + hint);
        }
    }

    /**
     * The first non-blank line and its 1-based number; when it starts with {@code #} (a marked header), the next
     * non-blank line's text too ({@code nextText}, else null), read ahead without consuming it: the data's delimiter.
     */
    private record FirstLine(String text, long number, String nextText) {
    }

    /** Characters the reader may read ahead for the line after a {@code #} header (a longer line is not looked at). */
    private static final int PEEK_CHARS = 1 << 20;

    private static FirstLine firstLine(BufferedReader in, Path file) throws IOException {
        long number = 0;
        for (String line; (line = in.readLine()) != null; ) {
            number++;
            if (number == 1) {
                line = TextLines.stripBom(line);
            }
            if (line.indexOf('\u0000') >= 0) { // UTF-16 text read as UTF-8: every other byte of ASCII text is NUL
                throw new MalformedFileException(file, number, 0, "the line holds NUL bytes: the file looks UTF-16 encoded "
                        + "(as Windows tools may save text); save it as UTF-8 (or ASCII)");
            }
            if (!TextLines.isBlank(line)) {
                return new FirstLine(line, number, line.stripLeading().startsWith("#") ? peekNonBlank(in) : null);
            }
        }
        throw new MalformedFileException(file, "the file is empty (no non-blank lines)");
    }

    /** The next non-blank line of {@code in}, which is left where it was; null at the end or past {@link #PEEK_CHARS}. */
    private static String peekNonBlank(BufferedReader in) throws IOException {
        in.mark(PEEK_CHARS);
        try {
            int read = 0;
            for (String line; (line = in.readLine()) != null; ) {
                read += line.length() + 2;
                if (read > PEEK_CHARS) {
                    return null;
                }
                if (!TextLines.isBlank(line)) {
                    return line;
                }
            }
            return null;
        } finally {
            in.reset();
        }
    }

    private CsvLayout resolve(FirstLine first, Path file) {
        String text = first.text;
        // NumPy's savetxt(…, header=…) writes "# " before the header: the marker is not part of the first name
        boolean marked = header != Header.ABSENT && text.stripLeading().startsWith("#");
        if (marked) {
            text = text.stripLeading().substring(1).stripLeading();
        }
        char d = delimiter != null ? delimiter : CsvLineSplitter.detect(text);
        List<String> cells = new ArrayList<>(new CsvLineSplitter(d).split(text, file, first.number));
        if (marked && delimiter == null && first.nextText != null) {
            // np.savetxt(f, Z, header="a,b,y") writes "# a,b,y" over rows separated by spaces (its default delimiter):
            // the rows' delimiter is the file's, the header keeps its own when it names as many columns
            char rows = CsvLineSplitter.detect(first.nextText);
            if (rows != d && cellsIn(first.nextText, rows, file) == cells.size()) {
                d = rows;
            }
        }
        boolean hasHeader = marked || header == Header.PRESENT
                || (header == Header.AUTO && (cells.stream().allMatch(c -> DecimalText.problem(c) != null)
                        || arePandasColumnLabels(cells)));
        if (cells.size() < (targetIndex == NONE ? 1 : 2)) {
            char detected = CsvLineSplitter.detect(text);
            int columns = detected != d ? cellsIn(text, detected, file) : -1;
            String other = columns >= 2 ? " (it has " + columns + " columns with delimiter " + show(detected) + ")" : "";
            throw new MalformedFileException(file, first.number, 0, "found " + cells.size() + " column with delimiter "
                    + show(d) + "; need at least 2 (the features and the target): is the delimiter right?" + other);
        }
        int target;
        if (targetName != null) {
            if (!hasHeader) {
                throw new MalformedFileException(file, first.number, 0, "the target is named " + MalformedFileException.quote(targetName)
                        + ", but the file has no header" + (header == Header.AUTO ? " (line " + first.number
                        + " holds only numbers, so it is data)" : "") + ": give the target as a zero-based column index, 0 to "
                        + (cells.size() - 1) + " (the last column is the default)");
            }
            target = cells.indexOf(targetName);
            if (target < 0) {
                throw new MalformedFileException(file, first.number, 0, "no column is named " + MalformedFileException.quote(targetName)
                        + "; the header names " + cells.size() + " columns: " + someNames(cells));
            }
            if (cells.lastIndexOf(targetName) != target) {
                throw new MalformedFileException(file, first.number, 0, "several columns are named " + MalformedFileException.quote(targetName)
                        + "; choose the target by index");
            }
        } else if (targetIndex == NONE) {
            target = -1;
        } else if (targetIndex == LAST) {
            target = cells.size() - 1;
        } else {
            if (targetIndex >= cells.size()) {
                throw new MalformedFileException(file, first.number, 0, "target column index " + targetIndex
                        + " (zero-based) is out of range: the file has " + cells.size() + " columns");
            }
            target = targetIndex;
        }
        return new CsvLayout(d, hasHeader, hasHeader ? cells : List.of(), cells.size(), target, marked);
    }

    /**
     * Whether {@code cells} are exactly 0, 1, …, k−1 written as integers, k ≥ 3, after an empty cell or none (pandas' index,
     * {@code to_csv} without {@code index=False}): the header pandas writes for a frame made
     * without column names ({@code pd.DataFrame(np.c_[X, y]).to_csv(f, index=False)}), read as a header by
     * {@link Header#AUTO} (a first data row of exactly those values is rare; {@link Header#ABSENT} reads it as data).
     */
    public static boolean arePandasColumnLabels(List<String> cells) {
        int index = !cells.isEmpty() && cells.get(0).isBlank() ? 1 : 0; // to_csv with its index: ",0,1,2"
        if (cells.size() - index < PANDAS_LABELS_MIN_COLUMNS) { // "0" or "0,1" is as likely a first row (x from 0, a 0/1 target)
            return false;
        }
        for (int k = index; k < cells.size(); k++) {
            if (!cells.get(k).strip().equals(Integer.toString(k - index))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The fewest columns whose first line 0, 1, …, k−1 is read as pandas' labels: a review found "0" and "0,1" — common first
     * rows of data (x counting from 0, a 0/1 target) — read as a header, a row lost without a word.
     */
    static final int PANDAS_LABELS_MIN_COLUMNS = 3;

    /** The first names of {@code cells} (each quoted), and how many more, for a message. */
    private static String someNames(List<String> cells) {
        int shown = Math.min(cells.size(), 8);
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < shown; k++) {
            b.append(k > 0 ? ", " : "").append(MalformedFileException.quote(cells.get(k)));
        }
        if (shown < cells.size()) {
            b.append(", … (").append(cells.size() - shown).append(" more; the last ")
                    .append(MalformedFileException.quote(cells.get(cells.size() - 1))).append(')');
        }
        return b.toString();
    }

    /** The cells of a line read ahead split by {@code d}, or −1 when it does not split (an open quote: said when read). */
    private static int cellsIn(String line, char d, Path file) {
        try {
            return new CsvLineSplitter(d).split(line, file, 0).size();
        } catch (MalformedFileException e) {
            return -1;
        }
    }

    private static String show(char d) {
        return d == '\t' ? "tab" : d == CsvLineSplitter.WHITESPACE ? "whitespace" : "'" + d + "'";
    }
}
