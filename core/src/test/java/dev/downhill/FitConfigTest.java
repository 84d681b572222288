package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class FitConfigTest {

    private static void assertRejects(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
        }
    }

    /**
     * The default standardization (tall X): on with an automatic η or cg, off with a fixed η the steps use — but a fixed η
     * under an inverse-time schedule, which sgd and minibatch do not use (steps t₀/(t + t₁)), counts as automatic, as the
     * command line, which drops it there, sees it. Wide X stays off; an explicit setting decides.
     */
    @Test
    void aFixedRateTheScheduleDoesNotUseDoesNotTurnStandardizationOff() {
        LearningRateSchedule invtime = LearningRateSchedule.inverseTime(0.5, 100);
        for (Solver s : new Solver[] {Solver.SGD, Solver.MINIBATCH}) {
            FitConfig fixed = FitConfig.builder().solver(s).schedule(invtime).learningRate(0.01).build();
            assertFalse(fixed.fixedLearningRateUsed(), s.cliName());
            assertTrue(fixed.standardize(100, 5), s.cliName());
            assertEquals(fixed.toBuilder().learningRate(LearningRate.auto()).build().standardize(100, 5), fixed.standardize(100, 5));
            assertFalse(fixed.standardize(5, 100), "wide X: off either way");
            assertFalse(fixed.toBuilder().standardize(false).build().standardize(100, 5));
            for (LearningRateSchedule used : new LearningRateSchedule[] {LearningRateSchedule.constant(),
                    LearningRateSchedule.inverseScaling(0.5), LearningRateSchedule.adaptive()}) {
                FitConfig c = fixed.toBuilder().schedule(used).build();
                assertTrue(c.fixedLearningRateUsed(), used.toString());
                assertFalse(c.standardize(100, 5), used + ": a fixed η the steps use turns it off");
            }
        }
        // the full-batch solvers have no schedule: a fixed η is theirs whatever schedule is configured
        FitConfig gd = FitConfig.builder().solver(Solver.GD).schedule(invtime).learningRate(0.01).build();
        assertTrue(gd.fixedLearningRateUsed());
        assertFalse(gd.standardize(100, 5));
        assertFalse(FitConfig.builder().solver(Solver.SGD).schedule(invtime).build().fixedLearningRateUsed(), "auto");
        assertTrue(FitConfig.builder().solver(Solver.CG).learningRate(0.01).build().standardize(100, 5), "cg has no η");
    }

    @Test
    void learningRateMustBeFinitePositive() {
        assertRejects(() -> FitConfig.builder().learningRate(0.0), "learning rate", "0.0");
        assertRejects(() -> FitConfig.builder().learningRate(-0.5), "learning rate", "-0.5");
        assertRejects(() -> FitConfig.builder().learningRate(Double.NaN), "learning rate", "NaN");
        assertRejects(() -> FitConfig.builder().learningRate(Double.POSITIVE_INFINITY), "learning rate", "Infinity");
        assertRejects(() -> FitConfig.builder().learningRate(Double.NEGATIVE_INFINITY), "learning rate", "-Infinity");
        assertRejects(() -> LearningRate.of(-1e-300), "-1.0E-300");
        assertThrows(NullPointerException.class, () -> FitConfig.builder().learningRate((LearningRate) null));
        assertEquals(Double.MIN_VALUE, FitConfig.builder().learningRate(Double.MIN_VALUE).build().learningRate().value());
    }

    @Test
    void batchSizeMustBePositive() {
        assertRejects(() -> FitConfig.builder().batchSize(0), "batch size", "0");
        assertRejects(() -> FitConfig.builder().batchSize(-3), "batch size", "-3");
        assertEquals(1, FitConfig.builder().batchSize(1).build().configuredBatchSize());
    }

    @Test
    void maxIterationsMustBePositive() {
        assertRejects(() -> FitConfig.builder().maxIterations(0), "max iterations", "0");
        assertRejects(() -> FitConfig.builder().maxIterations(-10), "max iterations", "-10");
        assertRejects(() -> FitConfig.builder().maxIterations(Long.MIN_VALUE), String.valueOf(Long.MIN_VALUE));
        assertEquals(1, FitConfig.builder().maxIterations(1).build().maxIterations());
    }

    @Test
    void toleranceMustLieInZeroToOne() {
        assertRejects(() -> FitConfig.builder().tolerance(-1e-9), "tolerance", "-1.0E-9");
        assertRejects(() -> FitConfig.builder().tolerance(Double.NaN), "tolerance", "NaN");
        assertRejects(() -> FitConfig.builder().tolerance(Double.POSITIVE_INFINITY), "tolerance", "Infinity");
        // 1 or more stopped before the first step and reported θ = 0 as converged (the CLI refused it; the library did not)
        assertRejects(() -> FitConfig.builder().tolerance(1), "[0, 1)", "1.0");
        assertRejects(() -> FitConfig.builder().tolerance(5), "[0, 1)");
        assertEquals(0.999, FitConfig.builder().tolerance(0.999).build().tolerance());
        assertEquals(0.0, FitConfig.builder().tolerance(0).build().tolerance());
    }

    @Test
    void patienceMustBePositive() {
        assertRejects(() -> FitConfig.builder().patience(0), "patience", "0");
        assertRejects(() -> FitConfig.builder().patience(-2), "patience", "-2");
    }

    @Test
    void threadsMustBeNonNegative() {
        assertRejects(() -> FitConfig.builder().threads(-1), "threads", "-1");
        assertEquals(0, FitConfig.builder().threads(0).build().threads());
        assertEquals(3, FitConfig.builder().threads(3).build().threads());
    }

    @Test
    void rankCutoffMustBeInUnitInterval() {
        assertRejects(() -> FitConfig.builder().rankCutoff(-0.1), "rank cutoff", "-0.1");
        assertRejects(() -> FitConfig.builder().rankCutoff(1.0), "rank cutoff", "1.0");
        assertRejects(() -> FitConfig.builder().rankCutoff(2.5), "rank cutoff", "2.5");
        assertRejects(() -> FitConfig.builder().rankCutoff(Double.NaN), "rank cutoff", "NaN");
        assertEquals(0.0, FitConfig.builder().rankCutoff(0).build().rankCutoff());
        assertEquals(0.5, FitConfig.builder().rankCutoff(0.5).build().rankCutoff(10, 10));
    }

    /**
     * sgd's batches are one row whatever batchSize says: a larger one is accepted (one configuration can serve several
     * solvers; the fit warns that sgd ignores it, {@link UnusedSettings}) and sgd still steps on one row.
     */
    @Test
    void sgdIgnoresALargerBatchSizeWithAWarning() {
        FitConfig sgd = FitConfig.builder().solver(Solver.SGD).batchSize(8).build();
        assertEquals(1, sgd.batchSize(1000));
        assertEquals(java.util.List.of("batchSize does nothing with solver sgd (ignored)"), UnusedSettings.warnings(sgd));
        FitConfig ok = FitConfig.builder().solver(Solver.SGD).batchSize(1).build();
        assertEquals(1, ok.batchSize(1000));
        assertEquals(java.util.List.of(), UnusedSettings.warnings(ok));
        FitConfig mb = FitConfig.builder().solver(Solver.MINIBATCH).batchSize(8).build();
        assertEquals(8, mb.batchSize(1000));
        assertEquals(1, mb.toBuilder().solver(Solver.SGD).build().batchSize(1000));
    }

    @Test
    void nullsAreRejected() {
        assertThrows(NullPointerException.class, () -> FitConfig.builder().solver(null));
        assertThrows(NullPointerException.class, () -> FitConfig.builder().initialCoefficients(null));
        assertThrows(NullPointerException.class, () -> FitConfig.builder().listener(null));
    }

    /** As the class Javadoc says: every setter without a meaning for null throws NullPointerException naming its argument. */
    @Test
    void everyNullWithoutAMeaningIsANullPointerExceptionNamingTheArgument() {
        java.util.Map<String, Executable> setters = new java.util.LinkedHashMap<>();
        setters.put("solver", () -> FitConfig.builder().solver(null));
        setters.put("learningRate", () -> FitConfig.builder().learningRate((LearningRate) null));
        setters.put("penalty", () -> FitConfig.builder().penalty(null));
        setters.put("initialCoefficients", () -> FitConfig.builder().initialCoefficients(null));
        setters.put("listener", () -> FitConfig.builder().listener(null));
        setters.put("schedule", () -> FitConfig.builder().schedule(null));
        setters.put("backendOptions", () -> FitConfig.builder().backendOptions(null));
        setters.put("checkpoint", () -> FitConfig.builder().checkpoint(null));
        setters.forEach((name, call) -> assertEquals(name, assertThrows(NullPointerException.class, call).getMessage()));
        // null means "the default" where the Javadoc says so
        FitConfig defaults = FitConfig.builder().precision(null).backend(null).standardize(null).build();
        assertNull(defaults.precision());
        assertNull(defaults.backend());
        assertNull(defaults.standardizeSetting());
    }

    @Test
    void aBackendNameIsCheckedForItsFormHereAndForItsExistenceWhenTheDataAreLoaded() {
        assertNull(FitConfig.builder().backend(" Auto ").build().backend());
        assertEquals("cpu", FitConfig.builder().backend(" cpu ").build().backend());
        assertRejects(() -> FitConfig.builder().backend("cpu, cuda"), "backend name 'cpu, cuda' is not a name");
        FitConfig bogus = FitConfig.builder().backend("bogus").build(); // the class path decides: checked when loading
        try (Dataset d = Dataset.of(new double[][] {{1}, {2}, {3}}, new double[] {1, 2, 3})) {
            dev.downhill.spi.BackendUnavailableException e = assertThrows(dev.downhill.spi.BackendUnavailableException.class,
                    () -> LinearRegression.load(d, bogus));
            assertTrue(e.getMessage().startsWith("unknown backend 'bogus'. Backends:"), e.getMessage());
        }
    }

    @Test
    void defaultsForGradientDescent() {
        assertEquals(Solver.AUTO, FitConfig.builder().build().solver(), "the default solver is chosen per problem");
        FitConfig c = FitConfig.builder().solver(Solver.GD).build();
        assertEquals(Solver.GD, c.solver());
        assertTrue(c.learningRate().isAuto());
        assertEquals(10_000, c.maxIterations());
        assertEquals(1e-10, c.tolerance());
        assertEquals(1e-6, c.tolerance(Precision.FLOAT32));
        assertEquals(5, c.patience());
        assertEquals(0, c.configuredBatchSize());
        for (long m : new long[] {1, 7, 32, 33, 1_000_000, 5_000_000_000L}) {
            assertEquals(m, c.batchSize(m), "GD uses all rows");
        }
        assertSame(InitialCoefficients.zeros(), c.initialCoefficients());
        assertTrue(c.fitIntercept());
        assertNull(c.precision());
        assertNull(c.backend());
        assertEquals(0, c.seed());
        assertEquals(0, c.threads());
        assertTrue(Double.isNaN(c.rankCutoff()));
        assertSame(IterationListener.NONE, c.listener());
        // rank cutoff default: max(m, n)·ε₆₄, ε₆₄ = 2⁻⁵²
        assertEquals(1000 * 0x1p-52, c.rankCutoff(1000, 20));
        assertEquals(3000 * 0x1p-52, c.rankCutoff(10, 3000));
    }

    @Test
    void defaultsForStochasticSolvers() {
        FitConfig sgd = FitConfig.builder().solver(Solver.SGD).build();
        assertEquals(1_000, sgd.maxIterations());
        assertEquals(1e-4, sgd.tolerance());
        for (long m : new long[] {1, 7, 32, 1000}) {
            assertEquals(1, sgd.batchSize(m));
        }
        FitConfig mb = FitConfig.builder().solver(Solver.MINIBATCH).build();
        assertEquals(1_000, mb.maxIterations());
        assertEquals(1e-4, mb.tolerance());
        long[] rows = {1, 7, 31, 32, 33, 1000, 5_000_000_000L};
        for (long m : rows) {
            assertEquals(Math.min(32, m), mb.batchSize(m), "minibatch default for m=" + m);
        }
        FitConfig mb10 = FitConfig.builder().solver(Solver.MINIBATCH).batchSize(10).build();
        assertEquals(10, mb10.batchSize(1000));
        // GD ignores a configured batch size
        assertEquals(1000, FitConfig.builder().batchSize(10).build().batchSize(1000));
    }

    @Test
    void explicitValuesOverrideTheSolverDefaults() {
        FitConfig c = FitConfig.builder().solver(Solver.SGD).maxIterations(7).tolerance(0.25).build();
        assertEquals(7, c.maxIterations());
        assertEquals(0.25, c.tolerance());
        // switching solver keeps explicit values but re-derives defaults
        FitConfig d = FitConfig.builder().solver(Solver.SGD).build().toBuilder().solver(Solver.GD).build();
        assertEquals(10_000, d.maxIterations());
        assertEquals(FitConfig.DEFAULT_GD_TOLERANCE, d.tolerance());
    }

    @Test
    void backendNameNormalisation() {
        assertNull(FitConfig.builder().backend("auto").build().backend());
        assertNull(FitConfig.builder().backend("AUTO").build().backend());
        assertNull(FitConfig.builder().backend("  ").build().backend());
        assertNull(FitConfig.builder().backend(null).build().backend());
        assertEquals("cpu", FitConfig.builder().backend(" cpu ").build().backend());
    }

    @Test
    void toBuilderRoundTripsEveryField() {
        IterationListener listener = (iteration, loss, gradientNorm) -> IterationListener.Control.CONTINUE;
        InitialCoefficients init = InitialCoefficients.random(9);
        FitConfig a = FitConfig.builder()
                .solver(Solver.MINIBATCH)
                .learningRate(0.125)
                .maxIterations(77)
                .batchSize(16)
                .tolerance(1e-3)
                .patience(9)
                .initialCoefficients(init)
                .fitIntercept(false)
                .precision(Precision.FLOAT32)
                .backend("cpu")
                .seed(-123456789L)
                .threads(2)
                .rankCutoff(1e-9)
                .listener(listener)
                .build();
        FitConfig b = a.toBuilder().build();
        assertEquals(Solver.MINIBATCH, b.solver());
        assertEquals(LearningRate.of(0.125), b.learningRate());
        assertEquals(77, b.maxIterations());
        assertEquals(16, b.configuredBatchSize());
        assertEquals(16, b.batchSize(1000));
        assertEquals(1e-3, b.tolerance());
        assertEquals(9, b.patience());
        assertSame(init, b.initialCoefficients());
        assertFalse(b.fitIntercept());
        assertEquals(Precision.FLOAT32, b.precision());
        assertEquals("cpu", b.backend());
        assertEquals(-123456789L, b.seed());
        assertEquals(2, b.threads());
        assertEquals(1e-9, b.rankCutoff());
        assertSame(listener, b.listener());
        assertEquals(a.toString(), b.toString());

        // the builder is a copy: changing it leaves the original alone
        FitConfig c = a.toBuilder().seed(5).patience(1).build();
        assertEquals(-123456789L, a.seed());
        assertEquals(9, a.patience());
        assertEquals(5, c.seed());

        // defaults (unset values) survive a round trip as defaults, not as frozen numbers
        FitConfig d = FitConfig.builder().build().toBuilder().solver(Solver.MINIBATCH).build();
        assertEquals(1_000, d.maxIterations());
        assertEquals(20, d.batchSize(20));
        assertTrue(Double.isNaN(d.rankCutoff()));
    }

    @Test
    void learningRateParse() {
        assertTrue(LearningRate.parse("auto").isAuto());
        assertTrue(LearningRate.parse("  AUTO ").isAuto());
        assertSame(LearningRate.auto(), LearningRate.parse("Auto"));
        assertEquals(0.01, LearningRate.parse("0.01").value());
        assertEquals(1e-3, LearningRate.parse(" 1e-3 ").value());
        assertEquals(2.0, LearningRate.parse("2").value());
        assertEquals(LearningRate.of(0.5), LearningRate.parse("0.5"));
        assertEquals(LearningRate.of(0.5).hashCode(), LearningRate.parse("0.5").hashCode());
        assertFalse(LearningRate.of(0.5).equals(LearningRate.auto()));
        assertEquals("auto", LearningRate.auto().toString());
        assertEquals("0.5", LearningRate.of(0.5).toString());
        assertRejects(() -> LearningRate.parse("fast"), "'fast'");
        assertRejects(() -> LearningRate.parse(""), "''");
        assertRejects(() -> LearningRate.parse("0"), "0.0");
        assertRejects(() -> LearningRate.parse("-0.1"), "-0.1");
        assertRejects(() -> LearningRate.parse("nan"), "nan");
        assertRejects(() -> LearningRate.parse("1e999"), "Infinity");
        assertThrows(IllegalStateException.class, () -> LearningRate.auto().value());
    }

    @Test
    void solverParse() {
        assertEquals(Solver.GD, Solver.parse("gd"));
        assertEquals(Solver.SGD, Solver.parse("SGD"));
        assertEquals(Solver.MINIBATCH, Solver.parse(" minibatch "));
        assertEquals(Solver.MINIBATCH, Solver.parse("mini-batch"));
        assertEquals(Solver.NORMAL, Solver.parse("Normal"));
        assertEquals(Solver.SVD, Solver.parse("svd"));
        for (Solver s : Solver.values()) {
            assertEquals(s, Solver.parse(s.cliName()), "cliName round trip of " + s);
        }
        assertRejects(() -> Solver.parse("adam"), "'adam'", "gd, nesterov, cg, sgd, minibatch, normal, svd or cd");
        assertRejects(() -> Solver.parse(""), "''");
        assertTrue(Solver.GD.isIterative() && !Solver.GD.isStochastic());
        assertTrue(Solver.SGD.isIterative() && Solver.SGD.isStochastic());
        assertTrue(Solver.MINIBATCH.isIterative() && Solver.MINIBATCH.isStochastic());
        assertFalse(Solver.NORMAL.isIterative() || Solver.NORMAL.isStochastic());
        assertFalse(Solver.SVD.isIterative() || Solver.SVD.isStochastic());
    }

    @Test
    void precisionParse() {
        for (String s : new String[] {"float32", "FLOAT32", " f32 ", "single"}) {
            assertEquals(Precision.FLOAT32, Precision.parse(s), s);
        }
        for (String s : new String[] {"float64", "Float64", "f64", "double"}) {
            assertEquals(Precision.FLOAT64, Precision.parse(s), s);
        }
        assertRejects(() -> Precision.parse("float16"), "'float16'", "float32 or float64");
        assertRejects(() -> Precision.parse("int"), "'int'");
        assertEquals(4, Precision.FLOAT32.bytes());
        assertEquals(8, Precision.FLOAT64.bytes());
    }
}
