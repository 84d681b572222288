package dev.downhill.cuda;

import dev.downhill.internal.OffHeapViews;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.FloatPointer;

/**
 * The device benchmarks' host data: X uniform in [−1, 1] (splitmix64 of each element's index, so any
 * thread count gives the same bits), y = X·θ* + 0.1·noise with θ*_j = 1/(1 + j). Written in parallel
 * into host memory.
 */
final class GeneratedRegression {
    private GeneratedRegression() {
    }

    /** Writes {@code rows × cols} of X (row-major) into {@code x} and {@code rows} targets into {@code y}. */
    static void fill(FloatPointer x, FloatPointer y, long rows, int cols) {
        int threads = Runtime.getRuntime().availableProcessors();
        IntStream.range(0, threads).parallel().forEach(t -> {
            long from = rows * t / threads;
            long to = rows * (t + 1) / threads;
            for (long i = from; i < to; i++) {
                FloatBuffer row = OffHeapViews.floats(x, i * cols, cols);
                double target = 0;
                for (int j = 0; j < cols; j++) {
                    float v = (float) (2 * uniform(i * cols + j) - 1);
                    row.put(j, v);
                    target += v / (1.0 + j);
                }
                y.put(i, (float) (target + 0.1 * (2 * uniform(~i) - 1)));
            }
        });
    }

    /** splitmix64 of {@code index}, as a double uniform in [0, 1). */
    private static double uniform(long index) {
        long z = index * 0x9E3779B97F4A7C15L + 0x2545F4914F6CDD1DL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53;
    }
}
