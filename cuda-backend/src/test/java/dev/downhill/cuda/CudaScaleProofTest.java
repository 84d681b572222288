package dev.downhill.cuda;

import dev.downhill.testing.ScaleProofContract;
import org.junit.jupiter.api.BeforeAll;

/**
 * The scale-proof contract (data at 1e±150 in float64, 1e±30 in float32) on the CUDA backend (skipped without a GPU;
 * under the fake device {@link #cheap()} skips the stochastic fits, thousands of launches).
 */
class CudaScaleProofTest extends ScaleProofContract {
    @BeforeAll
    static void requireDevice() {
        CudaDevice.assume();
    }

    @Override
    protected String backendName() {
        return CudaBackend.NAME;
    }

    @Override
    protected boolean cheap() {
        return CudaDevice.FAKE;
    }
}
