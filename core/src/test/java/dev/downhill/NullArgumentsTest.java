package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.io.CsrMatrix;
import dev.downhill.io.SvmLightReader;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.Backends;
import dev.downhill.spi.ResidentProblem;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/**
 * The package's null convention (package-info): every public entry point of {@code dev.downhill} refuses a null argument
 * without a meaning with a {@link NullPointerException} whose message is the parameter's name, before any work. One row
 * per (entry point, argument); the arguments whose null means something are checked apart.
 */
class NullArgumentsTest {
    private static final double[][] X = {{1, 2}, {3, 4}, {5, 7}};
    private static final double[] Y = {1, 2, 4};
    private static final FitConfig HOST = FitConfig.builder().backend("test-host").build();
    private static final FitConfig L1 = FitConfig.builder().backend("test-host").penalty(Penalty.l1(0.1)).build();
    private static final CrossValidation.Rule MIN = CrossValidation.Rule.MIN;

    private static Dataset data;
    private static SparseDataset sparse;
    private static LoadedProblem problem;
    private static DoublePointer out;
    private static FittedModel model;

    private record Case(String entry, String argument, Executable call) {
    }

    @BeforeAll
    static void open() {
        data = Dataset.of(X, Y);
        sparse = SparseDataset.of(csr(), Y);
        problem = LinearRegression.load(data, HOST);
        out = new DoublePointer(3);
        model = new FittedModel(new double[] {1, -1}, 0.5, Solver.GD, "test-host", Precision.FLOAT64, 3, 3, StopReason.CONVERGED,
                new double[] {5, 2, 1}, new double[] {4, 1, 0.1}, Duration.ofMillis(1), 0.05, -1, HOST,
                new ConvergenceReport(false, new int[0], Double.NaN));
    }

    @AfterAll
    static void close() {
        out.close();
        problem.close();
        sparse.close();
        data.close();
    }

    private static CsrMatrix csr() {
        return CsrMatrix.of(new long[] {0, 2, 4, 6}, new int[] {0, 1, 0, 1, 0, 1}, new double[] {1, 2, 3, 4, 5, 7}, 2,
                Precision.FLOAT64);
    }

