package dev.downhill.internal;

import java.nio.DoubleBuffer;
import org.bytedeco.javacpp.DoublePointer;

/**
 * The power of two core multiplies sample weights by before a backend loads them, so that the passes' products
 * wᵢxᵢⱼ², wᵢrᵢ² and wᵢxᵢⱼrᵢ keep X's and y's own range. Only the weights' ratios enter a fit — the objective is
 * (1/Σw)Σᵢwᵢrᵢ², its gradient (2/Σw)X_cᵀWr, the means and scales are normalised by Σw — so w·2ᵏ gives the same
 * answer, and since a power of two multiplies exactly, the same bits, wherever nothing underflows or overflows. Weights
 * of 1e-150 on X of 1e-90 (products 1e-330, below float64's range) otherwise made the gradient solvers' statistics
 * and gradients zero: θ = 0 "converged".
 *
 * <p>Weights whose mean w̄ = Σw/m lies within 2^±{@value #LIMIT_EXPONENT} are used as given (no copy); others are
 * copied, multiplied by 2ᵏ with k = −⌊log₂ w̄⌋ (mean then in [1, 2)). The model records the user's Σw.
 */
public final class WeightScale {
    /** Weights whose mean lies within 2^±this are not rescaled. */
    public static final int LIMIT_EXPONENT = 32;

    private WeightScale() {
    }

    /** k for weights summing to {@code weightSum} over {@code rows} rows: 0 when their mean is within 2^±32. */
    public static int exponent(double weightSum, long rows) {
        if (!(weightSum > 0) || !Double.isFinite(weightSum) || rows <= 0) {
            return 0;
        }
        int e = Math.getExponent(weightSum / rows);
        if (e < Double.MIN_EXPONENT) { // a subnormal mean: its exponent from its leading bit
            e = Math.getExponent(Math.scalb(weightSum / rows, 64)) - 64;
        }
        return Math.abs(e) <= LIMIT_EXPONENT ? 0 : -e;
    }

    /** A new pointer (the caller owns it) of m values wᵢ·2ᵏ read from {@code weights} (host memory, float64). */
    public static DoublePointer scaledCopy(DoublePointer weights, long rows, int k) {
        DoublePointer out = new DoublePointer(rows);
        try {
            for (long start = 0; start < rows; start += OffHeapViews.MAX_WINDOW) {
                int len = (int) Math.min(OffHeapViews.MAX_WINDOW, rows - start);
                DoubleBuffer in = OffHeapViews.doubles(weights, start, len);
                DoubleBuffer to = OffHeapViews.doubles(out, start, len);
                for (int i = 0; i < len; i++) {
                    to.put(i, Math.scalb(in.get(i), k));
                }
            }
            return out;
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
    }
}
