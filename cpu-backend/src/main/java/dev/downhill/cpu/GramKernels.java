package dev.downhill.cpu;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JNI entry points to {@code src/main/cpp/downhill_gram.h}: the O(n²) scaling of the Gram matrix {@link OffHeapGramSystem}
 * holds, and the row rounding and block sums of the float32-product Gram pass, in native code (all pointers host memory).
 * {@link #available()} loads the library once.
 */
@Platform(include = "downhill_gram.h")
@Namespace("downhill")
final class GramKernels {
    private static final Logger LOG = LoggerFactory.getLogger(GramKernels.class);
    private static final boolean AVAILABLE = load();

    private GramKernels() {
    }

    private static boolean load() {
        try {
            Loader.load(GramKernels.class);
            return true;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            LOG.warn("native Gram kernels unavailable ({}); the normal equations are scaled in Java", e.toString());
            return false;
        }
    }

    /** Whether the library loaded. */
    static boolean available() {
        return AVAILABLE;
    }

    /**
     * A ← D·A·D on the lower triangle of the column-major n × n {@code a}, D = diag(s) (both host memory; {@code a} is
     * written). Returns the symmetric result's 1-norm, +∞ when an entry is not finite, −1 when the n doubles of scratch
     * could not be allocated ({@code a} untouched).
     */
    static native double gram_scale_lower(long n, DoublePointer a, @Const DoublePointer s);

    /** out = (float) (xᵢⱼ − meanⱼ) for {@code rows} row-major float64 rows of n columns ({@code mean} null: no centring). */
    static native void gram_round_rows(@Const DoublePointer x, long n, long rows, @Const DoublePointer mean, FloatPointer out);

    /** out = (float) (xᵢⱼ − meanⱼ), the difference in float64, for float32 rows ({@code mean} null: a copy). */
    static native void gram_round_rows_float(@Const FloatPointer x, long n, long rows, @Const DoublePointer mean, FloatPointer out);

    /**
     * g += g32 ({@code assign}: g = g32, g's old values not read) on the upper triangle of the row-major n × n matrices
     * (g float64, g32 float32).
     */
    static native void gram_add_upper(long n, @Const FloatPointer g32, DoublePointer g, @Cast("bool") boolean assign);
}
