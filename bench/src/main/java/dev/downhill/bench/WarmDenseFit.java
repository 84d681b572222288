package dev.downhill.bench;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Solver;
import dev.downhill.io.NpyReader;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Dense fits in a long-running JVM, as a program embedding the library runs them: X and y are read once, then every
 * fit spec runs once per round, {@code rounds} rounds, so that the later rounds run compiled code (the command line's
 * fit is a fresh JVM's first, much of it interpreted or being compiled, with the compiler's threads on the same cores).
 * Each fit prints one line, {@code <spec> <round> <seconds>}, the model's {@code result.wallTimeSeconds} (loading X
 * into the backend, every pass, the result). The options are those of {@code bench/sgd/sgd_vs_sklearn.py}'s command
 * lines: the cpu backend, {@code --tol 0 --lr η --standardize off}.
 *
 * <pre>
 *   java -cp benchmarks.jar dev.downhill.bench.WarmDenseFit X.npy y.npy ROUNDS LR SPEC...
 * </pre>
 * with SPEC {@code solver:batch:iterations}, e.g. {@code minibatch:256:3}, {@code sgd:1:3}, {@code gd:0:21} (batch 0:
 * the solver's default).
 */
public final class WarmDenseFit {
    private WarmDenseFit() {
    }

    public static void main(String[] args) {
        if (args.length < 5) {
            System.err.println("usage: WarmDenseFit X.npy y.npy ROUNDS LR SPEC... (SPEC solver:batch:iterations)");
            System.exit(2);
        }
        int rounds = Integer.parseInt(args[2]);
        double lr = Double.parseDouble(args[3]);
        FitConfig[] configs = new FitConfig[args.length - 4];
        for (int k = 0; k < configs.length; k++) {
            String[] p = args[4 + k].split(":");
            if (p.length != 3) {
                throw new IllegalArgumentException("a spec is solver:batch:iterations, not " + args[4 + k]);
            }
            FitConfig.Builder b = FitConfig.builder().solver(Solver.parse(p[0])).maxIterations(Long.parseLong(p[2]))
                    .tolerance(0).learningRate(lr).standardize(false).backend("cpu");
            if (Integer.parseInt(p[1]) > 0) {
                b.batchSize(Integer.parseInt(p[1]));
            }
            configs[k] = b.build();
        }
        try (Dataset data = NpyReader.readDataset(Path.of(args[0]), Path.of(args[1]), null)) {
            for (int round = 1; round <= rounds; round++) {
                for (int k = 0; k < configs.length; k++) {
                    FittedModel fitted = LinearRegression.fit(data, configs[k]);
                    System.out.printf(Locale.ROOT, "%s %d %.9f%n", args[4 + k], round, fitted.wallTime().toNanos() / 1e9);
                }
            }
        }
    }
}
