package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmarks' JSON: on disk after every figure, an error recorded, no NaN (which JSON lacks). Needs no GPU. */
class BenchmarkOutputTest {
    @TempDir
    Path dir;

    @Test
    void everyFigureIsOnDiskAsSoonAsItIsPut() throws Exception {
        Path out = dir.resolve("figures.json");
        BenchmarkOutput.Report report = new BenchmarkOutput.Report(out);
        assertEquals("{\n}\n", Files.readString(out));
        report.put("rows", 96L);
        assertEquals("{\n  \"rows\": 96\n}\n", Files.readString(out));
        report.put("msPerStep", new double[] {1.5, Double.NaN});
        report.put("pinned", false);
        report.fail(new IllegalStateException("cudaHostRegister: \"out of memory\"\nsecond line"));
        report.fail(new IllegalStateException("a later failure is not recorded"));
        String json = Files.readString(out);
        assertTrue(json.contains("\"msPerStep\": [1.50000, \"NaN\"]"), json);
        assertTrue(json.contains("\"pinned\": false"), json);
        assertTrue(json.contains("\"error\": \"IllegalStateException: cudaHostRegister: \\\"out of memory\\\"\\nsecond line\"\n}"), json);
        assertTrue(!json.contains("later"), json);
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left beside it");
        }
    }
}
