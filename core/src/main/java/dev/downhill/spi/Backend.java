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
     * threads for a CPU backend, the device name and memory for a GPU backend, as it would run with
     * {@code options}. Empty when the backend is unavailable or has nothing to say.
     */
    default String details(BackendOptions options) {
        return "";
    }

    /** {@link #details(BackendOptions)} with the defaults the system properties give ({@link BackendOptions#defaults()}). */
    default String details() {
        return details(BackendOptions.defaults());
    }

    /**
     * Loads {@code data} (converted to {@code precision} if it differs) into a resident problem, with the
     * settings in {@code options} (threads, device, memory budgets, kernel choice; see {@link BackendOptions}).
     * The backend reads its settings from {@code options} only — never from system properties — and ignores
     * the ones it has no use for; a setting it cannot honour (an unknown kernel name, a device that does not
     * exist) is an {@link IllegalArgumentException} or {@link IllegalStateException} saying why.
     */
    ResidentProblem load(Dataset data, Precision precision, BackendOptions options);

    /**
     * Loads a sparse (CSR) dataset into a resident problem whose passes visit the stored entries only, as
     * {@link #load} does for dense X. The problem may borrow {@code data}'s memory (keep it open while the problem is
     * used). A backend without sparse passes refuses with an {@link UnsupportedOperationException} saying so — the
     * default.
     */
    default ResidentProblem loadSparse(dev.downhill.SparseDataset data, Precision precision, BackendOptions options) {
        throw new UnsupportedOperationException("the " + name() + " backend does not take sparse X yet: use the cpu backend, "
                + "or densify X");
    }

    /** Whether {@link #loadSparse} is implemented (asked without probing the hardware). */
    default boolean takesSparse() {
        return false;
    }
}
