package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Precision;
import dev.downhill.Solver;
import org.junit.jupiter.api.Test;

/**
 * The cost rule of {@link DenseL1Choice} (pure arithmetic): G·m·n(n + 1)/2 + W·n² against F·2·m·n·b/8 with G = 1/8,
 * W = 100, F = 20 — for m ≫ n cd on the Gram matrix while n + 1 &lt; 640 (float64) or 320 (float32), worked by hand
 * below; beyond them nesterov, followed by cd after as many passes as cd's cost; nesterov alone on wide X, another
 * backend, and a Gram matrix over the budget (with a checkpoint asked for LinearRegression runs nesterov in cd's place:
 * DenseAutoL1Test).
 */
class DenseL1ChoiceTest {
    private static final long BUDGET = 1L << 30;

    @Test
    void tallXWithFewColumnsGoesToTheGramMatrix() {
        // 100,000 × 100 float64: Gram 0.125·1e5·100·101/2 + 100·1e4 = 6.3e7 + 1e6 = 6.4e7; FISTA 20·2·1e5·100 = 4e8
        DenseL1Choice c = DenseL1Choice.choose("cpu", 100_000, 100, Precision.FLOAT64, BUDGET);
        assertEquals(Solver.CD, c.solver(), c.reason());
        assertEquals("cd: coordinate descent on the Gram matrix (X is dense (100,000 × 100, float64): cd on its Gram matrix "
                + "costs 6.4e+07 (the pass and the n × n work), FISTA's ~20 passes 4.0e+08)", c.reason());
        // the thresholds: float64 n + 1 < 640 (less the n² term), float32 half that
        assertEquals(Solver.CD, DenseL1Choice.choose("cpu", 1_000_000, 630, Precision.FLOAT64, BUDGET).solver());
        assertEquals(Solver.NESTEROV, DenseL1Choice.choose("cpu", 1_000_000, 650, Precision.FLOAT64, BUDGET).solver());
        assertEquals(Solver.CD, DenseL1Choice.choose("cpu", 1_000_000, 310, Precision.FLOAT32, BUDGET).solver());
        DenseL1Choice wide32 = DenseL1Choice.choose("cpu", 1_000_000, 330, Precision.FLOAT32, BUDGET);
        assertEquals(Solver.NESTEROV, wide32.solver());
        assertTrue(wide32.reason().startsWith("nesterov: an l1 penalty needs a proximal solver (FISTA with adaptive restart, "
                + "stopped on the duality gap); X is dense (1,000,000 × 330, float32): cd on its Gram matrix would cost "), wide32.reason());
        assertTrue(wide32.reason().endsWith("more than FISTA's ~20 passes (6.6e+09); if nesterov has not met the gap in 21 "
                + "passes (cd's cost), cd on the Gram matrix continues from its coefficients"), wide32.reason());
        assertEquals(0, c.cdAfterPasses(), "cd from the start");
    }

    @Test
    void whereNesterovIsChosenButCdWouldFitCdFollowsAfterAsManyPassesAsItsOwnCost() {
        // 1,000,000 × 650 float64: Gram 0.125·1e6·650·651/2 + 100·650² = 2.645e10 + 4.2e7 = 2.649e10; a pass 2·1e6·650 = 1.3e9
        // → ⌈20.4⌉ = 21 passes (FISTA's 20 would cost 2.6e10: just below)
        DenseL1Choice f64 = DenseL1Choice.choose("cpu", 1_000_000, 650, Precision.FLOAT64, BUDGET);
        assertEquals(Solver.NESTEROV, f64.solver());
        assertEquals(21, f64.cdAfterPasses());
        // 20,000 × 1,000 float64: Gram 0.125·2e4·1e3·1001/2 + 1e8 = 1.351e9; a pass 4e7 → ⌈33.8⌉ = 34
        assertEquals(34, DenseL1Choice.choose("cpu", 20_000, 1_000, Precision.FLOAT64, BUDGET).cdAfterPasses());
        // float32 passes read half the bytes: twice as many for the same Gram (a pass 2e7 → ⌈67.6⌉ = 68)
        assertEquals(68, DenseL1Choice.choose("cpu", 20_000, 1_000, Precision.FLOAT32, BUDGET).cdAfterPasses());
        // no cd to follow where it would not fit: wide X, another backend, a budget too small for G
        assertEquals(0, DenseL1Choice.choose("cpu", 500, 1_000, Precision.FLOAT64, BUDGET).cdAfterPasses());
        assertEquals(0, DenseL1Choice.choose("cuda", 20_000, 1_000, Precision.FLOAT64, BUDGET).cdAfterPasses());
        assertEquals(0, DenseL1Choice.choose("cpu", 20_000, 1_000, Precision.FLOAT64, 15_000_000).cdAfterPasses());
    }

    @Test
    void theReasonOfACdThatContinuedSaysWhyTheTrialEnded() {
        DenseL1Choice c = DenseL1Choice.choose("cpu", 20_000, 1_000, Precision.FLOAT64, BUDGET);
        TrialBudget ran = TrialBudget.onDualityGap(dev.downhill.IterationListener.NONE, 34, 1e-10);
        assertEquals("cd: nesterov had not met the gap in 34 passes (relative gap 0.0086, iteration_limit), as many as cd on the "
                + "Gram matrix costs, so cd continued from its coefficients (X is dense (20,000 × 1,000, float64): cd on its Gram "
                + "matrix would cost 1.4e+09 (the pass and the n × n work), more than FISTA's ~20 passes (8.0e+08))",
                c.cdContinued(34, 0.0086, dev.downhill.StopReason.ITERATION_LIMIT, ran));
        TrialBudget abandoned = TrialBudget.onDualityGap(dev.downhill.IterationListener.NONE, 34, 1e-10);
        for (int k = 0; k <= 8; k++) {
            abandoned.onGap(k, 0.5 * Math.pow(0.97, k));
        }
        assertTrue(abandoned.abandoned());
        assertEquals("cd: nesterov had not met the gap in 8 of the 34 passes cd's cost allows (relative gap 0.39; abandoned "
                + "after 8 passes, predicted to need ~733), so cd continued from its coefficients (X is dense (20,000 × 1,000, "
                + "float64): cd on its Gram matrix would cost 1.4e+09 (the pass and the n × n work), more than FISTA's ~20 passes "
                + "(8.0e+08))", c.cdContinued(8, 0.39, dev.downhill.StopReason.STOPPED_BY_LISTENER, abandoned));
    }

    @Test
    void wideXOtherBackendsAndSmallBudgetsKeepNesterov() {
        assertEquals(Solver.NESTEROV, DenseL1Choice.choose("cpu", 50, 100, Precision.FLOAT64, BUDGET).solver());
        assertEquals(Solver.NESTEROV, DenseL1Choice.choose("cuda", 100_000, 100, Precision.FLOAT64, BUDGET).solver());
        assertEquals(Solver.NESTEROV, DenseL1Choice.choose("nd4j", 100_000, 100, Precision.FLOAT64, BUDGET).solver());
        // G needs 16·n² = 160 kB for n = 100
        assertEquals(Solver.NESTEROV, DenseL1Choice.choose("cpu", 100_000, 100, Precision.FLOAT64, 100_000).solver());
        assertEquals(Solver.CD, DenseL1Choice.choose("cpu", 100_000, 100, Precision.FLOAT64, 160_000).solver());
    }
}
