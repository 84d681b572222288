package dev.downhill.cuda;

import static org.bytedeco.cuda.global.cudart.cuGetErrorName;
import static org.bytedeco.cuda.global.cudart.cuGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorName;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The one place status codes are checked: every CUDA runtime, driver, cuBLAS, cuSOLVER and NVRTC
 * call goes through a {@code check} here, which throws {@link CudaException} naming the call and
 * the error (never exits, never logs and continues).
 */
final class CudaStatus {
    private CudaStatus() {
    }

    /** A CUDA runtime call ({@code cudaError_t}). */
    static void check(int status, String call) {
        if (status != 0) {
            throw new CudaException(call, status, string(cudaGetErrorName(status)) + " (" + string(cudaGetErrorString(status)) + ")");
        }
    }

    /** A CUDA driver call ({@code CUresult}). */
    static void checkDriver(int status, String call) {
        if (status != 0) {
            String name;
            String text;
            try (PointerPointer<BytePointer> p = new PointerPointer<>(1)) {
                name = cuGetErrorName(status, p) == 0 ? string(p.get(BytePointer.class, 0)) : "CUresult " + status;
                text = cuGetErrorString(status, p) == 0 ? string(p.get(BytePointer.class, 0)) : "unknown error";
            }
            throw new CudaException(call, status, name + " (" + text + ")");
        }
    }

    /** A cuBLAS call ({@code cublasStatus_t}). */
    static void checkBlas(int status, String call) {
        if (status != cublas.CUBLAS_STATUS_SUCCESS) {
            throw new CudaException(call, status, string(cublas.cublasGetStatusString(status)) + " (cublasStatus_t " + status + ")");
        }
    }

    /** A cuSOLVER call ({@code cusolverStatus_t}; cuSOLVER has no status-string function). */
    static void checkSolver(int status, String call) {
        if (status != 0) {
            throw new CudaException(call, status, solverStatusName(status) + " (cusolverStatus_t " + status + ")");
        }
    }

    /** An NVRTC call; {@code log} (may be empty) is appended, e.g. the compiler's output. */
    static void checkNvrtc(int status, String call, String log) {
        if (status != nvrtc.NVRTC_SUCCESS) {
            String text = string(nvrtc.nvrtcGetErrorString(status));
            throw new CudaException(call, status, text + (log == null || log.isBlank() ? "" : "\n" + log.strip()));
        }
    }

    private static String solverStatusName(int status) {
        switch (status) {
            case 1: return "CUSOLVER_STATUS_NOT_INITIALIZED";
            case 2: return "CUSOLVER_STATUS_ALLOC_FAILED";
            case 3: return "CUSOLVER_STATUS_INVALID_VALUE";
            case 4: return "CUSOLVER_STATUS_ARCH_MISMATCH";
            case 5: return "CUSOLVER_STATUS_MAPPING_ERROR";
            case 6: return "CUSOLVER_STATUS_EXECUTION_FAILED";
            case 7: return "CUSOLVER_STATUS_INTERNAL_ERROR";
            case 8: return "CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED";
            case 9: return "CUSOLVER_STATUS_NOT_SUPPORTED";
            default: return "cuSOLVER error";
        }
    }

    static String string(BytePointer p) {
        return p == null || p.isNull() ? "?" : p.getString();
    }
}
