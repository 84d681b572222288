package dev.downhill.cpu;

import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * Level-1 operations on {@link CpuVector}s of equal length and precision, as plain Java loops in a
 * fixed order: deterministic whatever OpenBLAS's (process-wide) thread setting is at the moment.
 * Vectors are n values, so these cost O(n) next to the O(mn) gradient pass.
 */
final class VectorOps {
    private VectorOps() {
    }

    /** y ← y + αx (float32 vectors: computed in float64, rounded once). */
    static void axpy(double alpha, CpuVector x, CpuVector y) {
        int n = Math.toIntExact(x.length());
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
     * xᵀy accumulated in float64: sixteen interleaved sums sₖ (j ≡ k mod 16), combined as
     * tₖ = (sₖ + sₖ₊₄) + (sₖ₊₈ + sₖ₊₁₂) for k &lt; 4, then (t₀ + t₁) + (t₂ + t₃), then the tail j ≥ 16⌊n/16⌋ in order —
     * the order of the native epoch loop's dot ({@code downhill_epoch.h}, four AVX2 registers of four lanes), so its
     * intercepts b = ȳ − x̄ᵀθ are this method's bits.
     */
    static double dot(CpuVector x, CpuVector y) {
        int n = Math.toIntExact(x.length());
        double[] s = new double[16];
        int j = 0;
        double r;
        if (x.precision() == Precision.FLOAT64) {
            DoubleBuffer a = OffHeapViews.doubles(x.pointer(), 0, n);
            DoubleBuffer b = OffHeapViews.doubles(y.pointer(), 0, n);
            for (; j + 16 <= n; j += 16) {
                for (int k = 0; k < 16; k++) {
                    s[k] += a.get(j + k) * b.get(j + k);
                }
            }
            r = combine(s);
            for (; j < n; j++) {
                r += a.get(j) * b.get(j);
            }
            return r;
        }
        FloatBuffer a = OffHeapViews.floats(x.pointer(), 0, n);
        FloatBuffer b = OffHeapViews.floats(y.pointer(), 0, n);
        for (; j + 16 <= n; j += 16) {
            for (int k = 0; k < 16; k++) {
                s[k] += (double) a.get(j + k) * b.get(j + k);
            }
        }
        r = combine(s);
        for (; j < n; j++) {
            r += (double) a.get(j) * b.get(j);
        }
        return r;
    }

    private static double combine(double[] s) {
        double t0 = (s[0] + s[4]) + (s[8] + s[12]);
        double t1 = (s[1] + s[5]) + (s[9] + s[13]);
        double t2 = (s[2] + s[6]) + (s[10] + s[14]);
        double t3 = (s[3] + s[7]) + (s[11] + s[15]);
        return (t0 + t1) + (t2 + t3);
    }
}
