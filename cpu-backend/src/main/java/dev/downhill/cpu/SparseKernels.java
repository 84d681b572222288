package dev.downhill.cpu;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JNI entry points to the CSR passes in {@code src/main/cpp/downhill_sparse.h} (row pointers int64, column indices
 * int32, values float32 or float64; every product and sum in float64; {@code w} per-row weights or null for all ones).
 * All pointers are host memory; see the header for each pass's contract. Call {@link #load()} before use.
 */
@Platform(include = "downhill_sparse.h")
@Namespace("downhill")
final class SparseKernels {
    private SparseKernels() {
    }

    /** Loads the JNI library; throws UnsatisfiedLinkError when it is missing or cannot load. */
    static void load() {
        Loader.load(SparseKernels.class);
    }

    /**
     * The per-thread accumulators a_k = acc + k·stride (k &lt; count) summed in thread order from 0, times scale:
     * out[j] = (Σ_k a_k[j])·scale. Writes out (n values, float64).
     */
    static native void accumulators_scaled_double(@Const DoublePointer acc, long count, long stride, long n, double scale,
                                                  DoublePointer out);

    /** As {@link #accumulators_scaled_double}, rounded once to float32. Writes out (n values). */
    static native void accumulators_scaled_float(@Const DoublePointer acc, long count, long stride, long n, double scale,
                                                 FloatPointer out);

    /**
     * out[j] = (Σ_k dev_k[j] + c_j²·max(0, total − Σ_k stored_k[j])) / total, each Σ in thread order from 0 (the
     * accumulators of {@link #csr_column_deviations_double}). Writes out (n values).
     */
    static native void csr_deviations_finish(@Const DoublePointer dev, @Const DoublePointer stored, long count, long stride,
                                             long n, @Const DoublePointer c, double total, DoublePointer out);

    /**
     * The per-thread moments a_k = acc + k·stride of {@link #csr_column_moments_double} (2n values each) combined in thread
     * order from 0: means[j] = (Σ_k a_k[2j]) / total, squares[j] = (Σ_k a_k[2j + 1]) / total. Writes means, squares (n each).
     */
    static native void csr_moments_finish(@Const DoublePointer acc, long count, long stride, long n, double total,
                                          DoublePointer means, DoublePointer squares);

    /**
     * Rows [start, end): acc += Σ w r x with r = x·θ + b − τy; sums[0] += Σ w r², sums[1] += Σ w r. Writes acc, sums.
     * {@code columnsAhead}: also prefetch θⱼ and accⱼ of the entries ahead (for n too large for the caches; the same
     * values either way).
     */
    static native void csr_gradient_float(@Const LongPointer ptr, @Const IntPointer col, @Const FloatPointer val, @Const FloatPointer y,
                                          @Const DoublePointer w, long start, long end, @Const FloatPointer theta, double b, double tau,
                                          DoublePointer acc, DoublePointer sums, boolean columnsAhead);

    static native void csr_gradient_double(@Const LongPointer ptr, @Const IntPointer col, @Const DoublePointer val, @Const DoublePointer y,
                                           @Const DoublePointer w, long start, long end, @Const DoublePointer theta, double b, double tau,
                                           DoublePointer acc, DoublePointer sums, boolean columnsAhead);

    /** As the gradient for rows order[from..to). */
    static native void csr_gather_float(@Const LongPointer ptr, @Const IntPointer col, @Const FloatPointer val, @Const FloatPointer y,
                                        @Const DoublePointer w, @Const LongPointer order, long from, long to, @Const FloatPointer theta,
                                        double b, double tau, DoublePointer acc, DoublePointer sums);

    static native void csr_gather_double(@Const LongPointer ptr, @Const IntPointer col, @Const DoublePointer val, @Const DoublePointer y,
                                         @Const DoublePointer w, @Const LongPointer order, long from, long to, @Const DoublePointer theta,
                                         double b, double tau, DoublePointer acc, DoublePointer sums);

    /**
     * Rows [start, end): the column moments about 0 side by side, moments[2j] += w x_ij and moments[2j + 1] += (w x_ij)·x_ij;
     * sums[0] += Σ w y, sums[1] += Σ w. Writes moments (2n values), sums.
     */
    static native void csr_column_moments_float(@Const LongPointer ptr, @Const IntPointer col, @Const FloatPointer val,
                                                @Const FloatPointer y, @Const DoublePointer w, long start, long end,
                                                DoublePointer moments, DoublePointer sums);

    static native void csr_column_moments_double(@Const LongPointer ptr, @Const IntPointer col, @Const DoublePointer val,
                                                 @Const DoublePointer y, @Const DoublePointer w, long start, long end,
                                                 DoublePointer moments, DoublePointer sums);

    /** Rows [start, end): dev[j] += w (x_ij − c_j)², stored[j] += w over the stored entries. */
    static native void csr_column_deviations_float(@Const LongPointer ptr, @Const IntPointer col, @Const FloatPointer val,
                                                   @Const DoublePointer w, long start, long end, @Const DoublePointer c,
                                                   DoublePointer dev, DoublePointer stored);

    static native void csr_column_deviations_double(@Const LongPointer ptr, @Const IntPointer col, @Const DoublePointer val,
                                                    @Const DoublePointer w, long start, long end, @Const DoublePointer c,
                                                    DoublePointer dev, DoublePointer stored);

    /** Rows [start, end): out[i − start] = x_i·θ + b. */
    static native void csr_predict_float(@Const LongPointer ptr, @Const IntPointer col, @Const FloatPointer val, long start, long end,
                                         @Const DoublePointer theta, double b, DoublePointer out);

    static native void csr_predict_double(@Const LongPointer ptr, @Const IntPointer col, @Const DoublePointer val, long start, long end,
                                          @Const DoublePointer theta, double b, DoublePointer out);

    /** Rows [start, end): gram (upper triangle, row-major n × n) += w x xᵀ, rhs += w y x. */
    static native void csr_gram_float(@Const LongPointer ptr, @Const IntPointer col, @Const FloatPointer val, @Const FloatPointer y,
                                      @Const DoublePointer w, long start, long end, long n, DoublePointer gram, DoublePointer rhs);

    static native void csr_gram_double(@Const LongPointer ptr, @Const IntPointer col, @Const DoublePointer val, @Const DoublePointer y,
                                       @Const DoublePointer w, long start, long end, long n, DoublePointer gram, DoublePointer rhs);
}
