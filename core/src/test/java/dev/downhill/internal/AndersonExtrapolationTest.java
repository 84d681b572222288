package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AndersonExtrapolationTest {
    /**
     * θ ← Mθ + b on 4 dimensions (fewer than K = 5): the five differences are Krylov vectors of M, linearly dependent, so
     * some c with Σc = 1 has Σcₖuₖ = 0 and θ_e is the fixed point θ* exactly (minimal-polynomial extrapolation); the
     * regularisation λ = 1e-15·max(UᵀU) leaves an error of ~2e-6 (NumPy, the same formulas: the next eigenvalue of UᵀU
     * is 1.3e-6 of the largest, λ/1.3e-6 of the null vector's weight leaks), far below the last iterate's (~3.9).
     */
    @Test
    void findsTheFixedPointOfALinearMapOnFewerDimensionsThanItsDepth() {
        double[][] mMatrix = {{0.2, 0, 0, 0}, {0, 0.5, 0, 0}, {0, 0, 0.8, 0}, {0, 0, 0, 0.95}}; // well-separated rates
        double[] fixed = {10, -20, 30, 5};
        double[] b = new double[4];
        for (int i = 0; i < 4; i++) {
            b[i] = fixed[i];
            for (int j = 0; j < 4; j++) {
                b[i] -= mMatrix[i][j] * fixed[j];
            }
        }
        AndersonExtrapolation anderson = new AndersonExtrapolation(4);
        double[] theta = new double[4];
        anderson.restart(theta);
        for (int k = 0; k < AndersonExtrapolation.DEPTH; k++) {
            double[] next = b.clone();
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    next[i] += mMatrix[i][j] * theta[j];
                }
            }
            theta = next;
            assertFalse(anderson.ready());
            anderson.record(theta);
        }
        assertTrue(anderson.ready());
        double lastError = distance(theta, fixed);
        assertTrue(lastError > 1, "the iterates are still far: " + lastError);
        double[] extrapolated = new double[4];
        assertTrue(anderson.extrapolate(extrapolated));
        assertTrue(distance(extrapolated, fixed) < 1e-4, "error " + distance(extrapolated, fixed));
    }

    /** θ_e is an affine combination (Σc = 1): moving every iterate by v moves θ_e by v, to rounding. */
    @Test
    void isAnAffineCombinationOfTheIterates() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 20;
        double[][] iterates = new double[AndersonExtrapolation.DEPTH + 1][n];
        double[] shift = new double[n];
        for (int j = 0; j < n; j++) {
            shift[j] = 100 * r.nextGaussian();
        }
        for (double[] it : iterates) {
            for (int j = 0; j < n; j++) {
                it[j] = r.nextGaussian();
            }
        }
        for (double[] it : iterates) { // coordinate 0 never moves: θ_e keeps it bit for bit (no Σc·v rounding)
            it[0] = 0.1;
        }
        double[] plain = extrapolated(iterates, new double[n]);
        assertEquals(0.1, plain[0], 0.0);
        double[] moved = extrapolated(iterates, shift);
        for (int j = 0; j < n; j++) {
            assertEquals(plain[j] + shift[j], moved[j], 1e-9 * 100, "coordinate " + j);
        }
    }

    @Test
    void declinesWhenTheIteratesHaveNotMovedAndRefusesBeforeItHasThem() {
        AndersonExtrapolation anderson = new AndersonExtrapolation(3);
        double[] theta = {1, 2, 3};
        anderson.restart(theta);
        assertThrows(IllegalStateException.class, () -> anderson.extrapolate(new double[3]));
        for (int k = 0; k < AndersonExtrapolation.DEPTH; k++) {
            anderson.record(theta);
        }
        assertThrows(IllegalStateException.class, () -> anderson.record(theta));
        double[] out = {7, 7, 7};
        assertFalse(anderson.extrapolate(out));
        assertArrayEquals(new double[] {7, 7, 7}, out);
    }

    /** The regularised solve against the closed form on a 2 × 2 system. */
    @Test
    void solvesTheRegularisedSystem() {
        double[][] a = {{4, 1}, {1, 3}};
        double[] z = AndersonExtrapolation.solveWithOnes(a);
        double l = AndersonExtrapolation.RIDGE * 4;
        double a11 = 4 + l;
        double a22 = 3 + l;
        double det = a11 * a22 - 1;
        assertEquals((a22 - 1) / det, z[0], 1e-15);
        assertEquals((a11 - 1) / det, z[1], 1e-15);
        assertEquals(null, AndersonExtrapolation.solveWithOnes(new double[][] {{0, 0}, {0, 0}}));
    }

    private static double[] extrapolated(double[][] iterates, double[] shift) {
        AndersonExtrapolation anderson = new AndersonExtrapolation(shift.length);
        for (int k = 0; k < iterates.length; k++) {
            double[] t = iterates[k].clone();
            for (int j = 0; j < t.length; j++) {
                t[j] += shift[j];
            }
            if (k == 0) {
                anderson.restart(t);
            } else {
                anderson.record(t);
            }
        }
        double[] out = new double[shift.length];
        assertTrue(anderson.extrapolate(out));
        return out;
    }

    private static double distance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(s);
    }
}
