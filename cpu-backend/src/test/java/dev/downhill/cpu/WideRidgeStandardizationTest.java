package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.StopReason;
import dev.downhill.testing.TestData;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Wide X with a ridge on every column: the minimiser is unique, so the gradient solvers standardize (Jacobi-scale) there
 * too. A Spark user's find: Spark's standardized penalty — l2 factors σⱼ² — on sparse wide data (400 × 6,000, five
 * entries a row) left the unscaled cg at its iteration limit 13 % above the minimum, coefficients 100 % off, since the
 * rare columns' curvature σⱼ² + λσⱼ² sat far below the others'. Here (150 × 1,500, four entries a row: rare columns of
 * very different spreads) cg and nesterov now converge to the exact answer, dense and sparse; without an
 * l2 term, or with a column left unpenalised, the rule stays as it was (minimum-norm θ from 0, unstandardized). The
 * reference is svd's (the augmented QR; constant columns, which Spark's factors leave unpenalised, at 0).
 */
class WideRidgeStandardizationTest {
    private static final int M = 150;
    private static final int N = 1500;

    private static double[][] x() {
        SplittableRandom r = new SplittableRandom(4);
        double[][] x = new double[M][N];
        for (int i = 0; i < M; i++) {
            for (int k = 0; k < 4; k++) {
                int j = r.nextInt(N);
                x[i][j] = r.nextGaussian() * (1 + j % 11) * (j % 3 == 0 ? 0.01 : 1);
            }
        }
        return x;
    }

    private static double[] y(double[][] x) {
        SplittableRandom r = new SplittableRandom(5);
        double[] y = new double[M];
        for (int i = 0; i < M; i++) {
            double s = 0.5;
            for (int j = 0; j < N; j++) {
                s += (j % 7) * x[i][j];
            }
            y[i] = s + 0.01 * r.nextGaussian();
        }
        return y;
    }

    /** Spark's standardized l2 factors: σⱼ² (0 for a constant column, which then has coefficient 0 either way). */
    private static double[] squaredSpreads(double[][] x) {
        double[] s2 = new double[N];
        for (int j = 0; j < N; j++) {
            double mean = 0;
            for (double[] row : x) {
                mean += row[j];
            }
            mean /= M;
            for (double[] row : x) {
                s2[j] += (row[j] - mean) * (row[j] - mean);
            }
            s2[j] /= M;
        }
        return s2;
    }

    @Test
    void aRidgeOnEveryColumnOfWideXIsSolvedStandardized() {
        double[][] x = x();
        double[] y = y(x);
        Penalty ridge = Penalty.l2(0.1).withPenaltyFactors(squaredSpreads(x));
        FittedModel exact;
        try (Dataset d = Dataset.of(x, y)) {
            exact = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.SVD).penalty(ridge).build());
            for (Solver solver : new Solver[] {Solver.CG, Solver.NESTEROV}) {
                FittedModel model = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(solver).penalty(ridge).build());
                check(model, exact, "dense " + solver);
            }
        }
        try (SparseDataset s = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            FittedModel model = LinearRegression.fit(s, FitConfig.builder().backend("cpu").solver(Solver.CG).penalty(ridge).build());
            check(model, exact, "sparse cg");
        }
    }

    private static void check(FittedModel model, FittedModel exact, String what) {
        assertEquals(StopReason.CONVERGED, model.stopReason(), what + ": " + model.iterations() + " iterations");
        assertTrue(model.report().standardized(), what + ": standardized");
        double num = 0;
        double den = 0;
        for (int j = 0; j < N; j++) {
            num += (model.coefficient(j) - exact.coefficient(j)) * (model.coefficient(j) - exact.coefficient(j));
            den += exact.coefficient(j) * exact.coefficient(j);
        }
        // tol 1e-10 on ‖S∇‖ relative; the scaled problem's condition is moderate: well inside 1e-6
        assertTrue(Math.sqrt(num / den) < 1e-6, what + ": relative distance " + Math.sqrt(num / den));
        assertEquals(exact.intercept(), model.intercept(), 1e-6 * (1 + Math.abs(exact.intercept())), what);
    }

    @Test
    void withoutARidgeOnEveryColumnWideXStaysUnstandardized() {
        double[][] x = x();
        double[] y = y(x);
        double[] factors = squaredSpreads(x);
        int rare = -1;
        for (int j = 0; j < N && rare < 0; j++) {
            if (factors[j] > 0) {
                rare = j;
            }
        }
        factors[rare] = 0; // a varying column left unpenalised: many minimisers again
        try (Dataset d = Dataset.of(x, y)) {
            for (Penalty p : new Penalty[] {Penalty.none(), Penalty.l2(0.1).withPenaltyFactors(factors), Penalty.l1(0.01)}) {
                FittedModel model = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(p.hasL1() ? Solver.NESTEROV
                        : Solver.CG).penalty(p).maxIterations(50).build());
                assertTrue(!model.report().standardized(), p + ": unstandardized");
            }
        }
    }

    /**
     * sgd and minibatch on sparse wide X with an intercept and a ridge on every column are standardized by default, as
     * dense X and every other solver are: their scaled steps run lazily, one pair of scales per group of decay rates on
     * the quarter-octave grid (from 2026-12-02 to 12-03 they were left unscaled, since the scaled steps cost O(n) then).
     */
    @Test
    void sgdOnSparseWideXWithAnInterceptIsStandardizedAndItsStepsRunLazilyByGroup() {
        double[][] x = x();
        double[] y = y(x);
        Penalty ridge = Penalty.l2(0.1);
        try (SparseDataset s = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y); Dataset d = Dataset.of(x, y)) {
            for (Solver solver : new Solver[] {Solver.SGD, Solver.MINIBATCH}) {
                FitConfig config = FitConfig.builder().backend("cpu").solver(solver).penalty(ridge).maxIterations(2).tolerance(0)
                        .build();
                assertTrue(LinearRegression.fit(s, config).report().standardized(), solver + ", sparse X, intercept");
                try (dev.downhill.spi.ResidentProblem problem = dev.downhill.internal.CheckedProblem.of(
                        new CpuBackend().loadSparse(s, Precision.FLOAT64, dev.downhill.spi.BackendOptions.defaults()))) {
                    assertTrue(dev.downhill.internal.CentredObjective.groupsRidgeRates(problem, config), "rates on the grid");
                }
                assertTrue(LinearRegression.fit(s, config.toBuilder().fitIntercept(false).build()).report().standardized(),
                        solver + ", sparse X, no intercept");
                assertTrue(LinearRegression.fit(d, config).report().standardized(), solver + ", dense X");
                assertFalse(LinearRegression.fit(s, config.toBuilder().standardize(false).build()).report().standardized(),
                        solver + ", turned off");
                double[] factors = new double[N];
                java.util.Arrays.setAll(factors, j -> 1 + j % 3);
                assertTrue(LinearRegression.fit(s, config.toBuilder().penalty(ridge.withPenaltyFactors(factors)).build())
                        .report().standardized(), solver + ", sparse X, penalty factors");
            }
            assertTrue(LinearRegression.fit(s, FitConfig.builder().backend("cpu").solver(Solver.CG).penalty(ridge).maxIterations(2)
                    .build()).report().standardized(), "cg, sparse X");
        }
    }
}
