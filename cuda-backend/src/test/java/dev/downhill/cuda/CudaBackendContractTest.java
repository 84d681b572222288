package dev.downhill.cuda;

import dev.downhill.testing.BackendContract;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The backend contract on the CUDA backend with the fused kernel (skipped without a GPU; under the fake
 * device without its SGD tests, see {@link SlowUnderTheFakeDevice}).
 */
@ExtendWith(SlowUnderTheFakeDevice.class)
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
