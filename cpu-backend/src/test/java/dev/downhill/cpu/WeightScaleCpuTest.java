package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.downhill.CrossValidation;
import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.testing.ExactLeastSquares;
import dev.downhill.testing.TestData;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Only the weights' ratios enter a fit, and core hands the backend weights far from 1 multiplied by a power of two
 * ({@code WeightScale}): weights w·2⁻⁴⁹⁰ and w·2³⁰⁰ give the bits of w on every solver, path and cross-validation,
 * and the model records the caller's Σw. X and y sit at 2⁻³⁰⁰ so that, unscaled, the products wᵢxᵢⱼ² (2⁻¹⁰⁹⁰) would
 * underflow: the gradient solvers returned θ = 0 "converged" there (a reviewer's F4, with weights 1e-150 on X 1e-90).
 */
class WeightScaleCpuTest {
    private static final int M = 300;
    private static final int N = 5;
    private static final double X_SCALE = 0x1p-300;
    private static final double[] WEIGHT_SCALES = {1, 0x1p-490, 0x1p300};

    private static double[][] x() {
        SplittableRandom r = new SplittableRandom(5);
        double[][] x = new double[M][N];
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                x[i][j] = (r.nextGaussian() + (j == 1 ? 2 : 0)) * X_SCALE;
            }
        }
        return x;
    }

    private static double[] y(double[][] x) {
        SplittableRandom r = new SplittableRandom(6);
        double[] y = new double[M];
        for (int i = 0; i < M; i++) {
            y[i] = (3 + x[i][0] / X_SCALE - 2 * x[i][3] / X_SCALE + 0.5 * x[i][4] / X_SCALE + 0.3 * r.nextGaussian()) * X_SCALE;
        }
        return y;
    }

    /** Weights with mean in [1, 2) (so w itself is used as given), times {@code scale}. */
    private static double[] weights(double scale) {
        SplittableRandom r = new SplittableRandom(7);
        double[] w = new double[M];
        for (int i = 0; i < M; i++) {
            w[i] = (0.5 + 2 * r.nextDouble()) * scale;
        }
        return w;
    }

    private static double sum(double[] w) {
        double s = 0;
        for (double v : w) {
            s += v;
        }
        return s;
    }

    @Test
    void weightsScaledByAPowerOfTwoGiveTheSameBitsOnEverySolver() {
        double[][] x = x();
        double[] y = y(x);
        double[] exact = ExactLeastSquares.solve(x, y, weights(1), true, null);
        Object[][] cases = {
            {Solver.NORMAL, Penalty.none()}, {Solver.SVD, Penalty.none()}, {Solver.AUTO, Penalty.none()},
            {Solver.CG, Penalty.none()}, {Solver.GD, Penalty.none()}, {Solver.NESTEROV, Penalty.none()},
            {Solver.SGD, Penalty.none()}, {Solver.MINIBATCH, Penalty.none()}, {Solver.CG, Penalty.l2(0.1)},
            {Solver.CD, Penalty.elasticNet(0.01, 0.5)}, {Solver.NESTEROV, Penalty.l1(0.01)},
        };
        for (Object[] c : cases) {
            Solver solver = (Solver) c[0];
            FitConfig config = FitConfig.builder().backend("cpu").threads(2).solver(solver).penalty((Penalty) c[1]).seed(3)
                    .maxIterations(solver == Solver.SGD || solver == Solver.MINIBATCH ? 40 : 20_000).build();
            FittedModel reference = null;
            for (double scale : WEIGHT_SCALES) {
                double[] w = weights(scale);
                FittedModel model;
                try (Dataset d = Dataset.of(x, y, w)) {
                    model = LinearRegression.fit(d, config);
                }
                String what = solver + " " + c[1] + " weights ×" + scale;
                assertEquals(sum(w), model.trainingWeightSum(), what + ": the caller's Σw");
                if (reference == null) {
                    reference = model;
                    if (!((Penalty) c[1]).isActive() && solver != Solver.SGD && solver != Solver.MINIBATCH) {
                        for (int j = 0; j < N; j++) { // not θ = 0: the least-squares answer (iterative: tol 1e-10 → 1e-7)
                            assertEquals(exact[j], model.coefficient(j), 1e-7 * (1 + Math.abs(exact[j])), what + " θ" + j);
                        }
                    }
                } else {
                    assertArrayEquals(reference.coefficients(), model.coefficients(), what);
                    assertEquals(reference.intercept(), model.intercept(), what);
                    assertEquals(reference.iterations(), model.iterations(), what);
                }
            }
        }
    }

    @Test
    void crossValidationAndSparseFitsGiveTheSameBitsWithScaledWeights() {
        double[][] x = x();
        double[] y = y(x);
        FitConfig lasso = FitConfig.builder().backend("cpu").threads(2).penalty(Penalty.elasticNet(1, 0.7)).build();
        FitConfig ridge = FitConfig.builder().backend("cpu").threads(2).penalty(Penalty.l2(1)).build();
        FittedModel[] reference = new FittedModel[4];
        for (double scale : WEIGHT_SCALES) {
            double[] w = weights(scale);
            FittedModel[] models = new FittedModel[4];
            try (Dataset d = Dataset.of(x, y, w)) {
                models[0] = CrossValidation.fit(d, lasso, 4, CrossValidation.Rule.MIN); // the Gram path: folds subtract
                models[1] = CrossValidation.fit(d, ridge, 4, CrossValidation.Rule.MIN);
            }
            try (SparseDataset s = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y).withWeights(w)) {
                models[2] = LinearRegression.fit(s, FitConfig.builder().backend("cpu").threads(2).solver(Solver.CG).build());
                models[3] = CrossValidation.fit(s, lasso, 4, CrossValidation.Rule.MIN);
            }
            for (int k = 0; k < models.length; k++) {
                String what = "case " + k + " weights ×" + scale;
                // the caller's Σw (the sparse backend sums in its own order: 1e-15)
                assertEquals(sum(w), models[k].trainingWeightSum(), 1e-15 * sum(w), what + ": the caller's Σw");
                if (reference[k] == null) {
                    reference[k] = models[k];
                    continue;
                }
                assertArrayEquals(reference[k].coefficients(), models[k].coefficients(), what);
                assertEquals(reference[k].intercept(), models[k].intercept(), what);
                assertEquals(Math.scalb(reference[k].trainingWeightSum(), Math.getExponent(scale)), models[k].trainingWeightSum(), what);
                if (reference[k].report().crossValidation() != null) {
                    assertArrayEquals(reference[k].report().crossValidation().alphas(), models[k].report().crossValidation().alphas(), what);
                    assertArrayEquals(reference[k].report().crossValidation().meanMse(), models[k].report().crossValidation().meanMse(), what);
                }
            }
        }
    }
}
