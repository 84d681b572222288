package dev.downhill.cli;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.io.HostMemoryBudget;
import dev.downhill.io.MappedNpy;
import dev.downhill.internal.ByteSizes;
import dev.downhill.io.CsvReader;
import dev.downhill.spi.BackendOptions;
import dev.downhill.io.NpyReader;
import dev.downhill.io.SvmLightReader;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Where the data comes from: {@code --x X.npy --y y.npy}, or {@code --data file} (CSV/TSV with
 * {@code --target}, or svmlight/libsvm), plus {@code --precision}.
 */
final class InputOptions {
    @Option(names = "--x", paramLabel = "X.npy", description = "Features as a 2-D .npy array, or a sparse matrix saved by "
            + "scipy.sparse.save_npz (.npz, fitted sparse) (with --y).")
    Path x;

    @Option(names = "--y", paramLabel = "y.npy", description = "Targets as a 1-D .npy array (with --x).")
    Path y;

    @Option(names = "--data", paramLabel = "FILE", description = "A CSV/TSV file (.csv, .tsv; .txt as its lines look) or an "
            + "svmlight/libsvm file (.svm, .libsvm, .svmlight), plain or gzip/bzip2-compressed; - reads standard input (with "
            + "--format). NumPy files are --x/--y.")
    Path data;

    @Option(names = "--format", paramLabel = "csv|tsv|svmlight", description = "The --data file's format when its name does not "
            + "tell (standard input, a pipe, another extension).")
    String format;

    @Option(names = "--target", paramLabel = "NAME|INDEX", description = "CSV target column: a header name or a zero-based index (default: the last column).")
    String target;

    @Option(names = "--header", paramLabel = "auto|yes|no", description = "Whether a CSV/TSV file's first line is a header: "
            + "auto (the default) when none of its cells is a number, when they are 0, 1, … (3 or more: the labels pandas writes "
            + "for a frame without names) or when it starts with #; yes; no (the first line is data).")
    String header;

    @Option(names = "--weights", paramLabel = "w.npy", description = "Per-row sample weights: a 1-D float32/float64 (or int32/int64) .npy of one "
            + "value ≥ 0 per row (not all zero). The fit minimises Σw·r²/Σw; the score is weighted too.")
    Path weights;

    @Option(names = "--weight-column", paramLabel = "NAME|INDEX", description = "CSV column holding per-row sample weights (a header "
            + "name or a zero-based index); it is not a feature.")
    String weightColumn;

    @Option(names = "--precision", paramLabel = "float32|float64", description = "Working precision (default: the data's).")
    String precision;

    @Option(names = "--sparse", description = "Read an svmlight --data file sparse (CSR) and fit it without densifying X "
            + "(cpu and cuda backends; an .npz --x is always sparse). Without --sparse or --dense, a file whose dense X would "
            + "take 64 MiB or more, of which it stores at most 10 %%, is read sparse; others dense.")
    boolean sparse;

    @Option(names = "--dense", description = "Read an svmlight --data file dense, also where it would be read sparse by "
            + "default (see --sparse).")
    boolean dense;

    /** Set by the svmlight reader: the numbering the file's indices turned out to have. */
    private SvmLightReader.IndexBase svmLightIndexBase;

    /** Set by the svmlight reader: the rows, features and stored entries of the file read last. */
    private SvmLightReader.FileShape svmLightShape;

    @Option(names = "--zero-based", description = "svmlight indices start at 0 (default: scikit-learn's rule — a 0 index anywhere "
            + "in the file means 0-based, else 1-based).")
    boolean zeroBased;

    @Option(names = "--one-based", description = "svmlight indices start at 1 (an index 0 is an error).")
    boolean oneBased;

    @Option(names = "--features", paramLabel = "N", description = "svmlight: the number of features n (default: from the "
            + "largest index in the file).")
    Long features;

    @Option(names = "--memory-budget", paramLabel = "SIZE", description = "Host memory for X (e.g. 8g); a larger .npy X is "
            + "memory-mapped from its file and streamed each step (default: 80%% of available memory).")
    String memoryBudget;

    @Option(names = "--device-memory-budget", paramLabel = "SIZE", description = "GPU memory a problem may use (e.g. 16g; cuda "
            + "backend). A larger X keeps its leading rows on the device and streams the rest from host memory each step "
            + "(default: 90%% of the device's free memory).")
    String deviceMemoryBudget;

    /** Where progress notes go (set by the command; may stay null, as under --quiet). */
    java.io.PrintWriter notes;
    /** Where warnings about options that do nothing go (set by the command; shown under --quiet too, as the solver's are). */
    java.io.PrintWriter warnings;

    /** The requested precision, or null for the data's own. */
    Precision precision() {
        return precision == null ? null : Precision.parse(precision);
    }

