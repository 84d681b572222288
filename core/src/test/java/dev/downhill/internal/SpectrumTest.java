package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * {@link SketchedCondition.Spectrum#condition}: κ̂ = λ̂_max/λ̂_min below 1/(kε) (ε = 2⁻⁵³, k the operator's order),
 * +∞ at and above it or when λ̂_min is 0 (Cholesky refused), 1 for an operator of no column — the rules
 * {@link SketchedCondition#estimate} always had, now shared with {@link AccuracyWarning}.
 */
class SpectrumTest {
    @Test
    void theRatioBelowTheLimitInfinityAtIt() {
        assertEquals(4e10, new SketchedCondition.Spectrum(4, 1e-10, 10).condition(), 1e-2);
        double limit = 1 / (10 * Math.ulp(1.0) / 2); // 1/(kε) for k = 10: ~9.0e14
        assertEquals(Double.POSITIVE_INFINITY, new SketchedCondition.Spectrum(limit, 1, 10).condition());
        assertEquals(limit / 2, new SketchedCondition.Spectrum(limit / 2, 1, 10).condition(), 0);
    }

    @Test
    void singularOrEmptyOperators() {
        assertEquals(Double.POSITIVE_INFINITY, new SketchedCondition.Spectrum(4, 0, 3).condition());
        assertEquals(Double.POSITIVE_INFINITY, new SketchedCondition.Spectrum(Double.POSITIVE_INFINITY, 0, 3).condition());
        assertEquals(1, new SketchedCondition.Spectrum(1, 1, 0).condition());
    }
}
