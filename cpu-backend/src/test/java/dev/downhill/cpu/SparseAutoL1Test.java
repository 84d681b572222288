package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.CrossValidation;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.LoadedProblem;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.StopReason;
import dev.downhill.testing.TestData;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Solver#AUTO} with an l1 term on sparse X: cd on the Gram matrix where {@code SparseL1Choice}'s cost model says
 * its route is cheaper (tall X, short rows, few columns), nesterov (FISTA) where not (many columns); the choice recorded.
 */
class SparseAutoL1Test {
    private static double[][] sparse(SplittableRandom r, int m, int n, double density) {
        double[][] x = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                if (r.nextDouble() < density) {
                    x[i][j] = r.nextGaussian() * (1 + j % 3) + (j % 4 == 0 ? 2 : 0);
                }
            }
        }
        return x;
    }

    private static double[] targets(SplittableRandom r, double[][] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double s = 0.5;
            for (int j = 0; j < x[i].length; j++) {
                s += x[i][j] * (j % 3 == 0 ? 0 : (j % 5) - 2); // a third of θ zero: the lasso's answer has zeros
            }
            y[i] = s + 0.3 * r.nextGaussian();
        }
        return y;
    }

    @Test
    void tallShortRowsAutoRunsCdAndReachesNesterovsAnswer() {
        SplittableRandom r = new SplittableRandom(31);
        int m = 4000;
        int n = 20;
        double[][] x = sparse(r, m, n, 0.3); // rows of ~6 entries: P_G ≈ 8.4e4 + 100·n² = 4e4, against 20·2·24,000 ≈ 9.6e5
        double[] y = targets(r, x);
        double tol = 1e-10;
        FitConfig auto = FitConfig.builder().backend("cpu").penalty(Penalty.l1(0.05)).tolerance(tol).build();
        try (SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            FittedModel chosen = LinearRegression.fit(sd, auto);
            assertEquals(Solver.CD, chosen.solver());
            assertTrue(chosen.report().solverChoice().startsWith("cd: coordinate descent on the Gram matrix of the sparse X (4,000 × 20"),
                    chosen.report().solverChoice());
            assertEquals(StopReason.DUALITY_GAP, chosen.stopReason());
            FittedModel nesterov = LinearRegression.fit(sd, auto.toBuilder().solver(Solver.NESTEROV).maxIterations(100_000).build());
            assertEquals(StopReason.DUALITY_GAP, nesterov.stopReason());
            // both promise a relative duality gap ≤ tol: m·(P(θ) − P*) ≤ tol·‖y_c‖². P is μ-strongly convex with
            // μ = λ_min(X_cᵀX_c)/m (X_c of full column rank), so each θ is within √(2·tol·‖y_c‖²/λ_min) of θ*, and the two
            // within twice that
            double bound = 2 * Math.sqrt(2 * tol * centredSquares(y) / smallestEigenvalue(centredGram(x)));
            assertTrue(bound < 1e-3, "a bound that can fail: " + bound);
            double distance = 0;
            for (int j = 0; j < n; j++) {
                double d = chosen.coefficients()[j] - nesterov.coefficients()[j];
                distance += d * d;
            }
            assertTrue(Math.sqrt(distance) <= bound, Math.sqrt(distance) + " > " + bound);
            int zeros = 0;
            for (double v : chosen.coefficients()) {
                zeros += v == 0 ? 1 : 0;
            }
            assertTrue(zeros > 0, "the lasso's answer has exact zeros");
            // the same choice through a problem loaded sparse
            try (LoadedProblem loaded = LinearRegression.load(sd, auto)) {
                FittedModel viaLoaded = LinearRegression.fit(loaded, auto);
                assertEquals(Solver.CD, viaLoaded.solver());
                assertArrayEquals(chosen.coefficients(), viaLoaded.coefficients(), 0.0);
            }
            // without the memory for G (16·n² = 6,400 bytes) or the column copy (~0.6 MB) auto stays with nesterov, saying why
            FittedModel tight = LinearRegression.fit(sd, auto.toBuilder().directMemoryBudget(6_399).build());
            assertEquals(Solver.NESTEROV, tight.solver());
            assertTrue(tight.report().solverChoice().contains("the Gram route's G would need 6 kB (16n²")
                    && tight.report().solverChoice().contains("the column route's copy of X would need 672 kB"),
                    tight.report().solverChoice());
        }
    }

    @Test
    void aCrossValidationWithAutoTakesTheGramPathWhereOneFitWouldTakeCd() {
        SplittableRandom r = new SplittableRandom(33);
        double[][] x = sparse(r, 3000, 15, 0.3);
        double[] y = targets(r, x);
        FitConfig auto = FitConfig.builder().backend("cpu").penalty(Penalty.l1(1)).tolerance(1e-8).build();
        try (SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            FittedModel viaAuto = CrossValidation.fit(sd, auto, 3, CrossValidation.Rule.MIN, 12, 1e-2);
            assertEquals(Solver.CD, viaAuto.solver());
            assertTrue(viaAuto.report().solverChoice().startsWith("cd: coordinate descent on the Gram matrix of the sparse X "
                    + "(3,000 × 15, 13,567 non-zeros), a path of 12 fits: "), viaAuto.report().solverChoice());
            // the path cd named runs: the same Gram statistics and sweeps, so the same table and α, bit for bit
            FittedModel named = CrossValidation.fit(sd, auto.toBuilder().solver(Solver.CD).build(), 3, CrossValidation.Rule.MIN,
                    12, 1e-2);
            assertArrayEquals(named.report().crossValidation().meanMse(), viaAuto.report().crossValidation().meanMse(), 0.0);
            assertEquals(named.config().penalty().alpha(), viaAuto.config().penalty().alpha(), 0.0);
            assertArrayEquals(named.coefficients(), viaAuto.coefficients(), 0.0);
        }
    }

    @Test
    void aPathWeighsTheRoutesForItsFitsThoughOneFitTakesAnother() {
        SplittableRandom r = new SplittableRandom(34);
        double[][] x = sparse(r, 2000, 60, 0.05); // rows of ~3 entries, 5,965 non-zeros
        double[] y = targets(r, x);
        FitConfig auto = FitConfig.builder().backend("cpu").penalty(Penalty.l1(0.01)).tolerance(1e-8).build();
        try (SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            // one fit: columns 12·5,965 + 10·(2·5,965 + 2,000) ≈ 2.1e5 against Gram P_G + 100·n² ≈ 3.7e5, FISTA 2.4e5
            FittedModel one = LinearRegression.fit(sd, auto);
            assertEquals(Solver.CD, one.solver(), one.report().solverChoice());
            assertTrue(one.report().solverChoice().startsWith("cd: coordinate descent over the columns of the sparse X "
                    + "(2,000 × 60, 5,965 non-zeros): "), one.report().solverChoice());
            // the full data's path of 12 fits: Gram 3.7e5 + 11·10·n² ≈ 7.7e5 against columns 7.2e4 + 12·5·(2·5,965 + 2,000)
            // ≈ 9.1e5 (each fold's path, on ~1,333 rows, takes the columns: ~6.1e5 against ~7.7e5)
            FittedModel viaAuto = CrossValidation.fit(sd, auto, 3, CrossValidation.Rule.MIN, 12, 1e-2);
            assertEquals(Solver.CD, viaAuto.solver(), viaAuto.report().solverChoice());
            assertTrue(viaAuto.report().solverChoice().startsWith("cd: coordinate descent on the Gram matrix of the sparse X "
                    + "(2,000 × 60, 5,965 non-zeros), a path of 12 fits: "), viaAuto.report().solverChoice());
            // the path cd named runs, bit for bit
            FittedModel named = CrossValidation.fit(sd, auto.toBuilder().solver(Solver.CD).build(), 3, CrossValidation.Rule.MIN,
                    12, 1e-2);
            assertArrayEquals(named.report().crossValidation().meanMse(), viaAuto.report().crossValidation().meanMse(), 0.0);
            assertArrayEquals(named.coefficients(), viaAuto.coefficients(), 0.0);
            // and nesterov's path (what auto ran before) chooses the same α, with coefficients that agree
            FittedModel nesterov = CrossValidation.fit(sd, auto.toBuilder().solver(Solver.NESTEROV).maxIterations(100_000).build(),
                    3, CrossValidation.Rule.MIN, 12, 1e-2);
            assertEquals(nesterov.config().penalty().alpha(), viaAuto.config().penalty().alpha(), 0.0);
            assertArrayEquals(nesterov.coefficients(), viaAuto.coefficients(), 1e-3);
            // a regularization path of the same 12 α's on the whole data takes the Gram matrix too
            try (LoadedProblem loaded = LinearRegression.load(sd, auto)) {
                java.util.List<FittedModel> path = CrossValidation.path(loaded, auto, viaAuto.report().crossValidation().alphas());
                assertEquals(Solver.CD, path.get(0).solver(), path.get(0).report().solverChoice());
            }
        }
    }

    @Test
    void manyColumnsAutoRunsCdOverTheColumnsOrNesterovWithoutRoomForTheCopy() {
        SplittableRandom r = new SplittableRandom(32);
        int m = 300;
        int n = 1500;
        double[][] x = sparse(r, m, n, 0.01); // rows of ~15 entries: 100·n² = 2.25e8 against 20·2·4,500 ≈ 1.8e5
        double[] y = targets(r, x);
        FitConfig auto = FitConfig.builder().backend("cpu").penalty(Penalty.elasticNet(0.05, 0.9)).tolerance(1e-8).build();
        try (SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            // the column copy (20·4,500 + 40·300 + 48·1,500 ≈ 0.17 MB) fits: cd over the columns, 12·4,500 + 10·(9,000 + 300)
            // ≈ 1.5e5 against FISTA's 1.8e5
            FittedModel columns = LinearRegression.fit(sd, auto);
            assertEquals(Solver.CD, columns.solver());
            assertTrue(columns.report().solverChoice().startsWith("cd: coordinate descent over the columns of the sparse X "
                    + "(300 × 1,500, "), columns.report().solverChoice());
            auto = auto.toBuilder().directMemoryBudget(100_000).build();
            FittedModel chosen = LinearRegression.fit(sd, auto);
            assertEquals(Solver.NESTEROV, chosen.solver());
            assertTrue(chosen.report().solverChoice().startsWith("nesterov: an l1 penalty needs a proximal solver")
                    && chosen.report().solverChoice().contains("on the sparse X (300 × 1,500"), chosen.report().solverChoice());
            // the fit is nesterov's own: the same bits as naming it
            FittedModel named = LinearRegression.fit(sd, auto.toBuilder().solver(Solver.NESTEROV).build());
            assertArrayEquals(named.coefficients(), chosen.coefficients(), 0.0);
            assertEquals(named.intercept(), chosen.intercept(), 0.0);
        }
    }

    private static double centredSquares(double[] y) {
        double mean = 0;
        for (double v : y) {
            mean += v / y.length;
        }
        double s = 0;
        for (double v : y) {
            s += (v - mean) * (v - mean);
        }
        return s;
    }

    private static double[][] centredGram(double[][] x) {
        int m = x.length;
        int n = x[0].length;
        double[] mean = new double[n];
        for (double[] row : x) {
            for (int j = 0; j < n; j++) {
                mean[j] += row[j] / m;
            }
        }
        double[][] g = new double[n][n];
        for (double[] row : x) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    g[j][k] += (row[j] - mean[j]) * (row[k] - mean[k]);
                }
            }
        }
        return g;
    }

    /** The smallest eigenvalue of the symmetric {@code a} by cyclic Jacobi rotations (a copy is rotated). */
    private static double smallestEigenvalue(double[][] a) {
        int n = a.length;
        double[][] s = new double[n][];
        for (int i = 0; i < n; i++) {
            s[i] = a[i].clone();
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += s[p][q] * s[p][q];
                }
            }
            if (off < 1e-30) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (s[p][q] == 0) {
                        continue;
                    }
                    double theta = (s[q][q] - s[p][p]) / (2 * s[p][q]);
                    double t = Math.signum(theta == 0 ? 1 : theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    double c = 1 / Math.sqrt(t * t + 1);
                    double sn = t * c;
                    for (int k = 0; k < n; k++) { // columns p, q
                        double kp = s[k][p];
                        double kq = s[k][q];
                        s[k][p] = c * kp - sn * kq;
                        s[k][q] = sn * kp + c * kq;
                    }
                    for (int k = 0; k < n; k++) { // rows p, q
                        double pk = s[p][k];
                        double qk = s[q][k];
                        s[p][k] = c * pk - sn * qk;
                        s[q][k] = sn * pk + c * qk;
                    }
                }
            }
        }
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            min = Math.min(min, s[i][i]);
        }
        return min;
    }
}
