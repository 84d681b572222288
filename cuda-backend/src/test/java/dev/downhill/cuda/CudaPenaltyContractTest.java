package dev.downhill.cuda;

import dev.downhill.testing.PenaltyContract;
import org.junit.jupiter.api.BeforeAll;

/**
 * The penalty contract on the CUDA backend (skipped without a GPU). Under the fake device each launch costs
 * milliseconds, so {@link #cheap()} skips the stochastic fits (thousands of launches) there; on a real GPU all run.
 */
class CudaPenaltyContractTest extends PenaltyContract {
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
