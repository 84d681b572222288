package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bytedeco.javacpp.DoublePointer;
import org.junit.jupiter.api.Test;

class WeightScaleTest {

    @Test
    void weightsWhoseMeanIsWithinTwoToThePlusOrMinus32AreUsedAsGiven() {
        assertEquals(0, WeightScale.exponent(100, 100));               // mean 1
        assertEquals(0, WeightScale.exponent(0x1p32 * 10, 10));        // mean 2³²
        assertEquals(0, WeightScale.exponent(0x1p-32 * 10, 10));       // mean 2⁻³²
        assertEquals(-33, WeightScale.exponent(0x1p33 * 10, 10));      // mean 2³³ → [1, 2)
        assertEquals(33, WeightScale.exponent(0x1.8p-33 * 4, 4));      // mean 1.5·2⁻³³
        assertEquals(499, WeightScale.exponent(1e-150 * 7, 7));        // 1e-150 = 1.6·2⁻⁴⁹⁹ → mean·2ᵏ in [1, 2)
        assertEquals(0, WeightScale.exponent(Double.NaN, 3));
        assertEquals(0, WeightScale.exponent(0, 3));
    }

    @Test
    void theMeanOfTheScaledWeightsLiesInOneToTwo() {
        for (double mean : new double[] {1e-300, 3e-200, 1e-20, 7e25, 1e200, 1.7e308, Double.MIN_VALUE * 8}) {
            int k = WeightScale.exponent(mean, 1);
            double scaled = Math.scalb(mean, k);
            org.junit.jupiter.api.Assertions.assertTrue(scaled >= 1 && scaled < 2, mean + " → " + scaled);
        }
    }

    @Test
    void theScaledCopyIsExact() {
        double[] w = {0x1p-500, 3 * 0x1p-501, 0, 5e-151};
        try (DoublePointer p = new DoublePointer(w); DoublePointer q = WeightScale.scaledCopy(p, w.length, 500)) {
            for (int i = 0; i < w.length; i++) {
                assertEquals(Math.scalb(w[i], 500), q.get(i));
            }
        }
    }
}
