package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Precision;
import dev.downhill.Solver;
import org.junit.jupiter.api.Test;

/** The automatic solver choice on the shapes the README's table names: no single fixed solver is right for all. */
class SolverChoiceTest {
    private static final long GB = 1L << 30;

    private static Solver choose(long m, long n, Precision p, long budget) {
        SolverChoice c = SolverChoice.choose(m, n, p, budget);
        assertTrue(c.reason().startsWith(c.solver().cliName() + ": "), c.reason());
        return c.solver();
    }

    @Test
    void tallAndModeratelyWideGetTheExactAnswer() {
        // tall: the normal equations first (LinearRegression switches to the SVD when they refuse)
        assertEquals(Solver.NORMAL, choose(20_000, 500, Precision.FLOAT64, 8 * GB));  // the correlated-columns case
        assertEquals(Solver.NORMAL, choose(2_000_000, 20, Precision.FLOAT32, 8 * GB)); // very tall, few features
        assertEquals(Solver.NORMAL, choose(1_000, 800, Precision.FLOAT64, 8 * GB));   // square-ish
        assertEquals(Solver.NORMAL, choose(82, 10, Precision.FLOAT64, 8 * GB));       // small and ill-conditioned (Filip-like)
        assertEquals(Solver.SVD, choose(800, 800, Precision.FLOAT64, 8 * GB));        // square: the SVD directly
    }

    @Test
    void conjugateGradientsGetATrialOnlyWhereTheExactSolveCostsManyPasses() {
        long trial = SolverChoice.choose(20_000, 500, Precision.FLOAT64, 8 * GB).cgTrialPasses();
        assertTrue(trial >= 10 && trial <= 150, "trial passes " + trial);
        assertEquals(0, SolverChoice.choose(82, 10, Precision.FLOAT64, 8 * GB).cgTrialPasses(), "tiny: the exact solve at once");
        assertEquals(0, SolverChoice.choose(20_000, 5_000, Precision.FLOAT32, 64 * GB).cgTrialPasses(), "cg chosen outright");
    }

    @Test
    void xWithAtMostEightRowsPerColumnGetsNoTrial() {
        // the certificate would need the exact Gram matrix there: the normal equations' own pass
        assertEquals(0, SolverChoice.choose(3_200, 400, Precision.FLOAT64, 8 * GB).cgTrialPasses(), "8n rows");
        assertEquals(0, SolverChoice.choose(1_000, 800, Precision.FLOAT64, 8 * GB).cgTrialPasses(), "square-ish");
        assertEquals(0, SolverChoice.choose(400, 2_000, Precision.FLOAT64, 8 * GB).cgTrialPasses(), "wide");
        long trial = SolverChoice.choose(3_201, 400, Precision.FLOAT64, 8 * GB).cgTrialPasses();
        // one more row: half the direct solve's cost in passes, 0.5·300·ratio with
        // ratio = ¼(2m(n+1)² + 4(n+1)²n + 4(n+1)³) ÷ (300·8mn) = 0.126 → 18
        assertEquals(18, trial, "one more row");
    }

    @Test
    void wideDataGetsTheMinimumNormAnswerExactlyWhileItIsCheap() {
        assertEquals(Solver.SVD, choose(200, 5_000, Precision.FLOAT64, 8 * GB));
        assertEquals(Solver.CG, choose(20_000, 150_000, Precision.FLOAT32, 64 * GB)); // E2006-like: O(m²n) is too much
    }

    @Test
    void manyColumnsOrAnOverBudgetSolveGetConjugateGradients() {
        assertEquals(Solver.CG, choose(20_000, 5_000, Precision.FLOAT32, 64 * GB));
        assertEquals(Solver.CG, choose(100_000, 50_000, Precision.FLOAT32, 1L << 40));
        assertEquals(Solver.CG, choose(20_000, 500, Precision.FLOAT64, 10L << 20));   // 10 MB budget
        assertTrue(SolverChoice.choose(20_000, 500, Precision.FLOAT64, 10L << 20).reason().contains("budget"));
    }
}
