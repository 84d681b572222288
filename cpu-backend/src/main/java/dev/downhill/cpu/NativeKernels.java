package dev.downhill.cpu;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JNI entry points to the single-pass fused gradient kernels in {@code src/main/cpp/downhill_fused.h},
 * compiled at build time by the JavaCPP Maven plugin (g++; AVX2/FMA code chosen at run time when
 * the CPU has it, portable C otherwise). All pointers are host memory; see the header for the
 * exact contract. Call {@link #load()} before use.
 */
@Platform(include = "downhill_fused.h")
@Namespace("downhill")
final class NativeKernels {
    private NativeKernels() {
    }

    /** Loads the JNI library; throws UnsatisfiedLinkError when it is missing or cannot load. */
    static void load() {
        Loader.load(NativeKernels.class);
    }

    /** Whether the AVX2/FMA kernels run on this CPU. */
    @Cast("bool")
    static native boolean avx2_available();

    /**
     * Rows [start, end): accumulator += Σ xᵢ rᵢ with rᵢ = xᵢ·θ + b − τyᵢ, sums[0] += Σr², sums[1] += Σr; with sample
     * weights ({@code weights} non-null, m float64 values) Σ xᵢwᵢrᵢ, Σwᵢrᵢ², Σwᵢrᵢ (null: the unweighted code, bit for bit).
     * Writes {@code partial} (float32 scratch of cols values, zero on entry and on return),
     * {@code accumulator} and {@code sums}; reads x, y, theta.
     */
    static native void fused_gradient_float(@Const FloatPointer x, long cols, @Const FloatPointer y,
                                            @Const DoublePointer weights, long start, long end,
                                            @Const FloatPointer theta, double intercept, double targetWeight,
                                            FloatPointer partial, DoublePointer accumulator, long flushRows, DoublePointer sums);

    /** Σ p[i] for i &lt; n with AVX2 (four 8-wide accumulators): reads every byte once. */
    static native double read_sum(@Const FloatPointer p, long n);

    /** The float64 kernel: as the float one, accumulating straight into {@code accumulator}. */
    static native void fused_gradient_double(@Const DoublePointer x, long cols, @Const DoublePointer y,
                                             @Const DoublePointer weights, long start, long end,
                                             @Const DoublePointer theta, double intercept, double targetWeight,
                                             DoublePointer accumulator, DoublePointer sums);
}
