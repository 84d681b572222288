package dev.downhill.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.IterationListener.Control;
import org.junit.jupiter.api.Test;

/** Spark's maxIter and tol as core's limit, tolerance and listener (the fits themselves: {@link SparkParamParityTest}). */
class IterationBoundsTest {
    @Test
    void passesOrdinaryValuesOnAndStopsAtTheStartForZeroIterationsOrATolOfOneOrMore() {
        IterationBounds usual = new IterationBounds(100, 1e-6);
        assertFalse(usual.stopsAtStart());
        assertEquals(100, usual.maxIterations());
        assertEquals(1e-6, usual.tolerance(), 0.0);
        assertEquals(Control.CONTINUE, usual.listener().onIteration(0, 1, 1));
        IterationBounds zeroTol = new IterationBounds(7, 0);
        assertFalse(zeroTol.stopsAtStart());
        assertEquals(0.0, zeroTol.tolerance(), 0.0);
        for (IterationBounds start : new IterationBounds[] {new IterationBounds(0, 1e-6), new IterationBounds(50, 1),
            new IterationBounds(50, Double.POSITIVE_INFINITY)}) {
            assertTrue(start.stopsAtStart());
            assertTrue(start.maxIterations() >= 1 && start.tolerance() < 1, "within core's ranges");
            assertEquals(Control.STOP, start.listener().onIteration(0, 1, 1));
            assertEquals(Control.CONTINUE, start.listener().onIteration(1, 1, 1));
        }
        assertThrows(IllegalArgumentException.class, () -> new IterationBounds(-1, 1e-6));
        assertThrows(IllegalArgumentException.class, () -> new IterationBounds(1, Double.NaN));
    }
}
