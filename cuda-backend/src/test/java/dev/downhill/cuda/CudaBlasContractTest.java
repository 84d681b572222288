package dev.downhill.cuda;

import dev.downhill.testing.BackendContract;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** The backend contract on the CUDA backend with the cuBLAS two-gemv strategy (skipped without a GPU). */
@ExtendWith(SlowUnderTheFakeDevice.class)
class CudaBlasContractTest extends BackendContract {
    @BeforeAll
    static void requireDevice() {
        CudaDevice.assume();
    }

    /** cuBLAS through the backend options (no system property). */
    @Override
    protected dev.downhill.FitConfig.Builder config(dev.downhill.Solver solver) {
        return super.config(solver).backendOptions(dev.downhill.spi.BackendOptions.builder().cudaKernel("cublas").build());
    }

    @Override
    protected String backendName() {
        return CudaBackend.NAME;
    }
}
