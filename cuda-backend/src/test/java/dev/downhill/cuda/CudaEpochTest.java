package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.internal.CentredObjective;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.EpochRows;
import dev.downhill.spi.StochasticEpoch;
import dev.downhill.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The epoch on the device ({@link DeviceEpoch}, the kernel {@code epoch_batches}: every batch of a block of the row
 * order in one launch) against the per-batch loop on the same device ({@link StochasticEpoch#runPerBatch}: the fused
 * gradient, dot, multiply and axpy kernels batch by batch, the intercept and the soft threshold on the host): θ, the last
 * batch's gradient and each epoch's Σwr² bit for bit, over three epochs (the step counter carried), for B = 1, a B that
 * does not divide the training rows, and a B whose batches the fused launch cuts into several parts; with every option
 * of the epoch (intercept x̄, standardization S², column factors D from a column of 3e7, sample weights, l2 and l1
 * terms, validation rows held out) and with none. Shapes: 6 columns (32 threads, 16 rows per barrier) and 1,000
 * columns (512 threads, 2 columns per thread, 8 rows per barrier).
 */
class CudaEpochTest {
    @BeforeAll
    static void requireDevice() {
        CudaDevice.assume();
    }

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Precision p : Precision.values()) {
            for (int batch : new int[] {1, 7, 40}) {
                list.add(Arguments.of(p, batch, 157, 6, true));
                list.add(Arguments.of(p, batch, 157, 6, false));
            }
        }
        list.add(Arguments.of(Precision.FLOAT32, 16, 70, 1000, true));
        list.add(Arguments.of(Precision.FLOAT64, 5, 40, 1000, true));
        list.add(Arguments.of(Precision.FLOAT64, 1, 30, 1000, false));
        return list.stream();
    }

    /**
     * Past {@link DeviceEpoch#MAX_SERIAL_GROUPS} row groups a batch (B = 600 at 16 rows a group: 38) a fit keeps the
     * per-batch loop, and the device epoch forced there still gives its bits (several parts a batch, each many groups).
     */
    @org.junit.jupiter.api.Test
    void largeBatchesKeepThePerBatchLoopAndTheForcedDeviceEpochStillMatches() {
        int m = 1400;
        int n = 6;
        int batch = 600;
        TestData t = TestData.gaussian(m, n, TestData.ramp(n), 0.7, 0.3, 5);
        LongToDoubleFunction rates = s -> 0.01;
        try (Dataset data = Dataset.of(t.x, t.y);
             CudaProblem problem = (CudaProblem) new CudaBackend().load(data, Precision.FLOAT64, BackendOptions.none());
             CentredObjective objective = new CentredObjective(problem, true, false, Penalty.l2(0.01), true);
             BackendVector theta1 = problem.allocateVector(n); BackendVector g1 = problem.allocateVector(n);
             BackendVector theta2 = problem.allocateVector(n); BackendVector g2 = problem.allocateVector(n)) {
            StochasticEpoch plan = objective.epochBuilder(EpochRows.of(9, 0, m, m, 8), batch).steps(0, rates).build();
            assertTrue(!DeviceEpoch.batchFits(problem.registerShape(), batch), "B = " + batch + " is past the limit for " + problem.registerShape());
            problem.epoch(plan, theta1, g1);
            assertTrue(!problem.ranEpochOnDevice(), "a fit's epoch kept the per-batch loop");
            StochasticEpoch.EpochSums forced = problem.epochOnDevice(plan, theta2, g2);
            assertTrue(problem.ranEpochOnDevice());
            assertArrayEquals(theta1.copyToHost(), theta2.copyToHost(), "θ");
            assertArrayEquals(g1.copyToHost(), g2.copyToHost(), "the last batch's gradient");
            assertEquals(3, forced.steps());
        }
    }

    /**
     * Averaging (θ̄ after every step) is not in the device epoch: a plan with it runs the per-batch loop, whose θ̄ is the
     * same loop's on the host reference (θ read after each step, averaged in float64 on the host) — checked against a
     * running mean of the θ read after each step of epochs of one step (B = m); the forced device epoch refuses the plan.
     */
    @org.junit.jupiter.api.Test
    void averagingPlansRunThePerBatchLoopAndAverageEveryStep() {
        int m = 60;
        int n = 6;
        TestData t = TestData.gaussian(m, n, TestData.ramp(n), 0.7, 0.3, 8);
        try (Dataset data = Dataset.of(t.x, t.y);
             CudaProblem problem = (CudaProblem) new CudaBackend().load(data, Precision.FLOAT64, BackendOptions.none());
             CentredObjective objective = new CentredObjective(problem, true, false, Penalty.none(), true);
             BackendVector theta = problem.allocateVector(n); BackendVector g = problem.allocateVector(n)) {
            double[] average = new double[n];
            StochasticEpoch base = objective.epochBuilder(EpochRows.of(9, 0, m, m, 8), m).steps(0, s -> 0.05)
                    .average(average, 2).build();
            double[] mean = new double[n];
            for (int e = 0; e < 6; e++) {
                problem.epoch(base.next(e, e, s -> 0.05), theta, g);
                assertTrue(!problem.ranEpochOnDevice(), "the per-batch loop");
                if (e >= 1) {
                    double[] th = theta.copyToHost();
                    for (int j = 0; j < n; j++) {
                        mean[j] += (th[j] - mean[j]) / e; // steps 2 … e + 1 averaged
                    }
                }
            }
            for (int j = 0; j < n; j++) {
                assertEquals(mean[j], average[j], 1e-14 * (1 + Math.abs(mean[j])), "θ̄_" + j);
            }
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> problem.epochOnDevice(base.next(6, 6, s -> 0.05), theta, g));
        }
    }

    @ParameterizedTest(name = "{0} B={1} {2}×{3} every option={4}")
    @MethodSource("cases")
    void theDeviceEpochGivesThePerBatchLoopsBits(Precision precision, int batch, int m, int n, boolean everything) {
        TestData t = TestData.gaussian(m, n, TestData.ramp(n), 0.7, 0.3, 42 + batch);
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            w[i] = 0.5 + (i % 5) * 0.3;
        }
        if (everything) {
            for (double[] row : t.x) {
                row[2] *= 3e7; // beyond 2^20: the objective's column factors D ≠ I
            }
        }
        Penalty penalty = everything ? Penalty.elasticNet(0.01, 0.3) : Penalty.none();
        long held = everything ? 20 : 0;
        LongToDoubleFunction rates = s -> 0.01 / Math.sqrt(s + 1.0);
        try (Dataset data = everything ? Dataset.of(t.x, t.y, w) : Dataset.of(t.x, t.y);
             CudaProblem problem = (CudaProblem) new CudaBackend().load(data, precision, BackendOptions.none());
             CentredObjective objective = new CentredObjective(problem, everything, everything, penalty, true);
             BackendVector theta1 = problem.allocateVector(n); BackendVector g1 = problem.allocateVector(n);
             BackendVector theta2 = problem.allocateVector(n); BackendVector g2 = problem.allocateVector(n)) {
            StochasticEpoch base = objective.epochBuilder(EpochRows.of(3, 0, m, m - held, 8), batch).steps(0, rates).build();
            if (everything) {
                assertTrue(base.means() != null && base.columnFactors() != null && base.squaredScales() != null
                        && base.ridge() != null && base.l1Thresholds() != null, "every option of the epoch is on");
            }
            long steps = 0;
            for (int e = 0; e < 3; e++) {
                StochasticEpoch plan = base.next(e, steps, rates);
                StochasticEpoch.EpochSums onDevice = problem.epoch(plan, theta1, g1);
                StochasticEpoch.EpochSums perBatch = StochasticEpoch.runPerBatch(problem, plan, theta2, g2);
                assertEquals(perBatch.sumOfSquares(), onDevice.sumOfSquares(), 0.0, "epoch " + e + "'s Σwr²");
                assertEquals(perBatch.steps(), onDevice.steps(), "epoch " + e + "'s steps");
                assertArrayEquals(theta2.copyToHost(), theta1.copyToHost(), "θ after epoch " + e);
                assertArrayEquals(g2.copyToHost(), g1.copyToHost(), "the last batch's gradient of epoch " + e);
                steps += onDevice.steps();
            }
            assertTrue(problem.ranEpochOnDevice(), "the epoch ran on the device, not batch by batch");
            assertNotEquals(0.0, theta1.copyToHost()[0], "θ moved");
        }
    }
}
