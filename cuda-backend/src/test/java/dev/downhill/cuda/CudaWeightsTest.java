package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.LoadedProblem;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.Backends;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.testing.Compare;
import dev.downhill.testing.TestData;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Sample weights on the device when X is streamed: the weights are indexed per chunk (full passes), per gathered
 * row (mini-batches over streamed rows) and per converted row block (the Gram pass), so a streamed weighted fit
 * must equal the resident one bit for bit, and agree with the cpu backend. Skipped without a GPU.
 */
class CudaWeightsTest {
    private static final long CHUNK_BYTES = 64 << 10;
    /** 6000 rows on a GPU; 800 on the fake device (milliseconds per emulated launch) — 4 chunks of 64 KiB, 1 resident. */
    private static final int ROWS = CudaDevice.FAKE ? 800 : 6000;

    @BeforeAll
    static void requireDevice() {
        CudaDevice.assume();
    }

    private static <T> T withProblem(Dataset d, String kernel, String budget, Function<ResidentProblem, T> body) {
        BackendOptions.Builder options = BackendOptions.builder().chunkBytes("64k").cudaKernel(kernel);
        if (budget != null) {
            options.deviceMemoryBudget(budget);
        }
        try (ResidentProblem problem = Backends.load(CudaBackend.NAME, d, Precision.FLOAT64, options.build())) {
            return body.apply(problem);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"FUSED", "CUBLAS"})
    void streamedWeightedFitsEqualResidentOnesAndTheCpuBackend(CudaGradientStrategy strategy) {
        String kernel = strategy.name().toLowerCase();
        TestData t = TestData.gaussian(ROWS, 40, TestData.ramp(40), 1, 0.5, 53);
        double[] w = new double[ROWS];
        SplittableRandom r = new SplittableRandom(54);
        for (int i = 0; i < ROWS; i++) {
            w[i] = i % 5 == 0 ? 0 : 3 * r.nextDouble();
        }
        // the Gram pass and mini-batches do not depend on the gradient strategy: cuBLAS runs gd only (the fake device's
        // emulated cuBLAS strategy is slow)
        Solver[] solvers = strategy == CudaGradientStrategy.FUSED ? new Solver[] {Solver.GD, Solver.MINIBATCH, Solver.NORMAL}
                : new Solver[] {Solver.GD};
        for (Solver solver : solvers) {
            FitConfig config = FitConfig.builder().solver(solver).tolerance(0).maxIterations(solver == Solver.MINIBATCH ? 1 : 5)
                    .batchSize(CudaDevice.FAKE ? 200 : 64).seed(3)
                    .learningRate(0.01).build(); // a fixed η: no power iteration (dozens of emulated passes)
            try (Dataset d = Dataset.of(t.x, t.y, w)) {
                long work = withProblem(d, kernel, null, problem -> ((CudaProblem) problem).workBytes());
                String budget = Long.toString(work + 3 * CHUNK_BYTES + 1024);
                FittedModel resident = withProblem(d, kernel, null, problem -> {
                    assertTrue(problem.weighted() && ((CudaProblem) problem).deviceRows().allResident());
                    return LinearRegression.fit(LoadedProblem.of(problem, d, BackendOptions.none()), config);
                });
                FittedModel streamed = withProblem(d, kernel, budget, problem -> {
                    DeviceRows rows = ((CudaProblem) problem).deviceRows();
                    assertTrue(rows.residentChunks() < rows.chunks(), "streaming forced");
                    return LinearRegression.fit(LoadedProblem.of(problem, d, BackendOptions.none()), config);
                });
                String what = strategy + " " + solver;
                assertArrayEquals(resident.coefficients(), streamed.coefficients(), 0.0, what);
                assertEquals(resident.intercept(), streamed.intercept(), 0.0, what);
                FittedModel cpu = LinearRegression.fit(d, config.toBuilder().backend("cpu").build());
                // the same iterations in float64 on both backends: only summation order differs
                Compare.assertClose(Compare.withIntercept(resident), Compare.withIntercept(cpu), 1e-10, what + " vs cpu");
            }
        }
    }
}
