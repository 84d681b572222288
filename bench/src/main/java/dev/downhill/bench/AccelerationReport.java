package dev.downhill.bench;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Solver;
import dev.downhill.StopReason;
import dev.downhill.LoadedProblem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Iterations and time to the same tolerance on ill-conditioned data: plain full-batch GD with the
 * best fixed step from a grid (no standardization: the textbook method, tuned by hand) against
 * Nesterov with adaptive restart and preconditioned CG with their defaults (automatic step,
 * standardization). Data: xᵢⱼ = zᵢⱼ + a·wᵢ (a common factor, so the ill-conditioning is in the
 * correlations and standardization cannot remove it: κ(XᵀX) ≈ 1 + n·a²) with z, w ~ N(0,1),
 * y = Xθ + N(0,1). Stopping rule for all: ‖∇‖ ≤ tol·‖∇₀‖ in each
 * solver's own norm, tol = 1e-8; the answers are compared with the SVD solution.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.downhill.bench.AccelerationReport [rows cols outDir]}
 * (defaults 5000 100 bench/results).
 */
public final class AccelerationReport {
    private AccelerationReport() {
    }

    public static void main(String[] args) throws IOException {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        Path out = Path.of(args.length > 2 ? args[2] : "bench/results");
        double a = 2;
        double tol = 1e-8;
        long maxSteps = 50_000;
        SplittableRandom r = new SplittableRandom(7);
        double[] x = new double[rows * cols];
        double[] y = new double[rows];
        double[] theta = new double[cols];
        for (int j = 0; j < cols; j++) {
            theta[j] = r.nextGaussian();
        }
        for (int i = 0; i < rows; i++) {
            double w = r.nextGaussian();
            double s = 0;
            for (int j = 0; j < cols; j++) {
                double v = r.nextGaussian() + a * w;
                x[i * cols + j] = v;
                s += v * theta[j];
            }
            y[i] = s + r.nextGaussian();
        }
        StringBuilder sb = new StringBuilder();
        sb.append("# Accelerated solvers vs the best fixed-step gradient descent\n\n");
        sb.append(String.format(Locale.ROOT, "%s; %s; X %d × %d float64, common-factor correlation a = %.1f "
                + "(κ(XᵀX) ≈ %.0f); tol %.0e on ‖∇‖/‖∇₀‖ (each solver's norm); relative error vs SVD.%n%n", LocalDate.now(),
                MachineDescription.cpu(), rows, cols, a, 1 + cols * a * a, tol));
        sb.append("| solver | step | iterations | stop | time s | rel. error vs SVD |\n|---|---|---:|---|---:|---:|\n");
        try (Dataset data = Dataset.ofRowMajor(x, rows, cols, y);
             LoadedProblem problem = LinearRegression.load(data, FitConfig.builder().backend("cpu").build())) {
            FittedModel svd = LinearRegression.fit(problem, FitConfig.builder().solver(Solver.SVD).build());
            // the largest stable fixed step for unstandardized GD: 2/L; the grid brackets the optimum 2/(L+μ) ≈ 2/L
            FittedModel probe = LinearRegression.fit(problem, FitConfig.builder().standardize(false).maxIterations(1).build());
            double etaAuto = probe.learningRate(); // 0.9/L̂
            double lipschitz = 0.9 / etaAuto;
            long bestIterations = Long.MAX_VALUE;
            for (double c : new double[] {0.5, 1.0, 1.5, 1.8, 1.95}) {
                double eta = c / lipschitz;
                FittedModel gd = run(problem, FitConfig.builder().solver(Solver.GD).learningRate(eta).standardize(false)
                        .tolerance(tol).maxIterations(maxSteps).build());
                if (gd == null) {
                    sb.append(String.format(Locale.ROOT, "| gd (fixed) | %.3g/L | – | diverged | – | – |%n", c));
                    continue;
                }
                sb.append(row(gd, String.format(Locale.ROOT, "%.3g/L", c), svd));
                if (gd.stopReason() == StopReason.CONVERGED) {
                    bestIterations = Math.min(bestIterations, gd.iterations());
                }
            }
            FittedModel nesterov = run(problem, FitConfig.builder().solver(Solver.NESTEROV).tolerance(tol).maxIterations(maxSteps).build());
            FittedModel cg = run(problem, FitConfig.builder().solver(Solver.CG).tolerance(tol).maxIterations(maxSteps).build());
            FittedModel gdAuto = run(problem, FitConfig.builder().solver(Solver.GD).tolerance(tol).maxIterations(maxSteps).build());
            sb.append(row(gdAuto, "auto (standardized)", svd));
            sb.append(row(nesterov, "auto (standardized)", svd));
            sb.append(row(cg, "none (preconditioned)", svd));
            sb.append(String.format(Locale.ROOT, "%nBest fixed-step GD: %s iterations. Nesterov: %.1f× fewer; CG: %.1f× fewer.%n",
                    bestIterations == Long.MAX_VALUE ? "did not converge within " + maxSteps : Long.toString(bestIterations),
                    (double) bestIterations / nesterov.iterations(), (double) bestIterations / cg.iterations()));
        }
        System.out.print(sb);
        Files.createDirectories(out);
        Files.writeString(out.resolve("acceleration.md"), sb.toString());
    }

    private static FittedModel run(LoadedProblem problem, FitConfig config) {
        try {
            return LinearRegression.fit(problem, config);
        } catch (ArithmeticException e) {
            return null;
        }
    }

    private static String row(FittedModel m, String step, FittedModel svd) {
        double num = 0;
        double den = 0;
        for (int j = 0; j < m.features(); j++) {
            num += Math.pow(m.coefficient(j) - svd.coefficient(j), 2);
            den += Math.pow(svd.coefficient(j), 2);
        }
        return String.format(Locale.ROOT, "| %s | %s | %d | %s | %.2f | %.2e |%n", m.solver().cliName()
                + (m.config().learningRate().isAuto() ? "" : " (fixed)"), step, m.iterations(),
                m.stopReason().name().toLowerCase(Locale.ROOT), m.wallTime().toNanos() / 1e9, Math.sqrt(num / den));
    }
}
