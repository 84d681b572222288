package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.CrossValidation;
import dev.downhill.CrossValidationReport;
import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.io.CsrMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Cross-validation on sparse X against the same cross-validation on the same matrix given dense: the folds come from the
 * seed alone and both run every path over X with the same solver, so they differ only by the passes' rounding and the
 * stopping point. At a duality-gap tolerance of 1e-12 the validation tables agree to 1e-8 relative (an error curve is
 * flat, to second order, in θ's error), the same grid point is chosen (α_max comes from each pass's X_cᵀy_c, so the grids may differ in the last
 * bits) and the models agree to 1e-5 of max|θ|.
 */
class SparseCrossValidationTest {
    private static final int M = 240;
    private static final int N = 30;

    @Test
    void sparseCrossValidationAgreesWithTheDenseOneOnTheSameMatrix() {
        SplittableRandom r = new SplittableRandom(23);
        double[][] x = new double[M][N];
        double[] y = new double[M];
        double[] w = new double[M];
        for (int i = 0; i < M; i++) {
            double s = 0.3;
            for (int j = 0; j < N; j++) {
                x[i][j] = r.nextInt(3) == 0 ? r.nextGaussian() * (1 + j % 4) : 0; // two thirds zero
                s += j % 3 == 0 ? 0.2 * (j - 15) * x[i][j] / (1 + j % 4) : 0;
            }
            y[i] = s + 0.5 * r.nextGaussian();
            w[i] = 1 + r.nextInt(3);
        }
        for (boolean weighted : new boolean[] {false, true}) {
            for (Penalty penalty : new Penalty[] {Penalty.elasticNet(1, 0.6), Penalty.l2(1)}) {
                FitConfig config = FitConfig.builder().backend("cpu").penalty(penalty).tolerance(1e-12).maxIterations(100_000)
                        .solver(penalty.hasL1() ? Solver.NESTEROV : Solver.CG).build();
                FittedModel dense;
                try (Dataset d = weighted ? Dataset.of(x, y, w) : Dataset.of(x, y)) {
                    dense = CrossValidation.fit(d, config, 4, CrossValidation.Rule.ONE_SE, 15, 1e-3);
                }
                FittedModel sparse;
                try (SparseDataset s = sparse(x, y, weighted ? w : null)) {
                    sparse = CrossValidation.fit(s, config, 4, CrossValidation.Rule.ONE_SE, 15, 1e-3);
                }
                String what = penalty + (weighted ? ", weighted" : "");
                CrossValidationReport a = dense.report().crossValidation();
                CrossValidationReport b = sparse.report().crossValidation();
                for (int k = 0; k < a.alphas().length; k++) {
                    assertEquals(a.alphas()[k], b.alphas()[k], 1e-12 * a.alphas()[k], what + ": α grid " + k);
                    assertEquals(a.meanMse()[k], b.meanMse()[k], 1e-8 * a.meanMse()[k], what + ": mean validation error " + k);
                }
                assertEquals(a.chosenAlpha(), b.chosenAlpha(), 1e-12 * a.chosenAlpha(), what + ": chosen α (the same grid point)");
                assertTrue(a.chosenAlpha() < a.alphas()[0], what + ": the rule picked an α inside the path");
                double scale = 0;
                for (double t : dense.coefficients()) {
                    scale = Math.max(scale, Math.abs(t));
                }
                for (int j = 0; j < N; j++) {
                    assertEquals(dense.coefficients()[j], sparse.coefficients()[j], 1e-5 * scale, what + ": θ" + j);
                }
                assertEquals(dense.intercept(), sparse.intercept(), 1e-5 * scale, what + ": intercept");
            }
        }
    }

    @Test
    void aFoldWhoseRowsAllWeighZeroIsRefusedWithTheFold() {
        double[][] x = new double[8][3];
        double[] y = new double[8];
        double[] w = new double[8];
        for (int i = 0; i < 8; i++) {
            x[i][i % 3] = i + 1;
            y[i] = i;
            w[i] = i < 4 ? 1 : 0; // the folds of 2 rows cannot all hold a weighted row
        }
        FitConfig config = FitConfig.builder().backend("cpu").penalty(Penalty.l2(1)).build();
        try (SparseDataset s = sparse(x, y, w)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CrossValidation.fit(s, config, 4, CrossValidation.Rule.MIN, 5, 1e-3));
            assertTrue(e.getMessage().contains("weight 0"), e.getMessage());
        }
    }

    /** The CSR form of a dense X (zeros left out), with y and, when not null, weights. */
    private static SparseDataset sparse(double[][] x, double[] y, double[] w) {
        long[] pointers = new long[x.length + 1];
        List<Integer> columns = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                if (x[i][j] != 0) {
                    columns.add(j);
                    values.add(x[i][j]);
                }
            }
            pointers[i + 1] = columns.size();
        }
        CsrMatrix csr = CsrMatrix.of(pointers, columns.stream().mapToInt(Integer::intValue).toArray(),
                values.stream().mapToDouble(Double::doubleValue).toArray(), x[0].length, Precision.FLOAT64);
        SparseDataset d = SparseDataset.of(csr, y);
        return w == null ? d : d.withWeights(w);
    }
}
