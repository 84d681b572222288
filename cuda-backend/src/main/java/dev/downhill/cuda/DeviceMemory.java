package dev.downhill.cuda;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * One device allocation ({@code cudaMalloc}), freed by {@link #close()} exactly once (a second close
 * is harmless). Owned by a {@link CudaContext}, which closes whatever is still open, in reverse order
 * of allocation, when it closes. Views handed to native calls own nothing.
 */
final class DeviceMemory implements AutoCloseable {
    private final long address;
    private final long bytes;
    private final String what;
    private boolean closed;

    private DeviceMemory(long address, long bytes, String what) {
        this.address = address;
        this.bytes = bytes;
        this.what = what;
    }

    /** Allocates {@code bytes} (≥ 1) of device memory for {@code what} (named in errors). */
    static DeviceMemory allocate(long bytes, String what) {
        long size = Math.max(1, bytes);
        try (PointerPointer<Pointer> out = new PointerPointer<>(1)) {
            CudaStatus.check(cudaMalloc(out, size), "cudaMalloc(" + what + ", " + size + " bytes)");
            return new DeviceMemory(out.get(0).address(), size, what);
        }
    }

    long bytes() {
        return bytes;
    }

    String what() {
        return what;
    }

    /** The device address {@code offset} bytes in. */
    long address(long offset) {
        ensureOpen();
        if (offset < 0 || offset > bytes) {
            throw new IndexOutOfBoundsException("offset " + offset + " outside " + what + " (" + bytes + " bytes)");
        }
        return address + offset;
    }

    Pointer pointer(long offset) {
        return new RawPointer(address(offset));
    }

    FloatPointer floats(long offsetElements) {
        return new FloatPointer(pointer(4 * offsetElements));
    }

    DoublePointer doubles(long offsetElements) {
        return new DoublePointer(pointer(8 * offsetElements));
    }

    boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(what + " was freed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CudaStatus.check(cudaFree(new RawPointer(address)), "cudaFree(" + what + ")");
    }
}
