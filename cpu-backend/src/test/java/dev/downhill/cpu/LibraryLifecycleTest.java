package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.IterationListener;
import dev.downhill.LinearRegression;
import dev.downhill.LoadedProblem;
import dev.downhill.Precision;
import dev.downhill.Score;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.io.CsrMatrix;
import dev.downhill.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.DoublePointer;
import org.junit.jupiter.api.Test;

/**
 * What an embedding program may do from several threads, and what the library refuses instead of crashing: a sparse
 * dataset cannot be closed while a fit reads it (as a dense one cannot); fits on one loaded problem from several threads
 * run one after the other and give the single fit's bits; predictions refuse a null output pointer and a row count
 * below 1; a problem loaded from sparse X can be scored; sparse weights that sum to infinity are refused.
 */
class LibraryLifecycleTest {

    private static SparseDataset sparse(int m, int n, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        List<Integer> cols = new ArrayList<>();
        List<Double> vals = new ArrayList<>();
        long[] ptr = new long[m + 1];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                if (r.nextDouble() < 0.3) {
                    double v = r.nextGaussian();
                    cols.add(j);
                    vals.add(v);
                    y[i] += v * (j + 1);
                }
            }
            y[i] += 0.1 * r.nextGaussian() + 2;
            ptr[i + 1] = cols.size();
        }
        CsrMatrix x = CsrMatrix.of(ptr, cols.stream().mapToInt(Integer::intValue).toArray(),
                vals.stream().mapToDouble(Double::doubleValue).toArray(), n, Precision.FLOAT64);
        return SparseDataset.of(x, y);
    }

    @Test
    void aSparseDatasetCannotBeClosedWhileAFitReadsIt() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        IterationListener hold = (k, loss, norm) -> {
            if (k == 1) {
                running.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return IterationListener.Control.CONTINUE;
        };
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (SparseDataset data = sparse(300, 12, 3)) {
            Future<FittedModel> fit = pool.submit(() -> LinearRegression.fit(data, FitConfig.builder().solver(Solver.GD)
                    .backend("cpu").tolerance(1e-8).listener(hold).build()));
            assertTrue(running.await(30, TimeUnit.SECONDS), "the fit started");
            IllegalStateException e = assertThrows(IllegalStateException.class, data::close);
            assertTrue(e.getMessage().contains("fit or prediction (or other use) still reads it"), e.getMessage());
            release.countDown();
            FittedModel m = fit.get(60, TimeUnit.SECONDS);
            assertTrue(data.x().nonZeros() > 0, "still open and usable after the refused close");
            assertEquals(data.rows(), m.predict(data).length);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A model whose backend cannot run here (fitted on a GPU, read on a machine without one; here a model file whose
     * backend is a name no backend has) predicts on the automatic choice, dense and sparse X alike (sparse threw
     * BackendUnavailableException); a backend asked for by name with predictingOn must run here.
     */
    @Test
    void aModelWhoseBackendCannotRunHerePredictsOnTheAutomaticChoice(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        try (SparseDataset data = sparse(200, 8, 5); Dataset dense = Dataset.of(new double[][] {{1, 2, 3, 4, 5, 6, 7, 8}},
                new double[] {0})) {
            FittedModel m = LinearRegression.fit(data, FitConfig.builder().solver(Solver.CG).backend("cpu").build());
            java.nio.file.Path file = dir.resolve("m.json");
            dev.downhill.ModelFile.write(file, m, m.score(data));
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(file.toFile());
            assertEquals("cpu", root.path("hyperparameters").path("backend").asText());
            ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("hyperparameters")).put("backend", "quantum");
            json.writeValue(file.toFile(), root);
            FittedModel elsewhere = dev.downhill.ModelFile.read(file).model();
            assertEquals("quantum", elsewhere.config().backend());
            assertArrayEquals(m.predict(data), elsewhere.predict(data), 0);
            assertEquals(m.score(data), elsewhere.score(data));
            assertArrayEquals(m.predict(dense), elsewhere.predict(dense), 0);
            dev.downhill.spi.BackendUnavailableException e = assertThrows(dev.downhill.spi.BackendUnavailableException.class,
                    () -> m.predictingOn("quantum"));
            assertTrue(e.getMessage().contains("unknown backend 'quantum'") && e.getMessage().contains("cpu"), e.getMessage());
        }
    }

    /**
     * A loaded problem reused for another fit gives that fit's fresh bits whatever ran on it before: the normal equations
     * with a ridge term after svd or cd differed in the last bit (the centred pass those made first lacked X_cᵀy_c, so the
     * Gram pass summed its own; a hostile reviewer's find).
     */
    @Test
    void aReusedLoadedProblemGivesEveryFitItsFreshBits() {
        int m = 3000;
        int n = 12;
        java.util.Random r = new java.util.Random(9);
        double[] x = new double[m * n];
        double[] y = new double[m];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian() * (1 + (i % n)) + (i % n);
        }
        for (int i = 0; i < m; i++) {
            y[i] = x[i * n] - x[i * n + 2] + 5 + r.nextGaussian();
        }
        java.util.Map<String, FitConfig> configs = new java.util.LinkedHashMap<>();
        configs.put("normal", FitConfig.builder().backend("cpu").solver(Solver.NORMAL).build());
        configs.put("normal ridge", FitConfig.builder().backend("cpu").solver(Solver.NORMAL).penalty(dev.downhill.Penalty.l2(0.1)).build());
        configs.put("svd", FitConfig.builder().backend("cpu").solver(Solver.SVD).build());
        configs.put("svd ridge", FitConfig.builder().backend("cpu").solver(Solver.SVD).penalty(dev.downhill.Penalty.l2(0.1)).build());
        configs.put("cd lasso", FitConfig.builder().backend("cpu").solver(Solver.CD).penalty(dev.downhill.Penalty.l1(0.05)).build());
        try (Dataset d = Dataset.ofRowMajor(x, m, n, y)) {
            java.util.Map<String, FittedModel> fresh = new java.util.HashMap<>();
            for (var e : configs.entrySet()) {
                fresh.put(e.getKey(), LinearRegression.fit(d, e.getValue()));
            }
            for (var before : configs.entrySet()) {
                for (var after : configs.entrySet()) {
                    try (LoadedProblem p = LinearRegression.load(d, FitConfig.builder().backend("cpu").build())) {
                        LinearRegression.fit(p, before.getValue());
                        FittedModel again = LinearRegression.fit(p, after.getValue());
                        FittedModel alone = fresh.get(after.getKey());
                        String what = after.getKey() + " after " + before.getKey();
                        assertArrayEquals(alone.coefficients(), again.coefficients(), 0.0, what);
                        assertEquals(alone.intercept(), again.intercept(), 0.0, what);
                    }
                }
            }
        }
    }

    @Test
    void fitsOnOneLoadedProblemFromSeveralThreadsRunOneAfterTheOtherWithTheSingleFitsBits() throws Exception {
        TestData t = TestData.gaussian(4000, 10, TestData.ramp(10), 1, 0.5, 8);
        FitConfig config = FitConfig.builder().solver(Solver.GD).backend("cpu").tolerance(1e-9).build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Dataset d = Dataset.of(t.x, t.y); LoadedProblem p = LinearRegression.load(d, config)) {
            double[] alone = LinearRegression.fit(p, config).coefficients();
            List<Future<double[]>> fits = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                fits.add(pool.submit(() -> LinearRegression.fit(p, config).coefficients()));
                fits.add(pool.submit(() -> { // predictions interleaved with the fits
                    LinearRegression.fit(p, config).predict(p);
                    return alone;
                }));
            }
            for (Future<double[]> f : fits) {
                assertArrayEquals(alone, f.get(120, TimeUnit.SECONDS), 0.0, "the same bits as the fit alone");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void predictionsRefuseANullOutputAndNoRows() {
        TestData t = TestData.gaussian(50, 3, TestData.ramp(3), 1, 0.1, 4);
        FitConfig config = FitConfig.builder().solver(Solver.NORMAL).backend("cpu").build();
        try (Dataset d = Dataset.of(t.x, t.y); LoadedProblem p = LinearRegression.load(d, config)) {
            FittedModel m = LinearRegression.fit(p, config);
            IllegalArgumentException nullOut = assertThrows(IllegalArgumentException.class, () -> m.predict(p, new DoublePointer()));
            assertTrue(nullOut.getMessage().contains("null pointer"), nullOut.getMessage());
            assertThrows(IllegalArgumentException.class, () -> m.predict(d, new DoublePointer()));
            try (DoublePointer x = new DoublePointer(9)) {
                IllegalArgumentException rows = assertThrows(IllegalArgumentException.class, () -> m.predict(x, -1));
                assertTrue(rows.getMessage().contains("rows must be at least 1, got -1"), rows.getMessage());
            }
        }
    }

    @Test
    void aProblemLoadedFromSparseXIsScoredAsTheDatasetIs() {
        try (SparseDataset data = sparse(200, 8, 5)) {
            FitConfig config = FitConfig.builder().solver(Solver.CG).backend("cpu").tolerance(1e-10).build();
            try (LoadedProblem p = LinearRegression.load(data, config)) {
                FittedModel m = LinearRegression.fit(p, config);
                Score viaProblem = m.score(p);
                Score viaData = m.score(data);
                assertEquals(viaData.mse(), viaProblem.mse(), 0.0);
                assertEquals(viaData.r2(), viaProblem.r2(), 0.0);
                assertTrue(viaProblem.r2() > 0.99, "a good fit: " + viaProblem.r2());
            }
        }
    }

    /** A model whose configuration names a backend that cannot run here (cuda, no GPU) predicts where one can. */
    @Test
    void aModelFittedOnABackendMissingHerePredictsOnTheAutomaticChoice(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        boolean cudaRuns;
        try {
            dev.downhill.spi.Backends.select("cuda");
            cudaRuns = true;
        } catch (dev.downhill.spi.BackendUnavailableException e) {
            cudaRuns = false; // not installed here, or no GPU
        }
        org.junit.jupiter.api.Assumptions.assumeFalse(cudaRuns, "cuda can run here");
        TestData t = TestData.gaussian(60, 3, TestData.ramp(3), 1, 0.1, 9);
        try (Dataset d = Dataset.of(t.x, t.y)) {
            FittedModel m = LinearRegression.fit(d, FitConfig.builder().solver(Solver.NORMAL).backend("cpu").build());
            java.nio.file.Path file = dir.resolve("m.json");
            dev.downhill.ModelFile.write(file, m, m.score(d));
            String json = java.nio.file.Files.readString(file);
            java.nio.file.Files.writeString(file, json.replace("\"backend\" : \"cpu\"", "\"backend\" : \"cuda\""));
            FittedModel onGpu = dev.downhill.ModelFile.read(file).model();
            assertEquals("cuda", onGpu.config().backend(), "the configuration names cuda");
            double[] expected = new double[t.x.length];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = onGpu.predict(t.x[i]); // the host's own dot product, row by row
            }
            assertArrayEquals(expected, onGpu.predict(d), 1e-12, "predicted on the cpu backend instead");
            assertEquals(m.score(d).mse(), onGpu.score(d).mse(), 1e-15);
        }
    }

    @Test
    void sparseWeightsThatSumToInfinityAreRefused() {
        try (SparseDataset data = sparse(2, 3, 6)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> data.withWeights(new double[] {Double.MAX_VALUE, Double.MAX_VALUE}));
            assertTrue(e.getMessage().contains("the weights sum to more than the largest double"), e.getMessage());
            assertEquals(2, data.targets().length, "still open: a refused weighting changes nothing");
        }
    }
}
