package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {
    @TempDir
    Path dir;

    private static FittedModel model() {
        FitConfig config = FitConfig.builder().solver(Solver.MINIBATCH).learningRate(0.0123).maxIterations(77).batchSize(16)
                .tolerance(1e-5).patience(3).seed(99).threads(2).rankCutoff(1e-9)
                .initialCoefficients(InitialCoefficients.given(new double[] {0.5, -0.25, 1e-300})).build();
        double[] theta = {Math.PI, -1.0 / 3, 6.02214076e23};
        return new FittedModel(theta, Math.E, Solver.MINIBATCH, "cpu", Precision.FLOAT32, 1234, 77, StopReason.ITERATION_LIMIT,
                new double[] {3.5, 1.25, 0.1 + 0.2}, new double[] {10, Double.NaN, 0.001}, Duration.ofNanos(123_456_789),
                0.0123, -1, config, new ConvergenceReport(true, new int[] {2}, 3.5e-9).withBackendInitSeconds(0.25));
    }

    /**
     * A fit that left the tolerance to its default (NaN: 1e-10 in float64, 1e-6 in float32) keeps the default through
     * the file ({@code hyperparameters.toleranceDefault}, and the iteration limit by {@code maxIterationsDefault}): the
     * configuration read back equals the fitted one, and a float32 refit with it uses 1e-6. A file without the fields
     * (written before them) reads the values as written.
     */
    @Test
    void aDefaultToleranceStaysTheDefaultThroughTheFile() throws IOException {
        FitConfig config = FitConfig.builder().solver(Solver.GD).build();
        assertTrue(Double.isNaN(config.configuredTolerance()));
        FittedModel m = new FittedModel(new double[] {1, 2}, 0.5, Solver.GD, "cpu", Precision.FLOAT64, 10, 5,
                StopReason.CONVERGED, new double[] {2, 1}, new double[] {1, 0.1}, Duration.ofMillis(3), 0.1, -1, config,
                new ConvergenceReport(false, new int[0], Double.NaN));
        Path f = dir.resolve("default.json");
        ModelFile.write(f, m, null);
        String json = Files.readString(f);
        assertTrue(json.contains("\"tolerance\" : 1.0E-10") || json.contains("\"tolerance\":1.0E-10"), json);
        FitConfig read = ModelFile.read(f).model().config();
        assertTrue(Double.isNaN(read.configuredTolerance()), "the default, not 1e-10");
        assertEquals(config, read);
        assertEquals(1e-6, read.tolerance(Precision.FLOAT32), 0);
        assertEquals(1e-10, read.tolerance(Precision.FLOAT64), 0);

        Path old = dir.resolve("old.json"); // as written before the field: the tolerance as given
        Files.writeString(old, json.replaceAll(",\\s*\"(tolerance|maxIterations)Default\"\\s*:\\s*true", ""));
        assertFalse(Files.readString(old).contains("Default\""));
        FitConfig before = ModelFile.read(old).model().config();
        assertEquals(1e-10, before.configuredTolerance(), 0);
        assertEquals(10_000, before.maxIterations());
        assertFalse(config.equals(before), "explicit values, as such files always read");

        // a tolerance that was given is written without the field and read back as given
        Path given = dir.resolve("given.json");
        ModelFile.write(given, model(), null);
        assertFalse(Files.readString(given).contains("Default\""));
        assertEquals(1e-5, ModelFile.read(given).model().config().configuredTolerance(), 0);
    }

    @Test
    void roundTripReproducesTheModelExactly() {
        FittedModel m = model();
        Path f = dir.resolve("m.json");
        ModelFile.write(f, m, new Score(0.75, 0.5));
        SavedModel saved = ModelFile.read(f);
        FittedModel r = saved.model();
        assertArrayEquals(m.coefficients(), r.coefficients(), 0);
        assertEquals(m.intercept(), r.intercept(), 0);
        assertEquals(m.solver(), r.solver());
        assertEquals(m.backend(), r.backend());
        assertEquals(m.precision(), r.precision());
        assertEquals(m.trainingRows(), r.trainingRows());
        assertEquals(m.iterations(), r.iterations());
        assertEquals(m.stopReason(), r.stopReason());
        assertArrayEquals(m.lossHistory(), r.lossHistory(), 0);
        assertArrayEquals(m.gradientNormHistory(), r.gradientNormHistory(), 0, "NaN survives as null");
        assertEquals(m.wallTime(), r.wallTime());
        assertEquals(m.learningRate(), r.learningRate(), 0);
        assertEquals(m.rank(), r.rank());
        assertEquals(m.config().toString(), r.config().toString());
        assertEquals(m.report().standardized(), r.report().standardized());
        assertArrayEquals(m.report().constantColumns(), r.report().constantColumns());
        assertEquals(m.report().distanceToExact(), r.report().distanceToExact(), 0);
        assertEquals(0.25, r.report().backendInitSeconds(), 0);
        assertArrayEquals(m.config().initialCoefficients().givenValues(), r.config().initialCoefficients().givenValues(), 0);
        assertEquals(new Score(0.75, 0.5), saved.training().orElseThrow());
        assertEquals(Version.VERSION, saved.libraryVersion());
        double[][] x = {{1, 2, 3}, {-0.1, 1e-7, 4e-24}};
        assertArrayEquals(m.predict(x), r.predict(x), 0, "bit-identical predictions");
    }

    /** A model written to a stream reads back from a stream (a resource, a blob) as from its file; errors name the stream. */
    @Test
    void aModelReadFromAStreamIsTheModelReadFromItsFile() throws IOException {
        FittedModel m = model();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        ModelFile.write(bytes, m, new Score(0.75, 0.5));
        Path f = dir.resolve("m.json");
        Files.write(f, bytes.toByteArray());
        SavedModel fromFile = ModelFile.read(f);
        java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(bytes.toByteArray());
        SavedModel fromStream = ModelFile.read(in);
        assertEquals(0, in.available(), "read to its end");
        assertArrayEquals(fromFile.model().coefficients(), fromStream.model().coefficients(), 0);
        assertEquals(fromFile.model().intercept(), fromStream.model().intercept(), 0);
        assertEquals(fromFile.model().config().toString(), fromStream.model().config().toString());
        assertEquals(fromFile.training(), fromStream.training());
        assertArrayEquals(m.coefficients(), fromStream.model().coefficients(), 0);
        assertTrue(fromStream.toString().contains("lossHistoryIterations=3 from 0 to 2") && !fromStream.toString().contains("[J@"),
                fromStream.toString());
        com.fasterxml.jackson.databind.JsonNode result = new com.fasterxml.jackson.databind.ObjectMapper().readTree(bytes.toByteArray())
                .get("result");
        assertEquals("iteration_limit", result.get("stopReason").asText());
        assertFalse(result.get("converged").asBoolean(true), "converged: false beside iteration_limit");
        String truncated = new String(bytes.toByteArray(), java.nio.charset.StandardCharsets.UTF_8).substring(0, 40);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(
                new java.io.ByteArrayInputStream(truncated.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().startsWith("the model read from a stream is truncated"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(new java.io.ByteArrayInputStream(
                "{\"format\": \"other\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().startsWith("the model read from a stream: field 'format'"), e.getMessage());
    }

    @Test
    void everyStopReasonIsWrittenAsItsLowerCaseNameAndReadBack() {
        FittedModel m = model();
        for (StopReason reason : StopReason.values()) {
            FittedModel withReason = new FittedModel(m.coefficients(), m.intercept(), m.solver(), m.backend(), m.precision(),
                    m.trainingRows(), m.iterations(), reason, m.lossHistory(), m.gradientNormHistory(), m.wallTime(),
                    m.learningRate(), m.rank(), m.config(), m.report());
            Path f = dir.resolve(reason + ".json");
            ModelFile.write(f, withReason, null);
            assertTrue(assertDoesNotThrow(() -> Files.readString(f))
                    .contains("\"stopReason\" : \"" + reason.name().toLowerCase(java.util.Locale.ROOT) + "\""), reason.name());
            assertEquals(reason, ModelFile.read(f).model().stopReason());
        }
        assertEquals("no_progress", StopReason.NO_PROGRESS.name().toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * A history of some iterations only (a cd fit's full sweeps: 3,000 points at iterations 0, 7, 14, …, of 20,994
     * sweeps) longer than {@link ModelFile#MAX_HISTORY_POINTS} is thinned again when written: at most that many points,
     * each a point of the model's with its own iteration, the first and last kept, the full length kept.
     */
    @Test
    void aHistoryOfSomeIterationsIsThinnedAgainWhenLong() {
        FittedModel m = model();
        int points = 3_000;
        double[] losses = new double[points];
        long[] at = new long[points];
        for (int k = 0; k < points; k++) {
            losses[k] = 1.0 / (1 + k);
            at[k] = 7L * k;
        }
        long sweeps = at[points - 1];
        FittedModel cd = new FittedModel(m.coefficients(), m.intercept(), m.solver(), m.backend(), m.precision(),
                m.trainingRows(), sweeps, m.stopReason(), losses, losses.clone(), m.wallTime(), m.learningRate(), m.rank(),
                m.config(), m.report());
        ThinnedHistory thinning = new ThinnedHistory(at, sweeps + 1);
        cd = cd.withThinnedHistories(thinning, thinning);
        assertArrayEquals(at, cd.lossHistoryIterations());
        Path f = dir.resolve("thinned-cd.json");
        ModelFile.write(f, cd, null);
        SavedModel back = ModelFile.read(f);
        long[] kept = back.model().lossHistoryIterations();
        double[] values = back.model().lossHistory();
        assertTrue(kept.length <= ModelFile.MAX_HISTORY_POINTS && kept.length > ModelFile.MAX_HISTORY_POINTS / 2,
                "kept " + kept.length);
        assertEquals(kept.length, values.length);
        assertEquals(0, kept[0]);
        assertEquals(sweeps, kept[kept.length - 1]);
        for (int k = 0; k < kept.length; k++) {
            assertEquals(0, kept[k] % 7, "an iteration of the model's: " + kept[k]);
            assertEquals(1.0 / (1 + kept[k] / 7), values[k], 0.0);
        }
        assertArrayEquals(kept, back.lossHistoryIterations());
        assertArrayEquals(kept, back.model().gradientNormHistoryIterations());
    }

    @Test
    void brokenFilesGetClearErrors() throws IOException {
        Path f = dir.resolve("m.json");
        ModelFile.write(f, model(), null);
        String json = Files.readString(f);

        Files.writeString(f, json.substring(0, json.length() / 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f));
        assertTrue(e.getMessage().contains("is truncated") && e.getMessage().contains("line"), e.getMessage());

        Files.writeString(f, json.replace("\"features\" : 3", "\"features\" : 4"));
        e = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f));
        assertTrue(e.getMessage().contains("3 values") && e.getMessage().contains("4"), e.getMessage());

        Files.writeString(f, json.replace("\"intercept\"", "\"interceptX\""));
        e = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f));
        assertTrue(e.getMessage().contains("missing field 'intercept'"), e.getMessage());

        Files.writeString(f, json.replace("downhill-model", "something-else"));
        e = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f));
        assertTrue(e.getMessage().contains("not a downhill model file"), e.getMessage());

        Files.writeString(f, json.replace("\"solver\" : \"minibatch\"", "\"solver\" : \"magic\""));
        e = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f));
        assertTrue(e.getMessage().contains("solver"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(dir.resolve("missing.json")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertTrue(json.contains("\"training\"") == false, "no training block without a score");
    }

    /** A file cut short, at any point, is said to be truncated, in one line, without the JSON parser's internals. */
    @Test
    void aTruncatedFileIsSaidToBeTruncatedWithItsLineAndColumn() throws IOException {
        Path f = dir.resolve("m.json");
        ModelFile.write(f, model(), null);
        String json = Files.readString(f);
        for (int cut : new int[] {1, 40, json.indexOf("\"coefficients\"") + 25, json.length() / 2, json.length() - 2}) {
            String head = json.substring(0, cut);
            Files.writeString(f, head);
            String m = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f)).getMessage();
            long lines = head.lines().count();
            assertTrue(m.startsWith("model file " + f + " is truncated: it ends at line " + lines + ", column "), m);
            assertTrue(m.endsWith(" before its JSON is complete"), m);
            assertFalse(m.contains("Source") || m.contains("StreamReadFeature") || m.contains("marker") || m.contains("\n"), m);
        }
        Files.writeString(f, json.replaceFirst("\\]", "}"));
        String m = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f)).getMessage();
        assertTrue(m.contains("not valid JSON") && m.contains("at line"), m);
        assertFalse(m.contains("Source") || m.contains("StreamReadFeature"), "Jackson's location in words: " + m);
        Files.writeString(f, "");
        assertEquals("model file " + f + ": the file is empty",
                assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f)).getMessage());
        // a repeated key (the last value used to win: another intercept) and anything after the closing brace are refused
        int close = json.lastIndexOf('}');
        Files.writeString(f, json.substring(0, close) + ", \"intercept\": 100.0}");
        String duplicate = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f)).getMessage();
        assertTrue(duplicate.contains("not valid JSON") && duplicate.contains("Duplicate field 'intercept'"), duplicate);
        Files.writeString(f, json + "\n{}\n");
        String trailing = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f)).getMessage();
        assertTrue(trailing.contains("not valid JSON") && trailing.contains("at line"), trailing);
        assertFalse(trailing.contains("DeserializationFeature") || trailing.contains("\n"), trailing);
    }

    @Test
    void anUnknownStopReasonIsRefusedNamingTheKnownOnes() throws IOException {
        Path f = dir.resolve("m.json");
        ModelFile.write(f, model(), null);
        String json = Files.readString(f);
        Files.writeString(f, json.replace("\"stopReason\" : \"iteration_limit\"", "\"stopReason\" : \"timeout\""));
        String m = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f)).getMessage();
        assertEquals("model file " + f + ": unknown result.stopReason 'timeout' (this library knows: converged, iteration_limit, "
                + "stopped_by_listener, direct_solution, no_progress, duality_gap)", m);
    }

    @Test
    void negativeCountsAreRefusedAndUnknownFieldsTolerated() throws IOException {
        Path f = dir.resolve("m.json");
        ModelFile.write(f, model(), null);
        String json = Files.readString(f);
        String[][] cases = {
                {"\"rows\" : 1234", "\"rows\" : -5", "field 'data.rows' is a count and cannot be negative, got -5"},
                {"\"iterations\" : 77", "\"iterations\" : -1", "field 'result.iterations' is a count and cannot be negative, got -1"},
                {"\"batchSize\" : 16", "\"batchSize\" : -16", "field 'hyperparameters.batchSize' is a count and cannot be negative, got -16"},
                {"\"rank\" : -1", "\"rank\" : -2", "field 'result.rank' must be ≥ 0, or −1 when not computed; got -2"},
                // values no fit writes (a hostile reviewer's edits were accepted)
                {"\"rows\" : 1234", "\"rows\" : 0", "data.rows and data.features must be ≥ 1, got 0 and 3"},
                {"\"wallTimeSeconds\" : 0.123456789", "\"wallTimeSeconds\" : -5",
                    "'result.wallTimeSeconds' must be ≥ 0, got -5.0"},
                {"\"fitIntercept\" : true", "\"fitIntercept\" : false",
                    "'intercept' is 2.718281828459045 but 'fitIntercept' is false (a model without an intercept has 0)"},
        };
        for (String[] c : cases) {
            assertTrue(json.contains(c[0]), c[0]);
            Files.writeString(f, json.replace(c[0], c[1]));
            assertEquals("model file " + f + ": " + c[2], assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f)).getMessage());
        }
        // forward compatibility: fields this version does not know are ignored, the documented ones keep their meaning
        assertTrue(json.contains("\"data\" : {") && json.contains("\"stopReason\""));
        Files.writeString(f, json.replace("\"data\" : {", "\"laterField\" : {\"x\" : [1, 2]},\n  \"data\" : { \"laterCount\" : -3,")
                .replace("\"stopReason\"", "\"laterReason\" : \"timeout\", \"stopReason\""));
        FittedModel r = ModelFile.read(f).model();
        assertEquals(1234, r.trainingRows());
        assertEquals(StopReason.ITERATION_LIMIT, r.stopReason());
        assertEquals(model().report(), r.report());
    }

    /** data.indexBase: written only when given (0 or 1), read back, and anything else refused with the field's name. */
    @Test
    void theSvmlightIndexBaseIsRecordedOnlyWhenGivenAndValidated() throws IOException {
        Path f = dir.resolve("m.json");
        for (dev.downhill.io.SvmLightReader.IndexBase base : new dev.downhill.io.SvmLightReader.IndexBase[] {
                dev.downhill.io.SvmLightReader.IndexBase.ZERO, dev.downhill.io.SvmLightReader.IndexBase.ONE}) {
            try (java.io.OutputStream out = Files.newOutputStream(f)) {
                ModelFile.write(out, model(), null, base);
            }
            assertEquals(java.util.Optional.of(base), ModelFile.read(f).indexBase());
        }
        String json = Files.readString(f);
        assertTrue(json.contains("\"indexBase\" : 1"), json);
        ModelFile.write(f, model(), null, dev.downhill.io.SvmLightReader.IndexBase.ZERO); // the atomic Path overload
        assertEquals(java.util.Optional.of(dev.downhill.io.SvmLightReader.IndexBase.ZERO), ModelFile.read(f).indexBase());
        ModelFile.write(f, model(), null);
        assertTrue(ModelFile.read(f).indexBase().isEmpty());
        assertFalse(Files.readString(f).contains("indexBase"));
        Files.writeString(f, json.replace("\"indexBase\" : 1", "\"indexBase\" : 2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f));
        assertTrue(e.getMessage().contains("indexBase") && e.getMessage().contains("0 or 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelFile.write(java.io.OutputStream.nullOutputStream(), model(), null,
                dev.downhill.io.SvmLightReader.IndexBase.AUTO));
    }

    /** A model read back and written again through {@code write(Path, SavedModel)} keeps its columns and score: same bytes. */
    @Test
    void aSavedModelWrittenAgainKeepsWhatItRecorded() throws IOException {
        Path f = dir.resolve("first.json");
        Path g = dir.resolve("again.json");
        int n = model().coefficients().length;
        java.util.List<String> names = new java.util.ArrayList<>();
        for (int j = 0; j < n; j++) {
            names.add("c" + j);
        }
        ModelFile.write(f, model(), new Score(0.25, 0.75), dev.downhill.io.SvmLightReader.IndexBase.ONE,
                new TableColumns(names, "y"));
        ModelFile.write(g, ModelFile.read(f));
        assertEquals(Files.readString(f), Files.readString(g));
    }

    /** data.featureNames and data.targetName: written only when given, one name per coefficient, read back, validated. */
    @Test
    void aTablesColumnNamesAreRecordedOnlyWhenGivenAndValidated() throws IOException {
        Path f = dir.resolve("m.json");
        int n = model().coefficients().length;
        java.util.List<String> names = new java.util.ArrayList<>();
        for (int j = 0; j < n; j++) {
            names.add("x\"" + j); // a quote in a name survives the JSON
        }
        TableColumns columns = new TableColumns(names, "price");
        try (java.io.OutputStream out = Files.newOutputStream(f)) {
            ModelFile.write(out, model(), null, null, columns);
        }
        assertEquals(java.util.Optional.of(columns), ModelFile.read(f).columns());
        String json = Files.readString(f);
        assertTrue(json.contains("\"targetName\" : \"price\""), json);
        ModelFile.write(f, model(), null);
        assertTrue(ModelFile.read(f).columns().isEmpty());
        assertFalse(Files.readString(f).contains("featureNames"));
        Files.writeString(f, json.replace("\"x\\\"0\", ", ""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f));
        assertTrue(e.getMessage().contains("data.featureNames") && e.getMessage().contains(n + " names"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelFile.write(java.io.OutputStream.nullOutputStream(), model(), null,
                null, new TableColumns(java.util.List.of("only one"), "y")));
    }

    /**
     * data.weightColumn: an added field, written only for a table whose sample weights came from a named column, read back
     * into TableColumns.weightColumn; files without it (older, or unweighted) read as before; a non-text value is refused.
     */
    @Test
    void theWeightColumnsNameIsAnAddedOptionalField() throws IOException {
        Path f = dir.resolve("w.json");
        int n = model().coefficients().length;
        java.util.List<String> names = new java.util.ArrayList<>();
        for (int j = 0; j < n; j++) {
            names.add("f" + j);
        }
        TableColumns columns = new TableColumns(names, "y", "w");
        ModelFile.write(f, model(), null, null, columns);
        String json = Files.readString(f);
        assertTrue(json.contains("\"weightColumn\" : \"w\"") && json.contains("\"targetName\" : \"y\""), json);
        assertEquals(java.util.Optional.of(columns), ModelFile.read(f).columns());
        assertEquals(java.util.Optional.of("w"), ModelFile.read(f).columns().get().weights());
        Files.writeString(f, json.replace(",\n    \"weightColumn\" : \"w\"", ""));
        assertFalse(Files.readString(f).contains("weightColumn"), Files.readString(f));
        assertEquals(java.util.Optional.of(new TableColumns(names, "y")), ModelFile.read(f).columns()); // as older files
        assertTrue(ModelFile.read(f).columns().get().weights().isEmpty());
        ModelFile.write(f, model(), null, null, new TableColumns(names, "y"));
        assertFalse(Files.readString(f).contains("weightColumn"));
        Files.writeString(f, json.replace("\"weightColumn\" : \"w\"", "\"weightColumn\" : 3"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f));
        assertTrue(e.getMessage().contains("data.weightColumn"), e.getMessage());
    }

    @Test
    void longHistoriesAreThinnedWithTheirIterationsAndTheFileStaysSmall() throws IOException {
        int iterations = 300_000;
        double[] loss = new double[iterations + 1];
        double[] grad = new double[iterations + 1];
        for (int k = 0; k <= iterations; k++) {
            loss[k] = 1.0 / (1 + k) + 1e-3;
            grad[k] = Math.exp(-k * 1e-5);
        }
        FitConfig config = FitConfig.builder().solver(Solver.GD).maxIterations(iterations).build();
        FittedModel m = new FittedModel(new double[] {1.5, -2}, 0.25, Solver.GD, "cpu", Precision.FLOAT64, 100, iterations,
                StopReason.ITERATION_LIMIT, loss, grad, Duration.ofSeconds(3), 0.1, -1, config,
                new ConvergenceReport(false, new int[0], Double.NaN));
        Path f = dir.resolve("long.json");
        ModelFile.write(f, m, null);
        assertTrue(Files.size(f) < 200_000, "a 300,000-iteration model is small: " + Files.size(f) + " bytes");
        var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(f.toFile());
        assertEquals("iteration_limit", tree.get("result").get("stopReason").asText(), "documented fields stay where they are");
        assertEquals(3.0, tree.get("result").get("wallTimeSeconds").asDouble(), 0);
        assertEquals(iterations + 1, tree.get("result").get("lossHistoryLength").asLong());
        SavedModel saved = ModelFile.read(f);
        double[] kept = saved.model().lossHistory();
        long[] at = saved.lossHistoryIterations();
        assertTrue(kept.length <= ModelFile.MAX_HISTORY_POINTS && kept.length > 1000, "kept " + kept.length);
        assertEquals(kept.length, at.length);
        assertEquals(0, at[0]);
        assertEquals(iterations, at[at.length - 1], "the last point is kept");
        for (int k = 0; k < at.length; k++) {
            assertEquals(loss[(int) at[k]], kept[k], 0, "point " + k + " is the value at its iteration");
        }
        assertEquals(m.finalLoss(), saved.model().finalLoss(), 0);
        assertEquals(m.finalRelativeGradient(), saved.model().finalRelativeGradient(), 0);
        assertArrayEquals(m.coefficients(), saved.model().coefficients(), 0);
        // early iterations are dense (log spacing): every one of the first ten is there
        for (int k = 0; k < 10; k++) {
            assertEquals(k, at[k]);
        }
        assertArrayEquals(at, saved.model().lossHistoryIterations(), "the model read back knows its points' iterations");
        assertArrayEquals(java.util.stream.LongStream.rangeClosed(0, iterations).toArray(), m.lossHistoryIterations(),
                "a fitted model's history is complete");

        // written again (a copy, a re-save), the thinned history keeps its iterations: not 0, 1, … of a complete one
        Path again = dir.resolve("again.json");
        ModelFile.write(again, saved.model(), null);
        SavedModel twice = ModelFile.read(again);
        assertArrayEquals(at, twice.lossHistoryIterations());
        assertArrayEquals(kept, twice.model().lossHistory(), 0);
        assertArrayEquals(saved.model().gradientNormHistoryIterations(), twice.model().gradientNormHistoryIterations());
        assertArrayEquals(saved.model().gradientNormHistory(), twice.model().gradientNormHistory(), 0);
        var tree2 = new com.fasterxml.jackson.databind.ObjectMapper().readTree(again.toFile());
        assertEquals(iterations + 1, tree2.get("result").get("lossHistoryLength").asLong());
        assertEquals(iterations + 1, tree2.get("result").get("gradientNormHistoryLength").asLong());
        assertEquals(iterations, twice.model().gradientNormHistoryIterations()[kept.length - 1]);
    }

    /**
     * The settings that steer a fit without being solver hyperparameters — the direct solvers' memory budget (which the
     * automatic choice reads) and the backend's options (kernel, budgets, chunk size) — go through the file too, so the
     * configuration read back equals the fitted one; the device ordinal is the reading machine's choice and is not kept.
     */
    @Test
    void theDirectMemoryBudgetAndBackendOptionsGoThroughTheFile() throws IOException {
        FitConfig config = FitConfig.builder().solver(Solver.GD).threads(3).directMemoryBudget(1 << 20)
                .backendOptions(dev.downhill.spi.BackendOptions.builder().threads(3).cpuKernel("blas").hostMemoryBudget("2g")
                        .deviceMemoryBudget("8g").chunkBytes(1 << 28).set("cpu.flushRows", "256").build())
                .build();
        FittedModel m = new FittedModel(new double[] {1, 2}, 0.5, Solver.GD, "cpu", Precision.FLOAT64, 10, 5,
                StopReason.CONVERGED, new double[] {2, 1}, new double[] {1, 0.1}, Duration.ofMillis(3), 0.1, -1, config,
                new ConvergenceReport(false, new int[0], Double.NaN));
        Path f = dir.resolve("options.json");
        ModelFile.write(f, m, null);
        FitConfig read = ModelFile.read(f).model().config();
        assertEquals(config, read);
        assertEquals(1 << 20, read.directMemoryBudget());
        assertEquals("blas", read.backendOptions().setting(dev.downhill.spi.BackendOptions.CPU_KERNEL).orElseThrow());
        assertEquals(3, read.threads());

        FitConfig onDevice = config.toBuilder().backendOptions(config.backendOptions().toBuilder().device(3).build()).build();
        ModelFile.write(f, new FittedModel(new double[] {1, 2}, 0.5, Solver.GD, "cuda", Precision.FLOAT64, 10, 5,
                StopReason.CONVERGED, new double[] {2, 1}, new double[] {1, 0.1}, Duration.ofMillis(3), 0.1, -1, onDevice,
                new ConvergenceReport(false, new int[0], Double.NaN)), null);
        assertFalse(ModelFile.read(f).model().config().backendOptions().deviceSet(), "no device ordinal in the file");

        ModelFile.write(f, model(), null); // none set: neither field, as before
        String plain = Files.readString(f);
        assertFalse(plain.contains("directMemoryBudget") || plain.contains("backendOptions"), plain);
        Files.writeString(f, plain.replace("\"threads\" : 2", "\"threads\" : 2, \"backendOptions\" : {\"chunkBytes\" : -4}"));
        String bad = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f)).getMessage();
        assertTrue(bad.startsWith("model file " + f + ": bad value in 'hyperparameters': chunk size"), bad);
    }

    /**
     * Hand-edited hyperparameters that no fit writes are refused in one line naming the file and the field, as the class
     * promises: a standardize that is neither a boolean nor "auto", a tolerance or iteration limit out of range even where
     * the file says the default was kept, factors for another number of features, a penalty the solver cannot fit. A
     * stream's messages name the source once.
     */
    @Test
    void invalidHyperparametersAreRefusedNamingTheField() throws IOException {
        Path f = dir.resolve("m.json");
        FitConfig defaults = FitConfig.builder().solver(Solver.GD).penalty(Penalty.l2(0.5).withPenaltyFactors(new double[] {1, 2}))
                .build();
        ModelFile.write(f, new FittedModel(new double[] {1, 2}, 0.5, Solver.GD, "cpu", Precision.FLOAT64, 10, 5,
                StopReason.CONVERGED, new double[] {2, 1}, new double[] {1, 0.1}, Duration.ofMillis(3), 0.1, -1, defaults,
                new ConvergenceReport(false, new int[0], Double.NaN)), null);
        String json = Files.readString(f);
        assertTrue(json.contains("\"toleranceDefault\" : true") && json.contains("\"maxIterationsDefault\" : true"), json);
        String[][] cases = {
                {"\"standardize\" : \"auto\"", "\"standardize\" : \"true\"", "hyperparameters.standardize"},
                {"\"standardize\" : \"auto\"", "\"standardize\" : 1", "hyperparameters.standardize"},
                {"\"tolerance\" : 1.0E-10", "\"tolerance\" : -1", "tolerance must lie in [0, 1)"},
                {"\"tolerance\" : 1.0E-10", "\"tolerance\" : 5", "tolerance must lie in [0, 1)"},
                {"\"maxIterations\" : 10000", "\"maxIterations\" : 0", "max iterations must be ≥ 1"},
                {"\"penaltyFactors\" : [ 1.0, 2.0 ]", "\"penaltyFactors\" : [ 1.0 ]", "'hyperparameters.penaltyFactors' has 1 values for 2 features"},
                {"\"solver\" : \"gd\"", "\"solver\" : \"cd\"", "bad value in 'hyperparameters': "},
        };
        for (String[] c : cases) {
            assertTrue(json.contains(c[0]), c[0]);
            Files.writeString(f, json.replace(c[0], c[1]));
            String m = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f), c[1]).getMessage();
            assertTrue(m.startsWith("model file " + f + ": ") && m.contains(c[2]) && !m.contains("\n"), c[1] + ": " + m);
            String fromStream = assertThrows(IllegalArgumentException.class,
                    () -> ModelFile.read(new java.io.ByteArrayInputStream(Files.readAllBytes(f))), c[1]).getMessage();
            assertEquals(1, fromStream.split("the model read from a stream", -1).length - 1, fromStream);
        }
    }

    @Test
    void shortHistoriesAreCompleteAndFilesWithoutIterationsStillRead() throws IOException {
        Path f = dir.resolve("m.json");
        ModelFile.write(f, model(), null);
        String text = Files.readString(f);
        assertTrue(!text.contains("lossHistoryIterations"), "a complete history has no iteration list");
        assertArrayEquals(new long[] {0, 1, 2}, ModelFile.read(f).lossHistoryIterations());
        String bad = text.replace("\"lossHistory\" : [", "\"lossHistoryIterations\" : [ 0, 5, 5 ],\n    \"lossHistoryLength\" : 9,\n    \"lossHistory\" : [");
        Files.writeString(f, bad);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f));
        assertTrue(e.getMessage().contains("lossHistoryIterations"), e.getMessage());
    }

    @Test
    void aFailedWriteLeavesThePreviousFile() throws IOException {
        Path f = dir.resolve("m.json");
        ModelFile.write(f, model(), null);
        byte[] before = Files.readAllBytes(f);
        java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class,
                () -> ModelFile.write(dir.resolve("missing").resolve("m.json"), model(), null));
        assertTrue(e.getMessage().startsWith("cannot write model file ") && e.getMessage().contains("does not exist"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file");
        }
    }

    @Test
    void thinnedIndicesAreIncreasingDistinctAndBounded() {
        for (int length : new int[] {2001, 2500, 10_000, 1_000_000, Integer.MAX_VALUE / 4}) {
            int[] k = ModelFile.thinnedIndices(length, ModelFile.MAX_HISTORY_POINTS);
            assertTrue(k.length <= ModelFile.MAX_HISTORY_POINTS, length + ": " + k.length);
            assertTrue(k.length >= ModelFile.MAX_HISTORY_POINTS - 10, "the limit is used, not a part of it: " + length + ": " + k.length);
            assertEquals(0, k[0]);
            assertEquals(length - 1, k[k.length - 1]);
            for (int i = 1; i < k.length; i++) {
                assertTrue(k[i] > k[i - 1]);
            }
        }
    }
}
