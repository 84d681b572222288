package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.downhill.Dataset;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.SparseDataset;
import dev.downhill.internal.CentredObjective;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.EpochRows;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The first gradient pass of a fit in internal units measures y (its target factor τ) at θ = 0; when τ comes out as a
 * power of two other than the 1 that pass used, a float64 pass's output is scaled to τ instead of being run again
 * (float32 runs it again). The start gradient and its sums must be the bits of a pass run at τ: compared here with an
 * objective of the same problem whose τ was measured first (by asking for its epoch description) and whose first
 * gradient is then an ordinary pass. And float32 fits of data far from 1 (where a pass at τ = 1 overflows or
 * underflows float32's products) converge to the float64 fit's answer.
 * y is scaled by 2⁴⁰ (τ = 2⁻⁴⁰-ish, beyond the neutral range) and column 0 by 2⁻³⁰ (so D is present, standardized or
 * not), dense and CSR, float32 and float64, weighted or not.
 */
class StartPassReuseTest {
    static final int M = 157;
    static final int N = 9;

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Precision p : Precision.values()) {
            for (boolean sparse : new boolean[] {false, true}) {
                for (boolean standardize : new boolean[] {false, true}) {
                    list.add(Arguments.of(p, sparse, standardize, sparse == standardize));
                }
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} sparse={1} standardize={2} weighted={3}")
    @MethodSource("cases")
    void theRescaledMeasuringPassIsThePassAtTau(Precision precision, boolean sparse, boolean standardize, boolean weighted) {
        SplittableRandom r = new SplittableRandom(17);
        double[][] x = new double[M][N];
        double[] y = new double[M];
        double[] w = new double[M];
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                x[i][j] = sparse && r.nextDouble() < 0.6 ? 0 : (r.nextGaussian() + (j % 3)) * (j == 0 ? 0x1p-30 : 1);
                y[i] += x[i][j] * (j + 1);
            }
            y[i] = (y[i] + r.nextGaussian() + 1.5) * 0x1p40;
            w[i] = 0.25 + r.nextDouble();
        }
        try (AutoCloseable data = dataset(x, y, weighted ? w : null, precision, sparse);
             ResidentProblem problem = data instanceof Dataset d ? new CpuBackend().load(d, precision, TWO_THREADS)
                     : new CpuBackend().loadSparse((SparseDataset) data, precision, TWO_THREADS);
             CentredObjective reused = new CentredObjective(problem, true, standardize, Penalty.none(), true);
             CentredObjective measuredFirst = new CentredObjective(problem, true, standardize, Penalty.none(), true);
             BackendVector theta = problem.allocateVector(N);
             BackendVector g1 = problem.allocateVector(N);
             BackendVector g2 = problem.allocateVector(N)) {
            measuredFirst.epochBuilder(EpochRows.of(1, 0, M, M, 2), 1); // τ measured by a pass of its own
            ResidualSums s1 = reused.gradient(theta, RowSlice.all(), g1);
            ResidualSums s2 = measuredFirst.gradient(theta, RowSlice.all(), g2);
            assertNotEquals(1.0, reused.targetFactor(), "the case must need τ ≠ 1");
            assertEquals(measuredFirst.targetFactor(), reused.targetFactor());
            assertEquals(s2.sumOfSquares(), s1.sumOfSquares(), 0.0, "Σwr²");
            assertEquals(s2.sum(), s1.sum(), 0.0, "Σwr");
            assertArrayEquals(g2.copyToHost(), g1.copyToHost(), 0.0, "g at θ = 0");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /**
     * X ~ xs, y ~ ys far from 1 in float32 (products x·y beyond float32's range at τ = 1): gd, nesterov and cg converge
     * to the float64 fit's θ (relative 1e-3: float32 data and passes). Reusing the τ = 1 pass here diverged or stopped at 0.
     */
    @ParameterizedTest(name = "xs={0} ys={1} {2}")
    @org.junit.jupiter.params.provider.CsvSource({"1e25, 1e15, GD", "1e25, 1e15, CG", "1e-32, 1e-16, CG", "1e-32, 1e-16, NESTEROV"})
    void float32FitsOfDataFarFromOneConverge(double xs, double ys, dev.downhill.Solver solver) {
        SplittableRandom r = new SplittableRandom(3);
        int m = 200;
        double[][] x = new double[m][3];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int j = 0; j < 3; j++) {
                double v = r.nextGaussian() + 1;
                x[i][j] = v * xs;
                s += (j + 1) * v;
            }
            y[i] = (s + 0.1 * r.nextGaussian()) * ys;
        }
        try (Dataset d = Dataset.of(x, y)) {
            dev.downhill.FitConfig.Builder b = dev.downhill.FitConfig.builder().solver(solver).backend("cpu").maxIterations(20_000);
            dev.downhill.FittedModel f64 = dev.downhill.LinearRegression.fit(d, b.precision(Precision.FLOAT64).build());
            dev.downhill.FittedModel f32 = dev.downhill.LinearRegression.fit(d, b.precision(Precision.FLOAT32).build());
            assertEquals(dev.downhill.StopReason.CONVERGED, f32.stopReason(), f32.toString());
            for (int j = 0; j < 3; j++) {
                assertEquals(f64.coefficient(j), f32.coefficient(j), 1e-3 * Math.abs(f64.coefficient(j)), "coefficient " + j);
            }
        }
    }

    private static final BackendOptions TWO_THREADS = BackendOptions.builder().threads(2).build();

    /** X, y (and w) as a dense dataset or as CSR (the zeros left out). */
    private static AutoCloseable dataset(double[][] x, double[] y, double[] w, Precision precision, boolean sparse) {
        if (!sparse) {
            return w == null ? Dataset.of(x, y) : Dataset.of(x, y, w);
        }
        List<Integer> cols = new ArrayList<>();
        List<Double> vals = new ArrayList<>();
        long[] ptr = new long[M + 1];
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                if (x[i][j] != 0) {
                    cols.add(j);
                    vals.add(x[i][j]);
                }
            }
            ptr[i + 1] = cols.size();
        }
        CsrMatrix csr = CsrMatrix.of(ptr, cols.stream().mapToInt(Integer::intValue).toArray(),
                vals.stream().mapToDouble(Double::doubleValue).toArray(), N, precision);
        SparseDataset d = SparseDataset.of(csr, y);
        return w == null ? d : d.withWeights(w);
    }
}
