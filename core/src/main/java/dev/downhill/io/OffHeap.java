package dev.downhill.io;

import dev.downhill.Precision;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/** Allocation of reader destinations and byte windows onto them. */
final class OffHeap {
    private OffHeap() {
    }

    /**
     * A new {@link FloatPointer} or {@link DoublePointer} of {@code count} elements (contents
     * undefined) that the caller owns and must close exactly once. An allocation beyond JavaCPP's
     * limit is rethrown as an {@link OutOfMemoryError} naming the file, the array and the setting to raise.
     */
    static Pointer allocate(Precision precision, long count, Path file, String what) {
        try {
            return HugePages.advise(precision == Precision.FLOAT64 ? new DoublePointer(count) : new FloatPointer(count));
        } catch (OutOfMemoryError e) {
            OutOfMemoryError wrapped = new OutOfMemoryError(file + ": cannot allocate " + what + " (" + count + " "
                    + precision.name().toLowerCase(java.util.Locale.ROOT) + " values, " + count * precision.bytes()
                    + " bytes off-heap): " + e.getMessage() + "; raise -Dorg.bytedeco.javacpp.maxbytes (and maxphysicalbytes) "
                    + "or use a smaller precision");
            wrapped.initCause(e);
            throw wrapped;
        }
    }

    /**
     * Bytes {@code [byteOffset, byteOffset + length)} of the memory {@code base} points to (from
     * its position) as a native-order ByteBuffer sharing that memory. {@code base} must stay open
     * while the buffer is used; the buffer does not own anything.
     */
    static ByteBuffer bytes(Pointer base, long byteOffset, int length) {
        long start = base.position() * base.sizeof() + byteOffset;
        // move the address, not the position: asByteBuffer() clamps position + length to 2^31 - 1 bytes
        BytePointer b = new BytePointer(base).getPointer(start);
        b.position(0).limit(length);
        return b.asByteBuffer().order(ByteOrder.nativeOrder());
    }
}
