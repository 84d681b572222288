package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A cross-validation's held path models come back as they were fitted, θ bit for bit, without their warm start. */
class PathModelsTest {
    private static FittedModel model(double[] theta, double b, double[] warmStart) {
        return new FittedModel(theta, b, Solver.CD, "test", Precision.FLOAT64, 40, 7, StopReason.DUALITY_GAP,
                new double[] {5, 2}, new double[] {4, 1}, Duration.ofMillis(12), Double.NaN, -1,
                FitConfig.builder().penalty(Penalty.l1(0.1)).initialCoefficients(InitialCoefficients.given(warmStart)).build(),
                new ConvergenceReport(false, new int[] {2}, Double.NaN));
    }

    @Test
    void sparseAndDenseThetasComeBackBitForBit() {
        int n = 12;
        double[] sparse = new double[n];
        sparse[3] = 1.5;
        sparse[7] = -0.0; // a signed zero is a stored value: kept as it is
        double[] dense = new double[n];
        for (int j = 0; j < n; j++) {
            dense[j] = j % 5 == 0 ? 0 : 0.25 * j - 1;
        }
        PathModels held = new PathModels();
        held.append(0, model(sparse, 0.5, new double[n]));
        held.append(1, model(dense, -2, sparse));
        assertEquals(2, held.size());
        for (int k = 0; k < 2; k++) {
            double[] expected = k == 0 ? sparse : dense;
            FittedModel back = held.get(k);
            for (int j = 0; j < n; j++) {
                assertEquals(Double.doubleToRawLongBits(expected[j]), Double.doubleToRawLongBits(back.coefficient(j)), "θ" + j);
            }
            assertEquals(k == 0 ? 0.5 : -2, back.intercept(), 0.0);
            assertEquals(StopReason.DUALITY_GAP, back.stopReason());
            assertEquals(Penalty.l1(0.1).alpha(), back.config().penalty().alpha(), 0.0);
            assertArrayEquals(new int[] {2}, back.report().constantColumns());
            // the warm start (the previous model's θ, n values a model) is not kept
            assertArrayEquals(new double[n], back.config().initialCoefficients().values(n));
        }
        assertNotSame(held.get(0).coefficientsView(), held.get(0).coefficientsView(), "θ made again on each get");
        PathModels tail = new PathModels();
        tail.append(0, model(dense, 1, dense));
        PathModels joined = held.followedBy(tail);
        assertEquals(3, joined.size());
        assertEquals(1, joined.get(2).intercept(), 0.0);
        assertEquals(1.5, joined.get(0).coefficient(3), 0.0);
        assertThrows(IllegalStateException.class, () -> held.append(5, model(dense, 0, dense)), "path order");
        assertTrue(held.get(1).coefficient(1) == -0.75);
    }
}
