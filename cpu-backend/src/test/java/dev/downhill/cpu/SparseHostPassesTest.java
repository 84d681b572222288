package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Precision;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.SparseHostPasses;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * Core's host CSR passes in Java (used by the cuda backend's CSR problem) against the cpu backend's native CSR passes on
 * the same matrix: the same float64 sums in another order (threads), so equal to ~1e-12 of the magnitudes summed; in
 * float32 as well (the same float32 values summed in float64). Includes a row longer than one bulk read (65,536 entries)
 * and empty rows.
 */
class SparseHostPassesTest {
    private static final double SUMS = 1e-12;

    private static void close(double[] expected, double[] actual, double tolerance, String what) {
        double scale = 0;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertEquals(expected.length, actual.length, what);
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], actual[j], tolerance * Math.max(scale, 1e-300), what + " [" + j + "]");
        }
    }

    /**
     * 400 rows × 70,000 columns: row 0 holds every column (one row longer than a bulk read of 65,536 entries), every 50th
     * row from row 1 is empty, the others hold ~28 entries; weights with zeros.
     */
    private record LongRowData(int m, int n, long[] ptr, int[] c, double[] v, double[] y, double[] w) {
        static LongRowData make() {
            SplittableRandom r = new SplittableRandom(5);
            int m = 400;
            int n = 70_000;
            List<Integer> cols = new ArrayList<>();
            List<Double> vals = new ArrayList<>();
            long[] ptr = new long[m + 1];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    if (i == 0 || (i % 50 != 1 && r.nextDouble() < 0.0004)) {
                        cols.add(j);
                        vals.add(r.nextGaussian() * (1 + j % 3) + (j % 4 == 0 ? 5 : 0));
                    }
                }
                ptr[i + 1] = cols.size();
            }
            double[] y = new double[m];
            double[] w = new double[m];
            for (int i = 0; i < m; i++) {
                y[i] = r.nextGaussian() * 2 - 1;
                w[i] = i % 7 == 0 ? 0 : r.nextDouble() * 3;
            }
            return new LongRowData(m, n, ptr, cols.stream().mapToInt(Integer::intValue).toArray(),
                    vals.stream().mapToDouble(Double::doubleValue).toArray(), y, w);
        }
    }

    @Test
    void hostPassesEqualTheNativeCpuPasses() {
        LongRowData data = LongRowData.make();
        int n = data.n();
        long[] ptr = data.ptr();
        int[] c = data.c();
        double[] v = data.v();
        double[] y = data.y();
        double[] w = data.w();
        for (Precision p : Precision.values()) {
            try (CsrMatrix x = CsrMatrix.of(ptr, c, v, n, p); DoublePointer wp = new DoublePointer(w)) {
                Pointer yp = p == Precision.FLOAT64 ? new DoublePointer(y) : new FloatPointer(toFloats(y));
                try (CpuCsrProblem cpu = new CpuCsrProblem(x, yp, wp, p, 3)) {
                    SparseHostPasses host = new SparseHostPasses(x, x.values(), yp, wp, p);
                    SparseHostPasses.Statistics s = host.columnStatistics();
                    ColumnStatistics cs = cpu.columnStatistics();
                    String what = p + " ";
                    assertEquals(cpu.weightSum(), s.weightSum(), 1e-13 * s.weightSum(), what + "Σw");
                    close(cs.means(), s.statistics().means(), SUMS, what + "means");
                    assertEquals(cs.targetMean(), s.statistics().targetMean(), 1e-13, what + "ȳ");
                    double[] raw = host.columnMeanSquaredDeviations(null, s.weightSum());
                    close(cpu.columnMeanSquaredDeviations(false), raw, SUMS, what + "raw deviations");
                    assertArrayEquals(raw, s.meanSquares(), what + "the statistics pass's mean squares: the deviation pass's bits");
                    close(cpu.columnMeanSquaredDeviations(true), host.columnMeanSquaredDeviations(s.statistics().means(),
                            s.weightSum()), SUMS, what + "centred deviations");
                } finally {
                    yp.close();
                }
            }
        }
    }

    /**
     * The extended-precision residual pass (read in bulk a block's short rows at a time, the long row in pieces) against
     * the same sums in plain float64: g = Σwᵢrᵢ(xᵢ − x̄), rᵢ = (yᵢ − ȳ) − (xᵢ − x̄)ᵀθ, twice in a row (a second pass reads
     * again, never the first pass's arrays).
     */
    @Test
    void theExtendedResidualPassReadsShortAndLongRowsAlike() {
        LongRowData d = LongRowData.make();
        int n = d.n();
        double[] theta = new double[n];
        SplittableRandom r = new SplittableRandom(8);
        for (int j = 0; j < n; j++) {
            theta[j] = r.nextGaussian() * 0.01;
        }
        for (Precision p : Precision.values()) {
            double[] v = d.v().clone();
            double[] y = d.y().clone();
            if (p == Precision.FLOAT32) { // the values the pass reads
                for (int e = 0; e < v.length; e++) {
                    v[e] = (float) v[e];
                }
                for (int i = 0; i < y.length; i++) {
                    y[i] = (float) y[i];
                }
            }
            double sw = 0;
            double swy = 0;
            double[] mean = new double[n];
            for (int i = 0; i < d.m(); i++) {
                sw += d.w()[i];
                swy += d.w()[i] * y[i];
                for (long e = d.ptr()[i]; e < d.ptr()[i + 1]; e++) {
                    mean[d.c()[(int) e]] += d.w()[i] * v[(int) e];
                }
            }
            double meanTheta = 0;
            for (int j = 0; j < n; j++) {
                mean[j] /= sw;
                meanTheta += mean[j] * theta[j];
            }
            double ybar = swy / sw;
            double[] expected = new double[n];
            double sumWr = 0;
            for (int i = 0; i < d.m(); i++) {
                double ri = y[i] - ybar + meanTheta;
                for (long e = d.ptr()[i]; e < d.ptr()[i + 1]; e++) {
                    ri -= v[(int) e] * theta[d.c()[(int) e]];
                }
                double wr = d.w()[i] * ri;
                sumWr += wr;
                for (long e = d.ptr()[i]; e < d.ptr()[i + 1]; e++) {
                    expected[d.c()[(int) e]] += wr * v[(int) e];
                }
            }
            for (int j = 0; j < n; j++) {
                expected[j] -= mean[j] * sumWr;
            }
            try (CsrMatrix x = CsrMatrix.of(d.ptr(), d.c(), d.v(), n, p); DoublePointer wp = new DoublePointer(d.w())) {
                Pointer yp = p == Precision.FLOAT64 ? new DoublePointer(d.y()) : new FloatPointer(toFloats(d.y()));
                java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
                try {
                    dev.downhill.spi.SparseExtendedResidual pass = new dev.downhill.spi.SparseExtendedResidual(x, x.values(), yp,
                            wp, p, true);
                    for (int again = 0; again < 2; again++) {
                        close(expected, pass.transposedResidual(theta), 1e-11, p + " pass " + again);
                    }
                    // in 3 parts of the rows, run one after another or on 3 threads: the same bits either way, and the sums
                    // of the one-part pass to their last bits but for the order of the parts' addition
                    dev.downhill.spi.SparseExtendedResidual inTurn = new dev.downhill.spi.SparseExtendedResidual(x, x.values(), yp,
                            wp, p, true, 3, body -> {
                                for (int k = 0; k < 3; k++) {
                                    body.accept(k);
                                }
                            });
                    dev.downhill.spi.SparseExtendedResidual threaded = new dev.downhill.spi.SparseExtendedResidual(x, x.values(), yp,
                            wp, p, true, 3, body -> {
                                List<java.util.concurrent.Future<?>> ends = new ArrayList<>();
                                for (int k = 0; k < 3; k++) {
                                    int part = k;
                                    ends.add(pool.submit(() -> body.accept(part)));
                                }
                                for (java.util.concurrent.Future<?> end : ends) {
                                    try {
                                        end.get();
                                    } catch (Exception e) {
                                        throw new AssertionError(e);
                                    }
                                }
                            });
                    double[] a = inTurn.transposedResidual(theta);
                    assertArrayEquals(a, threaded.transposedResidual(theta), p + ": parts on threads");
                    assertEquals(inTurn.intercept(theta), threaded.intercept(theta), 0.0, p + ": intercept");
                    close(pass.transposedResidual(theta), a, 1e-15, p + " in parts");
                    close(expected, a, 1e-11, p + " in parts");
                } finally {
                    pool.shutdownNow();
                    yp.close();
                }
            }
        }
    }

    /** The Gram pass on a matrix whose n² fits (the 70,000-column one does not): raw and centred. */
    @Test
    void hostGramEqualsTheNativeGram() {
        SplittableRandom r = new SplittableRandom(6);
        int m = 300;
        int n = 30;
        List<Integer> cols = new ArrayList<>();
        List<Double> vals = new ArrayList<>();
        long[] ptr = new long[m + 1];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                if (r.nextDouble() < 0.2) {
                    cols.add(j);
                    vals.add(r.nextGaussian() + (j % 3 == 0 ? 4 : 0));
                }
            }
            ptr[i + 1] = cols.size();
        }
        double[] y = new double[m];
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            y[i] = r.nextGaussian();
            w[i] = 0.5 + r.nextDouble();
        }
        try (CsrMatrix x = CsrMatrix.of(ptr, cols.stream().mapToInt(Integer::intValue).toArray(),
                vals.stream().mapToDouble(Double::doubleValue).toArray(), n, Precision.FLOAT64);
             DoublePointer yp = new DoublePointer(y); DoublePointer wp = new DoublePointer(w);
             CpuCsrProblem cpu = new CpuCsrProblem(x, yp, wp, Precision.FLOAT64, 2)) {
            SparseHostPasses host = new SparseHostPasses(x, x.values(), yp, wp, Precision.FLOAT64);
            for (boolean centred : new boolean[] {false, true}) {
                CrossProducts a = cpu.crossProducts(centred);
                CrossProducts b = host.crossProducts(centred ? host.columnStatistics() : null);
                close(a.gram(), b.gram(), SUMS, "Gram " + centred);
                close(a.moment(), b.moment(), SUMS, "Xᵀy " + centred);
            }
        }
    }

    /**
     * A column far from zero against its spread (every row stored, 1e7 ± 1) and one partly stored (1e5 ± 1 in 60 % of the
     * rows): the rank-one downdate G − Σw·x̄x̄ᵀ left no correct digit of the first's variance (a hostile user's
     * --solver normal on such a CSR returned θ₀ 1e-2 and the intercept 1e5 off, exit 0). Both Gram passes (native cpu,
     * host Java) against the weighted centred products in BigDecimal; then normal on the CSR against normal on the same
     * X dense, whose centring has no cancellation.
     */
    @Test
    void theCentredGramOfColumnsFarFromZeroKeepsItsDigits() {
        SplittableRandom r = new SplittableRandom(9);
        int m = 300;
        int n = 6;
        double[][] dense = new double[m][n];
        double[] y = new double[m];
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                dense[i][j] = j == 0 ? 1e7 + r.nextGaussian() : j == 3 ? (r.nextDouble() < 0.6 ? 1e5 + r.nextGaussian() : 0)
                        : (r.nextDouble() < 0.3 ? r.nextGaussian() : 0);
            }
            y[i] = 5 + dense[i][0] + 2 * dense[i][1] - dense[i][3] + 0.1 * r.nextGaussian();
            w[i] = 0.5 + r.nextDouble();
        }
        // the reference: Σ wᵢ(xᵢⱼ − x̄ⱼ)(xᵢₖ − x̄ₖ) and Σ wᵢ(xᵢⱼ − x̄ⱼ)(yᵢ − ȳ) with x̄, ȳ the weighted means, in BigDecimal
        java.math.MathContext mc = new java.math.MathContext(60);
        java.math.BigDecimal total = java.math.BigDecimal.ZERO;
        java.math.BigDecimal[] mean = new java.math.BigDecimal[n + 1];
        java.util.Arrays.fill(mean, java.math.BigDecimal.ZERO);
        for (int i = 0; i < m; i++) {
            java.math.BigDecimal wi = new java.math.BigDecimal(w[i]);
            total = total.add(wi);
            for (int j = 0; j <= n; j++) {
                mean[j] = mean[j].add(wi.multiply(new java.math.BigDecimal(j < n ? dense[i][j] : y[i])));
            }
        }
        for (int j = 0; j <= n; j++) {
            mean[j] = mean[j].divide(total, mc);
        }
        double[] gram = new double[n * n];
        double[] moment = new double[n + 1]; // the last: Σ w (y − ȳ)²
        for (int j = 0; j <= n; j++) {
            for (int k = j < n ? 0 : n; k <= n; k++) {
                java.math.BigDecimal sum = java.math.BigDecimal.ZERO;
                for (int i = 0; i < m; i++) {
                    java.math.BigDecimal dj = new java.math.BigDecimal(j < n ? dense[i][j] : y[i]).subtract(mean[j]);
                    java.math.BigDecimal dk = new java.math.BigDecimal(k < n ? dense[i][k] : y[i]).subtract(mean[k]);
                    sum = sum.add(new java.math.BigDecimal(w[i]).multiply(dj).multiply(dk));
                }
                if (k < n) {
                    gram[j * n + k] = sum.doubleValue();
                } else if (j == n) {
                    moment[n] = sum.doubleValue();
                } else {
                    moment[j] = sum.doubleValue();
                }
            }
        }
        try (CsrMatrix x = dev.downhill.testing.TestData.csr(dense, Precision.FLOAT64);
             DoublePointer yp = new DoublePointer(y); DoublePointer wp = new DoublePointer(w);
             CpuCsrProblem cpu = new CpuCsrProblem(x, yp, wp, Precision.FLOAT64, 2)) {
            SparseHostPasses host = new SparseHostPasses(x, x.values(), yp, wp, Precision.FLOAT64);
            CrossProducts[] made = {cpu.crossProducts(true), host.crossProducts(host.columnStatistics())};
            for (int k = 0; k < 2; k++) {
                String what = k == 0 ? "cpu " : "host ";
                // each entry within 1e-9 of √(GⱼⱼGₖₖ) (float64 sums of ~300 terms, the means rounded once)
                for (int a = 0; a < n; a++) {
                    for (int b = 0; b < n; b++) {
                        double scale = Math.sqrt(gram[a * n + a] * gram[b * n + b]);
                        assertEquals(gram[a * n + b], made[k].gram()[a * n + b], 1e-9 * scale, what + "G[" + a + "][" + b + "]");
                    }
                    double scale = Math.sqrt(gram[a * n + a] * moment[n]);
                    assertEquals(moment[a], made[k].moment()[a], 1e-9 * scale, what + "c[" + a + "]");
                }
            }
        }
        try (dev.downhill.Dataset d = dev.downhill.Dataset.of(dense, y, w);
             dev.downhill.SparseDataset sd = dev.downhill.SparseDataset.of(dev.downhill.testing.TestData.csr(dense, Precision.FLOAT64), y)
                     .withWeights(w)) {
            dev.downhill.FitConfig c = dev.downhill.FitConfig.builder().backend("cpu").solver(dev.downhill.Solver.NORMAL).build();
            dev.downhill.FittedModel onDense = dev.downhill.LinearRegression.fit(d, c);
            dev.downhill.FittedModel onCsr = dev.downhill.LinearRegression.fit(sd, c);
            close(onDense.coefficients(), onCsr.coefficients(), 1e-12, "normal on CSR vs dense");
            assertEquals(onDense.intercept(), onCsr.intercept(), 1e-12 * Math.abs(onDense.intercept()), "intercept");
        }
    }

    /**
     * A constant column stored in every row (0.1, whose mean is a rounded sum: its deviations are ±ulp, not 0) is the
     * constant column it is — the sparse normal equations give it coefficient 0 as the dense ones do (the recomputed
     * column kept its rounding noise as a tiny variance and θ came out ~1e9, exit 0, a reviewer found; both then refused
     * it; now both answer, the minimum-norm answer, svd's). Weighted (3.0) too.
     */
    @Test
    void aConstantColumnStoredInEveryRowGetsCoefficientZeroAsInDenseX() {
        SplittableRandom r = new SplittableRandom(12);
        int m = 300;
        for (double constant : new double[] {0.1, 3.0}) {
            double[][] dense = new double[m][3];
            double[] y = new double[m];
            double[] w = new double[m];
            for (int i = 0; i < m; i++) {
                dense[i][0] = r.nextGaussian();
                dense[i][1] = r.nextDouble() < 0.3 ? r.nextGaussian() : 0;
                dense[i][2] = constant;
                y[i] = 1 + dense[i][0] - dense[i][1] + 0.1 * r.nextGaussian();
                w[i] = constant == 3.0 ? 0.5 + r.nextDouble() : 1;
            }
            try (dev.downhill.Dataset d = dev.downhill.Dataset.of(dense, y, w);
                 dev.downhill.SparseDataset sd = dev.downhill.SparseDataset.of(dev.downhill.testing.TestData.csr(dense, Precision.FLOAT64), y)
                         .withWeights(w)) {
                dev.downhill.FitConfig c = dev.downhill.FitConfig.builder().backend("cpu").solver(dev.downhill.Solver.NORMAL).build();
                dev.downhill.FittedModel onDense = dev.downhill.LinearRegression.fit(d, c);
                dev.downhill.FittedModel onCsr = dev.downhill.LinearRegression.fit(sd, c);
                dev.downhill.FittedModel svd = dev.downhill.LinearRegression.fit(d, c.toBuilder().solver(dev.downhill.Solver.SVD).build());
                for (dev.downhill.FittedModel model : new dev.downhill.FittedModel[] {onDense, onCsr}) {
                    assertEquals(0.0, model.coefficient(2), "constant " + constant);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {2}, model.report().constantColumns());
                    close(svd.coefficients(), model.coefficients(), 1e-12, "normal vs svd, constant " + constant);
                    assertEquals(svd.intercept(), model.intercept(), 1e-12 * Math.abs(svd.intercept()), "intercept");
                }
            }
        }
    }

    /**
     * The host passes look at the interrupt flag between blocks of rows, as the native ones do: an interrupted thread's
     * recentring (inside the cpu backend's sparse Gram pass) stops with a FitInterruptedException, the flag kept.
     */
    @Test
    void anInterruptStopsAHostPass() {
        double[][] dense = new double[50][2];
        double[] y = new double[50];
        for (int i = 0; i < 50; i++) {
            dense[i][0] = 1e7 + i % 7;
            dense[i][1] = i % 3 == 0 ? 1 : 0;
            y[i] = i;
        }
        try (CsrMatrix x = dev.downhill.testing.TestData.csr(dense, Precision.FLOAT64); DoublePointer yp = new DoublePointer(y)) {
            SparseHostPasses host = new SparseHostPasses(x, x.values(), yp, null, Precision.FLOAT64);
            SparseHostPasses.Statistics s = host.columnStatistics();
            Thread.currentThread().interrupt();
            try {
                dev.downhill.FitInterruptedException e = org.junit.jupiter.api.Assertions.assertThrows(
                        dev.downhill.FitInterruptedException.class, () -> host.crossProducts(s));
                assertTrue(e.threadInterrupted(), e.getMessage());
                assertTrue(Thread.currentThread().isInterrupted(), "the flag stays set");
            } finally {
                Thread.interrupted();
            }
        }
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
