package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.LoadedProblem;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.Backends;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.testing.TestData;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * X over the device memory budget: leading chunks resident, the rest streamed each pass; the fit is
 * the same bit for bit as with every chunk resident (same chunk cut, sums in chunk order). A tiny
 * budget and 64 KiB chunks force streaming on small data. Skipped without a GPU.
 */
class CudaStreamingTest {
    private static final String CHUNK = "64k";
    private static final long CHUNK_BYTES = 64 << 10;
    /** Rows: 6000 on a GPU; 1500 on the fake device (a host emulation, milliseconds per launch) — still 8 chunks. */
    private static final int ROWS = CudaDevice.FAKE ? 1500 : 6000;

    @BeforeAll
    static void requireDevice() {
        CudaDevice.assume();
    }

    /** The kernel of the current test, passed in the backend options. */
    private static String kernel = "fused";

    @AfterEach
    void clear() {
        kernel = "fused";
    }

    /**
     * A budget that leaves room for the work buffers, the two streaming buffers and one resident chunk:
     * streaming is forced whatever the device's cluster count (which sizes the work buffers).
     */
    private static String streamingBudget(Dataset d, Precision p) {
        long work = withProblem(d, p, null, problem -> ((CudaProblem) problem).workBytes());
        return Long.toString(work + 3 * CHUNK_BYTES + 1024);
    }

    private static <T> T withProblem(Dataset d, Precision p, String budget, Function<ResidentProblem, T> body) {
        BackendOptions.Builder options = BackendOptions.builder().chunkBytes(CHUNK).cudaKernel(kernel);
        if (budget != null) {
            options.deviceMemoryBudget(budget);
        }
        try (ResidentProblem problem = Backends.load(CudaBackend.NAME, d, p, options.build())) {
            return body.apply(problem);
        }
    }

    /** A public-API fit of a problem loaded through the SPI. */
    private static FittedModel fit(ResidentProblem problem, FitConfig config) {
        return LinearRegression.fit(LoadedProblem.of(problem, null, BackendOptions.none()), config);
    }

    @ParameterizedTest
    @EnumSource(names = {"FUSED", "CUBLAS"})
    void streamedAndResidentFitsAgreeBitForBit(CudaGradientStrategy strategy) {
        kernel = strategy.name().toLowerCase();
        TestData t = TestData.gaussian(ROWS, 40, TestData.ramp(40), 1, 0.5, 51);
        for (Precision p : Precision.values()) {
            for (Solver solver : new Solver[] {Solver.GD, Solver.CG, Solver.MINIBATCH, Solver.NORMAL}) {
                FitConfig config = FitConfig.builder().solver(solver).tolerance(0).maxIterations(solver == Solver.MINIBATCH ? 2 : 25)
                        .batchSize(64).seed(3).build();
                try (Dataset d = Dataset.of(t.x, t.y)) {
                    FittedModel resident = withProblem(d, p, null, problem -> {
                        assertTrue(((CudaProblem) problem).deviceRows().allResident());
                        return fit(problem, config);
                    });
                    FittedModel streamed = withProblem(d, p, streamingBudget(d, p), problem -> {
                        DeviceRows rows = ((CudaProblem) problem).deviceRows();
                        assertTrue(rows.residentChunks() < rows.chunks(), "streaming forced: " + rows.residentChunks() + " of " + rows.chunks());
                        return fit(problem, config);
                    });
                    String what = strategy + " " + p + " " + solver;
                    assertArrayEquals(resident.coefficients(), streamed.coefficients(), 0.0, what);
                    assertEquals(resident.intercept(), streamed.intercept(), 0.0, what);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"FUSED"})
    void theSvdRefusesStreamedDataAndABudgetBelowTheBuffersIsAnError(CudaGradientStrategy strategy) {
        TestData t = TestData.gaussian(ROWS, 40, TestData.ramp(40), 1, 0.5, 52);
        try (Dataset d = Dataset.of(t.x, t.y)) {
            String budget = streamingBudget(d, Precision.FLOAT64);
            IllegalStateException svd = assertThrows(IllegalStateException.class, () -> withProblem(d, Precision.FLOAT64, budget,
                    problem -> fit(problem, FitConfig.builder().solver(Solver.SVD).build())));
            assertTrue(svd.getMessage().contains("streamed"), svd.getMessage());
            IllegalStateException tiny = assertThrows(IllegalStateException.class,
                    () -> withProblem(d, Precision.FLOAT64, "1k", problem -> null));
            assertTrue(tiny.getMessage().contains("budget"), tiny.getMessage());
        }
    }
}
