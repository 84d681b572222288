package dev.downhill.cli;

import dev.downhill.Precision;
import dev.downhill.io.NpyWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import dev.downhill.internal.ByteSizes;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code downhill gen}: synthetic regression data as .npy files (X.npy, y.npy, theta.npy), written in
 * row chunks, in memory bounded by a few chunks whatever the size.
 *
 * <p>Model: xᵢⱼ = sⱼ·zᵢⱼ with zᵢⱼ ~ N(0,1) (or, with {@code --correlation ρ}, an AR(1) sequence across the row:
 * zᵢ₀ = eᵢ₀, zᵢⱼ = ρ·zᵢ,ⱼ₋₁ + √(1−ρ²)·eᵢⱼ with eᵢⱼ ~ N(0,1), so every zᵢⱼ ~ N(0,1) and corr(zⱼ, zₖ) = ρ^|j−k|: the
 * correlation matrix's eigenvalues lie between (1−ρ)/(1+ρ) and (1+ρ)/(1−ρ), so even standardized columns leave X
 * with singular values spanning about (1+ρ)/(1−ρ)), column scales sⱼ = κ^(−j/(n−1)) falling geometrically
 * from 1 to 1/κ (so the population covariance of x has condition number κ², i.e. X's expected
 * singular values span a factor κ; a finite Gaussian sample multiplies that by about
 * (1+√(n/m))/(1−√(n/m)) when m &gt; n and is rank-deficient when m ≤ n); θ ~ N(0,1) per feature;
 * yᵢ = xᵢᵀθ + b + σ·N(0,1). Row i draws from its own generator seeded by (seed, i), so the data
 * do not depend on the chunking or the thread count; θ from one of its own ({@link #rowRandom}, {@link #thetaRandom}).
 */
@Command(name = "gen", description = "Generate synthetic regression data: X.npy, y.npy and theta.npy; with --density a sparse X.npz (or an "
        + "svmlight data.svm) instead of X.npy.", sortOptions = false,
        mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class)
final class GenCommand implements Callable<Integer> {
    @Option(names = "--rows", required = true, description = "Rows m.")
    long rows;

    /** The most features: the longest Java array (Integer.MAX_VALUE − 8 elements on HotSpot). */
    static final int MAX_FEATURES = Integer.MAX_VALUE - 8;

    @Option(names = "--features", required = true, description = "Features n.")
    int features;

    @Option(names = "--condition", description = "κ: column scales fall geometrically from 1 to 1/κ (default: ${DEFAULT-VALUE}).",
            defaultValue = "1")
    double condition;

    @Option(names = "--correlation", description = "ρ in [0, 1): neighbouring columns correlated ρ (AR(1)); standardized X's "
            + "singular values then span about (1+ρ)/(1−ρ) (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    double correlation;

    @Option(names = "--density", description = "Sparse X: the fraction of non-zeros per row, in (0, 1], with text-like column "
            + "frequencies (∝ rank^-0.8); writes X.npz (scipy.sparse.save_npz) or data.svm (--format) instead of X.npy.")
    Double density;

    @Option(names = "--format", description = "With --density: npz (X.npz, y.npy) or svmlight (data.svm, 0-based indices as "
            + "scikit-learn writes them) (default: ${DEFAULT-VALUE}).", defaultValue = "npz")
    String format;

    @Option(names = "--noise", description = "σ of the Gaussian noise on y (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    double noise;

    @Option(names = "--intercept", description = "b (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    double intercept;

    @Option(names = "--seed", description = "Seed (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    long seed;

    @Option(names = "--precision", description = "float32 or float64 (default: ${DEFAULT-VALUE}).", defaultValue = "float32")
    String precision;

    @Option(names = "--out-dir", description = "Folder for X.npy, y.npy, theta.npy (default: ${DEFAULT-VALUE}).", defaultValue = ".")
    Path outDir;

    @Option(names = "--threads", description = "Generator threads, 0 = all cores (default: ${DEFAULT-VALUE}); at most 4 per core. "
            + "Dense data only (--density is generated on one thread).",
            defaultValue = "0")
    int threads;

    @Option(names = "--quiet", description = "No progress lines (the lines naming the files written stay, on standard output).")
    boolean quiet;

    @Mixin
    VerboseOption verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Rows generated per thread between writes. */
    static final int ROWS_PER_TASK = 8;

    @Override
    public Integer call() throws IOException {
        if (rows <= 0 || features <= 0) {
            throw Main.usage(spec, "--rows and --features must be ≥ 1, got " + rows + " × " + features);
        }
        if (features > MAX_FEATURES) { // θ, the column scales and a row are arrays of n: past this no heap holds them
            throw Main.usage(spec, String.format(Locale.ROOT, "--features %d is more than the %,d a Java array holds "
                    + "(θ, the column scales and each row are arrays of n)", features, MAX_FEATURES));
        }
        if (!(condition >= 1) || !Double.isFinite(condition)) {
            throw Main.usage(spec, "--condition must be a finite number ≥ 1, got " + condition);
        }
        if (!(correlation >= 0 && correlation < 1)) {
            throw Main.usage(spec, "--correlation must be in [0, 1), got " + correlation);
        }
        if (!(noise >= 0) || !Double.isFinite(noise)) {
            throw Main.usage(spec, "--noise must be a finite number ≥ 0, got " + noise);
        }
        if (!Double.isFinite(intercept)) {
            throw Main.usage(spec, "--intercept must be finite, got " + intercept);
        }
        if (threads < 0) {
            throw Main.usage(spec, "--threads must be ≥ 0 (0 = all cores), got " + threads);
        }
        if (density != null && !(density > 0 && density <= 1)) {
            throw Main.usage(spec, "--density must be in (0, 1], got " + density);
        }
        if (!format.equals("npz") && !format.equals("svmlight")) {
            throw Main.usage(spec, "--format must be npz or svmlight, got '" + format + "'");
        }
        if (density == null && !format.equals("npz")) {
            throw Main.usage(spec, "--format applies to sparse data: give --density too");
        }
        if (density == null && spec.commandLine().getParseResult().hasMatchedOption("--format")) {
            Main.warn(spec, "--format does nothing without --density (dense data are written as X.npy)");
        }
        Precision p = Main.option(spec, () -> Precision.parse(precision));
        if (p == Precision.FLOAT32 && features > 1 && 1 / condition < 1e-30) { // N(0,1)·s_j would hold few bits, or none
            throw Main.usage(spec, String.format(Locale.ROOT, "--condition %.3g makes the smallest column scale %.3g: float32 "
                    + "values of that size are subnormal or 0; use --precision float64 or κ ≤ 1e30", condition, 1 / condition));
        }
        checkRange(p);
        if (outDir.toString().isEmpty()) {
            throw Main.usage(spec, "--out-dir needs a folder name, got ''");
        }
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create --out-dir " + outDir + ": " + (Files.exists(outDir) && !Files.isDirectory(outDir)
                    ? "the path exists and is not a folder" : dev.downhill.io.IoErrors.reason(e)), e);
        }
        Path xFile = outDir.resolve("X.npy");
        Path yFile = outDir.resolve("y.npy");
        Path thetaFile = outDir.resolve("theta.npy");
        double[] theta = new double[features];
        double[] scale = new double[features];
        SplittableRandom thetaRandom = thetaRandom(seed);
        for (int j = 0; j < features; j++) {
            theta[j] = thetaRandom.nextGaussian();
            scale[j] = features == 1 ? 1 : Math.pow(condition, -(double) j / (features - 1));
        }
        if (density != null) {
            try {
                return sparse(p, theta, scale, thetaFile);
            } catch (TargetOutOfRange e) {
                throw Main.usage(spec, outOfRange(e, p));
            }
        }
        Outputs.check(xFile, yFile, thetaFile);
        checkFreeSpace((double) rows * features * p.bytes() + (double) rows * p.bytes() + 8.0 * features, "X.npy, y.npy and theta.npy");
        int cores = Runtime.getRuntime().availableProcessors();
        int workers = threads > 0 ? (int) Math.min(threads, Math.min((long) FitCommand.THREADS_PER_CORE * cores,
                Math.max(1, (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK))) : cores;
        PrintWriter err = spec.commandLine().getErr();
        if (threads > 0 && workers < threads && !quiet) {
            err.printf(Locale.ROOT, "downhill: note: --threads %d capped at %d (at most %d per core on %d cores, and one per %d "
                    + "rows)%n", threads, workers, FitCommand.THREADS_PER_CORE, cores, ROWS_PER_TASK);
        }
        long start = System.nanoTime();
        long lastReport = start;
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        double[] y = new double[workers * ROWS_PER_TASK];
        // X, y and theta are staged beside their targets and renamed together at the end: a failed or
        // interrupted run leaves the previous files (if any) as they were
        try (Outputs outputs = new Outputs()) {
            try (NpyWriter xOut = NpyWriter.create(outputs.open(xFile), p, rows, features);
                 NpyWriter yOut = NpyWriter.create(outputs.open(yFile), p, rows)) {
                float[][] floatRows = p == Precision.FLOAT32 ? new float[workers * ROWS_PER_TASK][features] : null;
                double[][] doubleRows = p == Precision.FLOAT64 ? new double[workers * ROWS_PER_TASK][features] : null;
                for (long first = 0; first < rows; first += (long) workers * ROWS_PER_TASK) {
                    List<Future<?>> tasks = new ArrayList<>();
                    for (int w = 0; w < workers; w++) {
                        long from = first + (long) w * ROWS_PER_TASK;
                        int slot = w * ROWS_PER_TASK;
                        tasks.add(pool.submit(() -> {
                            for (int k = 0; k < ROWS_PER_TASK && from + k < rows; k++) {
                                y[slot + k] = generateRow(from + k, theta, scale,
                                        floatRows == null ? null : floatRows[slot + k], doubleRows == null ? null : doubleRows[slot + k]);
                            }
                        }));
                    }
                    for (Future<?> f : tasks) {
                        f.get();
                    }
                    int count = (int) Math.min((long) workers * ROWS_PER_TASK, rows - first);
                    for (int k = 0; k < count; k++) {
                        try {
                            checkTarget(y[k], first + k, p == Precision.FLOAT32);
                        } catch (TargetOutOfRange e) {
                            throw Main.usage(spec, outOfRange(e, p));
                        }
                    }
                    for (int k = 0; k < count; k++) {
                        if (floatRows != null) {
                            xOut.write(floatRows[k]);
                        } else {
                            xOut.write(doubleRows[k]);
                        }
                    }
                    yOut.write(y, 0, count);
                    long now = System.nanoTime();
                    if (!quiet && now - lastReport > 5_000_000_000L) {
                        lastReport = now;
                        double done = (first + count) / (double) rows;
                        double elapsed = (now - start) / 1e9;
                        err.printf(Locale.ROOT, "gen: %.1f%% of rows, %s elapsed, ETA %s%n", 100 * done, Progress.clock(elapsed),
                                Progress.clock(elapsed / done * (1 - done)));
                        err.flush();
                    }
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("generator thread failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            } finally {
                pool.shutdownNow();
            }
            try (NpyWriter thetaOut = NpyWriter.create(outputs.open(thetaFile), Precision.FLOAT64, theta.length)) {
                thetaOut.write(theta);
            }
            // the summary once the files are in place, so that it never claims files a failed rename did not write (the
            // commit checks standard output first: if it failed, no file is replaced)
            outputs.commit();
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "wrote %s/X.npy (%d × %d %s, %s), y.npy, theta.npy in %.1f s%n", outDir, rows, features,
                    p.name().toLowerCase(Locale.ROOT), ByteSizes.format((double) rows * features * p.bytes()),
                    (System.nanoTime() - start) / 1e9);
            out.printf(Locale.ROOT, "model: x_ij = s_j·N(0,1), %s%s; y = Xθ + %s + %s·N(0,1); true θ in theta.npy; seed %d%n",
                    condition == 1 ? "s_j = 1 (no spread of the column scales: --condition)" : "s_j from 1 down to 1/" + brief(condition)
                    + " (condition κ = " + brief(condition) + " of the scales)",
                    correlation == 0 ? "" : ", neighbouring columns correlated " + brief(correlation),
                    brief(intercept), brief(noise), seed);
        }
        return 0;
    }

    /**
     * Refuses, before any row is made, files of at least {@code bytes} in all that the disk of {@code --out-dir} has no room
     * for: the write would otherwise fail only once the disk was full, hours later. Unknown free space: no check.
     */
    private void checkFreeSpace(double bytes, String what) {
        long free;
        try {
            free = Files.getFileStore(outDir).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return;
        }
        if (free > 0 && bytes > free) {
            throw new IllegalStateException(String.format(Locale.ROOT, "%s need at least %s but the disk of --out-dir %s has %s "
                    + "free: generate fewer rows or features, or write elsewhere", what,
                    dev.downhill.internal.ByteSizes.format(bytes), outDir, dev.downhill.internal.ByteSizes.format(free)));
        }
    }

    /** {@code --density}: X.npz and y.npy, or data.svm, plus theta.npy, staged and renamed together. */
    private int sparse(Precision p, double[] theta, double[] scale, Path thetaFile) throws IOException {
        if (correlation != 0) {
            throw Main.usage(spec, "--correlation applies to dense data, not with --density");
        }
        boolean npz = format.equals("npz");
        if (spec.commandLine().getParseResult().hasMatchedOption("--threads")) {
            Main.warn(spec, "--threads does nothing with --density (sparse rows are generated on one thread) (ignored)");
        }
        if (density * features < 1) {
            Main.warn(spec, String.format(Locale.ROOT, "--density %.3g × %d features is %.3g non-zeros a row on average: most rows "
                    + "will be empty", density, features, density * features));
        }
        Path xFile = outDir.resolve(npz ? "X.npz" : "data.svm");
        Path yFile = outDir.resolve("y.npy");
        if (npz && java.nio.file.Files.exists(outDir.resolve("X.npy"))) {
            Main.warn(spec, outDir.resolve("X.npy") + " (an earlier dense X) stays beside the new X.npz, y.npy and theta.npy, "
                    + "which replace that set's y and θ: --x X.npz reads the new one");
        }
        if (npz) {
            Outputs.check(xFile, yFile, thetaFile);
        } else {
            Outputs.check(xFile, thetaFile);
        }
        // at least: svmlight writes ≥ 4 characters ("j:v ") per non-zero; npz's X is deflated (no bound), its y.npy exact
        double nonZeros = (double) rows * features * density;
        checkFreeSpace(npz ? (double) rows * p.bytes() + 8.0 * features : 4 * nonZeros, npz ? "y.npy and theta.npy" : "data.svm");
        long start = System.nanoTime();
        SparseRows source = new SparseRows(features, density, seed, theta, scale, intercept, noise, p == Precision.FLOAT32);
        int[] columns = new int[features];
        double[] values = new double[features];
        long nnz = 0;
        try (Outputs outputs = new Outputs()) {
            if (npz) {
                nnz = dev.downhill.io.NpzWriter.write(outputs.open(xFile), rows, features, p, source);
                try (NpyWriter yOut = NpyWriter.create(outputs.open(yFile), p, rows)) {
                    double[] one = new double[1];
                    for (long i = 0; i < rows; i++) {
                        source.row(i, columns, values);
                        one[0] = source.lastTarget();
                        yOut.write(one, 0, 1);
                    }
                }
            } else {
                try (java.io.Writer w = new java.io.BufferedWriter(new java.io.OutputStreamWriter(outputs.open(xFile).stream(),
                        java.nio.charset.StandardCharsets.US_ASCII), 1 << 20)) {
                    StringBuilder line = new StringBuilder();
                    for (long i = 0; i < rows; i++) {
                        int k = source.row(i, columns, values);
                        nnz += k;
                        line.setLength(0);
                        line.append(number(source.lastTarget(), p));
                        for (int e = 0; e < k; e++) {
                            line.append(' ').append(columns[e]).append(':').append(number(values[e], p));
                        }
                        w.write(line.append('\n').toString());
                    }
                }
            }
            try (NpyWriter thetaOut = NpyWriter.create(outputs.open(thetaFile), Precision.FLOAT64, theta.length)) {
                thetaOut.write(theta);
            }
            outputs.commit(); // the summary once the files are in place (as above)
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "wrote %s (%d × %d %s, %d non-zeros, %.3g%% dense)%s, theta.npy in %.1f s%n", xFile, rows, features,
                    p.name().toLowerCase(Locale.ROOT), nnz, 100.0 * nnz / ((double) rows * features), npz ? ", y.npy" : "",
                    (System.nanoTime() - start) / 1e9);
            out.printf(Locale.ROOT, "model: row i has ⌊d·n⌋ or ⌈d·n⌉ non-zeros (d = %s) in columns drawn ∝ (j+1)^-%.1f, values "
                    + "s_j·N(0,1); y = Xθ + %s + %s·N(0,1); true θ in theta.npy; seed %d%n", brief(density), SparseRows.EXPONENT,
                    brief(intercept), brief(noise), seed);
            if (!npz) {
                out.printf(Locale.ROOT, "note: svmlight records neither n nor where indices start: read it with --zero-based --features %d "
                        + "(the indices are 0-based, as scikit-learn writes them; a file without a 0 would be read 1-based by the "
                        + "automatic rule, every column shifted by one)%n", features);
            }
        }
        return 0;
    }

    /**
     * Refuses, before any work, an {@code --intercept} or {@code --noise} that the chosen precision cannot hold: every y
     * (or σ·N(0,1) term) would round to ±∞ when written, and {@code fit} would refuse the files.
     */
    private void checkRange(Precision p) {
        if (p != Precision.FLOAT32) {
            return; // finite as doubles: checked above
        }
        String range = String.format(Locale.ROOT, "float32's range (±%.3g)", Float.MAX_VALUE);
        if (Float.isInfinite((float) intercept)) {
            throw Main.usage(spec, "--intercept " + brief(intercept) + " is beyond " + range + ": every y would be ±inf; use "
                    + "--precision float64 or a smaller --intercept");
        }
        if (Float.isInfinite((float) noise)) {
            throw Main.usage(spec, "--noise " + brief(noise) + " is beyond " + range + ": y would be ±inf; use "
                    + "--precision float64 or a smaller --noise");
        }
    }

    /** A generated y that the chosen precision cannot hold (the values of {@code --intercept} and {@code --noise} near its limit). */
    static final class TargetOutOfRange extends RuntimeException {
        final long row;
        final double value;

        TargetOutOfRange(long row, double value) {
            super("y at row " + row + " is " + value, null, false, false);
            this.row = row;
            this.value = value;
        }
    }

    /** Throws {@link TargetOutOfRange} when {@code y} is not finite once rounded to the precision written (float32 or float64). */
    static void checkTarget(double y, long row, boolean float32) {
        if (float32 ? Float.isInfinite((float) y) || Double.isNaN(y) : !Double.isFinite(y)) {
            throw new TargetOutOfRange(row, y);
        }
    }

    /** The usage error's line for a y out of range: which options made it and what to do; nothing is written. */
    private String outOfRange(TargetOutOfRange e, Precision p) {
        boolean float32 = p == Precision.FLOAT32;
        return String.format(Locale.ROOT, "--intercept %s and --noise %s make y at row %d (zero-based) %s, beyond %s's range "
                + "(±%.3g), so nothing was written; use a smaller --intercept or --noise%s", brief(intercept), brief(noise), e.row,
                brief(e.value), float32 ? "float32" : "float64", float32 ? Float.MAX_VALUE : Double.MAX_VALUE,
                float32 ? " or --precision float64" : "");
    }

    /** {@code v} to 6 significant digits without trailing zeros ("1e+39", "0", "3.82483e+38"). */
    static String brief(double v) {
        if (!Double.isFinite(v)) {
            return Double.toString(v);
        }
        String t = String.format(Locale.ROOT, "%.6g", v);
        int e = t.indexOf('e');
        String mantissa = e < 0 ? t : t.substring(0, e);
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return mantissa + (e < 0 ? "" : t.substring(e));
    }

    /** A value as svmlight text: the shortest decimal that reads back to the same float32 or float64. */
    private static String number(double v, Precision p) {
        return p == Precision.FLOAT32 ? Float.toString((float) v) : Double.toString(v);
    }

    /**
     * Row {@code row}'s generator for {@code seed} (dense and sparse): a stream of its own, from a key that mixes the seed
     * and the row (MurmurHash3's 64-bit finalizer, a bijection). A SplittableRandom's stream walks its state by a fixed
     * step γ, so generators whose seeds differ by a small multiple of γ share their draws shifted: the former seeds
     * seed·γ + row made row i of --seed s + 1 row i of --seed s shifted by one draw, and row 0 of --seed 0 the stream of
     * θ's SplittableRandom(0) (X[0] = θ). Mixed keys are unrelated: two streams overlap only by chance, odds of about
     * (their draws)/2⁶⁴.
     */
    static SplittableRandom rowRandom(long seed, long row) {
        return new SplittableRandom(mix(mix(seed) + row));
    }

    /** θ's generator for {@code seed}: the key of "row −1", which no row has (rows count from 0, below 2⁶³). */
    static SplittableRandom thetaRandom(long seed) {
        return new SplittableRandom(mix(mix(seed) - 1));
    }

    /** MurmurHash3's 64-bit finalizer (not the mixer inside SplittableRandom, which is Stafford's variant 13). */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** Fills one row (into whichever array is non-null) and returns its target. */
    private double generateRow(long row, double[] theta, double[] scale, float[] f, double[] d) {
        SplittableRandom r = rowRandom(seed, row);
        double s = intercept;
        double innovation = Math.sqrt(1 - correlation * correlation);
        double z = 0;
        for (int j = 0; j < theta.length; j++) {
            z = j == 0 ? r.nextGaussian() : correlation * z + innovation * r.nextGaussian();
            double v = scale[j] * z;
            if (f != null) {
                float fv = (float) v;
                f[j] = fv;
                s += fv * theta[j];
            } else {
                d[j] = v;
                s += v * theta[j];
            }
        }
        return s + noise * r.nextGaussian();
    }
}
