package dev.downhill.internal.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.GramSystem;
import dev.downhill.spi.HostGramSystem;
import dev.downhill.testing.ReferenceProblem;
import java.nio.DoubleBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The normal-equations solver's safety net for a Gram matrix of float32 products: it keeps such a G only when
 * refinement with it converges to full accuracy, and otherwise makes the float64 Gram pass. The "float32" G here is
 * the reference backend's exact one, perturbed on purpose: by a few u₃₂ (kept — one Gram pass) or with its diagonal
 * 30% too large (refinement then contracts by ~0.2 a step, short of ε in the steps allowed — dropped, and the float64
 * pass answers). Either way the answer is the float64 route's to a few ulps.
 */
class Float32GramFallbackTest {
    private static final int M = 600;
    private static final int N = DirectLeastSquares.FLOAT32_PRODUCTS_MIN_COLUMNS;

    /** The reference problem, whose float32-product Gram pass returns its exact G disturbed by {@code perturbation}. */
    private static final class DisturbedGram extends ReferenceProblem {
        private final double diagonalFactor;
        private final double relativeNoise;
        int float32Passes;
        int float64Passes;

        DisturbedGram(Dataset data, double diagonalFactor, double relativeNoise) {
            super(data);
            this.diagonalFactor = diagonalFactor;
            this.relativeNoise = relativeNoise;
        }

        @Override
        public GramSystem gramSystem(boolean centred, boolean float32Products) {
            if (!float32Products) {
                float64Passes++;
                return super.gramSystem(centred, false);
            }
            float32Passes++;
            CrossProducts exact = crossProducts(centred);
            double[] g = exact.gram();
            SplittableRandom r = new SplittableRandom(9);
            for (int i = 0; i < N; i++) {
                for (int j = 0; j <= i; j++) { // symmetric: the same disturbance in both triangles
                    double v = g[i + j * N] * (i == j ? diagonalFactor : 1) * (1 + relativeNoise * (2 * r.nextDouble() - 1));
                    g[i + j * N] = v;
                    g[j + i * N] = v;
                }
            }
            GramSystem inner = new HostGramSystem(new CrossProducts(g, exact.moment()), denseKernels());
            return new GramSystem() { // the same system, saying it holds float32 products
                @Override
                public int size() {
                    return inner.size();
                }

                @Override
                public double unitRoundoff() {
                    return FLOAT32_ROUNDOFF;
                }

                @Override
                public DoubleBuffer lower() {
                    return inner.lower();
                }

                @Override
                public double[] moment() {
                    return inner.moment();
                }

                @Override
                public int cholesky() {
                    return inner.cholesky();
                }

                @Override
                public double inverseNormEstimate() {
                    return inner.inverseNormEstimate();
                }

                @Override
                public void close() {
                    inner.close();
                }
            };
        }
    }

    private static Dataset data() {
        SplittableRandom r = new SplittableRandom(4);
        double[] x = new double[M * N];
        double[] y = new double[M];
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                x[i * N + j] = 3 + (j % 5) + r.nextGaussian();
                y[i] += x[i * N + j] * ((j % 7) - 3) * 0.1;
            }
            y[i] += 2 + 0.3 * r.nextGaussian();
        }
        return Dataset.ofRowMajor(x, M, N, y);
    }

    private static double[] solve(DisturbedGram problem) {
        DirectSolution s = DirectLeastSquares.normalEquations(problem, true, 1e12, null);
        double[] out = java.util.Arrays.copyOf(s.coefficients(), N + 1);
        out[N] = s.intercept();
        return out;
    }

    private static void assertSameAnswer(double[] expected, double[] actual, String what) {
        double num = 0;
        double den = 0;
        for (int k = 0; k < expected.length; k++) {
            num += (expected[k] - actual[k]) * (expected[k] - actual[k]);
            den += expected[k] * expected[k];
        }
        // both refined in double-double on a well-conditioned problem: within a few ulps of the exact answer
        assertTrue(Math.sqrt(num / den) < 1e-14, what + ": relative distance " + Math.sqrt(num / den));
    }

    @Test
    void aGramMatrixAFewFloat32UlpsOffIsKept() {
        try (Dataset d = data()) {
            DisturbedGram exact = new DisturbedGram(d, 1, 0);
            DisturbedGram close = new DisturbedGram(d, 1, 4 * GramSystem.FLOAT32_ROUNDOFF);
            double[] reference = solve(exact);
            assertSameAnswer(reference, solve(close), "a few u₃₂ off");
            assertEquals(1, close.float32Passes);
            assertEquals(0, close.float64Passes, "refinement converged with the float32 G: no float64 pass");
        }
    }

    @Test
    void aGramMatrixRefinementCannotConvergeWithIsDroppedForTheFloat64Pass() {
        try (Dataset d = data()) {
            double[] reference = solve(new DisturbedGram(d, 1, 0));
            DisturbedGram far = new DisturbedGram(d, 1.3, 0);
            assertSameAnswer(reference, solve(far), "diagonal 30% off");
            assertEquals(1, far.float32Passes);
            assertEquals(1, far.float64Passes, "refinement with the disturbed G fell short of ε: the float64 pass answered");
        }
    }
}
