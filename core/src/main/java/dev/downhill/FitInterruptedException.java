package dev.downhill;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A fit stopped by {@link Checkpoint#requestStop()} or by an interrupt of the thread running it
 * ({@link Thread#interrupt()}): it ended at an iteration boundary after saving its state there (when its checkpoint
 * writes one); no model is returned. Resume it with {@link Checkpoint#resume(Path)}.
 *
 * <p>Interrupts: the gradient solvers (gd, nesterov, cg, their proximal forms, sgd, minibatch) look at the running
 * thread's interrupt flag at every iteration boundary (before each full-batch iteration's gradient pass, before each
 * epoch), cd before each sweep, and a direct solve (normal, svd) once before it starts; a set flag stops the fit there
 * with this exception, {@link #threadInterrupted()} true, and the flag <em>still set</em> (it is not cleared, so the
 * caller's own interrupt handling sees it). A pass that has started runs to its end first (the backends never leave
 * workers reading memory the caller may free), so the fit stops within one iteration or epoch. A fit started on a
 * thread whose flag is already set stops at its first boundary.
 *
 * <p>The direct solvers (normal, svd) also stop between blocks of their passes: on the cpu backend their passes over X
 * (the Gram or QR pass, dense or sparse, the extended-precision passes of the refinement; cd's Gram pass too) look at
 * the flag before each block of rows ({@link dev.downhill.spi.Interrupts}) — the block's BLAS call and the workers
 * finish first — and core looks again before each backend call of the solve and once before its O(n³) factorization
 * (Cholesky or SVD of the small matrix). An interrupt during the Gram pass of a large X thus stops the fit within a
 * block, not after the whole of X; {@link #iteration()} is 0, and the pass's work memory (the Gram matrix, the blocks)
 * is freed.
 */
public final class FitInterruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The iteration (step or epoch) the fit would have taken next. */
    private final long iteration;
    private final transient Path directory;
    /** Whether an interrupt of the fit's thread stopped it, rather than a stop request. */
    private final boolean threadInterrupted;

    /** A fit stopped by {@link Checkpoint#requestStop()} at {@code iteration}, its state saved in {@code directory} (or null). */
    public FitInterruptedException(long iteration, Path directory) {
        this(iteration, directory, false);
    }

    /**
     * A fit stopped at {@code iteration}, its state saved in {@code directory} (or null), by an interrupt of its thread
     * when {@code threadInterrupted}, else by {@link Checkpoint#requestStop()}.
     */
    public FitInterruptedException(long iteration, Path directory, boolean threadInterrupted) {
        super("fit interrupted at iteration " + iteration + (threadInterrupted ? " (its thread was interrupted)" : "")
                + (directory == null ? "; no checkpoint written" // no folder, or a solver that saves nothing mid-fit (cd)
                : "; its state is saved in " + directory + " (resume with it)"));
        this.iteration = iteration;
        this.directory = directory;
        this.threadInterrupted = threadInterrupted;
    }

    /** Whether an interrupt of the fit's thread stopped it (its interrupt flag is then still set), not a stop request. */
    public boolean threadInterrupted() {
        return threadInterrupted;
    }

    /** The iteration (step or epoch) the fit would have taken next: where a resumed fit starts. */
    public long iteration() {
        return iteration;
    }

    /** The folder holding the checkpoint written at the interruption, if one was written. */
    public Optional<Path> directory() {
        return Optional.ofNullable(directory);
    }
}
