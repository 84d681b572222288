package dev.downhill.internal.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.downhill.Dataset;
import dev.downhill.spi.DenseKernels;
import dev.downhill.spi.QrReduction;
import dev.downhill.spi.SingularValueDecomposition;
import dev.downhill.spi.WideRows;
import dev.downhill.testing.ReferenceProblem;
import dev.downhill.testing.TestData;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The svd solver's route for wide X without the QR pass: with a native LQ ({@link DenseKernels#nativeLq}) core asks for
 * the rows pass ({@link dev.downhill.spi.ResidentProblem#wideRows}) and takes the LQ of [X_c·D | y_c] itself. Checked
 * against the reference route — the QR pass's R, then the SVD of the whole m × n factor (Java kernels, no LQ) — and
 * against the rows pass's default (the QR pass's R through the LQ route): the three minimum-norm answers of the same
 * float64 problem, their ranks, singular values and standard-error readings agree to rounding.
 */
class WideRowsRouteTest {

    /** The reference's passes; Java's kernels declared native, so core takes the LQ route; the rows pass optional. */
    private static final class LqProblem extends ReferenceProblem {
        private final Dataset data;
        private final boolean rows;
        int qrPasses;

        LqProblem(Dataset data, boolean rows) {
            super(data);
            this.data = data;
            this.rows = rows;
        }

        @Override
        public DenseKernels denseKernels() {
            return new DenseKernels() {
                @Override
                public int cholesky(double[] a, int n) {
                    return JavaDenseKernels.INSTANCE.cholesky(a, n);
                }

                @Override
                public SingularValueDecomposition svd(double[] a, int rows, int cols) {
                    return JavaDenseKernels.INSTANCE.svd(a, rows, cols);
                }

                @Override
                public dev.downhill.spi.LqFactorization lq(double[] a, int rows, int cols) {
                    return HouseholderLq.factor(a, rows, cols); // the test sources' Java LQ stands in for LAPACK's
                }

                @Override
                public boolean nativeLq() {
                    return true;
                }
            };
        }

        @Override
        public QrReduction qrReduction(boolean centred, double[] columnScales) {
            qrPasses++;
            return super.qrReduction(centred, columnScales);
        }

        /** A = [X_c·D | y_c] in plain loops (P = I), or the SPI's default (the QR pass's R, P = Q). */
        @Override
        public WideRows wideRows(boolean centred, double[] columnScales) {
            if (!rows) {
                return super.wideRows(centred, columnScales);
            }
            int m = (int) rows();
            int n = (int) cols();
            double[] means = columnStatistics().means();
            double yMean = columnStatistics().targetMean();
            double[] a = new double[m * (n + 1)];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    a[i + j * m] = (data.x(i, j) - (centred ? means[j] : 0)) * columnScales[j];
                }
                a[i + n * m] = data.y(i) - (centred ? yMean : 0);
            }
            return new WideRows(a, m, n + 1);
        }
    }

    /** 30 × 80 Gaussian X (κ of the centred X about 4), and X = B·C of rank 10 with a constant column. */
    private static double[][][] designs() {
        TestData t = TestData.gaussian(30, 80, TestData.ramp(80), 0.5, 0.1, 71);
        SplittableRandom r = new SplittableRandom(72);
        double[][] b = new double[30][10];
        double[][] c = new double[10][80];
        for (double[] row : b) {
            for (int l = 0; l < 10; l++) {
                row[l] = r.nextGaussian();
            }
        }
        for (double[] row : c) {
            for (int j = 0; j < 80; j++) {
                row[j] = r.nextGaussian();
            }
        }
        double[][] deficient = new double[30][80];
        for (int i = 0; i < 30; i++) {
            for (int j = 0; j < 80; j++) {
                for (int l = 0; l < 10; l++) {
                    deficient[i][j] += b[i][l] * c[l][j];
                }
            }
            deficient[i][7] = 3.25; // constant: centred to exactly 0, coefficient 0
        }
        return new double[][][] {t.x, deficient};
    }

    @Test
    void theRowsRouteGivesTheReferenceMinimumNormAnswerWithoutTheQrPass() {
        double[][][] designs = designs();
        long[] ranks = {29, 10};
        SplittableRandom r = new SplittableRandom(73);
        for (int d = 0; d < designs.length; d++) {
            double[][] x = designs[d];
            double[] y = new double[x.length];
            for (int i = 0; i < y.length; i++) {
                y[i] = 2 + r.nextGaussian();
            }
            try (Dataset data = Dataset.of(x, y)) {
                double cutoff = 80 * Math.ulp(1.0);
                DirectSolution reference = DirectLeastSquares.svd(new ReferenceProblem(data), true, cutoff, null, true);
                LqProblem rows = new LqProblem(data, true);
                DirectSolution direct = DirectLeastSquares.svd(rows, true, cutoff, null, true);
                assertEquals(0, rows.qrPasses, "the rows route makes no QR pass");
                LqProblem reduced = new LqProblem(data, false);
                DirectSolution viaR = DirectLeastSquares.svd(reduced, true, cutoff, null, true);
                assertEquals(1, reduced.qrPasses, "the rows pass's default is the QR pass");
                assertEquals(ranks[d], reference.rank(), "reference rank");
                for (DirectSolution s : new DirectSolution[] {direct, viaR}) {
                    assertEquals(reference.rank(), s.rank(), "rank");
                    // minimum-norm answers of the same float64 problem by backward-stable factorizations: agreement to
                    // about n·κ·ε of the kept part (κ ≤ ~10 here: 80·10·2.2e-16 ≈ 2e-13), with a margin of 50
                    assertClose(reference.coefficients(), s.coefficients(), 1e-11, "θ");
                    assertEquals(reference.intercept(), s.intercept(), 1e-11 * (1 + Math.abs(reference.intercept())), "b");
                    for (int l = 0; l < reference.rank(); l++) {
                        assertEquals(reference.singularValues()[l], s.singularValues()[l], 1e-12 * reference.singularValues()[0], "σ" + l);
                    }
                    // (X_cᵀX_c)⁺'s estimable diagonal scales with 1/σ²: κ² of the kept part times ε, with the same margin;
                    // the coefficients that are not estimable (NaN) are the same ones
                    double[] expected = reference.inverseGram().diagonal();
                    double[] actual = s.inverseGram().diagonal();
                    for (int j = 0; j < expected.length; j++) {
                        assertEquals(Double.isNaN(expected[j]), Double.isNaN(actual[j]), "estimable " + j);
                        if (Double.isNaN(expected[j])) {
                            expected[j] = 0;
                            actual[j] = 0;
                        }
                    }
                    assertClose(expected, actual, 1e-10, "G⁺ diagonal");
                    assertEquals(reference.inverseGram().rank(), s.inverseGram().rank(), "G⁺ rank");
                    double form = reference.inverseGram().meanQuadraticForm();
                    assertEquals(form, s.inverseGram().meanQuadraticForm(), Double.isNaN(form) ? 0 : 1e-10 * form, "x̄ᵀG⁺x̄");
                }
                if (d == 1) {
                    assertEquals(0, direct.coefficients()[7], 0, "the constant column's coefficient");
                }
            }
        }
    }

    @Test
    void theRowsPassIsForWideXOnly() {
        TestData t = TestData.gaussian(12, 5, TestData.ramp(5), 0.5, 0.1, 74);
        try (Dataset data = Dataset.of(t.x, t.y)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ReferenceProblem(data).wideRows(true, new double[] {1, 1, 1, 1, 1}));
            assertEquals("the rows pass is for wide X: 12 rows > 5 columns", e.getMessage());
        }
    }

    /** ‖a − b‖∞ ≤ tolerance·max(1, ‖a‖∞). */
    private static void assertClose(double[] expected, double[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 1;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], actual[j], tolerance * scale, what + " " + j);
        }
    }
}
