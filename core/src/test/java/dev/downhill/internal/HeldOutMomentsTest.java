package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.SparseDataset;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.EpochRows;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.testing.ReferenceProblem;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The training rows' column statistics (all rows minus the held-out validation rows) against the same statistics
 * summed directly over the training rows, dense and CSR.
 */
class HeldOutMomentsTest {
    static final int M = 211;
    static final int N = 4;

    @Test
    void trainingStatisticsAreThoseOfTheTrainingRowsDenseAndSparse() {
        SplittableRandom r = new SplittableRandom(3);
        double[][] x = new double[M][N];
        double[] y = new double[M];
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                x[i][j] = j == 3 && r.nextDouble() < 0.6 ? 0 : 50 + (j + 1) * r.nextGaussian(); // column 3 sparse
            }
            y[i] = 7 + r.nextGaussian();
        }
        EpochRows split = EpochRows.of(1, 0, M, M - 42, 99);
        boolean[] held = new boolean[M];
        for (int q = 0; q < 42; q++) {
            held[(int) split.validation(q)] = true;
        }
        double[] mean = new double[N];
        double ymean = 0;
        for (int i = 0; i < M; i++) {
            if (!held[i]) {
                for (int j = 0; j < N; j++) {
                    mean[j] += x[i][j] / (M - 42);
                }
                ymean += y[i] / (M - 42);
            }
        }
        double[] centred = new double[N];
        double[] uncentred = new double[N];
        for (int i = 0; i < M; i++) {
            if (!held[i]) {
                for (int j = 0; j < N; j++) {
                    centred[j] += (x[i][j] - mean[j]) * (x[i][j] - mean[j]) / (M - 42);
                    uncentred[j] += x[i][j] * x[i][j] / (M - 42);
                }
            }
        }
        try (Dataset data = Dataset.of(x, y); SparseDataset sparse = SparseDataset.of(csr(x), y)) {
            for (int variant = 0; variant < 2; variant++) {
                CheckedProblem problem = (CheckedProblem) CheckedProblem.of(new ReferenceProblem(data),
                        variant == 0 ? data : null, variant == 1 ? sparse : null);
                HeldOutMoments h = problem.heldOut(split);
                ColumnStatistics s = h.trainingStatistics(problem.columnStatistics(), problem.weightSum());
                for (int j = 0; j < N; j++) { // values ~50 with spreads 1-4: float64 rounding of sums of ~200 terms
                    assertEquals(mean[j], s.means()[j], 1e-12 * 50, "mean " + j + " variant " + variant);
                    assertEquals(centred[j], h.trainingDeviations(problem.columnMeanSquaredDeviations(true), true, M)[j],
                            1e-9 * centred[j], "centred deviation " + j + " variant " + variant);
                    assertEquals(uncentred[j], h.trainingDeviations(problem.columnMeanSquaredDeviations(false), false, M)[j],
                            1e-12 * uncentred[j], "uncentred deviation " + j + " variant " + variant);
                }
                assertEquals(ymean, s.targetMean(), 1e-13 * 7);
                try (CentredObjective o = new CentredObjective(problem, true, true, dev.downhill.Penalty.none(), false, split)) {
                    assertEquals(mean[1], o.statistics().means()[1], 1e-12 * 50);
                    assertEquals(1 / centred[2], o.squaredScales()[2], 1e-9 / centred[2], "S² from the training rows");
                }
            }
            assertNull(((CheckedProblem) CheckedProblem.of(new ReferenceProblem(data))).heldOut(split),
                    "without its host dataset a problem cannot leave rows out");
        }
    }

    /**
     * A weighted split with no weight on one side is refused in one line, before any epoch: all-zero held-out rows made
     * early stopping "converge" on a validation error stuck at 0 (weighted R² 0.07), all-zero training rows a NaN loss
     * reported as a divergence (a hostile user's reports). Zero weight on some rows of each side is fine.
     */
    @Test
    void aSplitWithNoWeightOnOneSideIsRefused() {
        double[][] x = new double[M][N];
        double[] y = new double[M];
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                x[i][j] = r.nextGaussian();
            }
            y[i] = r.nextGaussian();
        }
        EpochRows split = EpochRows.of(1, 0, M, M - 42, 99);
        boolean[] held = new boolean[M];
        for (int q = 0; q < 42; q++) {
            held[(int) split.validation(q)] = true;
        }
        double[][] weights = new double[3][M];
        for (int i = 0; i < M; i++) {
            weights[0][i] = held[i] ? 0 : 1;           // no weight held out
            weights[1][i] = held[i] ? 0.1 + 0.7 * (i % 13) / 13.0 : 0; // no weight to train on (non-dyadic: Σw − Σₕw rounds)
            weights[2][i] = i % 3 == 0 ? 0 : 1;        // zeros on both sides, weight on both
        }
        String[] expected = {"every one of the 42 rows held out for validation (of 211) has weight 0",
            "every one of the 169 training rows (of 211) has weight 0", null};
        for (int k = 0; k < 3; k++) {
            try (Dataset data = Dataset.of(x, y, weights[k])) {
                double total = java.util.Arrays.stream(weights[k]).sum();
                ResidentProblem weighted = new ReferenceProblem(data) { // the reference ignores weights; Σw is all this needs
                    @Override
                    public boolean weighted() {
                        return true;
                    }

                    @Override
                    public double weightSum() {
                        return total;
                    }
                };
                CheckedProblem problem = (CheckedProblem) CheckedProblem.of(weighted, data, null);
                if (expected[k] == null) {
                    new CentredObjective(problem, true, false, dev.downhill.Penalty.none(), false, split).close();
                    continue;
                }
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> new CentredObjective(problem, true, false, dev.downhill.Penalty.none(), false, split));
                org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(expected[k]), e.getMessage());
            }
        }
    }

    private static CsrMatrix csr(double[][] x) {
        return dev.downhill.testing.TestData.csr(x, Precision.FLOAT64);
    }
}
