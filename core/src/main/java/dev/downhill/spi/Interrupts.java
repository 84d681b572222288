package dev.downhill.spi;

import dev.downhill.FitInterruptedException;
import dev.downhill.internal.Checkpointer;

/**
 * Where the direct solvers' passes (the Gram and QR passes, the extended-precision residual passes) may stop: a backend
 * calls {@link #stopIfInterrupted()} on the calling thread between blocks of rows — never per row, and never while its
 * own workers may still read the block — so that an interrupt of the fitting thread ({@link Thread#interrupt()}) or a
 * {@link dev.downhill.Checkpoint#requestStop()} of its fit ends a long pass with a {@link FitInterruptedException}
 * rather than after the whole of X. Core checks too, between the backend calls of a direct solve and once before its
 * O(n³) factorization.
 */
public final class Interrupts {
    private Interrupts() {
    }

    /**
     * A {@link FitInterruptedException} at iteration 0 when the calling thread is interrupted
     * ({@link FitInterruptedException#threadInterrupted()} true, the thread's interrupt flag left set) or the fit running
     * on it was asked to stop ({@link dev.downhill.Checkpoint#requestStop()}), else nothing: a read of the flag and of a
     * thread-local. The caller frees what it holds on the way out (try-with-resources).
     */
    public static void stopIfInterrupted() {
        Checkpointer.stopIfInterrupted(0);
    }
}
