package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.StopReason;
import dev.downhill.internal.CheckedProblem;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.testing.TestData;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The row pass maxᵢ wᵢΣⱼ qⱼ(xᵢⱼ − cⱼ)² ({@code ResidentProblem.maxSquaredRowNorm}) of the cpu backend's dense and CSR
 * problems against a direct loop, and the automatic SGD step it bounds: on rows of very different norms (1 % of the rows
 * ten times longer, whose squared norms are then ~100× the mean) the step from the mean row norm alone diverged at the
 * fifth epoch (the CLI said "sgd diverged at epoch 5 … an automatic step should not diverge"); bounded by ½·B/R²max
 * it converges to the least-squares fit.
 */
class StochasticRowBoundTest {
    private static final int M = 1500;
    private static final int N = 150;

    /** M × N Gaussian rows, 15 of them scaled by 11, about means 0.5·(j mod 3); 40 % of the entries zero (for CSR). */
    private static double[][] longRows(long seed, boolean sparse) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[M][N];
        for (int i = 0; i < M; i++) {
            double s = i % 100 == 7 ? 11 : 1;
            for (int j = 0; j < N; j++) {
                x[i][j] = sparse && r.nextDouble() < 0.4 ? 0 : s * (r.nextGaussian() + 0.5 * (j % 3));
            }
        }
        return x;
    }

    private static double[] targets(double[][] x, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double s = 3;
            for (int j = 0; j < x[i].length; j++) {
                s += x[i][j] * ((j % 7) - 3) * 0.25;
            }
            y[i] = s + 0.5 * r.nextGaussian();
        }
        return y;
    }

    /** The definition, in double, row by row. */
    private static double direct(double[][] x, double[] w, double[] c, double[] q) {
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            double s = 0;
            for (int j = 0; j < x[i].length; j++) {
                double d = x[i][j] - (c == null ? 0 : c[j]);
                s += (q == null ? 1 : q[j]) * d * d;
            }
            max = Math.max(max, (w == null ? 1 : w[i]) * s);
        }
        return max;
    }

    static Stream<Arguments> passes() {
        return Stream.of(Precision.FLOAT64, Precision.FLOAT32).flatMap(p -> Stream.of(false, true).flatMap(weighted ->
                Stream.of(false, true).map(centred -> Arguments.of(p, weighted, centred))));
    }

    /**
     * Dense and CSR against the loop: float64 X to 1e-12 (sums of positive terms in another order; the CSR form
     * Σ qx(x − 2c) + Σqc² adds and cancels terms of the row's size: a few ulps of the largest), float32 X (rounded to
     * float32 first in the reference too) likewise.
     */
    @ParameterizedTest
    @MethodSource("passes")
    void theRowPassesGiveTheLargestWeightedSquaredRowNorm(Precision precision, boolean weighted, boolean centred) {
        double[][] x = longRows(5, true);
        if (precision == Precision.FLOAT32) {
            for (double[] row : x) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = (float) row[j];
                }
            }
        }
        double[] y = targets(x, 6);
        SplittableRandom r = new SplittableRandom(7);
        double[] w = weighted ? r.doubles(M, 0.1, 3).toArray() : null;
        w = w == null ? null : w.clone();
        if (w != null) {
            w[0] = 40; // a short row of large weight
        }
        double[] c = centred ? r.doubles(N, -1, 2).toArray() : null;
        double[] q = r.doubles(N, 0, 4).toArray();
        q[3] = 0;
        double expected = direct(x, w, c, q);
        try (Dataset dense = weighted ? Dataset.of(x, y, w) : Dataset.of(x, y);
             SparseDataset csr = weighted ? SparseDataset.of(TestData.csr(x, precision), y).withWeights(w)
                     : SparseDataset.of(TestData.csr(x, precision), y);
             ResidentProblem d = CheckedProblem.of(new CpuBackend().load(dense, precision, BackendOptions.defaults()));
             ResidentProblem s = CheckedProblem.of(new CpuBackend().loadSparse(csr, precision, BackendOptions.defaults()))) {
            assertEquals(expected, d.maxSquaredRowNorm(c, q), 1e-12 * expected, "dense");
            assertEquals(expected, s.maxSquaredRowNorm(c, q), 1e-12 * expected, "CSR");
            assertEquals(direct(x, w, null, null), d.maxSquaredRowNorm(null, null), 1e-12 * expected, "dense, q = 1, c = 0");
            assertEquals(direct(x, w, null, null), s.maxSquaredRowNorm(null, null), 1e-12 * expected, "CSR, q = 1, c = 0");
        }
    }

    /**
     * A column whose mean dwarfs its spread (10⁸ + N(0, 1)) centred by that mean: the CSR pass, which takes the absent
     * entries' share from Σqⱼcⱼ², must not cancel the row's sum (~1) to the rounding of 10¹⁶ — the same maximum as the
     * dense pass to 1e-12.
     */
    @Test
    void theCsrPassDoesNotCancelAColumnWhoseMeanDwarfsItsSpread() {
        SplittableRandom r = new SplittableRandom(9);
        double[][] x = new double[500][3];
        for (double[] row : x) {
            row[0] = 1e8 + r.nextGaussian();
            row[1] = r.nextDouble() < 0.3 ? r.nextGaussian() : 0;
            row[2] = r.nextDouble() < 0.3 ? 5 + r.nextGaussian() : 0;
        }
        double[] c = {1e8, 0.01, 1.5};
        double[] q = {1, 2, 0.5};
        double[] y = new double[x.length];
        try (Dataset dense = Dataset.of(x, y);
             SparseDataset csr = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y);
             ResidentProblem d = new CpuBackend().load(dense, Precision.FLOAT64, BackendOptions.defaults());
             ResidentProblem s = new CpuBackend().loadSparse(csr, Precision.FLOAT64, BackendOptions.defaults())) {
            double expected = direct(x, null, c, q);
            assertTrue(expected < 100, "a row sum of the spreads' size: " + expected);
            assertEquals(expected, d.maxSquaredRowNorm(c, q), 1e-12 * expected, "dense");
            assertEquals(expected, s.maxSquaredRowNorm(c, q), 1e-12 * expected, "CSR");
        }
    }

    /** A dense pass over more rows than one thread's share and one window: the same maximum on 1 and 3 threads. */
    @Test
    void theDensePassGivesTheSameBitsOnAnyThreadCount() {
        SplittableRandom r = new SplittableRandom(8);
        int m = 9000;
        int n = 3;
        double[][] x = new double[m][n];
        for (double[] row : x) {
            for (int j = 0; j < n; j++) {
                row[j] = r.nextGaussian();
            }
        }
        x[8999][1] = 30; // the last row of the last window
        double[] y = new double[m];
        try (Dataset data = Dataset.of(x, y);
             ResidentProblem one = new CpuBackend().load(data, Precision.FLOAT64, BackendOptions.builder().threads(1).build());
             ResidentProblem three = new CpuBackend().load(data, Precision.FLOAT64, BackendOptions.builder().threads(3).build())) {
            double expected = direct(x, null, null, null);
            assertEquals(expected, one.maxSquaredRowNorm(null, null), 1e-12 * expected);
            assertEquals(one.maxSquaredRowNorm(null, null), three.maxSquaredRowNorm(null, null), 0.0);
        }
    }

    static Stream<Arguments> fits() {
        return Stream.of(false, true).flatMap(sparse -> Stream.of(Boolean.FALSE, null).flatMap(standardize ->
                Stream.of(1, 32).map(batch -> Arguments.of(sparse, standardize, batch))));
    }

    /**
     * SGD and mini-batch with the automatic step on the long rows, unscaled and with the default standardization, dense
     * and CSR: they converge (before: a DivergenceException at epoch 5 with B = 1) to within 1 % of the least-squares
     * MSE — a constant step's noise ball is about η·R̄²/B ≲ 5 % of the optimal MSE (LearningRate's Javadoc), smaller here
     * where the row bound shrinks η.
     */
    @ParameterizedTest
    @MethodSource("fits")
    void anAutomaticStochasticStepConvergesOnRowsOfVeryDifferentNorms(boolean sparse, Boolean standardize, int batch) {
        double[][] x = longRows(11, sparse);
        double[] y = targets(x, 12);
        FitConfig.Builder b = FitConfig.builder().backend("cpu").solver(batch == 1 ? Solver.SGD : Solver.MINIBATCH)
                .batchSize(batch).maxIterations(400);
        if (standardize != null) {
            b.standardize(standardize);
        }
        try (Dataset dense = Dataset.of(x, y);
             SparseDataset csr = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            FittedModel exact = LinearRegression.fit(dense, FitConfig.builder().backend("cpu").solver(Solver.SVD).build());
            FittedModel fit = sparse ? LinearRegression.fit(csr, b.build()) : LinearRegression.fit(dense, b.build());
            assertEquals(StopReason.CONVERGED, fit.stopReason());
            double optimal = exact.score(dense).mse();
            double mse = fit.score(dense).mse();
            assertTrue(mse <= 1.01 * optimal, mse + " vs the least-squares MSE " + optimal);
        }
    }
}
