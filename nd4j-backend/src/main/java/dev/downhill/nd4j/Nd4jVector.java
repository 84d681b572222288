package dev.downhill.nd4j;

import dev.downhill.Precision;
import dev.downhill.spi.BackendVector;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A vector as an ND4J column {@code INDArray} of shape [n, 1] (rank 2, so that it goes straight into
 * {@code Nd4j.gemm}), c-order, offset 0, in the problem's data type. Closing releases the array's
 * memory; closing twice is harmless. Not thread-safe.
 */
final class Nd4jVector implements BackendVector {
    private final INDArray array;
    private final long length;
    private final Precision precision;
    private boolean closed;

    Nd4jVector(long length, Precision precision) {
        this.length = length;
        this.precision = precision;
        this.array = Nd4j.zeros(Nd4jProblem.dataType(precision), length, 1);
    }

    /** The [n, 1] array; throws once closed. */
    INDArray array() {
        if (closed) {
            throw new IllegalStateException("vector is closed");
        }
        return array;
    }

    Precision precision() {
        return precision;
    }

    @Override
    public long length() {
        return length;
    }

    /** Element by element through the data buffer (rounded to float32 in a float32 vector). */
    @Override
    public void copyFromHost(double[] values) {
        if (values.length != length) {
            throw new IllegalArgumentException("vector has " + length + " elements, got " + values.length);
        }
        DataBuffer b = array().data();
        for (int i = 0; i < values.length; i++) {
            b.put(i, values[i]);
        }
    }

    @Override
    public double[] copyToHost() {
        DataBuffer b = array().data();
        double[] out = new double[Math.toIntExact(length)];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getDouble(i);
        }
        return out;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Nd4jRuntime.release(array);
        }
    }
}
