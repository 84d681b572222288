package dev.downhill.cpu;

import org.bytedeco.javacpp.FloatPointer;

/**
 * A vectorised read of host memory (AVX2 loads into four accumulators, C through JNI): the
 * benchmark's measure of the machine's read bandwidth, in the same native library as the fused
 * kernel. Reads n floats from {@code p}'s position; writes nothing.
 */
public final class ReadProbe {
    private ReadProbe() {
    }

    /** Whether the native library loaded (else {@link #sum} throws). */
    public static boolean available() {
        return GradientStrategy.probeNative() == null;
    }

    /** Σ pᵢ over n floats from p's position (n &lt; 2⁶³). */
    public static double sum(FloatPointer p, long n) {
        String failure = GradientStrategy.probeNative();
        if (failure != null) {
            throw new IllegalStateException("native read probe unavailable: " + failure);
        }
        return NativeKernels.read_sum(p, n);
    }
}
