package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.internal.ConvergenceWarning;
import dev.downhill.internal.RankDeficiencyWarning;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The warnings a fit gives without failing: a fit that stopped at its iteration limit short of its tolerance
 * ({@link ConvergenceWarning}, {@link FittedModel#converged()}), an svd fit below full rank
 * ({@link RankDeficiencyWarning}), and the settings the named solver does not use ({@link UnusedSettings}).
 */
class ConvergenceWarningsTest {

    private static FittedModel model(Solver solver, StopReason stop, long iterations, double[] norms, FitConfig config,
                                     Precision precision, double gap) {
        return new FittedModel(new double[] {1, 2}, 0.5, solver, "cpu", precision, 100, iterations, stop, new double[] {3, 2},
                norms, Duration.ofMillis(5), 0.1, -1, config,
                new ConvergenceReport(false, new int[0], Double.NaN, "", 0, Double.NaN, gap, null), 100);
    }

    private static Optional<String> warning(FittedModel m) {
        return ConvergenceWarning.of(m, "maxIterations", "tolerance", "solver");
    }

    @Test
    void aFitAtItsIterationLimitShortOfItsToleranceIsWarnedAboutAndNotConverged() {
        FitConfig gd = FitConfig.builder().solver(Solver.GD).build();
        FittedModel limited = model(Solver.GD, StopReason.ITERATION_LIMIT, 10_000, new double[] {2, 1e-3}, gd, Precision.FLOAT64, Double.NaN);
        assertFalse(limited.converged());
        assertEquals("gd stopped at its iteration limit (maxIterations 10,000 steps) before meeting tolerance 1e-10 "
                + "(‖∇‖/‖∇₀‖ = 0.0005): the coefficients may be far from the minimiser; raise maxIterations, or use an exact "
                + "solver (normal, svd)", warning(limited).orElseThrow());
        // the tolerance the fit ran with: float32's default
        FittedModel float32 = model(Solver.CG, StopReason.ITERATION_LIMIT, 50, new double[] {4, 1}, FitConfig.builder()
                .solver(Solver.CG).build(), Precision.FLOAT32, Double.NaN);
        assertEquals(FitConfig.DEFAULT_GD_TOLERANCE_FLOAT32, float32.tolerance(), 0.0, "the tolerance the float32 fit ran with");
        assertEquals(FitConfig.DEFAULT_GD_TOLERANCE, float32.config().tolerance(), 0.0, "the configuration's, for float64 data");
        assertTrue(warning(float32).orElseThrow().startsWith("cg stopped at its iteration limit (maxIterations 50 steps) before "
                + "meeting tolerance 1e-06 (‖∇‖/‖∇₀‖ = 0.25)"), warning(float32).orElseThrow());
        // the command line's names
        assertTrue(ConvergenceWarning.of(limited, "--iterations", "--tol", "--solver").orElseThrow()
                .contains("(--iterations 10,000 steps) before meeting --tol 1e-10"));
        // a front end's own name for the solver that ran (the Spark estimator's l-bfgs, run as cg); the rest unchanged
        FittedModel cg = model(Solver.CG, StopReason.ITERATION_LIMIT, 2, new double[] {4, 1}, FitConfig.builder()
                .solver(Solver.CG).build(), Precision.FLOAT64, Double.NaN);
        assertEquals("l-bfgs (run as cg)" + ConvergenceWarning.of(cg, "maxIter", "tol", "solver").orElseThrow().substring(2),
                ConvergenceWarning.of(cg, "maxIter", "tol", "solver", "l-bfgs (run as cg)").orElseThrow());
        // stochastic: epochs, no one figure for its rule
        FittedModel sgd = model(Solver.SGD, StopReason.ITERATION_LIMIT, 1000, new double[] {1, 1}, FitConfig.builder()
                .solver(Solver.SGD).build(), Precision.FLOAT64, Double.NaN);
        assertEquals("sgd stopped at its iteration limit (maxIterations 1,000 epochs) before meeting tolerance 0.0001: the "
                + "coefficients may be far from the minimiser; raise maxIterations, or use a full-batch or exact solver "
                + "(gd, cg, normal, svd)", warning(sgd).orElseThrow());
        // sgd with an l1 term: only solvers that fit one are suggested
        FittedModel sgdL1 = model(Solver.SGD, StopReason.ITERATION_LIMIT, 2, new double[] {1, 1}, FitConfig.builder()
                .solver(Solver.SGD).penalty(Penalty.l1(0.05)).build(), Precision.FLOAT64, Double.NaN);
        assertTrue(warning(sgdL1).orElseThrow().endsWith("raise maxIterations, or use a full-batch solver (gd, nesterov, cd)"),
                warning(sgdL1).orElseThrow());
        // cg chosen by auto (the exact solvers too costly here): no exact solver suggested, auto's reason given
        FittedModel autoCg = new FittedModel(new double[] {1, 2}, 0.5, Solver.CG, "cpu", Precision.FLOAT64, 100, 40,
                StopReason.ITERATION_LIMIT, new double[] {3, 2}, new double[] {2, 1}, Duration.ofMillis(5), Double.NaN, -1,
                FitConfig.builder().build(), new ConvergenceReport(false, new int[0], Double.NaN, "cg: X is sparse (100 × 2)", 0,
                Double.NaN, Double.NaN, null), 100);
        assertTrue(warning(autoCg).orElseThrow().endsWith("raise maxIterations (auto chose cg: X is sparse (100 × 2))"),
                warning(autoCg).orElseThrow());
        // an l1 term: the duality gap, and the other l1 solver
        FittedModel cd = model(Solver.CD, StopReason.ITERATION_LIMIT, 300, new double[0], FitConfig.builder().solver(Solver.CD)
                .penalty(Penalty.l1(0.1)).build(), Precision.FLOAT64, 3.5e-3);
        assertTrue(warning(cd).orElseThrow().matches("cd stopped at its iteration limit \\(maxIterations 300 sweeps\\) before "
                + "meeting tolerance \\S+ \\(relative duality gap 0.0035\\): .*, or try solver nesterov"), warning(cd).orElseThrow());
        // cd's rule also wants a last sweep that moved θ little: a gap within tol at the limit says so
        FittedModel cdGapMet = model(Solver.CD, StopReason.ITERATION_LIMIT, 5, new double[0], FitConfig.builder().solver(Solver.CD)
                .penalty(Penalty.l1(0.1)).tolerance(1e-4).build(), Precision.FLOAT64, 2.4e-5);
        assertTrue(warning(cdGapMet).orElseThrow().contains("(relative duality gap 2.4e-05, but the last sweep still moved θ by more "
                + "than the tolerance allows)"), warning(cdGapMet).orElseThrow());
        // …and that the objective is as good as the tolerance asks, the coefficients not (a review: a degenerate lasso with
        // gap 2e-14 below tol 1e-12 said only "may be far from the minimiser")
        assertTrue(warning(cdGapMet).orElseThrow().contains("the objective is within the tolerance of its minimum, but the "
                + "coefficients still move (nearly dependent columns leave the minimiser ill-determined)"), warning(cdGapMet).orElseThrow());
        assertFalse(warning(cd).orElseThrow().contains("within the tolerance of its minimum"), warning(cd).orElseThrow());
    }

    @Test
    void anL1FitThatStoppedForWantOfProgressShortOfItsGapSaysHowCloseTheGapCertifiesItAndWhatAcceptsIt() {
        FittedModel cd = model(Solver.CD, StopReason.NO_PROGRESS, 439, new double[0], FitConfig.builder().solver(Solver.CD)
                .penalty(Penalty.l1(1e-12)).build(), Precision.FLOAT64, 8.81e-8);
        assertTrue(cd.converged(), "as close as the working precision allows");
        assertEquals("cd stopped making progress (no_progress) at relative duality gap 8.81e-08, short of --tol 1e-10: its "
                + "gap and objective stopped falling with θ at rest (a rounding floor: at a tiny α the rounding of X̃ᵀr rules "
                + "the gap), so these coefficients are as close as cd gets in float64; --tol 1e-07 accepts them",
                ConvergenceWarning.of(cd, "--iterations", "--tol", "--solver").orElseThrow());
        // a gradient solver in float32 points to cd and to float64
        FittedModel nesterov = model(Solver.NESTEROV, StopReason.NO_PROGRESS, 900, new double[] {2, 1e-4}, FitConfig.builder()
                .solver(Solver.NESTEROV).penalty(Penalty.elasticNet(0.01, 0.5)).build(), Precision.FLOAT32, 3.2e-4);
        assertEquals("nesterov stopped making progress (no_progress) at relative duality gap 0.00032, short of tolerance "
                + "1e-06: the coefficients may be far from the minimiser; solver cd may get further, as may float64 precision",
                warning(nesterov).orElseThrow());
        // the gap met (a stop for want of progress with the gap within tol), or no l1 term (AccuracyWarning's case): none
        FittedModel met = model(Solver.CD, StopReason.NO_PROGRESS, 10, new double[0], FitConfig.builder().solver(Solver.CD)
                .penalty(Penalty.l1(0.1)).build(), Precision.FLOAT64, 5e-11);
        assertTrue(warning(met).isEmpty());
        FittedModel ridge = model(Solver.NESTEROV, StopReason.NO_PROGRESS, 10, new double[] {2, 1}, FitConfig.builder()
                .solver(Solver.NESTEROV).penalty(Penalty.l2(0.1)).build(), Precision.FLOAT64, Double.NaN);
        assertTrue(warning(ridge).isEmpty());
    }

    @Test
    void suggestedTolerancesAreOneTwoOrFiveTimesAPowerOfTen() {
        assertEquals(1e-7, ConvergenceWarning.roundedUp(8.81e-8), 0);
        assertEquals(2e-5, ConvergenceWarning.roundedUp(1.01e-5), 0);
        assertEquals(5e-4, ConvergenceWarning.roundedUp(3.2e-4), 0);
        assertEquals(1e-3, ConvergenceWarning.roundedUp(1e-3), 0);
    }

    @Test
    void aFitThatMetItsRuleOrWasToldHowManyIterationsToRunIsNotWarnedAbout() {
        FitConfig gd = FitConfig.builder().solver(Solver.GD).build();
        double[] norms = {2, 1e-11};
        for (StopReason stop : new StopReason[] {StopReason.CONVERGED, StopReason.NO_PROGRESS, StopReason.DUALITY_GAP,
            StopReason.DIRECT_SOLUTION}) {
            FittedModel m = model(Solver.GD, stop, 10, norms, gd, Precision.FLOAT64, Double.NaN);
            assertTrue(m.converged(), stop.name());
            assertTrue(warning(m).isEmpty(), stop.name());
        }
        FittedModel listened = model(Solver.GD, StopReason.STOPPED_BY_LISTENER, 10, norms, gd, Precision.FLOAT64, Double.NaN);
        assertFalse(listened.converged(), "stopped before its rule was met");
        assertTrue(warning(listened).isEmpty(), "the caller asked");
        FittedModel fixed = model(Solver.GD, StopReason.ITERATION_LIMIT, 10, norms, gd.toBuilder().tolerance(0).build(),
                Precision.FLOAT64, Double.NaN);
        assertFalse(fixed.converged());
        assertTrue(warning(fixed).isEmpty(), "tolerance 0: a fixed number of steps, asked for");
    }

    @Test
    void settingsTheNamedSolverDoesNotUseAreNamedOnce() {
        FitConfig normal = FitConfig.builder().solver(Solver.NORMAL).maxIterations(5).tolerance(1e-3).seed(9).standardize(true)
                .initialCoefficients(InitialCoefficients.given(new double[] {1})).learningRate(LearningRate.of(0.1)).build();
        assertEquals(List.of("learningRate does nothing with solver normal (ignored)",
                "maxIterations does nothing with solver normal (ignored)", "tolerance does nothing with solver normal (ignored)",
                "initialCoefficients does nothing with solver normal (ignored)",
                "standardize does nothing with solver normal (ignored)", "seed does nothing with solver normal (ignored)"),
                UnusedSettings.warnings(normal));
        FitConfig gd = FitConfig.builder().solver(Solver.GD).learningRate(LearningRate.of(0.01)).seed(3).patience(2)
                .schedule(LearningRateSchedule.inverseScaling(0.5)).build();
        assertEquals(List.of("schedule does nothing with solver gd (ignored)", "patience does nothing with solver gd (ignored)",
                "seed does nothing with solver gd (ignored)"), UnusedSettings.warnings(gd));
        // gd with an automatic η draws the power iteration's start from the seed; iterations and tolerance are its own
        assertEquals(List.of(), UnusedSettings.warnings(FitConfig.builder().solver(Solver.GD).seed(3).maxIterations(5)
                .tolerance(1e-4).initialCoefficients(InitialCoefficients.given(new double[] {1})).build()));
        // sgd uses patience (its stopping rule) and the seed without a validation fraction
        assertEquals(List.of(), UnusedSettings.warnings(FitConfig.builder().solver(Solver.SGD).seed(3).patience(2)
                .schedule(LearningRateSchedule.inverseScaling(0.5)).build()));
        assertEquals(List.of("standardize does nothing with solver cd (ignored)", "seed does nothing with solver cd (ignored)"),
                UnusedSettings.warnings(FitConfig.builder().solver(Solver.CD).penalty(Penalty.l1(0.1)).standardize(false).seed(1).build()));
        // sgd and minibatch under invtime with a fixed η: ignored, whether standardize is set or left to its default (which
        // a fixed η decides nothing of there: FitConfig.fixedLearningRateUsed)
        FitConfig invtime = FitConfig.builder().solver(Solver.SGD).schedule(LearningRateSchedule.inverseTime(0.01, 100))
                .learningRate(LearningRate.of(0.001)).build();
        String bySchedule = "learningRate does nothing with schedule invtime:0.01,100.0 (its steps t0/(t + t1) are the step "
                + "sizes) (ignored)";
        assertEquals(List.of(bySchedule), UnusedSettings.warnings(invtime));
        assertEquals(List.of(bySchedule), UnusedSettings.warnings(invtime.toBuilder().standardize(true).build()));
        assertEquals(List.of(bySchedule), UnusedSettings.warnings(invtime.toBuilder().solver(Solver.MINIBATCH).build()));
        assertEquals(List.of(), UnusedSettings.warnings(invtime.toBuilder().learningRate(LearningRate.auto()).build()));
        // auto's choice comes later
        assertEquals(List.of(), UnusedSettings.warnings(FitConfig.builder().maxIterations(5).seed(2).standardize(true).build()));
    }

    /**
     * A rank cutoff with a solver other than svd, and penalty factors for a term the penalty lacks (factors with none, l2
     * factors for the lasso): each named once (a review found them accepted in silence); svd's cutoff and an elastic
     * net's own l2 factors are used.
     */
    @Test
    void settingsNoTermOrSolverUsesAreNamed() {
        assertEquals(List.of("rankCutoff does nothing with solver cg (ignored)"),
                UnusedSettings.warnings(FitConfig.builder().solver(Solver.CG).rankCutoff(0.5).build()));
        assertEquals(List.of(), UnusedSettings.warnings(FitConfig.builder().solver(Solver.SVD).rankCutoff(0.5).build()));
        double[] f = {1, 2};
        assertEquals(List.of("penaltyFactors do nothing with penalty none (ignored)",
                "l2PenaltyFactors do nothing with penalty none (ignored)"),
                UnusedSettings.warnings(FitConfig.builder().penalty(Penalty.none().withPenaltyFactors(f).withL2PenaltyFactors(f)).build()));
        assertEquals(List.of("l2PenaltyFactors do nothing with an l1 ratio of 1: the penalty has no l2 term (ignored)"),
                UnusedSettings.warnings(FitConfig.builder().solver(Solver.CD).penalty(Penalty.l1(0.1).withL2PenaltyFactors(f)).build()));
        assertEquals(List.of(), UnusedSettings.warnings(FitConfig.builder().solver(Solver.CD)
                .penalty(Penalty.elasticNet(0.1, 0.5).withPenaltyFactors(f).withL2PenaltyFactors(f)).build()));
    }

    private static FittedModel svd(long rank, long rows, int cols, FitConfig config) {
        return new FittedModel(new double[cols], 0.5, Solver.SVD, "cpu", Precision.FLOAT64, rows, 0, StopReason.DIRECT_SOLUTION,
                new double[0], new double[0], Duration.ofMillis(5), Double.NaN, rank, config,
                new ConvergenceReport(false, new int[0], Double.NaN), 100);
    }

    @Test
    void anSvdFitBelowFullRankIsWarnedAboutWithTheCallersAdvice() {
        FitConfig svd = FitConfig.builder().solver(Solver.SVD).build();
        // the library's line, as it has always read (the cutoff max(m, n)·ε₆₄ = 100·2⁻⁵²)
        assertEquals("svd: X is rank deficient (rank 1 < 2: singular values ≤ 2.220446049250313E-14·σ_max count as zero); the "
                + "answer is the minimum-norm solution. If columns differ greatly in scale, this may drop real signal: rescale "
                + "them or lower the rank cutoff (FitConfig.Builder.rankCutoff).",
                RankDeficiencyWarning.of(svd(1, 100, 2, svd), RankDeficiencyWarning.LIBRARY_ADVICE).orElseThrow());
        // a front end's own advice
        assertTrue(RankDeficiencyWarning.of(svd(1, 100, 2, svd), "do this").orElseThrow()
                .endsWith("this may drop real signal: do this."));
        // full rank: min(m − 1, n) with an intercept, n with an l2 term; other solvers: nothing
        assertTrue(RankDeficiencyWarning.of(svd(2, 100, 2, svd), "x").isEmpty());
        assertTrue(RankDeficiencyWarning.of(svd(3, 4, 5, svd), "x").isEmpty(), "wide: m − 1 = 3 is full");
        assertEquals("svd: X is rank deficient (rank 3 < 4: singular values ≤ 1.1102230246251565E-15·σ_max count as zero); the "
                + "answer is the minimum-norm solution. If columns differ greatly in scale, this may drop real signal: x.",
                RankDeficiencyWarning.of(svd(3, 4, 5, svd.toBuilder().fitIntercept(false).build()), "x").orElseThrow());
        assertTrue(RankDeficiencyWarning.of(svd(3, 4, 5, svd.toBuilder().penalty(Penalty.l2(0.1)).build()), "x").isPresent(),
                "a ridge: full rank is n");
        assertTrue(RankDeficiencyWarning.of(model(Solver.CG, StopReason.CONVERGED, 3, new double[] {1, 0}, FitConfig.builder()
                .solver(Solver.CG).build(), Precision.FLOAT64, Double.NaN), "x").isEmpty());
    }
}
