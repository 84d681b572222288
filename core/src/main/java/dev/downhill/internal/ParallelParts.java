package dev.downhill.internal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a few independent parts of one pass at once: every part but the first on a daemon thread of its own, the first
 * on the calling thread, then waits for all of them — also when the calling thread is interrupted while waiting (the
 * parts write into memory the caller returns; the interrupt flag is set again afterwards, and the parts are asked to
 * stop through the flag given to {@link #run(String, Runnable[], AtomicBoolean)}). The first part to fail has its
 * exception rethrown once all have ended.
 */
public final class ParallelParts {
    private ParallelParts() {
    }

    /** Runs {@code parts} (threads named {@code name}) and waits for all; rethrows the first failure. */
    public static void run(String name, Runnable[] parts) {
        run(name, parts, new AtomicBoolean());
    }

    /**
     * As {@link #run(String, Runnable[])}, setting {@code stop} when the calling thread is found interrupted while it
     * waits for the other parts (parts that watch the flag then end early).
     */
    public static void run(String name, Runnable[] parts, AtomicBoolean stop) {
        Throwable[] failure = new Throwable[1];
        Thread[] helpers = new Thread[Math.max(0, parts.length - 1)];
        for (int t = 1; t < parts.length; t++) {
            Runnable part = parts[t];
            helpers[t - 1] = new Thread(() -> {
                try {
                    part.run();
                } catch (Throwable e) {
                    record(failure, e);
                }
            }, name);
            helpers[t - 1].setDaemon(true);
            helpers[t - 1].start();
        }
        try {
            if (parts.length > 0) {
                parts[0].run();
            }
        } catch (Throwable e) {
            record(failure, e);
        } finally {
            boolean interrupted = false;
            for (Thread h : helpers) {
                while (true) {
                    try {
                        h.join();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                        stop.set(true);
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (failure) {
            if (failure[0] instanceof RuntimeException e) {
                throw e;
            }
            if (failure[0] instanceof Error e) {
                throw e;
            }
        }
    }

    private static void record(Throwable[] failure, Throwable e) {
        synchronized (failure) {
            if (failure[0] == null) {
                failure[0] = e;
            }
        }
    }
}
