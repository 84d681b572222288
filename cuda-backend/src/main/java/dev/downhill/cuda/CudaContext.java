package dev.downhill.cuda;

import static org.bytedeco.cuda.global.cublas.cublasCreate_v2;
import static org.bytedeco.cuda.global.cublas.cublasDestroy_v2;
import static org.bytedeco.cuda.global.cublas.cublasSetStream_v2;
import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy2DAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemsetAsync;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamNonBlocking;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;
import static org.bytedeco.cuda.global.cusolver.cusolverDnCreate;
import static org.bytedeco.cuda.global.cusolver.cusolverDnCreateParams;
import static org.bytedeco.cuda.global.cusolver.cusolverDnDestroy;
import static org.bytedeco.cuda.global.cusolver.cusolverDnDestroyParams;
import static org.bytedeco.cuda.global.cusolver.cusolverDnSetStream;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cusolver.cusolverDnContext;
import org.bytedeco.cuda.cusolver.cusolverDnParams;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Everything one resident problem holds on a device, owned in one place (cuML's handle, in Java):
 * the device, one stream, the cuBLAS and cuSOLVER handles, the compiled kernel modules and every
 * device buffer. Library functions never create handles themselves; they are passed this context.
 *
 * <p>Every host↔device copy goes through {@link #toDevice} or {@link #toHost}, which count the bytes
 * ({@link #bytesTransferred()}); device-to-device copies and kernel arguments are not counted.
 * All work is queued on the context's stream; copies to the host wait for it.
 *
 * <p>{@link #close()} frees the buffers and unloads the modules still open in reverse order of
 * creation, then destroys the handles and the stream; closing twice is harmless. Not thread-safe:
 * one caller at a time (each call first makes the device current on the calling thread).
 */
final class CudaContext implements AutoCloseable {
    private final DeviceInfo device;
    private final CUstream_st stream;
    private final cublasContext blas;
    private final cusolverDnContext solver;
    private final cusolverDnParams solverParams;
    private final KernelArguments arguments = new KernelArguments();
    private final Deque<AutoCloseable> owned = new ArrayDeque<>();
    private long bytesToDevice;
    private long bytesToHost;
    private boolean closed;

    private CudaContext(DeviceInfo device, CUstream_st stream, cublasContext blas, cusolverDnContext solver, cusolverDnParams params) {
        this.device = device;
        this.stream = stream;
        this.blas = blas;
        this.solver = solver;
        this.solverParams = params;
    }

    /** Opens device {@code ordinal}: a non-blocking stream, cuBLAS and cuSOLVER handles bound to it. */
    static CudaContext open(int ordinal) {
        DeviceInfo info = DeviceInfo.query(ordinal);
        CUstream_st stream = new CUstream_st();
        cublasContext blas = null;
        cusolverDnContext solver = null;
        cusolverDnParams params = null;
        boolean streamMade = false;
        try {
            CudaStatus.check(cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
            streamMade = true;
            cublasContext b = new cublasContext();
            CudaStatus.checkBlas(cublasCreate_v2(b), "cublasCreate_v2");
            blas = b;
            CudaStatus.checkBlas(cublasSetStream_v2(blas, stream), "cublasSetStream_v2");
            cusolverDnContext s = new cusolverDnContext();
            CudaStatus.checkSolver(cusolverDnCreate(s), "cusolverDnCreate");
            solver = s;
            CudaStatus.checkSolver(cusolverDnSetStream(solver, stream), "cusolverDnSetStream");
            cusolverDnParams p = new cusolverDnParams();
            CudaStatus.checkSolver(cusolverDnCreateParams(p), "cusolverDnCreateParams");
            params = p;
            return new CudaContext(info, stream, blas, solver, params);
        } catch (RuntimeException | Error e) {
            if (params != null) {
                cusolverDnDestroyParams(params);
            }
            if (solver != null) {
                cusolverDnDestroy(solver);
            }
            if (blas != null) {
                cublasDestroy_v2(blas);
            }
            if (streamMade) {
                cudaStreamDestroy(stream);
            }
            throw e;
        }
    }

    DeviceInfo device() {
        return device;
    }

    CUstream_st stream() {
        return stream;
    }

    cublasContext blas() {
        return blas;
    }

    cusolverDnContext solver() {
        return solver;
    }

    cusolverDnParams solverParams() {
        return solverParams;
    }

    /** Makes this context's device current on the calling thread; every public operation starts here. */
    void enter() {
        ensureOpen();
        CudaStatus.check(cudaSetDevice(device.ordinal()), "cudaSetDevice(" + device.ordinal() + ")");
    }

    /** {free, total} bytes on the device now. */
    long[] memory() {
        enter();
        return DeviceInfo.memory();
    }

    /** A device buffer owned by this context (freed at the latest when the context closes). */
    DeviceMemory allocate(long bytes, String what) {
        enter();
        DeviceMemory m = DeviceMemory.allocate(bytes, what);
        owned.push(m);
        return m;
    }

    /** Frees {@code memory} now (it must be this context's); waits for queued work first. */
    void free(DeviceMemory memory) {
        if (memory == null || memory.isClosed()) {
            return;
        }
        synchronize();
        owned.remove(memory);
        memory.close();
    }

    /** Compiles (once per process and device type) and loads the kernels with the given macros. */
    KernelModule kernels(Map<String, String> macros) {
        enter();
        byte[] cubin = KernelCompiler.cubin(device.major(), device.minor(), macros);
        KernelModule m = KernelModule.load(cubin, macros.toString());
        owned.push(m);
        return m;
    }

    /** Queues {@code kernel} of {@code module} on the stream with a (gridX, gridY) grid of {@code block} threads. */
    void launch(KernelModule module, String kernel, long gridX, int gridY, int block, Object... args) {
        launchShared(module, kernel, gridX, gridY, block, 0, args);
    }

    /**
     * {@link #launch} with {@code sharedBytes} of dynamic shared memory per block (past 48 KiB the kernel must have been
     * allowed as much: {@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES}).
     */
    void launchShared(KernelModule module, String kernel, long gridX, int gridY, int block, long sharedBytes, Object... args) {
        enter();
        if (gridX < 1 || gridX > Integer.MAX_VALUE || gridY < 1 || gridY > 65535) {
            throw new IllegalArgumentException("grid " + gridX + " × " + gridY + " for " + kernel + " is out of range");
        }
        if (sharedBytes < 0 || sharedBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(sharedBytes + " bytes of shared memory for " + kernel + " is out of range");
        }
        CudaStatus.checkDriver(cuLaunchKernel(module.function(kernel), (int) gridX, gridY, 1, block, 1, 1, (int) sharedBytes,
                stream, arguments.set(args), null), "cuLaunchKernel(" + kernel + ")");
    }

    /** Copies {@code bytes} from host memory {@code host} to {@code dst} at byte {@code offset}; counted. Returns when done. */
    void toDevice(Pointer host, DeviceMemory dst, long offset, long bytes) {
        enter();
        checkRange(dst, offset, bytes);
        CudaStatus.check(cudaMemcpyAsync(dst.pointer(offset), host, bytes, cudaMemcpyHostToDevice, stream), "cudaMemcpyAsync(host → " + dst.what() + ")");
        synchronize();
        bytesToDevice += bytes;
    }

    /**
     * Queues a copy of {@code bytes} from host memory {@code host} to {@code dst} at byte {@code offset} on
     * {@code stream} and returns (asynchronous when the host memory is page-locked); counted.
     */
    void toDeviceAsync(Pointer host, DeviceMemory dst, long offset, long bytes, CUstream_st stream) {
        enter();
        checkRange(dst, offset, bytes);
        CudaStatus.check(cudaMemcpyAsync(dst.pointer(offset), host, bytes, cudaMemcpyHostToDevice, stream),
                "cudaMemcpyAsync(host → " + dst.what() + ", streamed)");
        bytesToDevice += bytes;
    }

    /** Copies {@code bytes} from {@code src} at byte {@code offset} to host memory {@code host}; counted. Returns when done. */
    void toHost(DeviceMemory src, long offset, Pointer host, long bytes) {
        enter();
        checkRange(src, offset, bytes);
        CudaStatus.check(cudaMemcpyAsync(host, src.pointer(offset), bytes, cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync(" + src.what() + " → host)");
        synchronize();
        bytesToHost += bytes;
    }

    /** {@code count} doubles of {@code src} from element {@code first}, to the host (counted). */
    double[] doublesToHost(DeviceMemory src, long first, int count) {
        double[] out = new double[count];
        try (DoublePointer host = new DoublePointer(Math.max(1, count))) {
            toHost(src, 8 * first, host, 8L * count);
            host.get(out);
        }
        return out;
    }

    /** Writes {@code values} into {@code dst} from element {@code first} as doubles (counted). */
    void doublesToDevice(double[] values, DeviceMemory dst, long first) {
        try (DoublePointer host = new DoublePointer(values)) {
            toDevice(host, dst, 8 * first, 8L * values.length);
        }
    }

    /** Queues a device-to-device copy (not a host transfer: not counted). */
    void copy(DeviceMemory src, long srcOffset, DeviceMemory dst, long dstOffset, long bytes) {
        enter();
        checkRange(src, srcOffset, bytes);
        checkRange(dst, dstOffset, bytes);
        CudaStatus.check(cudaMemcpyAsync(dst.pointer(dstOffset), src.pointer(srcOffset), bytes, cudaMemcpyDeviceToDevice, stream),
                "cudaMemcpyAsync(" + src.what() + " → " + dst.what() + ")");
    }

    /** Queues {@code memory} ← 0 (every byte). */
    void zero(DeviceMemory memory) {
        enter();
        CudaStatus.check(cudaMemsetAsync(memory.pointer(0), 0, memory.bytes(), stream), "cudaMemsetAsync(" + memory.what() + ")");
    }

    /** Waits for everything queued on the stream; a kernel's asynchronous error surfaces here. */
    void synchronize() {
        CudaStatus.check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    /** Bytes copied host → device and device → host so far. */
    long bytesTransferred() {
        return bytesToDevice + bytesToHost;
    }

    private static void checkRange(DeviceMemory m, long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset + bytes > m.bytes()) {
            throw new IndexOutOfBoundsException(bytes + " bytes at " + offset + " outside " + m.what() + " (" + m.bytes() + " bytes)");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("CUDA context is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        RuntimeException failure = null;
        try {
            enter();
            synchronize();
        } catch (RuntimeException e) {
            failure = e;
        }
        closed = true;
        while (!owned.isEmpty()) {
            try {
                owned.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
                }
            }
        }
        cusolverDnDestroyParams(solverParams);
        cusolverDnDestroy(solver);
        cublasDestroy_v2(blas);
        cudaStreamDestroy(stream);
        arguments.close();
        if (failure != null) {
            throw failure;
        }
    }
}
