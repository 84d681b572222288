package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reports compare by value: the arrays' contents, not their identity (also across a model file's round trip). */
class ConvergenceReportTest {
    @TempDir
    Path dir;

    private static CrossValidationReport cv(double[][] path) {
        return new CrossValidationReport(5, "min", new double[] {1, 0.1}, new double[] {2.5, 2.25}, new double[] {0.5, 0.25},
                0.1, 1, 0.1, path);
    }

    private static ConvergenceReport report(int[] constant, CrossValidationReport cv) {
        return new ConvergenceReport(true, constant, Double.NaN, "auto: normal (cheap)", 0.25, 1.5, 3e-11, cv, 40, 0.5);
    }

    @Test
    void reportsWithEqualContentsAreEqualAndHashAlike() {
        ConvergenceReport a = report(new int[] {2, 5}, cv(new double[][] {{1, 2}, {3, 4}}));
        ConvergenceReport b = report(new int[] {2, 5}, cv(new double[][] {{1, 2}, {3, 4}}));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a.toString(), b.toString());
        assertTrue(a.toString().contains("constantColumns=[2, 5]"), a.toString());
        assertNotEquals(a, report(new int[] {2, 6}, cv(new double[][] {{1, 2}, {3, 4}})));
        assertNotEquals(a, report(new int[] {2, 5}, cv(new double[][] {{1, 2}, {3, 5}})));
        assertNotEquals(a, report(new int[] {2, 5}, null));
        assertNotEquals(a, a.withResume(41, 0.5));
    }

    @Test
    void theAccessorsReturnCopies() {
        int[] given = {3};
        ConvergenceReport r = report(given, null);
        given[0] = 4;
        int[] out = r.constantColumns();
        out[0] = 7;
        assertEquals(3, r.constantColumns()[0]);
        assertNotSame(r.constantColumns(), r.constantColumns());
    }

    @Test
    void aReportEqualsItselfReadBackFromAModelFile() {
        ConvergenceReport written = report(new int[] {1}, cv(null));
        FittedModel m = new FittedModel(new double[] {1, 0}, 0.5, Solver.NESTEROV, "cpu", Precision.FLOAT64, 10, 40,
                StopReason.CONVERGED, new double[] {2, 1}, new double[] {1, 0.5}, Duration.ofMillis(7), 0.1, -1,
                FitConfig.builder().solver(Solver.NESTEROV).penalty(Penalty.l2(0.1)).build(), written);
        Path f = dir.resolve("m.json");
        ModelFile.write(f, m, null);
        ConvergenceReport read = ModelFile.read(f).model().report();
        assertNotSame(written, read);
        assertEquals(written, read);
        assertEquals(written.hashCode(), read.hashCode());
    }
}
