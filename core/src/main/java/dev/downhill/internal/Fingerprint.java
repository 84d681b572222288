package dev.downhill.internal;

import dev.downhill.CheckpointMismatchException;
import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.InitialCoefficients;
import dev.downhill.Precision;
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
 */
public final class Fingerprint {
    static final int SAMPLE_ROWS = 1024;
    static final int SAMPLE_COLUMNS = 64;

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
        f.put("backendOptions", options == null ? "unknown" : options.toString());
        if (options != null && options.threads() == 0) { // the default thread count is the machine's: it decides the sums' order
            f.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
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
        f.put("rankCutoff", Double.toString(config.rankCutoff(problem.rows(), problem.cols())));
        f.put("exactReference", Boolean.toString(config.exactReference()));
        f.put("penalty", config.penalty().toString() + (config.penalty().penaltyFactors() == null ? ""
                : " factors " + vectorChecksum(config.penalty().penaltyFactors()))
                + (config.penalty().l2PenaltyFactors() == null ? "" : " l2 factors " + vectorChecksum(config.penalty().l2PenaltyFactors())));
        if (config.solver().isAuto()) { // the automatic choice depends on the direct solvers' memory budget (half the heap by default)
            f.put("directMemoryBudget", Long.toString(config.directMemoryBudget()));
        }
        return f;
    }

    /** The fields that differ, in {@code now}'s order (then those only the checkpoint has); empty when equal. */
    public static java.util.List<CheckpointMismatchException.Difference> differences(Map<String, String> saved, Map<String, String> now) {
        java.util.List<CheckpointMismatchException.Difference> out = new java.util.ArrayList<>();
        java.util.Set<String> names = new java.util.LinkedHashSet<>(now.keySet());
        names.addAll(saved.keySet());
        for (String name : names) {
            String a = saved.getOrDefault(name, "(absent)");
            String b = now.getOrDefault(name, "(absent)");
            if (!a.equals(b)) {
                out.add(new CheckpointMismatchException.Difference(name, a, b));
            }
        }
        return out;
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
