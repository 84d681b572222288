package dev.downhill.cpu;

import dev.downhill.testing.BackendContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The backend contract again with the OpenBLAS blocked kernel (the fallback when the native kernel cannot load). */
class CpuBlasKernelContractTest extends BackendContract {
    @BeforeAll
    static void useBlasKernel() {
        System.setProperty(GradientStrategy.PROPERTY, "blas");
    }

    @AfterAll
    static void restoreDefault() {
        System.clearProperty(GradientStrategy.PROPERTY);
    }

    @Override
    protected String backendName() {
        return "cpu";
    }
}
