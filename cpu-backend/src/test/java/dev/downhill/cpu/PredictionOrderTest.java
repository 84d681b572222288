package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Solver;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A row's prediction is the same bits however many rows are predicted with it (float64 rows went through
 * {@code cblas_dgemv} on row blocks, whose result for a row moved by an ulp with the block's length; found by a
 * review), and the same as the model's plain-Java prediction of that row alone: each row's dot in index order, + b.
 */
class PredictionOrderTest {
    @Test
    void aRowsPredictionDoesNotDependOnTheOtherRows() {
        int n = 37;
        SplittableRandom r = new SplittableRandom(11);
        double[][] x = new double[40][n];
        double[] y = new double[40];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < n; j++) {
                x[i][j] = r.nextGaussian() * Math.pow(10, r.nextInt(-3, 4));
            }
            y[i] = r.nextGaussian();
        }
        FittedModel model;
        try (Dataset d = Dataset.of(x, y)) {
            model = LinearRegression.fit(d, FitConfig.builder().backend("cpu").threads(2).solver(Solver.SVD).build());
        }
        double alone = model.predict(x[0]);
        for (int m = 1; m <= x.length; m++) {
            double[][] rows = Arrays.copyOf(x, m);
            try (Dataset d = Dataset.of(rows, Arrays.copyOf(y, m))) {
                double[] p = model.predict(d);
                assertEquals(Double.doubleToLongBits(alone), Double.doubleToLongBits(p[0]), "row 0 among " + m + " rows");
                for (int i = 0; i < m; i++) {
                    assertEquals(Double.doubleToLongBits(model.predict(x[i])), Double.doubleToLongBits(p[i]), "row " + i + " of " + m);
                }
            }
        }
    }
}
