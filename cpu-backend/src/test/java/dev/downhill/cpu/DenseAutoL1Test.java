package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.testing.TestData;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Solver#AUTO} with an l1 term on tall dense X with few columns, on the cpu backend: cd on the Gram matrix
 * ({@code DenseL1Choice}), the same fit as cd named (the same bits) and the same answer as nesterov named — another
 * solver — on correlated columns (AR(1), ρ = 0.9, where FISTA needs hundreds of iterations), float64 and float32, with
 * and without sample weights; wide X keeps nesterov.
 */
class DenseAutoL1Test {
    private static double[][] correlated(SplittableRandom r, int m, int n) {
        double[][] x = new double[m][n];
        for (int i = 0; i < m; i++) {
            double previous = r.nextGaussian();
            for (int j = 0; j < n; j++) {
                previous = 0.9 * previous + Math.sqrt(1 - 0.81) * r.nextGaussian();
                x[i][j] = previous * (1 + j % 3) + 2;
            }
        }
        return x;
    }

    private static double[] targets(SplittableRandom r, double[][] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double s = 1.5;
            for (int j = 0; j < x[i].length; j++) {
                s += x[i][j] * (j % 3 == 0 ? 0 : (j % 5) - 2);
            }
            y[i] = s + 0.5 * r.nextGaussian();
        }
        return y;
    }

    private static double[] weights(SplittableRandom r, int m) {
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            w[i] = 0.2 + 2 * r.nextDouble();
        }
        return w;
    }

    @Test
    void tallDenseXRunsCdOnTheGramMatrixAndReachesNesterovsAnswer() {
        SplittableRandom r = new SplittableRandom(41);
        double[][] x = correlated(r, 3_000, 40);
        double[] y = targets(r, x);
        double[] w = weights(r, x.length);
        for (Precision p : Precision.values()) {
            for (boolean weighted : new boolean[] {false, true}) {
                String what = p + (weighted ? ", weighted" : "");
                double tol = p == Precision.FLOAT64 ? 1e-12 : 1e-6; // nesterov's float32 passes stop near 1e-7
                FitConfig auto = FitConfig.builder().backend("cpu").penalty(Penalty.elasticNet(0.02, 0.8)).precision(p)
                        .tolerance(tol).maxIterations(100_000).build();
                try (Dataset plain = p == Precision.FLOAT64 ? Dataset.of(x, y) : Dataset.of(TestData.toFloat(x), TestData.toFloat(y));
                     Dataset d = weighted ? plain.withWeights(w) : plain.toPrecision(p)) {
                    FittedModel chosen = LinearRegression.fit(d, auto);
                    assertEquals(Solver.CD, chosen.solver(), what + ": " + chosen.report().solverChoice());
                    assertTrue(chosen.report().solverChoice().startsWith("cd: coordinate descent on the Gram matrix (X is "
                            + "dense (3,000 × 40, " + p.name().toLowerCase(java.util.Locale.ROOT) + "): "), chosen.report().solverChoice());
                    FittedModel cd = LinearRegression.fit(d, auto.toBuilder().solver(Solver.CD).build());
                    assertEquals(java.util.Arrays.toString(cd.coefficients()), java.util.Arrays.toString(chosen.coefficients()), what);
                    assertEquals(cd.intercept(), chosen.intercept(), 0, what);
                    FittedModel nesterov = LinearRegression.fit(d, auto.toBuilder().solver(Solver.NESTEROV).build());
                    // both certified to a relative duality gap ≤ tol: coefficients within ~√tol of their scale (strong
                    // convexity of the elastic net's l2 part: ‖Δθ‖² ≲ gap/μ); objectives within tol of each other
                    double scale = 0;
                    for (double c : nesterov.coefficients()) {
                        scale = Math.max(scale, Math.abs(c));
                    }
                    double bound = (p == Precision.FLOAT64 ? 1e-5 : 3e-3) * scale;
                    for (int j = 0; j < x[0].length; j++) {
                        assertEquals(nesterov.coefficient(j), chosen.coefficient(j), bound, what + ", θ" + j);
                    }
                    // the objectives are evaluated by a pass in the data's precision: float32's rounding (~1e-7) aside
                    double slack = p == Precision.FLOAT64 ? 1e-9 : 1e-6;
                    assertTrue(chosen.report().objective() <= nesterov.report().objective() * (1 + slack),
                            what + ": " + chosen.report().objective() + " vs " + nesterov.report().objective());
                }
            }
        }
    }

    /**
     * Beyond the threshold (800 × 400: cd's cost 2.4e7 against FISTA's ~20 passes 1.3e7) auto runs nesterov for at most as
     * many passes as cd would cost (⌈2.4e7/6.4e5⌉ = 38); on AR(0.9) columns FISTA needs far more — its gap's rate says so
     * after 8 passes —, so cd on the Gram matrix continues from its coefficients and reaches cd named's answer (both certified to the gap: within √tol of the scale);
     * with a large α (most coefficients 0, FISTA done in a few dozen passes) nesterov's answer stands.
     */
    @Test
    void beyondTheThresholdNesterovRunsFirstAndCdContinuesWhereItHasNotMetTheGap(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path folder) {
        SplittableRandom r = new SplittableRandom(47);
        double[][] x = correlated(r, 800, 400);
        double[] y = targets(r, x);
        try (Dataset d = Dataset.of(x, y)) {
            FitConfig auto = FitConfig.builder().backend("cpu").penalty(Penalty.l1(0.01)).tolerance(1e-12).build();
            FittedModel chosen = LinearRegression.fit(d, auto);
            assertEquals(Solver.CD, chosen.solver(), chosen.report().solverChoice());
            // the trial's lowest gap at pass 8 (0.25, falling ~2 % a pass) predicts hundreds of passes, beyond twice cd's 38:
            // cd continues from there instead of after all 38
            assertTrue(chosen.report().solverChoice().startsWith("cd: nesterov had not met the gap in 8 of the 38 passes cd's "
                    + "cost allows (relative gap "), chosen.report().solverChoice());
            assertTrue(chosen.report().solverChoice().matches(".*; abandoned after 8 passes, predicted to need ~[0-9.e+]+\\), so "
                    + "cd continued from its coefficients \\(X is dense \\(800 × 400, float64\\): cd on its Gram matrix would cost "
                    + "2\\.4e\\+07 \\(the pass and the n × n work\\), more than FISTA's ~20 passes \\(1\\.3e\\+07\\)\\)"),
                    chosen.report().solverChoice());
            assertEquals(dev.downhill.StopReason.DUALITY_GAP, chosen.stopReason());
            assertEquals(auto.toBuilder().solver(Solver.CD).build(), chosen.config(), "the configuration asked for, as cd");
            FittedModel cd = LinearRegression.fit(d, auto.toBuilder().solver(Solver.CD).build());
            double scale = 0;
            for (double c : cd.coefficients()) {
                scale = Math.max(scale, Math.abs(c));
            }
            for (int j = 0; j < x[0].length; j++) { // gap ≤ 1e-12: coefficients within ~√gap of the scale (l1: weakly, 1e-5)
                assertEquals(cd.coefficient(j), chosen.coefficient(j), 1e-5 * scale, "θ" + j);
            }
            assertEquals(cd.report().objective(), chosen.report().objective(), 1e-11 * cd.report().objective());
            // where no cd can follow — a limit within cd's cost, tolerance 0 — nesterov runs alone, and the reason says why
            FittedModel limited = LinearRegression.fit(d, auto.toBuilder().maxIterations(30).build());
            assertEquals(Solver.NESTEROV, limited.solver());
            assertEquals(30, limited.iterations());
            assertTrue(limited.report().solverChoice().endsWith("more than FISTA's ~20 passes (1.3e+07); nesterov alone, with "
                    + "no cd to follow: the iteration limit (30) is within cd's cost"), limited.report().solverChoice());
            // with a checkpoint: cd from the start (one solver's state a folder), the answer cd named gives
            FittedModel saved = LinearRegression.fit(d, auto.toBuilder().checkpoint(dev.downhill.Checkpoint.to(folder)).build());
            assertEquals(Solver.CD, saved.solver());
            assertTrue(saved.report().solverChoice().startsWith("cd: coordinate descent on the Gram matrix, as a checkpoint was "
                    + "asked for (one solver's state a folder: not nesterov first, then cd); X is dense (800 × 400, float64)"),
                    saved.report().solverChoice());
            assertEquals(java.util.Arrays.toString(cd.coefficients()), java.util.Arrays.toString(saved.coefficients()));
            FittedModel fixed = LinearRegression.fit(d, auto.toBuilder().tolerance(0).maxIterations(60).build());
            assertEquals(Solver.NESTEROV, fixed.solver());
            assertEquals(60, fixed.iterations());
            assertTrue(fixed.report().solverChoice().endsWith("tolerance 0 asks for a fixed number of iterations"),
                    fixed.report().solverChoice());
            // a limit past nesterov's passes limits cd's sweeps afresh; its warning does not send the caller back to nesterov
            FittedModel short_ = LinearRegression.fit(d, auto.toBuilder().maxIterations(40).build());
            assertEquals(Solver.CD, short_.solver());
            assertEquals(40, short_.iterations());
            String w = dev.downhill.internal.ConvergenceWarning.of(short_, "maxIterations", "tolerance", "solver").orElseThrow();
            assertTrue(w.endsWith("raise maxIterations"), w);
        }
        // independent columns, α 0.3: FISTA meets the default tolerance in ~31 passes, within cd's cost
        double[][] iid = new double[800][400];
        double[] yIid = new double[800];
        for (int i = 0; i < iid.length; i++) {
            double s = 0;
            for (int j = 0; j < iid[i].length; j++) {
                iid[i][j] = r.nextGaussian();
                s += j < 10 ? iid[i][j] : 0;
            }
            yIid[i] = s + 0.5 * r.nextGaussian();
        }
        try (Dataset d = Dataset.of(iid, yIid)) {
            FitConfig auto = FitConfig.builder().backend("cpu").penalty(Penalty.l1(0.3)).build();
            FittedModel nesterovAnswer = LinearRegression.fit(d, auto);
            assertEquals(Solver.NESTEROV, nesterovAnswer.solver(), nesterovAnswer.report().solverChoice());
            assertEquals(dev.downhill.StopReason.DUALITY_GAP, nesterovAnswer.stopReason());
            assertTrue(nesterovAnswer.iterations() < 38, "met the gap within cd's cost: " + nesterovAnswer.iterations());
            assertTrue(nesterovAnswer.report().solverChoice().endsWith("if nesterov has not met the gap in 38 passes (cd's cost), "
                    + "cd on the Gram matrix continues from its coefficients"), nesterovAnswer.report().solverChoice());
            assertEquals(auto.toBuilder().solver(Solver.NESTEROV).build(), nesterovAnswer.config(), "the limit asked for");
            FittedModel named = LinearRegression.fit(d, auto.toBuilder().solver(Solver.NESTEROV).build());
            assertEquals(java.util.Arrays.toString(named.coefficients()), java.util.Arrays.toString(nesterovAnswer.coefficients()));
        }
    }

    /** With a checkpoint asked for, auto runs cd as without one (cd saves its sweeps' state): the same fit. */
    @Test
    void aCheckpointLeavesAutosCd(@org.junit.jupiter.api.io.TempDir java.nio.file.Path folder) {
        SplittableRandom r = new SplittableRandom(45);
        double[][] x = correlated(r, 500, 10);
        double[] y = targets(r, x);
        try (Dataset d = Dataset.of(x, y)) {
            FitConfig auto = FitConfig.builder().backend("cpu").penalty(Penalty.l1(0.05)).build();
            FittedModel plain = LinearRegression.fit(d, auto);
            FittedModel saved = LinearRegression.fit(d, auto.toBuilder().checkpoint(dev.downhill.Checkpoint.to(folder)).build());
            assertEquals(Solver.CD, saved.solver(), saved.report().solverChoice());
            assertEquals(plain.report().solverChoice(), saved.report().solverChoice());
            assertEquals(java.util.Arrays.toString(plain.coefficients()), java.util.Arrays.toString(saved.coefficients()));
            assertEquals(plain.iterations(), saved.iterations());
        }
    }

    @Test
    void wideDenseXKeepsNesterov() {
        SplittableRandom r = new SplittableRandom(43);
        double[][] x = correlated(r, 30, 60);
        double[] y = targets(r, x);
        try (Dataset d = Dataset.of(x, y)) {
            FittedModel chosen = LinearRegression.fit(d, FitConfig.builder().backend("cpu").penalty(Penalty.l1(0.1)).build());
            assertEquals(Solver.NESTEROV, chosen.solver(), chosen.report().solverChoice());
            assertEquals("nesterov: an l1 penalty needs a proximal solver (FISTA with adaptive restart, stopped on the duality "
                    + "gap)", chosen.report().solverChoice());
        }
    }
}
