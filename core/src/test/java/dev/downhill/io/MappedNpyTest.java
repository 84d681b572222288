package dev.downhill.io;

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
import dev.downhill.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Memory-mapped datasets live in core: no backend is needed to map, read or close one, and any backend can load one. */
class MappedNpyTest {
    @TempDir
    Path dir;

    @Test
    void mappedValuesAreTheFilesValues() {
        TestData t = TestData.gaussian(301, 7, TestData.ramp(7), 1, 0.2, 63);
        for (Precision p : Precision.values()) {
            t.writeNpy(dir, p);
            try (Dataset mapped = MappedNpy.open(dir.resolve("X.npy"), dir.resolve("y.npy"));
                 Dataset loaded = NpyReader.readDataset(dir.resolve("X.npy"), dir.resolve("y.npy"), p)) {
                assertEquals(p, mapped.precision());
                assertEquals(301, mapped.rows());
                assertEquals(7, mapped.cols());
                for (int i = 0; i < 301; i += 37) {
                    assertArrayEquals(loaded.row(i), mapped.row(i), 0);
                }
                assertArrayEquals(loaded.targets(), mapped.targets(), 0);
            }
        }
    }

    @Test
    void aBackendLoadsAMappedDataset() {
        TestData t = TestData.gaussian(120, 3, TestData.ramp(3), 2, 0.1, 64);
        t.writeNpy(dir, Precision.FLOAT64);
        try (Dataset mapped = MappedNpy.open(dir.resolve("X.npy"), dir.resolve("y.npy"));
             Dataset loaded = NpyReader.readDataset(dir.resolve("X.npy"), dir.resolve("y.npy"), null)) {
            FitConfig c = FitConfig.builder().solver(Solver.SVD).backend("test-host").build();
            FittedModel a = LinearRegression.fit(mapped, c);
            FittedModel b = LinearRegression.fit(loaded, c);
            assertArrayEquals(b.coefficients(), a.coefficients(), 0);
            assertArrayEquals(b.predict(loaded), a.predict(mapped), 0);
        }
    }

    @Test
    void closingUnmapsAndBadFilesAreRejected() throws IOException {
        TestData t = TestData.gaussian(20, 3, TestData.ramp(3), 0, 0.1, 62);
        t.writeNpy(dir, Precision.FLOAT64);
        Dataset d = MappedNpy.open(dir.resolve("X.npy"), dir.resolve("y.npy"));
        String file = dir.resolve("X.npy").toAbsolutePath().toString();
        assertTrue(Files.readString(Path.of("/proc/self/maps")).contains(file), "mapped while open");
        d.close();
        assertFalse(Files.readString(Path.of("/proc/self/maps")).contains(file), "unmapped on close");
        assertFalse(d.isOpen());
        d.close();
        Files.write(dir.resolve("short.npy"), java.util.Arrays.copyOf(Files.readAllBytes(dir.resolve("X.npy")), 200));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MappedNpy.open(dir.resolve("short.npy"), dir.resolve("y.npy")));
        assertTrue(e.getMessage().contains("short.npy"), e.getMessage());
        NpyWriter.writeVector(dir.resolve("y19.npy"), java.util.Arrays.copyOf(t.y, 19), Precision.FLOAT64);
        e = assertThrows(IllegalArgumentException.class, () -> MappedNpy.open(dir.resolve("X.npy"), dir.resolve("y19.npy")));
        assertTrue(e.getMessage().contains("20 rows") && e.getMessage().contains("19"), e.getMessage());
    }
}
