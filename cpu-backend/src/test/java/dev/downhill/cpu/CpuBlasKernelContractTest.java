package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.LinearRegression;
import dev.downhill.LoadedProblem;
import dev.downhill.Solver;
import dev.downhill.spi.BackendOptions;
import dev.downhill.testing.BackendContract;
import org.junit.jupiter.api.Test;

/**
 * The backend contract again with the OpenBLAS blocked kernel (the fallback when the native kernel cannot load),
 * chosen through the backend options — no system property is set.
 */
class CpuBlasKernelContractTest extends BackendContract {
    @Override
    protected String backendName() {
        return "cpu";
    }

    @Override
    protected FitConfig.Builder config(Solver solver) {
        return super.config(solver).backendOptions(BackendOptions.builder().cpuKernel("blas").build());
    }

    @Test
    void theKernelComesFromTheOptions() {
        assertNull(System.getProperty(GradientStrategy.PROPERTY), "no property involved");
        try (Dataset d = Dataset.of(new double[][] {{1}, {2}, {3}}, new double[] {1, 2, 3});
             LoadedProblem blas = LinearRegression.load(d, config(Solver.GD).threads(1).build());
             LoadedProblem standard = LinearRegression.load(d, super.config(Solver.GD).threads(1).build())) {
            assertTrue(blas.description().contains("OpenBLAS blocked kernel"), blas.description());
            assertEquals("blas", blas.options().setting(BackendOptions.CPU_KERNEL).orElseThrow());
            assertTrue(standard.description().contains(GradientStrategy.probeNative() == null ? "native single-pass" : "OpenBLAS"),
                    standard.description());
            assertTrue(blas.description().startsWith("1 thread,"), blas.description());
        }
    }
}
