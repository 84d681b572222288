package dev.downhill;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where and how often a fit saves its solver's state, and where it resumes from ({@link FitConfig.Builder#checkpoint}).
 * Made with {@link #to(Path)} (write), {@link #resume(Path)} (resume only) or both ({@code to(dir).resumingFrom(dir)}).
 *
 * <p>Writing: the fit creates the folder (and its parents) and saves the state atomically ({@link dev.downhill.io.AtomicFile})
 * at its first iteration boundary — before the first step —, then at the first boundary after every {@link #interval()}
 * (checked once per iteration), when the fit ends (a <em>finished</em> checkpoint that holds the final answer), and
 * when {@link #requestStop()} is called. The boundaries are the full-batch solvers' iterations (before the gradient pass
 * of iteration k), the stochastic solvers' epochs (before the epoch's first batch) and cd's full sweeps (before each);
 * the direct solvers (normal, svd) have none: their checkpoint is the finished one, so a stop
 * requested during one of them (or an interrupt) saves nothing and leaves no checkpoint to resume from (a later {@link #resumingFrom} of that folder is refused as
 * holding none; fit without it).
 *
 * <p>Resuming: the fit reads the checkpoint, compares its fingerprint (the data's shape, precision, weights and a
 * checksum of a sample of rows; every setting of {@link FitConfig} that changes the answer, and the backend and
 * threads it runs on — the count it runs on, not the count asked for —; settings the solver does not use, such as a
 * seed for cg, are not compared) with this fit's — a difference is an {@link IllegalArgumentException} naming it — and continues
 * from the saved state: the model equals bit for bit (coefficients, intercept, iterations, stop reason, histories) the
 * one an uninterrupted fit gives. A finished checkpoint gives the final model without iterating.
 *
 * <p>Immutable, except for the stop request, which copies made by {@link #every} and {@link #resumingFrom} share.
 */
public final class Checkpoint {
    /** The default interval between checkpoints. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    private static final Consumer<Path> NOTHING = folder -> { };
    private static final Checkpoint NONE = new Checkpoint(null, DEFAULT_INTERVAL, null, new Stop(), NOTHING);

    private final Path directory;
    private final Duration interval;
    private final Path resumeFrom;
    private final Stop stop;
    private final Consumer<Path> onResumed;

    private Checkpoint(Path directory, Duration interval, Path resumeFrom, Stop stop, Consumer<Path> onResumed) {
        this.directory = directory;
        this.interval = interval;
        this.resumeFrom = resumeFrom;
        this.stop = stop;
        this.onResumed = onResumed;
    }

    /** No checkpoint (the default). */
    public static Checkpoint none() {
        return NONE;
    }

    /** Save the state in {@code directory} every {@link #DEFAULT_INTERVAL}. */
    public static Checkpoint to(Path directory) {
        return new Checkpoint(Objects.requireNonNull(directory, "directory"), DEFAULT_INTERVAL, null, new Stop(), NOTHING);
    }

    /** Resume from the checkpoint in {@code directory} without saving new ones. */
    public static Checkpoint resume(Path directory) {
        return new Checkpoint(null, DEFAULT_INTERVAL, Objects.requireNonNull(directory, "directory"), new Stop(), NOTHING);
    }

    /** This checkpoint, saved every {@code interval} (≥ 0; 0 saves at every boundary). */
    public Checkpoint every(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("checkpoint interval must be ≥ 0, got " + interval);
        }
        return new Checkpoint(directory, interval, resumeFrom, this == NONE ? new Stop() : stop, onResumed); // never NONE's flag
    }

    /** This checkpoint, also resuming from the one in {@code directory} (it may be the folder this one writes). */
    public Checkpoint resumingFrom(Path directory) {
        return new Checkpoint(this.directory, interval, Objects.requireNonNull(directory, "directory"), this == NONE ? new Stop() : stop,
                onResumed);
    }

    /**
     * This checkpoint, calling {@code action} with the folder resumed from once a fit has read the checkpoint there and
     * accepted it (its fingerprint matches), before the fit goes on from it: a "resuming from …" note that a refused
     * resume (an {@link IllegalArgumentException}) never prints. Called on the fitting thread, once per fit that resumes;
     * never for a checkpoint without {@link #resumeFrom()}.
     */
    public Checkpoint whenResumed(Consumer<Path> action) {
        Objects.requireNonNull(action, "action");
        if (this == NONE) {
            throw new IllegalStateException("Checkpoint.none() resumes nothing: give the fit Checkpoint.resume(folder)");
        }
        return new Checkpoint(directory, interval, resumeFrom, stop, action);
    }

    /** What {@link #whenResumed} set (a no-op by default): for the fit that accepts the checkpoint it resumes from. */
    public Consumer<Path> resumedAction() {
        return onResumed;
    }

    /** The folder the state is saved in, if any. */
    public Optional<Path> directory() {
        return Optional.ofNullable(directory);
    }

    /** The folder the fit resumes from, if any. */
    public Optional<Path> resumeFrom() {
        return Optional.ofNullable(resumeFrom);
    }

    /**
     * The least time between two saves during a fit ({@link #DEFAULT_INTERVAL} unless {@link #every(Duration)} set it;
     * zero saves at every iteration boundary). The first boundary, the end of the fit and a stop request save whatever
     * it says.
     *
     * @return the interval, ≥ 0
     */
    public Duration interval() {
        return interval;
    }

    /**
     * Reads the checkpoint in {@code folder} and says what it holds in a few words ("gd at iteration 1234", "cg, finished
     * after 80 iterations"); an {@link IllegalArgumentException} names what is missing or damaged. Checks the manifest only
     * (the fingerprint and the state file are checked when the fit resumes).
     */
    public static String describe(Path folder) {
        Objects.requireNonNull(folder, "folder");
        return dev.downhill.internal.Checkpointer.describe(folder);
    }

    /** Whether this checkpoint saves or resumes anything. */
    public boolean isActive() {
        return directory != null || resumeFrom != null;
    }

    /**
     * Asks the fit running with this checkpoint to stop at its next boundary (thread-safe; for a signal handler or
     * another thread): it saves its state there (when {@link #directory()} is set) and throws
     * {@link FitInterruptedException}. A fit that starts after the request stops at its first boundary. The solvers
     * without saved state (normal, svd) stop between the blocks of their passes, saving nothing; cd stops at its next full
     * sweep's boundary (during its Gram pass: between blocks, saving nothing).
     * The fit that stops on a request consumes it: the next fit with this checkpoint (or a copy) runs — a resume, say —
     * unless stop is requested again. {@link #withdrawStop()} takes back a request no fit has acted on.
     */
    public void requestStop() {
        if (this == NONE) {
            throw new IllegalStateException("Checkpoint.none() cannot be stopped: give the fit a Checkpoint");
        }
        if (!isActive()) {
            throw new IllegalStateException("a checkpoint with no folder to save in or resume from cannot be stopped: give the "
                    + "fit Checkpoint.to(folder)");
        }
        stop.requested = true;
    }

    /** Whether {@link #requestStop()} was called and no fit has stopped on it yet. */
    public boolean stopRequested() {
        return stop.requested;
    }

    /** Takes back a stop request no fit has acted on yet (nothing happens without one); thread-safe. */
    public void withdrawStop() {
        stop.requested = false;
    }

    @Override
    public String toString() {
        if (!isActive()) {
            return "none";
        }
        return (directory == null ? "" : "to " + directory + " every " + interval.toMillis() / 1000.0 + " s")
                + (directory != null && resumeFrom != null ? ", " : "") + (resumeFrom == null ? "" : "resuming from " + resumeFrom);
    }

    private static final class Stop {
        volatile boolean requested;
    }
}
