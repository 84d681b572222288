package dev.downhill.cuda;

import static org.bytedeco.cuda.global.nvrtc.nvrtcCompileProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCreateProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcDestroyProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBIN;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBINSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLog;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLogSize;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * Compiles {@value #RESOURCE} with NVRTC into a CUBIN for one compute capability and one set of
 * macros (precision, block size, fused-kernel shape). Results are cached for the life of the
 * process, keyed by architecture and macros, so each variant is compiled once per device type.
 * A compile error throws {@link CudaException} carrying NVRTC's log.
 */
final class KernelCompiler {
    static final String RESOURCE = "downhill_kernels.cu";

    private static final Map<String, byte[]> CACHE = new ConcurrentHashMap<>();
    private static volatile String source;

    private KernelCompiler() {
    }

    /** The kernel source (a resource of this package). */
    static String source() {
        String s = source;
        if (s == null) {
            try (InputStream in = KernelCompiler.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("kernel source " + RESOURCE + " is missing from the class path");
                }
                s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read kernel source " + RESOURCE, e);
            }
            source = s;
        }
        return s;
    }

    /** NVRTC options for an architecture {@code sm_XY} and the given macros (name → value, in order). */
    static List<String> options(int major, int minor, Map<String, String> macros) {
        List<String> options = new ArrayList<>();
        options.add("--gpu-architecture=sm_" + major + minor);
        options.add("--std=c++17");
        options.add("--fmad=true");
        for (Map.Entry<String, String> e : macros.entrySet()) {
            options.add("-D" + e.getKey() + "=" + e.getValue());
        }
        return options;
    }

    /** The CUBIN of the kernels for compute capability major.minor with the given macros (cached). */
    static byte[] cubin(int major, int minor, Map<String, String> macros) {
        List<String> options = options(major, minor, macros);
        return CACHE.computeIfAbsent(String.join(" ", options), k -> compile(source(), options));
    }

    /** Compiles {@code code} with NVRTC (not cached); a compile error's {@link CudaException} carries the log. */
    static byte[] compile(String code, List<String> options) {
        _nvrtcProgram program = new _nvrtcProgram();
        try (BytePointer src = new BytePointer(code, StandardCharsets.UTF_8);
             BytePointer name = new BytePointer(RESOURCE)) {
            CudaStatus.checkNvrtc(nvrtcCreateProgram(program, src, name, 0, (PointerPointer<?>) null, (PointerPointer<?>) null),
                    "nvrtcCreateProgram", "");
            try (PointerPointer<BytePointer> opts = new PointerPointer<>(options.toArray(new String[0]))) {
                int status = nvrtcCompileProgram(program, options.size(), opts);
                CudaStatus.checkNvrtc(status, "nvrtcCompileProgram(" + String.join(" ", options) + ")", log(program));
            }
            try (SizeTPointer size = new SizeTPointer(1)) {
                CudaStatus.checkNvrtc(nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize", "");
                try (BytePointer image = new BytePointer(size.get())) {
                    CudaStatus.checkNvrtc(nvrtcGetCUBIN(program, image), "nvrtcGetCUBIN", "");
                    byte[] bytes = new byte[(int) size.get()];
                    image.get(bytes);
                    return bytes;
                }
            }
        } finally {
            if (!program.isNull()) {
                nvrtcDestroyProgram(program);
            }
        }
    }

    private static String log(_nvrtcProgram program) {
        try (SizeTPointer size = new SizeTPointer(1)) {
            if (nvrtcGetProgramLogSize(program, size) != 0 || size.get() <= 1) {
                return "";
            }
            try (BytePointer text = new BytePointer(size.get())) {
                if (nvrtcGetProgramLog(program, text) != 0) {
                    return "";
                }
                return text.getString(StandardCharsets.UTF_8);
            }
        }
    }
}
