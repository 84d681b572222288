package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.IterationListener;
import dev.downhill.IterationListener.Control;
import org.junit.jupiter.api.Test;

/**
 * The trials' budgets: extrapolation of the gradient norm's rate (cg before the exact solve) and of the lowest duality gap's
 * (nesterov before cd), pure arithmetic, no backend.
 */
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
        TrialBudget budget = TrialBudget.onGradientNorm(IterationListener.NONE, 40, 1e-10);
        assertEquals(-1, run(budget, 0.5, 40));
        assertFalse(budget.abandoned());
    }

    @Test
    void aSlowRateIsAbandonedAtTheFirstCheck() {
        // rate 0.98 needs ~1,140 passes: far beyond 2 × 18 at the first check (8 passes)
        TrialBudget budget = TrialBudget.onGradientNorm(IterationListener.NONE, 18, 1e-10);
        assertEquals(8, run(budget, 0.98, 18));
        assertTrue(budget.abandoned());
        assertTrue(budget.why().startsWith("abandoned after 8 passes, predicted to need ~1.1"), budget.why());
    }

    @Test
    void aRisingWindowIsJudgedByTheRateSoFar() {
        // halving for 8 passes, then the norm rises a little: the rate so far still predicts success
        TrialBudget budget = TrialBudget.onGradientNorm(IterationListener.NONE, 40, 1e-6);
        double[] norms = {1, 0.5, 0.25, 0.125, 0.0625, 0.03, 0.015, 0.008, 0.004, 0.005, 0.006, 0.006, 0.007, 0.007, 0.008, 0.008, 0.009};
        for (int k = 0; k < norms.length; k++) {
            assertEquals(Control.CONTINUE, budget.onIteration(k, 1, norms[k]), "iteration " + k);
        }
    }

    @Test
    void theCallersStopIsHonouredAndIsNotAnAbandonment() {
        TrialBudget budget = TrialBudget.onGradientNorm((k, l, g) -> k == 3 ? Control.STOP : Control.CONTINUE, 100, 1e-10);
        assertEquals(3, run(budget, 0.5, 100));
        assertFalse(budget.abandoned());
    }
    /** Feeds the gaps of a FISTA-like fit (gap_k = gaps[k], iteration k) until the budget stops it; -1 if never. */
    private static long runGaps(TrialBudget budget, double[] gaps) {
        for (int k = 0; k < gaps.length; k++) {
            if (budget.onIteration(k, 1, 1) == Control.STOP || budget.onGap(k, gaps[k]) == Control.STOP) {
                return k;
            }
        }
        return -1;
    }

    private static double[] geometric(double first, double rate, int count) {
        double[] g = new double[count];
        for (int k = 0; k < count; k++) {
            g[k] = first * Math.pow(rate, k);
        }
        return g;
    }

    @Test
    void theNesterovTrialIsJudgedOnItsLowestGap() {
        // gap 0.5·0.5^k reaches 1e-10 in 32 passes: within a budget of 34 (cd's cost on 20,000 × 1,000 float64)
        TrialBudget fast = TrialBudget.onDualityGap(IterationListener.NONE, 34, 1e-10);
        assertEquals(-1, runGaps(fast, geometric(0.5, 0.5, 34)));
        // correlated columns: the gap falls by ~3 % a pass (hundreds of passes to 1e-10): abandoned at the first check
        TrialBudget slow = TrialBudget.onDualityGap(IterationListener.NONE, 34, 1e-10);
        assertEquals(8, runGaps(slow, geometric(0.5, 0.97, 34)));
        assertTrue(slow.abandoned());
        assertTrue(slow.why().startsWith("abandoned after 8 passes, predicted to need ~"), slow.why());
        // FISTA's gap is not monotone: a rise after a fast fall is read as no worse than the lowest gap so far
        double[] bumpy = geometric(0.5, 0.3, 40);
        for (int k = 9; k < 16; k++) {
            bumpy[k] = 1e-2; // far above gap_8 ≈ 3e-5: the recent window would show a rise
        }
        TrialBudget judged = TrialBudget.onDualityGap(IterationListener.NONE, 34, 1e-10);
        assertEquals(-1, runGaps(judged, java.util.Arrays.copyOf(bumpy, 34)));
        // the gradient-norm budget ignores the gaps, and the caller's stop on a gap is honoured and not an abandonment
        TrialBudget norms = TrialBudget.onGradientNorm(IterationListener.NONE, 34, 1e-10);
        assertEquals(Control.CONTINUE, norms.onGap(8, 1));
        GapListener caller = new GapListener() {
            @Override
            public Control onIteration(long iteration, double loss, double gradientNorm) {
                return Control.CONTINUE;
            }

            @Override
            public Control onGap(long iteration, double relativeGap) {
                return iteration == 5 ? Control.STOP : Control.CONTINUE;
            }
        };
        TrialBudget wrapped = TrialBudget.onDualityGap(caller, 34, 1e-10);
        assertEquals(5, runGaps(wrapped, geometric(0.5, 0.97, 34)));
        assertFalse(wrapped.abandoned());
    }
}