    private static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    private static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        // Dataset
        c.add(new Case("Dataset.of(double[][], double[])", "x", () -> Dataset.of((double[][]) null, Y)));
        c.add(new Case("Dataset.of(double[][], double[])", "y", () -> Dataset.of(X, (double[]) null)));
        c.add(new Case("Dataset.of(float[][], float[])", "x", () -> Dataset.of((float[][]) null, new float[3])));
        c.add(new Case("Dataset.of(float[][], float[])", "y", () -> Dataset.of(new float[][] {{1}}, (float[]) null)));
        c.add(new Case("Dataset.of(double[][], double[], double[])", "x", () -> Dataset.of((double[][]) null, Y, Y)));
        c.add(new Case("Dataset.of(double[][], double[], double[])", "y", () -> Dataset.of(X, null, Y)));
        c.add(new Case("Dataset.of(double[][], double[], double[])", "weights", () -> Dataset.of(X, Y, null)));
        c.add(new Case("Dataset.of(float[][], float[], double[])", "weights",
                () -> Dataset.of(new float[][] {{1}}, new float[] {1}, null)));
        c.add(new Case("Dataset.ofRowMajor(double[], …)", "x", () -> Dataset.ofRowMajor((double[]) null, 1, 1, new double[1])));
        c.add(new Case("Dataset.ofRowMajor(double[], …)", "y", () -> Dataset.ofRowMajor(new double[1], 1, 1, (double[]) null)));
        c.add(new Case("Dataset.ofRowMajor(float[], …)", "x", () -> Dataset.ofRowMajor((float[]) null, 1, 1, new float[1])));
        c.add(new Case("Dataset.ofRowMajor(float[], …)", "y", () -> Dataset.ofRowMajor(new float[1], 1, 1, (float[]) null)));
        c.add(new Case("Dataset.ofRowMajor(double[], …, weights)", "weights",
                () -> Dataset.ofRowMajor(new double[1], 1, 1, new double[1], null)));
        c.add(new Case("Dataset.ofRowMajor(float[], …, weights)", "weights",
                () -> Dataset.ofRowMajor(new float[1], 1, 1, new float[1], null)));
        c.add(new Case("Dataset.withWeights(double[])", "weights", () -> data.withWeights((double[]) null)));
        c.add(new Case("Dataset.withWeights(DoublePointer)", "weights", () -> data.withWeights((DoublePointer) null)));
        c.add(new Case("Dataset.wrap(Pointer, Pointer, …)", "x", () -> Dataset.wrap((Pointer) null, out, 1, 1)));
        c.add(new Case("Dataset.wrap(Pointer, Pointer, …)", "y", () -> Dataset.wrap(out, (Pointer) null, 1, 1)));
        c.add(new Case("Dataset.adopt(Pointer, Pointer, …)", "x", () -> Dataset.adopt(null, new DoublePointer(1), 1, 1)));
        c.add(new Case("Dataset.adopt(Pointer, Pointer, …)", "y", () -> Dataset.adopt(new DoublePointer(1), null, 1, 1)));
        c.add(new Case("Dataset.adopt(Pointer, Pointer, DoublePointer, …)", "weights",
                () -> Dataset.adopt(new DoublePointer(1), new DoublePointer(1), null, 1, 1)));
        c.add(new Case("Dataset.wrap(ByteBuffer, …)", "x", () -> Dataset.wrap((ByteBuffer) null, direct(8), 1, 1, Precision.FLOAT64)));
        c.add(new Case("Dataset.wrap(ByteBuffer, …)", "y", () -> Dataset.wrap(direct(8), (ByteBuffer) null, 1, 1, Precision.FLOAT64)));
        c.add(new Case("Dataset.wrap(ByteBuffer, …)", "precision", () -> Dataset.wrap(direct(8), direct(8), 1, 1, null)));
        c.add(new Case("Dataset.wrap(FloatBuffer, …)", "x", () -> Dataset.wrap((FloatBuffer) null, direct(4).asFloatBuffer(), 1, 1)));
        c.add(new Case("Dataset.wrap(FloatBuffer, …)", "y", () -> Dataset.wrap(direct(4).asFloatBuffer(), (FloatBuffer) null, 1, 1)));
        c.add(new Case("Dataset.wrap(DoubleBuffer, …)", "x", () -> Dataset.wrap((DoubleBuffer) null, direct(8).asDoubleBuffer(), 1, 1)));
        c.add(new Case("Dataset.wrap(DoubleBuffer, …)", "y", () -> Dataset.wrap(direct(8).asDoubleBuffer(), (DoubleBuffer) null, 1, 1)));
        c.add(new Case("Dataset.toPrecision", "target", () -> data.toPrecision(null)));
        // SparseDataset
        c.add(new Case("SparseDataset.adopt", "data", () -> SparseDataset.adopt(null)));
        c.add(new Case("SparseDataset.of", "x", () -> SparseDataset.of(null, Y)));
        c.add(new Case("SparseDataset.of", "y", () -> SparseDataset.of(csr(), null)));
        c.add(new Case("SparseDataset.withWeights", "weights", () -> sparse.withWeights(null)));
        // FitConfig and its builder
        c.add(new Case("FitConfig.Builder.checkpoint", "checkpoint", () -> FitConfig.builder().checkpoint(null)));
        c.add(new Case("FitConfig.Builder.solver", "solver", () -> FitConfig.builder().solver(null)));
        c.add(new Case("FitConfig.Builder.penalty", "penalty", () -> FitConfig.builder().penalty(null)));
        c.add(new Case("FitConfig.Builder.learningRate", "learningRate", () -> FitConfig.builder().learningRate((LearningRate) null)));
        c.add(new Case("FitConfig.Builder.initialCoefficients", "initialCoefficients", () -> FitConfig.builder().initialCoefficients(null)));
        c.add(new Case("FitConfig.Builder.backendOptions", "backendOptions", () -> FitConfig.builder().backendOptions(null)));
        c.add(new Case("FitConfig.Builder.listener", "listener", () -> FitConfig.builder().listener(null)));
        c.add(new Case("FitConfig.Builder.schedule", "schedule", () -> FitConfig.builder().schedule(null)));
        c.add(new Case("FitConfig.tolerance(Precision)", "precision", () -> HOST.tolerance(null)));
        // Checkpoint
        c.add(new Case("Checkpoint.to", "directory", () -> Checkpoint.to(null)));
        c.add(new Case("Checkpoint.resume", "directory", () -> Checkpoint.resume(null)));
        c.add(new Case("Checkpoint.every", "interval", () -> Checkpoint.to(Path.of("c")).every(null)));
        c.add(new Case("Checkpoint.resumingFrom", "directory", () -> Checkpoint.to(Path.of("c")).resumingFrom(null)));
        c.add(new Case("Checkpoint.describe", "folder", () -> Checkpoint.describe(null)));
        // LinearRegression
        c.add(new Case("LinearRegression.fit(Dataset, FitConfig)", "data", () -> LinearRegression.fit((Dataset) null, HOST)));
        c.add(new Case("LinearRegression.fit(Dataset, FitConfig)", "config", () -> LinearRegression.fit(data, null)));
        c.add(new Case("LinearRegression.fit(SparseDataset, FitConfig)", "data", () -> LinearRegression.fit((SparseDataset) null, HOST)));
        c.add(new Case("LinearRegression.fit(SparseDataset, FitConfig)", "config", () -> LinearRegression.fit(sparse, null)));
        c.add(new Case("LinearRegression.fit(LoadedProblem, FitConfig)", "problem", () -> LinearRegression.fit((LoadedProblem) null, HOST)));
        c.add(new Case("LinearRegression.fit(LoadedProblem, FitConfig)", "config", () -> LinearRegression.fit(problem, null)));
        c.add(new Case("LinearRegression.load(Dataset, FitConfig)", "data", () -> LinearRegression.load((Dataset) null, HOST)));
        c.add(new Case("LinearRegression.load(Dataset, FitConfig)", "config", () -> LinearRegression.load(data, null)));
        c.add(new Case("LinearRegression.load(SparseDataset, FitConfig)", "data", () -> LinearRegression.load((SparseDataset) null, HOST)));
        c.add(new Case("LinearRegression.load(SparseDataset, FitConfig)", "config", () -> LinearRegression.load(sparse, null)));
        // CrossValidation
        c.add(new Case("CrossValidation.alphaMax", "data", () -> CrossValidation.alphaMax(null, L1)));
        c.add(new Case("CrossValidation.alphaMax", "config", () -> CrossValidation.alphaMax(data, null)));
        c.add(new Case("CrossValidation.path", "problem", () -> CrossValidation.path(null, L1, new double[] {1})));
        c.add(new Case("CrossValidation.path", "config", () -> CrossValidation.path(problem, null, new double[] {1})));
        c.add(new Case("CrossValidation.path", "alphas", () -> CrossValidation.path(problem, L1, null)));
        c.add(new Case("CrossValidation.fit(Dataset, …)", "data", () -> CrossValidation.fit((Dataset) null, L1, 2, MIN)));
        c.add(new Case("CrossValidation.fit(Dataset, …)", "config", () -> CrossValidation.fit(data, null, 2, MIN)));
        c.add(new Case("CrossValidation.fit(Dataset, …)", "rule", () -> CrossValidation.fit(data, L1, 2, null)));
        c.add(new Case("CrossValidation.fit(Dataset, …, count, ratio)", "config", () -> CrossValidation.fit(data, null, 2, MIN, 0, 2)));
        c.add(new Case("CrossValidation.fit(Dataset, …, count, ratio)", "rule", () -> CrossValidation.fit(data, L1, 2, null, 0, 2)));
        c.add(new Case("CrossValidation.fit(SparseDataset, …)", "data", () -> CrossValidation.fit((SparseDataset) null, L1, 2, MIN)));
        c.add(new Case("CrossValidation.fit(SparseDataset, …)", "config", () -> CrossValidation.fit(sparse, null, 2, MIN)));
        c.add(new Case("CrossValidation.fit(SparseDataset, …)", "rule", () -> CrossValidation.fit(sparse, L1, 2, null)));
        c.add(new Case("CrossValidation.fit(SparseDataset, …, count, ratio)", "config", () -> CrossValidation.fit(sparse, null, 2, MIN, 0, 2)));
        c.add(new Case("CrossValidation.Rule.parse", "text", () -> CrossValidation.Rule.parse(null)));
        // FittedModel
        c.add(new Case("FittedModel.predict(double[][])", "x", () -> model.predict((double[][]) null)));
        c.add(new Case("FittedModel.predict(double[])", "x", () -> model.predict((double[]) null)));
        c.add(new Case("FittedModel.predict(Dataset)", "data", () -> model.predict((Dataset) null)));
        c.add(new Case("FittedModel.predict(Dataset, DoublePointer)", "data", () -> model.predict((Dataset) null, out)));
        c.add(new Case("FittedModel.predict(Dataset, DoublePointer)", "out", () -> model.predict(data, null)));
        c.add(new Case("FittedModel.predict(SparseDataset)", "data", () -> model.predict((SparseDataset) null)));
        c.add(new Case("FittedModel.predict(SparseDataset, DoublePointer)", "data", () -> model.predict((SparseDataset) null, out)));
        c.add(new Case("FittedModel.predict(SparseDataset, DoublePointer)", "out", () -> model.predict(sparse, null)));
        c.add(new Case("FittedModel.predict(LoadedProblem)", "problem", () -> model.predict((LoadedProblem) null)));
        c.add(new Case("FittedModel.predict(LoadedProblem, DoublePointer)", "problem", () -> model.predict((LoadedProblem) null, out)));
        c.add(new Case("FittedModel.predict(LoadedProblem, DoublePointer)", "out", () -> model.predict(problem, null)));
        c.add(new Case("FittedModel.predict(Pointer, long)", "x", () -> model.predict((Pointer) null, 1)));
        c.add(new Case("FittedModel.score(Dataset)", "data", () -> model.score((Dataset) null)));
        c.add(new Case("FittedModel.score(SparseDataset)", "data", () -> model.score((SparseDataset) null)));
        c.add(new Case("FittedModel.score(LoadedProblem)", "problem", () -> model.score((LoadedProblem) null)));
        c.add(new Case("FittedModel.score(double[][], double[])", "x", () -> model.score(null, Y)));
        c.add(new Case("FittedModel.score(double[][], double[])", "y", () -> model.score(X, null)));
        // the value classes and their parsers
        c.add(new Case("InitialCoefficients.given", "theta", () -> InitialCoefficients.given(null)));
        c.add(new Case("Penalty.value", "theta", () -> Penalty.l2(1).value(null)));
        c.add(new Case("Penalty.value (inactive)", "theta", () -> Penalty.none().value(null)));
        c.add(new Case("Penalty.Kind.parse", "name", () -> Penalty.Kind.parse(null)));
        c.add(new Case("Solver.parse", "text", () -> Solver.parse(null)));
        c.add(new Case("Precision.parse", "text", () -> Precision.parse(null)));
        c.add(new Case("LearningRate.parse", "text", () -> LearningRate.parse(null)));
        c.add(new Case("LearningRateSchedule.parse", "text", () -> LearningRateSchedule.parse(null)));
        // LoadedProblem
        c.add(new Case("LoadedProblem.of", "problem", () -> LoadedProblem.of(null, data, BackendOptions.defaults())));
        c.add(new Case("LoadedProblem.of", "options", () -> {
            try (ResidentProblem p = Backends.load("test-host", data, null, BackendOptions.defaults())) {
                LoadedProblem.of(p, data, null);
            }
        }));
        // ModelFile
        Score s = new Score(1, 0.5);
        c.add(new Case("ModelFile.write(Path, …)", "path", () -> ModelFile.write((Path) null, model, s)));
        c.add(new Case("ModelFile.write(Path, …)", "model", () -> ModelFile.write(Path.of("never-written.json"), null, s)));
        c.add(new Case("ModelFile.write(Path, …, indexBase)", "path", () -> ModelFile.write((Path) null, model, s, null)));
        c.add(new Case("ModelFile.write(Path, …, columns)", "model", () -> ModelFile.write(Path.of("never-written.json"), null, s, null, null)));
        c.add(new Case("ModelFile.write(OutputStream, …)", "out", () -> ModelFile.write((OutputStream) null, model, s)));
        c.add(new Case("ModelFile.write(OutputStream, …)", "model", () -> ModelFile.write(OutputStream.nullOutputStream(), null, s)));
        c.add(new Case("ModelFile.write(OutputStream, …, indexBase)", "out", () -> ModelFile.write((OutputStream) null, model, s, null)));
        c.add(new Case("ModelFile.write(OutputStream, …, columns)", "model",
                () -> ModelFile.write(OutputStream.nullOutputStream(), null, s, null, null)));
        c.add(new Case("ModelFile.read(Path)", "path", () -> ModelFile.read((Path) null)));
        c.add(new Case("ModelFile.read(InputStream)", "in", () -> ModelFile.read((java.io.InputStream) null)));
        // records and exceptions with public constructors
        Optional<Score> none = Optional.empty();
        c.add(new Case("SavedModel", "model", () -> new SavedModel(null, none, "1", new long[0], Optional.empty(), Optional.empty())));
        c.add(new Case("SavedModel", "training", () -> new SavedModel(model, null, "1", new long[3], Optional.empty(), Optional.empty())));
        c.add(new Case("SavedModel", "libraryVersion", () -> new SavedModel(model, none, null, new long[3], Optional.empty(), Optional.empty())));
        c.add(new Case("SavedModel", "lossHistoryIterations", () -> new SavedModel(model, none, "1", null, Optional.empty(), Optional.empty())));
        c.add(new Case("SavedModel", "indexBase", () -> new SavedModel(model, none, "1", new long[3], null, Optional.empty())));
        c.add(new Case("SavedModel", "columns", () -> new SavedModel(model, none, "1", new long[3], Optional.empty(), null)));
        c.add(new Case("TableColumns", "features", () -> new TableColumns(null, "y")));
        c.add(new Case("TableColumns", "target", () -> new TableColumns(List.of("a"), null)));
        c.add(new Case("ConvergenceReport", "constantColumns", () -> new ConvergenceReport(false, null, Double.NaN)));
        double[] a = {1};
        c.add(new Case("CrossValidationReport", "rule", () -> new CrossValidationReport(2, null, a, a, a, 1, 1, 1)));
        c.add(new Case("CrossValidationReport", "alphas", () -> new CrossValidationReport(2, "min", null, a, a, 1, 1, 1)));
        c.add(new Case("CrossValidationReport", "meanMse", () -> new CrossValidationReport(2, "min", a, null, a, 1, 1, 1)));
        c.add(new Case("CrossValidationReport", "standardError", () -> new CrossValidationReport(2, "min", a, a, null, 1, 1, 1)));
        double n = Double.NaN;
        c.add(new Case("CoefficientInference", "standardErrors", () -> new CoefficientInference(null, a, a, false, n, n, n, 1, 1)));
        c.add(new Case("CoefficientInference", "tValues", () -> new CoefficientInference(a, null, a, false, n, n, n, 1, 1)));
        c.add(new Case("CoefficientInference", "pValues", () -> new CoefficientInference(a, a, null, false, n, n, n, 1, 1)));
        var d = new CheckpointMismatchException.Difference("rows", "3", "4");
        c.add(new Case("CheckpointMismatchException", "checkpoint", () -> new CheckpointMismatchException(null, List.of(d))));
        c.add(new Case("CheckpointMismatchException", "differences", () -> new CheckpointMismatchException(Path.of("c"), null)));
        c.add(new Case("CheckpointMismatchException.Difference", "field", () -> new CheckpointMismatchException.Difference(null, "3", "4")));
        c.add(new Case("CheckpointMismatchException.Difference", "saved", () -> new CheckpointMismatchException.Difference("rows", null, "4")));
        c.add(new Case("CheckpointMismatchException.Difference", "now", () -> new CheckpointMismatchException.Difference("rows", "3", null)));
        return c;
    }

    @TestFactory
    Stream<DynamicTest> aNullArgumentIsANullPointerExceptionNamingIt() {
        return cases().stream().map(k -> DynamicTest.dynamicTest(k.entry() + ": " + k.argument(), () -> {
            NullPointerException e = assertThrows(NullPointerException.class, k.call(), k.entry());
            assertEquals(k.argument(), e.getMessage(), k.entry());
        }));
    }

    /** Thrown before any work or change of state: not the closed dataset's IllegalStateException, nothing taken over. */
    @Test
    void theNullCheckComesFirst() {
        Dataset closed = Dataset.of(X, Y);
        closed.close();
        assertEquals("weights", assertThrows(NullPointerException.class, () -> closed.withWeights((double[]) null)).getMessage());
        assertEquals("target", assertThrows(NullPointerException.class, () -> closed.toPrecision(null)).getMessage());
        try (SparseDataset s = SparseDataset.of(csr(), Y)) {
            assertThrows(NullPointerException.class, () -> s.withWeights(null));
            assertDoesNotThrow(s::weightsPointer, "a refused withWeights leaves the dataset open (it empties it otherwise)");
            assertTrue(!s.isWeighted());
        }
        // the cross-validation's argument checks (count and ratio) come after the null checks
        assertEquals("rule", assertThrows(NullPointerException.class, () -> CrossValidation.fit(data, L1, 2, null, 0, 2)).getMessage());
    }

    /** The arguments whose Javadoc gives null a meaning keep it. */
    @Test
    void aNullWithAMeaningIsAccepted() {
        assertDoesNotThrow(() -> FitConfig.builder().precision(null).backend(null).standardize(null).build());
        assertDoesNotThrow(() -> model.predictingOn(null));
        assertDoesNotThrow(() -> Penalty.l2(1).withPenaltyFactors(null).withL2PenaltyFactors(null));
        assertDoesNotThrow(() -> ModelFile.write(OutputStream.nullOutputStream(), model, null, (SvmLightReader.IndexBase) null, null));
        assertEquals("", new ConvergenceReport(false, new int[0], Double.NaN).withSolverChoice(null).solverChoice());
        assertDoesNotThrow(() -> new ConvergenceReport(false, new int[0], Double.NaN).withCrossValidation(null));
        assertDoesNotThrow(() -> new FitInterruptedException(3, null));
        assertDoesNotThrow(() -> new CrossValidationReport(2, "min", new double[1], new double[1], new double[1], 1, 1, 1, null));
        try (ResidentProblem p = Backends.load("test-host", data, null, BackendOptions.defaults());
             LoadedProblem loaded = LoadedProblem.of(p, null, BackendOptions.defaults())) {
            assertEquals(3, loaded.rows());
        }
        assertDoesNotThrow(() -> ModelFile.read(new ByteArrayInputStream(write(model))));
    }

    private static byte[] write(FittedModel m) throws java.io.IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        ModelFile.write(b, m, null);
        return b.toByteArray();
    }
}
