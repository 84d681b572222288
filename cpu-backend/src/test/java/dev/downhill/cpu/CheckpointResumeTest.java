package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.Checkpoint;
import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FitInterruptedException;
import dev.downhill.FittedModel;
import dev.downhill.IterationListener;
import dev.downhill.LearningRateSchedule;
import dev.downhill.LinearRegression;
import dev.downhill.ModelFile;
import dev.downhill.Penalty;
import dev.downhill.Solver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoint and resume through the library on every solver: a fit stopped at an iteration boundary (a listener asks its
 * {@link Checkpoint} to stop at iteration k) and resumed from the saved state ends with the model an uninterrupted fit
 * gives — coefficients, intercept, iterations, stop reason, histories, η and duality gap equal bit for bit —; a finished
 * checkpoint gives the final model again without iterating; the fingerprint refuses other data and other options.
 */
class CheckpointResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Dataset data(int m, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[m][n];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            double s = 1.5;
            double shared = r.nextGaussian();
            for (int j = 0; j < n; j++) {
                x[i][j] = (1 + j) * r.nextGaussian() + 0.8 * shared + 3;
                s += x[i][j] * (j % 3 - 1) * 0.7;
            }
            y[i] = s + 0.3 * r.nextGaussian();
        }
        return Dataset.of(x, y);
    }

    private static FitConfig.Builder base(Solver solver) {
        return FitConfig.builder().backend("cpu").threads(2).solver(solver);
    }

    private static void assertSameFit(FittedModel expected, FittedModel actual) {
        assertArrayEquals(expected.coefficients(), actual.coefficients(), "coefficients");
        assertEquals(expected.intercept(), actual.intercept(), "intercept");
        assertEquals(expected.iterations(), actual.iterations(), "iterations");
        assertEquals(expected.stopReason(), actual.stopReason(), "stop reason");
        assertArrayEquals(expected.lossHistory(), actual.lossHistory(), "loss history");
        assertArrayEquals(expected.gradientNormHistory(), actual.gradientNormHistory(), "gradient-norm history");
        assertEquals(expected.learningRate(), actual.learningRate(), "η");
        assertEquals(expected.rank(), actual.rank(), "rank");
        assertEquals(expected.report().dualityGap(), actual.report().dualityGap(), "duality gap");
        assertEquals(expected.report().objective(), actual.report().objective(), "objective");
        assertEquals(expected.report().solverChoice(), actual.report().solverChoice(), "solver choice");
        assertEquals(expected.solver(), actual.solver());
    }

    private JsonNode manifest(Path folder) throws IOException {
        return JSON.readTree(folder.resolve("checkpoint.json").toFile());
    }

    /**
     * Fits {@code config} uninterrupted; then again, stopped by a request at iteration {@code stopAt}, and resumed; returns
     * the iteration it resumed at after checking the models are equal.
     */
    private long interruptAndResume(Dataset d, FitConfig config, long stopAt, Duration every) throws IOException {
        return interruptAndResume(d, config, config, stopAt, every);
    }

    /**
     * As {@link #interruptAndResume(Dataset, FitConfig, long, Duration)}, stopped under {@code config} and resumed under
     * {@code resumed} (equivalent settings): the model of an uninterrupted fit under {@code resumed}.
     */
    private long interruptAndResume(Dataset d, FitConfig config, FitConfig resumed, long stopAt, Duration every) throws IOException {
        FittedModel full = LinearRegression.fit(d, resumed);
        assertTrue(full.iterations() > stopAt + 2, "the fit must outlast the interruption: " + full.iterations());
        Path folder = dir.resolve(config.solver().cliName() + "-" + config.penalty().kind().cliName() + "-" + System.nanoTime());
        Checkpoint checkpoint = Checkpoint.to(folder).every(every);
        IterationListener stopper = (k, loss, norm) -> {
            if (k == stopAt) {
                checkpoint.requestStop();
            }
            return IterationListener.Control.CONTINUE;
        };
        FitInterruptedException stopped = assertThrows(FitInterruptedException.class,
                () -> LinearRegression.fit(d, config.toBuilder().checkpoint(checkpoint).listener(stopper).build()));
        assertTrue(stopped.iteration() > 0 && stopped.iteration() <= stopAt + 1, "stopped at " + stopped.iteration());
        assertEquals(folder, stopped.directory().orElseThrow());
        JsonNode m = manifest(folder);
        assertEquals(stopped.iteration(), m.get("iteration").asLong());
        assertFalse(m.get("finished").asBoolean());
        try (var files = Files.list(folder)) { // the manifest and one state file: older states were deleted (and the lock)
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".lock")).sorted()
                    .collect(Collectors.toList());
            assertEquals(2, names.size(), names.toString());
            assertEquals(m.get("state").asText(), names.get(1));
        }

        // resume into the same folder (keeps checkpointing): the model of the uninterrupted fit, then a finished checkpoint
        FittedModel continued = LinearRegression.fit(d, resumed.toBuilder().checkpoint(Checkpoint.to(folder).resumingFrom(folder)).build());
        assertSameFit(full, continued);
        assertEquals(stopped.iteration(), continued.report().resumedFromIteration());
        assertTrue(continued.report().resumedRunSeconds() >= 0 && continued.wallTime().toNanos() / 1e9 >= continued.report().resumedRunSeconds());
        assertTrue(manifest(folder).get("finished").asBoolean());
        assertEquals(full.iterations(), manifest(folder).get("iteration").asLong());

        // a finished checkpoint gives the final model again without iterating (a listener would see iterations)
        FittedModel again = LinearRegression.fit(d, resumed.toBuilder().checkpoint(Checkpoint.resume(folder)).listener((k, l, g) -> {
            throw new AssertionError("a finished checkpoint must not iterate (iteration " + k + ")");
        }).build());
        assertSameFit(full, again);
        assertEquals(full.iterations(), again.report().resumedFromIteration());
        // the model file records the resume
        Path file = dir.resolve("model-" + System.nanoTime() + ".json");
        ModelFile.write(file, again, null);
        FittedModel back = ModelFile.read(file).model();
        assertEquals(full.iterations(), back.report().resumedFromIteration());
        assertArrayEquals(full.coefficients(), back.coefficients());
        return stopped.iteration();
    }

    /**
     * One fit saves in a folder at a time: a second fit given the folder while the first runs (here from a listener of
     * the first, so the timing is exact) is refused in one line; once the first has ended, the folder is free again.
     */
    @Test
    void aCheckpointFolderTakesOneFitAtATime() throws IOException {
        Path folder = dir.resolve("shared");
        try (Dataset d = data(400, 6, 5)) {
            FitConfig second = base(Solver.CG).checkpoint(Checkpoint.to(folder)).build();
            IllegalStateException[] refused = new IllegalStateException[1];
            FitConfig first = base(Solver.GD).learningRate(1e-3).maxIterations(5).tolerance(0).checkpoint(Checkpoint.to(folder))
                    .listener((iteration, loss, gradientNorm) -> {
                        if (iteration == 2 && refused[0] == null) {
                            refused[0] = assertThrows(IllegalStateException.class, () -> LinearRegression.fit(d, second));
                        }
                        return IterationListener.Control.CONTINUE;
                    }).build();
            assertEquals(5, LinearRegression.fit(d, first).iterations());
            assertTrue(refused[0] != null && refused[0].getMessage().equals("checkpoint folder " + folder
                    + " is in use by another fit saving there: give each fit a folder of its own"), String.valueOf(refused[0]));
            assertEquals(6, LinearRegression.fit(d, second).coefficients().length, "free once the first fit ended");
        }
    }

    @Test
    void gradientDescentResumesBitForBit() throws IOException {
        try (Dataset d = data(400, 6, 1)) {
            interruptAndResume(d, base(Solver.GD).build(), 7, Duration.ofHours(1));
            // a fixed step and every boundary saved (the periodic path)
            interruptAndResume(d, base(Solver.GD).learningRate(1e-3).maxIterations(60).tolerance(0).build(), 20, Duration.ZERO);
        }
    }

    /**
     * Data far outside 2^±20 (X by 1e40, y by 1e-30): the solvers work in internal units (powers of two on X's columns and
     * y), the checkpoints hold the solver's internal state and the finished one the model's answer in the user's units —
     * resumed and finished fits must still give the uninterrupted model bit for bit (no unit mapped twice).
     */
    @Test
    void resumesBitForBitOnDataTheSolversRescale() throws IOException {
        try (Dataset raw = data(400, 6, 11)) {
            double[][] x = new double[400][6];
            double[] y = new double[400];
            for (int i = 0; i < 400; i++) {
                for (int j = 0; j < 6; j++) {
                    x[i][j] = raw.x(i, j) * 1e40;
                }
                y[i] = raw.y(i) * 1e-30;
            }
            try (Dataset d = Dataset.of(x, y)) {
                interruptAndResume(d, base(Solver.CG).tolerance(0).maxIterations(40).build(), 12, Duration.ZERO);
                interruptAndResume(d, base(Solver.GD).build(), 7, Duration.ofHours(1));
            }
        }
    }

    /**
     * y = ±1 (its root mean square about 0 is 1, within rounding of a power of two: the exponent of y's measured
     * magnitude, and so τ, depends on the last bits of the measuring sums) with a column of 1e7 (D ≠ I, so τ is chosen):
     * a resume must measure τ exactly as the cold start did. Measured from y alone on resumes and from the pass at θ = 0
     * on cold starts, cg resumed to coefficients exactly twice the uninterrupted fit's (a review's reproducer, kept).
     */
    @Test
    void resumesBitForBitWhereYsScaleIsWithinRoundingOfAPowerOfTwo() throws IOException {
        java.util.SplittableRandom r = new java.util.SplittableRandom(0);
        int m = 1000 + r.nextInt(50000);
        double[][] x = new double[m][3];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < 3; j++) {
                x[i][j] = r.nextGaussian() * (j == 0 ? 1e7 : 1);
            }
            y[i] = r.nextBoolean() ? 1 : -1;
        }
        try (Dataset d = Dataset.of(x, y)) {
            interruptAndResume(d, base(Solver.CG).tolerance(0).maxIterations(20).build(), 2, Duration.ZERO);
            interruptAndResume(d, base(Solver.GD).build(), 2, Duration.ZERO);
            interruptAndResume(d, base(Solver.SGD).maxIterations(6).tolerance(0).build(), 2, Duration.ZERO);
        }
    }

    @Test
    void nesterovResumesBitForBit() throws IOException {
        try (Dataset d = data(400, 6, 2)) {
            interruptAndResume(d, base(Solver.NESTEROV).build(), 9, Duration.ZERO);
        }
    }

    @Test
    void conjugateGradientsResumeBitForBitAcrossAResidualRefresh() throws IOException {
        try (Dataset d = data(400, 6, 3)) {
            // tol 0 and 120 iterations: the run passes the refresh at 50 and 100 after the resume at 31
            interruptAndResume(d, base(Solver.CG).tolerance(0).maxIterations(120).build(), 30, Duration.ofHours(1));
        }
    }

    /**
     * A tolerance below the rounding floor: cg ends by the no-progress rule, whose best loss is only ever a measured one
     * (its recurred losses carry u·ℓ₀). A resume must know whether the loss at its boundary was measured: without it
     * being saved, 11 of these 24 lines resumed at step 1 or 2 stopped at 201 iterations instead of 101 (a review's
     * reproducer, kept).
     */
    @Test
    void conjugateGradientsResumeBitForBitWhereTheNoProgressRuleStops() throws IOException {
        for (long seed = 1; seed <= 24; seed++) {
            dev.downhill.testing.CertifiedProblems.Problem p = dev.downhill.testing.CertifiedProblems.norrisLike(seed);
            try (Dataset d = Dataset.of(p.x(), p.y())) {
                FitConfig c = base(Solver.CG).fitIntercept(true).tolerance(1e-25).maxIterations(5_000).build();
                interruptAndResume(d, c, 1 + seed % 2, Duration.ZERO);
            }
        }
    }

    @Test
    void stochasticSolversResumeAtEpochBoundaries() throws IOException {
        try (Dataset d = data(300, 5, 4)) {
            long at = interruptAndResume(d, base(Solver.SGD).maxIterations(12).tolerance(0).build(), 4, Duration.ofHours(1));
            assertEquals(4, at, "sgd checkpoints at the epoch boundary after the listener's epoch");
            interruptAndResume(d, base(Solver.MINIBATCH).batchSize(16).maxIterations(40).schedule(LearningRateSchedule.adaptive())
                    .validationFraction(0.2).build(), 3, Duration.ZERO);
        }
    }

    /** Averaged SGD keeps θ̄ in its checkpoint: resumed (before and after averaging began), the same bits. */
    @Test
    void averagedStochasticSolversResumeBitForBit() throws IOException {
        try (Dataset d = data(300, 5, 4)) {
            interruptAndResume(d, base(Solver.SGD).averageFrom(450).maxIterations(8).tolerance(0).build(), 1, Duration.ZERO);
            interruptAndResume(d, base(Solver.SGD).averageFrom(450).maxIterations(8).tolerance(0).build(), 4, Duration.ZERO);
            interruptAndResume(d, base(Solver.MINIBATCH).batchSize(16).averageFrom(1).maxIterations(10).build(), 3, Duration.ZERO);
        }
    }

    @Test
    void proximalSolversResumeBitForBit() throws IOException {
        try (Dataset d = data(400, 6, 5)) {
            interruptAndResume(d, base(Solver.GD).penalty(Penalty.l1(0.05)).build(), 6, Duration.ofHours(1)); // ISTA
            interruptAndResume(d, base(Solver.NESTEROV).penalty(Penalty.elasticNet(0.05, 0.5)).build(), 6, Duration.ZERO); // FISTA
            interruptAndResume(d, base(Solver.MINIBATCH).penalty(Penalty.l1(0.05)).maxIterations(10).build(), 2, Duration.ZERO);
        }
    }

    /**
     * cd saves at the boundary before each full sweep (the listener sees the full sweeps' states; the sweep count jumps
     * by the active sweeps between them, so the stop is asked at the first state at or past {@code stopAt}) and resumes
     * bit for bit — on the Gram matrix (dense X) and over the columns (sparse X), and under auto (which runs cd with a
     * checkpoint as without one).
     */
    private void cdInterruptAndResume(java.util.function.Function<FitConfig, FittedModel> fit, FitConfig config, long stopAt)
            throws IOException {
        FittedModel full = fit.apply(config);
        assertEquals(Solver.CD, full.solver(), full.report().solverChoice());
        assertTrue(full.iterations() > stopAt + 30, "the fit must outlast the interruption: " + full.iterations());
        Path folder = dir.resolve("cd-" + System.nanoTime());
        Checkpoint checkpoint = Checkpoint.to(folder).every(Duration.ofHours(1)); // saved at its first boundary and the stop
        IterationListener stopper = (k, loss, norm) -> {
            if (k >= stopAt) {
                checkpoint.requestStop();
            }
            return IterationListener.Control.CONTINUE;
        };
        FitInterruptedException stopped = assertThrows(FitInterruptedException.class,
                () -> fit.apply(config.toBuilder().checkpoint(checkpoint).listener(stopper).build()));
        assertTrue(stopped.iteration() > stopAt && stopped.iteration() < full.iterations(), "stopped at " + stopped.iteration());
        assertEquals(folder, stopped.directory().orElseThrow());
        assertEquals(stopped.iteration(), manifest(folder).get("iteration").asLong());
        assertEquals("cd", manifest(folder).get("solver").asText());
        long[] first = {-1};
        FittedModel continued = fit.apply(config.toBuilder().checkpoint(Checkpoint.to(folder).resumingFrom(folder))
                .listener((k, loss, norm) -> {
                    if (first[0] < 0) {
                        first[0] = k;
                    }
                    return IterationListener.Control.CONTINUE;
                }).build());
        assertEquals(stopped.iteration(), first[0], "the resumed sweeps start where the saved ones stopped");
        assertSameFit(full, continued);
        assertArrayEquals(full.lossHistoryIterations(), continued.lossHistoryIterations(), "the full sweeps' counts");
        assertEquals(stopped.iteration(), continued.report().resumedFromIteration());
        assertTrue(manifest(folder).get("finished").asBoolean());
    }

    @Test
    void coordinateDescentResumesBitForBitOnEitherRoute() throws IOException {
        SplittableRandom g = new SplittableRandom(8); // neighbouring columns correlated 0.95: a few hundred sweeps
        double[][] xd = new double[500][40];
        double[] yd = new double[500];
        for (int i = 0; i < xd.length; i++) {
            double previous = g.nextGaussian();
            for (int j = 0; j < 40; j++) {
                previous = 0.95 * previous + Math.sqrt(1 - 0.95 * 0.95) * g.nextGaussian();
                xd[i][j] = previous + 1;
                yd[i] += (j % 4 - 1.5) * xd[i][j];
            }
            yd[i] += 0.5 * g.nextGaussian();
        }
        try (Dataset d = Dataset.of(xd, yd)) { // the Gram route, named and auto's; an elastic net too
            FitConfig cd = base(Solver.CD).penalty(Penalty.l1(0.001)).tolerance(1e-14).build();
            cdInterruptAndResume(c -> LinearRegression.fit(d, c), cd, 5);
            cdInterruptAndResume(c -> LinearRegression.fit(d, c), cd.toBuilder().solver(Solver.AUTO).build(), 5);
            cdInterruptAndResume(c -> LinearRegression.fit(d, c), cd.toBuilder().penalty(Penalty.elasticNet(0.01, 0.7)).build(), 5);
        }
        SplittableRandom r = new SplittableRandom(21); // over the columns of wide sparse X
        int m = 80;
        int n = 300;
        double[][] x = new double[m][n];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                x[i][j] = r.nextDouble() < 0.3 ? r.nextGaussian() : 0;
                y[i] += j % 7 == 0 ? x[i][j] : 0;
            }
            y[i] += 0.1 * r.nextGaussian();
        }
        try (dev.downhill.SparseDataset sd = dev.downhill.SparseDataset.of(dev.downhill.testing.TestData.csr(x,
                dev.downhill.Precision.FLOAT64), y)) {
            FitConfig cd = base(Solver.CD).penalty(Penalty.l1(0.005)).build();
            FittedModel probe = LinearRegression.fit(sd, cd);
            assertTrue(probe.report().solverChoice().contains("the column route"), probe.report().solverChoice());
            cdInterruptAndResume(c -> LinearRegression.fit(sd, c), cd, 40);
        }
    }

    @Test
    void directSolversSaveAFinishedCheckpointAndAnInterruptedOneStartsAgain() throws IOException {
        try (Dataset d = data(300, 5, 6)) {
            for (Solver s : new Solver[] {Solver.NORMAL, Solver.SVD}) {
                FitConfig config = base(s).penalty(Penalty.l2(0.1)).build();
                FittedModel full = LinearRegression.fit(d, config);
                Path folder = dir.resolve(s.cliName());
                LinearRegression.fit(d, config.toBuilder().checkpoint(Checkpoint.to(folder)).build());
                assertTrue(manifest(folder).get("finished").asBoolean());
                FittedModel again = LinearRegression.fit(d, config.toBuilder().checkpoint(Checkpoint.resume(folder)).build());
                assertSameFit(full, again);
                assertEquals(0, again.report().resumedFromIteration());

                // stopped before the solve: an unfinished checkpoint at 0; resuming solves
                Path other = dir.resolve(s.cliName() + "-stopped");
                Checkpoint stop = Checkpoint.to(other);
                stop.requestStop();
                assertThrows(FitInterruptedException.class, () -> LinearRegression.fit(d, config.toBuilder().checkpoint(stop).build()));
                assertFalse(manifest(other).get("finished").asBoolean());
                assertEquals(s.cliName(), manifest(other).get("solver").asText());
                assertSameFit(full, LinearRegression.fit(d, config.toBuilder().checkpoint(Checkpoint.resume(other)).build()));
            }
        }
    }

    @Test
    void autoResumesItsConjugateGradientTrialAndThenSolvesExactly() throws IOException {
        // 5,200 × 640 (more than 8 rows a column, ≥ ~630 columns): auto gives cg a trial of 10 passes before the exact
        // solve (the normal equations: tall X); the budget's judgement is replayed on resume
        try (Dataset d = data(5200, 640, 7)) {
            FitConfig config = base(Solver.AUTO).build();
            FittedModel full = LinearRegression.fit(d, config);
            assertEquals(Solver.NORMAL, full.solver(), full.report().solverChoice());
            assertTrue(full.report().solverChoice().contains("cg tried first"), full.report().solverChoice());
            Path folder = dir.resolve("auto");
            Checkpoint checkpoint = Checkpoint.to(folder);
            IterationListener stopper = (k, loss, norm) -> {
                if (k == 4) {
                    checkpoint.requestStop();
                }
                return IterationListener.Control.CONTINUE;
            };
            FitInterruptedException e = assertThrows(FitInterruptedException.class,
                    () -> LinearRegression.fit(d, config.toBuilder().checkpoint(checkpoint).listener(stopper).build()));
            assertEquals(5, e.iteration());
            assertEquals("cg", manifest(folder).get("solver").asText());
            FittedModel resumed = LinearRegression.fit(d, config.toBuilder().checkpoint(Checkpoint.resume(folder)).build());
            assertSameFit(full, resumed);
        }
    }

    @Test
    void sparseConjugateGradientsResumeBitForBitAndTheSparseSampleIsChecked() throws IOException {
        SplittableRandom r = new SplittableRandom(11);
        int m = 500;
        int n = 40;
        long[] pointers = new long[m + 1];
        java.util.List<Integer> columns = new java.util.ArrayList<>();
        java.util.List<Double> values = new java.util.ArrayList<>();
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                if (r.nextDouble() < 0.2) {
                    double v = r.nextGaussian();
                    columns.add(j);
                    values.add(v);
                    y[i] += v * (j % 4 - 1.5);
                }
            }
            y[i] += 0.1 * r.nextGaussian();
            pointers[i + 1] = columns.size();
        }
        int[] idx = columns.stream().mapToInt(Integer::intValue).toArray();
        double[] val = values.stream().mapToDouble(Double::doubleValue).toArray();
        FitConfig config = base(Solver.CG).tolerance(0).maxIterations(80).build();
        Path folder = dir.resolve("sparse");
        try (dev.downhill.SparseDataset d = dev.downhill.SparseDataset.of(dev.downhill.io.CsrMatrix.of(pointers, idx, val, n,
                dev.downhill.Precision.FLOAT64), y)) {
            FittedModel full = LinearRegression.fit(d, config);
            Checkpoint checkpoint = Checkpoint.to(folder);
            FitInterruptedException e = assertThrows(FitInterruptedException.class, () -> LinearRegression.fit(d, config.toBuilder()
                    .checkpoint(checkpoint).listener((k, l, g) -> {
                        if (k == 10) {
                            checkpoint.requestStop();
                        }
                        return IterationListener.Control.CONTINUE;
                    }).build()));
            assertEquals(11, e.iteration());
            assertSameFit(full, LinearRegression.fit(d, config.toBuilder().checkpoint(Checkpoint.resume(folder)).build()));
        }
        val[val.length / 2] += 1; // a stored value of a sampled row (all 500 rows are sampled) changes the checksum
        try (dev.downhill.SparseDataset d = dev.downhill.SparseDataset.of(dev.downhill.io.CsrMatrix.of(pointers, idx, val, n,
                dev.downhill.Precision.FLOAT64), y)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LinearRegression.fit(d, config.toBuilder().checkpoint(Checkpoint.resume(folder)).build()));
            assertTrue(e.getMessage().contains("checksum: checkpoint "), e.getMessage());
        }
    }

    /**
     * The fingerprint compares the threads the backend runs on, not the count asked for: a checkpoint saved with
     * threads(cores) resumes with the default (every core) and the reverse, dense and sparse, to the uninterrupted model;
     * another count is refused, naming it.
     */
    @Test
    void equalEffectiveThreadCountsResumeAndOthersAreRefused() throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        try (Dataset d = data(400, 6, 12)) {
            interruptAndResume(d, base(Solver.GD).threads(cores).build(), base(Solver.GD).threads(0).build(), 7, Duration.ofHours(1));
            interruptAndResume(d, base(Solver.CG).threads(0).tolerance(0).maxIterations(40).build(),
                    base(Solver.CG).threads(cores).tolerance(0).maxIterations(40).build(), 12, Duration.ZERO);
            Path folder = dir.resolve("threads");
            FitConfig config = base(Solver.GD).threads(cores).maxIterations(30).build();
            LinearRegression.fit(d, config.toBuilder().checkpoint(Checkpoint.to(folder)).build());
            dev.downhill.CheckpointMismatchException e = assertThrows(dev.downhill.CheckpointMismatchException.class,
                    () -> LinearRegression.fit(d, config.toBuilder().threads(cores + 1).checkpoint(Checkpoint.resume(folder)).build()));
            assertEquals("checkpoint " + folder + " is of another fit: threads: checkpoint " + cores + ", now " + (cores + 1),
                    e.getMessage());
            assertEquals(Integer.toString(cores), manifest(folder).get("fingerprint").get("threads").asText());
            assertEquals("BackendOptions[]", manifest(folder).get("fingerprint").get("backendOptions").asText());
        }
        try (dev.downhill.SparseDataset d = dev.downhill.SparseDataset.of(dev.downhill.io.CsrMatrix.of(new long[] {0, 2, 3, 5, 6},
                new int[] {0, 1, 1, 0, 1, 0}, new double[] {1, 2, 3, 4, 5, 6}, 2, dev.downhill.Precision.FLOAT64), new double[] {1, 2, 3, 4})) {
            Path folder = dir.resolve("threads-sparse");
            FitConfig config = base(Solver.CG).threads(cores).build();
            FittedModel full = LinearRegression.fit(d, config.toBuilder().checkpoint(Checkpoint.to(folder)).build());
            assertSameFit(full, LinearRegression.fit(d, config.toBuilder().threads(0).checkpoint(Checkpoint.resume(folder)).build()));
        }
    }

    /**
     * Settings the solver does not use (the command line warns and ignores them) do not decide a resume, in either
     * direction: a seed with cg and with gd given a fixed step, an initial point with normal; a learning rate under an
     * inverse-time schedule (whose steps do not use it). The models are those of the uninterrupted fits.
     */
    @Test
    void settingsTheSolverIgnoresDoNotDecideAResume() throws IOException {
        try (Dataset d = data(400, 6, 13)) {
            FitConfig cg = base(Solver.CG).tolerance(0).maxIterations(40).build();
            interruptAndResume(d, cg.toBuilder().seed(7).build(), cg, 12, Duration.ZERO);
            interruptAndResume(d, cg, cg.toBuilder().seed(7).build(), 12, Duration.ZERO);
            FitConfig gd = base(Solver.GD).learningRate(1e-3).maxIterations(60).tolerance(0).build();
            interruptAndResume(d, gd.toBuilder().seed(7).build(), gd, 20, Duration.ZERO);

            // normal: an initial point does nothing; finished and stopped checkpoints resume without it
            FitConfig normal = base(Solver.NORMAL).build();
            FitConfig warm = normal.toBuilder().initialCoefficients(dev.downhill.InitialCoefficients.given(new double[] {1, 2, 3, 4, 5, 6}))
                    .maxIterations(5).build();
            FittedModel full = LinearRegression.fit(d, normal);
            Path folder = dir.resolve("normal-init");
            LinearRegression.fit(d, warm.toBuilder().checkpoint(Checkpoint.to(folder)).build());
            assertSameFit(full, LinearRegression.fit(d, normal.toBuilder().checkpoint(Checkpoint.resume(folder)).build()));
            Path stopped = dir.resolve("normal-init-stopped");
            Checkpoint stop = Checkpoint.to(stopped);
            stop.requestStop();
            assertThrows(FitInterruptedException.class, () -> LinearRegression.fit(d, warm.toBuilder().checkpoint(stop).build()));
            assertSameFit(full, LinearRegression.fit(d, normal.toBuilder().checkpoint(Checkpoint.resume(stopped)).build()));

            // sgd under invtime: the rate does nothing (standardization given, so it does not follow the rate either); the
            // coefficients and histories are the uninterrupted fit's, η₀ (a yardstick only) is the checkpoint's
            FitConfig sgd = base(Solver.SGD).schedule(LearningRateSchedule.inverseTime(0.05, 50)).standardize(true)
                    .maxIterations(12).tolerance(0).build();
            FitConfig fixed = sgd.toBuilder().learningRate(0.01).build();
            FittedModel auto = LinearRegression.fit(d, sgd);
            FittedModel saved = LinearRegression.fit(d, fixed);
            assertArrayEquals(auto.coefficients(), saved.coefficients(), "the rate does nothing under invtime");
            Path ck = dir.resolve("sgd-invtime");
            Checkpoint checkpoint = Checkpoint.to(ck);
            assertThrows(FitInterruptedException.class, () -> LinearRegression.fit(d, fixed.toBuilder().checkpoint(checkpoint)
                    .listener((k, l, g) -> {
                        if (k == 4) {
                            checkpoint.requestStop();
                        }
                        return IterationListener.Control.CONTINUE;
                    }).build()));
            FittedModel resumed = LinearRegression.fit(d, sgd.toBuilder().checkpoint(Checkpoint.resume(ck)).build());
            assertEquals(4, resumed.report().resumedFromIteration()); // the epoch boundary after the listener's epoch
            assertSameFit(saved, resumed);
            assertArrayEquals(auto.coefficients(), resumed.coefficients());
            assertArrayEquals(auto.lossHistory(), resumed.lossHistory());
        }
    }

    /**
     * sgd under invtime with standardize left to its default, on tall X: a fixed rate decides nothing, not the
     * standardization either (on, as with an automatic rate), so a checkpoint saved with one resumes with the other and
     * gives the uninterrupted fit's coefficients and histories. A checkpoint saved before 2026-12-02 with a fixed rate,
     * when that rate left the default off (its state unstandardized; its fingerprint without invtimeStandardization), is
     * refused with either rate now, naming the field; one saved then with an automatic rate (standardized) resumes.
     */
    @Test
    void invtimeCheckpointsOfAFixedRatesOldUnstandardizedDefaultAreRefused() throws IOException {
        try (Dataset d = data(400, 6, 15)) {
            FitConfig auto = base(Solver.SGD).schedule(LearningRateSchedule.inverseTime(0.05, 50)).maxIterations(12).tolerance(0)
                    .build();
            FitConfig fixed = auto.toBuilder().learningRate(0.01).build();
            FittedModel full = LinearRegression.fit(d, auto);
            assertTrue(full.report().standardized());
            for (FitConfig saving : new FitConfig[] {fixed, auto}) {
                Path ck = dir.resolve("sgd-invtime-default-" + saving.learningRate());
                Checkpoint checkpoint = Checkpoint.to(ck);
                assertThrows(FitInterruptedException.class, () -> LinearRegression.fit(d, saving.toBuilder().checkpoint(checkpoint)
                        .listener((k, l, g) -> {
                            if (k == 4) {
                                checkpoint.requestStop();
                            }
                            return IterationListener.Control.CONTINUE;
                        }).build()));
                assertEquals("on", manifest(ck).get("fingerprint").get("invtimeStandardization").asText());
                FitConfig other = saving == fixed ? auto : fixed;
                FittedModel resumed = LinearRegression.fit(d, other.toBuilder().checkpoint(Checkpoint.resume(ck)).build());
                assertEquals(4, resumed.report().resumedFromIteration());
                assertArrayEquals(full.coefficients(), resumed.coefficients(), saving.learningRate().toString());
                assertArrayEquals(full.lossHistory(), resumed.lossHistory());
                assertArrayEquals(full.gradientNormHistory(), resumed.gradientNormHistory());

                // the same checkpoint as saved before the field was recorded
                com.fasterxml.jackson.databind.node.ObjectNode m = (com.fasterxml.jackson.databind.node.ObjectNode) manifest(ck);
                ((com.fasterxml.jackson.databind.node.ObjectNode) m.get("fingerprint")).remove("invtimeStandardization");
                Files.write(ck.resolve("checkpoint.json"), JSON.writeValueAsBytes(m));
                for (FitConfig now : new FitConfig[] {auto, fixed}) {
                    if (saving == fixed) {
                        dev.downhill.CheckpointMismatchException e = assertThrows(dev.downhill.CheckpointMismatchException.class,
                                () -> LinearRegression.fit(d, now.toBuilder().checkpoint(Checkpoint.resume(ck)).build()));
                        assertEquals("checkpoint " + ck + " is of another fit: invtimeStandardization: checkpoint off, now on",
                                e.getMessage());
                    } else {
                        assertArrayEquals(full.coefficients(), LinearRegression.fit(d, now.toBuilder()
                                .checkpoint(Checkpoint.resume(ck)).build()).coefficients(), "saved with auto: standardized then too");
                    }
                }
            }
        }
    }

    /** Settings the solver uses still decide: a seed with sgd, and with gd under an automatic rate (its power iteration). */
    @Test
    void settingsTheSolverUsesStillDecide() throws IOException {
        try (Dataset d = data(200, 4, 14)) {
            for (FitConfig config : new FitConfig[] {base(Solver.SGD).maxIterations(5).build(), base(Solver.GD).maxIterations(5).build()}) {
                Path folder = dir.resolve("seed-" + config.solver().cliName());
                LinearRegression.fit(d, config.toBuilder().seed(7).checkpoint(Checkpoint.to(folder)).build());
                dev.downhill.CheckpointMismatchException e = assertThrows(dev.downhill.CheckpointMismatchException.class,
                        () -> LinearRegression.fit(d, config.toBuilder().checkpoint(Checkpoint.resume(folder)).build()));
                assertEquals("checkpoint " + folder + " is of another fit: seed: checkpoint 7, now 0", e.getMessage());
            }
        }
    }

    @Test
    void theFingerprintRefusesOtherOptionsAndOtherData() throws IOException {
        Path folder = dir.resolve("fp");
        FitConfig config = base(Solver.GD).maxIterations(30).build();
        try (Dataset d = data(200, 4, 8)) {
            LinearRegression.fit(d, config.toBuilder().checkpoint(Checkpoint.to(folder)).build());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LinearRegression.fit(d,
                    config.toBuilder().learningRate(0.01).seed(3).checkpoint(Checkpoint.resume(folder)).build()));
            assertEquals("checkpoint " + folder + " is of another fit: learningRate: checkpoint auto, now 0.01; seed: checkpoint 0, "
                    + "now 3", e.getMessage());
            // the listener and the checkpoint's own settings are not part of it
            LinearRegression.fit(d, config.toBuilder().listener((k, l, g) -> IterationListener.Control.CONTINUE)
                    .checkpoint(Checkpoint.resume(folder).every(Duration.ZERO)).build());
        }
        try (Dataset other = data(200, 4, 9)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LinearRegression.fit(other, config.toBuilder().checkpoint(Checkpoint.resume(folder)).build()));
            assertTrue(e.getMessage().startsWith("checkpoint " + folder + " is of another fit: checksum: checkpoint "), e.getMessage());
        }
        try (Dataset smaller = data(199, 4, 8)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LinearRegression.fit(smaller, config.toBuilder().checkpoint(Checkpoint.resume(folder)).build()));
            assertTrue(e.getMessage().contains("rows: checkpoint 200, now 199"), e.getMessage());
        }
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> {
            try (Dataset d = data(200, 4, 8)) {
                LinearRegression.fit(d, config.toBuilder().checkpoint(Checkpoint.resume(dir.resolve("nothing"))).build());
            }
        });
        assertTrue(missing.getMessage().contains("does not exist or holds no checkpoint.json"), missing.getMessage());
    }

    @Test
    void aDamagedStateFileIsRefusedWithOneLine() throws IOException {
        Path folder = dir.resolve("damaged");
        FitConfig config = base(Solver.GD).maxIterations(30).build();
        try (Dataset d = data(200, 4, 10)) {
            LinearRegression.fit(d, config.toBuilder().checkpoint(Checkpoint.to(folder)).build());
            Path state = folder.resolve(manifest(folder).get("state").asText());
            byte[] bytes = Files.readAllBytes(state);
            bytes[bytes.length / 2] ^= 1;
            Files.write(state, bytes);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LinearRegression.fit(d, config.toBuilder().checkpoint(Checkpoint.resume(folder)).build()));
            assertTrue(e.getMessage().contains("does not match its manifest (size or CRC-32): damaged"), e.getMessage());
        }
    }
}
