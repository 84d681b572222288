package dev.downhill.cuda;

import static org.bytedeco.cuda.global.cudart.cuModuleGetFunction;
import static org.bytedeco.cuda.global.cudart.cuModuleLoadData;
import static org.bytedeco.cuda.global.cudart.cuModuleUnload;

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.javacpp.BytePointer;

/** A loaded CUBIN ({@code cuModuleLoadData}) and its kernels by name; unloaded once by {@link #close()}. */
final class KernelModule implements AutoCloseable {
    private final CUmod_st module;
    private final String description;
    private final Map<String, CUfunc_st> functions = new HashMap<>();
    private boolean closed;

    private KernelModule(CUmod_st module, String description) {
        this.module = module;
        this.description = description;
    }

    /** Loads {@code cubin} into the current context. */
    static KernelModule load(byte[] cubin, String description) {
        CUmod_st module = new CUmod_st();
        try (BytePointer image = new BytePointer(cubin)) {
            CudaStatus.checkDriver(cuModuleLoadData(module, image), "cuModuleLoadData(" + description + ")");
        }
        return new KernelModule(module, description);
    }

    /** The kernel {@code name} (an {@code extern "C"} function of the source). */
    CUfunc_st function(String name) {
        if (closed) {
            throw new IllegalStateException("kernel module " + description + " is unloaded");
        }
        return functions.computeIfAbsent(name, n -> {
            CUfunc_st f = new CUfunc_st();
            CudaStatus.checkDriver(cuModuleGetFunction(f, module, n), "cuModuleGetFunction(" + n + ")");
            return f;
        });
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        functions.clear();
        CudaStatus.checkDriver(cuModuleUnload(module), "cuModuleUnload(" + description + ")");
    }
}
