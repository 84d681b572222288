package dev.downhill;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;

/** Model files for tests outside this package (the FittedModel constructor is package-private). */
public final class TestModels {
    private TestModels() {
    }

    /** The bytes of a model file of three coefficients with histories of {@code history} points. */
    public static byte[] modelJson(Solver solver, int history) throws IOException {
        double[] loss = new double[history];
        double[] grad = new double[history];
        for (int k = 0; k < history; k++) {
            loss[k] = 1.0 / (k + 1);
            grad[k] = k == 1 ? Double.NaN : Math.exp(-k);
        }
        FitConfig c = FitConfig.builder().solver(solver).build();
        FittedModel m = new FittedModel(new double[] {1.5, -2, 3e-7}, 0.5, solver, "cpu", Precision.FLOAT64, 10, history,
                StopReason.CONVERGED, loss, grad, Duration.ofMillis(12), 0.1, solver == Solver.SVD ? 3 : -1, c,
                new ConvergenceReport(true, new int[] {1}, Double.NaN));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelFile.write(out, m, new Score(0.1, 0.9));
        return out.toByteArray();
    }
}
