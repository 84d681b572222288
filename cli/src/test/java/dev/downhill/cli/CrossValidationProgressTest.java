package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** --alpha auto's progress lines: printed by a clock (fits of the direct solvers call no listener), stopped by close. */
class CrossValidationProgressTest {

    /** Waits (up to 10 s: the machine may be busy) for {@code line} to have been printed. */
    private static void awaitLine(StringWriter text, String line) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!text.toString().contains(line) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(text.toString().contains(line), text.toString());
    }

    @Test
    void linesCountTheFitsBegunAndTheIterationsAndStopWhenClosed() throws InterruptedException {
        StringWriter text = new StringWriter();
        PrintWriter err = new PrintWriter(text, true);
        try (CrossValidationProgress p = new CrossValidationProgress(err, 600, 20)) {
            awaitLine(text, "cross-validation: running, elapsed ");
            for (int fit = 0; fit < 3; fit++) {
                for (long i = 0; i <= 4; i++) {
                    assertEquals(dev.downhill.IterationListener.Control.CONTINUE, p.onIteration(i, 1, 1));
                }
            }
            awaitLine(text, "cross-validation: 3 of ~600 fits begun, 12 iterations, elapsed ");
        }
        String[] lines = text.toString().split("\n");
        assertTrue(lines[lines.length - 1].startsWith("cross-validation: 3 of ~600 fits begun, 12 iterations"), text.toString());
        int printed = lines.length;
        Thread.sleep(100);
        assertEquals(printed, text.toString().split("\n").length, "no line after close");
    }
}
