package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Checkpoint;
import dev.downhill.FitConfig;
import dev.downhill.FitInterruptedException;
import dev.downhill.FittedModel;
import dev.downhill.IterationListener;
import dev.downhill.LinearRegression;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.Backends;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What decides a cuda problem's sums besides the data ({@link ResidentProblem#sumsLayout()}): the device and the kernels'
 * grid, recorded in a checkpoint's fingerprint in place of the thread count (which the device ignores). Skipped without
 * a GPU (runs on the fake device).
 */
class CudaSumsLayoutTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void requireDevice() {
        CudaDevice.assume();
    }

    @Test
    void theLayoutNamesTheDeviceAndTheGrid() {
        String device = DeviceInfo.query(0).arithmetic();
        TestData t = TestData.gaussian(300, 12, TestData.ramp(12), 1, 0.5, 5);
        try (var d = dev.downhill.Dataset.of(t.x, t.y)) {
            for (String strategy : new String[] {"fused", "cublas", "staged", "default"}) {
                BackendOptions options = strategy.equals("default") ? BackendOptions.none()
                        : BackendOptions.builder().cudaKernel(strategy).build();
                try (ResidentProblem p = Backends.load(CudaBackend.NAME, d, Precision.FLOAT64, options)) {
                    String layout = p.sumsLayout();
                    assertTrue(layout.startsWith(device + ", "), layout);
                    assertTrue(layout.contains("multiprocessors") && layout.contains("clusters of"), layout);
                    assertEquals(strategy.equals("cublas"), layout.contains("cuBLAS for full passes"), layout);
                    // the staged kernel sums full passes in its own grid: the layout names both (the default stages
                    // from FusedShape.STAGED_DEFAULT_MIN_COLUMNS: not these 12)
                    boolean staged = strategy.equals("staged");
                    assertEquals(staged, layout.contains("; full passes: ") && layout.endsWith(", staged"), layout);
                }
            }
        }
        // from FusedShape.STAGED_DEFAULT_MIN_COLUMNS columns the default stages full passes: both grids, and a gd fit's
        // passes run the staged kernel (the fake device answers compute capability 9.0)
        TestData wide = TestData.gaussian(40, FusedShape.STAGED_DEFAULT_MIN_COLUMNS, TestData.ramp(FusedShape.STAGED_DEFAULT_MIN_COLUMNS), 1, 0.5, 6);
        try (var d = dev.downhill.Dataset.of(wide.x, wide.y);
             ResidentProblem p = Backends.load(CudaBackend.NAME, d, Precision.FLOAT64, BackendOptions.none())) {
            assertTrue(p.sumsLayout().contains("; full passes: ") && p.sumsLayout().endsWith(", staged"), p.sumsLayout());
            try (dev.downhill.LoadedProblem loaded = dev.downhill.LoadedProblem.of(p, d, BackendOptions.none())) {
                dev.downhill.LinearRegression.fit(loaded, dev.downhill.FitConfig.builder().solver(dev.downhill.Solver.GD)
                        .maxIterations(3).tolerance(0).build());
            }
            FusedShape ran = ((CudaProblem) p).lastFullPassShape();
            assertTrue(ran != null && ran.stages() > 0, "the default's full passes ran " + ran);
        }
        try (var d = dev.downhill.Dataset.of(wide.x, wide.y);
             ResidentProblem p = Backends.load(CudaBackend.NAME, d, Precision.FLOAT64, BackendOptions.builder().cudaKernel("fused").build())) {
            assertFalse(p.sumsLayout().contains("staged"), p.sumsLayout());
        }
        // rows {1, 0, 2}, {0, 3, 0}, {4, 0, 5}, {0, 6, 1}
        try (SparseDataset s = SparseDataset.of(dev.downhill.io.CsrMatrix.of(new long[] {0, 2, 3, 5, 7}, new int[] {0, 2, 1, 0, 2, 1, 2},
                new double[] {1, 2, 3, 4, 5, 6, 1}, 3, Precision.FLOAT64), new double[] {1, 2, 3, 4});
             ResidentProblem p = Backends.loadSparse(CudaBackend.NAME, s, Precision.FLOAT64, BackendOptions.none())) {
            assertTrue(p.sumsLayout().startsWith(device + ", CSR kernel: "), p.sumsLayout());
        }
    }

    @Test
    void aCheckpointResumesWithAnotherThreadCountAndRecordsTheDevice() throws Exception {
        TestData t = TestData.gaussian(400, 6, TestData.ramp(6), 1, 0.5, 9);
        try (var d = dev.downhill.Dataset.of(t.x, t.y)) {
            FitConfig config = FitConfig.builder().backend(CudaBackend.NAME).solver(Solver.GD).learningRate(0.05).tolerance(0)
                    .maxIterations(12).threads(3).build();
            FittedModel full = LinearRegression.fit(d, config);
            Path folder = dir.resolve("gd");
            Checkpoint checkpoint = Checkpoint.to(folder);
            IterationListener stopper = (k, loss, norm) -> {
                if (k == 5) {
                    checkpoint.requestStop();
                }
                return IterationListener.Control.CONTINUE;
            };
            assertThrows(FitInterruptedException.class,
                    () -> LinearRegression.fit(d, config.toBuilder().checkpoint(checkpoint).listener(stopper).build()));
            String manifest = Files.readString(folder.resolve("checkpoint.json"));
            assertTrue(manifest.contains("\"sumsLayout\"") && manifest.contains(DeviceInfo.query(0).name()), manifest);
            // the thread count the device ignores does not decide the resume; the bits are the uninterrupted fit's
            FittedModel resumed = LinearRegression.fit(d, config.toBuilder().threads(1).checkpoint(Checkpoint.resume(folder)).build());
            assertArrayEquals(full.coefficients(), resumed.coefficients());
            assertEquals(full.intercept(), resumed.intercept());
            assertEquals(full.iterations(), resumed.iterations());
        }
    }
}
