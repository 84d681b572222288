package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InitialCoefficientsTest {

    @Test
    void zerosAreZerosOfAnyLength() {
        for (int n : new int[] {0, 1, 5, 1000}) {
            assertArrayEquals(new double[n], InitialCoefficients.zeros().values(n), 0.0);
        }
        double[] a = InitialCoefficients.zeros().values(3);
        a[0] = 1;
        assertArrayEquals(new double[3], InitialCoefficients.zeros().values(3), 0.0, "fresh array each call");
        assertEquals("zeros", InitialCoefficients.zeros().toString());
    }

    @Test
    void randomIsReproducibleAndSeedDependent() {
        double[] a = InitialCoefficients.random(7).values(50);
        double[] b = InitialCoefficients.random(7).values(50);
        assertArrayEquals(a, b, 0.0);
        assertNotSame(a, b);
        double[] c = InitialCoefficients.random(8).values(50);
        assertFalse(Arrays.equals(a, c), "seeds 7 and 8 give the same values");
        // the documented source: SplittableRandom(seed).nextGaussian() in order
        SplittableRandom r = new SplittableRandom(7);
        for (int j = 0; j < a.length; j++) {
            assertEquals(r.nextGaussian(), a[j], 0.0);
        }
        // the first n values do not depend on n
        assertArrayEquals(Arrays.copyOf(a, 10), InitialCoefficients.random(7).values(10), 0.0);
        assertTrue(InitialCoefficients.random(7).toString().contains("7"));
    }

    @Test
    void randomLooksStandardNormal() {
        // 20000 draws: sample mean has σ = 1/√20000 ≈ 0.0071 (5σ band 0.036); sample variance of N(0,1)
        // has σ ≈ √(2/20000) = 0.01 (5σ band 0.05).
        int n = 20_000;
        double[] v = InitialCoefficients.random(2024).values(n);
        double mean = Arrays.stream(v).sum() / n;
        double var = Arrays.stream(v).map(t -> (t - mean) * (t - mean)).sum() / (n - 1);
        assertEquals(0, mean, 0.036);
        assertEquals(1, var, 0.05);
    }

    @Test
    void givenCopiesItsInput() {
        double[] theta = {1.5, -2, 0};
        InitialCoefficients g = InitialCoefficients.given(theta);
        theta[0] = 99;
        assertArrayEquals(new double[] {1.5, -2, 0}, g.values(3), 0.0);
        g.values(3)[1] = 42;
        assertArrayEquals(new double[] {1.5, -2, 0}, g.values(3), 0.0);
        assertTrue(g.toString().contains("1.5"), g.toString());
    }

    @Test
    void givenRejectsNonFiniteValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InitialCoefficients.given(new double[] {0, 1, Double.NaN}));
        assertTrue(e.getMessage().contains("2") && e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> InitialCoefficients.given(new double[] {Double.NEGATIVE_INFINITY}));
        assertTrue(e.getMessage().contains("-Infinity"), e.getMessage());
    }

    @Test
    void givenRejectsALengthMismatch() {
        InitialCoefficients g = InitialCoefficients.given(new double[] {1, 2, 3});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.values(4));
        assertTrue(e.getMessage().contains("3 values") && e.getMessage().contains("4 columns"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> g.values(2));
    }

    /** A null warm start was a message-less NullPointerException from inside given(); now one naming the argument. */
    @Test
    void aNullWarmStartIsRefusedNamingIt() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> InitialCoefficients.given(null));
        assertEquals("theta", e.getMessage());
    }

    @Test
    void equalKindsAndValuesAreEqual() {
        assertEquals(InitialCoefficients.given(new double[] {1, 2}), InitialCoefficients.given(new double[] {1, 2}));
        assertEquals(InitialCoefficients.given(new double[] {1, 2}).hashCode(), InitialCoefficients.given(new double[] {1, 2}).hashCode());
        assertEquals(InitialCoefficients.random(7), InitialCoefficients.random(7));
        assertEquals(InitialCoefficients.random(7).hashCode(), InitialCoefficients.random(7).hashCode());
        assertNotEquals(InitialCoefficients.random(7), InitialCoefficients.random(8));
        assertNotEquals(InitialCoefficients.given(new double[] {1, 2}), InitialCoefficients.given(new double[] {1, 3}));
        assertNotEquals(InitialCoefficients.zeros(), InitialCoefficients.random(0));
        assertNotEquals(InitialCoefficients.zeros(), InitialCoefficients.given(new double[2]));
    }
}
