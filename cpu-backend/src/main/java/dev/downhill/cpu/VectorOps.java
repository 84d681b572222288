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

    /** xᵀy accumulated in float64, in index order. */
    static double dot(CpuVector x, CpuVector y) {
        int n = Math.toIntExact(x.length());
        double s = 0;
        if (x.precision() == Precision.FLOAT64) {
            DoubleBuffer a = OffHeapViews.doubles(x.pointer(), 0, n);
            DoubleBuffer b = OffHeapViews.doubles(y.pointer(), 0, n);
            for (int j = 0; j < n; j++) {
                s += a.get(j) * b.get(j);
            }
        } else {
            FloatBuffer a = OffHeapViews.floats(x.pointer(), 0, n);
            FloatBuffer b = OffHeapViews.floats(y.pointer(), 0, n);
            for (int j = 0; j < n; j++) {
                s += (double) a.get(j) * b.get(j);
            }
        }
        return s;
    }
}
