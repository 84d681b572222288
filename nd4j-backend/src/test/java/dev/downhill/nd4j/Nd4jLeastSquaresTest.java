package dev.downhill.nd4j;

import static dev.downhill.testing.Compare.assertClose;
import static dev.downhill.testing.Compare.withIntercept;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.SingularMatrixException;
import dev.downhill.Solver;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The pieces ND4J lacks and this module builds: the condition estimate, and the same accept/reject rule as the cpu backend. */
class Nd4jLeastSquaresTest {

    @Test
    void inverseNormEstimateIsALowerBoundWithinAFactorOfThree() {
        SplittableRandom r = new SplittableRandom(1);
        for (int n : new int[] {1, 2, 7, 30}) {
            double[][] a = new double[n + 5][n];
            for (double[] row : a) {
                for (int j = 0; j < n; j++) {
                    row[j] = r.nextGaussian() * Math.pow(10, -3.0 * j / Math.max(1, n - 1)); // cond(G) up to 1e6
                }
            }
            INDArray x = Nd4j.createFromArray(a);
            INDArray g = x.transpose().mmul(x);
            Nd4j.getBlasWrapper().lapack().potrf(g, true);
            double exact = 0; // ‖G⁻¹‖₁ = max column sum of |G⁻¹|, column by column
            for (int j = 0; j < n; j++) {
                double[] e = new double[n];
                e[j] = 1;
                double s = 0;
                for (double v : Nd4jLeastSquares.solve(g, e)) {
                    s += Math.abs(v);
                }
                exact = Math.max(exact, s);
            }
            double estimate = Nd4jLeastSquares.inverseNormEstimate(g, n);
            assertTrue(estimate <= exact * (1 + 1e-10), n + ": estimate " + estimate + " > exact " + exact);
            assertTrue(estimate >= exact / 3, n + ": estimate " + estimate + " far below exact " + exact);
        }
        assertEquals(DataType.DOUBLE, Nd4j.createFromArray(1.0).dataType());
    }

    @Test
    void acceptsAndRejectsTheSameNearlyDependentColumnsAsTheCpuBackend() {
        // column 2 = column 0 + ε·noise: cond(X_cᵀX_c) grows like 1/ε²
        for (double epsilon : new double[] {1e-3, 1e-8}) {
            SplittableRandom r = new SplittableRandom(2);
            double[][] x = new double[300][3];
            double[] y = new double[300];
            for (int i = 0; i < 300; i++) {
                x[i][0] = r.nextGaussian();
                x[i][1] = r.nextGaussian();
                x[i][2] = x[i][0] + epsilon * r.nextGaussian();
                y[i] = 1 + x[i][0] - 2 * x[i][1] + 0.5 * x[i][2] + 0.01 * r.nextGaussian();
            }
            try (Dataset d = Dataset.of(x, y)) {
                FitConfig nd4j = FitConfig.builder().solver(Solver.NORMAL).backend("nd4j").build();
                FitConfig cpu = FitConfig.builder().solver(Solver.NORMAL).backend("cpu").build();
                if (epsilon > 1e-6) {
                    FittedModel a = LinearRegression.fit(d, nd4j);
                    FittedModel b = LinearRegression.fit(d, cpu);
                    // cond ≈ 1e6 amplifies float64 rounding to ~1e-10
                    assertClose(withIntercept(a), withIntercept(b), 1e-8, "ε = " + epsilon);
                } else {
                    SingularMatrixException a = assertThrows(SingularMatrixException.class, () -> LinearRegression.fit(d, nd4j));
                    SingularMatrixException b = assertThrows(SingularMatrixException.class, () -> LinearRegression.fit(d, cpu));
                    assertTrue(a.getMessage().contains("SVD"), a.getMessage());
                    assertTrue(a.conditionEstimate() > 1e12 && b.conditionEstimate() > 1e12,
                            a.conditionEstimate() + " vs " + b.conditionEstimate());
                    FittedModel svd = LinearRegression.fit(d, FitConfig.builder().solver(Solver.SVD).backend("nd4j").build());
                    FittedModel svdCpu = LinearRegression.fit(d, FitConfig.builder().solver(Solver.SVD).backend("cpu").build());
                    assertEquals(svdCpu.rank(), svd.rank());
                    assertClose(withIntercept(svd), withIntercept(svdCpu), 1e-6, "SVD with ε = " + epsilon);
                }
            }
        }
    }
}
