package dev.downhill.spark.bench;

import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spark.DownhillRegressionModel;
import dev.downhill.spark.DownhillRegressor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.bytedeco.javacpp.DoublePointer;

/**
 * downhill on Spark against Spark's own LinearRegression, side by side in one run (local mode), plus downhill on one
 * machine as the ceiling: {@code bench/spark/run.sh} runs it. The data are generated row by row from a counter-based
 * seed (the same rows for Spark and the single-machine copy), cached in Spark before any timing; every fit is timed
 * alone and its training MSE measured with one more pass, so the table shows each method's accuracy next to its time:
 * the excess (MSE − MSE*)/MSE* over the best MSE any method reached.
 *
 * <pre>
 *   SparkBenchmark --rows M --cols N [--density D (sparse when &lt; 1)] [--partitions P] [--master local[2]]
 *                  [--tol T] [--spark-tol T] [--out results.md] [--no-single-machine]
 * </pre>
 */
public final class SparkBenchmark {
    private SparkBenchmark() {
    }

    record Result(String method, String solver, double seconds, long iterations, double mse) {
    }

    public static void main(String[] args) throws IOException {
        for (String lib : new String[] {"blas", "lapack", "arpack"}) {
            System.setProperty("dev.ludovic.netlib." + lib + ".allowNative", "false");
        }
        long m = 100_000;
        int n = 20;
        double density = 1;
        int partitions = 0;
        String master = "local[2]";
        double tol = 1e-10;
        double sparkTol = 1e-12;
        String out = null;
        boolean single = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rows" -> m = Long.parseLong(args[++i]);
                case "--cols" -> n = Integer.parseInt(args[++i]);
                case "--density" -> density = Double.parseDouble(args[++i]);
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--master" -> master = args[++i];
                case "--tol" -> tol = Double.parseDouble(args[++i]);
                case "--spark-tol" -> sparkTol = Double.parseDouble(args[++i]);
                case "--out" -> out = args[++i];
                case "--no-single-machine" -> single = false;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        boolean sparse = density < 1;
        SparkSession spark = SparkSession.builder().master(master).appName("downhill-spark-benchmark")
                .config("spark.ui.enabled", "false").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int p = partitions > 0 ? partitions : jsc.defaultParallelism();
        long t0 = System.nanoTime();
        Dataset<Row> frame = frame(spark, jsc, m, n, density, p).cache();
        long count = frame.count();
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "data: %,d × %,d %s, %d partitions, generated and cached in %.1f s%n", count, n,
                sparse ? "sparse (density " + density + ")" : "dense", p, loadSeconds);

        // warm-up, not timed: every method once on a small sample (class loading, JIT, Spark's first jobs)
        Dataset<Row> sample = frame.limit((int) Math.min(m, 2000)).repartition(p).cache();
        sample.count();
        new DownhillRegressor().setSolver("cg").setMaxIter(5).fit(sample);
        new org.apache.spark.ml.regression.LinearRegression().setSolver("l-bfgs").setMaxIter(5).fit(sample);
        if (n <= 4096 && Math.min(m, 2000) > 2L * n) { // the sample must not be singular
            new DownhillRegressor().setSolver("normal").fit(sample);
            new org.apache.spark.ml.regression.LinearRegression().setSolver("normal").fit(sample);
        }
        sample.unpersist();

