package dev.downhill.cpu;

import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import dev.downhill.spi.BackendVector;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/** A vector in host off-heap memory, float32 ({@link FloatPointer}) or float64 ({@link DoublePointer}). */
final class CpuVector implements BackendVector {
    private final Pointer data;
    private final long length;
    private final Precision precision;
    private boolean closed;

    CpuVector(long length, Precision precision) {
        this.length = length;
        this.precision = precision;
        // huge pages for large vectors: a fresh 8 MB vector (n = 2^20) is 2,048 page faults on its first touch otherwise
        this.data = dev.downhill.io.HugePages.advise(precision == Precision.FLOAT64 ? new DoublePointer(length) : new FloatPointer(length));
        Pointer.memset(data, 0, length * precision.bytes());
    }

    Pointer pointer() {
        if (closed) {
            throw new IllegalStateException("vector is closed");
        }
        return data;
    }

    FloatPointer floats() {
        return (FloatPointer) pointer();
    }

    DoublePointer doubles() {
        return (DoublePointer) pointer();
    }

    Precision precision() {
        return precision;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public void copyFromHost(double[] values) {
        if (values.length != length) {
            throw new IllegalArgumentException("vector has " + length + " elements, got " + values.length);
        }
        if (precision == Precision.FLOAT64) {
            OffHeapViews.doubles(pointer(), 0, values.length).put(values);
        } else {
            FloatBuffer b = OffHeapViews.floats(pointer(), 0, values.length);
            for (int i = 0; i < values.length; i++) {
                b.put(i, (float) values[i]);
            }
        }
    }

    @Override
    public double[] copyToHost() {
        double[] out = new double[Math.toIntExact(length)];
        if (precision == Precision.FLOAT64) {
            DoubleBuffer b = OffHeapViews.doubles(pointer(), 0, out.length);
            b.get(out);
        } else {
            FloatBuffer b = OffHeapViews.floats(pointer(), 0, out.length);
            for (int i = 0; i < out.length; i++) {
                out[i] = b.get(i);
            }
        }
        return out;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            data.close();
        }
    }
}
