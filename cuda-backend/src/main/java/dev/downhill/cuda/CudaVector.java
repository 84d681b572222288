package dev.downhill.cuda;

import dev.downhill.Precision;
import dev.downhill.spi.BackendVector;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;

/** A vector in device memory, in its problem's precision. Closing frees the device memory (once). */
final class CudaVector implements BackendVector {
    private final CudaContext context;
    private final DeviceMemory memory;
    private final long length;
    private final Precision precision;

    CudaVector(CudaContext context, long length, Precision precision) {
        if (length < 0 || length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("vector length " + length + " out of range");
        }
        this.context = context;
        this.length = length;
        this.precision = precision;
        this.memory = context.allocate(length * precision.bytes(), "vector[" + length + "]");
        context.zero(memory);
    }

    DeviceMemory memory() {
        return memory;
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
            throw new IllegalArgumentException("expected " + length + " values, got " + values.length);
        }
        if (precision == Precision.FLOAT64) {
            try (DoublePointer host = new DoublePointer(values)) {
                context.toDevice(host, memory, 0, 8 * length);
            }
        } else {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            try (FloatPointer host = new FloatPointer(f)) {
                context.toDevice(host, memory, 0, 4 * length);
            }
        }
    }

    @Override
    public double[] copyToHost() {
        double[] out = new double[(int) length];
        if (precision == Precision.FLOAT64) {
            try (DoublePointer host = new DoublePointer(Math.max(1, length))) {
                context.toHost(memory, 0, host, 8 * length);
                host.get(out);
            }
        } else {
            float[] f = new float[(int) length];
            try (FloatPointer host = new FloatPointer(Math.max(1, length))) {
                context.toHost(memory, 0, host, 4 * length);
                host.get(f);
            }
            for (int i = 0; i < f.length; i++) {
                out[i] = f[i];
            }
        }
        return out;
    }

    @Override
    public void close() {
        context.free(memory);
    }
}
