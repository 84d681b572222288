package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.ModelFile;
import dev.downhill.Penalty;
import dev.downhill.Solver;
import dev.downhill.testing.ExactLeastSquares;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A penalty whose l2 term has factors of its own ({@link Penalty#withL2PenaltyFactors}: αρΣpⱼ|θⱼ| + (α(1−ρ)/2)Σqⱼθⱼ²,
 * what Spark's elastic net with standardization needs): the ridge part against its exact normal equations in 60-digit
 * BigDecimal on every solver that takes it, the elastic net by two independent algorithms (coordinate descent on the
 * Gram matrix and the proximal gradient), and the model file keeps q.
 */
class SeparateL2FactorsTest {
    @TempDir
    Path dir;

    private static final int M = 60;
    private static final int N = 5;

    private static double[][] x;
    private static double[] y;

    static {
        SplittableRandom r = new SplittableRandom(23);
        x = new double[M][N];
        y = new double[M];
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                x[i][j] = r.nextGaussian() * (1 + j) + (j == 1 ? 2 : 0);
            }
            y[i] = x[i][0] - 0.5 * x[i][3] + 0.2 * x[i][4] + r.nextGaussian();
        }
    }

    @Test
    void ridgeWithItsOwnFactorsMatchesItsExactNormalEquations() {
        double alpha = 0.2;
        double[] p = {3, 3, 3, 3, 3}; // the l1 term's factors: no effect on a pure ridge with its own factors
        double[] q = {0.5, 2, 0, 1, 4};
        double[] ridge = new double[N];
        for (int j = 0; j < N; j++) {
            ridge[j] = M * alpha * q[j];
        }
        double[] exact = ExactLeastSquares.solveRidge(x, y, true, ridge);
        Penalty penalty = Penalty.l2(alpha).withPenaltyFactors(p).withL2PenaltyFactors(q);
        try (Dataset d = Dataset.of(x, y)) {
            for (Solver s : new Solver[] {Solver.NORMAL, Solver.SVD, Solver.CG, Solver.NESTEROV}) {
                FittedModel model = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(s).penalty(penalty)
                        .tolerance(1e-13).maxIterations(200_000).build());
                double tolerance = s.isIterative() ? 1e-9 : 1e-12; // refined direct solves; iterative stopped at 1e-13
                for (int j = 0; j < N; j++) {
                    assertEquals(exact[j], model.coefficient(j), tolerance * (1 + Math.abs(exact[j])), s + " θ" + j);
                }
                assertEquals(exact[N], model.intercept(), tolerance * (1 + Math.abs(exact[N])), s + " b");
            }
        }
    }

    @Test
    void elasticNetWithSeparateFactorsAgreesAcrossAlgorithmsAndSurvivesTheModelFile() {
        double[] p = {1, 0.5, 2, 1, 1};
        double[] q = {1, 0.25, 4, 1, 1}; // pⱼ², as Spark's standardization makes them
        Penalty penalty = Penalty.elasticNet(0.3, 0.4).withPenaltyFactors(p).withL2PenaltyFactors(q);
        assertNotEquals(Penalty.elasticNet(0.3, 0.4).withPenaltyFactors(p), penalty);
        try (Dataset d = Dataset.of(x, y)) {
            FittedModel cd = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.CD).penalty(penalty)
                    .tolerance(1e-14).maxIterations(100_000).build());
            FittedModel proximal = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.NESTEROV)
                    .penalty(penalty).tolerance(1e-14).maxIterations(200_000).build());
            FittedModel sameFactors = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.CD)
                    .penalty(Penalty.elasticNet(0.3, 0.4).withPenaltyFactors(p)).tolerance(1e-14).maxIterations(100_000).build());
            for (int j = 0; j < N; j++) { // two algorithms, one objective: to their stopping tolerances
                assertEquals(cd.coefficient(j), proximal.coefficient(j), 1e-8, "θ" + j);
            }
            assertEquals(cd.intercept(), proximal.intercept(), 1e-8);
            double differ = 0;
            for (int j = 0; j < N; j++) {
                differ = Math.max(differ, Math.abs(cd.coefficient(j) - sameFactors.coefficient(j)));
            }
            org.junit.jupiter.api.Assertions.assertTrue(differ > 1e-4, "q changes the answer: " + differ);
            Path file = dir.resolve("m.json");
            ModelFile.write(file, cd, null);
            Penalty read = ModelFile.read(file).model().config().penalty();
            assertEquals(penalty, read);
            assertArrayEquals(q, read.l2PenaltyFactors(), 0);
        }
    }
}
