package dev.downhill.cpu;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.spi.Availability;
import dev.downhill.spi.Backend;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.ResidentProblem;
import java.util.Objects;

/**
 * The CPU backend: X in host off-heap memory (the dataset's own, not copied unless the precision
 * changes); the fused gradient on Java threads, each running the native single-pass kernel (or
 * OpenBLAS level-2 calls on cache-sized blocks, see {@link GradientStrategy}); LAPACK for least
 * squares. Name "cpu", priority {@value #PRIORITY}. Reads the {@link BackendOptions} threads,
 * {@value BackendOptions#CPU_KERNEL}, {@value BackendOptions#CPU_BLOCK_BYTES} and {@value BackendOptions#CPU_FLUSH_ROWS}. Loading it sets OpenBLAS to one thread for the
 * whole process (OpenBLAS's thread count is global); the least-squares solves raise it to the
 * problem's thread count for their duration.
 */
public final class CpuBackend implements Backend {
    public static final String NAME = "cpu";
    public static final int PRIORITY = 10;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public Availability availability() {
        String failure = OpenBlas.probe();
        if (failure == null) {
            NativeRangeKernel.orJava(); // the direct solvers' JNI library loads here, with the backend, not inside a fit's time
            EpochKernels.available(); // so does the SGD epoch loop's (and the column statistics')
            GradientStrategy.probeNative(); // and the fused gradient pass's
            // JavaCPP's pointer classes (their static initialisation loads its own JNI library and starts its
            // deallocator): the first off-heap vector of a fit would pay for it (~5–10 ms in a cold JVM)
            try (org.bytedeco.javacpp.FloatPointer f = new org.bytedeco.javacpp.FloatPointer(1);
                 org.bytedeco.javacpp.DoublePointer d = new org.bytedeco.javacpp.DoublePointer(1);
                 org.bytedeco.javacpp.LongPointer l = new org.bytedeco.javacpp.LongPointer(1)) {
                f.put(0, 0f);
                d.put(0, 0.0);
                l.put(0, 0L);
            }
        }
        return failure == null ? Availability.yes() : Availability.no(failure);
    }

    @Override
    public String details(BackendOptions options) {
        if (OpenBlas.probe() != null) {
            return "";
        }
        GradientStrategy strategy;
        try {
            strategy = GradientStrategy.configured(options);
        } catch (RuntimeException e) {
            return OpenBlas.config() + "; " + e.getMessage();
        }
        int threads = options.threads() == 0 ? defaultThreads() : options.threads();
        return OpenBlas.config() + "; " + threads + " threads" + (options.threads() == 0 ? " by default" : "")
                + "; gradient: " + kernelName(strategy);
    }

    /** The kernel in words, for details and problem descriptions. */
    static String kernelName(GradientStrategy strategy) {
        return strategy == GradientStrategy.SINGLE_PASS
                ? "native single-pass kernel (" + (NativeKernels.avx2_available() ? "AVX2/FMA" : "portable C") + ")"
                : "OpenBLAS blocked kernel" + (GradientStrategy.probeNative() == null ? "" : " (native kernel unavailable)");
    }

    /** Default thread count: the available processors. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    @Override
    public ResidentProblem load(Dataset data, Precision precision, BackendOptions options) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(options, "options");
        int threads = options.threads();
        String failure = OpenBlas.probe();
        if (failure != null) {
            throw new IllegalStateException("cpu backend cannot run: " + failure);
        }
        return new CpuProblem(data, precision, threads == 0 ? defaultThreads() : threads, BlockShape.of(options),
                GradientStrategy.configured(options));
    }

    /** A {@link CpuCsrProblem}: the CSR passes with the native sparse kernels, on {@code options}' threads. */
    @Override
    public ResidentProblem loadSparse(dev.downhill.SparseDataset data, Precision precision, BackendOptions options) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(options, "options");
        int threads = options.threads();
        return new CpuCsrProblem(data.x(), data.yPointer(), data.weightsPointer(), precision, threads == 0 ? defaultThreads() : threads);
    }

    @Override
    public boolean takesSparse() {
        return true;
    }
}
