package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.IterationListener;
import dev.downhill.IterationListener.Control;
import org.junit.jupiter.api.Test;

/** The conjugate-gradient trial's budget: extrapolation of the gradient norm's rate (pure arithmetic, no backend). */
class TrialBudgetTest {

    /** Feeds g_k = rate^k until the listener stops or {@code limit} iterations pass; returns the iteration it stopped at, or -1. */
    private static long run(TrialBudget budget, double rate, long limit) {
        for (long k = 0; k <= limit; k++) {
            if (budget.onIteration(k, 1, Math.pow(rate, k)) == Control.STOP) {
                return k;
            }
        }
        return -1;
    }

    @Test
    void aFastRateKeepsTheTrialGoing() {
        // 1e-10 at rate 0.5 takes 34 passes: within a budget of 40
        TrialBudget budget = new TrialBudget(IterationListener.NONE, 40, 1e-10);
        assertEquals(-1, run(budget, 0.5, 40));
        assertFalse(budget.abandoned());
    }

    @Test
    void aSlowRateIsAbandonedAtTheFirstCheck() {
        // rate 0.98 needs ~1,140 passes: far beyond 2 × 18 at the first check (8 passes)
        TrialBudget budget = new TrialBudget(IterationListener.NONE, 18, 1e-10);
        assertEquals(8, run(budget, 0.98, 18));
        assertTrue(budget.abandoned());
        assertTrue(budget.why().startsWith("abandoned after 8 passes, predicted to need ~1.1"), budget.why());
    }

    @Test
    void aRisingWindowIsJudgedByTheRateSoFar() {
        // halving for 8 passes, then the norm rises a little: the rate so far still predicts success
        TrialBudget budget = new TrialBudget(IterationListener.NONE, 40, 1e-6);
        double[] norms = {1, 0.5, 0.25, 0.125, 0.0625, 0.03, 0.015, 0.008, 0.004, 0.005, 0.006, 0.006, 0.007, 0.007, 0.008, 0.008, 0.009};
        for (int k = 0; k < norms.length; k++) {
            assertEquals(Control.CONTINUE, budget.onIteration(k, 1, norms[k]), "iteration " + k);
        }
    }

    @Test
    void theCallersStopIsHonouredAndIsNotAnAbandonment() {
        TrialBudget budget = new TrialBudget((k, l, g) -> k == 3 ? Control.STOP : Control.CONTINUE, 100, 1e-10);
        assertEquals(3, run(budget, 0.5, 100));
        assertFalse(budget.abandoned());
    }
}
