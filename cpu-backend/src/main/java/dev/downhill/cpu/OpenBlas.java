package dev.downhill.cpu;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_full;

/**
 * Loads OpenBLAS once and manages its (process-wide) thread count. The fused kernels call BLAS
 * from several Java threads, so OpenBLAS itself runs single-threaded except inside the
 * least-squares solves, which are given the problem's thread count for their duration.
 */
final class OpenBlas {
    private static final Object LOCK = new Object();
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

    /** Runs {@code body} with OpenBLAS using {@code threads} threads, then back to 1. Serialised. */
    static <T> T withThreads(int threads, java.util.function.Supplier<T> body) {
        synchronized (LOCK) {
            openblas_full.openblas_set_num_threads(threads);
            try {
                return body.get();
            } finally {
                openblas_full.openblas_set_num_threads(1);
            }
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
