package dev.downhill.internal;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Windows onto long-addressed off-heap arrays as NIO buffers (no copy), so Java loops can read
 * and write them at array speed. A window holds at most {@link #MAX_WINDOW} elements.
 *
 * <p>A window starts from a pointer whose address is moved to the window's first element
 * ({@code getPointer(offset)}), not from a pointer whose position is moved: JavaCPP's
 * {@code asByteBuffer()} builds the buffer from the address, capacity (position + length) × size
 * clamped to {@code Integer.MAX_VALUE}, so windows ending beyond 2 GiB from the address came
 * back empty or short.
 */
public final class OffHeapViews {
    /** Largest window, in elements (keeps byte sizes within an int). */
    public static final int MAX_WINDOW = 1 << 24;

    private OffHeapViews() {
    }

    /** Elements {@code [offset, offset+length)} of {@code base} as a FloatBuffer sharing its memory. */
    public static FloatBuffer floats(Pointer base, long offset, int length) {
        FloatPointer p = new FloatPointer(base).getPointer(base.position() + offset);
        p.position(0).limit(length);
        return p.asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** Elements {@code [offset, offset+length)} of {@code base} as a DoubleBuffer sharing its memory. */
    public static DoubleBuffer doubles(Pointer base, long offset, int length) {
        DoublePointer p = new DoublePointer(base).getPointer(base.position() + offset);
        p.position(0).limit(length);
        return p.asByteBuffer().order(ByteOrder.nativeOrder()).asDoubleBuffer();
    }

    /** A pointer of the same type as {@code base} starting {@code offset} elements further. */
    /**
     * A view of {@code p}'s memory — the same address, position, limit and capacity — that owns nothing: moving its
     * position moves nobody else's, and closing it frees nothing (a JavaCPP copy {@code new DoublePointer(p)} would free
     * {@code p}'s memory on close). What the datasets' getters hand out.
     */
    public static DoublePointer unowned(DoublePointer p) {
        return new DoublePointer() {
            {
                address = p.address();
                position = p.position();
                limit = p.limit();
                capacity = p.capacity();
            }
        };
    }

    /** {@link #unowned(DoublePointer)} for float32 memory. */
    public static FloatPointer unowned(FloatPointer p) {
        return new FloatPointer() {
            {
                address = p.address();
                position = p.position();
                limit = p.limit();
                capacity = p.capacity();
            }
        };
    }

    /** {@link #unowned(DoublePointer)} for int32 memory. */
    public static org.bytedeco.javacpp.IntPointer unowned(org.bytedeco.javacpp.IntPointer p) {
        return new org.bytedeco.javacpp.IntPointer() {
            {
                address = p.address();
                position = p.position();
                limit = p.limit();
                capacity = p.capacity();
            }
        };
    }

    /** {@link #unowned(DoublePointer)} for int64 memory. */
    public static org.bytedeco.javacpp.LongPointer unowned(org.bytedeco.javacpp.LongPointer p) {
        return new org.bytedeco.javacpp.LongPointer() {
            {
                address = p.address();
                position = p.position();
                limit = p.limit();
                capacity = p.capacity();
            }
        };
    }

    /** {@link #unowned(DoublePointer)} for a FloatPointer or DoublePointer given as a Pointer. */
    public static Pointer unowned(Pointer p) {
        if (p instanceof DoublePointer d) {
            return unowned(d);
        }
        if (p instanceof FloatPointer f) {
            return unowned(f);
        }
        throw new IllegalArgumentException("expected a FloatPointer or DoublePointer, got " + p.getClass().getName());
    }

    public static Pointer offset(Pointer base, long offset) {
        if (base instanceof FloatPointer) {
            return new FloatPointer(base).position(base.position() + offset);
        }
        if (base instanceof DoublePointer) {
            return new DoublePointer(base).position(base.position() + offset);
        }
        throw new IllegalArgumentException("expected a FloatPointer or DoublePointer, got " + base.getClass().getName());
    }
}
