package dev.downhill.bench.report;

import dev.downhill.Dataset;
import java.util.SplittableRandom;

/** A small seeded float32 problem (2000 × 50) for warming up the JIT before a timed fit. */
final class SyntheticMatrixAccess {
    private SyntheticMatrixAccess() {
    }

    static Dataset small() {
        int m = 2000;
        int n = 50;
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[m * n];
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int j = 0; j < n; j++) {
                x[i * n + j] = (float) r.nextGaussian();
                s += x[i * n + j] * (j % 7 - 3);
            }
            y[i] = (float) (s + r.nextGaussian());
        }
        return Dataset.ofRowMajor(x, m, n, y);
    }
}
