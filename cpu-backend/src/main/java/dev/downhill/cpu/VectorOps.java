package dev.downhill.cpu;

import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import java.nio.DoubleBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import java.nio.FloatBuffer;

/**
 * Level-1 operations on {@link CpuVector}s of equal length and precision, as plain Java loops in a
 * fixed order: deterministic whatever OpenBLAS's (process-wide) thread setting is at the moment.
 * Vectors are n values, so these cost O(n) next to the O(mn) gradient pass. From {@value #NATIVE_FROM} values on
 * (and where the epoch library loads) the same loops run in C ({@link EpochKernels}{@code .vector_*}, the same
 * expressions, so the same bits): a cold JVM interprets a Java loop over off-heap buffers at tens of nanoseconds an
 * element until it compiles it, ~10 ms for the first call of each operation at n = 150,000.
 */
final class VectorOps {
    /** The length from which the operations run natively (below it a JNI call costs more than the loop). */
    static final int NATIVE_FROM = 2048;

    private VectorOps() {
    }

    /** Whether vectors of n values go through the native loops. */
    private static boolean nativeLoops(long n) {
        return n >= NATIVE_FROM && EpochKernels.available();
    }

    /** y ← y + αx (float32 vectors: computed in float64, rounded once). */
    static void axpy(double alpha, CpuVector x, CpuVector y) {
        int n = Math.toIntExact(x.length());
        if (nativeLoops(n)) {
            if (x.precision() == Precision.FLOAT64) {
                EpochKernels.vector_axpy_double(alpha, (DoublePointer) x.pointer(), (DoublePointer) y.pointer(), n);
            } else {
                EpochKernels.vector_axpy_float(alpha, (FloatPointer) x.pointer(), (FloatPointer) y.pointer(), n);
            }
            return;
        }
        if (x.precision() == Precision.FLOAT64) {
            DoubleBuffer a = OffHeapViews.doubles(x.pointer(), 0, n);
            DoubleBuffer b = OffHeapViews.doubles(y.pointer(), 0, n);
            for (int j = 0; j < n; j++) {
                b.put(j, b.get(j) + alpha * a.get(j));
            }
        } else {
            FloatBuffer a = OffHeapViews.floats(x.pointer(), 0, n);
            FloatBuffer b = OffHeapViews.floats(y.pointer(), 0, n);
            for (int j = 0; j < n; j++) {
                b.put(j, (float) (b.get(j) + alpha * a.get(j)));
            }
        }
    }

    /** x ← αx. */
    static void scale(double alpha, CpuVector x) {
        int n = Math.toIntExact(x.length());
        if (nativeLoops(n)) {
            if (x.precision() == Precision.FLOAT64) {
                EpochKernels.vector_scale_double(alpha, (DoublePointer) x.pointer(), n);
            } else {
                EpochKernels.vector_scale_float(alpha, (FloatPointer) x.pointer(), n);
            }
            return;
        }
        if (x.precision() == Precision.FLOAT64) {
            DoubleBuffer a = OffHeapViews.doubles(x.pointer(), 0, n);
            for (int j = 0; j < n; j++) {
                a.put(j, alpha * a.get(j));
            }
        } else {
            FloatBuffer a = OffHeapViews.floats(x.pointer(), 0, n);
            for (int j = 0; j < n; j++) {
                a.put(j, (float) (alpha * a.get(j)));
            }
        }
    }

    /** x ← d∘x. */
    static void multiply(CpuVector d, CpuVector x) {
        int n = Math.toIntExact(x.length());
        if (nativeLoops(n)) {
            if (x.precision() == Precision.FLOAT64) {
                EpochKernels.vector_multiply_double((DoublePointer) d.pointer(), (DoublePointer) x.pointer(), n);
            } else {
                EpochKernels.vector_multiply_float((FloatPointer) d.pointer(), (FloatPointer) x.pointer(), n);
            }
            return;
        }
        if (x.precision() == Precision.FLOAT64) {
            DoubleBuffer a = OffHeapViews.doubles(d.pointer(), 0, n);
            DoubleBuffer b = OffHeapViews.doubles(x.pointer(), 0, n);
            for (int j = 0; j < n; j++) {
                b.put(j, a.get(j) * b.get(j));
            }
        } else {
            FloatBuffer a = OffHeapViews.floats(d.pointer(), 0, n);
            FloatBuffer b = OffHeapViews.floats(x.pointer(), 0, n);
            for (int j = 0; j < n; j++) {
                b.put(j, a.get(j) * b.get(j));
            }
        }
    }

    /** to ← from. */
    static void copy(CpuVector from, CpuVector to) {
        org.bytedeco.javacpp.Pointer.memcpy(to.pointer(), from.pointer(), from.length() * from.precision().bytes());
    }

    /**
     * xᵀy accumulated in float64 (float32 vectors: each product of the two values in float64), in the order of the
     * native row dot ({@code dot16_portable} of {@code downhill_epoch.h}): sixteen interleaved sums
     * s_k = Σ_{j ≡ k (mod 16)} x_j·y_j in increasing j, combined as t_k = (s_k + s_{k+4}) + (s_{k+8} + s_{k+12}), then
     * (t_0 + t_1) + (t_2 + t_3). The native epochs compute each batch's intercept x̄ᵀθ by the same rule
     * ({@code intercept_dot}), so they have the bits of the per-batch loop, which asks this dot. Why chains at every
     * length: in a step of one row, the intercept's dot lies on the chain from θ to θ beside the row's dot; summed in
     * index order (as this dot did below 32 values), or with the last n mod 16 products added one by one after the
     * combine, it was the longest part of a step at n = 20 (the chains: 36 → 27 ns a row, measured).
     */
    static double dot(CpuVector x, CpuVector y) {
        int n = Math.toIntExact(x.length());
        if (nativeLoops(n)) {
            return x.precision() == Precision.FLOAT64
                    ? EpochKernels.vector_dot_double((DoublePointer) x.pointer(), (DoublePointer) y.pointer(), n)
                    : EpochKernels.vector_dot_float((FloatPointer) x.pointer(), (FloatPointer) y.pointer(), n);
        }
        double[] s = new double[16];
        if (x.precision() == Precision.FLOAT64) {
            DoubleBuffer a = OffHeapViews.doubles(x.pointer(), 0, n);
            DoubleBuffer b = OffHeapViews.doubles(y.pointer(), 0, n);
            for (int j = 0; j < n; j++) {
                s[j & 15] += a.get(j) * b.get(j);
            }
        } else {
            FloatBuffer a = OffHeapViews.floats(x.pointer(), 0, n);
            FloatBuffer b = OffHeapViews.floats(y.pointer(), 0, n);
            for (int j = 0; j < n; j++) {
                s[j & 15] += (double) a.get(j) * b.get(j);
            }
        }
        return combined(s);
    }

    /** ((s₀ + s₄) + (s₈ + s₁₂) + (s₁ + s₅) + (s₉ + s₁₃)) + (… k = 2 … + … k = 3 …), grouped as {@link #dot} says. */
    private static double combined(double[] s) {
        double t0 = (s[0] + s[4]) + (s[8] + s[12]);
        double t1 = (s[1] + s[5]) + (s[9] + s[13]);
        double t2 = (s[2] + s[6]) + (s[10] + s[14]);
        double t3 = (s[3] + s[7]) + (s[11] + s[15]);
        return (t0 + t1) + (t2 + t3);
    }
}
