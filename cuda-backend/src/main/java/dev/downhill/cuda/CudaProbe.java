package dev.downhill.cuda;

import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;

import dev.downhill.spi.Availability;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.cusolver;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.javacpp.Loader;

/**
 * Whether CUDA can run in this process, probed once: loads the JavaCPP bindings of the CUDA runtime,
 * cuBLAS, cuSOLVER and NVRTC (catching {@link UnsatisfiedLinkError}, {@link NoClassDefFoundError} and
 * {@link ExceptionInInitializerError}: a machine without the driver fails with "libcuda.so.1" missing,
 * and a second use of a class whose loading failed throws {@code NoClassDefFoundError}), then asks
 * {@code cudaGetDeviceCount}. The reason is kept for every later question.
 */
final class CudaProbe {
    private static Availability result;

    private CudaProbe() {
    }

    /** Probes on the first call; later calls return the same answer. */
    static synchronized Availability availability() {
        if (result == null) {
            result = probe();
        }
        return result;
    }

    private static Availability probe() {
        String stage = "the CUDA runtime";
        try {
            Loader.load(cudart.class);
            int[] count = new int[1];
            int status = cudaGetDeviceCount(count);
            if (status != 0) {
                return Availability.no("cudaGetDeviceCount: " + CudaStatus.string(cudart.cudaGetErrorName(status))
                        + " (" + CudaStatus.string(cudart.cudaGetErrorString(status)) + ")");
            }
            if (count[0] == 0) {
                return Availability.no("no CUDA device");
            }
            stage = "cuBLAS (libcublas.so.13)";
            Loader.load(cublas.class);
            stage = "cuSOLVER (libcusolver.so.12)";
            Loader.load(cusolver.class);
            stage = "NVRTC (libnvrtc.so.13)";
            Loader.load(nvrtc.class);
            return Availability.yes();
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            return Availability.no("cannot load " + stage + ": " + rootMessage(e));
        }
    }

    /** The innermost message of a loading failure, e.g. "libcuda.so.1: cannot open shared object file". */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        String message = null;
        while (t != null) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        if (message == null) {
            return e.getClass().getSimpleName();
        }
        String m = message.strip();
        int so = m.indexOf(": cannot open shared object file");
        if (so > 0) {
            // "…/libjnicudart.so: libcuda.so.1: cannot open shared object file: No such file or directory"
            String library = m.substring(m.lastIndexOf(' ', so) + 1, so);
            return library + " not found" + (library.startsWith("libcuda.so") ? " (no NVIDIA driver on this machine)" : "");
        }
        return m;
    }
}
