package dev.downhill.internal.direct;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.GramSystem;
import dev.downhill.spi.HostGramSystem;
import dev.downhill.testing.ReferenceProblem;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Refinement ends on what it has seen, not on the bound alone. The float64 Gram matrix here is the exact one with its
 * diagonal 1 % too large — as inaccurate as a sparse Gram whose downdate cancelled a few digits, while its condition
 * estimate (small) promises that one correction leaves nothing: refinement contracts by ~1e-2 a step. It used to stop
 * after the first correction on that promise, θ still ~1e-4 off; now it goes on until the corrections it sees say the
 * answer is converged (the exact Gram's answer to a few ulps).
 */
class RefinementStopTest {
    private static final int M = 500;
    private static final int N = 6;

    /** The reference problem, its Gram pass returning G with the diagonal times {@code factor}. */
    private static final class InaccurateGram extends ReferenceProblem {
        private final double factor;

        InaccurateGram(Dataset data, double factor) {
            super(data);
            this.factor = factor;
        }

        @Override
        public GramSystem gramSystem(boolean centred, boolean float32Products) {
            CrossProducts exact = crossProducts(centred);
            double[] g = exact.gram();
            for (int j = 0; j < N; j++) {
                g[j + j * N] *= factor;
            }
            return new HostGramSystem(new CrossProducts(g, exact.moment()), denseKernels());
        }
    }

    @Test
    void anInaccurateGramMatrixIsRefinedUntilTheCorrectionsSayItConverged() {
        SplittableRandom r = new SplittableRandom(11);
        double[] x = new double[M * N];
        double[] y = new double[M];
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                x[i * N + j] = r.nextGaussian() * (1 + j);
                y[i] += x[i * N + j] * (j - 2.5);
            }
            y[i] += 4 + 0.5 * r.nextGaussian();
        }
        try (Dataset d = Dataset.ofRowMajor(x, M, N, y)) {
            DirectSolution exact = DirectLeastSquares.normalEquations(new InaccurateGram(d, 1), true, 1e12, null);
            DirectSolution refined = DirectLeastSquares.normalEquations(new InaccurateGram(d, 1.01), true, 1e12, null);
            double num = 0;
            double den = 0;
            for (int j = 0; j < N; j++) {
                double e = exact.coefficients()[j] - refined.coefficients()[j];
                num += e * e;
                den += exact.coefficients()[j] * exact.coefficients()[j];
            }
            // both refined in double-double on a well-conditioned problem: a few ulps apart
            assertTrue(Math.sqrt(num / den) < 1e-14, "relative distance " + Math.sqrt(num / den));
            assertTrue(refined.refinementSteps() >= 3, "steps " + refined.refinementSteps());
        }
    }
}
