package dev.downhill.cli;

import dev.downhill.IterationListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a long fit on stderr: on a terminal a one-line bar (iteration, loss, ETA) redrawn at
 * most every {@value #REDRAW_MILLIS} ms; otherwise a plain line every {@value #LINE_SECONDS} s;
 * nothing when quiet. The ETA assumes the fit runs to its iteration limit (it may converge sooner).
 */
final class Progress implements IterationListener {
    static final long REDRAW_MILLIS = 100;
    static final long LINE_SECONDS = 5;
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final long maxIterations;
    private final boolean terminal;
    private final String unit;
    private final long start = System.nanoTime();
    private long lastOutput = System.nanoTime();
    private boolean drawn;
    /** The first iteration seen (past 0 for a resumed fit): the ETA's rate counts from it. */
    private long first = -1;

    Progress(PrintWriter err, long maxIterations, boolean terminal, String unit) {
        this.err = err;
        this.maxIterations = maxIterations;
        this.terminal = terminal;
        this.unit = unit;
    }

    @Override
    public Control onIteration(long iteration, double loss, double gradientNorm) {
        long now = System.nanoTime();
        if (first < 0) {
            first = iteration;
        }
        long interval = terminal ? REDRAW_MILLIS * 1_000_000L : LINE_SECONDS * 1_000_000_000L;
        if (now - lastOutput >= interval || iteration == maxIterations) {
            lastOutput = now;
            double elapsed = (now - start) / 1e9;
            double eta = iteration == first ? Double.NaN : elapsed / (iteration - first) * (maxIterations - iteration);
            String text = String.format(Locale.ROOT, "%s %d/%d  loss %.6g  |grad| %.3g  elapsed %s  ETA ≤ %s", unit, iteration,
                    maxIterations, loss, gradientNorm, clock(elapsed), clock(eta));
            if (terminal) {
                int filled = (int) (WIDTH * Math.min(1.0, iteration / (double) maxIterations));
                err.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + text + "   ");
                drawn = true;
            } else {
                err.println(text);
            }
            err.flush();
        }
        return Control.CONTINUE;
    }

    /** Ends the bar's line (call once after the fit). */
    void finish() {
        if (drawn) {
            err.println();
            err.flush();
        }
    }

    static String clock(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "--:--";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }
}