        List<Result> results = new ArrayList<>();
        // downhill on Spark
        List<String> ours = new ArrayList<>(List.of("cg"));
        if (n <= 4096) {
            ours.add("normal");
        }
        for (String solver : ours) {
            long s = System.nanoTime();
            DownhillRegressionModel model = new DownhillRegressor().setSolver(solver).setTol(tol).setMaxIter(10_000).fit(frame);
            double sec = (System.nanoTime() - s) / 1e9;
            results.add(new Result("downhill on Spark", solver, sec, model.summary().totalIterations(),
                    mse(model.transform(frame))));
            report(results.get(results.size() - 1));
        }
        // Spark's LinearRegression: l-bfgs, and normal where n ≤ 4,096
        List<String> theirs = new ArrayList<>(List.of("l-bfgs"));
        if (n <= 4096) {
            theirs.add("normal");
        }
        for (String solver : theirs) {
            long s = System.nanoTime();
            LinearRegressionModel model = new org.apache.spark.ml.regression.LinearRegression().setSolver(solver).setTol(sparkTol)
                    .setMaxIter(1000).fit(frame);
            double sec = (System.nanoTime() - s) / 1e9;
            long iterations = solver.equals("normal") ? 0 : model.summary().totalIterations();
            results.add(new Result("Spark LinearRegression", solver, sec, iterations, mse(model.transform(frame))));
            report(results.get(results.size() - 1));
        }
        frame.unpersist();
        // the ceiling: downhill on one machine, the same rows in its memory (not timed: building them)
        if (single) {
            if (sparse) {
                try (SparseDataset data = sparseLocal(m, n, density)) {
                    for (String solver : List.of("cg")) {
                        FittedModel f = LinearRegression.fit(data, FitConfig.builder().solver(Solver.parse(solver)).tolerance(tol)
                                .maxIterations(10_000).build());
                        results.add(new Result("downhill, one machine", solver, f.wallTime().toNanos() / 1e9, f.iterations(),
                                f.score(data).mse()));
                        report(results.get(results.size() - 1));
                    }
                }
            } else {
                try (dev.downhill.Dataset data = denseLocal(m, n)) {
                    for (String solver : List.of("cg", "normal")) {
                        FittedModel f = LinearRegression.fit(data, FitConfig.builder().solver(Solver.parse(solver)).tolerance(tol)
                                .maxIterations(10_000).build());
                        results.add(new Result("downhill, one machine", solver, f.wallTime().toNanos() / 1e9, f.iterations(),
                                f.score(data).mse()));
                        report(results.get(results.size() - 1));
                    }
                }
            }
        }
        spark.stop();
        double best = results.stream().mapToDouble(Result::mse).min().orElse(Double.NaN);
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "### %,d × %,d %s, %s, %d partitions%n%n", m, n,
                sparse ? "sparse (density " + density + ", " + Math.max(1, Math.round(density * n)) + " entries a row)" : "dense",
                master, p));
        md.append(String.format(Locale.ROOT, "downhill tol %.0e, Spark tol %.0e; data generated and cached in Spark in %.1f s "
                + "(not in the times). Excess = (MSE − best MSE)/best MSE.%n%n", tol, sparkTol, loadSeconds));
        md.append("| method | solver | seconds | iterations | training MSE | excess |\n|---|---|---:|---:|---:|---:|\n");
        for (Result r : results) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %d | %.12g | %.1e |%n", r.method(), r.solver(), r.seconds(),
                    r.iterations(), r.mse(), (r.mse() - best) / best));
        }
        System.out.println();
        System.out.print(md);
        if (out != null) {
            Path path = Path.of(out);
            String previous = Files.exists(path) ? Files.readString(path) + "\n" : "";
            Files.writeString(path, previous + md);
        }
    }

    private static void report(Result r) {
        System.out.printf(Locale.ROOT, "%-24s %-8s %8.2f s  %6d iterations  MSE %.12g%n", r.method(), r.solver(), r.seconds(),
                r.iterations(), r.mse());
    }

    /** The training MSE of a transformed frame: one Spark pass. */
    private static double mse(Dataset<Row> predicted) {
        Row r = predicted.select(functions.avg(functions.pow(functions.col("label").minus(functions.col("prediction")), 2)))
                .head();
        return r.getDouble(0);
    }

    // ------------------------------------------------------------------ the data: the same rows for Spark and one machine

    private static final long SEED = 20_261_130L;

    /** θ*ⱼ. */
    static double truth(int j) {
        return ((j % 7) - 3) / (1.0 + j % 5);
    }

    /** Row i's generator: counter-based, so any partition makes its rows alone. */
    static SplittableRandom row(long i) {
        return new SplittableRandom(SEED ^ (i * 0x9E3779B97F4A7C15L));
    }

    /** Dense row i into x; returns yᵢ. */
    static double denseRow(long i, int n, double[] x) {
        SplittableRandom r = row(i);
        double y = 2;
        for (int j = 0; j < n; j++) {
            x[j] = r.nextGaussian() * (1 + j % 10) + j % 3;
            y += x[j] * truth(j);
        }
        return y + 0.5 * r.nextGaussian();
    }

    /** Sparse row i: k distinct sorted columns and their values; returns yᵢ. */
    static double sparseRow(long i, int n, int k, int[] idx, double[] val) {
        SplittableRandom r = row(i);
        int filled = 0;
        while (filled < k) {
            int c = r.nextInt(n);
            boolean seen = false;
            for (int t = 0; t < filled; t++) {
                seen |= idx[t] == c;
            }
            if (!seen) {
                idx[filled++] = c;
            }
        }
        Arrays.sort(idx, 0, k);
        double y = 2;
        for (int t = 0; t < k; t++) {
            val[t] = r.nextGaussian() * (1 + idx[t] % 10);
            y += val[t] * truth(idx[t]);
        }
        return y + 0.5 * r.nextGaussian();
    }

    private static Dataset<Row> frame(SparkSession spark, JavaSparkContext jsc, long m, int n, double density, int p) {
        StructType schema = new StructType(new StructField[] {
            DataTypes.createStructField("features", SQLDataTypes.VectorType(), false),
            DataTypes.createStructField("label", DataTypes.DoubleType, false)});
        List<Integer> parts = new ArrayList<>();
        for (int i = 0; i < p; i++) {
            parts.add(i);
        }
        boolean sparse = density < 1;
        int k = (int) Math.max(1, Math.round(density * n));
        JavaRDD<Row> rows = jsc.parallelize(parts, p).mapPartitions((Iterator<Integer> it) -> {
            int part = it.next();
            long from = part * m / p;
            long to = (part + 1) * m / p;
            return new Iterator<Row>() {
                long i = from;

                @Override
                public boolean hasNext() {
                    return i < to;
                }

                @Override
                public Row next() {
                    long at = i++;
                    if (sparse) {
                        int[] idx = new int[k];
                        double[] val = new double[k];
                        double y = sparseRow(at, n, k, idx, val);
                        Vector v = Vectors.sparse(n, idx, val);
                        return RowFactory.create(v, y);
                    }
                    double[] x = new double[n];
                    double y = denseRow(at, n, x);
                    return RowFactory.create(Vectors.dense(x), y);
                }
            };
        });
        return spark.createDataFrame(rows, schema);
    }

    private static dev.downhill.Dataset denseLocal(long m, int n) {
        DoublePointer x = new DoublePointer(m * n);
        DoublePointer y = new DoublePointer(m);
        double[] row = new double[n];
        for (long i = 0; i < m; i++) {
            y.put(i, denseRow(i, n, row));
            x.position(i * n).put(row, 0, n);
        }
        x.position(0);
        return dev.downhill.Dataset.adopt(x, y, m, n);
    }

    private static SparseDataset sparseLocal(long m, int n, double density) {
        int k = (int) Math.max(1, Math.round(density * n));
        long[] pointers = new long[Math.toIntExact(m + 1)];
        int[] columns = new int[Math.toIntExact(m * k)];
        double[] values = new double[columns.length];
        double[] y = new double[(int) m];
        int[] idx = new int[k];
        double[] val = new double[k];
        for (int i = 0; i < m; i++) {
            y[i] = sparseRow(i, n, k, idx, val);
            System.arraycopy(idx, 0, columns, i * k, k);
            System.arraycopy(val, 0, values, i * k, k);
            pointers[i + 1] = (long) (i + 1) * k;
        }
        return SparseDataset.of(CsrMatrix.of(pointers, columns, values, n, Precision.FLOAT64), y);
    }
}
