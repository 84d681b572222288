package dev.downhill.nd4j;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.spi.Availability;
import dev.downhill.spi.Backend;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.ResidentProblem;
import java.util.Objects;

/**
 * A backend made of ND4J's own operations (1.0.0-M2.1 with nd4j-native): the Java-ecosystem
 * baseline. Name {@value #NAME}, priority {@value #PRIORITY} (below the cpu backend's 10, so
 * automatic selection never picks it while the cpu backend can run; ask for it by name).
 *
 * <p>X and y are the dataset's own memory seen as {@code INDArray}s (no copy; a converted copy
 * when the requested precision differs). The gradient is two ND4J matrix products
 * ({@code Nd4j.gemm} with explicit transposes), the direct solvers use ND4J's LAPACK wrapper
 * (potrf, geqrf, gesvd) and its {@code triangular_solve} op. See {@link Nd4jProblem} for what each
 * operation costs.
 *
 * <p>The constructor does no native work; {@link #availability()} initialises ND4J once, catching
 * {@link UnsatisfiedLinkError}, {@link NoClassDefFoundError} and {@link ExceptionInInitializerError},
 * and keeps the reason. ND4J's thread settings (its OpenMP pool and OpenBLAS's threads) are
 * process-wide: each problem operation sets them to the problem's thread count and restores them.
 */
public final class Nd4jBackend implements Backend {
    public static final String NAME = "nd4j";
    public static final int PRIORITY = 1;

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
        String failure = probe();
        return failure == null ? Availability.yes() : Availability.no(failure);
    }

    @Override
    public String details(BackendOptions options) {
        return probe() == null ? Nd4jRuntime.details() : "";
    }

    /**
     * Reads the {@link BackendOptions} threads (0: ND4J's default) and {@value BackendOptions#ND4J_COPY}; the other
     * options do not apply.
     */
    @Override
    public ResidentProblem load(Dataset data, Precision precision, BackendOptions options) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(options, "options");
        int threads = options.threads();
        String failure = probe();
        if (failure != null) {
            throw new IllegalStateException("nd4j backend cannot run: " + failure);
        }
        String copy = options.setting(BackendOptions.ND4J_COPY).orElse("false").trim().toLowerCase(java.util.Locale.ROOT);
        if (!copy.equals("true") && !copy.equals("false")) {
            throw new IllegalArgumentException(BackendOptions.ND4J_COPY + " must be true or false, got '" + copy + "'");
        }
        int t = threads == 0 ? Nd4jRuntime.defaultThreads() : threads;
        return copy.equals("true") ? new Nd4jProblem(data, precision, t, false) : new Nd4jProblem(data, precision, t);
    }

    /**
     * Null when ND4J works here, else why not. {@link Nd4jRuntime} is the only class that touches
     * ND4J, so a missing ND4J jar shows up here as a {@link NoClassDefFoundError} instead of
     * breaking the {@link java.util.ServiceLoader} scan of every backend.
     */
    private static String probe() {
        try {
            return Nd4jRuntime.probe();
        } catch (NoClassDefFoundError | ExceptionInInitializerError e) {
            return "ND4J classes did not load (" + e + ")";
        }
    }
}
