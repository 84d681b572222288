package dev.downhill.cli;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.LoadedProblem;
import dev.downhill.Score;
import dev.downhill.Solver;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The built-in demo: the classic y = 4 + 3x + N(0,1) (x = 2·U(0,1), 100 points; Hands-On ML ch. 4)
 * and y = 5x₁ + 2x₂ + 10 + N(0,1) (x₁ ~ N(5,1), x₂ ~ N(2,1), 50 points), each loaded into the backend
 * once and fitted by every solver with the defaults; a table per dataset, and plots (fitted line,
 * loss curves, predicted vs actual) in the output folder.
 */
@Command(name = "demo", description = "Fit y = 4 + 3x + noise and a two-feature set with every least-squares solver (all but cd, which needs an l1 penalty); print tables and write plots.",
        mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class)
final class DemoCommand implements Callable<Integer> {
    @Mixin
    VerboseOption verbose;

    @Option(names = "--out-dir", description = "Folder for the plots (default: ${DEFAULT-VALUE}).", defaultValue = "demo-output")
    Path outDir;

    @Option(names = "--no-plots", description = "Skip the plots.")
    boolean noPlots;

    @Option(names = "--backend", description = "auto, cpu, ... (default: ${DEFAULT-VALUE}).", defaultValue = "auto")
    String backend;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // before any output: an unknown name is a usage error (exit 2), one that cannot run fails (exit 1)
        Main.option(spec, () -> {
            BackendOption.check(backend);
            return null;
        });
        if (!dev.downhill.spi.Backends.isAuto(backend)) {
            dev.downhill.spi.Backends.select(backend);
        }
        if (outDir.toString().isEmpty()) { // checked even with --no-plots, as gen and fit check theirs
            throw Main.usage(spec, "--out-dir needs a folder name, got ''");
        }
        if (noPlots && spec.commandLine().getParseResult().hasMatchedOption("--out-dir")) {
            Main.warn(spec, "--out-dir does nothing with --no-plots (no plots are written) (ignored)");
        }
        if (!noPlots) {
            try {
                Files.createDirectories(outDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + outDir + ": " + (Files.exists(outDir) && !Files.isDirectory(outDir)
                        ? "the path exists and is not a folder" : dev.downhill.io.IoErrors.reason(e)), e);
            }
            Outputs.check(outDir.resolve("classic-fitted-line.png")); // before any work
        }
        SplittableRandom r = new SplittableRandom(42);
        double[][] x = new double[100][1];
        double[] y = new double[100];
        for (int i = 0; i < 100; i++) {
            x[i][0] = 2 * r.nextDouble();
            y[i] = 4 + 3 * x[i][0] + r.nextGaussian();
        }
        FittedModel[] classic = table(out, "y = 4 + 3x + N(0,1), 100 points (true θ = 3, b = 4)", x, y);
        double[][] x2 = new double[50][2];
        double[] y2 = new double[50];
        for (int i = 0; i < 50; i++) {
            x2[i][0] = 5 + r.nextGaussian();
            x2[i][1] = 2 + r.nextGaussian();
            y2[i] = 5 * x2[i][0] + 2 * x2[i][1] + 10 + r.nextGaussian();
        }
        FittedModel[] two = table(out, "y = 5x1 + 2x2 + 10 + N(0,1), 50 points (true θ = (5, 2), b = 10)", x2, y2);
        if (!noPlots) {
            double[] column = new double[100];
            for (int i = 0; i < 100; i++) {
                column[i] = x[i][0];
            }
            // each plot is written atomically (a temporary file beside it, renamed when complete)
            Plots.write(Plots.fittedLine(column, y, classic[Solver.NORMAL.ordinal()]), png("classic-fitted-line.png"));
            for (Solver s : new Solver[] {Solver.GD, Solver.SGD, Solver.MINIBATCH}) {
                Plots.write(Plots.lossCurve(classic[s.ordinal()]), png("classic-loss-" + s.cliName() + ".png"));
            }
            FittedModel gd = two[Solver.GD.ordinal()];
            Plots.write(Plots.predictedVsActual(y2, gd.predict(x2), "Two features, gradient descent: predicted vs actual"),
                    png("two-features-predicted-vs-actual.png"));
            out.println();
            out.println("plots written to " + outDir.toAbsolutePath());
        }
        return 0;
    }

    private Plots.Target png(String name) {
        return new Plots.Target(outDir.resolve(name), org.knowm.xchart.BitmapEncoder.BitmapFormat.PNG);
    }

    private FittedModel[] table(PrintWriter out, String title, double[][] x, double[] y) {
        FittedModel[] models = new FittedModel[Solver.values().length];
        out.println();
        out.println(title);
        FitConfig base = FitConfig.builder().backend(backend).build();
        try (Dataset data = Dataset.of(x, y); LoadedProblem problem = LinearRegression.load(data, base)) {
            out.printf(Locale.ROOT, "backend: %s, %s, %s%n%n", problem.backendName(), problem.description(),
                    problem.precision().name().toLowerCase(Locale.ROOT));
            out.printf(Locale.ROOT, "%-10s %-20s %10s %9s %7s %10s %-16s %9s %8s%n",
                    "solver", "theta", "b", "MSE", "R2", "iterations", "stop", "eta", "ms");
            for (Solver s : Solver.values()) {
                if (s == Solver.CD) {
                    continue; // coordinate descent fits lasso / elastic net only; the demo fits least squares
                }
                FittedModel m = LinearRegression.fit(problem, base.toBuilder().solver(s).build());
                models[s.ordinal()] = m;
                Score score = m.score(problem);
                StringBuilder theta = new StringBuilder();
                for (double c : m.coefficients()) {
                    theta.append(theta.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.5f", c));
                }
                out.printf(Locale.ROOT, "%-10s %-20s %10.5f %9.5f %7.4f %10d %-16s %9s %8.2f%n",
                        s.cliName(), theta, m.intercept(), score.mse(), score.r2(), m.iterations(),
                        m.stopReason().name().toLowerCase(Locale.ROOT),
                        Double.isNaN(m.learningRate()) ? "-" : String.format(Locale.ROOT, "%.4g", m.learningRate()),
                        m.wallTime().toNanos() / 1e6);
            }
        }
        return models;
    }
}
