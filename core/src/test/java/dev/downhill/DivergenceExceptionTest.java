package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The divergence message: step advice only for a solver with a step (cg's η is NaN: issue 16 "learning rate NaN"). */
class DivergenceExceptionTest {
    @Test
    void aSolverWithoutAStepGetsNoStepAdvice() {
        DivergenceException e = new DivergenceException(7, 1e40, 2.5, Double.NaN, false);
        assertFalse(e.getMessage().contains("NaN"), e.getMessage());
        assertFalse(e.getMessage().contains("learning rate"), e.getMessage());
        assertTrue(e.getMessage().startsWith("the fit diverged at iteration 7: loss 1.00000e+40 (starting loss 2.50000)"),
                e.getMessage());
        assertEquals(2.5, e.initialLoss());
        assertFalse(e.automatic());
    }

    @Test
    void aFixedStepIsAdvisedTheAutomaticOneWhenKnownAndSmaller() {
        DivergenceException e = new DivergenceException("sgd", true, 3, 1e40, 2.5, 10, false, 0.0123);
        assertTrue(e.getMessage().startsWith("sgd diverged at epoch 3: loss 1.00000e+40 (starting loss 2.50000) with "
                + "learning rate 10.0000; use a smaller learning rate: the automatic step size for these data is 0.0123"),
                e.getMessage());
        DivergenceException unknown = new DivergenceException("gd", false, 4, 1e40, 2.5, 10, false, Double.NaN);
        assertTrue(unknown.getMessage().startsWith("gd diverged at iteration 4:"), unknown.getMessage());
        assertTrue(unknown.getMessage().endsWith("use a smaller learning rate (e.g. 1.00) or the automatic step size"),
                unknown.getMessage());
    }

    @Test
    void aFixedStepIsAdvisedTenTimesSmaller() {
        DivergenceException e = new DivergenceException(2, 1e40, 1.6e35, 1e-35, false);
        assertTrue(e.getMessage().contains("with learning rate 1.00000e-35; use a smaller learning rate (e.g. 1.00e-36) "
                + "or the automatic step size"), e.getMessage());
        assertFalse(e.getMessage().contains("--"), "the library names no command-line option: " + e.getMessage());
        assertEquals(1e-35, e.learningRate());
        assertEquals(1.6e35, e.initialLoss());
    }
}
