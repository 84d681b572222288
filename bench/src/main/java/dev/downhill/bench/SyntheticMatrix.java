package dev.downhill.bench;

import dev.downhill.Dataset;
import dev.downhill.internal.OffHeapViews;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;

/** Seeded float32 regression data generated straight into off-heap memory (no heap copy of X). */
final class SyntheticMatrix {
    private SyntheticMatrix() {
    }

    /** X ~ U(−1, 1) elementwise from a SplitMix64 stream, y = X·(1/n, …) + small noise; the caller closes it. */
    static Dataset float32(int rows, int cols, long seed) {
        long total = (long) rows * cols;
        FloatPointer x = new FloatPointer(total);
        FloatPointer y = new FloatPointer(rows);
        long state = seed;
        for (int i = 0; i < rows; i++) {
            FloatBuffer row = OffHeapViews.floats(x, (long) i * cols, cols);
            double s = 0;
            for (int j = 0; j < cols; j++) {
                state += 0x9E3779B97F4A7C15L;
                float v = (float) (((mix(state) >>> 11) * 0x1.0p-53) * 2 - 1);
                row.put(j, v);
                s += v;
            }
            y.put(i, (float) (s / cols + 0.01 * (((mix(state ^ i) >>> 11) * 0x1.0p-53) - 0.5)));
        }
        return Dataset.adopt(x, y, rows, cols);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
