package dev.downhill.cuda;

import dev.downhill.testing.BackendContract;
import org.junit.jupiter.api.BeforeAll;

/** The backend contract on the CUDA backend with the fused kernel (skipped without a GPU). */
class CudaBackendContractTest extends BackendContract {
    @BeforeAll
    static void requireDevice() {
        CudaDevice.assume();
    }

    @Override
    protected String backendName() {
        return CudaBackend.NAME;
    }
}
