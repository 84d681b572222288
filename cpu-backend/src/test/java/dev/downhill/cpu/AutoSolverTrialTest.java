package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Solver;
import dev.downhill.StopReason;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The automatic solver's conjugate-gradient trial on a problem big enough to have one (5,200 × 640: the normal
 * equations cost ~21 passes' worth, the trial gets half): well-conditioned columns converge inside the trial; strongly
 * correlated columns do not — the trial is abandoned as soon as its rate predicts it would miss its budget, not when
 * the budget is spent, or the sketch of X refuses it — and the exact answer follows. Either way the answer is within
 * 1e-6 of the SVD's.
 */
class AutoSolverTrialTest {

    /**
     * Orthogonal columns of scales 1 to 7 (cg converges in a few passes: the trial's 10 are enough) plus {@code shared}
     * times one common column (300: strongly correlated columns).
     */
    private static double[][] columns(SplittableRandom r, int m, int n, double shared) {
        double[][] q = dev.downhill.testing.TestData.centredOrthonormalColumns(r, m, n);
        double[][] x = new double[m][n];
        for (int i = 0; i < m; i++) {
            double z = r.nextGaussian();
            for (int j = 0; j < n; j++) {
                x[i][j] = shared * z + q[j][i] * Math.sqrt(m) * (1 + j % 7);
            }
        }
        return x;
    }

    private static double relativeDistance(FittedModel a, FittedModel b) {
        double num = (a.intercept() - b.intercept()) * (a.intercept() - b.intercept());
        double den = b.intercept() * b.intercept();
        for (int j = 0; j < a.features(); j++) {
            num += (a.coefficient(j) - b.coefficient(j)) * (a.coefficient(j) - b.coefficient(j));
            den += b.coefficient(j) * b.coefficient(j);
        }
        return Math.sqrt(num / den);
    }

    private static void check(double shared, Solver expected, String... because) {
        SplittableRandom r = new SplittableRandom(61);
        int m = 5_200;
        int n = 640;
        double[][] x = columns(r, m, n, shared);
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            double s = 3;
            for (int j = 0; j < n; j++) {
                s += x[i][j] * ((j % 5) - 2) * 0.1;
            }
            y[i] = s + 0.5 * r.nextGaussian();
        }
        try (Dataset d = Dataset.of(x, y)) {
            FittedModel auto = LinearRegression.fit(d, FitConfig.builder().backend("cpu").build());
            FittedModel svd = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.SVD).build());
            assertEquals(expected, auto.solver(), auto.report().solverChoice());
            String why = auto.report().solverChoice();
            assertTrue(java.util.Arrays.stream(because).anyMatch(why::contains), why);
            assertTrue(auto.stopReason() != StopReason.ITERATION_LIMIT, auto.stopReason().toString());
            // cg stops at ‖S∇‖ ≤ 1e-10·‖S∇₀‖; on these conditionings that is well inside 1e-6 of the exact answer
            assertTrue(relativeDistance(auto, svd) < 1e-6, "auto vs svd: " + relativeDistance(auto, svd));
        }
    }

    @Test
    void wellConditionedColumnsConvergeInTheConjugateGradientTrial() {
        check(0, Solver.CG, "converged in");
    }

    @Test
    void correlatedColumnsFallBackToTheExactSolve() {
        // the exact answer (tall, so the normal equations) once the trial has failed: abandoned at a check (its
        // predicted passes beyond twice the budget) or at the end of its budget — which of the two depends on the
        // last bits of the iterates of conjugate gradients on these ill-conditioned columns
        // — or, now, not tried at all: the sketch of X puts cg's condition number beyond what its tolerance can certify
        check(300, Solver.NORMAL, "cg tried first abandoned after", "cg tried first did not converge in",
                "no cg trial (a sketch of X estimates cg's condition number");
    }

    /**
     * A column that is the sum of two others plus 1e-9 noise (κ(X) ≈ 3e9): cg's gradient norm cannot see the near-null
     * direction, so the trial used to "converge" in a few passes to a θ unrelated to the least-squares answer (θ₀ ≈ 0.3
     * against ≈ −7e5 here), silently. The sketch of X finds the columns dependent to working precision, no trial runs,
     * and the normal equations refuse: the SVD's answer, the same as svd's own, bit for bit.
     */
    @Test
    void nearlyDependentColumnsGetTheExactAnswerNotTheTrials() {
        SplittableRandom r = new SplittableRandom(7);
        int m = 5_200; // the trial's size (more than 8 rows a column, ≥ ~630 columns)
        int n = 640;
        double[][] x = new double[m][n];
        double[] y = new double[m];
        double[][] q = dev.downhill.testing.TestData.centredOrthonormalColumns(r, m, n); // centred, orthogonal columns: cg needs a few passes for all the rest
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                x[i][j] = q[j][i] * Math.sqrt(m);
            }
            x[i][2] = x[i][0] + x[i][1] + 1e-9 * r.nextGaussian();
            double s = 1;
            for (int j = 0; j < n; j++) {
                s += x[i][j] * ((j % 5) - 2) * 0.1;
            }
            y[i] = s + 0.1 * r.nextGaussian();
        }
        try (Dataset d = Dataset.of(x, y)) {
            FittedModel auto = LinearRegression.fit(d, FitConfig.builder().backend("cpu").build());
            FittedModel svd = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.SVD).build());
            String why = auto.report().solverChoice();
            assertEquals(Solver.SVD, auto.solver(), why);
            assertTrue(why.contains("no cg trial (a sketch of X finds its columns dependent"), why);
            assertTrue(Math.abs(svd.coefficient(0)) > 1e4, "the least-squares answer is large: " + svd.coefficient(0));
            assertEquals(StopReason.DIRECT_SOLUTION, auto.stopReason());
            for (int j = 0; j < n; j++) {
                assertEquals(svd.coefficient(j), auto.coefficient(j), 0.0, "θ" + j);
            }
            assertEquals(svd.intercept(), auto.intercept(), 0.0);
        }
    }
}
