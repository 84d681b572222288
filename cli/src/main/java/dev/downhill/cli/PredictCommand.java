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
 * file that carries targets) it also prints MSE and R². Sparse X — an .npz {@code --x} or an svmlight
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

    @Option(names = "--data", paramLabel = "FILE", description = "A CSV/svmlight file with features and targets (prints MSE and R² too); "
            + "svmlight files are read sparse.")
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

    @Option(names = "--target", paramLabel = "NAME|INDEX", description = "CSV target column: a header name or a zero-based index (default: the column named by the model's data.targetName when it has one, else the last).")
    String target;

    @Option(names = "--weight-column", paramLabel = "NAME|INDEX", description = "CSV column of sample weights (not a feature): "
            + "the printed MSE and R² are weighted.")
    String weightColumn;

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
            checkTableColumns(saved, input);
            try (Dataset d = input.load()) {
                if (d.cols() + 1 == m.features()) { // the file's last column went to y: likely features without a target
                    throw new IllegalArgumentException(data + " has " + d.cols() + " feature columns and a target column ("
                            + (target == null ? "the last" : "--target " + target) + ") but the model has " + m.features()
                            + " coefficients: predict --data reads the target too (to print MSE and R²); to predict from "
                            + "features alone, save them as a 2-D .npy and give --x");
                }
                predictions = m.predict(d);
                Score s = m.score(d);
                spec.commandLine().getErr().printf(Locale.ROOT, "MSE %.10g, R² %.10g on %d rows%s%n", s.mse(), s.r2(), d.rows(),
                        d.isWeighted() ? " (weighted)" : "");
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

    /**
     * A model fitted on a CSV with a header records its columns ({@code data.featureNames}, {@code data.targetName}): a
     * --data table with a header is then read by them — the target found by its name when --target is not given (it
     * was the last column, whatever its name: a model fitted with --target price scored a file whose last column was
     * a feature) — and its features must be the model's, in the model's order (a swapped pair of columns predicted
     * silently wrong). Tables without a header, or models without names, are read as before.
     */
    private void checkTableColumns(dev.downhill.SavedModel saved, InputOptions input) {
        if (saved.columns().isEmpty()) {
            return;
        }
        dev.downhill.TableColumns fitted = saved.columns().get();
        java.util.List<String> header = input.headerNames();
        if (header.isEmpty()) {
            return;
        }
        if (header.equals(fitted.features())) {
            throw new IllegalArgumentException(data + " has the model's features and no target column: predict --data reads "
                    + "the target too (to print MSE and R²); to predict from features alone, save them as a 2-D .npy and give --x");
        }
        if (target == null) {
            long named = header.stream().filter(fitted.target()::equals).count();
            if (named == 0) { // the last column would be scored as the target, whatever it holds
                throw new IllegalArgumentException(data + " has no column named '" + fitted.target() + "' (the model's target, "
                        + "data.targetName): give --target NAME|INDEX for this table's target column");
            }
            if (named == 1) { // several: by position, as --target would have to say which
                input.target = fitted.target();
            }
        }
        dev.downhill.TableColumns here = input.tableColumns();
        if (here == null || here.features().equals(fitted.features())) {
            return;
        }
        java.util.List<String> missing = new java.util.ArrayList<>(fitted.features());
        missing.removeAll(here.features());
        java.util.List<String> extra = new java.util.ArrayList<>(here.features());
        extra.removeAll(fitted.features());
        String why;
        if (missing.isEmpty() && extra.isEmpty()) {
            why = "the model's features in another order";
        } else {
            why = (missing.isEmpty() ? "" : "no column" + (missing.size() > 1 ? "s " : " ") + quoted(missing))
                    + (!missing.isEmpty() && !extra.isEmpty() ? " and " : "")
                    + (extra.isEmpty() ? "" : "column" + (extra.size() > 1 ? "s " : " ") + quoted(extra) + " the model does not have");
        }
        throw new IllegalArgumentException(data + " has " + why + ": the model was fitted on the features "
                + quoted(fitted.features()) + " with the target '" + fitted.target() + "' (data.featureNames, data.targetName); "
                + "give a table with those columns" + (target == null ? "" : ", or another --target")
                + (missing.isEmpty() && extra.size() == 1 && weightColumn == null ? " (a column of sample weights is named with "
                + "--weight-column)" : ""));
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
        return new IllegalArgumentException(x + " has " + cols + " columns but the model has " + m.features() + " coefficients");
    }

    private static String baseName(SvmLightReader.IndexBase base) {
        return base == SvmLightReader.IndexBase.ZERO ? "zero" : "one";
    }
}
