package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.RowSlice;
import dev.downhill.testing.ReferenceProblem;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.bytedeco.javacpp.DoublePointer;
import org.junit.jupiter.api.Test;

/** Core's argument checks in front of every backend. */
class CheckedProblemTest {

    @Test
    void everyOperationIsForwardedIncludingTheDefaultOnes() throws NoSuchMethodException {
        for (Method m : ResidentProblem.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Method own = CheckedProblem.class.getMethod(m.getName(), m.getParameterTypes());
            assertEquals(CheckedProblem.class, own.getDeclaringClass(),
                    m.getName() + " is not overridden: a backend's implementation would be bypassed");
        }
    }

    @Test
    void wrongLengthsAndOrdersAreRefusedWithOneLine() {
        double[][] x = {{1, 2}, {3, 5}, {4, 1}};
        try (Dataset data = Dataset.of(x, new double[] {1, 2, 3});
             ResidentProblem problem = CheckedProblem.of(new ReferenceProblem(data))) {
            assertTrue(CheckedProblem.of(problem) == problem, "not wrapped twice");
            try (var theta = problem.allocateVector(2); var out = problem.allocateVector(2); var wrong = problem.allocateVector(3)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> problem.gradient(wrong, 0, 1, 1, RowSlice.all(), out));
                assertEquals("θ has 3 values but X has 2 columns", e.getMessage());
                e = assertThrows(IllegalArgumentException.class,
                        () -> problem.gradient(theta, 0, 1, 1, RowSlice.of(new long[] {0, 3}, 0, 2), out));
                assertEquals("row order entry 1 is 3, outside X's 3 rows", e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> problem.axpy(1, wrong, out));
            }
            e(() -> problem.predict(new double[1], 0, new DoublePointer(3)), "θ has 1 values but X has 2 columns");
            e(() -> problem.predict(new double[2], 0, new DoublePointer(2)), "prediction output has room for 2 values but X has 3 rows");
            e(() -> problem.qrReduction(true, new double[] {1}), "1 column scales for 2 columns");
            e(() -> problem.qrReduction(true, new double[] {1, 0}), "column scale 1 is 0.0, not a positive finite number");
            e(() -> problem.extendedResidual(true).transposedResidual(new double[3]), "θ has 3 values but X has 2 columns");
        }
    }

    @Test
    void statisticsAreHandedOutAsCopies() {
        double[][] x = {{1, 2}, {3, 5}, {4, 1}};
        try (Dataset data = Dataset.of(x, new double[] {1, 2, 3});
             ResidentProblem problem = CheckedProblem.of(new ReferenceProblem(data))) {
            double[] means = problem.columnStatistics().means();
            means[0] = 99;
            assertEquals(8.0 / 3, problem.columnStatistics().means()[0], 1e-15);
            assertNotSame(problem.columnMeanSquaredDeviations(true), problem.columnMeanSquaredDeviations(true));
            assertEquals(problem.columnMeanSquaredDeviations(true)[1], 26.0 / 9, 1e-14);
        }
    }

    private static void e(org.junit.jupiter.api.function.Executable call, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
    }
}
