package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.Backends;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.EpochRows;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import dev.downhill.spi.StochasticEpoch;
import dev.downhill.testing.Compare;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.DoublePointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cuda backend's CSR problem against the cpu backend's CSR problem and the dense cpu problem of the densified X, pass
 * by pass (float64: the same float64 sums in another order, so equal to ~1e-12 of the magnitudes summed; float32: the
 * same float32 inputs, float64 sums, one rounding of the output to float32, so ~1e-6), and fits against the cpu sparse
 * fits and the dense SVD. Small shapes: the fake device emulates every thread. Skipped without a GPU.
 */
class CudaCsrTest {
    /** Relative agreement of float64 sums of ~10²–10³ terms taken in different orders. */
    private static final double SUMS = 1e-12;
    private static final int M = CudaDevice.FAKE ? 300 : 3000;
    private static final int N = 48;

    @BeforeAll
    static void requireDevice() {
        CudaDevice.assume();
    }

    /** Random sparse X (~density non-zeros; some columns with means far from 0, one empty row, one dense row). */
    private static double[][] sparse(SplittableRandom r, int m, int n, double density) {
        double[][] x = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                if (i == 7 || (i != 3 && r.nextDouble() < density)) {
                    x[i][j] = r.nextGaussian() * (1 + j % 3) + (j % 4 == 0 ? 5 : 0);
                }
            }
        }
        return x;
    }

    private static CsrMatrix csr(double[][] x, Precision p) {
        return dev.downhill.testing.TestData.csr(x, p);
    }

    private static SparseDataset sparseData(double[][] x, double[] y, double[] w, Precision p) {
        SparseDataset d = SparseDataset.of(csr(x, p), y);
        return w == null ? d : d.withWeights(w);
    }

    private static void close(double[] expected, double[] actual, double tolerance, String what) {
        double scale = 0;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertEquals(expected.length, actual.length, what);
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], actual[j], tolerance * Math.max(scale, 1e-300), what + " [" + j + "]");
        }
    }

    private record Data(double[][] x, double[] y, double[] w, double[] theta) {
    }

    private static Data data(long seed, boolean weighted) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = sparse(r, M, N, 0.12);
        double[] y = new double[M];
        double[] w = weighted ? new double[M] : null;
        for (int i = 0; i < M; i++) {
            y[i] = r.nextGaussian() * 3 + 1;
            if (weighted) {
                w[i] = i % 9 == 0 ? 0 : 2 * r.nextDouble();
            }
        }
        double[] theta = new double[N];
        for (int j = 0; j < N; j++) {
            theta[j] = r.nextGaussian();
        }
        return new Data(x, y, w, theta);
    }

    /** g and the two sums of one gradient pass of {@code p} at θ. */
    private static double[] gradient(ResidentProblem p, double[] theta, double b, double tau, double s, RowSlice slice) {
        try (BackendVector t = p.allocateVector(theta.length); BackendVector g = p.allocateVector(theta.length)) {
            t.copyFromHost(theta);
            ResidualSums sums = p.gradient(t, b, tau, s, slice, g);
            double[] out = java.util.Arrays.copyOf(g.copyToHost(), theta.length + 2);
            out[theta.length] = sums.sumOfSquares();
            out[theta.length + 1] = sums.sum();
            return out;
        }
    }

    @Test
    void everyPassAgreesWithTheCpuCsrProblemAndTheDenseProblemInFloat64() {
        for (boolean weighted : new boolean[] {false, true}) {
            Data t = data(31, weighted);
            String what = weighted ? "weighted " : "";
            try (SparseDataset sd = sparseData(t.x, t.y, t.w, Precision.FLOAT64);
                 Dataset dd = t.w == null ? Dataset.of(t.x, t.y) : Dataset.of(t.x, t.y, t.w);
                 ResidentProblem gpu = Backends.loadSparse(CudaBackend.NAME, sd, Precision.FLOAT64, BackendOptions.none());
                 ResidentProblem cpu = Backends.loadSparse("cpu", sd, Precision.FLOAT64, BackendOptions.builder().threads(2).build());
                 ResidentProblem dense = Backends.load("cpu", dd, Precision.FLOAT64, BackendOptions.builder().threads(1).build())) {
                assertTrue(gpu instanceof CudaCsrProblem && gpu.isSparse() && gpu.weighted() == weighted);
                assertTrue(((CudaCsrProblem) gpu).parts() > 1, "several partial gradients");
                assertEquals(cpu.weightSum(), gpu.weightSum(), 1e-13 * cpu.weightSum()); // Σw summed in another order
                // the gradient with an intercept and τ = 1, and the power-iteration product (τ = 0)
                for (double tau : new double[] {1, 0}) {
                    double[] g = gradient(gpu, t.theta, 0.7, tau, 2.0 / M, RowSlice.all());
                    close(gradient(cpu, t.theta, 0.7, tau, 2.0 / M, RowSlice.all()), g, SUMS, what + "gradient vs cpu CSR, τ " + tau);
                    close(gradient(dense, t.theta, 0.7, tau, 2.0 / M, RowSlice.all()), g, SUMS, what + "gradient vs dense, τ " + tau);
                    assertArrayEquals(g, gradient(gpu, t.theta, 0.7, tau, 2.0 / M, RowSlice.all()), what + "bit-identical rerun");
                }
                // a mini-batch through a row order (the sgd/minibatch path)
                long[] order = new long[M];
                for (int i = 0; i < M; i++) {
                    order[i] = (i * 37L) % M;
                }
                RowSlice slice = RowSlice.of(order, 11, 11 + 90);
                close(gradient(cpu, t.theta, -0.2, 1, 2.0 / 90, slice), gradient(gpu, t.theta, -0.2, 1, 2.0 / 90, slice), SUMS,
                        what + "mini-batch gradient");
                // column statistics and scales, the Gram pass, the extended residual, predictions
                close(dense.columnStatistics().means(), gpu.columnStatistics().means(), SUMS, what + "means");
                assertEquals(dense.columnStatistics().targetMean(), gpu.columnStatistics().targetMean(), 1e-13);
                for (boolean centred : new boolean[] {false, true}) {
                    close(dense.columnMeanSquaredDeviations(centred), gpu.columnMeanSquaredDeviations(centred), SUMS,
                            what + "deviations " + centred);
                    CrossProducts gc = cpu.crossProducts(centred);
                    CrossProducts gg = gpu.crossProducts(centred);
                    close(gc.gram(), gg.gram(), SUMS, what + "Gram " + centred);
                    close(gc.moment(), gg.moment(), SUMS, what + "Xᵀy " + centred);
                    close(dense.extendedResidual(centred).transposedResidual(t.theta),
                            gpu.extendedResidual(centred).transposedResidual(t.theta), 1e-14, what + "extended residual " + centred);
                }
                try (DoublePointer pc = new DoublePointer(M); DoublePointer pg = new DoublePointer(M)) {
                    cpu.predict(t.theta, 0.25, pc);
                    gpu.predict(t.theta, 0.25, pg);
                    double[] a = new double[M];
                    double[] b = new double[M];
                    pc.get(a);
                    pg.get(b);
                    close(a, b, SUMS, what + "predictions");
                }
            }
        }
    }

    @Test
    void float32PassesAgreeWithTheCpuCsrProblemToFloat32Rounding() {
        Data t = data(32, true);
        // float64 data loaded as float32 (the conversion path) on both backends
        try (SparseDataset sd = sparseData(t.x, t.y, t.w, Precision.FLOAT64);
             ResidentProblem gpu = Backends.loadSparse(CudaBackend.NAME, sd, Precision.FLOAT32, BackendOptions.none());
             ResidentProblem cpu = Backends.loadSparse("cpu", sd, Precision.FLOAT32, BackendOptions.builder().threads(1).build())) {
            assertEquals(Precision.FLOAT32, gpu.precision());
            // both sum the same float32 products in float64 (orders differ by ~1e-16 relative) and round g once to float32
            // (2^-24 ≈ 6e-8 of each value): 1e-6 of the largest value covers it with room
            close(gradient(cpu, t.theta, 0.7, 1, 2.0 / M, RowSlice.all()), gradient(gpu, t.theta, 0.7, 1, 2.0 / M, RowSlice.all()),
                    1e-6, "float32 gradient");
            close(cpu.columnMeanSquaredDeviations(true), gpu.columnMeanSquaredDeviations(true), SUMS, "float32 deviations");
        }
    }

    /**
     * cg to convergence against the dense SVD and the cpu sparse fit; gd and nesterov (standardized, intercept) for a fixed
     * number of steps against the cpu sparse fit — the same iterations from passes equal to ~1e-12, so the iterates agree
     * to far better than 1e-8 (the emulated device is too slow to run gd to convergence).
     */
    @Test
    void sparseFitsAgreeWithTheCpuBackendAndTheDenseSvd() {
        Data t = data(33, true);
        FitConfig svd = FitConfig.builder().solver(Solver.SVD).backend("cpu").build();
        double[] exact;
        try (Dataset dd = Dataset.of(t.x, t.y, t.w)) {
            exact = Compare.withIntercept(LinearRegression.fit(dd, svd));
        }
        for (Solver solver : new Solver[] {Solver.CG, Solver.GD, Solver.NESTEROV}) {
            boolean cg = solver == Solver.CG;
            FitConfig.Builder b = FitConfig.builder().solver(solver).tolerance(cg ? 1e-12 : 0).maxIterations(cg ? 500 : 25)
                    .standardize(true);
            try (SparseDataset sd = sparseData(t.x, t.y, t.w, Precision.FLOAT64)) {
                FittedModel onGpu = LinearRegression.fit(sd, b.backend(CudaBackend.NAME).build());
                FittedModel onCpu = LinearRegression.fit(sd, b.backend("cpu").build());
                assertEquals(CudaBackend.NAME, onGpu.backend());
                assertEquals(onCpu.iterations(), onGpu.iterations(), solver + " iterations");
                double[] g = Compare.withIntercept(onGpu);
                Compare.assertClose(g, Compare.withIntercept(onCpu), 1e-8, solver + " cuda vs cpu sparse");
                if (cg) {
                    Compare.assertClose(g, exact, 1e-8, solver + " cuda sparse vs dense svd");
                }
            }
        }
    }

    /**
     * The atomic strategy: the same sums as the fused kernel in another order (float64 atomics), so equal to ~1e-12 of the
     * magnitudes, full passes and mini-batches; a cg fit with it agrees with the cpu sparse fit.
     */
    @Test
    void theAtomicStrategyAgreesWithTheFusedKernelAndTheCpuFit() {
        Data t = data(35, true);
        BackendOptions atomic = BackendOptions.builder().cudaKernel("atomic").build();
        try (SparseDataset sd = sparseData(t.x, t.y, t.w, Precision.FLOAT64);
             ResidentProblem fused = Backends.loadSparse(CudaBackend.NAME, sd, Precision.FLOAT64, BackendOptions.none());
             ResidentProblem atomics = Backends.loadSparse(CudaBackend.NAME, sd, Precision.FLOAT64, atomic)) {
            assertTrue(atomics.description().contains("atomics") && fused.description().contains("deterministic"),
                    atomics.description());
            close(gradient(fused, t.theta, 0.4, 1, 2.0 / M, RowSlice.all()), gradient(atomics, t.theta, 0.4, 1, 2.0 / M,
                    RowSlice.all()), SUMS, "atomic gradient");
            long[] order = new long[M];
            for (int i = 0; i < M; i++) {
                order[M - 1 - i] = i;
            }
            RowSlice slice = RowSlice.of(order, 5, 5 + 64);
            close(gradient(fused, t.theta, 0.4, 1, 2.0 / 64, slice), gradient(atomics, t.theta, 0.4, 1, 2.0 / 64, slice), SUMS,
                    "atomic mini-batch gradient");
        }
        FitConfig.Builder b = FitConfig.builder().solver(Solver.CG).tolerance(1e-12).maxIterations(500);
        try (SparseDataset sd = sparseData(t.x, t.y, t.w, Precision.FLOAT64)) {
            FittedModel onGpu = LinearRegression.fit(sd, b.backend(CudaBackend.NAME).backendOptions(atomic).build());
            FittedModel onCpu = LinearRegression.fit(sd, b.backend("cpu").backendOptions(BackendOptions.none()).build());
            Compare.assertClose(Compare.withIntercept(onGpu), Compare.withIntercept(onCpu), 1e-8, "atomic cg vs cpu sparse");
        }
    }

    /**
     * The cusparse strategy (two cuSPARSE SpMV calls, the vendor baseline): float64 full passes equal the fused kernel's
     * to ~1e-12 of the magnitudes (the same float64 products summed in another order); float32 to 1e-5 (cuSPARSE sums in
     * float32 on a real device, and the residual is rounded to float32 between the two products: ~1e-7 per operation over
     * ~10² terms); mini-batch slices run the fused CSR kernel, bit for bit; a cg fit agrees with the cpu sparse fit.
     */
    @Test
    void theCusparseStrategyAgreesWithTheFusedKernelAndTheCpuFit() {
        Data t = data(36, true);
        BackendOptions vendor = BackendOptions.builder().cudaKernel("cusparse").build();
        for (Precision p : Precision.values()) {
            try (SparseDataset sd = sparseData(t.x, t.y, t.w, p);
                 ResidentProblem fused = Backends.loadSparse(CudaBackend.NAME, sd, p, BackendOptions.none());
                 ResidentProblem spmv = Backends.loadSparse(CudaBackend.NAME, sd, p, vendor)) {
                assertTrue(spmv.description().contains("cuSPARSE SpMV twice"), spmv.description());
                close(gradient(fused, t.theta, 0.4, 1, 2.0 / M, RowSlice.all()), gradient(spmv, t.theta, 0.4, 1, 2.0 / M,
                        RowSlice.all()), p == Precision.FLOAT64 ? SUMS : 1e-5, "cusparse gradient " + p);
                long[] order = new long[M];
                for (int i = 0; i < M; i++) {
                    order[(i * 7) % M] = i;
                }
                RowSlice slice = RowSlice.of(order, 3, 3 + 40);
                assertArrayEquals(gradient(fused, t.theta, 0.4, 1, 2.0 / 40, slice), gradient(spmv, t.theta, 0.4, 1, 2.0 / 40, slice),
                        "cusparse mini-batch gradient (the fused CSR kernel) " + p);
            }
        }
        FitConfig.Builder b = FitConfig.builder().solver(Solver.CG).tolerance(1e-12).maxIterations(500);
        try (SparseDataset sd = sparseData(t.x, t.y, t.w, Precision.FLOAT64)) {
            FittedModel onGpu = LinearRegression.fit(sd, b.backend(CudaBackend.NAME).backendOptions(vendor).build());
            FittedModel onCpu = LinearRegression.fit(sd, b.backend("cpu").backendOptions(BackendOptions.none()).build());
            Compare.assertClose(Compare.withIntercept(onGpu), Compare.withIntercept(onCpu), 1e-8, "cusparse cg vs cpu sparse");
        }
    }

    /**
     * SGD epochs on sparse X without an l1 term run lazily on the host copy of the CSR (a step costs the batch's entries,
     * not n): θ, the last gradient and Σwr² agree with the per-batch loop on the device to float64 rounding accumulated
     * over 3 epochs (relative 1e-10; float32: the per-batch loop rounds θ to float32 at every vector operation and the lazy
     * epoch only at the end, so 1e-4), B = 1 and 7, with the intercept, standardization and weights, and with an l2 term
     * on unstandardized X; an l1 term keeps the per-batch loop.
     */
    @Test
    void sparseEpochsRunLazilyOnTheHostAndAgreeWithThePerBatchLoop() {
        Data t = data(37, true);
        java.util.function.LongToDoubleFunction rates = s -> 0.002;
        for (Precision p : Precision.values()) {
            for (int variant = 0; variant < 3; variant++) {
                boolean standardize = variant == 0;
                Penalty penalty = variant == 0 ? Penalty.none() : variant == 1 ? Penalty.l2(0.05) : Penalty.elasticNet(0.02, 0.5);
                for (int batch : new int[] {1, 7}) {
                    try (SparseDataset sd = sparseData(t.x, t.y, t.w, p);
                         CudaCsrProblem problem = (CudaCsrProblem) Backends.loadSparse(CudaBackend.NAME, sd, p, BackendOptions.none());
                         dev.downhill.internal.CentredObjective objective = new dev.downhill.internal.CentredObjective(problem, true,
                                 standardize, penalty, true);
                         BackendVector theta1 = problem.allocateVector(N); BackendVector g1 = problem.allocateVector(N);
                         BackendVector theta2 = problem.allocateVector(N); BackendVector g2 = problem.allocateVector(N)) {
                        StochasticEpoch base = objective.epochBuilder(EpochRows.of(3, 0, M, M, 8), batch).steps(0, rates).build();
                        String what = p + " " + penalty + " standardize=" + standardize + " B=" + batch;
                        long steps = 0;
                        for (int e = 0; e < 3; e++) {
                            StochasticEpoch plan = base.next(e, steps, rates);
                            StochasticEpoch.EpochSums lazy = problem.epoch(plan, theta1, g1);
                            StochasticEpoch.EpochSums perBatch = StochasticEpoch.runPerBatch(problem, plan, theta2, g2);
                            assertEquals(perBatch.steps(), lazy.steps(), what);
                            double tolerance = p == Precision.FLOAT64 ? 1e-10 : 1e-4;
                            assertEquals(perBatch.sumOfSquares(), lazy.sumOfSquares(), tolerance * perBatch.sumOfSquares(), what);
                            close(theta2.copyToHost(), theta1.copyToHost(), tolerance, what + " θ after epoch " + e);
                            steps += lazy.steps();
                        }
                        assertEquals(variant == 2 ? 0 : 3, problem.lazyEpochs(), what + ": lazy epochs");
                    }
                }
            }
        }
    }

    @Test
    void refusesAMatrixOverTheBudgetAndTheCublasStrategy() {
        Data t = data(34, false);
        try (SparseDataset sd = sparseData(t.x, t.y, null, Precision.FLOAT64)) {
            long need;
            try (ResidentProblem p = Backends.loadSparse(CudaBackend.NAME, sd, Precision.FLOAT64, BackendOptions.none())) {
                need = ((CudaCsrProblem) p).deviceBytes();
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.loadSparse(CudaBackend.NAME, sd,
                    Precision.FLOAT64, BackendOptions.builder().deviceMemoryBudget(Long.toString(need - 1)).build()));
            assertTrue(e.getMessage().contains("does not fit the device memory budget") && e.getMessage().contains(
                    String.format(java.util.Locale.ROOT, "%,d", need)) && !e.getMessage().contains("\n"), e.getMessage());
            try (ResidentProblem p = Backends.loadSparse(CudaBackend.NAME, sd, Precision.FLOAT64,
                    BackendOptions.builder().deviceMemoryBudget(Long.toString(need)).build())) {
                assertEquals(need, ((CudaCsrProblem) p).deviceBytes());
            }
            IllegalArgumentException c = assertThrows(IllegalArgumentException.class, () -> Backends.loadSparse(CudaBackend.NAME,
                    sd, Precision.FLOAT64, BackendOptions.builder().cudaKernel("cublas").build()));
            assertTrue(c.getMessage().contains("dense X only"), c.getMessage());
            try (Dataset dense = Dataset.of(t.x, t.y)) {
                IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> Backends.load(CudaBackend.NAME,
                        dense, Precision.FLOAT64, BackendOptions.builder().cudaKernel("atomic").build()));
                assertTrue(d.getMessage().contains("sparse X only"), d.getMessage());
                IllegalArgumentException v = assertThrows(IllegalArgumentException.class, () -> Backends.load(CudaBackend.NAME,
                        dense, Precision.FLOAT64, BackendOptions.builder().cudaKernel("cusparse").build()));
                assertTrue(v.getMessage().contains("cusparse applies to sparse X only"), v.getMessage());
            }
        }
    }

    @Test
    void partsAndBoundsSplitTheNonZerosEvenly() {
        // P: ≤ 1024, ≤ m, ≤ CSR bytes / 8n
        assertEquals(1024, CudaCsrProblem.parts(2_000_000, 1000, 1L << 34));
        assertEquals(5, CudaCsrProblem.parts(5, 10, 1L << 20));
        assertEquals(122, CudaCsrProblem.parts(2_000_000, 1_000_000, 976_000_000L));
        assertEquals(1, CudaCsrProblem.parts(100, 1_000_000, 1000));
        assertEquals(64, CudaCsrProblem.threads(10, 600));
        assertEquals(32, CudaCsrProblem.threads(10, 3));
        assertEquals(256, CudaCsrProblem.threads(10, 100_000));
        long[] pointers = {0, 10, 10, 10, 40, 41, 100};
        try (org.bytedeco.javacpp.LongPointer p = new org.bytedeco.javacpp.LongPointer(pointers)) {
            // targets 33 and 66: the first rows whose pointers reach them are 4 (40) and 6 (100); part 2 is empty
            assertArrayEquals(new long[] {0, 4, 6, 6}, CudaCsrProblem.balancedBounds(p, 6, 3));
        }
    }
}
