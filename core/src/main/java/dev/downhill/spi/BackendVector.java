package dev.downhill.spi;

/**
 * A vector of length n living in a backend's memory (host off-heap memory for the CPU backend,
 * device memory for a GPU backend), stored in the problem's precision. Made by
 * {@link ResidentProblem#allocateVector}; owned by the caller, who closes it (closing twice is
 * harmless). Not thread-safe.
 */
public interface BackendVector extends AutoCloseable {

    /** Number of elements. */
    long length();

    /** Overwrites this vector with {@code values} (host memory, converted to the vector's precision). */
    void copyFromHost(double[] values);

    /** Returns a host copy of this vector, widened to double. */
    double[] copyToHost();

    @Override
    void close();
}
