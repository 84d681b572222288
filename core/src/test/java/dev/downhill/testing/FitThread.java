package dev.downhill.testing;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.LinearRegression;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fit of {@code data} with {@code config} on a thread of its own, for tests that interrupt it: what the fit threw,
 * whether the thread's interrupt flag was still set when the fit returned, and when it ended ({@link System#nanoTime}).
 */
public final class FitThread {
    private final Thread thread;
    private final AtomicReference<Throwable> thrown = new AtomicReference<>();
    private final AtomicBoolean flagKept = new AtomicBoolean();
    private volatile long endedNanos;

    private FitThread(Dataset data, FitConfig config, String name) {
        this.thread = new Thread(() -> {
            try {
                LinearRegression.fit(data, config);
            } catch (Throwable e) {
                thrown.set(e);
            }
            flagKept.set(Thread.currentThread().isInterrupted());
            endedNanos = System.nanoTime();
        }, name);
    }

    /** Starts the fit on a new thread named {@code name}. */
    public static FitThread start(Dataset data, FitConfig config, String name) {
        FitThread f = new FitThread(data, config, name);
        f.thread.start();
        return f;
    }

    /** Interrupts the fitting thread. */
    public void interrupt() {
        thread.interrupt();
    }

    /** Waits at most {@code millis} for the fit to end; returns whether it has. */
    public boolean join(long millis) throws InterruptedException {
        thread.join(millis);
        return !thread.isAlive();
    }

    /** What the fit threw, or null. */
    public Throwable thrown() {
        return thrown.get();
    }

    /** Whether the thread's interrupt flag was set when the fit returned or threw. */
    public boolean flagKept() {
        return flagKept.get();
    }

    /** When the fit ended ({@link System#nanoTime}), 0 while it runs. */
    public long endedNanos() {
        return endedNanos;
    }
}
