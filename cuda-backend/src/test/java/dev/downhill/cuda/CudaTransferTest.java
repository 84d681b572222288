package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.LoadedProblem;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.Backends;
import dev.downhill.Solver;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.testing.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What moves between host and device (skipped without a GPU). */
class CudaTransferTest {
    @BeforeAll
    static void requireDevice() {
        CudaDevice.assume();
    }

    @Test
    void aFullBatchIterationMovesAtMost64Bytes() {
        TestData t = TestData.gaussian(3000, 40, TestData.ramp(40), 1, 0.5, 41);
        for (String strategy : new String[] {"fused", "cublas"}) {
            BackendOptions options = BackendOptions.builder().cudaKernel(strategy).build();
            try (Dataset d = Dataset.of(t.x, t.y);
                 ResidentProblem resident = Backends.load(CudaBackend.NAME, d, null, options);
                 LoadedProblem p = LoadedProblem.of(resident, d, options)) {
                CudaProblem problem = (CudaProblem) resident;
                long uploaded = problem.bytesTransferred();
                assertEquals(3000L * 40 * 8 + 3000L * 8, uploaded, "X and y uploaded once (float64)");
                FitConfig.Builder c = FitConfig.builder().solver(Solver.GD).learningRate(0.01).tolerance(0).fitIntercept(false);
                long before = problem.bytesTransferred();
                FittedModel ten = LinearRegression.fit(p, c.maxIterations(10).build());
                long afterTen = problem.bytesTransferred();
                FittedModel forty = LinearRegression.fit(p, c.maxIterations(40).build());
                long afterForty = problem.bytesTransferred();
                double perIteration = ((afterForty - afterTen) - (afterTen - before)) / 30.0;
                assertTrue(perIteration <= 64, strategy + ": " + perIteration + " bytes per iteration");
                assertEquals(10, ten.iterations());
                assertEquals(40, forty.iterations());
            }
        }
    }

    @Test
    void fusedAndCublasStrategiesAgree() {
        TestData t = TestData.gaussian(1500, 300, TestData.ramp(300), 1, 0.5, 42);
        double[][] results = new double[2][];
        String[] strategies = {"fused", "cublas"};
        for (int k = 0; k < 2; k++) {
            try (Dataset d = Dataset.of(t.x, t.y)) {
                results[k] = LinearRegression.fit(d, FitConfig.builder().backend(CudaBackend.NAME).solver(Solver.GD)
                        .backendOptions(BackendOptions.builder().cudaKernel(strategies[k]).build())
                        .maxIterations(30).tolerance(0).build()).coefficients();
            }
        }
        assertArrayEquals(results[1], results[0], 1e-9 * 300, "fused vs cuBLAS (float64, 30 steps)");
    }
}
