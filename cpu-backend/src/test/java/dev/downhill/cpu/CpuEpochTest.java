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

    @ParameterizedTest(name = "{0} B={1} intercept={2} std={3} {4} {5} weights={6} val={7} big={8} threads={9}")
    @MethodSource("cases")
    void epochOperationGivesThePerBatchLoopsBits(Precision precision, int batch, boolean intercept, boolean standardize,
                                                 Penalty penalty, String schedule, boolean weighted, double validation,
                                                 boolean largeColumns, int threads) {
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
                    assertEquals(reference.epochSums()[e] / train, fitted.lossHistory()[e + 1], 0.0, "epoch " + e + "'s loss");
                }
            }
        }
    }
}
