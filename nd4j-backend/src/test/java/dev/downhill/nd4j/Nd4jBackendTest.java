package dev.downhill.nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.LoadedProblem;
import dev.downhill.spi.BackendOptions;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.spi.Backend;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.Backends;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.RowSlice;
import dev.downhill.testing.TestData;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Registration, priority, lifecycle, and the copying load path. */
class Nd4jBackendTest {

    @Test
    void registeredBelowTheCpuBackend() {
        List<Backend> all = Backends.all();
        Backend nd4j = all.stream().filter(b -> b.name().equals("nd4j")).findFirst().orElseThrow();
        assertEquals(1, nd4j.priority());
        assertTrue(nd4j.availability().available(), nd4j.availability().reason());
        assertTrue(nd4j.details().contains("ND4J"), nd4j.details());
        assertEquals("cpu", Backends.select("auto").name(), "automatic selection prefers the cpu backend");
        assertEquals("nd4j", Backends.select("nd4j").name());
    }

    @Test
    void loadWrapsTheDatasetAndConvertsOtherPrecisions() {
        TestData t = TestData.gaussian(30, 3, TestData.ramp(3), 0, 0.1, 1);
        try (Dataset d = Dataset.of(t.x, t.y)) {
            try (ResidentProblem p = new Nd4jBackend().load(d, Precision.FLOAT64, BackendOptions.none())) {
                assertTrue(((Nd4jProblem) p).wrapsDataset());
                assertEquals(Runtime.getRuntime().availableProcessors(), ((Nd4jProblem) p).threads());
            }
            try (ResidentProblem p = new Nd4jBackend().load(d, Precision.FLOAT64, BackendOptions.builder().threads(3)
                    .set(BackendOptions.ND4J_COPY, "true").build())) {
                assertFalse(((Nd4jProblem) p).wrapsDataset(), "copied as the options asked");
                assertEquals(3, ((Nd4jProblem) p).threads());
                assertTrue(p.description().startsWith("3 threads"), p.description());
            }
            try (ResidentProblem p = new Nd4jBackend().load(d, Precision.FLOAT32, BackendOptions.builder().threads(1).build())) {
                assertFalse(((Nd4jProblem) p).wrapsDataset());
                assertEquals(Precision.FLOAT32, p.precision());
                assertEquals(t.x[0].length, p.columnStatistics().means().length);
            }
        }
    }

    @Test
    void closingTwiceIsHarmlessAndUseAfterCloseThrows() {
        TestData t = TestData.gaussian(30, 3, TestData.ramp(3), 0, 0.1, 2);
        try (Dataset d = Dataset.of(t.x, t.y)) {
            ResidentProblem p = new Nd4jBackend().load(d, Precision.FLOAT64, BackendOptions.builder().threads(1).build());
            BackendVector v = p.allocateVector(3);
            BackendVector g = p.allocateVector(3);
            long[] order = {2, 0, 1};
            for (int i = 3; i < 30; i++) {
                order = java.util.Arrays.copyOf(order, i + 1);
                order[i] = i;
            }
            p.gradient(v, 0, 1, 1, RowSlice.of(order, 0, 5), g); // make slice work arrays
            p.gradient(v, 0, 1, 1, RowSlice.all(), g);
            v.close();
            v.close();
            assertThrows(IllegalStateException.class, v::copyToHost);
            p.close();
            p.close();
            assertThrows(IllegalStateException.class, () -> p.allocateVector(3));
            assertThrows(IllegalStateException.class, p::columnStatistics);
            g.close();
            assertArrayEquals(t.x[4], d.row(4), 0, "closing the problem leaves the dataset's memory alone");
        }
    }

    @Test
    void operationsUseTheProblemsThreadsAndPutTheProcessSettingsBack() {
        TestData t = TestData.gaussian(64, 4, TestData.ramp(4), 0, 0.1, 4);
        int before = org.bytedeco.openblas.global.openblas_full.openblas_get_num_threads();
        int ompBefore = org.nd4j.linalg.factory.Nd4j.getEnvironment().maxMasterThreads();
        try (Dataset d = Dataset.of(t.x, t.y)) {
            org.bytedeco.openblas.global.openblas_full.openblas_set_num_threads(1); // as the cpu backend leaves it
            org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxMasterThreads(1);
            FittedModel m = LinearRegression.fit(d, FitConfig.builder().solver(Solver.GD).backend("nd4j").threads(2).maxIterations(5).build());
            assertEquals(2, m.config().threads());
            assertEquals(1, org.bytedeco.openblas.global.openblas_full.openblas_get_num_threads(), "OpenBLAS threads restored");
            assertEquals(1, org.nd4j.linalg.factory.Nd4j.getEnvironment().maxMasterThreads(), "ND4J threads restored");
        } finally {
            org.bytedeco.openblas.global.openblas_full.openblas_set_num_threads(before);
            org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxMasterThreads(ompBefore);
        }
    }

    @Test
    void theCopyingLoadPathGivesTheSameFit() {
        // the path used when ND4J's arrays are not host memory (a device backend), exercised here on the host
        TestData t = TestData.gaussian(200, 5, TestData.ramp(5), 1, 0.1, 3);
        FitConfig gd = FitConfig.builder().solver(Solver.GD).backend("nd4j").threads(1).maxIterations(100).tolerance(0).build();
        FitConfig svd = FitConfig.builder().solver(Solver.SVD).backend("nd4j").threads(1).build();
        FitConfig copy = gd.toBuilder().backendOptions(BackendOptions.builder().threads(1).set(BackendOptions.ND4J_COPY, "true").build())
                .build();
        try (Dataset d = Dataset.of(t.x, t.y);
             LoadedProblem wrapped = LinearRegression.load(d, gd);
             LoadedProblem copied = LinearRegression.load(d, copy)) {
            assertTrue(copied.description().contains("X copied"), copied.description());
            assertTrue(wrapped.description().contains("wrapped"), wrapped.description());
            FittedModel a = LinearRegression.fit(wrapped, gd);
            FittedModel b = LinearRegression.fit(copied, gd);
            assertArrayEquals(a.coefficients(), b.coefficients(), 0);
            assertArrayEquals(LinearRegression.fit(wrapped, svd).coefficients(), LinearRegression.fit(copied, svd).coefficients(), 0);
            assertArrayEquals(a.predict(wrapped), a.predict(copied), 0);
        }
        try (Dataset d = Dataset.of(t.xFloat(), t.yFloat());
             LoadedProblem copied = LinearRegression.load(d, copy.toBuilder().precision(Precision.FLOAT64).build())) {
            LinearRegression.fit(copied, copy.toBuilder().precision(Precision.FLOAT64).build());
        }
    }
}
