package dev.downhill.spi;

import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * {@link ResidentProblem#targetSums} for a backend whose y (and weights) lie in host memory: one pass over y alone,
 * rᵢ = b − τ·yᵢ in float64 (yᵢ widened from the problem's precision, as the fused gradient passes widen it), Σwᵢrᵢ² and
 * Σwᵢrᵢ added in row order. Reads y and w; writes nothing.
 */
public final class HostTargetSums {
    private HostTargetSums() {
    }

    /**
     * @param y         m values of {@code precision} (a FloatPointer or DoublePointer from its position), host memory
     * @param weights   m float64 weights from its position, or null when unweighted
     * @param rows      m (may exceed 2³¹)
     * @param intercept b
     * @param tau       τ
     */
    public static ResidualSums of(Pointer y, DoublePointer weights, long rows, Precision precision, double intercept,
                                  double tau) {
        double squares = 0;
        double sum = 0;
        for (long start = 0; start < rows; start += OffHeapViews.MAX_WINDOW) {
            int length = (int) Math.min(OffHeapViews.MAX_WINDOW, rows - start);
            FloatBuffer yf = precision == Precision.FLOAT32 ? OffHeapViews.floats(y, start, length) : null;
            DoubleBuffer yd = precision == Precision.FLOAT64 ? OffHeapViews.doubles(y, start, length) : null;
            DoubleBuffer w = weights != null ? OffHeapViews.doubles(weights, start, length) : null;
            for (int i = 0; i < length; i++) {
                double r = intercept - tau * (yf != null ? (double) yf.get(i) : yd.get(i));
                double wr = w != null ? w.get(i) * r : r;
                squares += wr * r;
                sum += wr;
            }
        }
        return new ResidualSums(squares, sum);
    }
}
