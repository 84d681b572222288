package dev.downhill.cli;

import dev.downhill.IterationListener;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of {@code --alpha auto} on stderr: every {@value Progress#LINE_SECONDS} s a line with the fits begun (of the
 * about {@code expectedFits} the grid and folds make), the iterations run and the time elapsed. A cross-validation's
 * fits are many and short, so a per-fit bar says nothing; and the direct solvers' fits call no listener, so the line is
 * printed by a clock of its own, not by iterations (it said nothing for minutes: a 600-fit path on wide sparse data
 * printed its one note and then was silent until the result). A fit begins where the listener hears iteration 0 (each
 * fit of {@link dev.downhill.CrossValidation} counts from 0). Closing stops the clock; the lines go to stderr, between
 * the note and the summary, never on stdout.
 */
final class CrossValidationProgress implements IterationListener, AutoCloseable {
    private final PrintWriter err;
    private final long expectedFits;
    private final long start = System.nanoTime();
    private final AtomicLong fits = new AtomicLong();
    private final AtomicLong iterations = new AtomicLong();
    private final ScheduledExecutorService clock;

    CrossValidationProgress(PrintWriter err, long expectedFits) {
        this(err, expectedFits, Progress.LINE_SECONDS * 1000);
    }

    /** With lines every {@code periodMillis} (tests shorten it). */
    CrossValidationProgress(PrintWriter err, long expectedFits, long periodMillis) {
        this.err = err;
        this.expectedFits = expectedFits;
        this.clock = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "downhill-cv-progress");
            t.setDaemon(true);
            return t;
        });
        clock.scheduleAtFixedRate(this::printLine, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public Control onIteration(long iteration, double loss, double gradientNorm) {
        if (iteration == 0) {
            fits.incrementAndGet();
        } else {
            iterations.incrementAndGet();
        }
        return Control.CONTINUE;
    }

    private void printLine() {
        double elapsed = (System.nanoTime() - start) / 1e9;
        long begun = fits.get();
        String line = begun == 0 ? "cross-validation: running, elapsed " + Progress.clock(elapsed) // direct solvers' fits
                : String.format(Locale.ROOT, "cross-validation: %d of ~%d fits begun, %d iterations, elapsed %s", begun,
                expectedFits, iterations.get(), Progress.clock(elapsed));
        synchronized (err) {
            err.println(line);
            err.flush();
        }
    }

    /** Stops the clock (no line after it returns). */
    @Override
    public void close() {
        clock.shutdownNow();
        try {
            clock.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
