package dev.downhill.cpu;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JNI entry points to the double-double passes in {@code src/main/cpp/downhill_extended.h}: the per-range arithmetic of
 * {@link dev.downhill.spi.HostExtendedResidual}, operation for operation (AVX2/FMA when the CPU has it, portable C
 * otherwise; both give the Java code's bits). All pointers are host memory. {@code w} is null or m float64 weights;
 * {@code hi} and {@code lo} hold cols + 1 double-double sums that the pass adds into. Call {@link #load()} before use.
 */
@Platform(include = "downhill_extended.h")
@Namespace("downhill")
final class ExtendedKernels {
    private ExtendedKernels() {
    }

    /** Loads the JNI library; throws UnsatisfiedLinkError when it is missing or cannot load. */
    static void load() {
        Loader.load(ExtendedKernels.class);
    }

    /**
     * Rows [from, to): Σ xᵢ (or Σ wᵢxᵢ) and Σ yᵢ into hi/lo, and Σ xᵢyᵢ into the n sums mhi/mlo unless they are null
     * (unweighted only); {@code round}: values rounded to float32 first.
     */
    static native void dd_column_sums_double(@Const DoublePointer x, long cols, @Const DoublePointer y, @Const DoublePointer w,
                                             long from, long to, long blockRows, @Cast("bool") boolean round,
                                             DoublePointer hi, DoublePointer lo, DoublePointer mhi, DoublePointer mlo);

    static native void dd_column_sums_float(@Const FloatPointer x, long cols, @Const FloatPointer y, @Const DoublePointer w,
                                            long from, long to, long blockRows, DoublePointer hi, DoublePointer lo,
                                            DoublePointer mhi, DoublePointer mlo);

    /** Rows [from, to): Σ xᵢrᵢ and Σ rᵢ into hi/lo, rᵢ = yᵢ − xᵢᵀθ + offset (wᵢrᵢ when weighted), in double-double. */
    static native void dd_residual_sums_double(@Const DoublePointer x, long cols, @Const DoublePointer y, @Const DoublePointer w,
                                               long from, long to, long blockRows, @Cast("bool") boolean round,
                                               @Const DoublePointer theta, double offsetHi, double offsetLo,
                                               DoublePointer hi, DoublePointer lo);

    static native void dd_residual_sums_float(@Const FloatPointer x, long cols, @Const FloatPointer y, @Const DoublePointer w,
                                              long from, long to, long blockRows, @Const DoublePointer theta,
                                              double offsetHi, double offsetLo, DoublePointer hi, DoublePointer lo);
}
