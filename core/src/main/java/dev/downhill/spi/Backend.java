package dev.downhill.spi;

import dev.downhill.Dataset;
import dev.downhill.Precision;

/**
 * A compute backend (CPU, CUDA, ...), found with {@link java.util.ServiceLoader}. Implementations
 * must have a public no-argument constructor that does no native work; {@link #availability()}
 * probes the hardware and libraries (once) and reports why the backend cannot run.
 */
public interface Backend {

    /** Short lower-case name used for selection ("cpu", "cuda"). */
    String name();

    /** Higher wins when the backend is chosen automatically. */
    int priority();

    /** Whether this backend can run here, and if not, why. */
    Availability availability();

    /**
     * One line about what the backend runs on, for {@code downhill info}: the BLAS build and
     * threads for a CPU backend, the device name and memory for a GPU backend. Empty when the
     * backend is unavailable or has nothing to say.
     */
    default String details() {
        return "";
    }

    /**
     * Loads {@code data} (converted to {@code precision} if it differs) into a resident problem.
     *
     * @param threads CPU threads to use, 0 for the backend's default (all cores)
     */
    ResidentProblem load(Dataset data, Precision precision, int threads);
}
