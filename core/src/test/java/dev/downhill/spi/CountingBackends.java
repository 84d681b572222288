package dev.downhill.spi;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.testing.ReferenceProblem;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Backends for core's own tests, registered with {@link java.util.ServiceLoader} in core's test resources
 * (not in the test-jar the backend modules use): each counts how often it is probed, loaded and asked to
 * predict, and keeps the options it was last loaded with.
 * <ul>
 *   <li>{@code test-gpu} (priority 100): never available ("no test device").</li>
 *   <li>{@code test-host} (priority 50): available; problems are {@link ReferenceProblem}s (direct solvers and
 *       the prediction pass; float64).</li>
 *   <li>{@code test-baseline} (priority 1): available, like {@code test-host}; automatic selection never
 *       reaches it, so nothing but a listing should probe it.</li>
 * </ul>
 */
public final class CountingBackends {
    static final Map<String, AtomicInteger> PROBES = new ConcurrentHashMap<>();
    static final Map<String, AtomicInteger> LOADS = new ConcurrentHashMap<>();
    static final Map<String, AtomicInteger> PREDICTS = new ConcurrentHashMap<>();
    static final Map<String, BackendOptions> LAST_OPTIONS = new ConcurrentHashMap<>();

    private CountingBackends() {
    }

    public static int probes(String name) {
        return PROBES.getOrDefault(name, new AtomicInteger()).get();
    }

    public static int loads(String name) {
        return LOADS.getOrDefault(name, new AtomicInteger()).get();
    }

    public static int predicts(String name) {
        return PREDICTS.getOrDefault(name, new AtomicInteger()).get();
    }

    public static BackendOptions lastOptions(String name) {
        return LAST_OPTIONS.get(name);
    }

    public static void reset() {
        PROBES.clear();
        LOADS.clear();
        PREDICTS.clear();
        LAST_OPTIONS.clear();
    }

    private abstract static class Counting implements Backend {
        private final String name;
        private final int priority;
        private final boolean available;

        Counting(String name, int priority, boolean available) {
            this.name = name;
            this.priority = priority;
            this.available = available;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int priority() {
            return priority;
        }

        @Override
        public Availability availability() {
            PROBES.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
            return available ? Availability.yes() : Availability.no("no test device");
        }

        @Override
        public ResidentProblem load(Dataset data, Precision precision, BackendOptions options) {
            if (!available) {
                throw new IllegalStateException(name + " cannot run");
            }
            LOADS.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
            LAST_OPTIONS.put(name, options);
            String backend = name;
            return new ReferenceProblem(data) {
                @Override
                public String backendName() {
                    return backend;
                }

                @Override
                public String description() {
                    return "plain loops, options " + options;
                }

                @Override
                public void predict(double[] theta, double intercept, org.bytedeco.javacpp.DoublePointer out) {
                    PREDICTS.computeIfAbsent(backend, k -> new AtomicInteger()).incrementAndGet();
                    super.predict(theta, intercept, out);
                }
            };
        }
    }

    /** {@code test-gpu}: never available. */
    public static final class Gpu extends Counting {
        public Gpu() {
            super("test-gpu", 100, false);
        }
    }

    /** {@code test-host}: the automatic choice. */
    public static final class Host extends Counting {
        public Host() {
            super("test-host", 50, true);
        }
    }

    /** {@code test-baseline}: available but below the automatic choice. */
    public static final class Baseline extends Counting {
        public Baseline() {
            super("test-baseline", 1, true);
        }
    }
}
