package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.Backends;
import dev.downhill.spi.CountingBackends;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.testing.TestData;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Set;
import java.util.TreeSet;
import org.bytedeco.javacpp.DoublePointer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The user's handle on a loaded problem, backend options on their way to the backend, and the prediction pass. */
class LoadedProblemTest {
    private static final TestData T = TestData.gaussian(57, 4, TestData.ramp(4), 1.5, 0.3, 5);

    @BeforeEach
    void reset() {
        CountingBackends.reset();
    }

    @Test
    void theHandleExposesNoneOfTheSpi() {
        assertFalse(ResidentProblem.class.isAssignableFrom(LoadedProblem.class));
        Set<String> methods = new TreeSet<>();
        for (Method m : LoadedProblem.class.getMethods()) {
            if (m.getDeclaringClass() == LoadedProblem.class && !Modifier.isStatic(m.getModifiers())) {
                methods.add(m.getName());
                assertFalse(m.getReturnType().getPackageName().equals("dev.downhill.spi") && m.getReturnType() != BackendOptions.class,
                        m + " returns an SPI type");
            }
        }
        assertEquals(new TreeSet<>(Set.of("backendName", "rows", "cols", "precision", "options", "description", "close", "toString")),
                methods);
        for (Method m : LoadedProblem.class.getDeclaredMethods()) {
            if (m.getReturnType() == ResidentProblem.class) {
                assertFalse(Modifier.isPublic(m.getModifiers()), m.toString());
            }
        }
        assertTrue(Modifier.isFinal(LoadedProblem.class.getModifiers()));
    }

