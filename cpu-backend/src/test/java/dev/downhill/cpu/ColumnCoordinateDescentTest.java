package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.CrossValidation;
import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.StopReason;
import dev.downhill.internal.CheckedProblem;
import dev.downhill.internal.ColumnCoordinateDescent;
import dev.downhill.internal.GramCoordinateDescent;
import dev.downhill.internal.IterativeResult;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.testing.TestData;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * cd over the columns of a sparse X ({@link ColumnCoordinateDescent}) against cd on the Gram matrix
 * ({@link GramCoordinateDescent}): the same objective, cyclic order and stopping rule, so in exact arithmetic the same
 * iterates; in float64 the two differ only by the rounding of their different sums (X̃ⱼᵀWr from the residual vs from G),
 * which a tight tolerance keeps far below the tests' bounds. And the routes {@code auto} and {@code cd} take on sparse X.
 */
class ColumnCoordinateDescentTest {
    private static double[][] sparse(SplittableRandom r, int m, int n, double density) {
        double[][] x = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                if (r.nextDouble() < density) {
                    x[i][j] = r.nextGaussian() * (1 + j % 3) + (j % 4 == 0 ? 2 : 0); // some columns with a non-zero mean
                }
            }
        }
        return x;
    }

    private static double[] targets(SplittableRandom r, double[][] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double s = 3.5;
            for (int j = 0; j < x[i].length; j++) {
                s += x[i][j] * (j % 3 == 0 ? 0 : (j % 5) - 2);
            }
            y[i] = s + 0.3 * r.nextGaussian();
        }
        return y;
    }

    private static ResidentProblem load(SparseDataset sd, Precision precision) {
        return CheckedProblem.of(new CpuBackend().loadSparse(sd, precision, BackendOptions.builder().build()), null, sd);
    }

    /**
     * Both routes on one problem at tol 1e-13: coefficients and intercept agree to 1e-9 of their scale. Each stops with a
     * relative duality gap ≤ 1e-13; the sweeps are the same up to rounding (~1e-15 relative a sweep), but whether an
     * Anderson extrapolation is kept compares two objectives that may differ by rounding alone (SweepState), so the
     * routes' iterates may part there and their sweep counts differ by a few (within a third of each other here: both
     * take ~15–25). The answers, both within the gap bound of the one minimiser, differ by far less than 1e-9.
     */
    @ParameterizedTest(name = "intercept {0}, weighted {1}, ρ {2}, free first coefficient {3}, {4}")
    @CsvSource({"true, false, 1.0, false, FLOAT64", "false, false, 1.0, false, FLOAT64", "true, true, 1.0, false, FLOAT64",
            "true, true, 0.5, true, FLOAT64", "false, true, 0.3, false, FLOAT32", "true, false, 0.7, true, FLOAT32"})
    void columnsAndGramReachTheSameAnswer(boolean intercept, boolean weighted, double l1Ratio, boolean freeFirst,
                                          Precision precision) {
        SplittableRandom r = new SplittableRandom(7);
        int m = 300;
        int n = 40;
        double[][] x = sparse(r, m, n, 0.2);
        double[] y = targets(r, x);
        double[] factors = new double[n];
        java.util.Arrays.fill(factors, 1);
        if (freeFirst) {
            factors[0] = 0;
            factors[1] = 2.5;
        }
        Penalty penalty = Penalty.elasticNet(0.05, l1Ratio).withPenaltyFactors(factors);
        FitConfig config = FitConfig.builder().penalty(penalty).fitIntercept(intercept).tolerance(1e-13).maxIterations(100_000)
                .build();
        SparseDataset sd = SparseDataset.of(TestData.csr(x, precision), y);
        if (weighted) {
            double[] w = new double[m];
            for (int i = 0; i < m; i++) {
                w[i] = 0.25 + r.nextDouble() * 3;
            }
            sd = sd.withWeights(w);
        }
        try (SparseDataset data = sd; ResidentProblem p = load(data, precision)) {
            IterativeResult columns = ColumnCoordinateDescent.of(p, intercept, penalty).fit(config, 0.05, new double[n]);
            IterativeResult gram = new GramCoordinateDescent(GramCoordinateDescent.Statistics.of(p, intercept), penalty)
                    .fit(config, 0.05, new double[n]);
            assertEquals(StopReason.DUALITY_GAP, columns.stopReason());
            assertEquals(StopReason.DUALITY_GAP, gram.stopReason());
            assertTrue(3 * Math.abs(columns.iterations() - gram.iterations()) <= Math.max(columns.iterations(), gram.iterations()),
                    columns.iterations() + " vs " + gram.iterations());
            assertClose(gram.coefficients(), columns.coefficients(), 1e-9);
            double scale = Math.max(1, Math.abs(gram.intercept()));
            assertEquals(gram.intercept(), columns.intercept(), 1e-9 * scale);
            if (!intercept) {
                assertEquals(0.0, columns.intercept());
            }
            int zeros = 0;
            for (int j = 0; j < n; j++) {
                zeros += columns.coefficients()[j] == 0 ? 1 : 0;
                assertEquals(gram.coefficients()[j] == 0, columns.coefficients()[j] == 0, "support differs at " + j);
            }
            assertTrue(l1Ratio < 1 || zeros > 0, "a lasso with zeros in its answer: " + zeros);
            double[] losses = columns.lossHistory();
            // states at full sweeps only (sweeps over the non-zero coefficients alone in between): one point each, at
            // increasing sweep counts from 0 to the last; the objective never rises from one to the next
            long[] at = columns.historyIterations();
            assertEquals(losses.length, at.length);
            assertEquals(columns.gradientNormHistory().length, at.length);
            assertEquals(0, at[0]);
            assertEquals(columns.iterations(), at[at.length - 1]);
            assertTrue(at.length < columns.iterations() + 1, "some sweeps over the active set: " + at.length);
            for (int k = 1; k < at.length; k++) {
                assertTrue(at[k] > at[k - 1]);
                assertTrue(losses[k] <= losses[k - 1] * (1 + 1e-14), "loss rose at " + at[k]);
            }
            assertEquals(gram.lossHistory()[0], losses[0], 1e-12 * losses[0]);
        }
    }

    /** A path of 20 α's, each from the last answer (the residual carried over): the same as the Gram route's path. */
    @Test
    void pathsAgreeWithTheGramRoute() {
        SplittableRandom r = new SplittableRandom(11);
        int m = 200;
        int n = 60;
        double[][] x = sparse(r, m, n, 0.1);
        double[] y = targets(r, x);
        Penalty penalty = Penalty.l1(1);
        FitConfig config = FitConfig.builder().penalty(penalty).tolerance(1e-12).maxIterations(100_000).build();
        double[] alphas = new double[20];
        for (int k = 0; k < alphas.length; k++) {
            alphas[k] = 2 * Math.pow(0.7, k);
        }
        try (SparseDataset data = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y);
             ResidentProblem p = load(data, Precision.FLOAT64)) {
            ColumnCoordinateDescent cd = ColumnCoordinateDescent.of(p, true, penalty);
            List<IterativeResult> columns = new java.util.ArrayList<>();
            double[] start = new double[n];
            for (double alpha : alphas) { // each from the last answer: the residual carried over
                columns.add(cd.fit(config, alpha, start));
                start = columns.get(columns.size() - 1).coefficients();
            }
            List<IterativeResult> gram = new GramCoordinateDescent(GramCoordinateDescent.Statistics.of(p, true), penalty)
                    .path(config, alphas, new double[n]);
            for (int k = 0; k < alphas.length; k++) {
                assertClose(gram.get(k).coefficients(), columns.get(k).coefficients(), 1e-8);
                assertEquals(gram.get(k).intercept(), columns.get(k).intercept(), 1e-8 * Math.max(1, Math.abs(gram.get(k).intercept())));
            }
        }
    }

    /**
     * Wide sparse X (n = 600 > m = 120): {@code auto} and {@code cd} take the column route and say so; the answer meets the
     * same gap as nesterov's (both ≤ tol relative to ‖y_c‖²/m, so their objectives differ by at most 2·tol·‖y_c‖²/(2m)).
     */
    @Test
    void wideSparseXTakesTheColumnRoute() {
        SplittableRandom r = new SplittableRandom(5);
        int m = 120;
        int n = 600;
        double[][] x = sparse(r, m, n, 0.02);
        double[] y = targets(r, x);
        double tol = 1e-10;
        FitConfig auto = FitConfig.builder().backend("cpu").penalty(Penalty.l1(0.5)).tolerance(tol).build();
        try (SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            FittedModel chosen = LinearRegression.fit(sd, auto);
            assertEquals(Solver.CD, chosen.solver());
            assertTrue(chosen.report().solverChoice().startsWith("cd: coordinate descent over the columns of the sparse X "
                    + "(120 × 600, "), chosen.report().solverChoice());
            assertEquals(StopReason.DUALITY_GAP, chosen.stopReason());
            FittedModel named = LinearRegression.fit(sd, auto.toBuilder().solver(Solver.CD).build());
            assertTrue(named.report().solverChoice().startsWith("cd: as configured; the column route's copy of X"),
                    named.report().solverChoice());
            assertClose(chosen.coefficients(), named.coefficients(), 0);
            FittedModel nesterov = LinearRegression.fit(sd, auto.toBuilder().solver(Solver.NESTEROV).maxIterations(200_000).build());
            assertEquals(StopReason.DUALITY_GAP, nesterov.stopReason());
            double ySquares = 0;
            double mean = java.util.Arrays.stream(y).average().orElseThrow();
            for (double v : y) {
                ySquares += (v - mean) * (v - mean);
            }
            double bound = 2 * tol * ySquares / m;
            assertEquals(nesterov.report().objective(), chosen.report().objective(), bound);
        }
    }

    /**
     * At interpolation (100 × 1,000 at density 0.2, α small: about as many non-zero coefficients as rows, each coupled to
     * the others) {@code auto}'s one fit over the columns is cd's own, run to the configured limit as when cd is named (the
     * same bits), and gets at least as close as nesterov named: FISTA's float32 passes stop "no progress" there at a
     * larger relative gap (measured: 1e-4–1e-3 where cd reaches 1e-8–1e-10). Until 2026-12-03 auto gave cd a trial of
     * 3,000 sweeps, then ran nesterov from the start — slower than cd alone and, at interpolation, a worse answer. A
     * caller's iteration limit is cd's; with a checkpoint asked for, auto runs cd as without one (its sweeps are saved).
     */
    @Test
    void autoRunsCdOverTheColumnsAtInterpolationAndGetsCloserThanNesterov(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path folder) {
        SplittableRandom r = new SplittableRandom(3);
        double[][] x = sparse(r, 100, 1_000, 0.2);
        double[] y = targets(r, x);
        FitConfig auto = FitConfig.builder().backend("cpu").penalty(Penalty.l1(1e-3)).build();
        try (SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT32), y)) {
            FittedModel chosen = LinearRegression.fit(sd, auto);
            String why = chosen.report().solverChoice();
            assertEquals(Solver.CD, chosen.solver(), why);
            assertTrue(why.startsWith("cd: coordinate descent over the columns of the sparse X (100 × 1,000, "), why);
            FittedModel cd = LinearRegression.fit(sd, auto.toBuilder().solver(Solver.CD).build());
            assertClose(cd.coefficients(), chosen.coefficients(), 0);
            assertEquals(cd.iterations(), chosen.iterations());
            assertEquals(cd.stopReason(), chosen.stopReason());
            FittedModel nesterov = LinearRegression.fit(sd, auto.toBuilder().solver(Solver.NESTEROV).build());
            String seen = "cd: " + chosen.stopReason() + " after " + chosen.iterations() + " sweeps, gap "
                    + chosen.report().dualityGap() + ", objective " + chosen.report().objective() + "; nesterov: "
                    + nesterov.stopReason() + " gap " + nesterov.report().dualityGap() + ", objective "
                    + nesterov.report().objective();
            assertTrue(chosen.iterations() > 3_000, seen); // where the trial used to give way
            assertTrue(chosen.report().dualityGap() < nesterov.report().dualityGap(), seen);
            // the objectives, to float64 rounding of ‖r‖²/(2m) (~1e-16 of ‖y‖²/m; y's spread here is ~1e1)
            assertTrue(chosen.report().objective() <= nesterov.report().objective() + 1e-12, seen);

            FittedModel limited = LinearRegression.fit(sd, auto.toBuilder().maxIterations(50).build());
            assertEquals(Solver.CD, limited.solver());
            assertEquals(StopReason.ITERATION_LIMIT, limited.stopReason());
            assertEquals(50, limited.iterations());

            FittedModel saved = LinearRegression.fit(sd, auto.toBuilder().checkpoint(dev.downhill.Checkpoint.to(folder)).build());
            assertEquals(why, saved.report().solverChoice());
            assertClose(chosen.coefficients(), saved.coefficients(), 0);
            assertEquals(chosen.iterations(), saved.iterations());
        }
    }

    /**
     * A finished cd fit saved to a checkpoint and resumed gives the same model back, its histories' sweep counts
     * included (the state is taken at full sweeps only: without them the points would read as sweeps 0, 1, 2, …).
     */
    @Test
    void aResumedFinishedCdFitKeepsItsHistorySweeps(@org.junit.jupiter.api.io.TempDir java.nio.file.Path folder) {
        SplittableRandom r = new SplittableRandom(21);
        double[][] x = sparse(r, 80, 300, 0.3);
        double[] y = targets(r, x);
        FitConfig cd = FitConfig.builder().backend("cpu").solver(Solver.CD).penalty(Penalty.l1(0.05)).build();
        try (SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            FittedModel first = LinearRegression.fit(sd, cd.toBuilder().checkpoint(dev.downhill.Checkpoint.to(folder)).build());
            long[] at = first.lossHistoryIterations();
            assertTrue(at.length < first.iterations() + 1, "active sweeps ran: " + at.length + " points, "
                    + first.iterations() + " sweeps");
            assertEquals(first.iterations(), at[at.length - 1]);
            FittedModel again = LinearRegression.fit(sd, cd.toBuilder().checkpoint(dev.downhill.Checkpoint.resume(folder)).build());
            org.junit.jupiter.api.Assertions.assertArrayEquals(at, again.lossHistoryIterations());
            org.junit.jupiter.api.Assertions.assertArrayEquals(at, again.gradientNormHistoryIterations());
            org.junit.jupiter.api.Assertions.assertArrayEquals(first.lossHistory(), again.lossHistory(), 0.0);
            assertClose(first.coefficients(), again.coefficients(), 0);
        }
    }

    /**
     * Cross-validation on wide sparse X with {@code auto}: every path over the columns, and the same folds, α and answer
     * as cd named on the dense copy of X (dense X: cd's paths on the Gram matrix) — two independent routes.
     */
    @Test
    void crossValidationOverTheColumnsMatchesTheDenseGramPath() {
        SplittableRandom r = new SplittableRandom(9);
        int m = 80;
        int n = 200;
        double[][] x = sparse(r, m, n, 0.05);
        double[] y = targets(r, x);
        FitConfig config = FitConfig.builder().backend("cpu").penalty(Penalty.l1(1)).tolerance(1e-12).maxIterations(100_000)
                .build();
        try (SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y);
             Dataset dense = Dataset.of(x, y)) {
            FittedModel columns = CrossValidation.fit(sd, config, 4, CrossValidation.Rule.MIN, 30, 0.01);
            FittedModel gram = CrossValidation.fit(dense, config.toBuilder().solver(Solver.CD).build(), 4,
                    CrossValidation.Rule.MIN, 30, 0.01);
            assertTrue(columns.report().solverChoice().startsWith("cd: coordinate descent over the columns of the sparse X "
                    + "(80 × 200, "), columns.report().solverChoice());
            assertEquals(gram.report().crossValidation().chosenAlpha(), columns.report().crossValidation().chosenAlpha());
            double[] a = columns.report().crossValidation().meanMse();
            double[] b = gram.report().crossValidation().meanMse();
            for (int k = 0; k < a.length; k++) {
                assertEquals(b[k], a[k], 1e-7 * b[k], "mean validation error at α " + k);
            }
            assertClose(gram.coefficients(), columns.coefficients(), 1e-7);
        }
    }

    /**
     * The folds' column paths run side by side on worker threads (as many as the cores and the budget allow): bit for bit
     * the table and model of one path at a time (a budget that holds one copy, 1.5× its ~29 kB, where two are needed).
     */
    @Test
    void foldsOnWorkerThreadsGiveTheSameBitsAsOneAtATime() {
        SplittableRandom r = new SplittableRandom(13);
        double[][] x = sparse(r, 80, 200, 0.05);
        double[] y = targets(r, x);
        FitConfig config = FitConfig.builder().backend("cpu").penalty(Penalty.elasticNet(1, 0.8)).tolerance(1e-10).build();
        try (SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            double copy = ColumnCoordinateDescent.memory(80, 200, sd.x().nonZeros(), true, true);
            FittedModel side = CrossValidation.fit(sd, config, 5, CrossValidation.Rule.ONE_SE, 25, 0.01);
            FittedModel one = CrossValidation.fit(sd, config.toBuilder().directMemoryBudget((long) (1.5 * copy)).build(), 5,
                    CrossValidation.Rule.ONE_SE, 25, 0.01);
            assertTrue(one.report().solverChoice().startsWith("cd: coordinate descent over the columns"), one.report().solverChoice());
            assertEquals(side.report().solverChoice().substring(0, 60), one.report().solverChoice().substring(0, 60));
            org.junit.jupiter.api.Assertions.assertArrayEquals(one.report().crossValidation().meanMse(),
                    side.report().crossValidation().meanMse(), 0.0);
            org.junit.jupiter.api.Assertions.assertArrayEquals(one.coefficients(), side.coefficients(), 0.0);
            assertEquals(one.intercept(), side.intercept(), 0.0);
        }
    }

    /**
     * Dense X over its columns (stored centred) against the same X sparse (centred implicitly) and the Gram route: the
     * same answer at tol 1e-13, weighted and not, with and without an intercept.
     */
    @ParameterizedTest(name = "intercept {0}, weighted {1}")
    @CsvSource({"true, false", "false, false", "true, true", "false, true"})
    void denseColumnsAgreeWithSparseColumnsAndTheGramRoute(boolean intercept, boolean weighted) {
        SplittableRandom r = new SplittableRandom(21);
        int m = 90;
        int n = 30;
        double[][] x = sparse(r, m, n, 0.3);
        double[] y = targets(r, x);
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            w[i] = weighted ? 0.5 + r.nextDouble() * 2 : 1;
        }
        Penalty penalty = Penalty.elasticNet(0.02, 0.9);
        FitConfig config = FitConfig.builder().penalty(penalty).fitIntercept(intercept).tolerance(1e-13).maxIterations(100_000)
                .build();
        SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y);
        sd = weighted ? sd.withWeights(w) : sd;
        try (SparseDataset sparseData = sd; Dataset dense = weighted ? Dataset.of(x, y, w) : Dataset.of(x, y);
             ResidentProblem ps = load(sparseData, Precision.FLOAT64);
             ResidentProblem pd = CheckedProblem.of(new CpuBackend().load(dense, Precision.FLOAT64, BackendOptions.builder().build()),
                     dense, null)) {
            IterativeResult denseColumns = ColumnCoordinateDescent.of(pd, intercept, penalty).fit(config, 0.02, new double[n]);
            IterativeResult sparseColumns = ColumnCoordinateDescent.of(ps, intercept, penalty).fit(config, 0.02, new double[n]);
            IterativeResult gram = new GramCoordinateDescent(GramCoordinateDescent.Statistics.of(pd, intercept), penalty)
                    .fit(config, 0.02, new double[n]);
            assertEquals(StopReason.DUALITY_GAP, denseColumns.stopReason());
            assertClose(gram.coefficients(), denseColumns.coefficients(), 1e-9);
            assertClose(sparseColumns.coefficients(), denseColumns.coefficients(), 1e-9);
            assertEquals(gram.intercept(), denseColumns.intercept(), 1e-9 * Math.max(1, Math.abs(gram.intercept())));
        }
    }

    /**
     * Wide dense X with cd named: over the columns (its n × n Gram matrix is larger than X), for one fit and for a
     * cross-validation, which chooses the α, table and answer the same X given sparse chooses (the same folds; two
     * storages of the column route); auto keeps nesterov on dense X.
     */
    @Test
    void wideDenseXWithCdNamedTakesTheColumnRoute() {
        SplittableRandom r = new SplittableRandom(17);
        int m = 60;
        int n = 150;
        double[][] x = sparse(r, m, n, 0.4);
        double[] y = targets(r, x);
        FitConfig config = FitConfig.builder().backend("cpu").solver(Solver.CD).penalty(Penalty.l1(1)).tolerance(1e-12)
                .maxIterations(100_000).build();
        try (Dataset dense = Dataset.of(x, y); SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            FittedModel named = LinearRegression.fit(dense, config.toBuilder().penalty(Penalty.l1(0.05)).build());
            assertEquals(Solver.CD, named.solver());
            assertTrue(named.report().solverChoice().startsWith("cd: as configured; coordinate descent over the columns of the "
                    + "wide X (60 × 150: "), named.report().solverChoice());
            FittedModel sparseNamed = LinearRegression.fit(sd, config.toBuilder().penalty(Penalty.l1(0.05)).build());
            assertClose(sparseNamed.coefficients(), named.coefficients(), 1e-9);
            FittedModel auto = LinearRegression.fit(dense, config.toBuilder().solver(Solver.AUTO).penalty(Penalty.l1(0.05)).build());
            assertEquals(Solver.NESTEROV, auto.solver());
            FittedModel viaDense = CrossValidation.fit(dense, config, 4, CrossValidation.Rule.MIN, 30, 0.01);
            FittedModel viaSparse = CrossValidation.fit(sd, config, 4, CrossValidation.Rule.MIN, 30, 0.01);
            assertTrue(viaDense.report().solverChoice().startsWith("cd: as configured; coordinate descent over the columns of "
                    + "the wide X"), viaDense.report().solverChoice());
            assertTrue(viaSparse.report().solverChoice().startsWith("cd: as configured; the column route"),
                    viaSparse.report().solverChoice());
            assertEquals(viaSparse.report().crossValidation().chosenAlpha(), viaDense.report().crossValidation().chosenAlpha());
            double[] a = viaDense.report().crossValidation().meanMse();
            double[] b = viaSparse.report().crossValidation().meanMse();
            for (int k = 0; k < a.length; k++) {
                assertEquals(b[k], a[k], 1e-8 * b[k], "mean validation error at α " + k);
            }
            assertClose(viaSparse.coefficients(), viaDense.coefficients(), 1e-8);
        }
    }

    /**
     * Wide dense X with auto: one fit keeps nesterov, but a path — cross-validation's, CrossValidation.path — runs cd over
     * the columns, each fit from the last α's answer (before 2026-12-03 nesterov: 11–27× slower on 100 × 1,000 and
     * 200 × 2,000 `gen` data), and chooses the α, validation errors and answer nesterov named chooses (another solver,
     * both to a relative gap of 1e-12).
     */
    @Test
    void wideDenseXPathsUnderAutoTakeTheColumnRouteAndAgreeWithNesterov() {
        SplittableRandom r = new SplittableRandom(23);
        double[][] x = sparse(r, 40, 100, 0.6);
        double[] y = targets(r, x);
        FitConfig auto = FitConfig.builder().backend("cpu").penalty(Penalty.l1(1)).tolerance(1e-12).maxIterations(200_000).build();
        try (Dataset dense = Dataset.of(x, y)) {
            FittedModel chosen = CrossValidation.fit(dense, auto, 4, CrossValidation.Rule.MIN, 20, 0.01);
            assertEquals(Solver.CD, chosen.solver(), chosen.report().solverChoice());
            assertTrue(chosen.report().solverChoice().startsWith("cd: for a path, each fit from the last α's answer; coordinate "
                    + "descent over the columns of the wide X (40 × 100: "), chosen.report().solverChoice());
            FittedModel nesterov = CrossValidation.fit(dense, auto.toBuilder().solver(Solver.NESTEROV).build(), 4,
                    CrossValidation.Rule.MIN, 20, 0.01);
            assertEquals(nesterov.report().crossValidation().chosenAlpha(), chosen.report().crossValidation().chosenAlpha());
            double[] a = chosen.report().crossValidation().meanMse();
            double[] b = nesterov.report().crossValidation().meanMse();
            for (int k = 0; k < a.length; k++) { // gap ≤ 1e-12 relative: validation errors to ~1e-5 of themselves
                assertEquals(b[k], a[k], 1e-5 * b[k], "mean validation error at α " + k);
            }
            assertClose(nesterov.coefficients(), chosen.coefficients(), 1e-4);
            try (dev.downhill.LoadedProblem loaded = LinearRegression.load(dense, auto)) {
                for (FittedModel step : CrossValidation.path(loaded, auto, new double[] {1, 0.3, 0.1})) {
                    assertEquals(Solver.CD, step.solver(), step.report().solverChoice());
                }
            }
            assertEquals(Solver.NESTEROV, LinearRegression.fit(dense, auto).solver(), "one fit keeps nesterov");
            // a cross-validation holds three copies of X's size at once (the full copy, a fold's, its training rows): a
            // budget for fewer runs the path over X, as before; the path alone needs one
            long copy = (long) Math.ceil(dev.downhill.internal.ColumnCoordinateDescent.memory(40, 100, 4_000, false, false));
            FitConfig tight = auto.toBuilder().directMemoryBudget(2 * copy).build();
            FittedModel overX = CrossValidation.fit(dense, tight, 4, CrossValidation.Rule.MIN, 20, 0.01);
            assertEquals(Solver.NESTEROV, overX.solver(), overX.report().solverChoice());
            assertEquals(Solver.CD, CrossValidation.fit(dense, auto.toBuilder().directMemoryBudget(3 * copy).build(), 4,
                    CrossValidation.Rule.MIN, 20, 0.01).solver());
            try (dev.downhill.LoadedProblem loaded = LinearRegression.load(dense, tight)) {
                assertEquals(Solver.CD, CrossValidation.path(loaded, tight, new double[] {1}).get(0).solver());
            }
        }
    }

    /**
     * An α so large that m·α overflows float64 (1e308): θ = 0 is the answer, met on the duality gap (0) by both cd routes,
     * not "no progress" from an ∞·0 in the gap (a reviewer's find).
     */
    @Test
    void aHugeAlphaStopsOnTheGapAtZero() {
        SplittableRandom r = new SplittableRandom(19);
        double[][] x = sparse(r, 50, 120, 0.1);
        double[] y = targets(r, x);
        double mean = java.util.Arrays.stream(y).average().orElseThrow();
        for (Penalty penalty : new Penalty[] {Penalty.l1(1e308), Penalty.elasticNet(1e308, 0.5)}) {
            FitConfig config = FitConfig.builder().backend("cpu").solver(Solver.CD).penalty(penalty).build();
            try (SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y); Dataset dense = Dataset.of(x, y)) {
                for (FittedModel model : new FittedModel[] {LinearRegression.fit(sd, config), LinearRegression.fit(dense, config)}) {
                    assertEquals(StopReason.DUALITY_GAP, model.stopReason(), model.report().solverChoice());
                    assertEquals(0.0, model.report().dualityGap());
                    assertClose(new double[120], model.coefficients(), 0);
                    assertEquals(mean, model.intercept(), 1e-12 * Math.abs(mean));
                }
            }
        }
    }

    @Test
    void columnsWhoseSquaresOverflowAreRefused() {
        double[][] x = {{1e200, 0}, {0, 1}, {2e200, 3}};
        double[] y = {1, 2, 3};
        try (SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y);
             ResidentProblem p = load(sd, Precision.FLOAT64)) {
            ArithmeticException e = assertThrows(ArithmeticException.class, () -> ColumnCoordinateDescent.of(p, true, Penalty.l1(1)));
            assertTrue(e.getMessage().startsWith("XᵀX overflows float64"), e.getMessage());
        }
    }

    /** Values whose squares are subnormal (1e-160): refused by both cd routes with a line that names cd, not the normal equations. */
    @Test
    void columnsTooSmallToSquareAreRefusedNamingCd() {
        SplittableRandom r = new SplittableRandom(23);
        double[][] x = sparse(r, 40, 80, 0.2);
        for (double[] row : x) {
            for (int j = 0; j < row.length; j++) {
                row[j] *= 1e-160;
            }
        }
        double[] y = targets(r, x);
        try (SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y);
             ResidentProblem p = load(sd, Precision.FLOAT64)) {
            ArithmeticException columns = assertThrows(ArithmeticException.class,
                    () -> ColumnCoordinateDescent.of(p, true, Penalty.l1(1)));
            ArithmeticException gram = assertThrows(ArithmeticException.class,
                    () -> GramCoordinateDescent.Statistics.of(p, true));
            for (ArithmeticException e : new ArithmeticException[] {columns, gram}) {
                assertTrue(e.getMessage().startsWith("X's values are too small for coordinate descent (cd) in float64: column ")
                        && e.getMessage().endsWith("rescale X (a power of ten; θ scales back by the same factor)"), e.getMessage());
            }
        }
    }

    /** |a − b| ≤ tolerance·max(1, ‖b‖_∞) entry by entry. */
    /**
     * Near interpolation — wide sparse X (80 × 300), α a hundredth of the smallest α with θ = 0, so that many coupled
     * coefficients are non-zero — plain cyclic coordinate descent converges linearly at a rate near 1. cd's Anderson
     * extrapolation (every 5 sweeps, kept where it lowers the objective: {@code SweepState}) must come as close to the
     * minimum — P within 1e-10·‖y_c‖²/m of the answer cd certifies at a relative gap of 1e-10, read from its loss
     * history — in a quarter of the sweeps or fewer that plain sweeps, written here on the dense centred copy (the
     * reference: scikit-learn's {@code enet_coordinate_descent} without its gap test), take. Both routes.
     */
    @Test
    void extrapolationCutsTheSweepsNearInterpolation() {
        SplittableRandom r = new SplittableRandom(11);
        int m = 80;
        int n = 300;
        double[][] x = sparse(r, m, n, 0.3);
        double[] y = targets(r, x);
        double[][] xc = new double[m][n];
        double[] yc = new double[m];
        double yMean = java.util.Arrays.stream(y).average().orElseThrow();
        double[] d = new double[n];
        double alphaMax = 0;
        for (int j = 0; j < n; j++) {
            double mean = 0;
            for (int i = 0; i < m; i++) {
                mean += x[i][j] / m;
            }
            double dot = 0;
            for (int i = 0; i < m; i++) {
                xc[i][j] = x[i][j] - mean;
                yc[i] = y[i] - yMean;
                d[j] += xc[i][j] * xc[i][j];
                dot += xc[i][j] * (y[i] - yMean);
            }
            alphaMax = Math.max(alphaMax, Math.abs(dot) / m);
        }
        double alpha = alphaMax / 100;
        double targetSquares = 0;
        for (double v : yc) {
            targetSquares += v * v;
        }
        FitConfig config = FitConfig.builder().penalty(Penalty.l1(alpha)).tolerance(1e-10).maxIterations(200_000).build();
        try (SparseDataset data = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y);
             ResidentProblem p = load(data, Precision.FLOAT64)) {
            IterativeResult columns = ColumnCoordinateDescent.of(p, true, Penalty.l1(alpha)).fit(config, alpha, new double[n]);
            IterativeResult gram = new GramCoordinateDescent(GramCoordinateDescent.Statistics.of(p, true), Penalty.l1(alpha))
                    .fit(config, alpha, new double[n]);
            assertEquals(StopReason.DUALITY_GAP, columns.stopReason());
            assertEquals(StopReason.DUALITY_GAP, gram.stopReason());
            double target = objective(xc, yc, columns.coefficients(), alpha) + 1e-10 * targetSquares / m;
            double[] theta = new double[n];
            double[] res = yc.clone();
            long plainSweeps = 0;
            while (objective(xc, yc, theta, alpha) > target && plainSweeps < 1_000_000) {
                for (int j = 0; j < n; j++) {
                    double t = d[j] * theta[j];
                    for (int i = 0; i < m; i++) {
                        t += xc[i][j] * res[i];
                    }
                    double next = Math.abs(t) <= m * alpha ? 0 : Math.copySign(Math.abs(t) - m * alpha, t) / d[j];
                    double delta = next - theta[j];
                    if (delta != 0) {
                        theta[j] = next;
                        for (int i = 0; i < m; i++) {
                            res[i] -= delta * xc[i][j];
                        }
                    }
                }
                plainSweeps++;
            }
            int nonZero = 0;
            for (double v : columns.coefficients()) {
                nonZero += v != 0 ? 1 : 0;
            }
            long columnSweeps = sweepsTo(columns, 2 * target);
            long gramSweeps = sweepsTo(gram, 2 * target);
            String counts = "sweeps to the target (at a full sweep): cd over the columns " + columnSweeps + " (stopped after "
                    + columns.iterations() + "), on the Gram matrix " + gramSweeps + " (" + gram.iterations()
                    + "), plain sweeps " + plainSweeps + " (" + nonZero + " non-zero)";
            assertTrue(nonZero > m / 2, counts);
            assertTrue(4 * columnSweeps <= plainSweeps, counts);
            assertTrue(4 * gramSweeps <= plainSweeps, counts);
        }
    }

    /** The sweeps after which a recorded loss (2·P, taken at full sweeps) is first ≤ {@code bound}. */
    private static long sweepsTo(IterativeResult fit, double bound) {
        double[] losses = fit.lossHistory();
        for (int k = 0; k < losses.length; k++) {
            if (losses[k] <= bound) {
                return fit.historyIterations() == null ? k : fit.historyIterations()[k];
            }
        }
        return Long.MAX_VALUE / 8;
    }

    /** P(θ) = (1/(2m))‖y_c − X̃θ‖² + α‖θ‖₁ on centred dense copies. */
    private static double objective(double[][] xc, double[] yc, double[] theta, double alpha) {
        double squares = 0;
        for (int i = 0; i < xc.length; i++) {
            double res = yc[i];
            for (int j = 0; j < theta.length; j++) {
                res -= xc[i][j] * theta[j];
            }
            squares += res * res;
        }
        double l1 = 0;
        for (double v : theta) {
            l1 += Math.abs(v);
        }
        return squares / (2 * xc.length) + alpha * l1;
    }

    private static void assertClose(double[] expected, double[] actual, double tolerance) {
        double scale = 1;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertEquals(expected.length, actual.length);
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], actual[j], tolerance * scale, "coefficient " + j);
        }
    }
}
