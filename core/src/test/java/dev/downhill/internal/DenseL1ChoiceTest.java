package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Precision;
import dev.downhill.Solver;
import org.junit.jupiter.api.Test;

/**
 * The cost rule of {@link DenseL1Choice} (pure arithmetic): G·m·n(n + 1)/2 + W·n² against F·2·m·n·b/8 with G = 1/8,
 * W = 100, F = 20 — for m ≫ n cd on the Gram matrix while n + 1 &lt; 640 (float64) or 320 (float32), worked by hand
 * below; nesterov on wide X, another backend, and a Gram matrix over the budget (with a checkpoint asked for
 * LinearRegression runs nesterov in cd's place: DenseAutoL1Test).
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
        assertTrue(wide32.reason().endsWith("more than FISTA's ~20 passes (6.6e+09)"), wide32.reason());
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