    @Test
    void optionsGivenInTheConfigurationReachTheBackend() {
        BackendOptions options = BackendOptions.builder().cpuKernel("blas").cudaKernel("cublas").device(1).chunkBytes("64k").build();
        FitConfig config = FitConfig.builder().backend("test-host").backendOptions(options).threads(3).build();
        assertEquals(3, config.threads());
        try (Dataset d = Dataset.of(T.x, T.y); LoadedProblem p = LinearRegression.load(d, config)) {
            BackendOptions seen = CountingBackends.lastOptions("test-host");
            assertEquals(p.options(), seen);
            assertEquals("blas", seen.setting(BackendOptions.CPU_KERNEL).orElseThrow());
            assertEquals("cublas", seen.setting(BackendOptions.CUDA_KERNEL).orElseThrow());
            assertEquals(1, seen.device());
            assertEquals(64 << 10, seen.chunkBytes().getAsLong());
            assertEquals(3, seen.threads());
            assertEquals("test-host", p.backendName());
            assertEquals(57, p.rows());
            assertEquals(4, p.cols());
            assertEquals(Precision.FLOAT64, p.precision());
            assertTrue(p.description().contains("cpu.kernel=blas"), p.description());
            // a fit on the loaded problem must not ask for other threads
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LinearRegression.fit(p, FitConfig.builder().solver(Solver.SVD).threads(2).build()));
            assertTrue(e.getMessage().contains("3"), e.getMessage());
            LinearRegression.fit(p, FitConfig.builder().solver(Solver.SVD).threads(3).build());
        }
    }

    @Test
    void systemPropertiesAreOnlyDefaults() {
        String saved = System.getProperty("downhill.cuda.kernel");
        System.setProperty("downhill.cuda.kernel", "cublas");
        try (Dataset d = Dataset.of(T.x, T.y)) {
            try (LoadedProblem p = LinearRegression.load(d, FitConfig.builder().backend("test-host").build())) {
                assertEquals("cublas", CountingBackends.lastOptions("test-host").setting(BackendOptions.CUDA_KERNEL).orElseThrow());
            }
            BackendOptions mine = BackendOptions.builder().cudaKernel("fused").build();
            try (LoadedProblem p = LinearRegression.load(d, FitConfig.builder().backend("test-host").backendOptions(mine).build())) {
                assertEquals("fused", CountingBackends.lastOptions("test-host").setting(BackendOptions.CUDA_KERNEL).orElseThrow());
            }
            // straight through the SPI a backend sees exactly what it is given
            try (ResidentProblem p = Backends.select("test-host").load(d, Precision.FLOAT64, BackendOptions.none())) {
                assertEquals(BackendOptions.none(), CountingBackends.lastOptions("test-host"));
            }
        } finally {
            if (saved == null) {
                System.clearProperty("downhill.cuda.kernel");
            } else {
                System.setProperty("downhill.cuda.kernel", saved);
            }
        }
    }

    @Test
    void predictAndScoreRunTheBackendsPredictionPass() {
        double[] theta = {0.5, -2, 0.25, 3};
        double b = -1.25;
        try (Dataset d = Dataset.of(T.x, T.y)) {
            FittedModel fitted = LinearRegression.fit(d, FitConfig.builder().solver(Solver.SVD).build());
            assertEquals("test-host", fitted.backend());
            FittedModel m = new FittedModel(theta, b, Solver.SVD, "test-host", Precision.FLOAT64, 57, 0, StopReason.DIRECT_SOLUTION,
                    new double[0], new double[0], java.time.Duration.ZERO, Double.NaN, 4, fitted.config(),
                    new ConvergenceReport(false, new int[0], Double.NaN));
            double[] expected = new double[57];
            double ssRes = 0;
            double mean = 0;
            for (int i = 0; i < 57; i++) {
                double s = 0;
                for (int j = 0; j < 4; j++) {
                    s += T.x[i][j] * theta[j];
                }
                expected[i] = s + b;
                ssRes += (expected[i] - T.y[i]) * (expected[i] - T.y[i]);
                mean += T.y[i] / 57;
            }
            double ssTot = 0;
            for (double y : T.y) {
                ssTot += (y - mean) * (y - mean);
            }
            int before = CountingBackends.predicts("test-host");
            assertArrayEquals(expected, m.predict(d), 0);
            assertEquals(before + 1, CountingBackends.predicts("test-host"), "predict(Dataset) runs the backend's pass");
            try (LoadedProblem p = LinearRegression.load(d, FitConfig.builder().build());
                 DoublePointer out = new DoublePointer(61)) {
                org.bytedeco.javacpp.Pointer.memset(out, 0, 61 * 8);
                out.position(3);
                m.predict(p, out);
                out.position(0);
                for (int i = 0; i < 57; i++) {
                    assertEquals(expected[i], out.get(3 + i), 0);
                }
                for (int i : new int[] {0, 1, 2, 60}) {
                    assertEquals(0, out.get(i), 0, "nothing written outside [position, position + m)");
                }
                Score s = m.score(p);
                assertEquals(ssRes / 57, s.mse(), 1e-14 * ssRes);
                assertEquals(1 - ssRes / ssTot, s.r2(), 1e-14);
                assertArrayEquals(expected, m.predict(p), 0);
                out.position(10);
                assertThrows(IllegalArgumentException.class, () -> m.predict(p, out), "too little room after the position");
            }
            assertEquals(before + 4, CountingBackends.predicts("test-host"));
            assertEquals(m.score(T.x, T.y).mse(), m.score(d).mse(), 1e-14 * ssRes);
        }
    }

    @Test
    void aFitAndItsSummaryProbeNoBackendBelowTheChoice() {
        try (Dataset d = Dataset.of(T.x, T.y)) {
            FittedModel m = LinearRegression.fit(d, FitConfig.builder().solver(Solver.SVD).build());
            m.score(d);
            m.predict(d);
            String passedOver = Backends.passedOver(m.backend());
            assertEquals("test-gpu: no test device", passedOver);
            assertEquals(0, CountingBackends.probes("test-baseline"), "the unused, lower-priority backend was never probed");
            assertEquals(0, CountingBackends.loads("test-baseline"));
        }
    }

    @Test
    void theFrontEndsUnwarnedFitIsTheFitOfTheLoadedProblem() {
        FitConfig capped = FitConfig.builder().backend("test-host").solver(Solver.GD).maxIterations(3).tolerance(1e-12).build();
        try (Dataset d = Dataset.of(T.x, T.y); LoadedProblem p = LinearRegression.load(d, capped)) {
            FittedModel warned = LinearRegression.fit(p, capped);
            FittedModel unwarned = dev.downhill.internal.FrontEnds.fitUnwarned(p, capped);
            assertEquals(StopReason.ITERATION_LIMIT, unwarned.stopReason(), "a fit its caller warns about");
            assertArrayEquals(warned.coefficients(), unwarned.coefficients(), 0.0);
            assertEquals(warned.intercept(), unwarned.intercept(), 0.0);
            assertArrayEquals(warned.lossHistory(), unwarned.lossHistory(), 0.0);
        }
        assertThrows(IllegalStateException.class, () -> dev.downhill.internal.FrontEnds.register((p, c) -> null, (m, t, b, r) -> m),
                "LinearRegression registered its fit once, for good");
    }
}
