package dev.downhill.cuda;

import static org.bytedeco.cuda.global.cudart.cudaEventCreate;
import static org.bytedeco.cuda.global.cudart.cudaEventDestroy;
import static org.bytedeco.cuda.global.cudart.cudaEventElapsedTime;
import static org.bytedeco.cuda.global.cudart.cudaEventRecord;
import static org.bytedeco.cuda.global.cudart.cudaEventSynchronize;

import org.bytedeco.cuda.cudart.CUevent_st;

/** A pair of CUDA events on a context's stream: the device time between {@link #start()} and {@link #stopMillis()}. */
final class DeviceTimer implements AutoCloseable {
    private final CudaContext context;
    private final CUevent_st start = new CUevent_st();
    private final CUevent_st stop = new CUevent_st();
    private boolean closed;

    DeviceTimer(CudaContext context) {
        this.context = context;
        context.enter();
        CudaStatus.check(cudaEventCreate(start), "cudaEventCreate");
        try {
            CudaStatus.check(cudaEventCreate(stop), "cudaEventCreate");
        } catch (RuntimeException e) {
            cudaEventDestroy(start);
            throw e;
        }
    }

    /** Records the start event on the stream. */
    void start() {
        context.enter();
        CudaStatus.check(cudaEventRecord(start, context.stream()), "cudaEventRecord(start)");
    }

    /** Records the stop event, waits for it, and returns the milliseconds between the two events. */
    float stopMillis() {
        CudaStatus.check(cudaEventRecord(stop, context.stream()), "cudaEventRecord(stop)");
        CudaStatus.check(cudaEventSynchronize(stop), "cudaEventSynchronize");
        float[] ms = new float[1];
        CudaStatus.check(cudaEventElapsedTime(ms, start, stop), "cudaEventElapsedTime");
        return ms[0];
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cudaEventDestroy(stop);
        cudaEventDestroy(start);
    }
}
