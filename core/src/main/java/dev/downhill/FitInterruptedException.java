package dev.downhill;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A fit stopped by {@link Checkpoint#requestStop()}: it ended at an iteration boundary after saving its state there
 * (when its checkpoint writes one); no model is returned. Resume it with {@link Checkpoint#resume(Path)}.
 */
public final class FitInterruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long iteration;
    private final transient Path directory;

    public FitInterruptedException(long iteration, Path directory) {
        super("fit interrupted at iteration " + iteration + (directory == null ? " (no checkpoint written: no checkpoint folder)"
                : "; its state is saved in " + directory + " (resume with it)"));
        this.iteration = iteration;
        this.directory = directory;
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
