package dev.downhill.cpu;

import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.io.CsrMatrix;
import dev.downhill.testing.Compare;
import dev.downhill.testing.ExactLeastSquares;
import dev.downhill.testing.ScaleProofContract;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The scale-proof contract (data at 1e±150 in float64, 1e±30 in float32) on the CPU backend, and on sparse X. */
class CpuScaleProofTest extends ScaleProofContract {
    @Override
    protected String backendName() {
        return "cpu";
    }

    /**
     * Sparse X (CSR, a third of the entries zero) scaled like the dense contract: cg (what auto picks on sparse X) and
     * gd against the exact answer of the same scaled data; float64 to 1e-7, float32 to 1e-3 (the contract's bounds).
     */
    @Test
    void sparseFitsMatchTheExactAnswer() {
        int m = 60;
        int n = 4;
        SplittableRandom r = new SplittableRandom(9);
        double[][] x0 = new double[m][n];
        double[] y0 = new double[m];
        for (int i = 0; i < m; i++) {
            y0[i] = 1;
            for (int j = 0; j < n; j++) {
                x0[i][j] = r.nextDouble() < 1 / 3.0 ? 0 : r.nextGaussian() + 1;
                y0[i] += (j + 1) * x0[i][j];
            }
            y0[i] += 0.1 * r.nextGaussian();
        }
        for (Precision p : Precision.values()) {
            double k = p == Precision.FLOAT64 ? 1e150 : 1e30;
            for (double[] s : new double[][] {{k, k}, {1 / k, 1 / k}, {k, 1 / k}, {1 / k, k}}) {
                double[][] x = new double[m][n];
                double[] y = new double[m];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        x[i][j] = p == Precision.FLOAT32 ? (float) (x0[i][j] * s[0]) : x0[i][j] * s[0];
                    }
                    y[i] = p == Precision.FLOAT32 ? (float) (y0[i] * s[1]) : y0[i] * s[1];
                }
                double[] exact = ExactLeastSquares.solve(x, y, true);
                for (Solver solver : new Solver[] {Solver.CG, Solver.GD}) {
                    FittedModel model;
                    try (SparseDataset d = SparseDataset.of(csr(x, p), y)) {
                        model = LinearRegression.fit(d, FitConfig.builder().solver(solver).backend("cpu").precision(p)
                                .maxIterations(20_000).build());
                    }
                    Compare.assertScaledClose(Compare.withIntercept(model), exact, p == Precision.FLOAT64 ? 1e-7 : 1e-3,
                            "sparse " + solver + " " + p + " X·" + s[0] + " y·" + s[1]);
                }
            }
        }
    }

    /**
     * auto on a problem big enough for its cg trial (5,200 × 640, more than 8 rows a column: the trial gets 10 passes
     * in float64, 20 in float32) with X at 1e-150 and y at 1e150 (1e∓30 in float32): the trial now runs on such data (before,
     * the scale guard skipped it), and the answer — the trial's or the exact solve's — matches float64 svd on the same
     * data: 1e-6 in float64 (cg's tol 1e-10 on a well-conditioned problem, as AutoSolverTrialTest), 1e-3 in float32.
     */
    @Test
    void autoRunsItsConjugateGradientTrialOnScaledData() {
        int m = 5200;
        int n = 640;
        SplittableRandom r = new SplittableRandom(17);
        double[][] x0 = new double[m][n];
        double[] y0 = new double[m];
        for (int i = 0; i < m; i++) {
            y0[i] = 3;
            for (int j = 0; j < n; j++) {
                x0[i][j] = r.nextGaussian() * (1 + j % 7);
                y0[i] += x0[i][j] * ((j % 5) - 2) * 0.1;
            }
            y0[i] += 0.5 * r.nextGaussian();
        }
        for (Precision p : Precision.values()) {
            double k = p == Precision.FLOAT64 ? 1e150 : 1e30;
            for (double[] s : new double[][] {{1 / k, k}}) {
                double[][] x = new double[m][n];
                double[] y = new double[m];
                float[][] xf = new float[m][n];
                float[] yf = new float[m];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        xf[i][j] = (float) (x0[i][j] * s[0]);
                        x[i][j] = p == Precision.FLOAT32 ? xf[i][j] : x0[i][j] * s[0];
                    }
                    yf[i] = (float) (y0[i] * s[1]);
                    y[i] = p == Precision.FLOAT32 ? yf[i] : y0[i] * s[1];
                }
                FittedModel auto;
                FittedModel svd;
                try (dev.downhill.Dataset d = p == Precision.FLOAT64 ? dev.downhill.Dataset.of(x, y) : dev.downhill.Dataset.of(xf, yf);
                     dev.downhill.Dataset d64 = dev.downhill.Dataset.of(x, y)) {
                    auto = LinearRegression.fit(d, FitConfig.builder().backend("cpu").precision(p).build());
                    svd = LinearRegression.fit(d64, FitConfig.builder().backend("cpu").solver(Solver.SVD).build());
                }
                String choice = auto.report().solverChoice();
                String what = p + " X·" + s[0] + " y·" + s[1] + ": " + choice;
                org.junit.jupiter.api.Assertions.assertTrue(choice.contains("converged in") || choice.contains("cg tried first"), what);
                Compare.assertScaledClose(Compare.withIntercept(auto), Compare.withIntercept(svd), p == Precision.FLOAT64 ? 1e-6 : 1e-3, what);
            }
        }
    }

    private static CsrMatrix csr(double[][] x, Precision p) {
        return dev.downhill.testing.TestData.csr(x, p);
    }
}
