package dev.downhill.cuda;

import static org.bytedeco.cuda.global.cudart.cudaEventCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaEventDestroy;
import static org.bytedeco.cuda.global.cudart.cudaEventDisableTiming;
import static org.bytedeco.cuda.global.cudart.cudaEventRecord;
import static org.bytedeco.cuda.global.cudart.cudaHostRegister;
import static org.bytedeco.cuda.global.cudart.cudaHostRegisterReadOnly;
import static org.bytedeco.cuda.global.cudart.cudaHostUnregister;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamNonBlocking;
import static org.bytedeco.cuda.global.cudart.cudaStreamWaitEvent;

import java.util.Locale;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where X's rows are during a pass: cut into fixed chunks of {@code chunkRows} rows (the same cut
 * whatever the memory budget, so a pass gives the same bits resident or streamed), the first
 * {@code residentChunks} chunks in one device buffer uploaded once, the rest ("overflow") streamed
 * from host memory every pass through two device staging buffers: the copy of chunk k+1 runs on a
 * second stream while the kernels of chunk k run on the context's stream (events order the two).
 * Host memory of the overflow is page-locked in place ({@code cudaHostRegister}, read-only) so the
 * copies are asynchronous DMA; where the system refuses (some file mappings), copies are staged by
 * the driver from pageable memory (correct, slower; logged once).
 *
 * <p>Owns the copy stream, the events and the registration (released by {@link #close()}); the device
 * buffers belong to the context. The host memory must stay valid while this object is used.
 */
final class DeviceRows implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceRows.class);

    /** Visits one chunk: X's rows [firstRow, firstRow + count) at device address {@code x} (row-major). */
    interface ChunkVisitor {
        void visit(long x, long firstRow, long count);
    }

    private final CudaContext context;
    private final long rows;
    private final long rowBytes;
    private final long chunkRows;
    private final long chunks;
    private final long residentChunks;
    private final DeviceMemory resident;
    private final Pointer host;
    private final DeviceMemory[] staging;
    private final CUstream_st copyStream;
    private final CUevent_st[] copied;
    private final CUevent_st[] consumed;
    private final Pointer registered;
    private boolean closed;

    /**
     * @param host      X in host memory (row-major; read while streaming), or null when {@code resident}
     *                  already holds every row
     * @param resident  device buffer holding chunks [0, residentChunks), filled by the caller or uploaded here
     */
    private DeviceRows(CudaContext context, long rows, long rowBytes, long chunkRows, long residentChunks,
                       DeviceMemory resident, Pointer host) {
        this.context = context;
        this.rows = rows;
        this.rowBytes = rowBytes;
        this.chunkRows = chunkRows;
        this.chunks = (rows + chunkRows - 1) / chunkRows;
        this.residentChunks = residentChunks;
        this.resident = resident;
        this.host = host;
        if (residentChunks >= chunks) {
            this.staging = null;
            this.copyStream = null;
            this.copied = null;
            this.consumed = null;
            this.registered = null;
            return;
        }
        this.staging = new DeviceMemory[] {
            context.allocate(chunkRows * rowBytes, "streaming buffer 0"),
            context.allocate(chunkRows * rowBytes, "streaming buffer 1")};
        CUstream_st stream = new CUstream_st();
        CudaStatus.check(cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags(copy)");
        this.copyStream = stream;
        this.copied = new CUevent_st[2];
        this.consumed = new CUevent_st[2];
        for (int b = 0; b < 2; b++) {
            copied[b] = event();
            consumed[b] = event();
            CudaStatus.check(cudaEventRecord(consumed[b], context.stream()), "cudaEventRecord");
        }
        long offset = residentChunks * chunkRows * rowBytes;
        Pointer overflow = new RawPointer(host.address() + offset);
        int status = cudaHostRegister(overflow, rows * rowBytes - offset, cudaHostRegisterReadOnly);
        if (status == 0) {
            this.registered = overflow;
        } else {
            this.registered = null;
            LOG.info("cudaHostRegister refused X's streamed rows ({}); copies go through pageable memory",
                    CudaStatus.string(org.bytedeco.cuda.global.cudart.cudaGetErrorString(status)));
            org.bytedeco.cuda.global.cudart.cudaGetLastError(); // clear the sticky-free error state
        }
    }

    /** All rows resident in {@code x} (already filled on the device), cut into chunks of {@code chunkRows}. */
    static DeviceRows resident(CudaContext context, long rows, long rowBytes, long chunkRows, DeviceMemory x) {
        return new DeviceRows(context, rows, rowBytes, chunkRows, (rows + chunkRows - 1) / chunkRows, x, null);
    }

    /**
     * X from host memory {@code host}: all chunks resident when {@code budget} allows (uploaded now),
     * else as many leading chunks as fit beside the two staging buffers, the rest streamed.
     *
     * @param budget device bytes X may use (resident rows plus staging buffers)
     */
    static DeviceRows load(CudaContext context, Pointer host, long rows, long rowBytes, long chunkRows, long budget) {
        long bytes = rows * rowBytes;
        long chunks = (rows + chunkRows - 1) / chunkRows;
        long chunkBytes = chunkRows * rowBytes;
        long residentChunks;
        if (bytes <= budget) {
            residentChunks = chunks;
        } else {
            if (2 * chunkBytes > budget) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "the device memory budget (%,d bytes for X) cannot hold the two %,d-byte streaming buffers; raise "
                                + "%s or lower %s", budget, chunkBytes, CudaMemoryBudget.BUDGET_NAME, CudaMemoryBudget.CHUNK_NAME));
            }
            residentChunks = Math.min(chunks - 1, (budget - 2 * chunkBytes) / chunkBytes);
            LOG.info("X ({} bytes) exceeds the device budget ({} bytes): {} of {} chunks resident, the rest streamed each pass",
                    bytes, budget, residentChunks, chunks);
        }
        long residentBytes = Math.min(bytes, residentChunks * chunkBytes);
        DeviceMemory x = context.allocate(Math.max(1, residentBytes), "X (resident rows)");
        if (residentBytes > 0) {
            context.toDevice(host, x, 0, residentBytes);
        }
        return new DeviceRows(context, rows, rowBytes, chunkRows, residentChunks, x, host);
    }

    /** Whether every row is in {@link #residentMemory()}. */
    boolean allResident() {
        return residentChunks >= chunks;
    }

    /** The resident rows (all of X when {@link #allResident()}). */
    DeviceMemory residentMemory() {
        return resident;
    }

    long chunkRows() {
        return chunkRows;
    }

    long chunks() {
        return chunks;
    }

    long residentChunks() {
        return residentChunks;
    }

    /** Whether the streamed rows' host memory is page-locked (false when nothing is streamed or the system refused). */
    boolean streamedRowsPinned() {
        return registered != null;
    }

    /**
     * Visits every chunk in row order, with the rows on the device when the visitor's kernels run:
     * the visitor queues work on the context's stream and returns. Streamed chunks are copied on the
     * copy stream one chunk ahead.
     */
    void forEachChunk(ChunkVisitor visitor) {
        ensureOpen();
        long firstStreamed = residentChunks;
        if (firstStreamed < chunks) {
            copy(firstStreamed); // overlaps the resident chunks' kernels
        }
        for (long k = 0; k < chunks; k++) {
            long first = k * chunkRows;
            long count = Math.min(chunkRows, rows - first);
            if (k < residentChunks) {
                visitor.visit(resident.address(first * rowBytes), first, count);
                continue;
            }
            int b = (int) ((k - firstStreamed) & 1);
            if (k + 1 < chunks) {
                copy(k + 1);
            }
            context.enter();
            CudaStatus.check(cudaStreamWaitEvent(context.stream(), copied[b], 0), "cudaStreamWaitEvent(copied)");
            visitor.visit(staging[b].address(0), first, count);
            CudaStatus.check(cudaEventRecord(consumed[b], context.stream()), "cudaEventRecord(consumed)");
        }
    }

    /** Queues the copy of streamed chunk k into its staging buffer once the kernels that used the buffer are done. */
    private void copy(long k) {
        int b = (int) ((k - residentChunks) & 1);
        long first = k * chunkRows;
        long count = Math.min(chunkRows, rows - first);
        context.enter();
        CudaStatus.check(cudaStreamWaitEvent(copyStream, consumed[b], 0), "cudaStreamWaitEvent(consumed)");
        context.toDeviceAsync(new RawPointer(host.address() + first * rowBytes), staging[b], 0, count * rowBytes, copyStream);
        CudaStatus.check(cudaEventRecord(copied[b], copyStream), "cudaEventRecord(copied)");
    }

    private CUevent_st event() {
        CUevent_st e = new CUevent_st();
        CudaStatus.check(cudaEventCreateWithFlags(e, cudaEventDisableTiming), "cudaEventCreateWithFlags");
        return e;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("device rows are released");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (copyStream == null) {
            return;
        }
        context.enter();
        context.synchronize();
        org.bytedeco.cuda.global.cudart.cudaStreamSynchronize(copyStream);
        if (registered != null) {
            cudaHostUnregister(registered);
        }
        for (int b = 1; b >= 0; b--) {
            cudaEventDestroy(consumed[b]);
            cudaEventDestroy(copied[b]);
        }
        cudaStreamDestroy(copyStream);
    }
}
