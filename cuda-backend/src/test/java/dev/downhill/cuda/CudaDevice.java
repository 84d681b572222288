package dev.downhill.cuda;

import dev.downhill.spi.Availability;
import org.junit.jupiter.api.Assumptions;

/** Test gate: the tests that need a GPU are skipped, with the probe's reason, where none is usable. */
final class CudaDevice {
    /**
     * Whether this run is on the fake CUDA stack (src/test/fake-cuda, the fake-device surefire execution):
     * a host emulation, so tests may use smaller shapes there.
     */
    static final boolean FAKE = Boolean.getBoolean("downhill.cuda.fakeDevice");
    private static boolean reported;

    private CudaDevice() {
    }

    /** Skips the calling test (or class, from {@code @BeforeAll}) unless a CUDA device can run. */
    static synchronized void assume() {
        Availability a = new CudaBackend().availability();
        if (!a.available() && !reported) {
            System.out.println("[cuda-backend] GPU tests skipped: " + a.reason());
            reported = true;
        }
        Assumptions.assumeTrue(a.available(), () -> "cuda unavailable: " + a.reason());
    }
}
