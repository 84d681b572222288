package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
