package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.LoadedProblem;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.LongPointer;
import org.junit.jupiter.api.Test;

/**
 * The CSR passes against the dense cpu problem on the same (densified) data: the same sums in another order, so equal to
 * a few units of float64 rounding relative to the magnitudes summed; and fits through core's solvers on the CSR problem
 * against the dense SVD answer.
 */
class CpuCsrProblemTest {
    /** Relative agreement of float64 sums of ~10²–10³ terms taken in different orders. */
    private static final double SUMS = 1e-12;

    /** A random sparse m × n matrix with ~density non-zeros, its columns' means far from 0 for some (centring matters). */
    static double[][] sparse(SplittableRandom r, int m, int n, double density) {
        double[][] x = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                if (r.nextDouble() < density) {
                    x[i][j] = r.nextGaussian() * (1 + j % 3) + (j % 4 == 0 ? 5 : 0);
                }
            }
        }
        return x;
    }

    private static CsrMatrix csr(double[][] x, Precision p) {
        return dev.downhill.testing.TestData.csr(x, p);
    }

    private static void close(double[] a, double[] b, double tolerance, String what) {
        double scale = 0;
        for (double v : a) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int j = 0; j < a.length; j++) {
            assertEquals(a[j], b[j], tolerance * Math.max(scale, 1e-300), what + " [" + j + "]");
        }
    }

    /** Threads for CSR passes: at most the rows, and one per n stored entries (an extra accumulator costs n a pass). */
    @Test
    void threadsAreCappedByRowsAndByEntriesPerColumn() {
        assertEquals(2, CpuCsrProblem.workers(2, 16_087, 19_350_708, 150_360), "E2006-tfidf's shape keeps both");
        assertEquals(1, CpuCsrProblem.workers(8, 2_000, 104_876, 1 << 20), "hashed features: one thread");
        assertEquals(3, CpuCsrProblem.workers(8, 3, 1_000, 10), "no more threads than rows");
        assertEquals(4, CpuCsrProblem.workers(4, 1_000, 40_000, 10_000), "one per n entries");
        assertEquals(1, CpuCsrProblem.workers(4, 1, 0, 5), "at least one");
    }

    @Test
    void everyPassAgreesWithTheDenseProblem() {
        SplittableRandom r = new SplittableRandom(21);
        int m = 700;
        int n = 40;
        double[][] x = sparse(r, m, n, 0.15);
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            y[i] = r.nextGaussian() * 3 + 1;
        }
        for (int threads : new int[] {1, 3}) {
            try (Dataset d = Dataset.of(x, y);
                 CsrMatrix a = csr(x, Precision.FLOAT64);
                 DoublePointer yp = new DoublePointer(y);
                 ResidentProblem dense = new CpuBackend().load(d, Precision.FLOAT64, BackendOptions.builder().threads(threads).build());
                 CpuCsrProblem sparse = new CpuCsrProblem(a, yp, null, Precision.FLOAT64, threads)) {
                close(dense.columnStatistics().means(), sparse.columnStatistics().means(), SUMS, "means");
                assertEquals(dense.columnStatistics().targetMean(), sparse.columnStatistics().targetMean(), 1e-14);
                for (boolean centred : new boolean[] {false, true}) {
                    close(dense.columnMeanSquaredDeviations(centred), sparse.columnMeanSquaredDeviations(centred), SUMS, "deviations");
                    CrossProducts gd = dense.crossProducts(centred);
                    CrossProducts gs = sparse.crossProducts(centred);
                    close(gd.gram(), gs.gram(), 1e-11, "Gram " + centred);
                    close(gd.moment(), gs.moment(), 1e-11, "Xᵀy " + centred);
                    double[] theta = new double[n];
                    for (int j = 0; j < n; j++) {
                        theta[j] = r.nextGaussian();
                    }
                    close(dense.extendedResidual(centred).transposedResidual(theta),
                            sparse.extendedResidual(centred).transposedResidual(theta), 1e-14, "extended residual " + centred);
                    assertEquals(dense.extendedResidual(centred).intercept(theta), sparse.extendedResidual(centred).intercept(theta), 1e-15);
                }
                double[] theta = new double[n];
                for (int j = 0; j < n; j++) {
                    theta[j] = r.nextGaussian();
                }
                try (BackendVector td = dense.allocateVector(n); BackendVector ts = sparse.allocateVector(n);
                     BackendVector gd = dense.allocateVector(n); BackendVector gs = sparse.allocateVector(n)) {
                    td.copyFromHost(theta);
                    ts.copyFromHost(theta);
                    ResidualSums sd = dense.gradient(td, 0.3, 1, 2.0 / m, RowSlice.all(), gd);
                    ResidualSums ss = sparse.gradient(ts, 0.3, 1, 2.0 / m, RowSlice.all(), gs);
                    close(gd.copyToHost(), gs.copyToHost(), SUMS, "gradient");
                    assertEquals(sd.sumOfSquares(), ss.sumOfSquares(), SUMS * sd.sumOfSquares());
                    assertEquals(sd.sum(), ss.sum(), SUMS * Math.sqrt(m * sd.sumOfSquares()));
                    long[] order = new long[m];
                    for (int i = 0; i < m; i++) {
                        order[i] = (i * 37L) % m;
                    }
                    RowSlice batch = RowSlice.of(order, 100, 132);
                    sd = dense.gradient(td, -1, 1, 1.0 / 32, batch, gd);
                    ss = sparse.gradient(ts, -1, 1, 1.0 / 32, batch, gs);
                    close(gd.copyToHost(), gs.copyToHost(), SUMS, "mini-batch gradient");
                    assertEquals(sd.sumOfSquares(), ss.sumOfSquares(), SUMS * sd.sumOfSquares());
                }
                try (DoublePointer pd = new DoublePointer(m); DoublePointer ps = new DoublePointer(m)) {
                    dense.predict(theta, 2.5, pd);
                    sparse.predict(theta, 2.5, ps);
                    double[] a1 = new double[m];
                    double[] a2 = new double[m];
                    pd.get(a1);
                    ps.get(a2);
                    close(a1, a2, 1e-14, "prediction");
                }
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> sparse.qrReduction(true, new double[n]));
                assertTrue(e.getMessage().contains("would densify it") && e.getMessage().contains("use the cg solver")
                        && !e.getMessage().contains("e-0"), e.getMessage()); // a size in kB, not "7.20e-08 GB"
            }
        }
    }

    @Test
    void coreSolversOnTheCsrProblemReachTheDenseSvdAnswer() {
        SplittableRandom r = new SplittableRandom(4);
        int m = 900;
        int n = 30;
        double[][] x = sparse(r, m, n, 0.2);
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            double s = 2;
            for (int j = 0; j < n; j++) {
                s += x[i][j] * ((j % 5) - 2);
            }
            y[i] = s + 0.1 * r.nextGaussian();
        }
        try (Dataset d = Dataset.of(x, y)) {
            FittedModel exact = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.SVD).build());
            for (Precision p : Precision.values()) {
                try (CsrMatrix a = csr(x, Precision.FLOAT64);
                     DoublePointer yp = new DoublePointer(y);
                     LoadedProblem loaded = LoadedProblem.of(new CpuCsrProblem(a, yp, null, p, 2), null, BackendOptions.none())) {
                    for (Solver s : new Solver[] {Solver.CG, Solver.NORMAL, Solver.NESTEROV}) {
                        if (p == Precision.FLOAT32 && s == Solver.NORMAL) {
                            continue;
                        }
                        FittedModel m1 = LinearRegression.fit(loaded, FitConfig.builder().solver(s).maxIterations(20_000).build());
                        // float64: cg/nesterov stop at ‖S∇‖ ≤ 1e-10·‖S∇₀‖ (well-conditioned: ~1e-9 in θ); normal is refined to
                        // rounding. float32 data are the rounded values: their answer differs by ~κ·1e-7 from float64's
                        double tolerance = p == Precision.FLOAT64 ? (s == Solver.NORMAL ? 1e-12 : 1e-8) : 1e-4;
                        close(exact.coefficients(), m1.coefficients(), tolerance, s + " " + p);
                        assertEquals(exact.intercept(), m1.intercept(), tolerance * 10, s + " " + p + " intercept");
                    }
                }
            }
        }
    }

    @Test
    void theLibraryFitsASparseDatasetWithAutoChoosingCgCdOnItsGramMatrixAndRefusesSvdOverBudget() {
        SplittableRandom r = new SplittableRandom(9);
        int m = 600;
        int n = 25;
        double[][] x = sparse(r, m, n, 0.2);
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            double s = -1;
            for (int j = 0; j < n; j++) {
                s += x[i][j] * (j % 3);
            }
            y[i] = s + 0.05 * r.nextGaussian();
        }
        try (Dataset d = Dataset.of(x, y); SparseDataset sd = SparseDataset.of(csr(x, Precision.FLOAT64), y)) {
            FittedModel exact = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.SVD).build());
            // 600 × 25 at 20 %: the normal equations cost a few cg passes (SolverChoice.chooseSparse), so auto takes them
            FittedModel auto = LinearRegression.fit(sd, FitConfig.builder().build());
            assertEquals(Solver.NORMAL, auto.solver());
            assertEquals("cpu", auto.backend());
            assertTrue(auto.report().solverChoice().startsWith("normal: the exact answer is cheap for sparse X (600 × 25"),
                    auto.report().solverChoice());
            // the backend's one-time initialisation is reported apart from the fit's time, as for dense X
            assertTrue(auto.report().backendInitSeconds() >= 0, "backendInitSeconds " + auto.report().backendInitSeconds());
            close(exact.coefficients(), auto.coefficients(), 1e-12, "auto (normal) on CSR vs dense svd");
            // where the n × n matrices are over the budget (24n² = 15,000 bytes), cg
            FittedModel cg = LinearRegression.fit(sd, FitConfig.builder().directMemoryBudget(10_000).build());
            assertEquals(Solver.CG, cg.solver());
            assertTrue(cg.report().solverChoice().startsWith("cg: X is sparse (600 × 25"), cg.report().solverChoice());
            close(exact.coefficients(), cg.coefficients(), 1e-8, "auto (cg) on CSR vs dense svd");
            FittedModel normal = LinearRegression.fit(sd, FitConfig.builder().solver(Solver.NORMAL).build());
            close(exact.coefficients(), normal.coefficients(), 1e-12, "normal on CSR vs dense svd");
            for (Solver stochastic : new Solver[] {Solver.SGD, Solver.MINIBATCH}) {
                // the same seeded row order on both: the same steps, summed in another order within each row
                FitConfig.Builder cb = FitConfig.builder().backend("cpu").solver(stochastic).learningRate(0.002).maxIterations(4)
                        .tolerance(0).seed(3);
                FitConfig c = (stochastic == Solver.MINIBATCH ? cb.batchSize(16) : cb).build();
                FittedModel onDense = LinearRegression.fit(d, c);
                FittedModel onCsr = LinearRegression.fit(sd, c);
                close(onDense.coefficients(), onCsr.coefficients(), 1e-9, stochastic + " on CSR vs dense");
            }
            // svd densifies X within the direct solvers' budget (SparseSvdTest), and is refused by core before X is loaded
            // above it: 600 × 25 float64 is 120 kB
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LinearRegression.fit(sd, FitConfig.builder().solver(Solver.SVD).directMemoryBudget(100_000).build()));
            assertTrue(e.getMessage().contains("svd densifies a sparse X") && e.getMessage().contains("non-zeros"), e.getMessage());
            try (LoadedProblem loaded = LinearRegression.load(sd, FitConfig.builder().build())) {
                e = assertThrows(IllegalArgumentException.class, () -> LinearRegression.fit(loaded,
                        FitConfig.builder().solver(Solver.SVD).directMemoryBudget(100_000).build()));
                assertTrue(e.getMessage().contains("svd densifies a sparse X"), e.getMessage());
                // cd runs on the sparse Gram matrix: the dense fit's answer (both to their duality gap, 1e-10 here)
                FitConfig lasso = FitConfig.builder().solver(Solver.CD).penalty(Penalty.elasticNet(0.05, 0.7)).tolerance(1e-12).build();
                FittedModel onCsr = LinearRegression.fit(loaded, lasso);
                FittedModel onDense = LinearRegression.fit(d, lasso);
                assertEquals(Solver.CD, onCsr.solver());
                close(onDense.coefficients(), onCsr.coefficients(), 1e-9, "cd on CSR vs dense");
                assertEquals(onDense.intercept(), onCsr.intercept(), 1e-9 * (1 + Math.abs(onDense.intercept())));
            }
            // and a cross-validation with cd named takes the Gram path on sparse X too (a Gram pass per fold, not per α)
            FitConfig cv = FitConfig.builder().backend("cpu").solver(Solver.CD).penalty(Penalty.l1(1)).build();
            FittedModel sparseCv = dev.downhill.CrossValidation.fit(sd, cv, 4, dev.downhill.CrossValidation.Rule.MIN);
            assertTrue(sparseCv.report().solverChoice().startsWith("cd: as configured"), sparseCv.report().solverChoice());
            FittedModel denseCv = dev.downhill.CrossValidation.fit(d, cv, 4, dev.downhill.CrossValidation.Rule.MIN);
            assertEquals(denseCv.config().penalty().alpha(), sparseCv.config().penalty().alpha(), 1e-12 * denseCv.config().penalty().alpha(),
                    "the same α chosen");
            close(denseCv.coefficients(), sparseCv.coefficients(), 1e-8, "cross-validated cd on CSR vs dense");
            try (LoadedProblem loaded = LinearRegression.load(sd, FitConfig.builder().build())) {
                double[] predicted = auto.predict(loaded);
                double[] dense = auto.predict(x);
                close(dense, predicted, 1e-14, "predictions over the CSR problem");
            }
        }
    }

    /**
     * The one-time moments pass gives the weighted means and, from the same pass, the mean squares about 0 (which
     * {@code columnMeanSquaredDeviations(false)} then returns without a pass of its own): against Σwx/Σw and Σwx²/Σw
     * summed directly in float64 from the values the problem holds (float32 values are exact in float64), for both
     * precisions and 1 and 3 threads; and the same bits whatever was asked first.
     */
    @Test
    void theMomentsPassGivesTheMeansAndTheMeanSquaresAboutZero() {
        SplittableRandom r = new SplittableRandom(44);
        int m = 500;
        int n = 30;
        double[][] x = sparse(r, m, n, 0.2);
        double[] y = new double[m];
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            y[i] = r.nextGaussian();
            w[i] = r.nextInt(5) * 0.5;
        }
        for (Precision p : Precision.values()) {
            double[] sum = new double[n];
            double[] squares = new double[n];
            double total = 0;
            for (int i = 0; i < m; i++) {
                total += w[i];
                for (int j = 0; j < n; j++) {
                    double v = p == Precision.FLOAT32 ? (float) x[i][j] : x[i][j];
                    sum[j] += w[i] * v;
                    squares[j] += w[i] * v * v;
                }
            }
            for (int j = 0; j < n; j++) {
                sum[j] /= total;
                squares[j] /= total;
            }
            for (int threads : new int[] {1, 3}) {
                double[] first;
                try (CsrMatrix a = csr(x, p);
                     org.bytedeco.javacpp.Pointer yp = p == Precision.FLOAT64 ? new DoublePointer(y) : new org.bytedeco.javacpp.FloatPointer(toFloat(y));
                     DoublePointer wp = new DoublePointer(w);
                     CpuCsrProblem sparse = new CpuCsrProblem(a, yp, wp, p, threads)) {
                    first = sparse.columnMeanSquaredDeviations(false); // the moments pass runs here
                    close(sum, sparse.columnStatistics().means(), SUMS, p + " weighted means, " + threads + " threads");
                    close(squares, first, SUMS, p + " weighted mean squares about 0, " + threads + " threads");
                }
                try (CsrMatrix a = csr(x, p);
                     org.bytedeco.javacpp.Pointer yp = p == Precision.FLOAT64 ? new DoublePointer(y) : new org.bytedeco.javacpp.FloatPointer(toFloat(y));
                     DoublePointer wp = new DoublePointer(w);
                     CpuCsrProblem sparse = new CpuCsrProblem(a, yp, wp, p, threads)) {
                    sparse.columnStatistics();
                    sparse.columnMeanSquaredDeviations(true);
                    assertArrayEquals(first, sparse.columnMeanSquaredDeviations(false), p + ": the same bits in another call order");
                }
            }
        }
    }

    /**
     * The centred deviations come from the moments pass (E[x²] − x̄², no pass of their own) while every column has x̄² ≤
     * E[x²]/2, and from the exact pass when one column has a large offset (1000 + N(0, 10⁻³²) in every row: E[x²] − x̄²
     * would keep ~4 digits of the 10⁻⁶ variance). Each column against its deviation summed exactly (BigDecimal) from
     * the stored values, relative to itself: the one-pass difference within 1e-13 (its error is a few times that of
     * E[x²]'s sum of 400 terms), the exact pass within 1e-13 too — so the offset column shows the fallback ran.
     */
    @Test
    void centredDeviationsComeFromTheMomentsPassUnlessAColumnWouldCancel() {
        SplittableRandom r = new SplittableRandom(91);
        int m = 400;
        int n = 12;
        double[][] x = sparse(r, m, n, 0.1);
        double[][] offset = new double[m][];
        for (int i = 0; i < m; i++) {
            offset[i] = x[i].clone();
            offset[i][n - 1] = 1000 + 1e-3 * r.nextGaussian();
        }
        double[] y = new double[m];
        for (double[][] data : new double[][][] {x, offset}) {
            double[] exact = exactDeviations(data);
            for (int threads : new int[] {1, 2}) {
                try (CsrMatrix a = csr(data, Precision.FLOAT64); DoublePointer yp = new DoublePointer(y);
                     CpuCsrProblem sparse = new CpuCsrProblem(a, yp, null, Precision.FLOAT64, threads)) {
                    double[] d = sparse.columnMeanSquaredDeviations(true);
                    for (int j = 0; j < n; j++) {
                        assertEquals(exact[j], d[j], 1e-13 * exact[j], (data == x ? "one pass" : "exact pass") + " [" + j + "]");
                    }
                    if (data == x) { // the moments pass's difference, bit for bit
                        double[] squares = sparse.columnMeanSquaredDeviations(false);
                        double[] means = sparse.columnStatistics().means();
                        for (int j = 0; j < n; j++) {
                            assertEquals(squares[j] - means[j] * means[j], d[j], 0.0, "E[x²] − x̄² [" + j + "]");
                        }
                    }
                }
            }
        }
    }

    /** Σᵢ(xᵢⱼ − x̄ⱼ)²/m, exactly (BigDecimal) and rounded once. */
    private static double[] exactDeviations(double[][] x) {
        int m = x.length;
        int n = x[0].length;
        double[] out = new double[n];
        java.math.MathContext mc = new java.math.MathContext(60);
        for (int j = 0; j < n; j++) {
            java.math.BigDecimal sum = java.math.BigDecimal.ZERO;
            for (double[] row : x) {
                sum = sum.add(new java.math.BigDecimal(row[j]));
            }
            java.math.BigDecimal mean = sum.divide(java.math.BigDecimal.valueOf(m), mc);
            java.math.BigDecimal squares = java.math.BigDecimal.ZERO;
            for (double[] row : x) {
                java.math.BigDecimal d = new java.math.BigDecimal(row[j]).subtract(mean);
                squares = squares.add(d.multiply(d));
            }
            out[j] = squares.divide(java.math.BigDecimal.valueOf(m), mc).doubleValue();
        }
        return out;
    }

    /**
     * The full-batch CSR gradient pass, bit for bit, against its documented arithmetic written out in Java (one thread, float64):
     * each row's dot x_i·θ in eight interleaved sums over the storage positions, combined ((p0 + p4) + (p2 + p6)) + ((p1 + p5) +
     * (p3 + p7)), then the row's last (length mod 8) entries in order; r = d + b − τy, g_j = (0 + Σ_i w r x_ij)·scale.
     * Rows of 0 to 40 entries (every remainder mod 8) and values spanning twelve decades, where summing in one chain gives other
     * bits (checked here, so the comparison can tell the two orders apart); n small, and n large enough for the flavour that
     * prefetches columns ahead ({@link CpuCsrProblem#COLUMNS_AHEAD_FROM}).
     */
    @Test
    void theGradientPassSumsEachRowInEightInterleavedChains() {
        for (int n : new int[] {48, CpuCsrProblem.COLUMNS_AHEAD_FROM}) {
            gradientPassInEightChains(n);
        }
    }

    private static void gradientPassInEightChains(int n) {
        SplittableRandom r = new SplittableRandom(81);
        int m = 90;
        long[] pointers = new long[m + 1];
        List<Integer> columns = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        double[] y = new double[m];
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            java.util.TreeSet<Integer> row = new java.util.TreeSet<>();
            while (row.size() < i % 41) {
                row.add(r.nextInt(n));
            }
            for (int j : row) {
                columns.add(j);
                values.add(r.nextGaussian() * Math.pow(10, r.nextInt(13) - 6));
            }
            pointers[i + 1] = columns.size();
            y[i] = r.nextGaussian() * 1e3;
            w[i] = 0.25 + r.nextInt(4);
        }
        double[] theta = new double[n];
        for (int j = 0; j < n; j++) {
            theta[j] = r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3);
        }
        double b = 0.7;
        double tau = 1.5;
        double scale = 2.0 / m;
        double[] acc = new double[n];
        double ss = 0;
        double s = 0;
        boolean orderMatters = false;
        for (int i = 0; i < m; i++) {
            int from = (int) pointers[i];
            int to = (int) pointers[i + 1];
            double[] p = new double[8];
            int k = from;
            for (; k + 8 <= to; k += 8) {
                for (int c = 0; c < 8; c++) {
                    p[c] += values.get(k + c) * theta[columns.get(k + c)];
                }
            }
            double d = ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]));
            for (; k < to; k++) {
                d += values.get(k) * theta[columns.get(k)];
            }
            double oneChain = 0;
            for (k = from; k < to; k++) {
                oneChain += values.get(k) * theta[columns.get(k)];
            }
            orderMatters |= oneChain != d;
            double res = d + (b - tau * y[i]);
            double wr = w[i] * res;
            ss += wr * res;
            s += wr;
            for (k = from; k < to; k++) {
                acc[columns.get(k)] += wr * values.get(k);
            }
        }
        assertTrue(orderMatters, "the data tells eight chains from one");
        double[] expected = new double[n];
        for (int j = 0; j < n; j++) {
            expected[j] = (0 + acc[j]) * scale;
        }
        try (CsrMatrix a = CsrMatrix.of(pointers, columns.stream().mapToInt(Integer::intValue).toArray(),
                     values.stream().mapToDouble(Double::doubleValue).toArray(), n, Precision.FLOAT64);
             DoublePointer yp = new DoublePointer(y);
             DoublePointer wp = new DoublePointer(w);
             CpuCsrProblem sparse = new CpuCsrProblem(a, yp, wp, Precision.FLOAT64, 1);
             BackendVector t = sparse.allocateVector(n);
             BackendVector g = sparse.allocateVector(n)) {
            t.copyFromHost(theta);
            ResidualSums sums = sparse.gradient(t, b, tau, scale, RowSlice.all(), g);
            assertArrayEquals(expected, g.copyToHost(), "g, bit for bit, n = " + n);
            assertEquals(ss, sums.sumOfSquares(), 0.0, "Σ w r², n = " + n);
            assertEquals(s, sums.sum(), 0.0, "Σ w r, n = " + n);
        }
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    @Test
    void integerWeightsOnCsrEqualDuplicatedRows() {
        SplittableRandom r = new SplittableRandom(12);
        int m = 300;
        int n = 12;
        double[][] x = sparse(r, m, n, 0.3);
        double[] y = new double[m];
        double[] w = new double[m];
        List<double[]> rowsDup = new ArrayList<>();
        List<Double> yDup = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            y[i] = r.nextGaussian() + x[i][0] - 2 * x[i][3];
            w[i] = r.nextInt(4);
            for (int k = 0; k < w[i]; k++) {
                rowsDup.add(x[i]);
                yDup.add(y[i]);
            }
        }
        try (Dataset dup = Dataset.of(rowsDup.toArray(new double[0][]), yDup.stream().mapToDouble(Double::doubleValue).toArray());
             SparseDataset sd = SparseDataset.of(csr(x, Precision.FLOAT64), y).withWeights(w)) {
            assertTrue(sd.isWeighted());
            FittedModel exact = LinearRegression.fit(dup, FitConfig.builder().backend("cpu").solver(Solver.SVD).build());
            FittedModel normal = LinearRegression.fit(sd, FitConfig.builder().solver(Solver.NORMAL).build());
            FittedModel cg = LinearRegression.fit(sd, FitConfig.builder().solver(Solver.CG).build());
            close(exact.coefficients(), normal.coefficients(), 1e-10, "weighted normal on CSR vs duplicated rows");
            close(exact.coefficients(), cg.coefficients(), 1e-8, "weighted cg on CSR vs duplicated rows");
            assertEquals(exact.intercept(), normal.intercept(), 1e-10 * (1 + Math.abs(exact.intercept())));
            assertTrue(normal.trainingWeighted());
        }
    }

    @Test
    void penaltiesApplyToCsrAsToDenseX() {
        SplittableRandom r = new SplittableRandom(31);
        int m = 250;
        int n = 20;
        double[][] x = sparse(r, m, n, 0.25);
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            y[i] = 2 * x[i][1] - x[i][5] + 0.3 * r.nextGaussian();
        }
        try (Dataset d = Dataset.of(x, y); SparseDataset sd = SparseDataset.of(csr(x, Precision.FLOAT64), y)) {
            FitConfig ridge = FitConfig.builder().backend("cpu").solver(Solver.NORMAL).penalty(dev.downhill.Penalty.l2(0.1)).build();
            close(LinearRegression.fit(d, ridge).coefficients(), LinearRegression.fit(sd, ridge).coefficients(), 1e-12, "ridge, normal");
            FitConfig lasso = FitConfig.builder().backend("cpu").penalty(dev.downhill.Penalty.l1(0.05)).tolerance(1e-12)
                    .maxIterations(50_000).build();
            FittedModel onDense = LinearRegression.fit(d, lasso);
            FittedModel onCsr = LinearRegression.fit(sd, lasso);
            // tall dense X with few columns: cd on its Gram matrix (DenseL1Choice), as on the CSR copy
            assertEquals(Solver.CD, onDense.solver(), onDense.report().solverChoice());
            // on this sparse X (rows of ~5 entries, n = 20) cd's Gram route (3.8e3 + 100·n² = 4.4e4 multiply-adds) costs less
            // than ~20 FISTA passes (5e4): SparseL1Choice
            assertEquals(Solver.CD, onCsr.solver(), onCsr.report().solverChoice());
            // both stop at a relative duality gap of 1e-12: the two answers agree to ~1e-6 of their scale
            close(onDense.coefficients(), onCsr.coefficients(), 1e-6, "lasso, cd on dense X and cd on CSR");
        }
    }

    @Test
    void rowRangesBalanceTheNonZerosAndEachHasARow() {
        try (LongPointer p = new LongPointer(new long[] {0, 100, 101, 102, 103, 200, 300})) {
            // 300 non-zeros in three ranges of 100: row 0, rows 1–4, row 5
            assertArrayEquals(new long[] {0, 1, 5, 6}, CpuCsrProblem.balancedRanges(p, 6, 3));
            assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6}, CpuCsrProblem.balancedRanges(p, 6, 6));
        }
    }

    @Test
    void autoOnSparseXGivesTheDenseFitsStandardErrorsAndTurnsToCgWhereTheNormalEquationsRefuse() {
        SplittableRandom r = new SplittableRandom(21);
        int m = 400;
        int n = 12;
        double[][] x = sparse(r, m, n, 0.3);
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            double s = 2;
            for (int j = 0; j < n; j++) {
                s += x[i][j] * (j - 5);
            }
            y[i] = s + 0.1 * r.nextGaussian();
        }
        FitConfig withErrors = FitConfig.builder().backend("cpu").standardErrors(true).build();
        try (Dataset d = Dataset.of(x, y); SparseDataset sd = SparseDataset.of(csr(x, Precision.FLOAT64), y)) {
            FittedModel dense = LinearRegression.fit(d, withErrors);
            FittedModel auto = LinearRegression.fit(sd, withErrors);
            assertEquals(Solver.NORMAL, dense.solver());
            assertEquals(Solver.NORMAL, auto.solver(), auto.report().solverChoice());
            close(dense.coefficients(), auto.coefficients(), 1e-12, "θ, sparse vs dense normal equations");
            // both from the same refined answer and (XᵀX)⁻¹'s diagonal: agreement to rounding
            close(dense.inference().orElseThrow().standardErrors(), auto.inference().orElseThrow().standardErrors(), 1e-10,
                    "standard errors");
        }
        // column 3 repeated as column 4: XᵀX is singular, the normal equations refuse, and svd on a dense copy of X gives
        // the minimum-norm answer, as on dense X (cg from here stopped "converged" far from it on ill-conditioned X)
        for (double[] row : x) {
            row[4] = row[3];
        }
        try (Dataset d = Dataset.of(x, y); SparseDataset sd = SparseDataset.of(csr(x, Precision.FLOAT64), y)) {
            FittedModel dense = LinearRegression.fit(d, FitConfig.builder().backend("cpu").build());
            assertEquals(Solver.SVD, dense.solver());
            FittedModel auto = LinearRegression.fit(sd, FitConfig.builder().backend("cpu").build());
            assertEquals(Solver.SVD, auto.solver(), auto.report().solverChoice());
            assertTrue(auto.report().solverChoice().startsWith("normal: the exact answer is cheap")
                    && auto.report().solverChoice().contains("; the normal equations refused (")
                    && auto.report().solverChoice().endsWith("): svd on a dense copy of X"), auto.report().solverChoice());
            close(dense.coefficients(), auto.coefficients(), 1e-12, "the minimum-norm θ, sparse vs dense");
            assertEquals(dense.intercept(), auto.intercept(), 1e-12 * Math.abs(dense.intercept()));
            assertEquals(11, auto.rank());
            // the same through a loaded problem (the densified copy onto its backend)
            try (LoadedProblem loaded = LinearRegression.load(sd, FitConfig.builder().backend("cpu").build())) {
                FittedModel viaLoaded = LinearRegression.fit(loaded, FitConfig.builder().backend("cpu").build());
                assertEquals(Solver.SVD, viaLoaded.solver());
                close(dense.coefficients(), viaLoaded.coefficients(), 1e-12, "the minimum-norm θ through a loaded problem");
            }
            // a dense copy over the budget (400 × 12 float64 = 38 kB; the normal equations' 24n² = 3.5 kB fit): cg, and the
            // reason says its answer may be far off
            FittedModel cg = LinearRegression.fit(sd, FitConfig.builder().backend("cpu").directMemoryBudget(10_000).build());
            assertEquals(Solver.CG, cg.solver());
            assertTrue(cg.report().solverChoice().contains("): cg, whose answer on X this ill-conditioned may be far from the "
                    + "least-squares one though it stops converged (svd on a dense copy of X would be exact, but the copy would "
                    + "take 38 kB, over the direct solvers' budget of 10 kB)"), cg.report().solverChoice());
            assertEquals(dev.downhill.StopReason.CONVERGED, cg.stopReason());
            double[] t = cg.coefficients();
            assertEquals(t[3], t[4], 1e-6, "cg from 0 splits a repeated column's weight equally (standardized alike)");
        }
    }
}
