package dev.downhill.cli;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LearningRate;
import dev.downhill.LearningRateSchedule;
import dev.downhill.LinearRegression;
import dev.downhill.ModelFile;
import dev.downhill.Precision;
import dev.downhill.Score;
import dev.downhill.Solver;
import dev.downhill.spi.Backends;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code downhill fit}: fits a model to data files and prints (and optionally saves and plots) it. */
@Command(name = "fit", description = "Fit y ≈ Xθ + b to data files.", sortOptions = false)
final class FitCommand implements Callable<Integer> {
    /** Coefficients printed in full up to this many; beyond, the first and last few. */
    static final int FULL_LISTING = 12;

    @Mixin
    InputOptions input;

    @Option(names = "--solver", description = "gd, nesterov, cg, sgd, minibatch, normal or svd (default: ${DEFAULT-VALUE}).",
            defaultValue = "gd")
    String solver;

    @Option(names = "--lr", description = "Learning rate: a number > 0 or auto (default: ${DEFAULT-VALUE}).", defaultValue = "auto")
    String learningRate;

    @Option(names = "--iterations", description = "Max steps (gd) or epochs (sgd, minibatch).")
    Long iterations;

    @Option(names = "--batch-size", description = "Rows per mini-batch (default: min(32, rows)).")
    Integer batchSize;

    @Option(names = "--tol", description = "Tolerance (gd: ‖∇‖ ≤ tol·‖∇₀‖; sgd/minibatch: relative epoch-loss improvement).")
    Double tolerance;

    @Option(names = "--schedule", description = "SGD/minibatch step schedule: constant, adaptive, invtime:T0,T1 or invscaling:P (default: ${DEFAULT-VALUE}).",
            defaultValue = "constant")
    String schedule;

    @Option(names = "--validation-fraction", description = "SGD/minibatch early stopping: hold out this fraction of rows (default: off).")
    Double validationFraction;

    @Option(names = "--standardize", description = "Implicit standardization: auto, on or off (default: ${DEFAULT-VALUE}).",
            defaultValue = "auto")
    String standardize;

    @Option(names = "--seed", description = "Seed of the SGD row order and the power iteration (default: ${DEFAULT-VALUE}).",
            defaultValue = "0")
    long seed;

    @Option(names = "--no-intercept", description = "Fit y ≈ Xθ without an intercept.")
    boolean noIntercept;

    @Option(names = "--backend", description = "auto, cpu, cuda or nd4j (default: ${DEFAULT-VALUE}).", defaultValue = "auto")
    String backend;

    @Option(names = "--threads", description = "CPU threads, 0 = all cores (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    int threads;

    @Option(names = "--out", description = "Write the model as JSON to this file.")
    Path out;

    @Option(names = "--plot", description = "Write the loss curve (gradient solvers) or predicted-vs-actual (direct solvers) as PNG.")
    Path plot;

    @Option(names = "--quiet", description = "No progress output.")
    boolean quiet;

    @Mixin
    VerboseOption verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        FitConfig.Builder b = FitConfig.builder().solver(Solver.parse(solver)).learningRate(LearningRate.parse(learningRate))
                .seed(seed).fitIntercept(!noIntercept).backend(backend)
                .backendOptions(input.backendOptions().toBuilder().threads(threads).build());
        b.schedule(LearningRateSchedule.parse(schedule));
        if (validationFraction != null) {
            b.validationFraction(validationFraction);
        }
        switch (standardize.toLowerCase(Locale.ROOT)) {
            case "auto": break;
            case "on": case "true": b.standardize(true); break;
            case "off": case "false": b.standardize(false); break;
            default: throw new IllegalArgumentException("--standardize must be auto, on or off, got '" + standardize + "'");
        }
        if (iterations != null) {
            b.maxIterations(iterations);
        }
        if (batchSize != null) {
            b.batchSize(batchSize);
        }
        if (tolerance != null) {
            b.tolerance(tolerance);
        }
        Precision precision = input.precision();
        if (precision != null) {
            b.precision(precision);
        }
        PrintWriter o = spec.commandLine().getOut();
        input.notes = quiet ? null : spec.commandLine().getErr();
        try (Dataset data = input.load()) {
            FitConfig probe = b.build();
            Progress progress = null;
            if (probe.solver().isIterative() && !quiet) {
                progress = new Progress(spec.commandLine().getErr(), probe.maxIterations(), System.console() != null,
                        probe.solver().isStochastic() ? "epoch" : "step");
                b.listener(progress);
            }
            FittedModel model = LinearRegression.fit(data, b.build());
            if (progress != null) {
                progress.finish();
            }
            Score score = model.score(data);
            print(o, model, score, data);
            if (out != null) {
                ModelFile.write(out, model, score);
                o.println("model written to " + out);
            }
            if (plot != null) {
                if (model.solver().isIterative()) {
                    Plots.lossCurve(model, plot);
                } else {
                    Plots.predictedVsActual(data.targets(), model.predict(data), "Predicted vs actual — "
                            + model.solver().cliName(), plot);
                }
                o.println("plot written to " + plot);
            }
        }
        return 0;
    }

    static void print(PrintWriter o, FittedModel m, Score score, Dataset data) {
        o.printf(Locale.ROOT, "data:        %d rows × %d features, %s%n", data.rows(), data.cols(),
                m.precision().name().toLowerCase(Locale.ROOT));
        String backendConfig = m.config().backend();
        String passedOver = backendConfig == null || backendConfig.equalsIgnoreCase("auto") ? Backends.passedOver(m.backend()) : "";
        o.printf(Locale.ROOT, "solver:      %s on %s%s%n", m.solver().cliName(), m.backend(),
                passedOver.isEmpty() ? "" : " (automatic choice; not available: " + passedOver + ")");
        o.println("coefficients: " + listing(m.coefficients()));
        o.printf(Locale.ROOT, "intercept:   %.10g%s%n", m.intercept(), m.fitIntercept() ? "" : " (not fitted)");
        o.printf(Locale.ROOT, "MSE:         %.10g%n", score.mse());
        o.printf(Locale.ROOT, "R²:          %.10g%n", score.r2());
        o.printf(Locale.ROOT, "iterations:  %d%s%n", m.iterations(), m.solver().isStochastic() ? " epochs" : "");
        o.printf(Locale.ROOT, "stop reason: %s%n", m.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' '));
        if (!Double.isNaN(m.learningRate())) {
            o.printf(Locale.ROOT, "η:           %.6g%s%n", m.learningRate(), m.config().learningRate().isAuto() ? " (auto)" : "");
        }
        if (m.report().standardized()) {
            o.printf(Locale.ROOT, "standardized: yes%s%n", m.report().constantColumns().length == 0 ? ""
                    : ", constant columns (coefficient 0): " + java.util.Arrays.toString(m.report().constantColumns()));
        }
        if (m.rank() >= 0) {
            o.printf(Locale.ROOT, "rank:        %d%n", m.rank());
        }
        o.printf(Locale.ROOT, "time:        %.3f s%n", m.wallTime().toNanos() / 1e9);
    }

    /** All values when there are few, else the first and last five with the count in between. */
    static String listing(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        int n = v.length;
        for (int j = 0; j < n; j++) {
            if (n > FULL_LISTING && j == 5) {
                sb.append("… ").append(n - 10).append(" more …, ");
                j = n - 6;
                continue;
            }
            sb.append(String.format(Locale.ROOT, "%.10g", v[j])).append(j < n - 1 ? ", " : "");
        }
        return sb.append("]").toString();
    }
}
