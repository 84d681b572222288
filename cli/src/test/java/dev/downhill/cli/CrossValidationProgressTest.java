package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** --alpha auto's progress lines: printed by a clock (fits of the direct solvers call no listener), stopped by close. */
class CrossValidationProgressTest {

    @Test
    void linesCountTheFitsBegunAndTheIterationsAndStopWhenClosed() throws InterruptedException {
        StringWriter text = new StringWriter();
        PrintWriter err = new PrintWriter(text, true);
        try (CrossValidationProgress p = new CrossValidationProgress(err, 600, 20)) {
            Thread.sleep(100);
            assertTrue(text.toString().startsWith("cross-validation: running, elapsed 00:00\n"), text.toString());
            for (int fit = 0; fit < 3; fit++) {
                for (long i = 0; i <= 4; i++) {
                    assertEquals(dev.downhill.IterationListener.Control.CONTINUE, p.onIteration(i, 1, 1));
                }
            }
            Thread.sleep(100);
        }
        String[] lines = text.toString().split("\n");
        assertEquals("cross-validation: 3 of ~600 fits begun, 12 iterations, elapsed 00:00", lines[lines.length - 1]);
        int printed = lines.length;
        Thread.sleep(100);
        assertEquals(printed, text.toString().split("\n").length, "no line after close");
    }
}
