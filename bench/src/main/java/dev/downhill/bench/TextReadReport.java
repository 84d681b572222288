package dev.downhill.bench;

import dev.downhill.Dataset;
import dev.downhill.io.CsvReader;
import dev.downhill.io.SparseData;
import dev.downhill.io.SvmLightReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text readers on one thread and on every core, alternated in one JVM: an svmlight file read sparse
 * ({@code SvmLightReader.readSparse}) or a CSV file read dense ({@code CsvReader.read}), {@code rounds} times each way
 * after one warm-up read each. Prints one line a read ({@code read threads=T seconds=S}) and a summary line with the
 * medians, the spread and their ratio ({@code median threads=1 S1 threads=N SN ratio R}).
 *
 * <pre>
 *   java -cp benchmarks.jar dev.downhill.bench.TextReadReport svmlight|csv FILE ROUNDS
 * </pre>
 */
public final class TextReadReport {
    private TextReadReport() {
    }

    /** Reads {@code file} once on {@code threads} threads (0: every core); the seconds it took. */
    private static double read(String format, Path file, int threads) {
        long start = System.nanoTime();
        if (format.equals("svmlight")) {
            try (SparseData d = SvmLightReader.defaults().withThreads(threads).readSparse(file)) {
                d.x().rows();
            }
        } else {
            try (Dataset d = CsvReader.defaults().withThreads(threads).read(file)) {
                d.rows();
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    public static void main(String[] args) {
        if (args.length != 3 || !(args[0].equals("svmlight") || args[0].equals("csv"))) {
            System.err.println("usage: TextReadReport svmlight|csv FILE ROUNDS");
            System.exit(2);
        }
        String format = args[0];
        Path file = Path.of(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "machine %s, %d cores%n", MachineDescription.cpu(), cores);
        read(format, file, 1);
        read(format, file, 0);
        List<Double> one = new ArrayList<>();
        List<Double> all = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            one.add(read(format, file, 1));
            System.out.printf(Locale.ROOT, "read threads=1 seconds=%.3f%n", one.get(r));
            all.add(read(format, file, 0));
            System.out.printf(Locale.ROOT, "read threads=%d seconds=%.3f%n", cores, all.get(r));
        }
        System.out.printf(Locale.ROOT, "median threads=1 %.3f (%.3f–%.3f) threads=%d %.3f (%.3f–%.3f) ratio %.2f%n",
                Samples.median(one), Samples.min(one), Samples.max(one), cores, Samples.median(all), Samples.min(all),
                Samples.max(all), Samples.median(one) / Samples.median(all));
    }
}
