package dev.downhill.cli;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Solver;
import dev.downhill.spi.ResidentProblem;
import java.io.PrintStream;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The built-in demo: the classic y = 4 + 3x + N(0,1) (x = 2·U(0,1), 100 points; Hands-On ML
 * chapter 4) and y = 5x₁ + 2x₂ + 10 + N(0,1) (50 points), each fitted by every solver with the
 * default configuration, loaded into the backend once and fitted five times.
 */
final class Demo {
    private final PrintStream out;

    Demo(PrintStream out) {
        this.out = out;
    }

    void run() {
        SplittableRandom r = new SplittableRandom(42);
        double[][] x = new double[100][1];
        double[] y = new double[100];
        for (int i = 0; i < 100; i++) {
            x[i][0] = 2 * r.nextDouble();
            y[i] = 4 + 3 * x[i][0] + r.nextGaussian();
        }
        table("y = 4 + 3x + N(0,1), 100 points (true θ = 3, b = 4)", x, y);

        double[][] x2 = new double[50][2];
        double[] y2 = new double[50];
        for (int i = 0; i < 50; i++) {
            x2[i][0] = 5 + r.nextGaussian();
            x2[i][1] = 2 + r.nextGaussian();
            y2[i] = 5 * x2[i][0] + 2 * x2[i][1] + 10 + r.nextGaussian();
        }
        table("y = 5x1 + 2x2 + 10 + N(0,1), 50 points (true θ = (5, 2), b = 10)", x2, y2);
    }

    private void table(String title, double[][] x, double[] y) {
        out.println();
        out.println(title);
        try (Dataset data = Dataset.of(x, y); ResidentProblem problem = LinearRegression.load(data, FitConfig.builder().build())) {
            out.printf(Locale.ROOT, "backend: %s, %d threads, %s%n%n", problem.backendName(), problem.threads(),
                    problem.precision().name().toLowerCase(Locale.ROOT));
            out.printf(Locale.ROOT, "%-10s %-22s %10s %10s %7s %10s %-16s %9s %9s%n",
                    "solver", "θ", "b", "MSE", "R²", "iterations", "stop", "η", "time ms");
            for (Solver s : Solver.values()) {
                FittedModel m = LinearRegression.fit(problem, FitConfig.builder().solver(s).build());
                var score = m.score(data);
                StringBuilder theta = new StringBuilder();
                for (double c : m.coefficients()) {
                    theta.append(theta.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.5f", c));
                }
                out.printf(Locale.ROOT, "%-10s %-22s %10.5f %10.5f %7.4f %10d %-16s %9s %9.2f%n",
                        s.cliName(), theta, m.intercept(), score.mse(), score.r2(), m.iterations(),
                        m.stopReason().name().toLowerCase(Locale.ROOT),
                        Double.isNaN(m.learningRate()) ? "-" : String.format(Locale.ROOT, "%.4g", m.learningRate()),
                        m.wallTime().toNanos() / 1e6);
            }
        }
    }
}
