package dev.downhill.cli;

import dev.downhill.Dataset;
import dev.downhill.FittedModel;
import dev.downhill.ModelFile;
import dev.downhill.Precision;
import dev.downhill.Score;
import dev.downhill.SparseDataset;
import dev.downhill.io.CsrMatrix;
import dev.downhill.io.NpzReader;
import dev.downhill.io.SvmLightReader;
import dev.downhill.io.AtomicFile;
import dev.downhill.io.HostArray;
import dev.downhill.io.NpyReader;
import dev.downhill.io.NpyWriter;
import dev.downhill.spi.Backend;
import dev.downhill.spi.Backends;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code downhill predict}: a model file and X → predictions, as .npy (float64) or .csv (one value
 * per line, shortest round-trip decimal), or on stdout. With {@code --data} (a CSV or svmlight
 * file that carries targets) it also prints MSE and R²; a CSV table of the features alone is predicted without a score
 * ({@link #readTable}). Sparse X — an .npz {@code --x} or an svmlight
 * {@code --data} file — is read sparse and predicted over its stored entries, never densified.
 */
@Command(name = "predict", description = "Predict with a model file: ŷ = Xθ + b.", sortOptions = false,
        mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class)
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "model.json", description = "A model written by fit --out.")
    Path model;

    @Option(names = "--x", paramLabel = "X.npy", description = "Features as a 2-D .npy array, or a sparse matrix saved by "
            + "scipy.sparse.save_npz (.npz, read sparse).")
    Path x;

    @Option(names = "--y", paramLabel = "y.npy", description = "Targets for --x as a 1-D .npy array: prints MSE and R² too.")
    Path y;

    @Option(names = "--data", paramLabel = "FILE", description = "A CSV/svmlight file with features and targets (prints MSE and R² too), "
            + "or a CSV of the features alone (predictions only); a table's columns are found by the model's names "
            + "(data.featureNames) in any order, others ignored; svmlight files are read sparse.")
    Path data;

    @Option(names = "--format", paramLabel = "csv|tsv|svmlight", description = "The --data file's format when its name does not "
            + "tell (standard input as -, a pipe, another extension).")
    String format;

    @Option(names = "--zero-based", description = "svmlight: feature indices start at 0 (default: the numbering the model was "
            + "fitted with, data.indexBase; for models without it, scikit-learn's rule — zero-based when the file has an index 0, "
            + "else one-based).")
    boolean zeroBased;

    @Option(names = "--one-based", description = "svmlight: feature indices start at 1.")
    boolean oneBased;

    @Option(names = "--target", paramLabel = "NAME|INDEX", description = "CSV target column: a header name or a zero-based index (default: the column named by the model's data.targetName when it has one — none there: predictions only, no score —, else the last; a file of as many columns as the model has coefficients has no target).")
    String target;

    @Option(names = "--weight-column", paramLabel = "NAME|INDEX", description = "CSV column of sample weights (not a feature): "
            + "the printed MSE and R² are weighted (default: the column named by the model's data.weightColumn, when the "
            + "table has it).")
    String weightColumn;

    @Option(names = "--header", paramLabel = "auto|yes|no", description = "Whether the CSV/TSV --data file's first line is a "
            + "header: yes, no, or auto — a header when none of its cells is a number, when they are 0, 1, … (pandas' labels, 3 or "
            + "more), when it starts with #, or when it names every one of the model's features (default: auto).")
    String header;

    @Option(names = "--out", paramLabel = "FILE", converter = Outputs.FileName.class, description = "Write predictions to .npy or .csv/.txt, atomically (default: stdout).")
    Path out;

    @Option(names = "--backend", paramLabel = "NAME|auto", description = "The backend to predict on: auto, cpu, cuda or nd4j "
            + "(default: the one the model was fitted with, hyperparameters.backend; when that one cannot run here, the "
            + "automatic choice, with a warning). Backends' predictions differ in the last bits at most.")
    String backend;

    @Option(names = "--quiet", description = "No notes on stderr (warnings and the MSE/R² line stay), as fit's --quiet.")
    boolean quiet;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads to read a CSV/TSV or svmlight --data file and to "
            + "predict on, 0 = all cores (default: reading on every core, predicting on the threads the model was fitted "
            + "with, hyperparameters.threads); at most 4 per core.")
    Integer threads;

    @Mixin
    VerboseOption verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The input files given, by option name (absent ones left out). */
    private java.util.Map<String, Path> inputFiles() {
        java.util.Map<String, Path> files = new java.util.LinkedHashMap<>();
        files.put("--model", model);
        if (x != null) {
            files.put("--x", x);
        }
        if (y != null) {
            files.put("--y", y);
        }
        if (data != null && !data.toString().equals("-")) {
            files.put("--data", data);
        }
        return files;
    }

    /** y for an .npz X of {@code rows} rows, read whole (float64). */
    private static double[] targets(Path file, long rows) {
        try (HostArray v = NpyReader.readVector(file, Precision.FLOAT64)) {
            if (v.rows() != rows) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "--y %s holds %d values but --x has %d rows", file,
                        v.rows(), rows));
            }
            return v.toDoubleArray();
        }
    }

    private void printScore(Score s, long rows) {
        spec.commandLine().getErr().printf(Locale.ROOT, "MSE %.10g, R² %.10g on %d rows%n", s.mse(), s.r2(), rows);
    }

    @Override
    public Integer call() throws IOException {
        if ((x == null) == (data == null)) {
            throw Main.usage(spec, "give exactly one of --x X.npy or --data FILE");
        }
        if (y != null && x == null) {
            throw Main.usage(spec, "--y gives the targets of --x; a --data file carries its own");
        }
        if (x != null && target != null) {
            throw Main.usage(spec, "--target applies to --data files only");
        }
        if (threads != null && threads < 0) {
            throw Main.usage(spec, "--threads must be ≥ 0 (0 = all cores), got " + threads);
        }
        int workers = threads == null ? 0 : FitCommand.cappedThreads(threads, Long.MAX_VALUE);
        if (threads != null && workers != threads && !quiet) {
            spec.commandLine().getErr().printf(Locale.ROOT, "downhill: note: --threads %d capped at %d (at most %d per core "
                    + "on %d cores)%n", threads, workers, FitCommand.THREADS_PER_CORE, Runtime.getRuntime().availableProcessors());
        }
        InputOptions input = new InputOptions();
        input.readThreads(workers);
        input.data = data;
        input.format = format;
        input.target = target;
        input.weightColumn = weightColumn;
        Main.option(spec, () -> {
            input.validate();
            if (target != null && input.dataFormat().equals("svmlight")) { // as fit does: a usage error, never ignored
                throw new IllegalArgumentException("--target applies to CSV files; svmlight files carry the target first on "
                        + "each line");
            }
            if (backend != null) {
                BackendOption.check(backend);
            }
            headerMode();
            return null;
        });
        boolean npy = false;
        if (out != null) {
            String name = out.getFileName() == null ? "" : out.getFileName().toString().toLowerCase(Locale.ROOT);
            npy = name.endsWith(".npy");
            if (!npy && !name.endsWith(".csv") && !name.endsWith(".txt")) {
                throw Main.usage(spec, "--out must end in .npy, .csv or .txt, got " + out);
            }
            Outputs.check(out); // before reading anything
            Outputs.checkNotInputs(spec, java.util.Map.of("--out", out), inputFiles());
        }
        if (zeroBased && oneBased) {
            throw Main.usage(spec, "give at most one of --zero-based and --one-based");
        }
        boolean npz = x != null && x.getFileName() != null && x.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npz");
        boolean svmLight = data != null && input.dataFormat().equals("svmlight");
        dev.downhill.SavedModel saved = ModelFile.read(model);
        FittedModel m = saved.model().predictingOn(predictionBackend(saved.model(), npz || svmLight));
        if (threads != null) {
            m = m.predictingOnThreads(workers);
        }
        double[] predictions;
        PrintWriter o = spec.commandLine().getOut();
        if ((zeroBased || oneBased) && !svmLight) {
            spec.commandLine().getErr().println("downhill: warning: --zero-based/--one-based apply to svmlight --data files only (ignored)");
        }
        if (header != null && (data == null || svmLight)) {
            Main.warn(spec, "--header applies to CSV/TSV --data files only (ignored)");
        }
        if (weightColumn != null && (data == null || svmLight)) {
            spec.commandLine().getErr().println("downhill: warning: --weight-column applies to CSV --data files only (ignored"
                    + (svmLight ? ": the MSE and R² printed are unweighted)" : ")"));
        }
        if (npz) {
            try (CsrMatrix matrix = NpzReader.readCsr(x)) {
                if (matrix.cols() != m.features()) { // its shape is declared (svmlight's n is only its largest index)
                    throw columnsDiffer(matrix.cols(), m);
                }
                double[] targets = y == null ? new double[Math.toIntExact(matrix.rows())] : targets(y, matrix.rows()); // zeros: unread
                try (SparseDataset d = SparseDataset.of(matrix, targets)) {
                    predictions = m.predict(d);
                    if (y != null) {
                        printScore(m.score(d), d.rows());
                    }
                }
            }
        } else if (svmLight) {
            SvmLightReader reader = SvmLightReader.defaults().withFeatures(m.features()).withThreads(workers);
            java.util.Optional<SvmLightReader.IndexBase> fitted = saved.indexBase();
            if (zeroBased || oneBased) {
                reader = reader.withZeroBasedIndices(zeroBased);
                SvmLightReader.IndexBase given = zeroBased ? SvmLightReader.IndexBase.ZERO : SvmLightReader.IndexBase.ONE;
                if (fitted.isPresent() && fitted.get() != given) {
                    spec.commandLine().getErr().printf(Locale.ROOT, "downhill: warning: the model was fitted to %s-based "
                            + "indices; %s reads this file's as %s-based%n", baseName(fitted.get()), zeroBased ? "--zero-based"
                            : "--one-based", baseName(given));
                }
            } else if (fitted.isPresent()) { // the training file's numbering, not a guess from this file's indices
                reader = reader.withIndexBase(fitted.get());
            } else { // scikit-learn's rule: a file without an index 0 is read one-based, which may be a wrong guess
                reader = reader.withIndexBaseReport(base -> {
                    if (base == SvmLightReader.IndexBase.ONE) {
                        spec.commandLine().getErr().printf(Locale.ROOT, "downhill: warning: %s has no index 0, so it is read "
                                + "one-based (index k is coefficient k − 1; scikit-learn's rule), and the model does not record "
                                + "how its training data was numbered (it was not fitted on an svmlight file): give --zero-based "
                                + "if this file's indices start at 0%n", data);
                    }
                });
            }
            dev.downhill.io.SparseData read;
            try {
                read = reader.readSparse(input.dataFile());
            } catch (dev.downhill.io.MalformedFileException e) {
                if (!zeroBased && !oneBased && fitted.orElse(null) == SvmLightReader.IndexBase.ONE && e.getMessage().contains("index 0")) {
                    throw new IllegalArgumentException(e.getMessage() + " — the model was fitted to one-based indices "
                            + "(data.indexBase 1), so its files are read one-based; --zero-based reads this one zero-based", e);
                }
                if (e.getMessage().contains(" features given")) { // the width given is the model's
                    throw new IllegalArgumentException(e.getMessage().replace(" features given", " features of the model")
                            + "; to predict files with features the training file lacked, fit with --features N (N ≥ their "
                            + "largest index, + 1 when zero-based): features absent from the training rows get coefficient 0", e);
                }
                throw e;
            }
            try (SparseDataset d = SparseDataset.adopt(read)) {
                predictions = m.predict(d);
                Score s = m.score(d);
                spec.commandLine().getErr().printf(Locale.ROOT, "MSE %.10g, R² %.10g on %d rows%n", s.mse(), s.r2(), d.rows());
            }
        } else if (x != null && y != null) {
            try (Dataset d = NpyReader.readDataset(x, y, null)) {
                if (d.cols() != m.features()) {
                    throw columnsDiffer(d.cols(), m);
                }
                predictions = m.predict(d);
                printScore(m.score(d), d.rows());
            }
        } else if (x != null) {
            try (HostArray array = NpyReader.readMatrix(x)) {
                if (array.cols() != m.features()) {
                    throw columnsDiffer(array.cols(), m);
                }
                predictions = m.predict(array.pointer(), array.rows());
            }
        } else {
            boolean[] scored = new boolean[1];
            try (Dataset d = readTable(saved, m.features(), input, workers, scored)) {
                predictions = m.predict(d);
                if (scored[0]) {
                    Score s = m.score(d);
                    spec.commandLine().getErr().printf(Locale.ROOT, "MSE %.10g, R² %.10g on %d rows%s%n", s.mse(), s.r2(),
                            d.rows(), d.isWeighted() ? " (weighted)" : "");
                }
            }
        }
        long nonFinite = java.util.Arrays.stream(predictions).filter(v -> !Double.isFinite(v)).count();
        if (nonFinite > 0) {
            Main.warn(spec, nonFinite + " of the " + predictions.length + " predictions are not finite (Xθ + b overflows float64: "
                    + "X's values or the model's coefficients are too large for each other)");
        }
        if (out == null) {
            for (double v : predictions) {
                o.println(v);
            }
            return 0;
        }
        Main.checkStandardOutput(); // a standard output that failed leaves the predictions file as it was
        if (npy) {
            NpyWriter.writeVector(out, predictions, Precision.FLOAT64);
        } else {
            try (AtomicFile file = AtomicFile.create(out)) {
                BufferedWriter w = new BufferedWriter(new OutputStreamWriter(file.stream(), StandardCharsets.UTF_8), 1 << 16);
                w.write("prediction\n");
                for (double v : predictions) {
                    w.write(Double.toString(v));
                    w.write('\n');
                }
                w.flush();
                file.commit();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
            }
        }
        o.println("wrote " + predictions.length + " predictions to " + out); // once written, as fit's "model written to"
        return 0;
    }

    /**
     * The backend to predict on: {@code --backend} when given (a named one that cannot run here fails, exit 1, as fit's
     * does); else the one the model was fitted with ({@code hyperparameters.backend}, auto included) when it can run here;
     * else — a model fitted on a GPU, read where there is none — the automatic choice, named in a warning (also when the
     * model asked for auto and the backend it ran on, its {@code backend}, is installed here but cannot run).
     *
     * @param sparse whether X is sparse (the automatic choice then takes the first backend with sparse passes)
     * @return a backend name, or null for the automatic choice
     */
    private String predictionBackend(FittedModel fitted, boolean sparse) {
        if (backend != null) {
            if (!Backends.isAuto(backend)) {
                Backend named = Backends.select(backend);
                if (sparse && !named.takesSparse()) {
                    String chosen = Backends.selectSparse(null).name();
                    Main.warn(spec, "the " + named.name() + " backend does not take sparse X: predicting on " + chosen);
                    return chosen; // named, so that the library does not warn a second time
                }
            }
            return backend;
        }
        String recorded = fitted.config().backend();
        if (Backends.isAuto(recorded)) { // the automatic choice again; say so when the fit ran on a backend not here
            String ran = fitted.backend();
            boolean installed = Backends.all().stream().anyMatch(b -> b.name().equalsIgnoreCase(ran));
            java.util.Optional<String> gone = installed ? BackendOption.unavailable(ran) : java.util.Optional.empty();
            if (gone.isPresent()) {
                Main.warn(spec, "the model was fitted on the " + ran + " backend (chosen automatically), unavailable here ("
                        + gone.get() + "): predicting on " + (sparse ? Backends.selectSparse(null) : Backends.select(null)).name());
            }
            return null;
        }
        java.util.Optional<String> why = BackendOption.unavailable(recorded);
        if (why.isEmpty()) {
            return recorded;
        }
        String chosen = (sparse ? Backends.selectSparse(null) : Backends.select(null)).name();
        Main.warn(spec, "the model was fitted on the " + recorded + " backend, unavailable here (" + why.get() + "): predicting on "
                + chosen);
        return chosen;
    }

    /** --header as the reader's mode (IllegalArgumentException for another value: a usage error). */
    private dev.downhill.io.CsvReader.Header headerMode() {
        return InputOptions.headerRule(header);
    }

    /**
     * Reads a CSV/TSV --data table for the model's {@code n} coefficients; {@code scored[0]} says whether it has a target
     * (else y is zero and nothing is scored). With a header and a model that records its columns (data.featureNames,
     * data.targetName, data.weightColumn), the columns are found by name: the features in any order (a missing one is
     * an error naming it), the target by its name or --target (absent: predictions only, said in a note), the weight
     * column by --weight-column or the model's data.weightColumn (its weights weight the score), and any other column
     * ignored (named in a note). Otherwise by position: the columns but the weight column are the features when there
     * are n of them, the features and the target (the last, or --target) when there are n + 1.
     */
    private Dataset readTable(dev.downhill.SavedModel saved, int n, InputOptions input, int workers, boolean[] scored)
            throws IOException {
        Path given = input.dataFile();
        if (java.nio.file.Files.isDirectory(given)) {
            throw new IllegalArgumentException(given + " is a folder: --data names a file");
        }
        if (java.nio.file.Files.isRegularFile(given) || !java.nio.file.Files.exists(given)) {
            return readTable(given, saved, n, input, workers, scored);
        }
        // a pipe (standard input): its first line is read before the rows, so it is read from a copy — owner-only, deleted
        // on close or by the shutdown hook that SIGINT and SIGTERM run (TextLines.Spool)
        try (dev.downhill.io.TextLines.Spool copy = dev.downhill.io.TextLines.spool(given)) {
            try {
                return readTable(copy.path(), saved, n, input, workers, scored);
            } catch (dev.downhill.io.MalformedFileException e) {
                throw new IllegalArgumentException(e.getMessage().replace(copy.path().toString(), given.toString()), e);
            }
        }
    }

    /** Whether the model's recorded names can find its columns: no feature named twice, none named like the target. */
    private static boolean namesAreUnique(dev.downhill.TableColumns columns) {
        java.util.Set<String> seen = new java.util.HashSet<>(columns.features());
        return seen.size() == columns.features().size() && !seen.contains(columns.target());
    }

    private Dataset readTable(Path file, dev.downhill.SavedModel saved, int n, InputOptions input, int workers, boolean[] scored) {
        dev.downhill.io.CsvReader reader = dev.downhill.io.CsvReader.defaults().withThreads(workers).withHeader(headerMode());
        if (input.dataFormat().equals("tsv")) {
            reader = reader.withDelimiter('\t');
        }
        java.util.Optional<dev.downhill.TableColumns> recorded = saved.columns().filter(PredictCommand::namesAreUnique);
        dev.downhill.io.CsvLayout layout = reader.withoutTarget().layout(file); // names and width (one column is fine)
        if (headerMode() == dev.downhill.io.CsvReader.Header.AUTO && !layout.hasHeader() && recorded.isPresent()) {
            // a first line naming every one of the model's features is its header, numbers or not ("2019,2020", pandas' "2,0,1")
            dev.downhill.io.CsvReader named = reader.withHeader(dev.downhill.io.CsvReader.Header.PRESENT);
            dev.downhill.io.CsvLayout asHeader = named.withoutTarget().layout(file);
            if (asHeader.columnNames().containsAll(recorded.get().features())) {
                reader = named;
                layout = asHeader;
            }
        }
        int columns = layout.columns();
        java.util.List<String> names = layout.hasHeader() ? layout.columnNames() : java.util.List.of();
        java.util.Optional<dev.downhill.TableColumns> fitted = layout.hasHeader() ? recorded : java.util.Optional.empty();
        if (layout.hasHeader() && fitted.isEmpty()) {
            Main.warn(spec, (saved.columns().isPresent() ? "the model's column names repeat (data.featureNames, data.targetName)"
                    : "the model records no column names (fitted on .npy or svmlight data, or a table without a header)") + ": "
                    + dataName() + "'s columns are taken by position, its header's names unused");
        } else if (!quiet && layout.hasHeader() && headerMode() == dev.downhill.io.CsvReader.Header.AUTO && !layout.hashHeader()
                && dev.downhill.io.CsvReader.arePandasColumnLabels(names) && !names.containsAll(fitted.get().features())) {
            spec.commandLine().getErr().println("downhill: note: line 1 of " + dataName() + " was read as a header: the column "
                    + "labels pandas writes for a frame without names; --header no reads it as data");
        }
        int weight = -1;
        boolean weightGiven = weightColumn != null;
        if (weightGiven) {
            weight = column(weightColumn, "--weight-column", layout);
        } else if (fitted.isPresent() && fitted.get().weightColumn() != null
                && names.indexOf(fitted.get().weightColumn()) >= 0
                && names.indexOf(fitted.get().weightColumn()) == names.lastIndexOf(fitted.get().weightColumn())) {
            weight = names.indexOf(fitted.get().weightColumn()); // the model's data.weightColumn: never a feature
        }
        int targetColumn;
        java.util.List<Integer> features = new java.util.ArrayList<>();
        java.util.List<String> ignored = new java.util.ArrayList<>();
        String noTarget;
        if (fitted.isPresent()) { // by name
            dev.downhill.TableColumns tc = fitted.get();
            if (target != null) {
                targetColumn = column(target, "--target", layout);
            } else {
                long named = names.stream().filter(tc.target()::equals).count();
                if (named > 1) {
                    throw new IllegalArgumentException(dataName() + " has several columns named '" + tc.target() + "' (the model's "
                            + "target, data.targetName): give --target INDEX");
                }
                targetColumn = names.indexOf(tc.target()); // −1: none
            }
            if (targetColumn >= 0 && targetColumn == weight) {
                throw new IllegalArgumentException(dataName() + ": column '" + names.get(weight) + "' is both the target and the "
                        + "weight column");
            }
            java.util.List<String> missing = new java.util.ArrayList<>();
            for (String feature : tc.features()) {
                java.util.List<Integer> at = new java.util.ArrayList<>();
                for (int k = 0; k < columns; k++) {
                    if (k != targetColumn && k != weight && names.get(k).equals(feature)) {
                        at.add(k);
                    }
                }
                if (at.size() > 1) {
                    throw new IllegalArgumentException(dataName() + " has " + at.size() + " columns named '" + feature + "', a feature "
                            + "of the model: give a table with one");
                }
                if (at.isEmpty()) {
                    missing.add(feature);
                } else {
                    features.add(at.get(0));
                }
            }
            if (!missing.isEmpty()) {
                for (String feature : missing) { // there, but given another role: say so rather than "no column"
                    int at = names.indexOf(feature);
                    if (at >= 0 && (at == targetColumn || at == weight)) {
                        throw new IllegalArgumentException(dataName() + ": column '" + feature + "' is a feature of the model "
                                + "(data.featureNames) but is read as the " + (at == targetColumn ? "target" + (target != null
                                ? " (--target " + target + ")" : "") : "weight column" + (weightGiven ? " (--weight-column "
                                + weightColumn + ")" : " (the model's data.weightColumn)")));
                    }
                }
                java.util.List<String> unmatched = new java.util.ArrayList<>();
                for (int k = 0; k < columns; k++) {
                    if (k != targetColumn && k != weight && !features.contains(k)) {
                        unmatched.add(names.get(k));
                    }
                }
                throw new IllegalArgumentException(dataName() + " has no column" + (missing.size() > 1 ? "s " : " ") + quoted(missing)
                        + ": the model was fitted on the feature" + (tc.features().size() > 1 ? "s " : " ")
                        + quoted(tc.features()) + " (data.featureNames); give a table with " + (tc.features().size() > 1
                        ? "those columns, in any order" : "that column") + " (other columns are ignored)"
                        + (unmatched.isEmpty() ? "" : "; its other columns: " + quoted(unmatched.subList(0, Math.min(8,
                        unmatched.size()))) + (unmatched.size() > 8 ? ", …" : "")));
            }
            for (int k = 0; k < columns; k++) {
                if (k != targetColumn && k != weight && !features.contains(k)) {
                    ignored.add(names.get(k));
                }
            }
            noTarget = "no target column '" + tc.target() + "' in " + dataName();
        } else { // by position
            int others = columns - (weight >= 0 ? 1 : 0);
            if (target != null) {
                targetColumn = column(target, "--target", layout);
            } else if (others == n) {
                targetColumn = -1;
            } else if (others == n + 1) {
                targetColumn = columns - 1; // the last (the reader refuses it when it is the weight column too)
            } else {
                throw new IllegalArgumentException(dataName() + " has " + others + plural(others, " column") + (weight >= 0
                        ? " besides the weight column" : "") + " but the model has " + n + plural(n, " coefficient") + ": give "
                        + n + plural(n, " feature column") + ", or " + n + " and the target (the last column, or --target)");
            }
            for (int k = 0; k < columns; k++) {
                if (k != targetColumn && k != weight) {
                    features.add(k);
                }
            }
            if (targetColumn >= 0 && targetColumn != weight && features.size() != n) {
                throw new IllegalArgumentException(dataName() + " has " + features.size() + plural(features.size(), " feature column")
                        + " and a target column (--target " + target + ") but the model has " + n + plural(n, " coefficient"));
            }
            noTarget = "no target column in " + dataName() + " (" + n + plural(n, " column") + ", one per coefficient"
                    + (weight >= 0 ? ", besides the weight column" : "") + ")";
        }
        reader = reader.withFeatureColumns(features.stream().mapToInt(Integer::intValue).toArray());
        if (targetColumn >= 0) {
            reader = reader.withTargetIndex(targetColumn);
            if (weight >= 0) {
                reader = reader.withWeightColumn(Integer.toString(weight));
            }
        } else {
            reader = reader.withoutTarget(); // the weight column is left out unread: nothing to weight
        }
        Dataset read = reader.read(file); // the notes once it is read (a malformed cell's error stays one line)
        if (targetColumn < 0 && weightGiven) {
            Main.warn(spec, "--weight-column weights the score, and " + dataName() + " has no target column to score (ignored)");
        }
        if (!quiet && !ignored.isEmpty()) {
            spec.commandLine().getErr().println("downhill: note: ignored column" + (ignored.size() > 1 ? "s" : "") + " of " + dataName()
                    + " the model does not use: " + quoted(ignored));
        }
        if (!quiet && targetColumn < 0) {
            spec.commandLine().getErr().println("downhill: note: " + noTarget + ": predictions only, no score");
        } else if (!quiet && weight < 0 && fitted.isPresent() && fitted.get().weightColumn() != null) {
            spec.commandLine().getErr().println("downhill: note: the model was fitted with sample weights (column '"
                    + fitted.get().weightColumn() + "'), which " + dataName() + " lacks: the score is unweighted");
        }
        scored[0] = targetColumn >= 0;
        return read;
    }

    /** A column given as a header name or a zero-based index (--target, --weight-column), checked against the layout. */
    private int column(String given, String option, dev.downhill.io.CsvLayout layout) {
        if (given.matches("\\d+")) {
            int k;
            try {
                k = Integer.parseInt(given);
            } catch (NumberFormatException e) {
                k = Integer.MAX_VALUE;
            }
            if (k >= layout.columns()) {
                throw new IllegalArgumentException(option + " " + given + " (a zero-based index) is out of range: " + dataName()
                        + " has " + layout.columns() + plural(layout.columns(), " column"));
            }
            return k;
        }
        if (!layout.hasHeader()) {
            throw new IllegalArgumentException(option + " " + dev.downhill.io.MalformedFileException.quote(given) + " names a "
                    + "column, but " + dataName() + " has no header: give a zero-based column index, 0 to " + (layout.columns() - 1));
        }
        java.util.List<String> names = layout.columnNames();
        int k = names.indexOf(given);
        if (k < 0) {
            throw new IllegalArgumentException(dataName() + " has no column named " + dev.downhill.io.MalformedFileException.quote(given)
                    + " (" + option + "); its header names " + quoted(names));
        }
        if (names.lastIndexOf(given) != k) {
            throw new IllegalArgumentException(dataName() + " has several columns named " + dev.downhill.io.MalformedFileException.quote(given)
                    + ": give " + option + " as a zero-based index");
        }
        return k;
    }

    /** The --data file for a message ("standard input" for -). */
    private String dataName() {
        return data.toString().equals("-") ? "standard input" : data.toString();
    }

    /** {@code noun}, with an s unless {@code count} is 1. */
    private static String plural(long count, String noun) {
        return count == 1 ? noun : noun + "s";
    }

    /** Names for a message: 'a', 'b', 'c' (the first 8, then how many more). */
    private static String quoted(java.util.List<String> names) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < Math.min(8, names.size()); k++) {
            sb.append(k == 0 ? "" : ", ").append('\'').append(names.get(k)).append('\'');
        }
        return names.size() > 8 ? sb + " and " + (names.size() - 8) + " more" : sb.toString();
    }

    /** The refusal of an --x file with another column count than the model's coefficients. */
    private IllegalArgumentException columnsDiffer(long cols, FittedModel m) {
        return new IllegalArgumentException(x + " has " + cols + plural(cols, " column") + " but the model has " + m.features()
                + plural(m.features(), " coefficient"));
    }

    private static String baseName(SvmLightReader.IndexBase base) {
        return base == SvmLightReader.IndexBase.ZERO ? "zero" : "one";
    }
}
