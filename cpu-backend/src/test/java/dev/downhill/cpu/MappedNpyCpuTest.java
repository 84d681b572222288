package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.io.MappedNpy;
import dev.downhill.io.NpyReader;
import dev.downhill.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Memory-mapped X ({@link MappedNpy}, in core) on the cpu backend: the same answers, bit for bit, as X read into memory. */
class MappedNpyCpuTest {
    @TempDir
    Path dir;

    @Test
    void mappedAndInMemoryFitsAgreeBitForBit() {
        TestData t = TestData.gaussian(1003, 13, TestData.ramp(13), 1, 0.2, 61);
        for (Precision p : Precision.values()) {
            t.writeNpy(dir, p);
            try (Dataset mapped = MappedNpy.open(dir.resolve("X.npy"), dir.resolve("y.npy"));
                 Dataset loaded = NpyReader.readDataset(dir.resolve("X.npy"), dir.resolve("y.npy"), p)) {
                assertTrue(mapped.ownsMemory());
                assertEquals(loaded.x(1002, 12), mapped.x(1002, 12), 0);
                for (Solver s : new Solver[] {Solver.GD, Solver.CG, Solver.MINIBATCH, Solver.NORMAL, Solver.SVD}) {
                    FitConfig c = FitConfig.builder().solver(s).backend("cpu").threads(2).maxIterations(50).build();
                    FittedModel a = LinearRegression.fit(mapped, c);
                    FittedModel b = LinearRegression.fit(loaded, c);
                    assertArrayEquals(b.coefficients(), a.coefficients(), 0, p + " " + s);
                    assertEquals(b.intercept(), a.intercept(), 0);
                    assertArrayEquals(b.lossHistory(), a.lossHistory(), 0);
                }
            }
        }
    }
}
