package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Precision;
import org.junit.jupiter.api.Test;

/** The trial's tolerance min(tol, target/κ̂) and when no trial runs. */
class TrialCertificateTest {

    @Test
    void wellConditionedDataKeepTheConfiguredTolerance() {
        TrialCertificate c = TrialCertificate.of(30, 1e-10, Precision.FLOAT64);
        assertTrue(c.allowsTrial());
        assertEquals(1e-10, c.tolerance());
        assertEquals(1e-6, TrialCertificate.of(30, 1e-6, Precision.FLOAT32).tolerance());
    }

    @Test
    void worseConditionedDataAreSolvedToATighterTolerance() {
        assertEquals(1e-8 / 1e4, TrialCertificate.of(1e4, 1e-10, Precision.FLOAT64).tolerance(), 1e-25);
        assertEquals(1e-8 / 1e3, TrialCertificate.of(1e3, 1e-4, Precision.FLOAT64).tolerance(), 1e-25);
        assertEquals(1e-3 / 900, TrialCertificate.of(900, 1e-4, Precision.FLOAT32).tolerance(), 1e-20);
    }

    @Test
    void noTrialWhereTheTolerancePassesThePrecisionsFloorOrNothingIsKnown() {
        assertFalse(TrialCertificate.of(1e7, 1e-10, Precision.FLOAT64).allowsTrial()); // 1e-15 < 1e-14
        assertTrue(TrialCertificate.of(1e6, 1e-10, Precision.FLOAT64).allowsTrial());
        assertFalse(TrialCertificate.of(2000, 1e-6, Precision.FLOAT32).allowsTrial()); // 5e-7 < 1e-6
        assertFalse(TrialCertificate.of(Double.POSITIVE_INFINITY, 1e-10, Precision.FLOAT64).allowsTrial());
        assertFalse(TrialCertificate.of(Double.NaN, 1e-10, Precision.FLOAT64).allowsTrial());
        assertFalse(TrialCertificate.of(10, 0, Precision.FLOAT64).allowsTrial()); // tol 0: run every pass, never "certified"
        assertTrue(TrialCertificate.of(Double.POSITIVE_INFINITY, 1e-10, Precision.FLOAT64).why().contains("dependent"));
        assertTrue(TrialCertificate.of(Double.NaN, 1e-10, Precision.FLOAT64).why().contains("no sketch pass"));
    }
}
