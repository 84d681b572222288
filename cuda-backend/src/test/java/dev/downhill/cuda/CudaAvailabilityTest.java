package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.LinearRegression;
import dev.downhill.Precision;
import dev.downhill.spi.Availability;
import dev.downhill.spi.Backend;
import dev.downhill.spi.BackendUnavailableException;
import dev.downhill.spi.Backends;
import org.junit.jupiter.api.Test;

/** The probe and what users see without a GPU (these run everywhere; the no-GPU ones skip on a GPU machine). */
class CudaAvailabilityTest {
    private final CudaBackend backend = new CudaBackend();

    @Test
    void theProbeRunsOnceAndAnUnavailableBackendSaysWhy() {
        Availability a = backend.availability();
        assertSame(a, backend.availability(), "probed once");
        if (!a.available()) {
            assertFalse(a.reason().isBlank());
            assertEquals("", backend.details());
        }
        assertTrue(Backends.all().stream().anyMatch(b -> b.name().equals("cuda")), "found by ServiceLoader");
    }

    @Test
    void withoutADeviceAutomaticSelectionFallsBackToTheCpu() {
        assumeFalse(backend.availability().available(), "a GPU is present");
        Backend chosen = Backends.select(null);
        assertEquals("cpu", chosen.name());
    }

    @Test
    void askingForCudaWithoutADeviceFailsWithTheProbesReason() {
        assumeFalse(backend.availability().available(), "a GPU is present");
        String reason = backend.availability().reason();
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.select("cuda"));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        try (Dataset d = Dataset.of(new double[][] {{1}, {2}}, new double[] {1, 2})) {
            BackendUnavailableException fit = assertThrows(BackendUnavailableException.class,
                    () -> LinearRegression.fit(d, FitConfig.builder().backend("cuda").build()));
            assertTrue(fit.getMessage().contains(reason), fit.getMessage());
            IllegalStateException load = assertThrows(IllegalStateException.class, () -> backend.load(d, Precision.FLOAT64, dev.downhill.spi.BackendOptions.none()));
            assertTrue(load.getMessage().contains(reason), load.getMessage());
        }
    }

    @Test
    void theStrategyOptionIsValidatedAndThePropertyIsItsDefault() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaGradientStrategy.configured(
                dev.downhill.spi.BackendOptions.builder().cudaKernel("fast").build(), false));
        assertTrue(e.getMessage().contains("fused, staged or cublas"), e.getMessage());
        // unset: the staged kernel for dense X, the deterministic CSR kernel for sparse X
        assertEquals(CudaGradientStrategy.STAGED, CudaGradientStrategy.configured(dev.downhill.spi.BackendOptions.none(), false));
        assertEquals(CudaGradientStrategy.FUSED, CudaGradientStrategy.configured(dev.downhill.spi.BackendOptions.none(), true));
        assertEquals(CudaGradientStrategy.CUBLAS, CudaGradientStrategy.configured(
                dev.downhill.spi.BackendOptions.builder().cudaKernel("CUBLAS").build(), false));
        System.setProperty(CudaGradientStrategy.PROPERTY, "cublas");
        try {
            assertEquals(CudaGradientStrategy.CUBLAS, CudaGradientStrategy.configured(dev.downhill.spi.BackendOptions.defaults(), false));
            assertEquals(CudaGradientStrategy.STAGED, CudaGradientStrategy.configured(dev.downhill.spi.BackendOptions.none(), false),
                    "the backend itself reads no property");
        } finally {
            System.clearProperty(CudaGradientStrategy.PROPERTY);
        }
    }

    @Test
    void loadingFailuresAreReducedToTheMissingLibrary() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError(
                "/root/.javacpp/cache/x/libjnicudart.so: libcuda.so.1: cannot open shared object file: No such file or directory");
        assertEquals("libcuda.so.1 not found (no NVIDIA driver on this machine)", CudaProbe.rootMessage(new NoClassDefFoundError() {
            {
                initCause(e);
            }
        }));
        assertEquals("libcublas.so.13 not found", CudaProbe.rootMessage(
                new UnsatisfiedLinkError("/x/libjnicublas.so: libcublas.so.13: cannot open shared object file: No such file or directory")));
    }
}
