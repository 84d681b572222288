package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.internal.CentredObjective;
import dev.downhill.internal.SketchedCondition;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.ResidentProblem;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The sketched condition number of cg's operator against the exact one: X with centred orthonormal-like columns scaled
 * 1 … 1/√κ (standardization off, so H = (2/m)·diag(scales²)·(~I) and κ(H) ≈ κ). The sketch (2n rows) overstates a
 * well-conditioned operator's κ by its own spread (~((1 + 1/√2)/(1 − 1/√2))² ≈ 34 for a Gaussian sketch) and must never
 * understate it by more than a small factor: accepted range [κ/3, 100·κ].
 */
class SketchedConditionTest {

    private static double estimate(double kappa, boolean standardize, Penalty penalty) {
        SplittableRandom r = new SplittableRandom(5);
        int m = 6_000;
        int n = 60;
        double[][] x = new double[m][n];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                x[i][j] = r.nextGaussian() * Math.pow(kappa, -0.5 * j / (n - 1)) + 10;
            }
            y[i] = r.nextGaussian();
        }
        try (Dataset d = Dataset.of(x, y);
             ResidentProblem problem = new CpuBackend().load(d, Precision.FLOAT64, BackendOptions.builder().threads(2).build());
             CentredObjective objective = new CentredObjective(problem, true, standardize, penalty)) {
            return SketchedCondition.estimate(objective);
        }
    }

    @Test
    void theEstimateBracketsTheOperatorsConditionNumber() {
        for (double kappa : new double[] {1, 1e3, 1e6}) {
            double k = estimate(kappa, false, Penalty.none());
            assertTrue(k >= kappa / 3 && k <= 100 * Math.max(kappa, 1.5), "κ " + kappa + ": estimated " + k);
        }
    }

    @Test
    void standardizationAndARidgeAreTheOperatorsToo() {
        // standardized, the column scales are gone: κ(H) ≈ 1.3 whatever they were
        double standardized = estimate(1e6, true, Penalty.none());
        assertTrue(standardized < 100, "standardized: " + standardized);
        // a ridge λ = 2α on unstandardized columns of variance 1 … 1e-6 bounds κ(H) by (1 + 2α)/(1e-6 + 2α) ≈ 1/(2α)
        double ridged = estimate(1e6, false, Penalty.l2(0.5e-2));
        assertTrue(ridged > 100 / 3.0 && ridged < 100 * 100, "ridge: " + ridged);
    }

    @Test
    void dependentColumnsAreSingular() {
        SplittableRandom r = new SplittableRandom(6);
        int m = 2_000;
        double[][] x = new double[m][3];
        for (int i = 0; i < m; i++) {
            x[i][0] = r.nextGaussian();
            x[i][1] = r.nextGaussian();
            x[i][2] = x[i][0] - 2 * x[i][1];
        }
        try (Dataset d = Dataset.of(x, new double[m]);
             ResidentProblem problem = new CpuBackend().load(d, Precision.FLOAT64, BackendOptions.builder().threads(1).build());
             CentredObjective objective = new CentredObjective(problem, true, true, Penalty.none())) {
            assertEquals(Double.POSITIVE_INFINITY, SketchedCondition.estimate(objective));
        }
    }
}
