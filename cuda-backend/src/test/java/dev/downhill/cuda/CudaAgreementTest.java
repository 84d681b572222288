package dev.downhill.cuda;

import static dev.downhill.testing.Compare.assertClose;
import static dev.downhill.testing.Compare.withIntercept;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU and the GPU agree after the same fixed number of iterations, for every solver and both
 * precisions: float32 to a relative 1e-4 (the two backends sum in different orders, each step's
 * float32 rounding differs at 1e-7 relative, and 50–6000 steps let it walk), float64 to 1e-10.
 * Shapes cover the fused kernel's shapes: narrow rows (16 columns: 32-thread blocks, 16 rows per
 * barrier), 1000 columns (8 rows per barrier) and 9000 columns (clusters of 2 blocks).
 */
class CudaAgreementTest {
    @BeforeAll
    static void requireDevice() {
        CudaDevice.assume();
    }

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Precision p : Precision.values()) {
            for (Solver s : Solver.values()) {
                list.add(Arguments.of(s, p, 2000, 16));
            }
            list.add(Arguments.of(Solver.GD, p, 500, 1000));
            list.add(Arguments.of(Solver.MINIBATCH, p, 500, 1000));
            // Under the fake device (a host emulation, see src/test/fake-cuda) the 9000-column case takes
            // over a minute at 300 rows: 64 rows still run the clusters of 2 blocks.
            list.add(Arguments.of(Solver.GD, p, CudaDevice.FAKE ? 64 : 300, 9000));
            // The wide SVD case (QR of [X|y], then the SVD of R through its transpose): under the fake device the
            // float64 QR and one-sided Jacobi SVD are host reference code, ~15 s at 300 × 1200; 120 × 480 is as wide.
            list.add(Arguments.of(Solver.SVD, p, CudaDevice.FAKE ? 120 : 300, CudaDevice.FAKE ? 480 : 1200));
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}×{3}")
    @MethodSource("cases")
    void cpuAndGpuAgree(Solver solver, Precision precision, int rows, int cols) {
        TestData t = TestData.gaussian(rows, cols, TestData.ramp(cols), 1.5, 0.5, 31 + cols);
        FitConfig.Builder b = FitConfig.builder().solver(solver).precision(precision).tolerance(0).seed(7);
        switch (solver) {
            case GD, NESTEROV -> b.maxIterations(50);
            case CG -> b.maxIterations(8);
            case SGD -> b.maxIterations(3).learningRate(0.002);
            case MINIBATCH -> b.maxIterations(5).batchSize(32).learningRate(0.01);
            case CD -> b.maxIterations(50).penalty(dev.downhill.Penalty.l1(0.01)); // cd fits l1 only: the Gram pass on both
            default -> { }
        }
        FittedModel cpu;
        FittedModel gpu;
        try (Dataset d = Dataset.of(t.x, t.y)) {
            cpu = LinearRegression.fit(d, b.backend("cpu").build());
            gpu = LinearRegression.fit(d, b.backend(CudaBackend.NAME).build());
        }
        double tolerance = precision == Precision.FLOAT32 ? 1e-4 : 1e-10;
        assertClose(withIntercept(gpu), withIntercept(cpu), tolerance, solver + " " + precision + " cuda vs cpu");
    }

    /**
     * With {@code cudaKernel("cublas")} only full passes run on cuBLAS: sgd and mini-batch steps still run the fused kernel
     * through the row order, so a stochastic fit (whose steps are all slices; its full passes only measure y and the start)
     * gives the fused strategy's model bit for bit, and the problem says which runs what.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("stochastic")
    void theCublasStrategyRunsSlicesOnTheFusedKernel(Solver solver, Precision precision) {
        TestData t = TestData.gaussian(400, 24, TestData.ramp(24), 1.5, 0.5, 77);
        FitConfig.Builder b = FitConfig.builder().solver(solver).precision(precision).tolerance(0).seed(3).backend(CudaBackend.NAME)
                .maxIterations(2).batchSize(solver == Solver.SGD ? 1 : 16).learningRate(0.005);
        try (Dataset d = Dataset.of(t.x, t.y)) {
            FittedModel fused = LinearRegression.fit(d, b.backendOptions(dev.downhill.spi.BackendOptions.builder().cudaKernel("fused").build()).build());
            FittedModel cublas = LinearRegression.fit(d, b.backendOptions(dev.downhill.spi.BackendOptions.builder().cudaKernel("cublas").build()).build());
            org.junit.jupiter.api.Assertions.assertArrayEquals(fused.coefficients(), cublas.coefficients(), 0.0,
                    solver + " " + precision + ": the same slices, the same kernel");
            org.junit.jupiter.api.Assertions.assertEquals(fused.intercept(), cublas.intercept(), 0.0);
        }
        try (Dataset d = Dataset.of(t.x, t.y); // converted to the precision by the problem
             CudaProblem p = new CudaProblem(d, precision, CudaGradientStrategy.CUBLAS, dev.downhill.spi.BackendOptions.none())) {
            org.junit.jupiter.api.Assertions.assertTrue(p.description().contains("cuBLAS for full passes, fused kernel for mini-batches"),
                    p.description());
        }
    }

    /**
     * The coefficients' standard errors, t- and p-values (normal and svd, float64, weighted or not) on the GPU are the cpu
     * backend's: the Gram/QR passes, the factor the inverse-Gram diagonal is read from and the residual pass all run on the
     * device. Both are float64 sums of the same terms in other orders, on X with κ ~ 10, so they agree to ~1e-13 relative;
     * 1e-10 leaves room. A p-value's relative error is about t²·(the t-value's relative error): the bound scales by t².
     */
    @ParameterizedTest(name = "{0} weighted {1}")
    @MethodSource("inferenceCases")
    void standardErrorsAgreeWithTheCpuBackend(Solver solver, boolean weighted) {
        TestData t = TestData.gaussian(600, 12, TestData.ramp(12), 1.5, 3, 57);
        double[] w = new double[600];
        java.util.SplittableRandom r = new java.util.SplittableRandom(8);
        for (int i = 0; i < w.length; i++) {
            w[i] = weighted ? 0.2 + 3 * r.nextDouble() : 1;
        }
        FitConfig.Builder b = FitConfig.builder().solver(solver).precision(Precision.FLOAT64).standardErrors(true);
        dev.downhill.CoefficientInference cpu;
        dev.downhill.CoefficientInference gpu;
        try (Dataset d = weighted ? Dataset.of(t.x, t.y, w) : Dataset.of(t.x, t.y)) {
            cpu = LinearRegression.fit(d, b.backend("cpu").build()).inference().orElseThrow();
            gpu = LinearRegression.fit(d, b.backend(CudaBackend.NAME).build()).inference().orElseThrow();
        }
        String what = solver + (weighted ? " weighted" : "") + " cuda vs cpu: ";
        org.junit.jupiter.api.Assertions.assertEquals(cpu.degreesOfFreedom(), gpu.degreesOfFreedom(), what + "ν");
        relative(cpu.residualVariance(), gpu.residualVariance(), 1e-10, what + "σ̂²");
        relative(cpu.interceptStandardError(), gpu.interceptStandardError(), 1e-10, what + "SE(b)");
        for (int j = 0; j < 12; j++) {
            relative(cpu.standardErrors()[j], gpu.standardErrors()[j], 1e-10, what + "SE" + j);
            relative(cpu.tValues()[j], gpu.tValues()[j], 1e-10, what + "t" + j);
            double tSquared = Math.max(1, cpu.tValues()[j] * cpu.tValues()[j]);
            relative(cpu.pValues()[j], gpu.pValues()[j], 1e-10 * tSquared, what + "p" + j);
        }
    }

    private static void relative(double expected, double actual, double tolerance, String what) {
        org.junit.jupiter.api.Assertions.assertTrue(expected > 0 || expected < 0, what + ": " + expected + " (cpu) is not a number ≠ 0");
        org.junit.jupiter.api.Assertions.assertEquals(expected, actual, tolerance * Math.abs(expected), what);
    }

    static Stream<Arguments> inferenceCases() {
        return Stream.of(Arguments.of(Solver.NORMAL, false), Arguments.of(Solver.NORMAL, true),
                Arguments.of(Solver.SVD, false), Arguments.of(Solver.SVD, true));
    }

    static Stream<Arguments> stochastic() {
        List<Arguments> list = new ArrayList<>();
        for (Precision p : Precision.values()) {
            list.add(Arguments.of(Solver.SGD, p));
            list.add(Arguments.of(Solver.MINIBATCH, p));
        }
        return list.stream();
    }
}
