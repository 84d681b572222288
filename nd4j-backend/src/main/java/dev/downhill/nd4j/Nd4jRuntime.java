package dev.downhill.nd4j;

import org.nd4j.linalg.api.blas.Blas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Environment;
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
                failure = "ND4J's native backend did not load (" + e + (e.getCause() != null ? ", caused by " + e.getCause() : "") + ")";
            } catch (RuntimeException e) {
                failure = "ND4J did not initialise (" + e + (e.getCause() != null ? ", caused by " + e.getCause() : "") + ")";
            }
            return failure;
        }
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
     * Sets ND4J's OpenMP threads and OpenBLAS's threads to {@code threads} where they differ (both are
     * process-wide; OpenBLAS's setter costs about 0.2 ms, so it is only called on a change). Other
     * code in the process (the cpu backend sets OpenBLAS to one thread) may change them in between,
     * which is why every problem operation calls this first.
     */
    static void useThreads(int threads) {
        Environment env = Nd4j.getEnvironment();
        if (env.maxThreads() != threads) {
            env.setMaxThreads(threads);
        }
        if (env.maxMasterThreads() != threads) {
            env.setMaxMasterThreads(threads);
        }
        Blas blas = Nd4j.factory().blas();
        if (blas.getMaxThreads() != threads) {
            blas.setMaxThreads(threads);
        }
    }

    /** One line for {@code downhill info}. */
    static String details() {
        Blas blas = Nd4j.factory().blas();
        return "ND4J 1.0.0-M2.1, " + Nd4j.getBackend().getClass().getName() + ", BLAS " + blas.getBlasVendor()
                + " (" + blas.getMaxThreads() + " threads now); " + defaultThreads() + " threads by default"
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
