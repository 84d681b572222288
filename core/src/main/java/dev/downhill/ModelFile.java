package dev.downhill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.downhill.io.AtomicFile;
import dev.downhill.io.SvmLightReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Model files: a fitted model as JSON — {@code coefficients}, {@code intercept}, the solver and
 * every hyperparameter, the result (iterations, stop reason, histories, η used), the training
 * metrics when given, the backend, the library version and the data shape ({@code data.rows},
 * {@code data.features}, {@code data.weighted} and, for sample-weighted data, {@code data.weightSum} = Σw; for a model
 * fitted to an svmlight file, {@code data.indexBase}, 0 or 1: where that file's indices started; for a model fitted to a
 * table with a header, {@code data.featureNames}, {@code data.targetName} and, when it read sample weights from a
 * column, {@code data.weightColumn}: {@link TableColumns}). The penalty is
 * {@code hyperparameters.penalty} (none, l2, l1, elasticnet), {@code hyperparameters.alpha},
 * {@code hyperparameters.l1Ratio} and, when set, {@code hyperparameters.penaltyFactors} (and
 * {@code hyperparameters.l2PenaltyFactors} when the l2 term has its own); a penalised fit adds
 * {@code result.objective} ({@link ConvergenceReport#objective()}) and, for the proximal full-batch solvers and cd,
 * {@code result.dualityGap}; when α was chosen by {@link CrossValidation}, {@code result.crossValidation} holds
 * folds, rule, chosenAlpha, alphaMin, alpha1se and the table (alphas, meanMse, standardError). A fit resumed from a
 * {@link Checkpoint} adds {@code result.resumedFromIteration} and {@code result.resumedRunSeconds} (this run alone;
 * {@code result.wallTimeSeconds} is then the time of all its runs). Files without these
 * fields (written before penalties) read as unpenalised. Doubles are written
 * in Java's shortest round-trip form, so a model read back predicts bit for bit like the one
 * written. Reading checks the format, every field's presence and type, finiteness, that counts ({@code data.rows},
 * {@code data.features}, {@code result.iterations}, {@code hyperparameters.batchSize}, the history lengths, the folds)
 * are not negative, that {@code result.stopReason} is one this library knows, and that the
 * coefficient count matches the recorded feature count; any problem is an
 * {@link IllegalArgumentException} in one line naming the file and the field (or the JSON line and column; a file that
 * ends before its JSON is complete is said to be truncated, with where it ends). Fields this version does not know are
 * ignored (files from later versions read as far as their documented fields go).
 */
public final class ModelFile {
    /** Value of the {@code format} field. */
    public static final String FORMAT = "downhill-model";
    /** Value of the {@code formatVersion} field this code writes and reads. */
    public static final int FORMAT_VERSION = 1;

    /** Strict on reading: a repeated key or anything after the closing brace is an error, not the last value's win. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ModelFile() {
    }

    /**
     * Histories longer than this are thinned in the file to at most this many points (see
     * {@link #write(Path, FittedModel, Score)}).
     */
    public static final int MAX_HISTORY_POINTS = 2000;

    /**
     * Writes {@code model} (and the training score, may be null) to {@code path}, replacing it
     * atomically: the JSON goes to a temporary file beside {@code path}, is fsynced and renamed over
     * it ({@link AtomicFile}), so a failure leaves the previous file intact and no temporary file.
     *
     * <p>A loss or gradient-norm history longer than {@value #MAX_HISTORY_POINTS} points is thinned
     * to at most that many — the first and last iterations, points spaced evenly in the iteration
     * number and points spaced evenly in its logarithm (the early, steep part of a curve) — and the
     * iteration number of each kept point goes in {@code result.lossHistoryIterations} /
     * {@code result.gradientNormHistoryIterations} (absent when a history is complete), with the full
     * length in {@code result.lossHistoryLength} / {@code result.gradientNormHistoryLength}. So a
     * 300,000-iteration fit writes a file of tens of kilobytes, not megabytes; the model read back
     * predicts exactly like the one written, and its {@code lossHistory()} holds the kept points.
     */
    public static void write(Path path, FittedModel model, Score training) {
        write(path, model, training, null);
    }

    /**
     * As {@link #write(Path, FittedModel, Score)}, recording where the indices of the svmlight file the model was fitted to
     * started ({@code data.indexBase}; see {@link #write(OutputStream, FittedModel, Score, SvmLightReader.IndexBase)}).
     */
    public static void write(Path path, FittedModel model, Score training, SvmLightReader.IndexBase indexBase) {
        write(path, model, training, indexBase, null);
    }

    /**
     * As {@link #write(Path, FittedModel, Score, SvmLightReader.IndexBase)}, recording the table's columns too (null: none;
     * see {@link #write(OutputStream, FittedModel, Score, SvmLightReader.IndexBase, TableColumns)}).
     */
    public static void write(Path path, FittedModel model, Score training, SvmLightReader.IndexBase indexBase,
                             TableColumns columns) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(model, "model");
        byte[] bytes = toJson(model, training, checkedIndexBase(indexBase), columns);
        try {
            AtomicFile.write(path, bytes);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("cannot write model file " + path + ": " + e.getMessage().replaceFirst("^cannot write [^:]*: ", ""),
                    e.getCause());
        }
    }

    /**
     * Writes a model read back ({@link #read(Path)}) with everything it recorded: its training score, svmlight index base
     * and table columns — what {@link #write(Path, FittedModel, Score)} of {@code saved.model()} alone would drop. The
     * {@code libraryVersion} written is this library's, as with every write.
     */
    public static void write(Path path, SavedModel saved) {
        Objects.requireNonNull(saved, "saved");
        write(path, saved.model(), saved.training().orElse(null), saved.indexBase().orElse(null), saved.columns().orElse(null));
    }

    /**
     * Writes the model file's bytes (see {@link #write(Path, FittedModel, Score)}) to {@code out}, which stays open.
     *
     * @throws IOException when writing to or flushing {@code out} fails
     */
    public static void write(OutputStream out, FittedModel model, Score training) throws IOException {
        write(out, model, training, null);
    }

    /**
     * As {@link #write(OutputStream, FittedModel, Score)}, for a model fitted to an svmlight file whose indices were
     * numbered from {@code indexBase} ({@link SvmLightReader.IndexBase#ZERO} or {@link SvmLightReader.IndexBase#ONE},
     * as the reader resolved them; null for other data): recorded as {@code data.indexBase} (0 or 1), so that files
     * read for prediction are numbered as the training file was ({@link SavedModel#indexBase()}).
     *
     * @throws IOException              when writing to or flushing {@code out} fails
     * @throws IllegalArgumentException when {@code indexBase} is {@link SvmLightReader.IndexBase#AUTO}
     */
    public static void write(OutputStream out, FittedModel model, Score training, SvmLightReader.IndexBase indexBase)
            throws IOException {
        write(out, model, training, indexBase, null);
    }

    /**
     * As {@link #write(OutputStream, FittedModel, Score, SvmLightReader.IndexBase)}, for a model fitted on a table whose
     * columns were {@code columns} (null: none known): recorded as {@code data.featureNames} and {@code data.targetName},
     * and {@code data.weightColumn} when {@link TableColumns#weightColumn()} names the column of sample weights
     * ({@link SavedModel#columns()}), so that a table read for prediction can be read by them.
     *
     * @throws IOException              when writing to or flushing {@code out} fails
     * @throws IllegalArgumentException when {@code indexBase} is {@link SvmLightReader.IndexBase#AUTO}
     */
    public static void write(OutputStream out, FittedModel model, Score training, SvmLightReader.IndexBase indexBase,
                             TableColumns columns) throws IOException {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(model, "model");
        out.write(toJson(model, training, checkedIndexBase(indexBase), columns));
        out.flush();
    }

    /** The index base to record (null: none); AUTO is refused, as it says nothing about the file. */
    private static SvmLightReader.IndexBase checkedIndexBase(SvmLightReader.IndexBase indexBase) {
        if (indexBase == SvmLightReader.IndexBase.AUTO) {
            throw new IllegalArgumentException("the index base to record is the numbering the reader resolved: ZERO or ONE, not AUTO");
        }
        return indexBase;
    }

    private static byte[] toJson(FittedModel model, Score training, SvmLightReader.IndexBase indexBase, TableColumns columns) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("formatVersion", FORMAT_VERSION);
        root.put("libraryVersion", Version.VERSION);
        putNumbers(root, "coefficients", model.coefficientsView());
        root.put("intercept", model.intercept());
        root.put("fitIntercept", model.fitIntercept());
        root.put("solver", model.solver().cliName());
        root.put("backend", model.backend());
        root.put("precision", model.precision().name().toLowerCase(Locale.ROOT));
        ObjectNode data = root.putObject("data");
        data.put("rows", model.trainingRows());
        data.put("features", model.features());
        data.put("weighted", model.trainingWeighted());
        if (model.trainingWeighted()) {
            data.put("weightSum", model.trainingWeightSum());
        }
        if (indexBase != null) {
            data.put("indexBase", indexBase == SvmLightReader.IndexBase.ZERO ? 0 : 1);
        }
        if (columns != null) {
            if (columns.features().size() != model.features()) {
                throw new IllegalArgumentException(columns.features().size() + " feature names for " + model.features()
                        + " coefficients");
            }
            ArrayNode names = data.putArray("featureNames");
            columns.features().forEach(names::add);
            data.put("targetName", columns.target());
            if (columns.weightColumn() != null) { // added beside the others (absent from older files and unweighted fits)
                data.put("weightColumn", columns.weightColumn());
            }
        }
        FitConfig c = model.config();
        ObjectNode h = root.putObject("hyperparameters");
        if (c.learningRate().isAuto()) {
            h.put("learningRate", "auto");
        } else {
            h.put("learningRate", c.learningRate().value());
        }
        h.put("maxIterations", c.maxIterations());
        if (c.configuredMaxIterations() == 0) { // left to the default (per solver): read back as the default
            h.put("maxIterationsDefault", true);
        }
        h.put("batchSize", c.configuredBatchSize());
        h.put("tolerance", c.tolerance(model.precision()));
        if (Double.isNaN(c.configuredTolerance())) { // left to the default: read back as the default, not this value
            h.put("toleranceDefault", true);
        }
        h.put("patience", c.patience());
        ObjectNode init = h.putObject("initialCoefficients");
        init.put("kind", c.initialCoefficients().kind().name().toLowerCase(Locale.ROOT));
        init.put("seed", c.initialCoefficients().seed());
        if (c.initialCoefficients().givenValues() != null) {
            init.set("values", array(c.initialCoefficients().givenValues()));
        }
        h.put("backend", c.backend() == null ? "auto" : c.backend());
        h.put("precision", c.precision() == null ? "data" : c.precision().name().toLowerCase(Locale.ROOT));
        if (c.standardizeSetting() == null) {
            h.put("standardize", "auto");
        } else {
            h.put("standardize", c.standardizeSetting());
        }
        h.put("exactReference", c.exactReference());
        if (c.standardErrors()) { // written only when asked: files of fits without it are as before
            h.put("standardErrors", true);
        }
        h.put("schedule", c.schedule().toString());
        h.put("validationFraction", c.validationFraction());
        if (c.averageFrom() > 0) { // written only when asked: files of fits without it are as before
            h.put("averageFrom", c.averageFrom());
        }
        h.put("seed", c.seed());
        h.put("threads", c.threads());
        putBackendOptions(h, c);
        if (!Double.isNaN(c.rankCutoff())) {
            h.put("rankCutoff", c.rankCutoff());
        }
        h.put("penalty", c.penalty().kind().cliName());
        h.put("alpha", c.penalty().alpha());
        h.put("l1Ratio", c.penalty().l1Ratio());
        if (c.penalty().penaltyFactors() != null) {
            h.set("penaltyFactors", array(c.penalty().penaltyFactors()));
        }
        if (c.penalty().l2PenaltyFactors() != null) {
            h.set("l2PenaltyFactors", array(c.penalty().l2PenaltyFactors()));
        }
        ObjectNode r = root.putObject("result");
        r.put("iterations", model.iterations());
        r.put("stopReason", model.stopReason().name().toLowerCase(Locale.ROOT));
        r.put("converged", model.converged()); // derived from stopReason (FittedModel#converged); not read back
        putNumberOrNull(r, "learningRateUsed", model.learningRate());
        r.put("wallTimeSeconds", model.wallTime().toNanos() / 1e9);
        r.put("rank", model.rank());
        putHistory(r, "lossHistory", model.lossHistory(), model.lossThinning());
        putHistory(r, "gradientNormHistory", model.gradientNormHistory(), model.gradientThinning());
        r.put("standardized", model.report().standardized());
        ArrayNode constant = r.putArray("constantColumns");
        for (int j : model.report().constantColumns()) {
            constant.add(j);
        }
        putNumberOrNull(r, "distanceToExact", model.report().distanceToExact());
        if (!model.report().solverChoice().isEmpty()) {
            r.put("solverChoice", model.report().solverChoice());
        }
        if (Double.isFinite(model.report().backendInitSeconds())) {
            r.put("backendInitSeconds", model.report().backendInitSeconds());
        }
        if (model.report().resumed()) {
            r.put("resumedFromIteration", model.report().resumedFromIteration());
            putNumberOrNull(r, "resumedRunSeconds", model.report().resumedRunSeconds());
        }
        if (!Double.isNaN(model.report().objective())) {
            r.put("objective", model.report().objective());
        }
        if (!Double.isNaN(model.report().dualityGap())) {
            r.put("dualityGap", model.report().dualityGap());
        }
        if (model.report().validationHistory().length > 0) { // early stopping only: files of other fits are as before
            r.set("validationHistory", array(model.report().validationHistory()));
            r.put("bestValidationEpoch", model.report().bestValidationEpoch()); // derived; not read back
        }
        CrossValidationReport cv = model.report().crossValidation();
        if (cv != null) {
            ObjectNode v = r.putObject("crossValidation");
            v.put("folds", cv.folds());
            v.put("rule", cv.rule());
            v.put("chosenAlpha", cv.chosenAlpha());
            v.put("alphaMin", cv.alphaMin());
            v.put("alpha1se", cv.alpha1se());
            v.set("alphas", array(cv.alphas()));
            v.set("meanMse", array(cv.meanMse()));
            v.set("standardError", array(cv.standardError()));
        }
        model.inference().ifPresent(s -> { // only when computed; NaN (not estimable) is null
            r.set("standardErrors", array(s.standardErrors()));
            r.set("tValues", array(s.tValues()));
            r.set("pValues", array(s.pValues()));
            putNumberOrNull(r, "interceptStandardError", s.interceptStandardError());
            putNumberOrNull(r, "interceptTValue", s.interceptTValue());
            putNumberOrNull(r, "interceptPValue", s.interceptPValue());
            r.put("degreesOfFreedom", s.degreesOfFreedom());
            putNumberOrNull(r, "residualVariance", s.residualVariance());
        });
        if (training != null) {
            ObjectNode t = root.putObject("training");
            putNumberOrNull(t, "mse", training.mse());
            putNumberOrNull(t, "r2", training.r2());
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the model as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * {@code hyperparameters.directMemoryBudget} (bytes) when the configuration sets one, and
     * {@code hyperparameters.backendOptions} when it sets backend options besides the threads: {@code hostMemoryBudget},
     * {@code deviceMemoryBudget}, {@code chunkBytes} (bytes, each when set) and {@code settings} (key to value, e.g.
     * {@code "cpu.kernel": "blas"}). The device ordinal is not recorded: which device predicts is the reading machine's
     * choice (one fitted on a machine's fourth GPU still predicts on a machine with one).
     */
    private static void putBackendOptions(ObjectNode h, FitConfig c) {
        if (c.configuredDirectMemoryBudget() > 0) {
            h.put("directMemoryBudget", c.configuredDirectMemoryBudget());
        }
        dev.downhill.spi.BackendOptions o = c.backendOptions();
        if (o.hostMemoryBudget().isEmpty() && o.deviceMemoryBudget().isEmpty() && o.chunkBytes().isEmpty() && o.settings().isEmpty()) {
            return;
        }
        ObjectNode b = h.putObject("backendOptions");
        o.hostMemoryBudget().ifPresent(v -> b.put("hostMemoryBudget", v));
        o.deviceMemoryBudget().ifPresent(v -> b.put("deviceMemoryBudget", v));
        o.chunkBytes().ifPresent(v -> b.put("chunkBytes", v));
        if (!o.settings().isEmpty()) {
            ObjectNode settings = b.putObject("settings");
            o.settings().forEach(settings::put);
        }
    }

    /**
     * {@code name}: the history, thinned with {@code nameIterations} and {@code nameLength} when it is long; one already
     * thinned (a model read from a file, {@code thinning} not null) is written with the iterations it came with.
     */
    private static void putHistory(ObjectNode r, String name, double[] history, ThinnedHistory thinning) {
        boolean longHistory = history.length > MAX_HISTORY_POINTS;
        if (thinning == null && !longHistory) {
            r.set(name, array(history));
            return;
        }
        // a long history, or one of some iterations only (a model read back, cd's full sweeps): thinned (again) if long
        int[] kept = longHistory ? thinnedIndices(history.length, MAX_HISTORY_POINTS) : null;
        int points = kept == null ? history.length : kept.length;
        double[] values = new double[points];
        ArrayNode iterations = r.arrayNode();
        for (int k = 0; k < points; k++) {
            int index = kept == null ? k : kept[k];
            values[k] = history[index];
            iterations.add(thinning == null ? index : thinning.iterations()[index]);
        }
        r.set(name, array(values));
        r.set(name + "Iterations", iterations);
        r.put(name + "Length", thinning == null ? history.length : thinning.length());
    }

    /**
     * At most {@code max} (≥ 4) distinct indices in [0, length), increasing: 0 and length − 1, about half
     * spaced evenly in log(1 + index), the rest spaced evenly. The log spacing's early points fall on the same
     * integers (a history of 2,001 points kept 1,240 of 2,000 before), so the even spacing is made denser until
     * {@code max} are kept (or every index is).
     */
    static int[] thinnedIndices(int length, int max) {
        java.util.TreeSet<Integer> logSpaced = new java.util.TreeSet<>();
        logSpaced.add(0);
        logSpaced.add(length - 1);
        int half = (max - 2) / 2;
        double logEnd = Math.log(length);
        for (int k = 1; k <= half; k++) {
            logSpaced.add((int) Math.min(length - 1, Math.round(Math.exp(logEnd * k / (half + 1))) - 1));
        }
        java.util.TreeSet<Integer> kept = logSpaced;
        for (int even = max - logSpaced.size(), tries = 0; even > 0 && tries < 64; tries++) {
            java.util.TreeSet<Integer> candidate = new java.util.TreeSet<>(logSpaced);
            for (int k = 1; k <= even; k++) {
                candidate.add((int) Math.round((double) (length - 1) * k / (even + 1)));
            }
            if (candidate.size() > max) {
                break;
            }
            kept = candidate;
            if (candidate.size() == max || candidate.size() == length) {
                break;
            }
            even += max - candidate.size();
        }
        return kept.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Reads a model file written by {@link #write}.
     *
     * @throws IllegalArgumentException when the file does not exist, is not valid JSON, or is not a valid model (one
     *                                  line naming the file and what is wrong)
     * @throws UncheckedIOException     when the file cannot be read
     */
    public static SavedModel read(Path path) {
        Objects.requireNonNull(path, "path");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("model file " + path + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file " + path + ": " + e.getMessage(), e);
        }
        return parse(bytes, "model file " + path);
    }

    /**
     * Reads a model as {@link #write(OutputStream, FittedModel, Score)} wrote it, from a stream (a class-path resource, an
     * object store, a database column), to its end; the stream is not closed. The same checks and messages as {@link
     * #read(Path)}, naming "the model read from a stream".
     *
     * @throws IllegalArgumentException when the bytes are not valid JSON or not a valid model
     * @throws UncheckedIOException     when the stream cannot be read
     */
    public static SavedModel read(java.io.InputStream in) {
        Objects.requireNonNull(in, "in");
        byte[] bytes;
        try {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model from its stream: " + e.getMessage(), e);
        }
        return parse(bytes, "the model read from a stream");
    }

    /** Parses a model file's bytes; {@code source} names them in messages ("model file X"). */
    private static SavedModel parse(byte[] bytes, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            if (dev.downhill.internal.JsonErrors.truncated(e)) {
                throw new IllegalArgumentException(source + " is truncated: it ends"
                        + dev.downhill.internal.JsonErrors.where(e) + " before its JSON is complete");
            }
            String what = dev.downhill.internal.JsonErrors.what(e);
            throw new IllegalArgumentException(source + " is not valid JSON" + (what.startsWith("it holds") ? ""
                    : " (truncated or corrupt?)") + dev.downhill.internal.JsonErrors.where(e) + ": " + what
                    + (what.startsWith("it holds") ? "; it is not a valid model" : ""));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + source + ": " + e.getMessage(), e);
        }
        return new Reader(source).parse(root);
    }

    /**
     * {@code name}: the values as a JSON array (non-finite ones as null). Finite values are written straight from the array
     * by the generator, as the array node would write them (the same text), without a tree of one node per value (n = 2²⁰
     * coefficients: ~30 MB of nodes and their list).
     */
    private static void putNumbers(ObjectNode node, String name, double[] values) {
        boolean finite = true;
        for (double v : values) {
            finite &= Double.isFinite(v);
        }
        if (finite) {
            node.putPOJO(name, values);
        } else {
            node.set(name, array(values));
        }
    }

    private static ArrayNode array(double[] values) {
        ArrayNode a = JSON.createArrayNode();
        for (double v : values) {
            if (Double.isFinite(v)) {
                a.add(v);
            } else {
                a.addNull();
            }
        }
        return a;
    }

    private static void putNumberOrNull(ObjectNode node, String field, double value) {
        if (Double.isFinite(value)) {
            node.put(field, value);
        } else {
            node.putNull(field);
        }
    }

    /** Field-by-field validation of one file's tree. */
    private static final class Reader {
        /** Longest problem description in an error message. */
        private static final int MAX_DETAIL = 300;

        /** What the messages call the model: "model file X", or "the model read from a stream". */
        private final String source;

        Reader(String source) {
            this.source = source;
        }

        SavedModel parse(JsonNode root) {
            if (root == null || root.isMissingNode()) {
                throw error("the file is empty");
            }
            if (!root.isObject()) {
                throw error("the top level is not a JSON object");
            }
            if (!FORMAT.equals(text(root, "format"))) {
                throw error("field 'format' is not '" + FORMAT + "': not a downhill model file");
            }
            long version = integer(root, "formatVersion");
            if (version != FORMAT_VERSION) {
                throw error("format version " + version + " is not supported (this library reads version " + FORMAT_VERSION + ")");
            }
            double[] theta = finiteArray(root, "coefficients");
            double intercept = finite(root, "intercept");
            JsonNode data = object(root, "data");
            long rows = count(data, "data.rows");
            long features = count(data, "data.features");
            if (features != theta.length) {
                throw error("'coefficients' has " + theta.length + " values but data.features says " + features);
            }
            if (features < 1 || rows < 1) { // no fit has zero features or rows
                throw error("data.rows and data.features must be ≥ 1, got " + rows + " and " + features);
            }
            if (!bool(root, "fitIntercept") && intercept != 0) {
                throw error("'intercept' is " + intercept + " but 'fitIntercept' is false (a model without an intercept has 0)");
            }
            Solver solver = parse("solver", () -> Solver.parse(text(root, "solver")));
            Precision precision = parse("precision", () -> Precision.parse(text(root, "precision")));
            JsonNode h = object(root, "hyperparameters");
            FitConfig.Builder b = FitConfig.builder().solver(solver).fitIntercept(bool(root, "fitIntercept"));
            parse("hyperparameters.backend", () -> b.backend(text(h, "backend")));
            String requested = text(h, "precision");
            b.precision(requested.equals("data") ? null : parse("hyperparameters.precision", () -> Precision.parse(requested)));
            JsonNode lr = field(h, "learningRate");
            b.learningRate(lr.isTextual() ? parse("hyperparameters.learningRate", () -> LearningRate.parse(lr.asText()))
                    : parse("hyperparameters.learningRate", () -> LearningRate.of(finite(h, "learningRate"))));
            parse("hyperparameters", () -> {
                long maxIterations = integer(h, "maxIterations"); // checked even when the default is kept
                FitConfig.builder().maxIterations(maxIterations);
                if (!(h.has("maxIterationsDefault") && bool(h, "maxIterationsDefault"))) { // files before the field: as given
                    b.maxIterations(maxIterations);
                }
                long batch = count(h, "hyperparameters.batchSize"); // 0: the default
                if (batch > 0) {
                    b.batchSize(Math.toIntExact(batch));
                }
                double tolerance = finite(h, "tolerance"); // checked even when the default is kept
                FitConfig.builder().tolerance(tolerance);
                if (!(h.has("toleranceDefault") && bool(h, "toleranceDefault"))) { // files before the field: as given
                    b.tolerance(tolerance);
                }
                b.patience(Math.toIntExact(integer(h, "patience")));
                b.seed(integer(h, "seed"));
                if (h.has("standardize")) {
                    JsonNode st = h.get("standardize");
                    if (!st.isBoolean() && !(st.isTextual() && st.asText().equals("auto"))) {
                        throw error("field 'hyperparameters.standardize' must be true, false or \"auto\", got " + st);
                    }
                    b.standardize(st.isBoolean() ? Boolean.valueOf(st.asBoolean()) : null);
                }
                if (h.has("schedule")) {
                    b.schedule(LearningRateSchedule.parse(text(h, "schedule")));
                }
                if (h.has("validationFraction")) {
                    b.validationFraction(finite(h, "validationFraction"));
                }
                if (h.has("averageFrom")) {
                    b.averageFrom(count(h, "hyperparameters.averageFrom"));
                }
                if (h.has("exactReference")) {
                    b.exactReference(bool(h, "exactReference"));
                }
                if (h.has("standardErrors")) {
                    b.standardErrors(bool(h, "standardErrors"));
                }
                b.backendOptions(backendOptions(h, Math.toIntExact(integer(h, "threads"))));
                if (h.has("directMemoryBudget")) {
                    b.directMemoryBudget(integer(h, "directMemoryBudget"));
                }
                if (h.has("rankCutoff")) {
                    b.rankCutoff(finite(h, "rankCutoff"));
                }
                if (h.has("penalty")) { // files written before penalties have none
                    Penalty.Kind kind = Penalty.Kind.parse(text(h, "penalty"));
                    double alpha = finite(h, "alpha");
                    Penalty penalty = switch (kind) {
                        case NONE -> Penalty.none();
                        case L2 -> Penalty.l2(alpha);
                        case L1 -> Penalty.l1(alpha);
                        case ELASTIC_NET -> Penalty.elasticNet(alpha, finite(h, "l1Ratio"));
                    };
                    if (h.has("penaltyFactors")) {
                        penalty = penalty.withPenaltyFactors(factors(h, "penaltyFactors", theta.length));
                    }
                    if (h.has("l2PenaltyFactors")) {
                        penalty = penalty.withL2PenaltyFactors(factors(h, "l2PenaltyFactors", theta.length));
                    }
                    b.penalty(penalty);
                }
                JsonNode init = object(h, "initialCoefficients");
                switch (text(init, "kind")) {
                    case "zeros": b.initialCoefficients(InitialCoefficients.zeros()); break;
                    case "random": b.initialCoefficients(InitialCoefficients.random(integer(init, "seed"))); break;
                    case "given": b.initialCoefficients(InitialCoefficients.given(finiteArray(init, "values"))); break;
                    default: throw error("hyperparameters.initialCoefficients.kind must be zeros, random or given");
                }
                return b;
            });
            FitConfig config = parse("hyperparameters", b::build);
            JsonNode r = object(root, "result");
            StopReason stop = stopReason(text(r, "stopReason"));
            double eta = nullableNumber(r, "learningRateUsed");
            double seconds = finite(r, "wallTimeSeconds");
            if (seconds < 0) {
                throw error("'result.wallTimeSeconds' must be ≥ 0, got " + seconds);
            }
            double[] loss = nullableArray(r, "lossHistory");
            double[] gradient = nullableArray(r, "gradientNormHistory");
            ThinnedHistory lossThinning = thinning(r, "lossHistory", loss.length);
            ThinnedHistory gradientThinning = thinning(r, "gradientNormHistory", gradient.length);
            double weightSum = Double.NaN; // files written before weights existed: unweighted
            if (data.has("weighted") && bool(data, "weighted")) {
                weightSum = finite(data, "weightSum");
                if (!(weightSum > 0)) {
                    throw error("field 'weightSum' must be positive");
                }
            }
            FittedModel model = new FittedModel(theta, intercept, solver, text(root, "backend"), precision, rows,
                    count(r, "result.iterations"), stop, loss, gradient,
                    Duration.ofNanos(Math.round(seconds * 1e9)), eta, rank(r), config, report(r, theta.length),
                    weightSum);
            if (r.has("standardErrors")) {
                model = model.withInference(inference(r, theta, intercept, model.fitIntercept()));
            }
            if (lossThinning != null || gradientThinning != null) {
                model = model.withThinnedHistories(lossThinning, gradientThinning);
            }
            Optional<Score> training = Optional.empty();
            if (root.has("training")) {
                JsonNode t = object(root, "training");
                training = Optional.of(new Score(nullableNumber(t, "mse"), nullableNumber(t, "r2")));
            }
            Optional<SvmLightReader.IndexBase> indexBase = Optional.empty(); // absent: not fitted to an svmlight file (or older)
            if (data.has("indexBase")) {
                long base = integer(data, "indexBase");
                if (base != 0 && base != 1) {
                    throw error("field 'indexBase' must be 0 or 1, got " + base);
                }
                indexBase = Optional.of(base == 0 ? SvmLightReader.IndexBase.ZERO : SvmLightReader.IndexBase.ONE);
            }
            Optional<TableColumns> columns = Optional.empty(); // absent: not fitted on a table with a header (or older)
            if (data.has("featureNames") || data.has("targetName") || data.has("weightColumn")) {
                JsonNode names = data.get("featureNames");
                if (names == null || !names.isArray() || names.size() != theta.length) {
                    throw error("field 'data.featureNames' must be an array of " + theta.length + " names (one per coefficient)"
                            + " beside 'data.targetName'");
                }
                java.util.List<String> featureNames = new java.util.ArrayList<>();
                for (JsonNode name : names) {
                    if (!name.isTextual()) {
                        throw error("field 'data.featureNames' must hold text, got " + name);
                    }
                    featureNames.add(name.asText());
                }
                String weightColumn = null; // absent: no weight column (or a file written before it was recorded)
                if (data.has("weightColumn")) {
                    if (!data.get("weightColumn").isTextual()) {
                        throw error("field 'data.weightColumn' must be text, got " + data.get("weightColumn"));
                    }
                    weightColumn = data.get("weightColumn").asText();
                }
                columns = Optional.of(new TableColumns(featureNames, text(data, "targetName"), weightColumn));
            }
            return new SavedModel(model, training, text(root, "libraryVersion"), model.lossHistoryIterations(), indexBase, columns);
        }

        /**
         * The iteration of each kept point of a thinned history ({@code nameIterations}: increasing
         * integers ≥ 0, one per value, below {@code nameLength}) and that length, or null when the history is complete.
         */
        private ThinnedHistory thinning(JsonNode r, String name, int values) {
            if (!r.has(name + "Iterations")) {
                return null;
            }
            long[] out = new long[values];
            double[] it = nullableArray(r, name + "Iterations");
            long length = count(r, "result." + name + "Length");
            if (it.length != values) {
                throw error("'" + name + "Iterations' has " + it.length + " values but '" + name + "' has " + values);
            }
            for (int k = 0; k < values; k++) {
                if (!(it[k] >= 0 && it[k] < length && it[k] == Math.rint(it[k])) || k > 0 && !(it[k] > it[k - 1])) {
                    throw error("element " + k + " of '" + name + "Iterations' is not an increasing iteration number below "
                            + name + "Length (" + length + ")");
                }
                out[k] = (long) it[k];
            }
            return new ThinnedHistory(out, length);
        }

        /** The convergence report; fields absent in files written before it existed take their neutral values. */
        private ConvergenceReport report(JsonNode r, int features) {
            boolean standardized = r.has("standardized") && bool(r, "standardized");
            int[] constant = new int[0];
            if (r.has("constantColumns")) {
                double[] c = nullableArray(r, "constantColumns");
                constant = new int[c.length];
                for (int k = 0; k < c.length; k++) {
                    if (!(c[k] >= 0 && c[k] < features && c[k] == Math.rint(c[k]))) {
                        throw error("element " + k + " of 'constantColumns' is not a column index");
                    }
                    constant[k] = (int) c[k];
                }
            }
            double distance = r.has("distanceToExact") ? nullableNumber(r, "distanceToExact") : Double.NaN;
            String choice = r.hasNonNull("solverChoice") ? r.get("solverChoice").asText() : "";
            double objective = r.has("objective") ? nullableNumber(r, "objective") : Double.NaN;
            double gap = r.has("dualityGap") ? nullableNumber(r, "dualityGap") : Double.NaN;
            CrossValidationReport cv = null;
            if (r.has("crossValidation")) {
                JsonNode v = object(r, "crossValidation");
                double[] alphas = finiteArray(v, "alphas");
                double[] mean = finiteArray(v, "meanMse");
                double[] se = nullableArray(v, "standardError");
                if (mean.length != alphas.length || se.length != alphas.length) {
                    throw error("'crossValidation': alphas, meanMse and standardError differ in length");
                }
                cv = new CrossValidationReport(Math.toIntExact(Math.min(Integer.MAX_VALUE, count(v, "result.crossValidation.folds"))),
                        text(v, "rule"), alphas, mean, se,
                        finite(v, "alphaMin"), finite(v, "alpha1se"), finite(v, "chosenAlpha"));
            }
            double init = r.has("backendInitSeconds") ? nullableNumber(r, "backendInitSeconds") : Double.NaN;
            long resumedFrom = -1;
            double resumedRun = Double.NaN;
            if (r.has("resumedFromIteration")) {
                resumedFrom = integer(r, "resumedFromIteration");
                if (resumedFrom < 0) {
                    throw error("'resumedFromIteration' is negative");
                }
                resumedRun = r.has("resumedRunSeconds") ? nullableNumber(r, "resumedRunSeconds") : Double.NaN;
            }
            double[] validation = r.has("validationHistory") ? nullableArray(r, "validationHistory") : new double[0];
            return new ConvergenceReport(standardized, constant, distance, choice, init, objective, gap, cv, resumedFrom, resumedRun,
                    validation);
        }

        /**
         * The stop reason written as its lower-case name; a name this library does not know (a file from a later version,
         * or edited) is refused naming the ones it knows.
         */
        private StopReason stopReason(String name) {
            for (StopReason s : StopReason.values()) {
                if (s.name().toLowerCase(Locale.ROOT).equals(name.trim().toLowerCase(Locale.ROOT))) {
                    return s;
                }
            }
            StringBuilder known = new StringBuilder();
            for (StopReason s : StopReason.values()) {
                known.append(known.length() == 0 ? "" : ", ").append(s.name().toLowerCase(Locale.ROOT));
            }
            return fail("unknown result.stopReason '" + name + "' (this library knows: " + known + ")");
        }

        /** The backend options of {@code hyperparameters} ({@code threads} and {@code backendOptions}, when present). */
        private dev.downhill.spi.BackendOptions backendOptions(JsonNode h, int threads) {
            dev.downhill.spi.BackendOptions.Builder o = dev.downhill.spi.BackendOptions.builder().threads(threads);
            if (!h.has("backendOptions")) {
                return o.build();
            }
            JsonNode b = object(h, "backendOptions");
            if (b.has("hostMemoryBudget")) {
                o.hostMemoryBudget(integer(b, "hostMemoryBudget"));
            }
            if (b.has("deviceMemoryBudget")) {
                o.deviceMemoryBudget(integer(b, "deviceMemoryBudget"));
            }
            if (b.has("chunkBytes")) {
                o.chunkBytes(integer(b, "chunkBytes"));
            }
            if (b.has("settings")) {
                JsonNode settings = object(b, "settings");
                settings.fieldNames().forEachRemaining(key -> o.set(key, text(settings, key)));
            }
            return o.build();
        }

        /** Penalty factors at {@code name}: finite values, one per feature. */
        private double[] factors(JsonNode h, String name, int features) {
            double[] values = finiteArray(h, name);
            if (values.length != features) {
                throw error("'hyperparameters." + name + "' has " + values.length + " values for " + features + " features");
            }
            return values;
        }

        private <T> T fail(String what) {
            throw error(what);
        }

        /** {@code result.rank}: the numerical rank from svd, or −1 when not computed. */
        private long rank(JsonNode r) {
            long rank = integer(r, "rank");
            if (rank < -1) {
                throw error("field 'result.rank' must be ≥ 0, or −1 when not computed; got " + rank);
            }
            return rank;
        }

        /** A count at {@code path} (its last part the field's name in {@code node}): an integer ≥ 0. */
        private long count(JsonNode node, String path) {
            long v = integer(node, path.substring(path.lastIndexOf('.') + 1));
            if (v < 0) {
                throw error("field '" + path + "' is a count and cannot be negative, got " + v);
            }
            return v;
        }

        private <T> T parse(String field, java.util.function.Supplier<T> body) {
            try {
                return body.get();
            } catch (IllegalArgumentException | ArithmeticException e) {
                if (e.getMessage() != null && e.getMessage().startsWith(source + ": ")) { // this reader's own message
                    throw e;
                }
                throw error("bad value in '" + field + "': " + e.getMessage());
            }
        }

        private JsonNode field(JsonNode node, String name) {
            JsonNode v = node.get(name);
            if (v == null || v.isMissingNode()) {
                throw error("missing field '" + name + "'");
            }
            return v;
        }

        private JsonNode object(JsonNode node, String name) {
            JsonNode v = field(node, name);
            if (!v.isObject()) {
                throw error("field '" + name + "' is not an object");
            }
            return v;
        }

        private String text(JsonNode node, String name) {
            JsonNode v = field(node, name);
            if (!v.isTextual()) {
                throw error("field '" + name + "' is not a string");
            }
            return v.asText();
        }

        private boolean bool(JsonNode node, String name) {
            JsonNode v = field(node, name);
            if (!v.isBoolean()) {
                throw error("field '" + name + "' is not true or false");
            }
            return v.asBoolean();
        }

        private long integer(JsonNode node, String name) {
            JsonNode v = field(node, name);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw error("field '" + name + "' is not an integer");
            }
            return v.asLong();
        }

        /** The coefficients' statistics of {@code result} (written when the fit computed them), each array of length n. */
        private CoefficientInference inference(JsonNode r, double[] theta, double b, boolean intercept) {
            int n = theta.length;
            double[][] arrays = {nullableArray(r, "standardErrors"), nullableArray(r, "tValues"), nullableArray(r, "pValues")};
            String[] names = {"standardErrors", "tValues", "pValues"};
            for (int i = 0; i < arrays.length; i++) {
                if (arrays[i].length != n) {
                    throw error("field 'result." + names[i] + "' must hold " + n + " numbers (one per coefficient), got "
                            + arrays[i].length);
                }
            }
            for (String name : new String[] {"interceptStandardError", "interceptTValue", "interceptPValue"}) {
                if (!intercept && !Double.isNaN(nullableNumber(r, name))) {
                    throw error("field 'result." + name + "' must be null for a fit without an intercept");
                }
            }
            // JSON has no ±∞: a perfect fit's t = θ/0 was written null (as "not estimable"); it is θ/SE again where SE is 0
            for (int j = 0; j < n; j++) {
                arrays[1][j] = infiniteT(arrays[1][j], theta[j], arrays[0][j]);
            }
            double seB = nullableNumber(r, "interceptStandardError");
            return new CoefficientInference(arrays[0], arrays[1], arrays[2], intercept, seB,
                    intercept ? infiniteT(nullableNumber(r, "interceptTValue"), b, seB) : Double.NaN,
                    nullableNumber(r, "interceptPValue"), integer(r, "degreesOfFreedom"), nullableNumber(r, "residualVariance"));
        }

        /** A t-value read as null (NaN) whose standard error is 0: θ/0, ±∞ (NaN for θ = 0, as written); else as read. */
        private static double infiniteT(double read, double estimate, double standardError) {
            return Double.isNaN(read) && standardError == 0 ? estimate / standardError : read;
        }

        private double finite(JsonNode node, String name) {
            double v = nullableNumber(node, name);
            if (!Double.isFinite(v)) {
                throw error("field '" + name + "' must be a finite number");
            }
            return v;
        }

        private double nullableNumber(JsonNode node, String name) {
            JsonNode v = field(node, name);
            if (v.isNull()) {
                return Double.NaN;
            }
            if (!v.isNumber()) {
                throw error("field '" + name + "' is not a number");
            }
            return v.asDouble();
        }

        private double[] nullableArray(JsonNode node, String name) {
            JsonNode v = field(node, name);
            if (!v.isArray()) {
                throw error("field '" + name + "' is not an array");
            }
            double[] out = new double[v.size()];
            for (int i = 0; i < out.length; i++) {
                JsonNode e = v.get(i);
                if (e.isNull()) {
                    out[i] = Double.NaN;
                } else if (e.isNumber()) {
                    out[i] = e.asDouble();
                } else {
                    throw error("element " + i + " of '" + name + "' is not a number");
                }
            }
            return out;
        }

        private double[] finiteArray(JsonNode node, String name) {
            double[] out = nullableArray(node, name);
            for (int i = 0; i < out.length; i++) {
                if (!Double.isFinite(out[i])) {
                    throw error("element " + i + " of '" + name + "' is not a finite number");
                }
            }
            return out;
        }

        private IllegalArgumentException error(String what) {
            if (what.length() > MAX_DETAIL) { // a bad value is echoed, and a corrupt file can hold a huge one
                what = what.substring(0, MAX_DETAIL) + "… (" + what.length() + " characters)";
            }
            return new IllegalArgumentException(source + ": " + what);
        }
    }
}