    /**
     * Checks the option values, and that {@code --data -} has a {@code --format} (IllegalArgumentException naming the
     * option; fit and predict make it a usage error).
     */
    void validate() {
        precision();
        if (memoryBudget != null) {
            dev.downhill.internal.ByteSizes.parse(memoryBudget, "--memory-budget");
        }
        if (deviceMemoryBudget != null) {
            dev.downhill.internal.ByteSizes.parse(deviceMemoryBudget, "--device-memory-budget");
        }
        targetIndex();
        headerRule();
        if (sparse && dense) {
            throw new IllegalArgumentException("--sparse and --dense contradict each other: give one");
        }
        if (zeroBased && oneBased) {
            throw new IllegalArgumentException("--zero-based and --one-based contradict each other: give one");
        }
        if (features != null && features < 1) {
            throw new IllegalArgumentException("--features must be ≥ 1, got " + features);
        }
        if (format != null && !FORMATS.contains(format.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("--format must be csv, tsv or svmlight, got "
                    + dev.downhill.io.MalformedFileException.quote(format));
        }
        if (format != null && data == null) {
            throw new IllegalArgumentException("--format applies to --data files");
        }
        if (data != null && format == null && !sparse && data.toString().equals("-")) { // fit --sparse reads it as svmlight
            throw new IllegalArgumentException("--data - (standard input) needs --format csv|tsv|svmlight: nothing names its format");
        }
    }

    /**
     * fit's sources: --x with --y, or --data, and --target only with --data (the same checks as the loads make, before
     * any file is read, so that a missing or conflicting option is a usage error).
     */
    void validateSources() {
        checkWeightOptions();
        if (data != null && (x != null || y != null)) {
            throw new IllegalArgumentException("give either --x/--y or --data, not both");
        }
        if (data == null && (x == null || y == null)) {
            throw new IllegalArgumentException("give --x X.npy and --y y.npy, or --data FILE");
        }
        if (data == null && target != null && !x.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npz")) {
            throw new IllegalArgumentException("--target applies to --data CSV files only"); // (an .npz X warns: it always did)
        }
        if (sparse && data == null && !x.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npz")) {
            throw new IllegalArgumentException("--sparse applies to svmlight --data files (an .npz --x is always sparse); a .npy "
                    + "X is dense");
        }
        // the --data file's format against --target and --sparse, before anything is read (usage errors, as with --x)
        if (data != null && target != null && !isText()) {
            throw new IllegalArgumentException("--target applies to CSV files; svmlight files carry the target first on each line");
        }
        if (data != null && sparse) {
            String name = data.getFileName() == null ? "" : data.getFileName().toString().toLowerCase(Locale.ROOT);
            if (isText()) {
                throw new IllegalArgumentException("--sparse reads svmlight files, not CSV/TSV: " + (format != null
                        ? "--format " + format + " names another format" : data + " is read as CSV by its name"));
            }
            if (name.endsWith(".npy") || name.endsWith(".npz")) {
                throw new IllegalArgumentException("--sparse applies to svmlight --data files; a " + name.substring(name.lastIndexOf('.'))
                        + " file is an X: give it as --x (an .npz X is always read sparse)");
            }
        }
    }

    /** --memory-budget decides when a .npy or .npz X is mapped from its file: for a --data text file it does nothing. */
    private void warnMemoryBudgetForText() {
        if (memoryBudget != null && warnings != null) {
            warnings.println("downhill: warning: --memory-budget does nothing for a CSV or svmlight --data file: it decides "
                    + "when a .npy or .npz X is mapped from its file (ignored)");
        }
    }

    /** The header's warnings and note (a regular CSV/TSV file with a header; its first line read once more). */
    private void checkHeader() {
        dev.downhill.io.CsvLayout layout = headedLayout();
        if (layout != null) {
            warnUnnamedColumns(tableColumns(layout));
            notePandasLabels(layout);
        }
    }

    /**
     * The warnings about the header's names: not UTF-8 (decoded with U+FFFD), a name given twice (predict then reads by
     * position), and a feature column left unnamed — pandas writes its index so ({@code DataFrame.to_csv} without
     * {@code index=False}: a first header cell that is empty), and the row numbers then become a feature.
     */
    private void warnUnnamedColumns(dev.downhill.TableColumns columns) {
        if (warnings == null) {
            return;
        }
        if (columns.features().stream().anyMatch(name -> name.indexOf('\uFFFD') >= 0) || columns.target().indexOf('\uFFFD') >= 0) {
            warnings.println("downhill: warning: the header of " + data + " is not UTF-8 (Latin-1 or Windows-1252, as some "
                    + "spreadsheets save text?): its names keep '\uFFFD' where a byte was not UTF-8, and the model records them "
                    + "so; save the file as UTF-8 to keep them");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        java.util.Set<String> repeated = new java.util.LinkedHashSet<>();
        for (String name : columns.features()) {
            if (!name.isBlank() && !seen.add(name) || name.equals(columns.target())) {
                repeated.add(name);
            }
        }
        if (!repeated.isEmpty()) {
            warnings.println("downhill: warning: " + data + " names " + (repeated.size() == 1 ? "a column" : "columns") + " twice ("
                    + String.join(", ", repeated.stream().map(dev.downhill.io.MalformedFileException::quote).toList())
                    + "): the model records the names, but predict cannot find the columns by them and takes a table's "
                    + "columns by position");
        }
        java.util.List<String> unnamed = new java.util.ArrayList<>();
        for (int k = 0; k < columns.features().size(); k++) {
            if (columns.features().get(k).isBlank()) {
                unnamed.add(Integer.toString(k + 1));
            }
        }
        if (unnamed.isEmpty()) {
            return;
        }
        boolean first = unnamed.get(0).equals("1");
        warnings.println("downhill: warning: " + (unnamed.size() == 1 ? "feature column " + unnamed.get(0) + " of " + data
                + " has no name in its header" : "feature columns " + String.join(", ", unnamed) + " of " + data
                + " have no name in its header") + (unnamed.size() == 1 ? ": it is fitted as a feature" : ": they are fitted "
                + "as features") + (first ? " (pandas writes its index so, DataFrame.to_csv without index=False: then the row "
                + "labels are fitted; save the frame with index=False)" : ""));
    }

    /**
     * A note when the --data table's first line (a regular file's) was read as a header for being 0, 1, …, k−1, the labels
     * pandas writes for a frame without names (rare as a row of data, but possible: --header no reads it so).
     */
    private void notePandasLabels(dev.downhill.io.CsvLayout layout) {
        if (notes == null || header != null) {
            return;
        }
        if (!layout.hashHeader() && CsvReader.arePandasColumnLabels(layout.columnNames())) {
            notes.println("downhill: note: line 1 of " + data + " (" + String.join(",", layout.columnNames().subList(0,
                    Math.min(4, layout.columns()))) + (layout.columns() > 4 ? ",…" : "") + ") was read as a header: the column "
                    + "labels pandas writes for a frame without names; --header no reads it as data");
            notes.flush();
        }
    }

    /** --header does nothing for {@code what} (data that is not CSV/TSV): one warning. */
    private void warnHeaderOption(String what) {
        if (header != null && warnings != null) {
            warnings.println("downhill: warning: --header does nothing for " + what + ": it applies to CSV/TSV files (ignored)");
        }
    }

    /** One warning per svmlight-only option given (--features, --zero-based, --one-based) for data that is not svmlight. */
    private void warnSvmLightOptions(String what) {
        for (String[] given : new String[][] {{"--features", features == null ? null : "x"}, {"--zero-based", zeroBased ? "x" : null},
                {"--one-based", oneBased ? "x" : null}, {"--dense", dense ? "x" : null}}) {
            if (given[1] != null && warnings != null) {
                warnings.println("downhill: warning: " + given[0] + " does nothing for " + what + ": it applies to svmlight files (ignored)");
            }
        }
    }

    /**
     * A warning when n (the largest index, or --features) is huge against the entries stored: every fit keeps several
     * n-length float64 vectors (θ, the gradient, the column statistics, each thread's accumulator), so one stray index of
     * 2e8 in a small file made a fit take ~8 GB before it ran out of memory.
     */
    void warnWideForItsEntries(long n, long stored) {
        if (warnings != null && looksStray(n, stored)) {
            long line = svmLightShape != null ? svmLightShape.largestIndexLine() : 0;
            warnings.printf(Locale.ROOT, "downhill: warning: X has %,d columns (%s) but only %,d stored values: a fit keeps several "
                    + "vectors of n float64 values (%s each); check the file's indices%n", n, features != null ? "--features"
                    : line > 0 ? "its largest index, on line " + line : "its largest index", stored, ByteSizes.format(8.0 * n));
        }
    }

    /** Whether n columns against {@code stored} values look like a stray index: at least 10,000,000, over 100 a value. */
    static boolean looksStray(long n, long stored) {
        return n >= 10_000_000L && n > 100 * Math.max(1, stored);
    }

    /** The formats --format names. */
    static final java.util.List<String> FORMATS = java.util.List.of("csv", "tsv", "svmlight");

    /** The input files given, by option name (--x, --y, --data, --weights; absent ones null). */
    java.util.Map<String, Path> files() {
        java.util.Map<String, Path> files = new java.util.LinkedHashMap<>();
        files.put("--x", x);
        files.put("--y", y);
        files.put("--data", data != null && data.toString().equals("-") ? null : data);
        files.put("--weights", weights);
        return files;
    }

    /**
     * A .txt file's format from its first line that is neither blank, a '#' comment nor a single value: svmlight when every
     * whitespace-separated token after the first (the label) is a pair index:value (or qid:q) with no comma, else CSV
     * (whose reader finds the delimiter); CSV when the file cannot be read here (its reader then says why).
     */
    static String textFormat(Path file) {
        if (!java.nio.file.Files.isRegularFile(file)) { // a pipe named .txt: its lines are not read twice
            return "svmlight";
        }
        // ISO-8859-1: every byte decodes (a Latin-1 comment in UTF-8's place must not turn svmlight into CSV)
        try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(dev.downhill.io.TextLines.bytes(file),
                java.nio.charset.StandardCharsets.ISO_8859_1))) {
            int single = 0;
            for (String line = r.readLine(); line != null && single < 1000; line = r.readLine()) {
                int comment = line.indexOf('#');
                String t = (comment < 0 ? line : line.substring(0, comment)).strip();
                if (t.isEmpty()) {
                    continue; // a blank line or a comment
                }
                if (t.indexOf(',') >= 0) {
                    return "csv";
                }
                String[] tokens = t.split("\\s+");
                if (tokens.length == 1) {
                    single++; // one value alone: an svmlight row of zeros, or a one-column table
                    continue;
                }
                for (int k = 1; k < tokens.length; k++) {
                    if (tokens[k].indexOf(':') <= 0) {
                        return "csv";
                    }
                }
                return "svmlight";
            }
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return "csv";
        }
        return "csv";
    }

