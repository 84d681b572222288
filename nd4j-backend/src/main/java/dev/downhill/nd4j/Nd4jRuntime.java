package dev.downhill.nd4j;

import org.bytedeco.openblas.global.openblas_full;
import org.nd4j.linalg.api.blas.Blas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's process-wide state, touched only here: the one-time probe and the thread settings.
 * ND4J initialises itself in static initialisers (its backend, the native library, OpenBLAS);
 * the first failure is kept as the reason, since later uses of the same classes throw
 * {@link NoClassDefFoundError} without the original cause.
 */
final class Nd4jRuntime {
    /** The ND4J backend whose arrays live in host memory that downhill can wrap without copying. */
    static final String HOST_BACKEND = "org.nd4j.linalg.cpu.nativecpu.CpuBackend";

    private static final Object LOCK = new Object();
    private static volatile boolean loaded;
    private static volatile String failure;
    private static volatile boolean hostMemory;

    private Nd4jRuntime() {
    }

    /** Initialises ND4J once (allocating one element); null on success, else why it cannot run. */
    static String probe() {
        if (loaded) {
            return null;
        }
        synchronized (LOCK) {
            if (loaded || failure != null) {
                return failure;
            }
            try {
                INDArray probe = Nd4j.create(DataType.DOUBLE, 1);
                probe.close();
                hostMemory = HOST_BACKEND.equals(Nd4j.getBackend().getClass().getName());
                loaded = true;
                return null;
            } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
                failure = "ND4J's native backend did not load (" + describe(e) + ")";
            } catch (RuntimeException e) {
                failure = "ND4J did not initialise (" + describe(e) + ")";
            }
            return failure;
        }
    }

    /** The throwable, and its root cause when there is one (ND4J wraps the UnsatisfiedLinkError twice). */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? e.toString() : e + "; root cause: " + root;
    }

    /**
     * Whether ND4J's arrays are plain host memory (nd4j-native): then datasets are wrapped without
     * copying. With another ND4J backend (CUDA) data are copied through heap chunks instead.
     */
    static boolean hostMemory() {
        return hostMemory;
    }

    static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Sets the threads ND4J's ops use ({@code Environment.setMaxMasterThreads}) and OpenBLAS's threads
     * to {@code threads} for the duration of one operation and puts back what was there on
     * {@link ThreadScope#close()}. Both settings are process-wide (the cpu backend, for one, keeps
     * OpenBLAS at one thread outside its solves), so they are neither assumed nor left changed.
     * ({@code Environment.setMaxThreads} is not used: in 1.0.0-M2.1 it cannot lower the count, which
     * stays at the core count whatever is passed.)
     *
     * <p>OpenBLAS's count is read and written with {@code openblas_get/set_num_threads} (about 10 ns
     * each). ND4J's own {@code Nd4j.factory().blas().get/setMaxThreads} cannot be used for this: with
     * javacpp-presets 1.5.13 the getter returns a Java field cached by the last call of the setter
     * (so it misses changes made elsewhere), and the setter looks its symbols up on every call
     * (≈ 0.2–0.5 ms).
     */
    static ThreadScope threads(int threads) {
        return new ThreadScope(threads);
    }

    /** See {@link #threads(int)}. */
    static final class ThreadScope implements AutoCloseable {
        private final int threads;
        private final int blas;
        private final int master;

        private ThreadScope(int threads) {
            this.threads = threads;
            this.master = Nd4j.getEnvironment().maxMasterThreads();
            this.blas = openblas_full.openblas_get_num_threads();
            if (master != threads) {
                Nd4j.getEnvironment().setMaxMasterThreads(threads);
            }
            if (blas != threads) {
                openblas_full.openblas_set_num_threads(threads);
            }
        }

        @Override
        public void close() {
            if (master != threads) {
                Nd4j.getEnvironment().setMaxMasterThreads(master);
            }
            if (blas != threads) {
                openblas_full.openblas_set_num_threads(blas);
            }
        }
    }

    /** One line for {@code downhill info}. */
    static String details() {
        Blas blas = Nd4j.factory().blas();
        return "ND4J 1.0.0-M2.1, " + Nd4j.getBackend().getClass().getName() + ", BLAS " + blas.getBlasVendor()
                + " " + openblas_full.OPENBLAS_VERSION.trim() + "; " + defaultThreads() + " threads by default"
                + (hostMemory ? "; datasets wrapped without copying" : "; datasets copied into ND4J memory");
    }

    /**
     * Closes ND4J arrays that are not closed yet and that ND4J calls closeable. Pass only arrays this
     * code made fresh: ND4J 1.0.0-M2.1 calls some arrays that share another array's buffer closeable
     * ({@code x.get(interval(0, rows), all())} is not flagged as a view, and {@code castTo} to the same
     * type returns the array itself), and closing one of those frees the other's memory.
     */
    static void release(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && !a.wasClosed() && a.closeable()) {
                a.close();
            }
        }
    }
}
