package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.InitialCoefficients;
import dev.downhill.LinearRegression;
import dev.downhill.Penalty;
import dev.downhill.Solver;
import dev.downhill.StopReason;
import dev.downhill.internal.ConvergenceWarning;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The stop at the iteration limit on real fits: a fit whose rule is met on the last step the limit allows says so (not
 * ITERATION_LIMIT), and the warning's gradient ratio appears only where the model's first gradient norm is the rule's
 * reference (a cold start).
 */
class IterationLimitTest {
    private static final int M = 300;
    private static final int N = 12;

    /** 300 × 12, columns of spreads 1–3, column 1 correlated with column 0; y = Xθ + 1 + noise, θ with zeros. */
    private static Dataset data(long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[M][N];
        double[] y = new double[M];
        for (int i = 0; i < M; i++) {
            double s = 1;
            for (int j = 0; j < N; j++) {
                x[i][j] = r.nextGaussian() * (1 + j % 3) + 0.3 * (j == 1 ? x[i][0] : 0);
                s += (j % 4 == 0 ? 0 : (j - 5)) * x[i][j];
            }
            y[i] = scale * (s + 0.5 * r.nextGaussian());
        }
        return Dataset.of(x, y);
    }

    /**
     * gd and nesterov with an l1 term stop on the duality gap after k steps; capped at k steps they meet it on that last
     * step too, and say DUALITY_GAP (they said ITERATION_LIMIT, and warned while the gap was within tol).
     */
    @Test
    void aProximalFitMeetingItsGapOnTheLastAllowedStepConverged() {
        try (Dataset data = data(1, 1)) {
            for (Solver s : new Solver[] {Solver.GD, Solver.NESTEROV}) {
                FitConfig c = FitConfig.builder().backend("cpu").solver(s).penalty(Penalty.l1(0.05)).tolerance(1e-6).build();
                FittedModel free = LinearRegression.fit(data, c);
                assertEquals(StopReason.DUALITY_GAP, free.stopReason(), s.cliName());
                FittedModel capped = LinearRegression.fit(data, c.toBuilder().maxIterations(free.iterations()).build());
                assertEquals(StopReason.DUALITY_GAP, capped.stopReason(), s.cliName() + " capped at " + free.iterations());
                assertTrue(capped.converged());
                assertEquals(free.iterations(), capped.iterations());
                assertTrue(ConvergenceWarning.of(capped, "maxIterations", "tolerance", "solver").isEmpty());
                FittedModel shorter = LinearRegression.fit(data, c.toBuilder().maxIterations(free.iterations() - 1).build());
                assertEquals(StopReason.ITERATION_LIMIT, shorter.stopReason(), s.cliName() + " one step short");
                assertTrue(ConvergenceWarning.of(shorter, "maxIterations", "tolerance", "solver").orElseThrow()
                        .contains("(relative duality gap "), s.cliName());
            }
        }
    }

    /**
     * A warm start measures its rule against the gradient at θ = 0, not its own first gradient: the warning then gives no
     * ratio (its first entry would be the wrong reference); a cold start's ratio is the rule's, above the tolerance.
     */
    @Test
    void theGradientRatioIsGivenForColdStartsOnly() {
        try (Dataset data = data(2, 1e-3)) {
            for (Solver s : new Solver[] {Solver.GD, Solver.CG}) {
                FitConfig c = FitConfig.builder().backend("cpu").solver(s).tolerance(1e-8).maxIterations(3).build();
                FittedModel cold = LinearRegression.fit(data, c);
                assertEquals(StopReason.ITERATION_LIMIT, cold.stopReason());
                String coldWarning = ConvergenceWarning.of(cold, "maxIterations", "tolerance", "solver").orElseThrow();
                double[] g = cold.gradientNormHistory();
                double ratio = g[g.length - 1] / g[0];
                assertTrue(ratio > 1e-8, "the rule was not met: " + ratio);
                assertTrue(coldWarning.contains("(‖∇‖/‖∇₀‖ = "), coldWarning);
                FittedModel warm = LinearRegression.fit(data, c.toBuilder().initialCoefficients(InitialCoefficients.random(7)).build());
                assertEquals(StopReason.ITERATION_LIMIT, warm.stopReason());
                String warmWarning = ConvergenceWarning.of(warm, "maxIterations", "tolerance", "solver").orElseThrow();
                assertFalse(warmWarning.contains("‖∇‖"), warmWarning);
            }
        }
    }
}
