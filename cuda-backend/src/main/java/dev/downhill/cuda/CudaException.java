package dev.downhill.cuda;

/**
 * A CUDA runtime/driver, cuBLAS, cuSOLVER or NVRTC call failed. The message names the call and the
 * library's own error name and string; for an NVRTC compile error it ends with the compiler's log.
 */
public final class CudaException extends RuntimeException {
    private final String call;
    private final int status;

    public CudaException(String call, int status, String description) {
        super(call + " failed: " + description);
        this.call = call;
        this.status = status;
    }

    /** The library function that failed, e.g. {@code cublasSgemv_v2_64}. */
    public String call() {
        return call;
    }

    /** The status code it returned. */
    public int status() {
        return status;
    }
}
