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
        // half the normal equations' cost, (m(n+1)² + (n+1)³/3)/4 flops counted as bytes, in passes of 8mn bytes: ~n/64
        assertEquals(15, SolverChoice.choose(200_000, 1_000, Precision.FLOAT64, 8 * GB).cgTrialPasses());
        assertEquals(15, SolverChoice.choose(20_000, 500, Precision.FLOAT32, 8 * GB).cgTrialPasses(), "float32: ~n/32");
        // 20,000 × 500 float64: the normal equations cost ~16 passes, a trial's 13 would not pay (it was given 17)
        assertEquals(0, SolverChoice.choose(20_000, 500, Precision.FLOAT64, 8 * GB).cgTrialPasses());
        assertEquals(0, SolverChoice.choose(20_000, 600, Precision.FLOAT64, 8 * GB).cgTrialPasses());
        assertEquals(10, SolverChoice.choose(20_000, 640, Precision.FLOAT64, 8 * GB).cgTrialPasses());
        assertEquals(0, SolverChoice.choose(82, 10, Precision.FLOAT64, 8 * GB).cgTrialPasses(), "tiny: the exact solve at once");
        assertEquals(0, SolverChoice.choose(20_000, 5_000, Precision.FLOAT32, 64 * GB).cgTrialPasses(), "cg chosen outright");
    }

    @Test
    void xWithAtMostEightRowsPerColumnGetsNoTrial() {
        // the certificate would need the exact Gram matrix there: the normal equations' own pass
        assertEquals(0, SolverChoice.choose(5_120, 640, Precision.FLOAT64, 8 * GB).cgTrialPasses(), "8n rows");
        assertEquals(0, SolverChoice.choose(1_000, 800, Precision.FLOAT64, 8 * GB).cgTrialPasses(), "square-ish");
        assertEquals(0, SolverChoice.choose(400, 2_000, Precision.FLOAT64, 8 * GB).cgTrialPasses(), "wide");
        // one more row: half the normal equations' cost, ½·(m(n+1)² + (n+1)³/3)/4 ÷ 8mn = 10.4 passes
        assertEquals(10, SolverChoice.choose(5_121, 640, Precision.FLOAT64, 8 * GB).cgTrialPasses(), "one more row");
    }

    @Test
    void wideDataGetsTheMinimumNormAnswerExactlyWhileItIsCheap() {
        assertEquals(Solver.SVD, choose(200, 5_000, Precision.FLOAT64, 8 * GB));
        assertEquals(Solver.CG, choose(20_000, 150_000, Precision.FLOAT32, 64 * GB)); // E2006-like: O(m²n) is too much
    }

    @Test
    void moreColumnsThanTheDirectSolversHoldGetConjugateGradientsWhateverTheRows() {
        // 50 × 50,000 float64 is cheap for the SVD by flops, but its n × n matrices do not fit a Java array: it refused
        assertEquals(Solver.CG, choose(50, 50_000, Precision.FLOAT64, 64 * GB));
        assertEquals(Solver.CG, choose(5, 46_341, Precision.FLOAT64, 64 * GB));
        assertEquals(Solver.SVD, choose(5, 46_340, Precision.FLOAT64, 64 * GB));
    }

    @Test
    void manyColumnsOrAnOverBudgetSolveGetConjugateGradients() {
        assertEquals(Solver.CG, choose(20_000, 5_000, Precision.FLOAT32, 64 * GB));
        assertEquals(Solver.CG, choose(100_000, 50_000, Precision.FLOAT32, 1L << 40));
        assertEquals(Solver.CG, choose(20_000, 500, Precision.FLOAT64, 10L << 20));   // 10 MB budget
        assertTrue(SolverChoice.choose(20_000, 500, Precision.FLOAT64, 10L << 20).reason().contains("budget"));
    }
}
