package dev.downhill.cuda;

import dev.downhill.testing.BackendContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** The backend contract on the CUDA backend with the cuBLAS two-gemv strategy (skipped without a GPU). */
@ExtendWith(SlowUnderTheFakeDevice.class)
class CudaBlasContractTest extends BackendContract {
    @BeforeAll
    static void useBlas() {
        CudaDevice.assume();
        System.setProperty(CudaGradientStrategy.PROPERTY, "cublas");
    }

    @AfterAll
    static void restore() {
        System.clearProperty(CudaGradientStrategy.PROPERTY);
    }

    @Override
    protected String backendName() {
        return CudaBackend.NAME;
    }
}
