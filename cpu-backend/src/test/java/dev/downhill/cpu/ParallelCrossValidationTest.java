package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.CrossValidation;
import dev.downhill.CrossValidationReport;
import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.Penalty;
import dev.downhill.internal.GramCoordinateDescent;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Cross-validation on the Gram path runs its paths (the full data's and each fold's) side by side: the answer must not
 * depend on it. A direct-memory budget of exactly the path's three matrices leaves no room for a second path at once
 * (sequential); the default budget runs them on the cores — the chosen α, the CV table and the model must be the same
 * bits.
 */
class ParallelCrossValidationTest {

    @Test
    void pathsSideBySideGiveTheSequentialAnswerBitForBit() {
        int m = 600;
        int n = 40;
        SplittableRandom r = new SplittableRandom(17);
        double[][] x = new double[m][n];
        double[] y = new double[m];
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            double s = 0.5;
            for (int j = 0; j < n; j++) {
                x[i][j] = r.nextGaussian() * (1 + j % 5) + 1;
                s += j % 4 == 0 ? x[i][j] * (j - 20) * 0.05 : 0;
            }
            y[i] = s + r.nextGaussian();
            w[i] = 1 + r.nextInt(3);
        }
        try (Dataset d = Dataset.of(x, y, w)) {
            FitConfig.Builder base = FitConfig.builder().backend("cpu").penalty(Penalty.elasticNet(1, 0.7)).tolerance(1e-8);
            long exactlyThree = (long) Math.ceil(GramCoordinateDescent.memory(n));
            FittedModel sequential = CrossValidation.fit(d, base.directMemoryBudget(exactlyThree).build(), 5,
                    CrossValidation.Rule.MIN, 30, 1e-3);
            FittedModel parallel = CrossValidation.fit(d, base.directMemoryBudget(1L << 30).build(), 5, CrossValidation.Rule.MIN, 30, 1e-3);
            assertTrue(sequential.report().solverChoice().startsWith("cd"), sequential.report().solverChoice());
            assertTrue(parallel.report().solverChoice().startsWith("cd"), parallel.report().solverChoice());
            CrossValidationReport a = sequential.report().crossValidation();
            CrossValidationReport b = parallel.report().crossValidation();
            assertArrayEquals(a.meanMse(), b.meanMse(), 0.0, "mean validation errors");
            assertArrayEquals(a.standardError(), b.standardError(), 0.0, "standard errors");
            assertEquals(a.chosenAlpha(), b.chosenAlpha(), 0.0);
            assertArrayEquals(sequential.coefficients(), parallel.coefficients(), 0.0);
            assertEquals(sequential.intercept(), parallel.intercept(), 0.0);
        }
    }

    /**
     * An interrupt of the thread running a cross-validation is a {@link dev.downhill.FitInterruptedException} whenever it
     * lands — in a fold's pass or while the coordinating thread waits for a fold or a free slot (that wait threw an
     * IllegalStateException: a hostile user got either, depending on timing). Interrupts at 0–45 ms into the fit; each
     * run either finishes or stops with the documented exception and the flag set.
     */
    @Test
    void anInterruptAtAnyMomentIsAFitInterruptedException() throws Exception {
        int m = 3000;
        int n = 60;
        SplittableRandom r = new SplittableRandom(23);
        double[][] x = new double[m][n];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                x[i][j] = r.nextGaussian();
            }
            y[i] = x[i][0] - 2 * x[i][1] + r.nextGaussian();
        }
        FitConfig config = FitConfig.builder().backend("cpu").penalty(Penalty.l1(1)).tolerance(1e-10).build();
        try (Dataset d = Dataset.of(x, y)) {
            for (int delay = 0; delay < 50; delay += 5) {
                Object[] outcome = new Object[2];
                Thread t = new Thread(() -> {
                    try {
                        outcome[0] = CrossValidation.fit(d, config, 5, CrossValidation.Rule.MIN, 40, 1e-4);
                    } catch (RuntimeException e) {
                        outcome[0] = e;
                    }
                    outcome[1] = Thread.currentThread().isInterrupted();
                });
                t.start();
                Thread.sleep(delay);
                t.interrupt();
                t.join(60_000);
                assertTrue(outcome[0] instanceof FittedModel || outcome[0] instanceof dev.downhill.FitInterruptedException,
                        "interrupt at " + delay + " ms: " + outcome[0]);
                if (outcome[0] instanceof dev.downhill.FitInterruptedException e) {
                    assertTrue(e.threadInterrupted(), e.getMessage());
                    assertEquals(Boolean.TRUE, outcome[1], "the flag stays set");
                }
            }
        }
    }
}
