package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.LearningRateSchedule;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.internal.CentredObjective;
import dev.downhill.internal.CheckedProblem;
import dev.downhill.internal.Checkpointer;
import dev.downhill.internal.IterativeResult;
import dev.downhill.internal.StochasticGradientSolver;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.testing.PerBatchReference;
import dev.downhill.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The epoch operation (one backend call per epoch) against the per-batch loop it replaced ({@link PerBatchReference}:
 * one gradient call per batch through the objective): the same θ and the same epoch losses, bit for bit, for B = 1
 * and B &gt; 1 (not dividing m), with and without intercept, standardization, column factors (D ≠ I), sample weights,
 * l2 and l1 terms, validation rows and the schedules, in float32 and float64, on 1 and 2 threads.
 */
class CpuEpochTest {
    static final int M = 157;
    static final int N = 6;

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        Penalty[] penalties = {Penalty.none(), Penalty.l2(0.05), Penalty.elasticNet(0.02, 0.5)};
        String[] schedules = {"constant", "invscaling:0.5", "invtime:0.1,40"};
        int k = 0;
        for (Precision p : Precision.values()) {
            for (int batch : new int[] {1, 7}) {
                for (boolean intercept : new boolean[] {true, false}) {
                    for (boolean standardize : new boolean[] {false, true}) {
                        for (int variant = 0; variant < 3; variant++) {
                            k++;
                            list.add(Arguments.of(p, batch, intercept, standardize, penalties[variant], schedules[(k) % 3],
                                    k % 2 == 0, k % 3 == 0 ? 0.2 : 0.0, k % 4 == 1, 1 + k % 2));
                        }
                    }
                }
            }
        }
        return list.stream();
    }

    /**
     * Large batches (B = 128, 257, 300 over 1,000 rows: a ring of more than 256 positions, a short last batch), on 2
     * threads (the rows from the producer thread) and 1, with every option.
     */
    static Stream<Arguments> largeBatches() {
        List<Arguments> list = new ArrayList<>();
        Penalty[] penalties = {Penalty.none(), Penalty.l2(0.05), Penalty.elasticNet(0.02, 0.5)};
        String[] schedules = {"constant", "invscaling:0.5", "invtime:0.1,40"};
        int k = 0;
        for (Precision p : Precision.values()) {
            for (int batch : new int[] {128, 257, 300}) {
                for (boolean intercept : new boolean[] {true, false}) {
                    k++;
                    list.add(Arguments.of(p, batch, intercept, k % 2 == 0, penalties[k % 3], schedules[k % 3], k % 2 == 1,
                            k % 3 == 0 ? 0.2 : 0.0, k % 4 == 1, k % 5 == 4 ? 1 : 2));
                }
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} B={1} intercept={2} std={3} {4} {5} weights={6} val={7} big={8} threads={9}")
    @MethodSource("cases")
    void epochOperationGivesThePerBatchLoopsBits(Precision precision, int batch, boolean intercept, boolean standardize,
                                                 Penalty penalty, String schedule, boolean weighted, double validation,
                                                 boolean largeColumns, int threads) {
        check(M, precision, batch, intercept, standardize, penalty, schedule, weighted, validation, largeColumns, threads);
    }

    @ParameterizedTest(name = "{0} B={1} intercept={2} std={3} {4} {5} weights={6} val={7} big={8} threads={9}")
    @MethodSource("largeBatches")
    void largeBatchesGiveThePerBatchLoopsBits(Precision precision, int batch, boolean intercept, boolean standardize,
                                                       Penalty penalty, String schedule, boolean weighted, double validation,
                                                       boolean largeColumns, int threads) {
        check(1000, precision, batch, intercept, standardize, penalty, schedule, weighted, validation, largeColumns, threads);
    }

    /**
     * On a busy machine the thread that computes an epoch's rows may not be run for a while; the epoch then stops it and
     * computes the rows itself. Forced at the first wait of each call or at a later one (wherever the producer had got to),
     * the model is still the per-batch loop's, bit for bit.
     */
    @ParameterizedTest(name = "{0} B={1} at wait {2}")
    @MethodSource("handoverCases")
    void aProducerThatIsNotRunHandsOverWithoutChangingTheBits(Precision precision, int batch, int wait) {
        org.junit.jupiter.api.Assumptions.assumeTrue(EpochKernels.available(), "native epoch kernels");
        long before = EpochKernels.epoch_producer_handover_at(wait);
        try {
            check(1000, precision, batch, true, true, Penalty.elasticNet(0.01, 0.5), "invtime:0.1,40", true, 0.1, false, 2);
        } finally {
            long after = EpochKernels.epoch_producer_handover_at(0);
            org.junit.jupiter.api.Assertions.assertTrue(after > before, "the epoch handed over from its producer");
        }
    }

    static Stream<Arguments> handoverCases() {
        return Stream.of(Arguments.of(Precision.FLOAT32, 1, 1), Arguments.of(Precision.FLOAT64, 1, 3), Arguments.of(Precision.FLOAT32, 7, 1),
                Arguments.of(Precision.FLOAT32, 7, 40), Arguments.of(Precision.FLOAT64, 32, 9));
    }

    /**
     * Batches cut into chunks summed on several threads (chunks of at least 8 values of X here, so that small problems
     * split: B = 7 on 3 threads is 3 chunks of 2, 2, 3 rows): the epoch loop and the per-batch loop cut them alike and
     * combine the chunks in order, so the model is still the per-batch loop's, bit for bit — with a short last batch cut
     * into fewer chunks (B = 300 of 1,000 rows, 20 % held out), and when the workers are not run (the calling thread then
     * sums every chunk itself).
     */
    @ParameterizedTest(name = "{0} B={1} threads={2} idle workers={3}")
    @MethodSource("splitCases")
    void batchesSplitAcrossThreadsGiveThePerBatchLoopsBits(Precision precision, int batch, int threads, boolean idle) {
        org.junit.jupiter.api.Assumptions.assumeTrue(EpochKernels.available(), "native epoch kernels");
        long before = EpochKernels.epoch_split_values(8);
        EpochKernels.epoch_split_workers_idle(idle);
        try {
            assertEquals(Math.min(threads, batch), EpochKernels.batch_chunks(batch, N, threads), "chunks of a full batch");
            check(1000, precision, batch, true, true, Penalty.elasticNet(0.01, 0.5), "invtime:0.1,40", true, 0.2, batch == 7,
                    threads);
            check(1000, precision, batch, false, false, Penalty.none(), "constant", false, 0.0, false, threads);
        } finally {
            EpochKernels.epoch_split_workers_idle(false);
            EpochKernels.epoch_split_values(before);
        }
    }

    static Stream<Arguments> splitCases() {
        return Stream.of(Arguments.of(Precision.FLOAT32, 7, 3, false), Arguments.of(Precision.FLOAT64, 7, 2, false),
                Arguments.of(Precision.FLOAT32, 64, 2, false), Arguments.of(Precision.FLOAT64, 300, 4, false),
                Arguments.of(Precision.FLOAT32, 300, 3, false), Arguments.of(Precision.FLOAT32, 16, 2, true),
                Arguments.of(Precision.FLOAT64, 33, 3, true));
    }

    /**
     * Split epochs against the per-batch default where the cutting is awkward: more batches than one native call takes
     * (20,000 batches of 2 rows: the second call starts at batch 16,384), and a short last batch cut into fewer chunks,
     * one of them longer than any chunk of a full batch (946 columns, B = 26 on 3 threads: chunks of 8, 9, 9 rows, the
     * last batch of 17 rows is one chunk).
     */
    @ParameterizedTest(name = "{0} m={1} n={2} B={3} threads={4} values={5}")
    @MethodSource("awkwardSplits")
    void awkwardlyCutSplitEpochsEqualRunPerBatch(Precision precision, int m, int n, int batch, int threads, long values) {
        org.junit.jupiter.api.Assumptions.assumeTrue(EpochKernels.available(), "native epoch kernels");
        long before = EpochKernels.epoch_split_values(values);
        int rowsPerCall = CpuProblem.epochRowsPerCall(1); // EPOCH_CHUNK batches a call: the second call starts at 16,384
        try (Dataset data = weightedWithALargeColumn(m, n, 13);
             ResidentProblem problem = CheckedProblem.of(new CpuBackend().load(data, precision,
                     BackendOptions.builder().threads(threads).build()));
             CentredObjective objective = new CentredObjective(problem, true, true, Penalty.elasticNet(0.01, 0.3), true);
             var theta1 = problem.allocateVector(n); var g1 = problem.allocateVector(n);
             var theta2 = problem.allocateVector(n); var g2 = problem.allocateVector(n)) {
            org.junit.jupiter.api.Assertions.assertTrue(EpochKernels.batch_chunks(batch, n, threads) > 1, "full batches are split");
            dev.downhill.spi.StochasticEpoch base = objective.epochBuilder(dev.downhill.spi.EpochRows.of(5, 0, m, m, 8), batch)
                    .steps(0, s -> 0.002 / Math.sqrt(s + 1.0)).build();
            assertEpochsEqualRunPerBatch(problem, base, 2, s -> 0.002 / Math.sqrt(s + 1.0), theta1, g1, theta2, g2);
            org.junit.jupiter.api.Assertions.assertNotEquals(0.0, theta1.copyToHost()[0], "θ moved");
        } finally {
            EpochKernels.epoch_split_values(before);
            CpuProblem.epochRowsPerCall(rowsPerCall);
        }
    }

    static Stream<Arguments> awkwardSplits() {
        return Stream.of(Arguments.of(Precision.FLOAT32, 40_000, 6, 2, 2, 4L), Arguments.of(Precision.FLOAT64, 40_000, 6, 2, 2, 4L),
                Arguments.of(Precision.FLOAT32, 69, 946, 26, 3, 0L), Arguments.of(Precision.FLOAT64, 69, 946, 26, 3, 0L));
    }

    /**
     * The chunk rule: one chunk on one thread or for too few values (fewer than two chunks of 8,192), else min(threads,
     * rows, values / 8,192); never more chunks for fewer rows.
     */
    @org.junit.jupiter.api.Test
    void batchesAreCutIntoChunksOfEnoughValues() {
        org.junit.jupiter.api.Assumptions.assumeTrue(EpochKernels.available(), "native epoch kernels");
        assertEquals(1, EpochKernels.batch_chunks(256, 1000, 1));
        assertEquals(2, EpochKernels.batch_chunks(256, 1000, 2));
        assertEquals(16, EpochKernels.batch_chunks(256, 1000, 16));
        assertEquals(1, EpochKernels.batch_chunks(256, 20, 16));
        assertEquals(2, EpochKernels.batch_chunks(820, 20, 16));
        assertEquals(3, EpochKernels.batch_chunks(32, 1000, 16));
        assertEquals(2, EpochKernels.batch_chunks(2, 1_000_000, 16));
        assertEquals(1, EpochKernels.batch_chunks(1, 1_000_000, 16));
        long previous = 0;
        for (long rows = 1; rows < 5000; rows += 37) {
            long chunks = EpochKernels.batch_chunks(rows, 20, 8);
            org.junit.jupiter.api.Assertions.assertTrue(chunks >= previous && chunks <= Math.max(1, Math.min(8, rows)));
            previous = chunks;
        }
    }

    private static void check(int m, Precision precision, int batch, boolean intercept, boolean standardize, Penalty penalty,
                              String schedule, boolean weighted, double validation, boolean largeColumns, int threads) {
        final int M = m;
        TestData t = TestData.gaussian(M, N, TestData.ramp(N), 0.7, 0.3, 42 + batch);
        if (largeColumns) { // magnitudes beyond 2^20: the objective's column factors D ≠ I
            for (double[] row : t.x) {
                row[1] *= 3e7;
                row[4] *= standardize && penalty.isActive() ? 1 : 1e-7; // (an l2 term on a 1e-7 column is too stiff for η)
            }
        }
        double[] w = new double[M];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < M; i++) {
            w[i] = 0.25 + 2 * r.nextDouble();
        }
        if (largeColumns && schedule.startsWith("invtime")) {
            schedule = "constant"; // invtime's rates are in the user's units: 0.1/(t + 40) diverges on columns of 3e7
        }
        double eta = largeColumns && !standardize ? 1e-17 : 0.003;
        FitConfig config = FitConfig.builder().solver(batch == 1 ? Solver.SGD : Solver.MINIBATCH).batchSize(batch)
                .learningRate(eta).maxIterations(4).tolerance(0).seed(11).penalty(penalty)
                .schedule(LearningRateSchedule.parse(schedule)).validationFraction(validation).fitIntercept(intercept)
                .standardize(standardize).build();
        try (Dataset data = weighted ? Dataset.of(t.x, t.y, w) : Dataset.of(t.x, t.y);
             ResidentProblem problem = CheckedProblem.of(new CpuBackend().load(data, precision,
                     BackendOptions.builder().threads(threads).build()))) {
            PerBatchReference.Result reference;
            try (CentredObjective objective = new CentredObjective(problem, intercept, standardize, penalty, true)) {
                reference = PerBatchReference.run(objective, config, objective.internalLearningRate(eta), 4);
            }
            for (double v : reference.theta()) {
                org.junit.jupiter.api.Assertions.assertTrue(Double.isFinite(v), "reference θ finite " + precision + " B=" + batch + " i=" + intercept + " s=" + standardize + " " + penalty + " " + schedule + " w=" + weighted + " v=" + validation + " big=" + largeColumns);
            }
            IterativeResult fitted;
            try (CentredObjective objective = new CentredObjective(problem, intercept, standardize, penalty, true)) {
                fitted = StochasticGradientSolver.fit(objective, config, Checkpointer.NONE);
            }
            assertArrayEquals(reference.theta(), fitted.coefficients(), "θ after 4 epochs");
            long train = M - (validation > 0 ? Math.round(validation * M) : 0);
            if (!penalty.isActive()) {
                for (int e = 0; e < 4; e++) {
                    double trainWeight = weighted ? problem.weightSum() / M * train : train; // as the solver: w̄·m_train
                    assertEquals(reference.epochSums()[e] / trainWeight, fitted.lossHistory()[e + 1], 0.0, "epoch " + e + "'s loss");
                }
            }
        }
    }

    /** The sampler's Feistel network in C gives Java's rows: whole epochs, blocks far into 2⁴⁰ rows, the validation split. */
    @org.junit.jupiter.api.Test
    void nativeOrdersAreJavasOrders() {
        org.junit.jupiter.api.Assertions.assertTrue(EpochKernels.available(), "the native epoch library loads");
        for (long m : new long[] {1, 2, 3, 1000, 65_537}) {
            long[] java = dev.downhill.sampling.CounterBasedSampler.epochOrder(17, 3, m);
            try (org.bytedeco.javacpp.LongPointer out = new org.bytedeco.javacpp.LongPointer(m)) {
                EpochKernels.sampler_fill(17, 3, m, 0, out, m);
                long[] c = new long[(int) m];
                out.get(c);
                assertArrayEquals(java, c, "m = " + m);
            }
        }
        long m = 1L << 40;
        dev.downhill.spi.EpochRows rows = dev.downhill.spi.EpochRows.of(-5, 9, m, m - 1234, 77);
        long from = m - 1234 - 3000;
        long[] java = new long[3000];
        rows.training(from, java, 0, java.length);
        try (org.bytedeco.javacpp.LongPointer out = new org.bytedeco.javacpp.LongPointer(3000)) {
            EpochKernels.epoch_rows_fill(-5, 9, m, m - 1234, 77, from, out, 3000);
            long[] c = new long[3000];
            out.get(c);
            assertArrayEquals(java, c, "training rows near the end of a 2^40-row epoch with 1234 held out");
        }
    }

    /**
     * The Feistel rounds vectorised across positions (AVX2: 4 lanes, the 64-bit multiply from 32-bit ones; AVX-512: 8
     * lanes) give the scalar values exactly, at sizes with ragged tails and for half-widths from 1 to 31 bits; each
     * flavour the CPU lacks is skipped (the CPU running the build has at least the scalar one).
     */
    @org.junit.jupiter.api.Test
    void everySimdFlavourOfTheFeistelNetworkGivesTheScalarValues() {
        org.junit.jupiter.api.Assertions.assertTrue(EpochKernels.available(), "the native epoch library loads");
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        for (long rows : new long[] {2, 3, 1000, 65_537, 2_000_000, 1L << 40, (1L << 62) - 5}) {
            int count = 8 * 5 + 3;
            long[] input = new long[count]; // positions in [0, rows): within the network's domain [0, 2^(2h))
            for (int k = 0; k < count; k++) {
                input[k] = random.nextLong(rows);
            }
            long[] scalar = null;
            for (int level = 0; level <= 2; level++) {
                try (org.bytedeco.javacpp.LongPointer v = new org.bytedeco.javacpp.LongPointer(input)) {
                    if (!EpochKernels.feistel_at_level(level, 17, 3, rows, v, count)) {
                        continue;
                    }
                    long[] out = new long[count];
                    v.get(out);
                    if (scalar == null) {
                        scalar = out;
                    } else {
                        assertArrayEquals(scalar, out, "rows " + rows + ", level " + level);
                    }
                }
            }
            org.junit.jupiter.api.Assertions.assertNotNull(scalar, "the scalar flavour always runs");
        }
    }

    /** m × n Gaussian rows (seed), column 2 scaled by 5e6 (D ≠ I with standardization), weights 0.5 … 1.7. */
    private static Dataset weightedWithALargeColumn(int m, int n, long seed) {
        TestData t = TestData.gaussian(m, n, TestData.ramp(n), -0.4, 0.2, seed);
        for (double[] row : t.x) {
            row[2] *= 5e6;
        }
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            w[i] = 0.5 + (i % 5) * 0.3;
        }
        return Dataset.of(t.x, t.y, w);
    }

    /** The native epoch against the per-batch default on one problem, several epochs and step offsets, every option on. */
    @ParameterizedTest(name = "{0} B={1} m={2} n={3} rows per call {4}")
    @MethodSource("direct")
    void nativeEpochEqualsRunPerBatch(Precision precision, int batch, int M, int N, int rowsPerCall) {
        int previous = CpuProblem.epochRowsPerCall(rowsPerCall); // 1: EPOCH_CHUNK batches a call, so 40,000 rows resume
        try (Dataset data = weightedWithALargeColumn(M, N, 5);
             ResidentProblem problem = CheckedProblem.of(new CpuBackend().load(data, precision,
                     BackendOptions.builder().threads(2).build()));
             CentredObjective objective = new CentredObjective(problem, true, true, Penalty.elasticNet(0.01, 0.3), true);
             var theta1 = problem.allocateVector(N); var g1 = problem.allocateVector(N);
             var theta2 = problem.allocateVector(N); var g2 = problem.allocateVector(N)) {
            dev.downhill.spi.StochasticEpoch base = objective.epochBuilder(dev.downhill.spi.EpochRows.of(3, 0, M, M - 20, 8), batch)
                    .steps(0, s -> 0.01 / Math.sqrt(s + 1.0)).build();
            assertEpochsEqualRunPerBatch(problem, base, 3, s -> 0.01 / Math.sqrt(s + 1.0), theta1, g1, theta2, g2);
            org.junit.jupiter.api.Assertions.assertNotEquals(0.0, theta1.copyToHost()[0], "θ moved");
        } finally {
            CpuProblem.epochRowsPerCall(previous);
        }
    }

    /**
     * Batches of one narrow row (n ≤ 32) run with θ in registers unless column factors are on: the per-batch loop's
     * bits for every width up to the limit and just past it (the lanes past the row are masked off), with and without
     * intercept, standardization and weights, unpenalised and with an l2, an l1 (soft-thresholded lanes) and an
     * elastic-net term.
     */
    @ParameterizedTest(name = "{0} n={1} intercept={2} standardize={3} weighted={4} {5}")
    @MethodSource("narrow")
    void narrowRowsInRegistersGiveThePerBatchLoopsBits(Precision precision, int n, boolean intercept, boolean standardize,
                                                       boolean weighted, Penalty penalty) {
        int m = 301;
        TestData t = TestData.gaussian(m, n, TestData.ramp(n), 0.8, 0.4, 100 + n);
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            w[i] = 0.5 + (i % 5) * 0.3;
        }
        try (Dataset data = weighted ? Dataset.of(t.x, t.y, w) : Dataset.of(t.x, t.y);
             ResidentProblem problem = CheckedProblem.of(new CpuBackend().load(data, precision,
                     BackendOptions.builder().threads(2).build()));
             CentredObjective objective = new CentredObjective(problem, intercept, standardize, penalty, true);
             var theta1 = problem.allocateVector(n); var g1 = problem.allocateVector(n);
             var theta2 = problem.allocateVector(n); var g2 = problem.allocateVector(n)) {
            dev.downhill.spi.StochasticEpoch base = objective.epochBuilder(dev.downhill.spi.EpochRows.of(5, 0, m, m, 8), 1)
                    .steps(0, s -> 0.02 / Math.sqrt(s + 1.0)).build();
            assertEpochsEqualRunPerBatch(problem, base, 3, s -> 0.02 / Math.sqrt(s + 1.0), theta1, g1, theta2, g2);
            org.junit.jupiter.api.Assertions.assertNotEquals(0.0, theta1.copyToHost()[n - 1], "θ moved");
        }
    }

    /**
     * A row whose residual overflows T (θ near T's largest value, x of a few units: the row factor a = (T) r is ±∞ at the
     * first row, θ ±∞ after it) gives the per-batch loop's bits in the register loop too, compared after an epoch of two
     * rows, at widths whose last vector has lanes past the row: there a·0 is NaN, and unless those lanes are cleared
     * after each update the second row's residual was NaN where the per-batch loop's is ±∞.
     */
    @ParameterizedTest(name = "{0} n={1}")
    @org.junit.jupiter.params.provider.CsvSource({"FLOAT32, 1", "FLOAT64, 1", "FLOAT32, 3", "FLOAT64, 6"})
    void aResidualThatOverflowsGivesThePerBatchLoopsBitsInRegistersToo(Precision precision, int n) {
        int m = 2;
        double[][] x = new double[m][n];
        double[] y = {1, -1};
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                x[i][j] = 3 + i + 0.5 * j;
            }
        }
        double big = precision == Precision.FLOAT32 ? 3e38 : 1.7e308;
        double[] start = new double[n];
        java.util.Arrays.fill(start, big);
        try (Dataset data = Dataset.of(x, y);
             ResidentProblem problem = CheckedProblem.of(new CpuBackend().load(data, precision,
                     BackendOptions.builder().threads(2).build()));
             CentredObjective objective = new CentredObjective(problem, false, false, Penalty.none(), true);
             var theta1 = problem.allocateVector(n); var g1 = problem.allocateVector(n);
             var theta2 = problem.allocateVector(n); var g2 = problem.allocateVector(n)) {
            theta1.copyFromHost(start);
            theta2.copyFromHost(start);
            dev.downhill.spi.StochasticEpoch base = objective.epochBuilder(dev.downhill.spi.EpochRows.of(2, 0, m, m, 8), 1)
                    .steps(0, s -> 0.01).build();
            assertEpochsEqualRunPerBatch(problem, base, 1, s -> 0.01, theta1, g1, theta2, g2);
            org.junit.jupiter.api.Assertions.assertFalse(Double.isFinite(theta1.copyToHost()[0]), "the step overflowed");
        }
    }

    static Stream<Arguments> narrow() {
        List<Arguments> list = new ArrayList<>();
        int k = 0;
        for (Precision p : Precision.values()) {
            for (int n : new int[] {1, 3, 4, 5, 13, 16, 20, 31, 32, 33}) {
                for (int flags = 0; flags < 16; flags++) {
                    Penalty penalty = switch (flags >> 2) {
                        case 0 -> Penalty.none();
                        case 1 -> Penalty.l2(0.05);
                        case 2 -> Penalty.l1(0.02);
                        default -> Penalty.elasticNet(0.03, 0.5);
                    };
                    list.add(Arguments.of(p, n, (flags & 1) != 0, (flags & 2) != 0, k++ % 2 == 0, penalty));
                }
            }
        }
        return list.stream();
    }

    static Stream<Arguments> direct() {
        // m = 40,000 with B = 1: more batches than one native call takes when the rows per call are lowered to 1
        // (EPOCH_CHUNK = 16,384 batches a call), so the loop resumes; and in one call at the default 2^18 rows
        // n = 37, 70: the dot's sixteen lanes (AVX2 when the CPU has it) and its tail; the axpy's AVX2 clone (n ≥ 32)
        int low = 1;
        int usual = 1 << 18;
        return Stream.of(Arguments.of(Precision.FLOAT32, 1, M, N, usual), Arguments.of(Precision.FLOAT32, 16, M, N, usual),
                Arguments.of(Precision.FLOAT64, 1, M, N, usual), Arguments.of(Precision.FLOAT64, 9, M, N, usual),
                Arguments.of(Precision.FLOAT32, 1, 40_000, N, low), Arguments.of(Precision.FLOAT32, 1, 40_000, N, usual),
                Arguments.of(Precision.FLOAT64, 3, 40_000, N, low),
                Arguments.of(Precision.FLOAT32, 5, M, 37, usual), Arguments.of(Precision.FLOAT64, 1, M, 70, usual),
                Arguments.of(Precision.FLOAT32, 1, M, 70, usual));
    }

    static Stream<Arguments> flavours() {
        return Stream.of(Arguments.of(Precision.FLOAT32, 1, 37), Arguments.of(Precision.FLOAT64, 1, 70),
                Arguments.of(Precision.FLOAT32, 5, 70), Arguments.of(Precision.FLOAT64, 3, 37),
                Arguments.of(Precision.FLOAT32, 1, 6), Arguments.of(Precision.FLOAT32, 1, 20),
                Arguments.of(Precision.FLOAT64, 1, 15), Arguments.of(Precision.FLOAT32, 1, 3));
    }

    /**
     * The scalar and AVX2 code of the epoch kernels (forced by {@code epoch_simd_limit}) give the bits of the widest the
     * CPU has: θ, the last gradient and every epoch's Σwr², with every option on (the single-row batches of B = 1
     * included). Where the CPU lacks AVX2 all three runs are the scalar code and agree trivially.
     */
    @ParameterizedTest(name = "{0} B={1} n={2}")
    @MethodSource("flavours")
    void everySimdFlavourOfTheEpochGivesTheSameBits(Precision precision, int batch, int n) {
        double[][] results = new double[3][];
        try (Dataset data = weightedWithALargeColumn(M, n, 9);
             ResidentProblem problem = CheckedProblem.of(new CpuBackend().load(data, precision,
                     BackendOptions.builder().threads(2).build()));
             CentredObjective objective = new CentredObjective(problem, true, true, Penalty.elasticNet(0.01, 0.3), true)) {
            org.junit.jupiter.api.Assumptions.assumeTrue(EpochKernels.available(), "native epoch kernels");
            for (int level = 0; level <= 2; level++) {
                EpochKernels.epoch_simd_limit(level);
                try (var theta = problem.allocateVector(n); var g = problem.allocateVector(n)) {
                    dev.downhill.spi.StochasticEpoch base = objective.epochBuilder(dev.downhill.spi.EpochRows.of(3, 0, M, M - 20, 8), batch)
                            .steps(0, s -> 0.01 / Math.sqrt(s + 1.0)).build();
                    double[] out = new double[2 * n + 3];
                    long steps = 0;
                    for (int e = 0; e < 3; e++) {
                        var a = problem.epoch(base.next(e, steps, s -> 0.01 / Math.sqrt(s + 1.0)), theta, g);
                        out[2 * n + e] = a.sumOfSquares();
                        steps += a.steps();
                    }
                    System.arraycopy(theta.copyToHost(), 0, out, 0, n);
                    System.arraycopy(g.copyToHost(), 0, out, n, n);
                    results[level] = out;
                } finally {
                    EpochKernels.epoch_simd_limit(2);
                }
            }
        }
        org.junit.jupiter.api.Assertions.assertNotEquals(0.0, results[2][0], "θ moved");
        assertArrayEquals(results[2], results[0], "scalar vs widest: θ, g, Σwr²");
        assertArrayEquals(results[2], results[1], "AVX2 vs widest: θ, g, Σwr²");
    }

    /**
     * Early stopping leaves the validation rows out of the column statistics: the fitted intercept is ȳₜ − x̄ₜᵀθ with
     * the weighted means of the training rows (summed here directly), not of all rows.
     */
    @org.junit.jupiter.api.Test
    void validationRowsDoNotLeakIntoTheColumnStatistics() {
        int m = 400;
        TestData t = TestData.gaussian(m, N, TestData.ramp(N), 3, 0.5, 8);
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            w[i] = 0.5 + (i % 7) * 0.25;
            if (i % 5 == 0) { // rows whose X and y are far off: they move the means if they count
                t.y[i] += 40;
                t.x[i][0] += 10;
            }
        }
        FitConfig config = FitConfig.builder().solver(Solver.MINIBATCH).batchSize(8).learningRate(0.01).maxIterations(20)
                .tolerance(1e-3).validationFraction(0.3).seed(4).standardize(true).build();
        try (Dataset data = Dataset.of(t.x, t.y, w)) {
            dev.downhill.FittedModel model = dev.downhill.LinearRegression.fit(data, config);
            dev.downhill.spi.EpochRows split = StochasticGradientSolver.split(config, m);
            boolean[] held = new boolean[m];
            for (long q = 0; q < split.held(); q++) {
                held[(int) split.validation(q)] = true;
            }
            double wt = 0;
            double[] mean = new double[N];
            double ymean = 0;
            double[] all = new double[N];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < N; j++) {
                    all[j] += t.x[i][j];
                }
                if (!held[i]) {
                    wt += w[i];
                    ymean += w[i] * t.y[i];
                    for (int j = 0; j < N; j++) {
                        mean[j] += w[i] * t.x[i][j];
                    }
                }
            }
            double b = ymean / wt;
            for (int j = 0; j < N; j++) {
                b -= mean[j] / wt * model.coefficients()[j];
            }
            // float64 sums of 400 values of size ~40: 1e-12 covers their rounding; the leaking means differ by ~1
            assertEquals(b, model.intercept(), 1e-11 * (1 + Math.abs(b)), "b = ȳₜ − x̄ₜᵀθ over the training rows");
        }
    }

    /**
     * The column statistics in C (column sums with the squares about 0 in the same pass, the centred squared deviations)
     * give the bits of the Java loops they replaced: each thread's row range summed in row order in float64, the ranges'
     * sums added in order from 0 — recomputed here with one thread (one range) and two.
     */
    @ParameterizedTest(name = "{0} weighted={1} threads={2}")
    @MethodSource("statisticsCases")
    void nativeColumnStatisticsAreTheJavaLoopsBits(Precision precision, boolean weighted, int threads) {
        int m = 301;
        TestData t = TestData.gaussian(m, N, TestData.ramp(N), 2, 1, 12);
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            w[i] = 0.1 + (i % 9) * 0.37;
        }
        try (Dataset data = weighted ? Dataset.of(t.x, t.y, w) : Dataset.of(t.x, t.y);
             ResidentProblem problem = new CpuBackend().load(data, precision, BackendOptions.builder().threads(threads).build())) {
            double[][] x = new double[m][N];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < N; j++) {
                    x[i][j] = precision == Precision.FLOAT32 ? (float) t.x[i][j] : t.x[i][j];
                }
            }
            long[] ranges = threads == 1 ? new long[] {0, m} : new long[] {0, m / 2, m};
            double norm = weighted ? problem.weightSum() : m;
            double[] wi = weighted ? w : null;
            assertArrayEquals(rangeMeans(x, wi, ranges, norm, (u, v, j) -> u * v), problem.columnStatistics().means(), "means");
            double[] means = problem.columnStatistics().means();
            assertArrayEquals(rangeMeans(x, wi, ranges, norm, (u, v, j) -> u * (v - means[j]) * (v - means[j])),
                    problem.columnMeanSquaredDeviations(true), "centred squared deviations");
            assertArrayEquals(rangeMeans(x, wi, ranges, norm, (u, v, j) -> u * v * v), problem.columnMeanSquaredDeviations(false),
                    "mean squares about 0");
        }
    }

    static Stream<Arguments> statisticsCases() {
        List<Arguments> list = new ArrayList<>();
        for (Precision p : Precision.values()) {
            for (boolean weighted : new boolean[] {false, true}) {
                for (int threads : new int[] {1, 2}) {
                    list.add(Arguments.of(p, weighted, threads));
                }
            }
        }
        return list.stream();
    }

    /** One row's term of a column sum: t(wᵢ, xᵢⱼ, j), written with the kernels' grouping (wᵢ = 1 unweighted). */
    private interface RowTerm {
        double of(double w, double v, int j);
    }

    /** (Σ over ranges [bounds[k], bounds[k+1]), the ranges added from 0, of Σᵢ t(wᵢ, xᵢⱼ, j) in row order)/norm. */
    private static double[] rangeMeans(double[][] x, double[] w, long[] bounds, double norm, RowTerm t) {
        double[] sums = new double[N];
        for (int k = 0; k + 1 < bounds.length; k++) {
            double[] part = new double[N];
            for (int i = (int) bounds[k]; i < bounds[k + 1]; i++) {
                for (int j = 0; j < N; j++) {
                    part[j] += t.of(w != null ? w[i] : 1, x[i][j], j);
                }
            }
            for (int j = 0; j < N; j++) {
                sums[j] += part[j];
            }
        }
        for (int j = 0; j < N; j++) {
            sums[j] /= norm;
        }
        return sums;
    }

    /** CSR X: the native epoch against the per-batch default through the CSR gather pass, every option on. */
    @ParameterizedTest(name = "{0} B={1} m={2}")
    @MethodSource("sparseCases")
    void nativeSparseEpochEqualsRunPerBatch(Precision precision, int batch, int m) {
        int n = 23;
        SplittableRandom r = new SplittableRandom(31);
        List<Integer> cols = new ArrayList<>();
        List<Double> vals = new ArrayList<>();
        long[] ptr = new long[m + 1];
        double[] y = new double[m];
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                if (r.nextDouble() < 0.3) {
                    cols.add(j);
                    vals.add(j == 4 ? 3e6 * r.nextGaussian() : r.nextGaussian()); // column 4: D ≠ I
                }
            }
            ptr[i + 1] = cols.size();
            y[i] = 1 + r.nextGaussian();
            w[i] = 0.5 + (i % 3) * 0.5;
        }
        dev.downhill.io.CsrMatrix x = dev.downhill.io.CsrMatrix.of(ptr, cols.stream().mapToInt(Integer::intValue).toArray(),
                vals.stream().mapToDouble(Double::doubleValue).toArray(), n, precision);
        try (dev.downhill.SparseDataset data = dev.downhill.SparseDataset.of(x, y).withWeights(w);
             ResidentProblem problem = CheckedProblem.of(new CpuBackend().loadSparse(data, precision,
                     BackendOptions.builder().threads(2).build()));
             CentredObjective objective = new CentredObjective(problem, true, true, Penalty.elasticNet(0.01, 0.4), true);
             var theta1 = problem.allocateVector(n); var g1 = problem.allocateVector(n);
             var theta2 = problem.allocateVector(n); var g2 = problem.allocateVector(n)) {
            java.util.function.LongToDoubleFunction rate = s -> 0.02 / (1 + s * 1e-3);
            dev.downhill.spi.StochasticEpoch base = objective.epochBuilder(dev.downhill.spi.EpochRows.of(6, 0, m, m - 7, 2), batch)
                    .steps(0, rate).build();
            assertEpochsEqualRunPerBatch(problem, base, 3, rate, theta1, g1, theta2, g2);
            org.junit.jupiter.api.Assertions.assertNotEquals(0.0, theta1.copyToHost()[1], "θ moved");
        }
    }

    static Stream<Arguments> sparseCases() {
        return Stream.of(Arguments.of(Precision.FLOAT32, 1, 300), Arguments.of(Precision.FLOAT64, 1, 300),
                Arguments.of(Precision.FLOAT32, 8, 300), Arguments.of(Precision.FLOAT64, 2, 40_000));
    }

    /**
     * {@code epochs} epochs of {@code base} (epoch e at the steps taken so far, rates {@code rate}) through the problem's
     * epoch operation (θ₁, g₁) and through {@link dev.downhill.spi.StochasticEpoch#runPerBatch} (θ₂, g₂): every
     * epoch's Σwr², steps, θ and last gradient equal bit for bit.
     */
    private static void assertEpochsEqualRunPerBatch(ResidentProblem problem, dev.downhill.spi.StochasticEpoch base, int epochs,
                                                     java.util.function.LongToDoubleFunction rate,
                                                     dev.downhill.spi.BackendVector theta1, dev.downhill.spi.BackendVector g1,
                                                     dev.downhill.spi.BackendVector theta2, dev.downhill.spi.BackendVector g2) {
        long steps = 0;
        for (int e = 0; e < epochs; e++) {
            dev.downhill.spi.StochasticEpoch plan = base.next(e, steps, rate);
            var a = problem.epoch(plan, theta1, g1);
            var b = dev.downhill.spi.StochasticEpoch.runPerBatch(problem, plan, theta2, g2);
            assertEquals(b.sumOfSquares(), a.sumOfSquares(), 0.0, "epoch " + e + "'s Σwr²");
            assertEquals(b.steps(), a.steps());
            assertArrayEquals(theta2.copyToHost(), theta1.copyToHost(), "θ after epoch " + e);
            assertArrayEquals(g2.copyToHost(), g1.copyToHost(), "last batch gradient of epoch " + e);
            steps += a.steps();
        }
    }
}
