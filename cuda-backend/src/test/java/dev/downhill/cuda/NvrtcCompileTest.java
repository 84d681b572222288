package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Precision;
import java.util.List;
import java.util.Map;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The run-time compiler path itself (NVRTC through JavaCPP), which needs libnvrtc.so.13 but no GPU:
 * runs on a GPU machine, or here with NVRTC on LD_LIBRARY_PATH (see cuda-backend/README.md);
 * skipped with the loading error otherwise.
 */
class NvrtcCompileTest {
    @BeforeAll
    static void requireNvrtc() {
        CudaProbe.availability(); // the process's first CUDA load keeps the informative loading error
        String failure = null;
        try {
            Loader.load(nvrtc.class);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            failure = CudaProbe.rootMessage(e);
        }
        Assumptions.assumeTrue(failure == null, "NVRTC cannot be loaded: " + failure);
    }

    @Test
    void theKernelsCompileToCubinsForHopperAndAreCached() {
        for (Precision p : Precision.values()) {
            byte[] utility = KernelCompiler.cubin(9, 0, FusedShape.utilityMacros(p));
            assertTrue(utility.length > 1000);
            assertEquals(0x7f, utility[0] & 0xff, "an ELF image");
            assertSame(utility, KernelCompiler.cubin(9, 0, FusedShape.utilityMacros(p)), "cached");
            for (long n : new long[] {10, 1000, 100_000}) {
                Map<String, String> m = FusedShape.forColumns(n, p).orElseThrow().macros(p);
                assertTrue(KernelCompiler.cubin(9, 0, m).length > 1000, m.toString());
            }
        }
    }

    @Test
    void aCompileErrorCarriesTheCompilerLog() {
        CudaException e = assertThrows(CudaException.class, () -> KernelCompiler.compile(
                "extern \"C\" __global__ void broken(float* x) { x[0] = undefined_name; }",
                KernelCompiler.options(9, 0, Map.of("REAL", "float"))));
        assertTrue(e.getMessage().startsWith("nvrtcCompileProgram("), e.getMessage());
        assertTrue(e.getMessage().contains("NVRTC_ERROR_COMPILATION"), e.getMessage());
        assertTrue(e.getMessage().contains("undefined_name"), e.getMessage());
        assertEquals(List.of("--gpu-architecture=sm_90", "--std=c++17", "--fmad=true", "-DREAL=float"),
                KernelCompiler.options(9, 0, Map.of("REAL", "float")));
    }
}
