package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Core's side of sample weights: backends that cannot weight are refused, the model file records Σw. */
class SampleWeightsCoreTest {
    @TempDir
    Path dir;

    @Test
    void aBackendThatDoesNotWeightIsRefusedInsteadOfIgnoringTheWeights() {
        double[][] x = {{1}, {2}, {3}, {4}};
        double[] y = {1, 2, 2, 5};
        try (Dataset d = Dataset.of(x, y, new double[] {1, 2, 0, 1})) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> LinearRegression.fit(d, FitConfig.builder().solver(Solver.NORMAL).backend("test-host").build()));
            assertTrue(e.getMessage().contains("test-host") && e.getMessage().contains("does not support sample weights"),
                    e.getMessage());
            assertTrue(d.isOpen());
        }
    }

    @Test
    void theModelFileRecordsWhetherWeightsWereUsedAndTheirSum() throws Exception {
        FitConfig config = FitConfig.builder().solver(Solver.NORMAL).build();
        FittedModel weighted = new FittedModel(new double[] {1.5}, 0.25, Solver.NORMAL, "cpu", Precision.FLOAT64, 10, 0,
                StopReason.DIRECT_SOLUTION, new double[0], new double[0], Duration.ofMillis(3), Double.NaN, 1, config,
                new ConvergenceReport(false, new int[0], Double.NaN), 12.5);
        Path f = dir.resolve("w.json");
        ModelFile.write(f, weighted, null);
        String json = Files.readString(f);
        assertTrue(json.contains("\"weighted\" : true") && json.contains("\"weightSum\" : 12.5"), json);
        FittedModel back = ModelFile.read(f).model();
        assertTrue(back.trainingWeighted());
        assertEquals(12.5, back.trainingWeightSum(), 0);

        FittedModel plain = new FittedModel(new double[] {1.5}, 0.25, Solver.NORMAL, "cpu", Precision.FLOAT64, 10, 0,
                StopReason.DIRECT_SOLUTION, new double[0], new double[0], Duration.ofMillis(3), Double.NaN, 1, config,
                new ConvergenceReport(false, new int[0], Double.NaN));
        Path g = dir.resolve("p.json");
        ModelFile.write(g, plain, null);
        assertTrue(Files.readString(g).contains("\"weighted\" : false"));
        assertFalse(Files.readString(g).contains("weightSum"));
        assertFalse(ModelFile.read(g).model().trainingWeighted());
        // a file written before weights existed (no data.weighted) reads as unweighted
        Files.writeString(g, Files.readString(g).replace("\"weighted\" : false,", "").replace(",\n    \"weighted\" : false", ""));
        assertFalse(Files.readString(g).contains("weighted"), Files.readString(g));
        assertFalse(ModelFile.read(g).model().trainingWeighted());
    }
}
