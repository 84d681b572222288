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

    /**
     * A fixed η runs on X unstandardized while the automatic step would standardize it: the advised rate says it is in X's
     * own units (a review saw "η: 0.250 (auto)" on one run and "the automatic step size … is 0.433" on the next, same data).
     */
    @Test
    void adviceForUnstandardizedXSaysSo() {
        DivergenceException e = new DivergenceException("gd", false, 2, 6e4, 2.66, 10, false, 0.433,
                LearningRateSchedule.constant(), true);
        assertTrue(e.getMessage().endsWith("with learning rate 10.0000 on X unstandardized, as a fixed rate runs it (an "
                + "automatic fit standardizes X and reports its η in those units); use a smaller learning rate: the automatic "
                + "step size for these data is 0.433"), e.getMessage()); // the rate last, as scripts and the contract test read it
        DivergenceException unknown = new DivergenceException("gd", false, 2, 6e4, 2.66, 10, false, Double.NaN,
                LearningRateSchedule.constant(), true);
        assertTrue(unknown.getMessage().endsWith("(e.g. 1.00) or the automatic step size"), unknown.getMessage());
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

    /**
     * Under an inverse-time schedule the steps are t₀/(t + t₁), whatever η says: the message names the schedule and its
     * first step and advises a smaller t₀/t₁ — below the automatic step when it is known and smaller, else ten times
     * smaller — never a smaller learning rate, and never "the automatic step size" (the command line turns that phrase
     * into --lr auto, which does nothing under invtime).
     */
    @Test
    void anInverseTimeScheduleIsAdvisedOnItsOwnParameters() {
        LearningRateSchedule invtime = LearningRateSchedule.inverseTime(100, 1);
        DivergenceException e = new DivergenceException("sgd", true, 1, Double.NaN, 1.55, 0.0119, true, 0.0119, invtime);
        assertTrue(e.getMessage().startsWith("sgd diverged at epoch 1: loss NaN (starting loss 1.55000) with the inverse-time "
                + "schedule invtime:100.0,1.0, whose steps T0/(t + T1) start at T0/T1 = 100.000; lower T0 or raise T1 so that "
                + "T0/T1 is below 0.0119"), e.getMessage());
        DivergenceException unknown = new DivergenceException("minibatch", true, 2, 1e40, 1.55, 0.5, false, Double.NaN, invtime);
        for (DivergenceException d : new DivergenceException[] {e, unknown}) {
            assertFalse(d.getMessage().contains("learning rate 0"), d.getMessage());
            assertFalse(d.getMessage().contains("smaller learning rate"), d.getMessage());
            assertFalse(d.getMessage().contains("the automatic step size"), d.getMessage());
        }
        assertTrue(unknown.getMessage().endsWith("lower T0 or raise T1 (e.g. T0/T1 = 10.0)"), unknown.getMessage());
        assertEquals(0.5, unknown.learningRate(), "η₀ as given");
        // the other schedules keep the learning-rate advice
        DivergenceException scaling = new DivergenceException("sgd", true, 3, 1e40, 2.5, 10, false, 0.0123,
                LearningRateSchedule.inverseScaling(0.5));
        assertTrue(scaling.getMessage().contains("use a smaller learning rate: the automatic step size for these data is 0.0123"),
                scaling.getMessage());
    }
}
