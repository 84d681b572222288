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

    /**
     * The staged kernel (X through shared memory) is the fused kernel's arithmetic: the same model bit for bit, for full
     * passes (gd: the staged kernel) and slices (minibatch: both strategies run the register kernel's device epoch),
     * float32 and float64, one block per row (n = 50) and clusters of 2 blocks whose stages need more than 48 KiB of
     * shared memory (n = 8,000 float32: 2 stages of 4 rows, 128 KiB, through the function attribute).
     */
    @Test
    void theStagedKernelGivesTheFusedKernelsBits() {
        for (int n : new int[] {50, 8_000}) {
            TestData t = TestData.gaussian(n == 50 ? 700 : 24, n, TestData.ramp(n), 1, 0.5, 43);
            for (dev.downhill.Precision precision : dev.downhill.Precision.values()) {
                if (n == 8_000 && precision == dev.downhill.Precision.FLOAT64) {
                    continue; // the same code at twice the emulation time
                }
                for (Solver solver : new Solver[] {Solver.GD, Solver.MINIBATCH}) {
                    double[][] theta = new double[2][];
                    double[] intercept = new double[2];
                    String[] strategies = {"fused", "staged"};
                    for (int k = 0; k < 2; k++) {
                        BackendOptions options = BackendOptions.builder().cudaKernel(strategies[k]).build();
                        try (Dataset d = Dataset.of(t.x, t.y);
                             ResidentProblem resident = Backends.load(CudaBackend.NAME, d, precision, options);
                             LoadedProblem p = LoadedProblem.of(resident, d, options)) {
                            FusedShape shape = ((CudaProblem) resident).shape();
                            assertEquals(k == 1, shape.stages() > 0, strategies[k] + ": " + shape);
                            assertEquals(0, ((CudaProblem) resident).registerShape().stages(), "slices and epochs: registers");
                            if (k == 1 && n == 8_000) {
                                assertEquals(2, shape.cluster(), shape.toString());
                                assertTrue(shape.dynamicSharedBytes(precision) > 48 * 1024, shape.toString());
                            }
                            FittedModel m = LinearRegression.fit(p, FitConfig.builder().solver(solver).learningRate(1e-3)
                                    .batchSize(7).maxIterations(solver == Solver.GD ? 5 : 2).tolerance(0).build());
                            if (solver == Solver.GD) { // the full passes ran the strategy's kernel, not the other
                                FusedShape ran = ((CudaProblem) resident).lastFullPassShape();
                                assertEquals(k == 1, ran != null && ran.stages() > 0, strategies[k] + " ran " + ran);
                            }
                            if (solver == Solver.MINIBATCH && n == 50) {
                                assertTrue(((CudaProblem) resident).ranEpochOnDevice(), strategies[k] + ": the device epoch");
                            }
                            theta[k] = m.coefficients();
                            intercept[k] = m.intercept();
                        }
                    }
                    String what = solver + " " + precision + " n = " + n;
                    assertArrayEquals(theta[0], theta[1], 0.0, what);
                    assertEquals(intercept[0], intercept[1], 0.0, what);
                }
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
