package dev.downhill.bench;

import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.ModelFile;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.io.CsrMatrix;
import dev.downhill.io.HostArray;
import dev.downhill.io.NpyReader;
import dev.downhill.io.NpzReader;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The library embedded in a long-running JVM: the same sparse fit {@code runs} times in one process, so that the later
 * fits run compiled code (the command line's fit is a fresh JVM's first, much of it interpreted or being compiled).
 * Each fit's {@code result.wallTimeSeconds} (loading X into the backend, every pass, the result) is printed on one
 * line, {@code wall <seconds>}; the last model is written to {@code model.json}.
 *
 * <pre>
 *   java -cp benchmarks.jar dev.downhill.bench.WarmSparseFit X.npz y.npy model.json SOLVER TOL STANDARDIZE RUNS
 * </pre>
 * with SOLVER cg, gd, nesterov, sgd or minibatch, STANDARDIZE on, off or auto, RUNS ≥ 1.
 */
public final class WarmSparseFit {
    private WarmSparseFit() {
    }

    public static void main(String[] args) {
        if (args.length != 7) {
            System.err.println("usage: WarmSparseFit X.npz y.npy model.json SOLVER TOL on|off|auto RUNS");
            System.exit(2);
        }
        Path model = Path.of(args[2]);
        FitConfig config = FitConfig.builder().solver(Solver.parse(args[3])).tolerance(Double.parseDouble(args[4]))
                .maxIterations(100_000).standardize(args[5].equals("auto") ? null : Boolean.valueOf(args[5].equals("on")))
                .backend("cpu").build();
        int runs = Integer.parseInt(args[6]);
        for (int run = 0; run < runs; run++) {
            try (CsrMatrix x = NpzReader.readCsr(Path.of(args[0]));
                 HostArray y = NpyReader.readVector(Path.of(args[1]), Precision.FLOAT64);
                 SparseDataset data = SparseDataset.of(x, y.toDoubleArray())) {
                FittedModel fitted = LinearRegression.fit(data, config);
                System.out.printf(Locale.ROOT, "wall %.9f%n", fitted.wallTime().toNanos() / 1e9);
                if (run == runs - 1) {
                    ModelFile.write(model, fitted, fitted.score(data));
                }
            }
        }
    }
}
