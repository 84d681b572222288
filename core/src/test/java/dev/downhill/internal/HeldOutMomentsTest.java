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

    private static CsrMatrix csr(double[][] x) {
        return dev.downhill.testing.TestData.csr(x, Precision.FLOAT64);
    }
}