    /** --data, with "-" as standard input. */
    Path dataFile() {
        return data != null && data.toString().equals("-") ? Path.of("/dev/stdin") : data;
    }

    /**
     * The --data file's format: --format, else from its name (.csv, .tsv; .svm, .libsvm, .svmlight; .txt is CSV with
     * --target, else as its first line looks: {@link #textFormat}); "" when neither tells.
     */
    String dataFormat() {
        if (format != null) {
            return format.toLowerCase(Locale.ROOT);
        }
        String name = data == null || data.getFileName() == null ? "" : data.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz") || name.endsWith(".bz2")) { // compressed text is read decompressed (d.svm.gz, d.csv.bz2): its format is the inner name's
            name = name.substring(0, name.lastIndexOf('.'));
        }
        if (name.endsWith(".csv")) {
            return "csv";
        }
        if (name.endsWith(".tsv")) {
            return "tsv";
        }
        if (name.endsWith(".txt")) {
            return target != null ? "csv" : textFormat(data);
        }
        return name.endsWith(".svm") || name.endsWith(".libsvm") || name.endsWith(".svmlight") ? "svmlight" : "";
    }

    /** Whether the --data file is read as CSV or TSV. */
    boolean isText() {
        String f = dataFormat();
        return f.equals("csv") || f.equals("tsv");
    }

    /** --target as a zero-based index, or -1 when it is a name (or absent). */
    int targetIndex() {
        if (target == null || !target.matches("\\d+")) {
            return -1;
        }
        try {
            return Integer.parseInt(target);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--target " + dev.downhill.io.MalformedFileException.quote(target)
                    + " is too large for a column index (at most " + Integer.MAX_VALUE + ")");
        }
    }

    /** --memory-budget and --device-memory-budget as backend options (unset ones keep their defaults). */
    BackendOptions backendOptions() {
        BackendOptions.Builder b = BackendOptions.builder();
        if (memoryBudget != null) {
            b.hostMemoryBudget(ByteSizes.parse(memoryBudget, "--memory-budget"));
        }
        if (deviceMemoryBudget != null) {
            b.deviceMemoryBudget(ByteSizes.parse(deviceMemoryBudget, "--device-memory-budget"));
        }
        return b.build();
    }

    /**
     * Reads the data named by the options (a .npy X over the host memory budget is memory-mapped); with
     * {@code --weight-column} the CSV's weights come with it. {@code --weights} is applied by {@link #weighted}.
     */
    Dataset load() {
        checkWeightOptions();
        return loadData();
    }

    /** --weights and --weight-column exclude each other, and the column is a CSV's (dense or sparse reads alike). */
    private void checkWeightOptions() {
        if (weights != null && weightColumn != null) {
            throw new IllegalArgumentException("give either --weights or --weight-column, not both");
        }
        if (weightColumn != null && (data == null || !isText())) {
            throw new IllegalArgumentException("--weight-column applies to --data CSV/TSV files; with .npy, .npz or svmlight data "
                    + "use --weights w.npy");
        }
    }

    /**
     * {@code data} with the weights of {@code --weights} (a view sharing X and y: close it before {@code data};
     * closing both is harmless), or {@code data} itself without the option.
     */
    Dataset weighted(Dataset data) {
        return weights == null ? data : withWeightsFile(data, weights);
    }

    /** {@code data} with the weights of a 1-D float32/float64 .npy file of one value ≥ 0 per row (a view, see {@link #weighted}). */
    static Dataset withWeightsFile(Dataset data, Path file) {
        double[] w = readWeights(file, data.rows());
        try {
            return data.withWeights(w);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--weights " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code data} with the weights of {@code --weights} (the result takes over data's memory), or data itself. */
    dev.downhill.SparseDataset weighted(dev.downhill.SparseDataset data) {
        if (weights == null) {
            return data;
        }
        double[] w;
        try {
            w = readWeights(weights, data.rows());
            return data.withWeights(w);
        } catch (RuntimeException e) {
            data.close();
            throw e instanceof IllegalArgumentException && !e.getMessage().startsWith("--weights")
                    ? new IllegalArgumentException("--weights " + weights + ": " + e.getMessage(), e) : e;
        }
    }

    /**
     * The weights of a 1-D float32/float64 .npy of {@code rows} values, or int32/int64 ones (counts: converted to
     * float64, as an integer X is), checked here for shape and type only.
     */
    static double[] readWeights(Path file, long rows) {
        var header = NpyReader.readHeader(file);
        String dtype = header.dtype().name();
        if (!dtype.equals("FLOAT32") && !dtype.equals("FLOAT64") && !dtype.equals("INT32") && !dtype.equals("INT64")) {
            throw new IllegalArgumentException("--weights " + file + " holds " + dtype.toLowerCase(Locale.ROOT)
                    + " values: it must be float32, float64, int32 or int64");
        }
        long[] shape = header.shape();
        if (!(shape.length == 1 || shape.length == 2 && shape[1] == 1)) { // (m, 1) as y may be: one column
            throw new IllegalArgumentException("--weights " + file + " has shape " + header.shapeText()
                    + ": it must be 1-D (or one column), one weight per row");
        }
        if (shape[0] != rows) {
            throw new IllegalArgumentException("--weights " + file + " holds " + shape[0] + " weights but the data have "
                    + rows + " rows");
        }
        try (dev.downhill.io.HostArray w = NpyReader.readVector(file, Precision.FLOAT64)) {
            return w.toDoubleArray();
        }
    }

    /** --memory-budget, or the host budget's default: the size above which X is mapped from its file. */
    private long hostMemoryBudget() {
        return backendOptions().orElse(BackendOptions.defaults()).hostMemoryBudget().orElseGet(HostMemoryBudget::defaultBytes);
    }

    private Dataset loadData() {
        if (data != null && (x != null || y != null)) {
            throw new IllegalArgumentException("give either --x/--y or --data, not both");
        }
        if (data == null) {
            if (x == null || y == null) {
                throw new IllegalArgumentException("give --x X.npy and --y y.npy, or --data FILE");
            }
            if (target != null) {
                throw new IllegalArgumentException("--target applies to --data CSV files only");
            }
            for (Path p : new Path[] {x, y}) {
                if (java.nio.file.Files.isDirectory(p)) {
                    throw new IllegalArgumentException(p + " is a folder, not a .npy file");
                }
                if (java.nio.file.Files.exists(p) && !java.nio.file.Files.isRegularFile(p)) {
                    throw new IllegalArgumentException(p + " is not a regular file (a pipe or a device?): .npy inputs are "
                            + "read by their size and may be memory-mapped; save it to a file first");
                }
            }
            warnSvmLightOptions("a .npy X");
            warnHeaderOption("a .npy X");
        long budget = hostMemoryBudget();
            var header = NpyReader.readHeader(x);
            Precision own = header.dtype().naturalPrecision();
            Precision target = precision() == null ? own : precision();
            long bytes = header.elementCount() * target.bytes(); // the size in memory, after any conversion
            if (bytes > budget) {
                if (precision() != null && precision() != own) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "X (%.3g GB) exceeds the memory budget (%.3g GB), so it "
                            + "is mapped from its file as it is: --precision %s cannot convert it (the file holds %s)",
                            bytes / 1e9, budget / 1e9, precision, own.name().toLowerCase(Locale.ROOT)));
                }
                String unmappable = MappedNpy.unmappable(header);
                if (unmappable != null) { // said before any note that it would be mapped (the note and this error contradicted)
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "X (%.3g GB) exceeds the memory budget (%.3g GB), "
                            + "and %s cannot be mapped from its file instead (%s); --memory-budget %dm or more reads it into memory",
                            bytes / 1e9, budget / 1e9, x, unmappable, (bytes + (1L << 20) - 1) >> 20));
                }
                if (notes != null) {
                    notes.printf(Locale.ROOT, "downhill: note: X (%.3g GB) exceeds the memory budget (%.3g GB): mapping it from %s and streaming it each step%n",
                            bytes / 1e9, budget / 1e9, x);
                    notes.flush();
                }
                return MappedNpy.open(x, y);
            }
            return NpyReader.readDataset(x, y, precision());
        }
        String name = data.getFileName() == null ? "" : data.getFileName().toString().toLowerCase(Locale.ROOT);
        String format = dataFormat();
        warnMemoryBudgetForText();
        if (isText()) {
            warnSvmLightOptions("a CSV/TSV --data file");
            Dataset read = csvReader().read(dataFile());
            checkHeader();
            return read;
        }
        if (format.equals("svmlight")) {
            if (target != null) {
                throw new IllegalArgumentException("--target applies to CSV files; svmlight files carry the target first on each line");
            }
            warnHeaderOption("an svmlight file");
            Dataset read = svmLightReader().read(dataFile());
            if (!dense) {
                noteSparseRead(read);
            }
            return read;
        }
        if (name.endsWith(".npy")) {
            throw new IllegalArgumentException(".npy files hold one array: use --x X.npy --y y.npy");
        }
        if (name.endsWith(".npz")) {
            throw new IllegalArgumentException("--data reads CSV, TSV and svmlight files: give a scipy.sparse.save_npz matrix "
                    + "as --x X.npz --y y.npy, and the arrays of an np.savez archive as .npy files (--x X.npy --y y.npy)");
        }
        if (java.nio.file.Files.isDirectory(dataFile())) {
            throw new IllegalArgumentException(data + " is a folder: --data names a file");
        }
        for (String[] packer : new String[][] {{".xz", "xz"}, {".zst", "zstd"}, {".lz4", "lz4"}, {".zip", "unzip -p"}, {".7z", "7z"}}) {
            if (name.endsWith(packer[0])) {
                String decompress = packer[1].equals("unzip -p") ? "unzip -p " + data : packer[1] + " -dc " + data;
                String inner = name.substring(0, name.length() - packer[0].length());
                String as = inner.endsWith(".tsv") ? "tsv" : inner.endsWith(".svm") || inner.endsWith(".libsvm")
                        || inner.endsWith(".svmlight") ? "svmlight" : "csv";
                throw new IllegalArgumentException(data + " is " + packer[1].replace(" -p", "") + "-compressed, which is not read (gzip "
                        + "and bzip2 are): decompress it first, or pipe it (" + decompress + ") to --data - --format " + as);
            }
        }
        throw new IllegalArgumentException("cannot tell the format of " + data + " from its name: use .csv, .tsv, .txt, .svm, "
                + ".libsvm or .svmlight, or give --format csv|tsv|svmlight");
    }

    /** The threads text is read on (fit's --threads after its cap; 0: every core). */
    private int readThreads;

    /** Reads text on {@code threads} threads (0: every core), as the fit runs on them. */
    void readThreads(int threads) {
        this.readThreads = threads;
    }

    /** --header as the reader's rule (auto when not given); an IllegalArgumentException names a value other than auto, yes, no. */
    CsvReader.Header headerRule() {
        return headerRule(header);
    }

    /** {@link #headerRule()} for a --header value (fit's and predict's). */
    static CsvReader.Header headerRule(String header) {
        if (header == null) {
            return CsvReader.Header.AUTO;
        }
        switch (header.toLowerCase(Locale.ROOT)) {
            case "auto":
                return CsvReader.Header.AUTO;
            case "yes":
                return CsvReader.Header.PRESENT;
            case "no":
                return CsvReader.Header.ABSENT;
            default:
                throw new IllegalArgumentException("--header must be auto, yes or no, got " + dev.downhill.io.MalformedFileException.quote(header));
        }
    }

    /** The CSV/TSV reader the options describe: delimiter, --header, --target, --weight-column, --precision. */
    private CsvReader csvReader() {
        CsvReader reader = CsvReader.defaults().withThreads(readThreads).withHeader(headerRule());
        if (dataFormat().equals("tsv")) {
            reader = reader.withDelimiter('\t');
        }
        if (target != null) {
            int index = targetIndex();
            reader = index >= 0 ? reader.withTargetIndex(index) : reader.withTarget(target);
        }
        if (weightColumn != null) {
            reader = reader.withWeightColumn(weightColumn);
        }
        if (precision() != null) {
            reader = reader.withPrecision(precision());
        }
        return reader;
    }

    /**
     * The names of the --data table's columns as the options read them — its features in X's order (neither the target
     * nor the weight column), its target and its --weight-column's name (null without one) — when it is a CSV/TSV file with a header that can be read twice (a regular
     * file); else null. Reads its first line only.
     */
    dev.downhill.TableColumns tableColumns() {
        dev.downhill.io.CsvLayout layout = headedLayout();
        return layout == null ? null : tableColumns(layout);
    }

    /** The --data table's layout when it is a CSV/TSV file with a header that can be read twice (a regular file); else null. */
    private dev.downhill.io.CsvLayout headedLayout() {
        if (data == null || !isText() || !java.nio.file.Files.isRegularFile(dataFile())) {
            return null;
        }
        dev.downhill.io.CsvLayout layout = csvReader().layout(dataFile());
        return layout.hasHeader() ? layout : null;
    }

    /** {@link #tableColumns()} of a layout with a header. */
    private dev.downhill.TableColumns tableColumns(dev.downhill.io.CsvLayout layout) {
        int weight = -1;
        if (weightColumn != null) {
            weight = weightColumn.matches("\\d+") ? Integer.parseInt(weightColumn) : layout.columnNames().indexOf(weightColumn);
        }
        java.util.List<String> features = new java.util.ArrayList<>();
        for (int k = 0; k < layout.columns(); k++) {
            if (k != layout.targetIndex() && k != weight) {
                features.add(layout.name(k));
            }
        }
        return new dev.downhill.TableColumns(features, layout.targetName(), weight >= 0 ? layout.name(weight) : null);
    }

    /** Whether the data are read sparse: an .npz --x, or --sparse with an svmlight --data file. */
    boolean isSparse() {
        return sparse || x != null && x.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npz");
    }

    /** Reads sparse data: an .npz X (scipy.sparse.save_npz) with a .npy y, or an svmlight file read sparse. */
    dev.downhill.SparseDataset loadSparse() {
        checkWeightOptions();
        if (data != null && (x != null || y != null)) {
            throw new IllegalArgumentException("give either --x/--y or --data, not both");
        }
        if (data == null) {
            if (x == null || y == null) {
                throw new IllegalArgumentException("give --x X.npz and --y y.npy, or --data FILE");
            }
            if (!x.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npz")) {
                throw new IllegalArgumentException("--sparse needs a sparse file: an svmlight --data file or an .npz --x (scipy.sparse."
                        + "save_npz), got " + x);
            }
            warnSvmLightOptions("an .npz X");
            warnHeaderOption("an .npz X");
            if (target != null && warnings != null) {
                warnings.println("downhill: warning: --target does nothing for an .npz X: y is its own file (ignored)");
            }
            dev.downhill.io.CsrMatrix matrix = readOrMapCsr(x, notes);
            try (dev.downhill.io.HostArray targets = NpyReader.readVector(y, Precision.FLOAT64)) {
                return dev.downhill.SparseDataset.of(matrix, targets.toDoubleArray());
            } catch (RuntimeException | Error e) {
                matrix.close();
                throw e;
            }
        }
        String name = data.getFileName() == null ? "" : data.getFileName().toString().toLowerCase(Locale.ROOT);
        warnMemoryBudgetForText();
        if (target != null && !isText()) {
            throw new IllegalArgumentException("--target applies to CSV files; svmlight files carry the target first on each line");
        }
        if (isText() || name.endsWith(".npy") || name.endsWith(".npz") || target != null) {
            // any other name (a pipe, /dev/stdin, .svm, .libsvm, .svmlight, a .txt whose lines are idx:val pairs) is svmlight
            throw new IllegalArgumentException("--sparse applies to svmlight files (.svm, .libsvm, .svmlight, or a pipe) and "
                    + ".npz X (as --x), not " + data);
        }
        // --memory-budget: warnMemoryBudgetForText above said it does nothing (once; a second line said it again)
        warnHeaderOption("an svmlight file");
        dev.downhill.SparseDataset read = dev.downhill.SparseDataset.adopt(svmLightReader().readSparse(dataFile()));
        warnWideForItsEntries(read.cols(), read.x().nonZeros());
        return read;
    }

    /**
     * Whether fit's data are an svmlight --data file whose reading (dense or sparse) its shape decides: neither --sparse
     * nor --dense given ({@link #loadSvmLight}).
     */
    boolean readsAsShaped() {
        return data != null && !sparse && !dense && x == null && y == null && "svmlight".equals(dataFormat());
    }

    /**
     * An svmlight --data file read sparse where its dense X would take at least {@link #SPARSE_HINT_BYTES} of which it
     * stores at most {@link #SPARSE_HINT_DENSITY} (or would exceed the reader's dense limit), else dense — saying which
     * (a note) when read sparse. The caller owns the result.
     */
    SvmLightReader.Read loadSvmLight() {
        checkWeightOptions();
        warnMemoryBudgetForText();
        if (target != null) {
            throw new IllegalArgumentException("--target applies to CSV files; svmlight files carry the target first on each line");
        }
        warnHeaderOption("an svmlight file");
        SvmLightReader reader = svmLightReader();
        Precision precision = precision() == null ? Precision.FLOAT64 : precision();
        SvmLightReader.Read read = reader.read(dataFile(), shape -> readsSparse(shape, precision));
        if (read.isSparse()) {
            warnWideForItsEntries(read.sparse().x().cols(), read.sparse().x().nonZeros());
            if (notes != null) {
                SvmLightReader.FileShape shape = svmLightShape;
                notes.printf(Locale.ROOT, "downhill: note: %s stores %.2g %% of X (%,d non-zeros): read sparse, X takes %s as "
                        + "CSR (dense it would take %s); --dense reads it dense%n", data.toString().equals("-") ? "standard input"
                        : data, 100 * shape.density(), shape.nonZeros(),
                        ByteSizes.format(csrBytes(shape, precision)), ByteSizes.format(denseBytes(shape, precision)));
            }
        }
        return read;
    }

    /**
     * The rule of {@link #loadSvmLight}; a file whose largest index looks stray ({@link #looksStray}: 2 lines with an index
     * of 2e9) is read dense, whose size limit refuses it naming the index to check, rather than fitted sparse with n-length
     * vectors of several GB.
     */
    static boolean readsSparse(SvmLightReader.FileShape shape, Precision precision) {
        double dense = denseBytes(shape, precision);
        return shape.features() <= Integer.MAX_VALUE && !looksStray(shape.features(), shape.nonZeros())
                && (dense >= SPARSE_HINT_BYTES && shape.density() <= SPARSE_HINT_DENSITY || dense > SvmLightReader.DEFAULT_DENSE_LIMIT_BYTES);
    }

    private static double denseBytes(SvmLightReader.FileShape shape, Precision precision) {
        return (double) shape.rows() * shape.features() * precision.bytes();
    }

    /** CSR's bytes: a value and a 32-bit column index per entry, and a 64-bit pointer per row. */
    private static double csrBytes(SvmLightReader.FileShape shape, Precision precision) {
        return shape.nonZeros() * (4.0 + precision.bytes()) + 8.0 * (shape.rows() + 1);
    }

    /**
     * An .npz X read into memory, or mapped from its file ({@link NpzReader#mapCsr}) when its CSR arrays would exceed the
     * host memory budget — as a dense .npy X is mapped. A file that cannot be mapped (compressed, converted, unaligned) and
     * is over the budget is refused with the reason and what to do.
     */
    private dev.downhill.io.CsrMatrix readOrMapCsr(Path file, java.io.PrintWriter notes) {
        long budget = hostMemoryBudget();
        dev.downhill.io.NpzReader.Size size = dev.downhill.io.NpzReader.csrSize(file);
        Precision target = precision() == null ? size.precision() : precision();
        long bytes = size.bytes(target);
        if (bytes <= budget) {
            return dev.downhill.io.NpzReader.readCsr(file, precision());
        }
        String over = String.format(Locale.ROOT, "X (%.3g GB as CSR) exceeds the memory budget (%.3g GB)", bytes / 1e9, budget / 1e9);
        if (target != size.precision()) {
            throw new IllegalArgumentException(over + ", so it is mapped from its file as it is: --precision "
                    + target.name().toLowerCase(Locale.ROOT) + " cannot convert it (the file holds "
                    + size.precision().name().toLowerCase(Locale.ROOT) + ")");
        }
        try {
            dev.downhill.io.CsrMatrix mapped = dev.downhill.io.NpzReader.mapCsr(file);
            if (notes != null) {
                notes.printf(Locale.ROOT, "downhill: note: %s: mapping its indices and values from %s%n", over, file);
                notes.flush();
            }
            return mapped;
        } catch (dev.downhill.io.NpzReader.NotMappableException e) {
            // the library's "read it into memory instead (readCsr)" is, here, a budget that takes its CSR arrays
            String inMemory = "--memory-budget " + ((bytes + (1L << 20) - 1) >> 20) + "m";
            String m = e.getMessage();
            throw new IllegalArgumentException(over + ", and " + (m.contains("(readCsr)")
                    ? m.replace("read it into memory instead (readCsr)", "read it into memory instead (" + inMemory + ")")
                    : m + "; or read it into memory with " + inMemory), e);
        }
    }

    /** A dense X at least this large, read from an svmlight file that stores at most {@link #SPARSE_HINT_DENSITY} of it, draws the note. */
    static final long SPARSE_HINT_BYTES = 64L << 20;
    static final double SPARSE_HINT_DENSITY = 0.1;

    /**
     * The note that an svmlight file read dense ({@code --sparse} not given) would take far less memory read sparse: a
     * 97 MB file of 1 % non-zeros became a 1.6 GB X (3.45 GB peak) where {@code --sparse} peaks at 0.4 GB, silently. Said
     * for an X of at least 64 MiB with at most 10 % of its values stored; CSR holds a value and a 32-bit index per entry.
     */
    private void noteSparseRead(Dataset read) {
        SvmLightReader.FileShape shape = svmLightShape;
        if (notes == null || shape == null) {
            return;
        }
        long denseBytes = read.rows() * read.cols() * read.precision().bytes();
        if (denseBytes >= SPARSE_HINT_BYTES && shape.density() <= SPARSE_HINT_DENSITY) {
            double csrBytes = csrBytes(shape, read.precision());
            notes.printf(Locale.ROOT, "downhill: note: %s stores %.2g %% of X (%,d non-zeros): read dense, X takes %s; --sparse "
                    + "would keep its non-zeros (about %s) and fit them without densifying%n", data, 100 * shape.density(),
                    shape.nonZeros(), dev.downhill.internal.ByteSizes.format(denseBytes), dev.downhill.internal.ByteSizes.format(csrBytes));
        }
    }

    /** How the indices of the svmlight file read last turned out to be numbered (ZERO or ONE); null before one is read. */
    SvmLightReader.IndexBase svmLightIndexBase() {
        return svmLightIndexBase;
    }

    /** The svmlight reader the options describe: index numbering, --features, --precision; it records the numbering. */
    private SvmLightReader svmLightReader() {
        SvmLightReader reader = SvmLightReader.defaults().withShapeReport(shape -> {
                    svmLightIndexBase = shape.indexBase();
                    svmLightShape = shape;
                })
                .withThreads(readThreads);
        if (zeroBased || oneBased) {
            reader = reader.withZeroBasedIndices(zeroBased);
        }
        if (features != null) {
            reader = reader.withFeatures(features);
        }
        return precision() == null ? reader : reader.withPrecision(precision());
    }
}
