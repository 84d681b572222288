package dev.downhill.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.downhill.Precision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Optional cross-check against NumPy itself: files NumPy writes (every dtype, both orders,
 * format versions 1.0, 2.0 and 3.0) read here, and files NpyWriter writes loaded by NumPy.
 * Skipped, by assumption, where {@code python3} with numpy is not installed.
 */
class NpyNumpyCrossCheckTest {
    private static final String VALUE = "lambda d, i, j: (i * 100 + j) * np.where(j % 2 == 0, 1, -1) + (0.25 if d[1] == 'f' else 0)";
    private static boolean numpy;

    @TempDir
    Path dir;

    @BeforeAll
    static void probe() {
        numpy = python("import numpy") == 0;
    }

    /** Runs {@code python3 -c script}; the exit status, or -1 when python3 cannot run. */
    private static int python(String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of("python3", "-c", script));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            if (p.exitValue() != 0 && !script.equals("import numpy")) {
                System.err.println(out);
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Test
    void readsWhatNumpyWrites() {
        assumeTrue(numpy, "python3 with numpy is not available");
        String script = String.join("\n",
                "import sys, numpy as np",
                "from numpy.lib import format as fmt",
                "out = sys.argv[1]",
                "value = " + VALUE,
                "for d in ['<f4', '<f8', '<i4', '<i8']:",
                "    a = np.fromfunction(lambda i, j: value(d, i, j), (5, 7), dtype=np.int64).astype(d)",
                "    np.save(f'{out}/c{d[1:]}.npy', a)",
                "    np.save(f'{out}/f{d[1:]}.npy', np.asfortranarray(a))",
                "    for v in [(2, 0), (3, 0)]:",
                "        with open(f'{out}/v{v[0]}{d[1:]}.npy', 'wb') as fh:",
                "            fmt.write_array(fh, np.asfortranarray(a), version=v)",
                "np.save(f'{out}/y.npy', np.arange(5, dtype='<f8') - 2.5)");
        assertEquals(0, python(script, dir.toString()), "numpy script");
        for (String d : new String[] {"f4", "f8", "i4", "i8"}) {
            for (String prefix : new String[] {"c", "f", "v2", "v3"}) {
                Path f = dir.resolve(prefix + d + ".npy");
                try (HostArray a = NpyReader.readMatrix(f)) {
                    assertEquals(d.equals("f4") ? Precision.FLOAT32 : Precision.FLOAT64, a.precision());
                    for (int i = 0; i < 5; i++) {
                        for (int j = 0; j < 7; j++) {
                            assertEquals(NpyFiles.value("<" + d, i, j), a.get(i, j), 0.0, f + " (" + i + ", " + j + ")");
                        }
                    }
                }
            }
        }
        try (HostArray y = NpyReader.readVector(dir.resolve("y.npy"))) {
            assertEquals(-2.5, y.get(0), 0.0);
            assertEquals(1.5, y.get(4), 0.0);
        }
    }

    @Test
    void numpyLoadsWhatTheWriterWrites() {
        assumeTrue(numpy, "python3 with numpy is not available");
        for (Precision p : Precision.values()) {
            try (NpyWriter w = NpyWriter.create(dir.resolve("w" + p + ".npy"), p, 5, 7)) {
                for (int i = 0; i < 5; i++) {
                    double[] row = new double[7];
                    for (int j = 0; j < 7; j++) {
                        row[j] = NpyFiles.value("<f8", i, j);
                    }
                    w.write(row);
                }
            }
        }
        String script = String.join("\n",
                "import sys, numpy as np",
                "value = " + VALUE,
                "expected = np.fromfunction(lambda i, j: value('<f8', i, j), (5, 7), dtype=np.int64)",
                "for name, dt in [('wFLOAT32', np.float32), ('wFLOAT64', np.float64)]:",
                "    a = np.load(f'{sys.argv[1]}/{name}.npy')",
                "    assert a.dtype == dt and a.shape == (5, 7) and not np.isfortran(a), (name, a.dtype, a.shape)",
                "    assert np.array_equal(a, expected.astype(dt)), name");
        assertEquals(0, python(script, dir.toString()), "numpy must load the writer's files and find the same values");
    }
}
