package dev.downhill.spark.examples;

import dev.downhill.ModelFile;
import dev.downhill.Score;
import dev.downhill.spark.DownhillRegressionModel;
import dev.downhill.spark.DownhillRegressor;
import dev.downhill.spark.InvalidRowException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Fits a linear regression on Spark with downhill and prints it:
 * <pre>
 *   java -jar spark/target/downhill-spark-examples.jar --master local[2] --data FILE --label NAME
 *        [--solver auto|l-bfgs|gd|nesterov|cg|normal|svd] [--weight NAME] [--reg-param λ] [--elastic-net a]
 *        [--no-intercept] [--max-iter N] [--tol T] [--partitions P] [--out model.json]
 * </pre>
 * FILE is CSV with a header (every column but the label, and the weight when given, is a feature, read as float64) or
 * Parquet (by its .parquet suffix, or a directory; numeric columns). Prints the coefficients, the intercept and the
 * training summary; {@code --out} writes downhill's JSON model file (the CLI's fields, {@link ModelFile}). Without
 * {@code --master} the master comes from spark-submit. Exit status 0, or 2 with one line on standard error for bad input.
 */
public final class Fit {
    /** The class-path resource of this program's log4j 2 configuration (WARN and above; the task loggers off). */
    static final String QUIET_LOGGING = "dev/downhill/spark/examples/log4j2-quiet.properties";

    private Fit() {
    }

    public static void main(String[] args) {
        // before Spark's classes load: what Spark's launcher would pass on Java 17, and Spark ML on Java BLAS (its native
        // BLAS must not bind to the cpu backend's OpenBLAS in one JVM)
        System.setProperty("io.netty.tryReflectionSetAccessible", "true");
        if (System.getProperty("log4j2.configurationFile") == null && System.getProperty("log4j.configurationFile") == null) {
            // a configuration of its own from the start (see quietSparkLogging): setting levels on log4j's default one
            // left Spark free to load its INFO profile over them, on some runs and not others
            System.setProperty("log4j2.configurationFile", QUIET_LOGGING);
        }
        for (String lib : new String[] {"blas", "lapack", "arpack"}) {
            if (System.getProperty("dev.ludovic.netlib." + lib + ".allowNative") == null) {
                System.setProperty("dev.ludovic.netlib." + lib + ".allowNative", "false");
            }
        }
        quietSparkLogging();
        try {
            run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        } catch (RuntimeException e) { // a failure past the arguments: its cause in one line, not Spark's stack traces
            System.err.println("error: " + cause(e));
            System.exit(1);
        }
    }

    /**
     * Spark's own INFO lines (~50 at start-up) and the executors' task-failure reports (each bad row's stack trace, before
     * the one line this program prints) are left out: WARN and above, the task loggers off — and the estimator's
     * iteration-limit warning, which this program prints in its own option names. Log4j 2 is Spark's logger. Its
     * configuration {@link #QUIET_LOGGING} says the same from the start; these levels are set again for a configuration
     * the user gave.
     */
    private static void quietSparkLogging() {
        try {
            org.apache.logging.log4j.core.config.Configurator.setRootLevel(org.apache.logging.log4j.Level.WARN);
            for (String logger : new String[] {"org.apache.spark.executor.Executor", "org.apache.spark.scheduler.TaskSetManager",
                    "org.apache.spark.scheduler.TaskSchedulerImpl", "org.apache.spark.storage.BlockManager",
                    "org.apache.hadoop.util.NativeCodeLoader", DownhillRegressor.CONVERGENCE_LOGGER}) {
                org.apache.logging.log4j.core.config.Configurator.setLevel(logger, org.apache.logging.log4j.Level.OFF);
            }
        } catch (LinkageError e) {
            // another logging backend: Spark's defaults stay
        }
    }

