package dev.downhill.cpu;

import dev.downhill.spi.Interrupts;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_full;

/**
 * Loads OpenBLAS once and manages its (process-wide) thread count. The fused kernels call BLAS
 * from several Java threads, so OpenBLAS itself runs single-threaded except inside the
 * least-squares solves, which are given the problem's thread count for their duration.
 */
final class OpenBlas {
    private static final Object LOCK = new Object();
    /** How often a fit waiting for its turn checks whether it was asked to stop. */
    private static final long WAIT_CHECK_MILLIS = 10;
    /** The turn of the bodies that raise OpenBLAS's thread count ({@link #withThreads}). */
    private static final java.util.concurrent.locks.ReentrantLock TURN = new java.util.concurrent.locks.ReentrantLock();
    private static volatile String failure;
    private static volatile boolean loaded;

    private OpenBlas() {
    }

    /** Loads the library; returns null on success, else why it cannot load. Probes once. */
    static String probe() {
        if (loaded) {
            return null;
        }
        synchronized (LOCK) {
            if (loaded || failure != null) {
                return failure;
            }
            try {
                Loader.load(openblas_full.class);
                openblas_full.openblas_set_num_threads(1);
                loaded = true;
                return null;
            } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
                failure = "OpenBLAS native library did not load (" + e + ")";
                return failure;
            }
        }
    }

    /**
     * Runs {@code body} with OpenBLAS using {@code threads} threads, then back to 1. OpenBLAS's thread count is one
     * setting for the whole process (this build has no per-thread count), so the bodies are serialised: one at a time in
     * the JVM — each solve then runs on the count its problem asked for, whatever other fits do (the same bits as alone),
     * and two solves on all cores do not oversubscribe them (measured under load, OpenBLAS's dgeqrf was 10–60× slower
     * with 2 threads than with 1). A fit waiting for its turn stops as soon as its thread is interrupted or its fit is
     * asked to stop ({@link Interrupts#stopIfInterrupted}: a {@link dev.downhill.FitInterruptedException}), not when the
     * solve ahead of it ends.
     */
    static <T> T withThreads(int threads, java.util.function.Supplier<T> body) {
        try { // free: taken at once, whatever the interrupt flag (the passes check it themselves, between blocks)
            while (!TURN.tryLock() && !TURN.tryLock(WAIT_CHECK_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                Interrupts.stopIfInterrupted(); // a stop request of the waiting fit (its thread not interrupted)
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the flag stays set, as Interrupts' contract says
            Interrupts.stopIfInterrupted();
            throw new IllegalStateException("unreachable: the thread was interrupted", e);
        }
        try {
            openblas_full.openblas_set_num_threads(threads);
            try {
                return body.get();
            } finally {
                openblas_full.openblas_set_num_threads(1);
            }
        } finally {
            TURN.unlock();
        }
    }

    /** The build configuration string of the loaded OpenBLAS (e.g. its kernel and thread model). */
    static String config() {
        return openblas_full.openblas_get_config().getString() + "; kernels " + core();
    }

    /**
     * The kernel family OpenBLAS runs (e.g. "SkylakeX", "Haswell"): its own choice for this CPU, or OPENBLAS_CORETYPE's
     * when that was set before it loaded (some machines pin it).
     */
    static String core() {
        return openblas_full.openblas_get_corename().getString();
    }
}
