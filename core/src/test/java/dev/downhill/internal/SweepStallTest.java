package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.StopReason;
import org.junit.jupiter.api.Test;

/**
 * cd's no-progress rule ({@link SweepState.Stall}): a window of max(100, k/10) sweeps in which neither the best duality gap
 * nor the best KKT norm fell by 0.1 % of itself, nor the best objective by more than its rounding, ends the fit; any such
 * fall starts the window again.
 */
class SweepStallTest {
    private static final double ROUNDING = 1e-15;
    private static final double[] THETA = {1.0, -2.0};

    @Test
    void aGapThatStaysAtItsFloorForAWindowStops() {
        SweepState.Stall stall = new SweepState.Stall();
        assertFalse(stall.stalled(0, new SweepState(1.0, 1.0, 1.0), ROUNDING, THETA));
        long k = 1;
        for (; k < StopReason.NO_PROGRESS_MIN_WINDOW; k++) { // the floor: the same state, or within rounding and 0.1 %
            double wiggle = (k % 2 == 0 ? 1 : 0.9995);
            assertFalse(stall.stalled(k, new SweepState(1.0 - ROUNDING * (k % 2), wiggle, wiggle), ROUNDING, THETA), "sweep " + k);
        }
        assertTrue(stall.stalled(k, new SweepState(1.0, 1.0, 1.0), ROUNDING, THETA), "a whole window without progress");
    }

    @Test
    void anyFallOfTheGapTheKktNormOrTheObjectiveStartsTheWindowAgain() {
        String[] measures = {"gap", "kkt", "loss"};
        for (String measure : measures) {
            SweepState.Stall stall = new SweepState.Stall();
            stall.stalled(0, new SweepState(1.0, 1.0, 1.0), ROUNDING, THETA);
            for (long k = 1; k <= 90; k++) {
                assertFalse(stall.stalled(k, new SweepState(1.0, 1.0, 1.0), ROUNDING, THETA));
            }
            SweepState progress = switch (measure) {
                case "gap" -> new SweepState(1.0, 1.0, 0.998);
                case "kkt" -> new SweepState(1.0, 0.998, 1.0);
                default -> new SweepState(1.0 - 3 * ROUNDING, 1.0, 1.0);
            };
            assertFalse(stall.stalled(95, progress, ROUNDING, THETA), measure);
            assertFalse(stall.stalled(150, progress, ROUNDING, THETA), measure + ": 55 sweeps since its progress");
            assertTrue(stall.stalled(195, progress, ROUNDING, THETA), measure + ": a window since its progress");
        }
    }

    @Test
    void theWindowGrowsWithTheFit() { // after k sweeps a tenth of them: a slow fit gets as long a window as its work so far
        SweepState.Stall stall = new SweepState.Stall();
        double gap = 1;
        long k = 0;
        for (; k <= 5_000; k += 10) {
            gap *= 0.99; // 1 % a record: progress
            assertFalse(stall.stalled(k, new SweepState(1.0, 1.0, gap), ROUNDING, THETA));
        }
        long last = k - 10;
        assertFalse(stall.stalled(last + 400, new SweepState(1.0, 1.0, gap), ROUNDING, THETA), "400 < 5,400/10 sweeps");
        assertTrue(stall.stalled(last + 560, new SweepState(1.0, 1.0, gap), ROUNDING, THETA), "560 ≥ 5,560/10");
    }

    @Test
    void aThetaStillOnItsWayIsNotAFloor() { // past the window, θ moved by more than 2^-26 of its largest |θⱼ|: look again
        SweepState.Stall stall = new SweepState.Stall();
        stall.stalled(0, new SweepState(1.0, 1.0, 1.0), ROUNDING, THETA);
        assertFalse(stall.stalled(100, new SweepState(1.0, 1.0, 1.0), ROUNDING, new double[] {1.0, -2.0 + 1e-7}));
        assertFalse(stall.stalled(150, new SweepState(1.0, 1.0, 1.0), ROUNDING, new double[] {1.0, -2.0 + 1e-7}));
        assertTrue(stall.stalled(200, new SweepState(1.0, 1.0, 1.0), ROUNDING, new double[] {1.0 + 1e-9, -2.0 + 1e-7}),
                "a window from there with θ at rest (1e-9 < 2^-26·2)");
    }

    @Test
    void theObjectivesRoundingIsTheRoutes() {
        double small = SweepState.lossRounding(1.0, SweepState.cancellingRounding(1.0, 1.0, 10), 1.0);
        assertTrue(small > 0x1p-53 * 64 && small < 1e-13, "a few hundred ε: " + small);
        assertTrue(SweepState.lossRounding(1.0, SweepState.cancellingRounding(1e6, 1.0, 10), 1.0) > 1e5 * small,
                "the Gram route's cancellation of ‖y_c‖²");
        // the column route sums ‖r‖²_W: nothing cancels, its rounding scales with ‖r‖², not ‖y_c‖²
        assertTrue(SweepState.summingRounding(1e-6, 1_000) < 1e-19);
    }
}
