package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.downhill.Dataset;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.WideRows;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DirectPassesTest {

    @Test
    void theTiledMirrorCopiesTheUpperTriangleWhateverTheSize() {
        for (int n : new int[] {1, 2, 63, 64, 65, 130}) {
            double[] g = new double[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    g[i * n + j] = j >= i ? 1000.0 * i + j : Double.NaN;
                }
            }
            DirectPasses.mirrorUpper(g, n);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(1000.0 * Math.min(i, j) + Math.max(i, j), g[i * n + j], 0, n + ": " + i + ", " + j);
                }
            }
        }
    }

    /**
     * The rows pass is A = [X_c·D | y_c]·(√wᵢ per row) itself, bit for bit the plain loops' ((xᵢⱼ − x̄ⱼ)·Dⱼ)·√wᵢ and
     * (yᵢ − ȳ)·√wᵢ (float32 X widened exactly first), over more rows than one copy tile (64) and a last partial tile.
     */
    @Test
    void theRowsPassCopiesTheCentredScaledWeightedRows() {
        int m = 150;
        int n = 170;
        SplittableRandom r = new SplittableRandom(91);
        double[] x = new double[m * n];
        float[] xf = new float[m * n];
        double[] y = new double[m];
        float[] yf = new float[m];
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                x[i * n + j] = r.nextGaussian() * (1 + j) + j % 3;
                xf[i * n + j] = (float) x[i * n + j];
            }
            y[i] = r.nextGaussian() + 4;
            yf[i] = (float) y[i];
            w[i] = i % 9 == 0 ? 0 : 0.25 + r.nextDouble();
        }
        double[] scales = new double[n];
        double[] means = new double[n];
        for (int j = 0; j < n; j++) {
            scales[j] = 1 / (1.5 + j);
            means[j] = 0.1 * j - 1;
        }
        ColumnStatistics stats = new ColumnStatistics(means, 3.75);
        try (Dataset d64 = Dataset.ofRowMajor(x, m, n, y, w);
             Dataset d32 = Dataset.ofRowMajor(xf, m, n, yf);
             Dataset tall = Dataset.ofRowMajor(x, n, m, java.util.Arrays.copyOf(y, n))) {
            for (Dataset d : new Dataset[] {d64, d32}) {
                boolean weighted = d == d64;
                for (ColumnStatistics s : new ColumnStatistics[] {stats, null}) {
                    WideRows a = DirectPasses.wideRows(d, s, scales);
                    assertEquals(m, a.rows());
                    assertEquals(n + 1, a.cols());
                    assertEquals(m * (n + 1), a.a().length);
                    for (int i = 0; i < m; i++) {
                        double root = weighted ? Math.sqrt(w[i]) : 1;
                        for (int j = 0; j < n; j++) {
                            double v = weighted ? x[i * n + j] : xf[i * n + j];
                            double expected = (v - (s == null ? 0 : means[j])) * scales[j];
                            assertEquals(weighted ? expected * root : expected, a.get(i, j), 0, i + ", " + j);
                        }
                        double target = (weighted ? y[i] : yf[i]) - (s == null ? 0 : 3.75);
                        assertEquals(weighted ? target * root : target, a.get(i, n), 0, "y " + i);
                    }
                }
            }
            double[] tallScales = new double[m];
            java.util.Arrays.fill(tallScales, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DirectPasses.wideRows(tall, null, tallScales));
            assertEquals("the rows pass is for wide X: 170 rows > 150 columns", e.getMessage());
        }
    }
}
