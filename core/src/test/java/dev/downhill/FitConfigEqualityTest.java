package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.downhill.spi.BackendOptions;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@link FitConfig}'s value equality: over every setting, built any way; a setting changed makes it unequal. */
class FitConfigEqualityTest {
    private static final IterationListener LISTENER = (i, l, g) -> IterationListener.Control.CONTINUE;
    private static final Checkpoint CHECKPOINT = Checkpoint.to(Path.of("checkpoints"));

    /**
     * One change from the default per field of {@link FitConfig}, named by the field it sets. {@link #everyFieldHasAChange}
     * holds it to the class's declared fields, so a setting added without a line here fails the test.
     */
    private static Map<String, UnaryOperator<FitConfig.Builder>> changes() {
        Map<String, UnaryOperator<FitConfig.Builder>> c = new LinkedHashMap<>();
        c.put("solver", b -> b.solver(Solver.NESTEROV));
        c.put("learningRate", b -> b.learningRate(0.01));
        c.put("maxIterations", b -> b.maxIterations(5));
        c.put("batchSize", b -> b.batchSize(7));
        c.put("tolerance", b -> b.tolerance(1e-3));
        c.put("patience", b -> b.patience(9));
        c.put("initialCoefficients", b -> b.initialCoefficients(InitialCoefficients.random(3)));
        c.put("fitIntercept", b -> b.fitIntercept(false));
        c.put("precision", b -> b.precision(Precision.FLOAT32));
        c.put("backend", b -> b.backend("cpu"));
        c.put("seed", b -> b.seed(42));
        c.put("backendOptions", b -> b.threads(2));
        c.put("rankCutoff", b -> b.rankCutoff(1e-9));
        c.put("listener", b -> b.listener(LISTENER));
        c.put("standardize", b -> b.standardize(true));
        c.put("exactReference", b -> b.exactReference(true));
        c.put("standardErrors", b -> b.standardErrors(true));
        c.put("schedule", b -> b.schedule(LearningRateSchedule.adaptive()));
        c.put("validationFraction", b -> b.validationFraction(0.2));
        c.put("averageFrom", b -> b.averageFrom(5));
        c.put("directMemoryBudget", b -> b.directMemoryBudget(1 << 20));
        c.put("penalty", b -> b.penalty(Penalty.l2(0.5)));
        c.put("checkpoint", b -> b.checkpoint(CHECKPOINT));
        return c;
    }

    private static Set<String> settingFields() {
        return Arrays.stream(FitConfig.class.getDeclaredFields()).filter(f -> !Modifier.isStatic(f.getModifiers()))
                .map(Field::getName).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Object field(FitConfig c, String name) throws ReflectiveOperationException {
        Field f = FitConfig.class.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(c);
    }

    @Test
    void everyFieldHasAChange() {
        assertEquals(settingFields(), new TreeSet<>(changes().keySet()), "a FitConfig field without a change in this test");
    }

    @Test
    void eachSettingChangedMakesThemUnequal() throws ReflectiveOperationException {
        FitConfig defaults = FitConfig.builder().build();
        for (Map.Entry<String, UnaryOperator<FitConfig.Builder>> e : changes().entrySet()) {
            String name = e.getKey();
            FitConfig changed = e.getValue().apply(FitConfig.builder()).build();
            assertNotEquals(field(defaults, name), field(changed, name), name + ": the change does not set that field");
            assertNotEquals(defaults, changed, name);
            assertNotEquals(changed, defaults, name);
            assertNotEquals(defaults.toString(), changed.toString(), name + " is not in toString");
            // the same change made again, on a builder that went another way first, is equal and hashes alike
            FitConfig again = e.getValue().apply(FitConfig.builder().seed(99).build().toBuilder().seed(0)).build();
            assertEquals(changed, again, name);
            assertEquals(changed.hashCode(), again.hashCode(), name);
        }
    }

    @Test
    void equalConfigsBuiltTwoWaysAreEqualAndHashAlike() {
        FitConfig a = FitConfig.builder().solver(Solver.MINIBATCH).learningRate(LearningRate.of(0.05)).maxIterations(20)
                .batchSize(16).tolerance(1e-5).patience(3).initialCoefficients(InitialCoefficients.given(new double[] {1, 2}))
                .fitIntercept(false).precision(Precision.FLOAT32).backend("CPU").seed(7).threads(2).rankCutoff(1e-8)
                .listener(LISTENER).standardize(false).exactReference(true).schedule(LearningRateSchedule.inverseTime(5, 50))
                .validationFraction(0.1).averageFrom(3).directMemoryBudget(1 << 24).penalty(Penalty.elasticNet(0.1, 0.5))
                .checkpoint(CHECKPOINT).build();
        // the other way: the settings in another order, from another configuration's builder, with equal values made anew
        FitConfig b = FitConfig.builder().penalty(Penalty.l1(3)).build().toBuilder().checkpoint(CHECKPOINT)
                .penalty(Penalty.elasticNet(0.1, 0.5)).directMemoryBudget(1 << 24).averageFrom(3).validationFraction(0.1)
                .schedule(LearningRateSchedule.parse("invtime:5,50")).exactReference(true).standardize(false).listener(LISTENER)
                .rankCutoff(1e-8).backendOptions(BackendOptions.none().toBuilder().threads(2).build()).seed(7).backend(" cpu ")
                .precision(Precision.parse("f32")).fitIntercept(false).initialCoefficients(InitialCoefficients.given(new double[] {1, 2}))
                .patience(3).tolerance(1e-5).batchSize(16).maxIterations(20).learningRate(LearningRate.parse("0.05"))
                .solver(Solver.parse("minibatch")).build();
        assertEquals(a, b);
        assertEquals(b, a);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a, a.toBuilder().build());
        assertEquals(FitConfig.builder().build(), FitConfig.builder().build());
        assertEquals(FitConfig.builder().build().hashCode(), FitConfig.builder().build().hashCode());
        // -0.0 is stored as 0.0: one value, one equality
        assertEquals(FitConfig.builder().tolerance(0).build(), FitConfig.builder().tolerance(-0.0).build());
        assertEquals(FitConfig.builder().tolerance(0).build().hashCode(), FitConfig.builder().tolerance(-0.0).build().hashCode());
    }

    @Test
    void anExplicitValueIsNotTheDefaultItMatches() {
        assertNotEquals(FitConfig.builder().build(), FitConfig.builder().maxIterations(FitConfig.DEFAULT_GD_ITERATIONS).build());
    }

    /** The listener and the checkpoint compare as objects: a lambda by identity, a checkpoint by identity (its stop flag). */
    @Test
    void theListenerAndTheCheckpointCompareByIdentity() {
        IterationListener other = (i, l, g) -> IterationListener.Control.CONTINUE;
        assertNotEquals(FitConfig.builder().listener(LISTENER).build(), FitConfig.builder().listener(other).build());
        assertNotEquals(FitConfig.builder().checkpoint(Checkpoint.to(Path.of("c"))).build(),
                FitConfig.builder().checkpoint(Checkpoint.to(Path.of("c"))).build());
        assertEquals(FitConfig.builder().checkpoint(Checkpoint.none()).build(), FitConfig.builder().build());
    }

    @Test
    void neverEqualToAnotherType() {
        assertNotEquals(FitConfig.builder().build(), null);
        assertNotEquals(FitConfig.builder().build(), "FitConfig");
    }
}
