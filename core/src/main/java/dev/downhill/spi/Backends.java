package dev.downhill.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Finds backends with {@link ServiceLoader} and picks one. Selection order: the name passed in
 * (from {@link dev.downhill.FitConfig#backend()}), else system property {@value #PROPERTY}, else
 * environment variable {@value #ENVIRONMENT} (both read by {@link BackendOptions#defaultBackend()}), else
 * the highest-priority available backend. "auto" at any of these levels means automatic selection.
 *
 * <p>Probing: a backend's {@link Backend#availability()} (which may initialise native libraries) is asked
 * only of the backend named, or — for automatic selection — of the backends tried in priority order up to
 * the first that can run; {@link #passedOver} asks only those again; listings ({@link #describe}) ask
 * every backend they list.
 */
public final class Backends {
    public static final String PROPERTY = BackendOptions.BACKEND_PROPERTY;
    public static final String ENVIRONMENT = BackendOptions.BACKEND_ENVIRONMENT;

    private Backends() {
    }

    /** Every backend on the class path, highest priority first. */
    public static List<Backend> all() {
        List<Backend> list = new ArrayList<>();
        for (Backend b : ServiceLoader.load(Backend.class, Backends.class.getClassLoader())) {
            list.add(b);
        }
        list.sort(Comparator.comparingInt(Backend::priority).reversed().thenComparing(Backend::name));
        return list;
    }

    /**
     * The backend to use.
     *
     * @param requested a backend name, or null/"auto"
     * @throws BackendUnavailableException if the requested backend is unknown or cannot run, or
     *         none can; the message lists every backend and why it is unavailable
     */
    public static Backend select(String requested) {
        return select(requested, all());
    }

    /** {@link #select(String)} among {@code all} (highest priority first). */
    static Backend select(String requested, List<Backend> all) {
        String name = requested;
        if (isAuto(name)) {
            name = BackendOptions.defaultBackend();
        }
        if (isAuto(name)) {
            List<String> skipped = new ArrayList<>();
            for (Backend b : all) {
                Availability a = b.availability();
                if (a.available()) {
                    logSkipped(skipped, b);
                    return b;
                }
                skipped.add(b.name() + " skipped: " + a.reason());
            }
            throw new BackendUnavailableException("no backend can run here. " + describe(all));
        }
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (Backend b : all) {
            if (b.name().equals(wanted)) {
                Availability a = b.availability();
                if (a.available()) {
                    return b;
                }
                throw new BackendUnavailableException("backend '" + wanted + "' cannot run: " + a.reason() + ". " + describe(all));
            }
        }
        throw new BackendUnavailableException("unknown backend '" + wanted + "'. " + describe(all));
    }

    /**
     * Selects a backend as {@link #select(String)} does and loads {@code data} into it with {@code options}
     * (fields left unset filled from {@link BackendOptions#defaults()}): the SPI-level load, for backend
     * tests and benchmarks that call the passes themselves. Users call {@link dev.downhill.LinearRegression#load}.
     *
     * @param precision null for the data's own
     */
    public static ResidentProblem load(String backend, dev.downhill.Dataset data, dev.downhill.Precision precision,
                                       BackendOptions options) {
        java.util.Objects.requireNonNull(data, "data");
        BackendOptions effective = (options == null ? BackendOptions.none() : options).orElse(BackendOptions.defaults());
        return select(backend).load(data, precision == null ? data.precision() : precision, effective);
    }

    /**
     * Loads a sparse dataset as {@link #load} does a dense one. With {@code backend} automatic ("auto" or null) the
     * highest-priority available backend that takes sparse X is used (cuda where a device is usable, else cpu).
     */
    public static ResidentProblem loadSparse(String backend, dev.downhill.SparseDataset data, dev.downhill.Precision precision,
                                             BackendOptions options) {
        java.util.Objects.requireNonNull(data, "data");
        BackendOptions effective = (options == null ? BackendOptions.none() : options).orElse(BackendOptions.defaults());
        dev.downhill.Precision p = precision == null ? data.precision() : precision;
        return selectSparse(backend).loadSparse(data, p, effective);
    }

    /**
     * The backend {@link #loadSparse} would use: the one named, or with {@code null}/"auto" the first available backend
     * that takes sparse X (only those are probed). Runs its availability probe (native libraries), the one-time
     * initialisation a fit does not count.
     */
    public static Backend selectSparse(String backend) {
        if (backend == null || isAuto(backend)) {
            for (Backend b : all()) { // only backends that take sparse X are probed
                if (b.takesSparse() && b.availability().available()) {
                    return b;
                }
            }
            throw new UnsupportedOperationException("no available backend takes sparse X (the cpu backend does: is it on the class path?)");
        }
        return select(backend);
    }

    /**
     * Why the backends preferred over {@code chosen} (higher priority) could not run, as
     * "name: reason; …", or "" when none was passed over. Asks only those backends (automatic selection
     * already asked them), never one of lower priority.
     */
    public static String passedOver(String chosen) {
        return passedOver(chosen, all());
    }

    static String passedOver(String chosen, List<Backend> all) {
        int priority = Integer.MAX_VALUE;
        for (Backend b : all) {
            if (b.name().equals(chosen)) {
                priority = b.priority();
            }
        }
        StringBuilder sb = new StringBuilder();
        for (Backend b : all) {
            if (b.priority() <= priority) {
                continue;
            }
            Availability a = b.availability();
            if (!a.available()) {
                sb.append(sb.length() == 0 ? "" : "; ").append(b.name()).append(": ").append(a.reason());
            }
        }
        return sb.toString();
    }

    /** One log line (info, once per process and choice) naming the preferred backends that could not run and why. */
    private static void logSkipped(List<String> skipped, Backend chosen) {
        if (skipped.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("automatic backend choice: ").append(chosen.name());
        for (String why : skipped) {
            sb.append("; ").append(why);
        }
        String line = sb.toString();
        synchronized (LOGGED) {
            if (LOGGED.add(line)) {
                LOG.info(line);
            }
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Backends.class);
    private static final java.util.Set<String> LOGGED = new java.util.HashSet<>();

    /** One line per backend: name, priority, and "available" or why not. */
    public static String describe(List<Backend> backends) {
        if (backends.isEmpty()) {
            return "No backend is on the class path (add downhill-cpu).";
        }
        StringBuilder sb = new StringBuilder("Backends:");
        for (Backend b : backends) {
            Availability a = b.availability();
            sb.append(' ').append(b.name()).append(" (").append(a.available() ? "available" : "unavailable: " + a.reason()).append(");");
        }
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    /** Whether {@code name} asks for automatic selection ("auto", any case). */
    public static boolean isAuto(String name) {
        return name == null || name.isBlank() || name.trim().equalsIgnoreCase("auto");
    }
}
