package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The backend options of a checkpoint of another fit, each named by its option and its values then and now. */
class CheckpointMismatchTest {
    @Test
    void eachDifferingBackendOptionIsNamed() {
        assertEquals("--threads was not given (every core) when the checkpoint was saved, now 2",
                CheckpointMismatch.backendOptions("BackendOptions[threads=default]", "BackendOptions[threads=2]",
                        " when the checkpoint was saved"));
        assertEquals("--cpu-kernel was native, now blas; --memory-budget was not given, now 10.0 GB",
                CheckpointMismatch.backendOptions("BackendOptions[threads=2, cpu.kernel=native]",
                        "BackendOptions[threads=2, hostMemoryBudget=10000000000, cpu.kernel=blas]", ""));
        assertEquals("the backend options (--threads, --memory-budget, --device-memory-budget, --cpu-kernel, --cuda-kernel) differ",
                CheckpointMismatch.backendOptions("unknown", "BackendOptions[threads=2]", ""));
    }
}
