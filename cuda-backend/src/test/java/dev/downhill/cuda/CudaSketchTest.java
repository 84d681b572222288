package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Precision;
import dev.downhill.internal.direct.JavaDenseKernels;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.HostRowSketch;
import dev.downhill.spi.ResidentProblem;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pieces of auto's trial certificate on the cuda backend: the row sketch (made on the host copy of X: the same bits
 * as core's {@link HostRowSketch}), its Gram matrix by cublasDsyrk (against the Java reference, to rounding), and a
 * certified trial end to end (the same choice and, to cg's tolerance, the same answer as the cpu backend's).
 */
class CudaSketchTest {
    @BeforeAll
    static void requireDevice() {
        CudaDevice.assume();
    }

    private static double[][] rows(int m, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[m][n];
        for (double[] row : x) {
            for (int j = 0; j < n; j++) {
                row[j] = 2 + r.nextGaussian();
            }
        }
        return x;
    }

    @Test
    void theSketchIsCoresAndItsGramMatrixIsDsyrks() {
        double[][] x = rows(500, 24, 1);
        try (Dataset d = Dataset.of(x, new double[x.length]);
             ResidentProblem p = new CudaBackend().load(d, Precision.FLOAT64, BackendOptions.builder().build())) {
            double[] means = p.columnStatistics().means();
            double[] sketch = HostRowSketch.of(d, means, 48, 0.5, 3, 1);
            double[] expected = JavaDenseKernels.rowGram(sketch, 48, 24, 1);
            double[] gram = p.sketchGram(48, 0.5, 3, true); // the same sketch (on the host copy of X), dsyrk on the device
            double largest = 0; // each entry is a sum of 48 products, in another order: within 48 ulps of the largest
            for (int j = 0; j < 24; j++) {
                largest = Math.max(largest, expected[j * 25]);
            }
            for (int k = 0; k < expected.length; k++) {
                assertEquals(expected[k], gram[k], 48 * Math.ulp(largest), "G entry " + k);
            }
        }
    }

    @Test
    void autoCertifiesItsTrialAsOnTheCpu() {
        int m = 20_000; // float32: the trial gets ~n/32 = 15 passes (the normal equations' half), cg converges in 13
        int n = 500;
        double[][] x = rows(m, n, 2);
        double[] y = new double[m];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < m; i++) {
            double s = 1;
            for (int j = 0; j < n; j++) {
                s += x[i][j] * ((j % 5) - 2) * 0.1;
            }
            y[i] = s + 0.1 * r.nextGaussian();
        }
        try (Dataset d = Dataset.of(x, y)) {
            FittedModel gpu = LinearRegression.fit(d, FitConfig.builder().backend("cuda").precision(Precision.FLOAT32).build());
            FittedModel cpu = LinearRegression.fit(d, FitConfig.builder().backend("cpu").precision(Precision.FLOAT32).build());
            String why = gpu.report().solverChoice();
            assertTrue(why.contains("which a sketch of X (condition ≈"), why);
            assertEquals(cpu.solver(), gpu.solver(), why + " / " + cpu.report().solverChoice());
            for (int j = 0; j < n; j++) { // cg to 1e-6 in float32 on a well-conditioned problem, certified within 1e-3
                assertEquals(cpu.coefficient(j), gpu.coefficient(j), 1e-4 * (1 + Math.abs(cpu.coefficient(j))), "θ" + j);
            }
        }
    }
}