    /** The innermost message worth showing: Spark wraps an executor's exception in job and stage failures. */
    static String cause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t instanceof InvalidRowException || t instanceof IllegalArgumentException || t instanceof IllegalStateException
                    || t instanceof ArithmeticException || t instanceof java.io.IOException) {
                break;
            }
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        m = m.replace('\n', ' ');
        return m.length() > 1000 ? m.substring(0, 1000) + "…" : m;
    }

    static void run(String[] args) {
        String master = null, data = null, label = null, solver = "auto", weight = null, out = null;
        double reg = 0, net = 0, tol = 1e-6;
        int maxIter = 100, partitions = 0;
        boolean intercept = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--master" -> master = value(args, ++i, a);
                case "--data" -> data = value(args, ++i, a);
                case "--label" -> label = value(args, ++i, a);
                case "--solver" -> solver = value(args, ++i, a);
                case "--weight" -> weight = value(args, ++i, a);
                case "--out" -> out = value(args, ++i, a);
                case "--reg-param" -> reg = number(args, ++i, a);
                case "--elastic-net" -> net = number(args, ++i, a);
                case "--tol" -> tol = number(args, ++i, a);
                case "--max-iter" -> maxIter = whole(args, ++i, a, 1);
                case "--partitions" -> partitions = whole(args, ++i, a, 1);
                case "--no-intercept" -> intercept = false;
                case "--help", "-h" -> {
                    System.out.println("usage: java -jar downhill-spark-examples.jar [--master M] --data FILE --label NAME "
                            + "[--solver S] [--weight NAME] [--reg-param λ] [--elastic-net a] [--no-intercept] [--max-iter N] "
                            + "[--tol T] [--partitions P] [--out model.json]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option '" + a + "' (--help lists them)");
            }
        }
        if (data == null || label == null) {
            throw new IllegalArgumentException("--data FILE and --label NAME are required");
        }
        if (label.equals(weight)) {
            throw new IllegalArgumentException("--weight names the label column '" + label + "': give another column");
        }
        if (!java.nio.file.Files.exists(Path.of(data))) {
            throw new IllegalArgumentException(data + " does not exist");
        }
        if (out != null) {
            Path parent = Path.of(out).toAbsolutePath().getParent();
            if (parent == null || !java.nio.file.Files.isDirectory(parent)) {
                throw new IllegalArgumentException("--out " + out + ": its folder does not exist (checked before the fit)");
            }
        }
        // a session that is already running (an application calling run) is used and left running; one made here is stopped
        boolean own = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        SparkSession.Builder builder = SparkSession.builder().appName("downhill-fit");
        if (master != null && own) {
            builder.master(master);
        }
        SparkSession spark = builder.getOrCreate();
        if (own) {
            spark.sparkContext().setLogLevel("WARN");
        }
        try {
            boolean parquet = data.endsWith(".parquet") || (java.nio.file.Files.isDirectory(Path.of(data)) && !csvFolder(Path.of(data)));
            Dataset<Row> raw = parquet ? spark.read().parquet(data) : spark.read().option("header", "true").csv(data);
            List<String> columns = List.of(raw.columns());
            if (!columns.contains(label)) {
                throw new IllegalArgumentException("no column '" + label + "' in " + data + " (columns: " + String.join(", ", columns) + ")");
            }
            if (weight != null && !columns.contains(weight)) {
                throw new IllegalArgumentException("no column '" + weight + "' in " + data);
            }
            // the columns under names of our own (f0, f1, …, label, weight): a header's dots, backticks or a column called
            // "features" broke Spark's column resolution and the assembler's output
            List<String> features = new ArrayList<>();
            List<String> inputs = new ArrayList<>();
            List<Column> cast = new ArrayList<>();
            for (String c : columns) {
                Column numericColumn = functions.col("`" + c.replace("`", "``") + "`").try_cast("double"); // malformed: null
                if (c.equals(label)) {
                    cast.add(numericColumn.as("label"));
                } else if (c.equals(weight)) {
                    cast.add(numericColumn.as("weight"));
                } else {
                    String name = "f" + features.size();
                    cast.add(numericColumn.as(name));
                    features.add(c);
                    inputs.add(name);
                }
            }
            if (features.isEmpty()) {
                throw new IllegalArgumentException(data + " has no feature column (only the label)");
            }
            Dataset<Row> numeric = raw.select(cast.toArray(new Column[0]));
            if (partitions > 0) {
                numeric = numeric.repartition(partitions);
            }
            // "keep": a missing or non-numeric cell becomes NaN in the vector, which the fit refuses naming the row
            Dataset<Row> frame = new VectorAssembler().setInputCols(inputs.toArray(new String[0])).setOutputCol("features")
                    .setHandleInvalid("keep").transform(numeric);
            DownhillRegressor est = new DownhillRegressor().setLabelCol("label").setSolver(solver).setRegParam(reg)
                    .setElasticNetParam(net).setFitIntercept(intercept).setMaxIter(maxIter).setTol(tol);
            if (weight != null) {
                est.setWeightCol("weight");
            }
            DownhillRegressionModel model;
            try {
                model = est.fit(frame);
            } catch (InvalidRowException e) {
                throw new IllegalArgumentException(nameFeature(e.getMessage().replace("column 'label'", "column '" + label + "'")
                        .replace("column 'weight'", "column '" + weight + "'"), features));
            }
            double[] theta = model.coefficients().toArray();
            System.out.printf(Locale.ROOT, "fitted %s on %s: solver %s, %d iterations, %s%n", label, data, model.summary().solver(),
                    model.summary().totalIterations(), model.summary().stopReason());
            for (int j = 0; j < theta.length; j++) {
                System.out.printf(Locale.ROOT, "  %-24s %.17g%n", features.get(j), theta[j]);
            }
            System.out.printf(Locale.ROOT, "  %-24s %.17g%n", "(intercept)", model.intercept());
            System.out.printf(Locale.ROOT, "r2 %.12f  rmse %.12g  passes %d  %.3f s%n", model.summary().r2(),
                    model.summary().rootMeanSquaredError(), model.summary().passes(), model.summary().seconds());
            // the estimator's own warning (its logger, silenced above) in this program's option names
            String ran = model.fittedModel().solver().cliName();
            if (solver.trim().equalsIgnoreCase("l-bfgs")) { // the estimator's name for cg (nesterov with an l1 term)
                ran = "l-bfgs (run as " + ran + ")";
            }
            dev.downhill.internal.ConvergenceWarning.of(model.fittedModel(), "--max-iter", "--tol", "--solver", ran)
                    .ifPresent(warning -> System.err.println("warning: " + warning));
            if (out != null) {
                // the table's column names too: downhill predict then reads a CSV by them (data.featureNames, data.targetName,
                // and data.weightColumn: the column of --weight, which predict leaves out of the features and weights the score by)
                ModelFile.write(Path.of(out), model.fittedModel(), new Score(model.summary().meanSquaredError(), model.summary().r2()),
                        null, new dev.downhill.TableColumns(features, label, weight));
                System.out.println("wrote " + out);
            }
        } finally {
            if (own) {
                spark.stop();
            }
        }
    }

    /** "column 'features': … at index 3 …" names the feature column too. */
    static String nameFeature(String message, List<String> features) {
        Matcher m = Pattern.compile("^column 'features': (.*) at index (\\d+)(.*)$").matcher(message);
        if (m.matches()) {
            int j = Integer.parseInt(m.group(2));
            if (j < features.size()) {
                // this program reads a missing or non-numeric cell as NaN (try_cast, then the assembler's "keep")
                return "column '" + features.get(j) + "': " + m.group(1) + m.group(3).replace(" (every value must be finite)",
                        m.group(1).contains("NaN") ? " (a missing or non-numeric cell, or NaN: every value must be a finite number)"
                        : " (every value must be a finite number)");
            }
        }
        return message;
    }

    /** Whether a folder holds CSV files (Spark reads it as one table), not Parquet. */
    private static boolean csvFolder(Path folder) {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(folder)) {
            return files.anyMatch(f -> f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** A whole number ≥ {@code least} (2.7 is refused, not cut to 2). */
    private static int whole(String[] args, int i, String option, int least) {
        String v = value(args, i, option);
        try {
            int k = Integer.parseInt(v.trim());
            if (k < least) {
                throw new IllegalArgumentException(option + " must be ≥ " + least + ", got " + v);
            }
            return k;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number, got '" + v + "'");
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static double number(String[] args, int i, String option) {
        String v = value(args, i, option);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, got '" + v + "'");
        }
    }
}
