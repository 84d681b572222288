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
}
