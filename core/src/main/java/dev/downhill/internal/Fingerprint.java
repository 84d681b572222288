package dev.downhill.internal;

import dev.downhill.CheckpointMismatchException;
import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.InitialCoefficients;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.ResidentProblem;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * What a checkpoint must match to be resumed: the data (shape, working precision, weights, sparsity and a checksum of
 * a deterministic sample) and every setting that changes the answer, as an ordered map of names to exact texts
 * (doubles in Java's shortest round-trip form). The listener, the checkpoint itself and everything the CLI adds around
 * the fit (output paths, plots, progress) are not part of it.
 *
 * <p>The sample: up to {@value #SAMPLE_ROWS} rows spread evenly over X (the first and last included) and, of each, up
 * to {@value #SAMPLE_COLUMNS} columns spread evenly (a sparse row: its first {@value #SAMPLE_COLUMNS} stored entries
 * and its length), with yᵢ and wᵢ; every value's float64 bits go through a 64-bit mix (SplitMix64's finaliser).
 * A change anywhere in the sample changes the checksum; a change elsewhere usually changes the shape or nothing —
 * the checksum is a guard against resuming with the wrong file, not a proof of identity.
 *
 * <p>Threads: where the backend says on how many host threads it runs ({@link ResidentProblem#hostThreads()} &gt; 0 —
 * the cpu and nd4j backends), the fingerprint holds that count as {@value #THREADS}, and {@code backendOptions} without
 * the count asked for: a checkpoint saved with {@code threads(2)} resumes with the default on a 2-core machine (the
 * same sums). Elsewhere it holds the count asked for in {@code backendOptions} and, for the default, the machine's
 * {@value #CORES}, as checkpoints saved before {@value #THREADS} did; such a checkpoint is read as holding the effective
 * count (the count asked for, or its cores for the default: what those backends run on) — see {@link #differences}.
 * Where the backend names what else decides its sums ({@link ResidentProblem#sumsLayout()}: a GPU and its kernels'
 * grid), the fingerprint holds that as {@value #SUMS_LAYOUT} and {@code backendOptions} without the count asked for
 * (threads decide nothing there); a checkpoint saved before layouts were recorded is compared without either.
 *
 * <p>Settings the checkpoint's solver does not use (those the command line warns about and ignores: a seed for cg, a
 * learning rate for an inverse-time schedule, an iteration limit for the direct solvers, …) are recorded but do not
 * decide whether a checkpoint resumes, in either direction ({@link #decides}).
 *
 * <p>Standardization under an inverse-time schedule: sgd and minibatch with {@code standardize} left to its default
 * record whether they work standardized by its rule as {@value #INVTIME_STANDARDIZATION} ({@code on} on tall X). Until
 * 2026-12-02 a fixed learning rate, which those steps do not use, still turned that default off on tall X; since, it
 * decides nothing ({@link FitConfig#fixedLearningRateUsed()}). A checkpoint saved before, which lacks the field, is read
 * as holding what its rule gave ({@code on} for tall X and an automatic rate, else {@code off}): one whose fixed rate
 * left a tall X unstandardized holds its state in the other coordinates and is refused
 * ({@code invtimeStandardization: checkpoint off, now on}); one with an automatic rate resumes, with either rate now.
 */
public final class Fingerprint {
    static final int SAMPLE_ROWS = 1024;
    static final int SAMPLE_COLUMNS = 64;
    /** The field of the host thread count the backend runs on ({@link ResidentProblem#hostThreads()}). */
    static final String THREADS = "threads";
    /** The field of the machine's core count, in fingerprints without {@value #THREADS} when the threads are the default. */
    static final String CORES = "cores";
    /** The field of what else decides the sums' order ({@link ResidentProblem#sumsLayout()}: the device and its grid). */
    static final String SUMS_LAYOUT = "sumsLayout";
    /**
     * The field of the default standardization's rule for sgd and minibatch under an inverse-time schedule (see the class
     * comment): {@code on} or {@code off}.
     */
    static final String INVTIME_STANDARDIZATION = "invtimeStandardization";
    private static final String BACKEND_OPTIONS = "backendOptions";
    private static final String OPTIONS_THREADS = "BackendOptions[threads=";

    private Fingerprint() {
    }

    /** The checksum of a dense dataset's sample (see the class comment), in hexadecimal. */
    public static String checksum(Dataset data) {
        long m = data.rows();
        long n = data.cols();
        long h = mix(m * 31 + n);
        for (long i : spread(m, SAMPLE_ROWS)) {
            for (long j : spread(n, SAMPLE_COLUMNS)) {
                h = add(h, data.x(i, j));
            }
            h = add(h, data.y(i));
            if (data.isWeighted()) {
                h = add(h, data.weight(i));
            }
        }
        return String.format(Locale.ROOT, "%016x", h);
    }

    /** The checksum of a sparse dataset's sample (see the class comment), in hexadecimal. */
    public static String checksum(SparseDataset data) {
        CsrMatrix x = data.x();
        long h = mix(x.rows() * 31 + x.cols());
        h = add(h, x.nonZeros());
        double[] y = data.targets();
        boolean f64 = x.precision() == Precision.FLOAT64;
        for (long i : spread(x.rows(), SAMPLE_ROWS)) {
            long from = x.rowPointers().get(i);
            long to = x.rowPointers().get(i + 1);
            h = add(h, to - from);
            for (long k = from; k < Math.min(to, from + SAMPLE_COLUMNS); k++) {
                h = add(h, x.columnIndices().get(k));
                h = add(h, f64 ? ((DoublePointer) x.values()).get(k) : ((FloatPointer) x.values()).get(k));
            }
            h = add(h, y[(int) i]);
            if (data.isWeighted()) {
                h = add(h, data.weightsPointer().get(i));
            }
        }
        return String.format(Locale.ROOT, "%016x", h);
    }

    /**
     * The fingerprint of fitting {@code problem} (loaded with {@code options}; {@code checksum} of its data, or null when
     * the host data are not known) with {@code config}.
     */
    public static Map<String, String> of(ResidentProblem problem, BackendOptions options, String checksum, FitConfig config) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("rows", Long.toString(problem.rows()));
        f.put("features", Long.toString(problem.cols()));
        f.put("precision", problem.precision().name().toLowerCase(Locale.ROOT));
        f.put("weighted", Boolean.toString(problem.weighted()));
        f.put("sparse", Boolean.toString(problem.isSparse()));
        f.put("checksum", checksum == null ? "unknown" : checksum);
        f.put("backend", problem.backendName());
        int threads = problem.hostThreads();
        String layout = problem.sumsLayout();
        if (!layout.isEmpty()) { // the device decides the sums' order; the count asked for, nothing
            f.put(BACKEND_OPTIONS, options == null ? "unknown" : withoutThreads(options.toString()));
            if (threads > 0) {
                f.put(THREADS, Integer.toString(threads));
            }
            f.put(SUMS_LAYOUT, layout);
        } else if (threads > 0) { // the count the backend runs on decides the sums' order, not the count asked for
            f.put(BACKEND_OPTIONS, options == null ? "unknown" : withoutThreads(options.toString()));
            f.put(THREADS, Integer.toString(threads));
        } else {
            f.put(BACKEND_OPTIONS, options == null ? "unknown" : options.toString());
            if (options != null && options.threads() == 0) { // the default thread count is the machine's: it decides the sums' order
                f.put(CORES, Integer.toString(Runtime.getRuntime().availableProcessors()));
            }
        }
        f.put("solver", config.solver().cliName());
        f.put("learningRate", config.learningRate().toString());
        f.put("maxIterations", Long.toString(config.maxIterations()));
        f.put("batchSize", Long.toString(config.batchSize(problem.rows())));
        f.put("tolerance", Double.toString(config.tolerance(problem.precision())));
        f.put("patience", Integer.toString(config.patience()));
        f.put("initialCoefficients", initial(config.initialCoefficients()));
        f.put("fitIntercept", Boolean.toString(config.fitIntercept()));
        f.put("standardize", String.valueOf(config.standardizeSetting()));
        f.put("seed", Long.toString(config.seed()));
        f.put("schedule", config.schedule().toString());
        f.put("validationFraction", Double.toString(config.validationFraction()));
        if (config.averageFrom() > 0) { // only when asked: checkpoints of fits without it resume as before
            f.put("averageFrom", Long.toString(config.averageFrom()));
        }
        f.put("rankCutoff", Double.toString(config.rankCutoff(problem.rows(), problem.cols())));
        f.put("exactReference", Boolean.toString(config.exactReference()));
        f.put("penalty", config.penalty().toString() + (config.penalty().penaltyFactors() == null ? ""
                : " factors " + vectorChecksum(config.penalty().penaltyFactors()))
                + (config.penalty().l2PenaltyFactors() == null ? "" : " l2 factors " + vectorChecksum(config.penalty().l2PenaltyFactors())));
        if (config.penalty().l2Strength() > 0) {
            // standardization with an l2 term is Jacobi scaling by √(σⱼ² + λⱼ/2) since session 20 (it was σⱼ): a saved
            // iterative state (cg's preconditioned residual, the ‖S∇‖ history) of the old scaling must not be resumed
            f.put("ridgeScaling", "jacobi");
            if (CentredObjective.groupsRidgeRates(problem, config)) {
                // since 2026-12-03 the standardized ridge of a sparse sgd/minibatch fit with an intercept rounds λⱼS²ⱼ to a
                // quarter-octave grid (lazy epochs): a state saved in the exact Jacobi coordinates must not be resumed
                f.put("ridgeScaling", "jacobi, rates on a quarter-octave grid");
            }
        }
        if (config.solver().isIterative() && CentredObjective.standardizedByRidge(problem, config)) {
            // since 2026-12-02 wide X with a ridge on every column is standardized by default: a saved state (in the
            // solver's scaled coordinates) of an unstandardized fit, or of one whose η or solver turned it off, must not
            // be resumed in the other coordinates
            f.put("ridgeStandardization", "wide");
        }
        if (config.solver().isStochastic() && config.schedule().kind() == dev.downhill.LearningRateSchedule.Kind.INVERSE_TIME
                && config.standardizeSetting() == null) { // a fixed η turned it off on tall X until 2026-12-02
            f.put(INVTIME_STANDARDIZATION, config.standardize(problem.rows(), problem.cols()) ? "on" : "off");
        }
        if (config.solver().isAuto()) { // the automatic choice depends on the direct solvers' memory budget (half the heap by default)
            f.put("directMemoryBudget", Long.toString(config.directMemoryBudget()));
        }
        return f;
    }

    /**
     * The fields that differ, in {@code now}'s order (then those only the checkpoint has); empty when equal. A field that
     * does not decide the answer of the fit on either side ({@link #decides}) is not compared. When one side holds the
     * effective thread count ({@value #THREADS}) and the other does not (a checkpoint saved before it was recorded), the
     * other is read as holding it: the count asked for in its {@code backendOptions}, or for the default its
     * {@value #CORES} (none recorded: absent, a difference) — what the cpu and nd4j backends resolve them to. A side
     * without {@value #INVTIME_STANDARDIZATION} (saved before it was recorded) is read as holding what its rule gave
     * ({@link #withInvtimeStandardization}); where a side still lacks it (another solver, schedule or standardize, which
     * are differences of their own), it is not compared.
     */
    public static java.util.List<CheckpointMismatchException.Difference> differences(Map<String, String> saved, Map<String, String> now) {
        if (saved.containsKey(SUMS_LAYOUT) != now.containsKey(SUMS_LAYOUT)) { // one side saved before the layout was recorded
            saved = withoutRequestedThreads(saved);
            now = withoutRequestedThreads(now);
        }
        if (now.containsKey(THREADS)) {
            saved = withEffectiveThreads(saved);
        }
        if (saved.containsKey(THREADS)) {
            now = withEffectiveThreads(now);
        }
        saved = withInvtimeStandardization(saved);
        now = withInvtimeStandardization(now);
        java.util.List<CheckpointMismatchException.Difference> out = new java.util.ArrayList<>();
        java.util.Set<String> names = new java.util.LinkedHashSet<>(now.keySet());
        names.addAll(saved.keySet());
        boolean otherPrecision = !saved.getOrDefault("precision", "").equals(now.getOrDefault("precision", ""));
        for (String name : names) {
            if (!decides(name, saved) && !decides(name, now)) {
                continue;
            }
            if (otherPrecision && followsPrecision(name, saved, now)) {
                continue;
            }
            if (name.equals(INVTIME_STANDARDIZATION) && !(saved.containsKey(name) && now.containsKey(name))) {
                continue;
            }
            String a = saved.getOrDefault(name, "(absent)");
            String b = now.getOrDefault(name, "(absent)");
            if (!a.equals(b)) {
                out.add(new CheckpointMismatchException.Difference(name, a, b));
            }
        }
        return out;
    }

    /**
     * Whether field {@code name} differs only because the working precision does (which is a difference of its own): the
     * checksum, taken of the values as read at that precision, and the tolerance where each side has its precision's
     * default ({@link dev.downhill.FitConfig#tolerance(Precision)}) — so that a resume with another {@code --precision}
     * is told that, not also that the data and {@code --tol} changed.
     */
    private static boolean followsPrecision(String name, Map<String, String> saved, Map<String, String> now) {
        switch (name) {
            case "checksum":
                return true;
            case "tolerance":
                return isPrecisionDefault(saved) && isPrecisionDefault(now);
            default:
                return false;
        }
    }

    private static boolean isPrecisionDefault(Map<String, String> f) {
        String tolerance = f.get("tolerance");
        boolean float32 = "float32".equals(f.get("precision"));
        return Double.toString(float32 ? dev.downhill.FitConfig.DEFAULT_GD_TOLERANCE_FLOAT32 : dev.downhill.FitConfig.DEFAULT_GD_TOLERANCE)
                .equals(tolerance);
    }

    /**
     * Whether field {@code name} can change the answer of the fit fingerprint {@code f} describes: false for the settings
     * its solver does not use — the ones the command line warns about ("… does nothing with --solver …") and the library
     * ignores —, true for every other field, and for every field of solver auto (its choice comes later) or an unknown
     * solver:
     * <ul>
     *   <li>{@code learningRate}: used by gd, nesterov, sgd and minibatch only, and not by sgd and minibatch under an
     *       inverse-time schedule (steps t₀/(t + t₁)), where it does not decide the default standardization either
     *       (that is {@value #INVTIME_STANDARDIZATION}'s to compare);</li>
     *   <li>{@code seed}: the row order of sgd and minibatch, and the power iteration of an automatic rate for gd and
     *       nesterov (cg, normal, svd and cd draw nothing);</li>
     *   <li>{@code batchSize}: minibatch; {@code schedule}, {@code validationFraction}, {@code averageFrom},
     *       {@code patience}: sgd and minibatch;</li>
     *   <li>{@code maxIterations}, {@code tolerance}, {@code initialCoefficients}: the iterative solvers (not normal, svd);</li>
     *   <li>{@code standardize}, {@code exactReference}: the gradient solvers (not normal, svd, cd);</li>
     *   <li>{@code rankCutoff}: svd, and the gradient solvers' exact reference.</li>
     * </ul>
     */
    static boolean decides(String name, Map<String, String> f) {
        Solver s = solver(f);
        if (s == null || s.isAuto()) {
            return true;
        }
        switch (name) {
            case "learningRate":
                return s.usesLearningRate() && !(s.isStochastic() && inverseTime(f));
            case "seed":
                return s.isStochastic() || (s == Solver.GD || s == Solver.NESTEROV) && "auto".equals(f.get("learningRate"));
            case "batchSize":
                return s == Solver.MINIBATCH;
            case "schedule":
            case "validationFraction":
            case "averageFrom":
            case "patience":
                return s.isStochastic();
            case "maxIterations":
            case "tolerance":
            case "initialCoefficients":
                return s.isIterative();
            case "standardize":
            case "ridgeScaling":
            case "exactReference":
                return s.isIterative() && s != Solver.CD;
            case "rankCutoff":
                return s == Solver.SVD || s.isIterative() && s != Solver.CD && "true".equals(f.get("exactReference"));
            default:
                return true;
        }
    }

    private static Solver solver(Map<String, String> f) {
        String name = f.get("solver");
        try {
            return name == null ? null : Solver.parse(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean inverseTime(Map<String, String> f) {
        return f.getOrDefault("schedule", "").startsWith("invtime");
    }

    /**
     * {@code f} with {@value #INVTIME_STANDARDIZATION} where it lacks it but would record it (sgd or minibatch, an
     * inverse-time schedule, standardize auto): saved before 2026-12-02, when a fixed rate turned the default off —
     * {@code on} for tall X and an automatic rate, else {@code off}; {@code f} itself otherwise, or when its shape cannot
     * be read.
     */
    private static Map<String, String> withInvtimeStandardization(Map<String, String> f) {
        Solver s = solver(f);
        if (f.containsKey(INVTIME_STANDARDIZATION) || s == null || !s.isStochastic() || !inverseTime(f)
                || !"null".equals(f.get("standardize"))) {
            return f;
        }
        boolean tall;
        try {
            long rows = Long.parseLong(f.getOrDefault("rows", ""));
            long cols = Long.parseLong(f.getOrDefault("features", ""));
            tall = rows > cols + ("false".equals(f.get("fitIntercept")) ? 0 : 1);
        } catch (NumberFormatException e) {
            return f;
        }
        Map<String, String> out = new LinkedHashMap<>(f);
        out.put(INVTIME_STANDARDIZATION, tall && "auto".equals(f.get("learningRate")) ? "on" : "off");
        return out;
    }

    /**
     * {@code f} with the effective thread count ({@value #THREADS}) in place of the count asked for (in its
     * backendOptions) and the cores: the count asked for, or for the default the cores (when recorded); {@code f} itself
     * when it holds {@value #THREADS} already or no options to read it from.
     */
    private static Map<String, String> withEffectiveThreads(Map<String, String> f) {
        String options = f.get(BACKEND_OPTIONS);
        if (f.containsKey(THREADS) || options == null || !options.startsWith(OPTIONS_THREADS)) {
            return f;
        }
        String asked = options.substring(OPTIONS_THREADS.length(), OPTIONS_THREADS.length() + threadsLength(options));
        String effective = asked.equals("default") ? f.get(CORES) : asked;
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : f.entrySet()) {
            if (e.getKey().equals(BACKEND_OPTIONS)) {
                out.put(BACKEND_OPTIONS, withoutThreads(options));
                if (effective != null) {
                    out.put(THREADS, effective);
                }
            } else if (!e.getKey().equals(CORES)) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /**
     * {@code f} without what it says of threads and without {@value #SUMS_LAYOUT} — for comparing a fingerprint that
     * records the layout (whose backend's threads decide nothing) with one saved before layouts were recorded (which
     * holds the count asked for and the cores instead, and no layout to compare).
     */
    private static Map<String, String> withoutRequestedThreads(Map<String, String> f) {
        Map<String, String> out = new LinkedHashMap<>(f);
        out.remove(CORES);
        out.remove(THREADS);
        out.remove(SUMS_LAYOUT);
        String options = out.get(BACKEND_OPTIONS);
        if (options != null) {
            out.put(BACKEND_OPTIONS, withoutThreads(options));
        }
        return out;
    }

    /** {@code BackendOptions[…]}'s text without its leading {@code threads=…} entry ({@link BackendOptions#toString()}). */
    static String withoutThreads(String options) {
        if (!options.startsWith(OPTIONS_THREADS)) {
            return options;
        }
        int end = OPTIONS_THREADS.length() + threadsLength(options);
        return "BackendOptions[" + (options.startsWith(", ", end) ? options.substring(end + 2) : options.substring(end));
    }

    /** The length of the value of the leading {@code threads=} entry of an options text. */
    private static int threadsLength(String options) {
        int from = OPTIONS_THREADS.length();
        int end = from;
        while (end < options.length() && options.charAt(end) != ',' && options.charAt(end) != ']') {
            end++;
        }
        return end - from;
    }

    private static String initial(InitialCoefficients init) {
        switch (init.kind()) {
            case ZEROS: return "zeros";
            case RANDOM: return "random(seed=" + init.seed() + ")";
            default: return "given(" + init.givenValues().length + " values, checksum " + vectorChecksum(init.givenValues()) + ")";
        }
    }

    private static String vectorChecksum(double[] v) {
        long h = mix(v.length);
        for (double d : v) {
            h = add(h, d);
        }
        return String.format(Locale.ROOT, "%016x", h);
    }

    /** Up to {@code count} indices spread evenly over [0, length), 0 and length − 1 included. */
    static long[] spread(long length, int count) {
        if (length <= count) {
            long[] all = new long[(int) length];
            for (int k = 0; k < all.length; k++) {
                all[k] = k;
            }
            return all;
        }
        long[] idx = new long[count];
        for (int k = 0; k < count; k++) {
            idx[k] = (long) ((double) k * (length - 1) / (count - 1));
        }
        return idx;
    }

    private static long add(long h, double v) {
        return mix(h * 0x9E3779B97F4A7C15L + Double.doubleToLongBits(v));
    }

    private static long add(long h, long v) {
        return mix(h * 0x9E3779B97F4A7C15L + v);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
