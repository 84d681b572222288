package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.internal.CentredObjective;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.EpochRows;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.RowSlice;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * τ (the power of two y is scaled by in internal units) needed before any gradient pass — a stochastic fit's epochs, a
 * warm start — is measured from y alone ({@link ResidentProblem#targetSums}): no pass over X. A full-batch warm start's
 * stopping reference ‖∇(0)‖ is then measured by one pass at θ = 0 when first asked for, and equals the first gradient
 * norm of a cold start on the same problem. y is scaled by 2⁴⁰ so that τ ≠ 1.
 */
class TargetFactorFromYTest {
    static final int M = 193;
    static final int N = 6;

    @ParameterizedTest
    @EnumSource(Precision.class)
    void tauBeforeAnyPassReadsYAlone(Precision precision) {
        try (Dataset d = data(); ResidentProblem loaded = new CpuBackend().load(d, precision, TWO_THREADS)) {
            AtomicInteger passes = new AtomicInteger();
            ResidentProblem counted = countingGradientPasses(loaded, passes);
            try (CentredObjective objective = new CentredObjective(counted, true, false, Penalty.none(), true)) {
                objective.epochBuilder(EpochRows.of(1, 0, M, M, 2), 1); // needs τ
                assertNotEquals(1.0, objective.targetFactor(), "the case must need τ ≠ 1");
                assertEquals(0, passes.get(), "gradient passes over X to measure τ");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void aWarmStartsReferenceIsTheColdStartsFirstNorm(Precision precision) {
        try (Dataset d = data(); ResidentProblem problem = new CpuBackend().load(d, precision, TWO_THREADS);
             CentredObjective cold = new CentredObjective(problem, true, false, Penalty.none(), true);
             CentredObjective warm = new CentredObjective(problem, true, false, Penalty.none(), true);
             BackendVector theta = problem.allocateVector(N);
             BackendVector g = problem.allocateVector(N)) {
            cold.gradient(theta, RowSlice.all(), g);
            double coldNorm = cold.gradientNorm(g);
            assertTrue(Double.isNaN(cold.zeroStartGradientNorm()), "a cold start has no separate reference");
            double[] start = warm.startingPoint(new double[] {1, -2, 0.5, 3, 0, 1});
            theta.copyFromHost(start);
            warm.gradient(theta, RowSlice.all(), g);
            // float64: the cold start's pass at τ = 1 scaled by a power of two is the pass at τ (exact); float32 makes
            // the cold start's pass again at τ: the same pass in both
            assertEquals(coldNorm, warm.zeroStartGradientNorm(), 0.0, "‖∇(0)‖ of the warm start");
        }
    }

    /** X ~ N(j % 3, 1), y = Xβ + noise + 1.5, all times 2⁴⁰ (τ ≈ 2⁻⁴⁰). */
    private static Dataset data() {
        SplittableRandom r = new SplittableRandom(29);
        double[][] x = new double[M][N];
        double[] y = new double[M];
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                x[i][j] = r.nextGaussian() + (j % 3);
                y[i] += x[i][j] * (j + 1);
            }
            y[i] = (y[i] + r.nextGaussian() + 1.5) * 0x1p40;
        }
        return Dataset.of(x, y);
    }

    /** {@code problem} with every call passed on, counting {@link ResidentProblem#gradient} calls in {@code passes}. */
    private static ResidentProblem countingGradientPasses(ResidentProblem problem, AtomicInteger passes) {
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getName().equals("gradient")) {
                passes.incrementAndGet();
            }
            try {
                return method.invoke(problem, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (ResidentProblem) Proxy.newProxyInstance(ResidentProblem.class.getClassLoader(),
                new Class<?>[] {ResidentProblem.class}, h);
    }

    private static final BackendOptions TWO_THREADS = BackendOptions.builder().threads(2).build();
}
