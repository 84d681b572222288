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

    /** P_G of m rows of k stored entries each. */
    private static double pairs(long m, long k) {
        return m * (k * (k + 1) / 2.0);
    }

    private static SolverChoice sparse(long m, long n, long perRow, long budget, boolean standardErrors) {
        SolverChoice c = SolverChoice.chooseSparse(m, n, m * perRow, pairs(m, perRow), budget, standardErrors);
        assertTrue(c.reason().startsWith(c.solver().cliName() + ": "), c.reason());
        assertEquals(0, c.cgTrialPasses(), "no trial on sparse X");
        return c;
    }

    @Test
    void sparseTallXWithShortRowsAndFewColumnsGetsTheNormalEquations() {
        // 1,000,000 × 200 at 2 %: 2·P_G (2e7) + 20m (2e7) + 2n² + 0.002n³ + 6 passes (6e7) = 1.0e8, a pass 1e7: 10 passes
        SolverChoice c = sparse(1_000_000, 200, 4, 8 * GB, false);
        assertEquals(Solver.NORMAL, c.solver(), c.reason());
        assertTrue(c.reason().contains("cost 10 cg passes (at most 20;"), c.reason());
        assertEquals(Solver.NORMAL, sparse(200_000, 50, 10, 8 * GB, false).solver());
        assertEquals(Solver.NORMAL, sparse(100_000, 1_000, 10, 8 * GB, false).solver(), "14 passes");
    }

    @Test
    void sparseXWithManyColumnsLongRowsOrMoreColumnsThanRowsKeepsConjugateGradients() {
        // 20,000 × 2,000 at 0.5 %: the n² and n³ terms (8e6 + 1.6e7) against a pass of 4.4e5: 66 passes
        SolverChoice many = sparse(20_000, 2_000, 10, 8 * GB, false);
        assertEquals(Solver.CG, many.solver());
        assertTrue(many.reason().startsWith("cg: X is sparse (20,000 × 2,000, 200,000 non-zeros)")
                && many.reason().contains("would cost 66 of its passes (more than 20)"), many.reason());
        assertEquals(Solver.CG, sparse(100_000, 2_000, 100, 8 * GB, false).solver(), "long rows: 2·P_G 1e9, 57 passes");
        assertEquals(Solver.CG, sparse(20_000, 500, 50, 8 * GB, false).solver(), "31 passes");
        assertTrue(sparse(2_000, 5_000, 20, 8 * GB, false).reason().contains("singular or nearly so"), "wide");
        assertTrue(sparse(100_000, 100_000, 2, 8 * GB, false).reason().contains("singular or nearly so"), "square");
        assertTrue(sparse(10_000_000, 50_000, 2, 64 * GB, false).reason().contains("n ≤ 46,340"));
        SolverChoice over = sparse(1_000_000, 200, 4, 900_000, false); // 24n² = 960,000 bytes
        assertEquals(Solver.CG, over.solver());
        assertTrue(over.reason().contains("over their budget of"), over.reason());
    }

    @Test
    void standardErrorsAskedForAllowTheDenseRulesPasses() {
        // cg gives no standard errors: the normal equations are worth up to the dense rule's 300 passes then (a review's
        // 20,000 × 2,000 at 0.5 % lost them when its svmlight file came to be read sparse)
        assertEquals(Solver.CG, sparse(20_000, 2_000, 10, 8 * GB, false).solver());
        SolverChoice asked = sparse(20_000, 2_000, 10, 8 * GB, true);
        assertEquals(Solver.NORMAL, asked.solver());
        assertTrue(asked.reason().contains("at most 300: the standard errors asked for need them"), asked.reason());
        assertEquals(Solver.CG, sparse(100_000, 10_000, 10, 8 * GB, true).solver(), "0.002n³ = 2e9: ~900 passes");
    }
}
