package dev.downhill.spi;

import dev.downhill.Precision;
import java.util.Locale;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Off-heap allocations of X-sized memory (a dataset's copy of X, a densified X, the QR pass's float64 copy) whose failure
 * says what was being allocated, its size and the settings to raise. JavaCPP caps off-heap memory at
 * {@code org.bytedeco.javacpp.maxbytes} (by default the heap size, -Xmx) and throws an {@link OutOfMemoryError} past it
 * with only its own counters ("Cannot allocate new DoublePointer(40000000): totalBytes = …"); here that error is
 * rethrown as an OutOfMemoryError naming the array, its bytes and the settings, with JavaCPP's as its cause.
 */
public final class OffHeapAllocation {
    private OffHeapAllocation() {
    }

    /**
     * A new {@link DoublePointer} of {@code count} elements (contents undefined), the caller's to close.
     *
     * @param what the array's name in the message, e.g. "the dataset's copy of X (1,000,000 × 40)"
     * @throws OutOfMemoryError naming {@code what}, its size and the settings, when JavaCPP (or the system) refuses it
     */
    public static DoublePointer doubles(long count, String what) {
        try {
            return new DoublePointer(count);
        } catch (OutOfMemoryError e) {
            throw explained(e, what, count, Precision.FLOAT64);
        }
    }

    /** As {@link #doubles}, float32 elements. */
    public static FloatPointer floats(long count, String what) {
        try {
            return new FloatPointer(count);
        } catch (OutOfMemoryError e) {
            throw explained(e, what, count, Precision.FLOAT32);
        }
    }

    /** {@link #doubles} or {@link #floats} per {@code precision}. */
    public static Pointer of(Precision precision, long count, String what) {
        return precision == Precision.FLOAT64 ? doubles(count, what) : floats(count, what);
    }

    /**
     * The OutOfMemoryError for a failed allocation of {@code count} values of {@code precision}: one line naming
     * {@code what}, its bytes, JavaCPP's cap and what is in use, and the settings to raise; {@code cause} is kept.
     */
    public static OutOfMemoryError explained(OutOfMemoryError cause, String what, long count, Precision precision) {
        long bytes = count * precision.bytes();
        OutOfMemoryError e = new OutOfMemoryError(String.format(Locale.ROOT, "cannot allocate %s off the Java heap: %,d %s "
                        + "values, %s, with %s already allocated against JavaCPP's limit of %s (org.bytedeco.javacpp.maxbytes, by "
                        + "default the heap size -Xmx); raise -Dorg.bytedeco.javacpp.maxbytes=… and "
                        + "-Dorg.bytedeco.javacpp.maxphysicalbytes=… (0 lifts them) or -Xmx (%s)",
                what, count, precision.name().toLowerCase(Locale.ROOT), size(bytes), size(Pointer.totalBytes()),
                Pointer.maxBytes() > 0 ? size(Pointer.maxBytes()) : "none", String.valueOf(cause.getMessage()).replace('\n', ' ')));
        e.initCause(cause);
        return e;
    }

    private static String size(long bytes) {
        return bytes >= 1L << 20 ? String.format(Locale.ROOT, "%,d MiB", bytes >> 20) : String.format(Locale.ROOT, "%,d bytes", bytes);
    }
}
