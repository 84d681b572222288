// Passes over a CSR X (host memory): int64 row pointers, int32 column indices, float32 or float64 values.
// Every product and sum is carried in float64 whatever the values' precision. A row's entries are visited in storage
// order (the full gradient pass sums a row's dot in eight interleaved chains over that order, csr_row_dot8), rows in
// increasing order (or in the given order for the gather variants), so each call is deterministic; the
// Java side gives each thread a contiguous row range and its own float64 accumulator, and combines them in thread order.
// Weights w (per row, float64) are optional: a null pointer means every w_i = 1 and costs nothing.
#ifndef DOWNHILL_SPARSE_H
#define DOWNHILL_SPARSE_H

#include <cstdint>

namespace downhill {

typedef long long csr_index;

// Eight interleaved sums p_c of a row's entries combined: ((p_0 + p_4) + (p_2 + p_6)) + ((p_1 + p_5) + (p_3 + p_7)) — the
// row dot's order here and the lazy epoch's (downhill_csr_epoch.h; SparseLazyEpoch.combined in Java).
static inline double csr_chains_combined(const double* p) {
    return ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]));
}

// Prefetches another row's entry `at` while the entry at `offset` of this row is read: its values' line when `offset`
// starts a line of values, its indices' line when `offset` starts one of those (every 16). Loops that step by 8 entries
// (offsets multiples of 8) ask once a line too. Changes no value.
template <typename T>
static inline void csr_prefetch_entry(const int* col, const T* val, csr_index offset, csr_index at) {
    if ((offset & (64 / (csr_index) sizeof(T) - 1)) == 0) {
        __builtin_prefetch(val + at, 0, 3);
    }
    if ((offset & 15) == 0) {
        __builtin_prefetch(col + at, 0, 3);
    }
}

// Entries ahead whose θ_j / accumulator_j lines the column-prefetching flavour asks for (see csr_gradient_rows).
static const csr_index COLUMNS_AHEAD = 64;

// x_i·θ over a row's entries [from, to) in float64: eight interleaved sums p_c (the entries at storage positions
// from + 8q + c), combined as ((p_0 + p_4) + (p_2 + p_6)) + ((p_1 + p_5) + (p_3 + p_7)), then the last (to − from) mod 8
// entries in order. Eight chains, because one chain of ~1,000 dependent additions (E2006's rows) was a third of the pass.
// AHEAD: θ_j of the entries COLUMNS_AHEAD positions on is prefetched (below `limit`, the end of the caller's entries).
template <typename T, bool AHEAD>
static inline double csr_row_dot8(const int* col, const T* val, csr_index from, csr_index to, const T* theta,
                                  csr_index limit) {
    double p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    csr_index k = from;
    for (; k + 8 <= to; k += 8) {
        if (AHEAD && k + 8 + COLUMNS_AHEAD <= limit) {
            for (int c = 0; c < 8; c++) {
                __builtin_prefetch(theta + col[k + c + COLUMNS_AHEAD], 0, 3);
            }
        }
        for (int c = 0; c < 8; c++) {
            p[c] += (double) val[k + c] * (double) theta[col[k + c]];
        }
    }
    double d = csr_chains_combined(p);
    for (; k < to; k++) {
        d += (double) val[k] * (double) theta[col[k]];
    }
    return d;
}

// Rows [start, end): r_i = x_i·θ + b − τ·y_i (the row dot by csr_row_dot8); acc[j] += w_i r_i x_ij over row i's entries in
// storage order; sums[0] += Σ w r², sums[1] += Σ w r. While row i is added into acc (from cache: its dot just read it),
// the next row's values and indices are prefetched at the same offsets, so the memory keeps streaming through the
// scatter (it sat idle there: the pass took ~1.4× as long without). AHEAD (for large n, where θ and the accumulator
// miss the caches): the θ_j and acc_j of the entries COLUMNS_AHEAD positions on are prefetched too (~1.3× faster on a
// 2,000,000 × 1,000,000 X of 40 entries a row; ~15 % slower on E2006's shape, whose hot columns stay cached).
// Prefetching changes no value.
template <typename T, bool AHEAD>
static void csr_gradient_rows(const csr_index* ptr, const int* col, const T* val, const T* y, const double* w,
                              csr_index start, csr_index end, const T* theta, double b, double tau, double* acc, double* sums) {
    const csr_index limit = ptr[end];
    double ss = 0, s = 0;
    for (csr_index i = start; i < end; i++) {
        const csr_index from = ptr[i], to = ptr[i + 1], length = to - from;
        double r = csr_row_dot8<T, AHEAD>(col, val, from, to, theta, limit) + (b - tau * (double) y[i]);
        double wr = w ? w[i] * r : r;
        ss += wr * r;
        s += wr;
        csr_index k = from;
        for (; k + 8 <= to; k += 8) {
            csr_prefetch_entry(col, val, k - from, k + length);
            if (AHEAD && k + 8 + COLUMNS_AHEAD <= limit) {
                for (int c = 0; c < 8; c++) {
                    __builtin_prefetch(acc + col[k + c + COLUMNS_AHEAD], 1, 3);
                }
            }
            for (int c = 0; c < 8; c++) {
                acc[col[k + c]] += wr * (double) val[k + c];
            }
        }
        for (; k < to; k++) {
            acc[col[k]] += wr * (double) val[k];
        }
    }
    sums[0] += ss;
    sums[1] += s;
}

// As csr_gradient_rows for rows order[from..to) (a mini-batch of an epoch's order), the row dot in one chain in storage
// order (the per-batch path the epoch kernels are checked against bit for bit). While a row is added into acc, the
// next row of the order is prefetched at the same offsets (rows of an epoch lie at random places). Prefetching changes
// no value.
template <typename T>
static void csr_gradient_gather(const csr_index* ptr, const int* col, const T* val, const T* y, const double* w,
                                const long long* order, csr_index from, csr_index to, const T* theta, double b, double tau,
                                double* acc, double* sums) {
    double ss = 0, s = 0;
    for (csr_index q = from; q < to; q++) {
        const csr_index i = order[q];
        const csr_index start = ptr[i], end = ptr[i + 1];
        double d = 0;
        for (csr_index k = start; k < end; k++) {
            d += (double) val[k] * (double) theta[col[k]];
        }
        double r = d + (b - tau * (double) y[i]);
        double wr = w ? w[i] * r : r;
        ss += wr * r;
        s += wr;
        const bool prefetching = q + 1 < to;
        const csr_index ahead = prefetching ? ptr[order[q + 1]] - start : 0;
        for (csr_index k = start; k < end; k++) {
            if (prefetching) {
                csr_prefetch_entry(col, val, k - start, k + ahead);
            }
            acc[col[k]] += wr * (double) val[k];
        }
    }
    sums[0] += ss;
    sums[1] += s;
}

// Rows [start, end): the column moments about 0 side by side, moments[2j] += w_i x_ij and moments[2j + 1] += (w_i x_ij)·x_ij
// (one cache line per entry: the second stream costs ~30 % of the pass, where a separate deviations pass about 0 costs a
// whole one); sums[0] += Σ w_i y_i, sums[1] += Σ w_i. The square's expression is csr_column_deviations_rows' with c = 0.
// The next row's values and indices are prefetched at the same offsets while a row is added (~12 % off the pass on
// E2006's shape); prefetching changes no value.
template <typename T>
static void csr_column_moments_rows(const csr_index* ptr, const int* col, const T* val, const T* y, const double* w,
                                    csr_index start, csr_index end, double* moments, double* sums) {
    double sy = 0, sw = 0;
    for (csr_index i = start; i < end; i++) {
        double wi = w ? w[i] : 1.0;
        const csr_index from = ptr[i], length = ptr[i + 1] - from;
        for (csr_index k = from; k < ptr[i + 1]; k++) {
            csr_prefetch_entry(col, val, k - from, k + length);
            const double x = (double) val[k];
            const double wx = wi * x;
            double* m = moments + 2 * (long long) col[k];
            m[0] += wx;
            m[1] += wx * x;
        }
        sy += wi * (double) y[i];
        sw += wi;
    }
    sums[0] += sy;
    sums[1] += sw;
}

// Rows [start, end): dev[j] += w_i (x_ij − c_j)² and stored[j] += w_i over row i's stored entries (the rows where
// x_ij = 0 add w_i c_j², which the caller adds from the total weight: no cancellation anywhere).
template <typename T>
static void csr_column_deviations_rows(const csr_index* ptr, const int* col, const T* val, const double* w,
                                       csr_index start, csr_index end, const double* c, double* dev, double* stored) {
    for (csr_index i = start; i < end; i++) {
        double wi = w ? w[i] : 1.0;
        for (csr_index k = ptr[i]; k < ptr[i + 1]; k++) {
            int j = col[k];
            double d = (double) val[k] - c[j];
            dev[j] += wi * d * d;
            stored[j] += wi;
        }
    }
}

// Rows [start, end): out[i − start] = x_i·θ + b (θ float64).
template <typename T>
static void csr_predict_rows(const csr_index* ptr, const int* col, const T* val, csr_index start, csr_index end,
                             const double* theta, double b, double* out) {
    for (csr_index i = start; i < end; i++) {
        double d = 0;
        for (csr_index k = ptr[i]; k < ptr[i + 1]; k++) {
            d += (double) val[k] * theta[col[k]];
        }
        out[i - start] = d + b;
    }
}

// Rows [start, end): G += w_i x_i x_iᵀ (upper triangle, row-major n × n, j ≤ l) and c += w_i y_i x_i.
template <typename T>
static void csr_gram_rows(const csr_index* ptr, const int* col, const T* val, const T* y, const double* w, csr_index start,
                          csr_index end, long long n, double* gram, double* rhs) {
    for (csr_index i = start; i < end; i++) {
        double wi = w ? w[i] : 1.0;
        const csr_index from = ptr[i], to = ptr[i + 1];
        for (csr_index a = from; a < to; a++) {
            double wa = wi * (double) val[a];
            double* row = gram + (long long) col[a] * n;
            for (csr_index k = a; k < to; k++) {
                row[col[k]] += wa * (double) val[k];
            }
            rhs[col[a]] += wa * (double) y[i];
        }
    }
}

// The per-thread float64 accumulators a_k = acc + k·stride (k < count), combined in thread order: v_j =
// ((0 + a_0[j]) + a_1[j]) + … + a_{count−1}[j], then out[j] = finish(v_j). The Java loops they replace ran interpreted on a
// one-time pass over large n (tens of ms at n = 150,000); these give their bits.
template <typename Out, typename Finish>
static inline void accumulators_combined(const double* acc, long long count, long long stride, long long n, Out* out,
                                         Finish finish) {
    for (long long j = 0; j < n; j++) {
        double v = 0;
        for (long long k = 0; k < count; k++) {
            v += acc[k * stride + j];
        }
        out[j] = finish(v);
    }
}

// out[j] = v_j·scale (float64), or (float) (v_j·scale) (float32).
inline void accumulators_scaled_double(const double* acc, long long count, long long stride, long long n, double scale,
                                       double* out) {
    accumulators_combined(acc, count, stride, n, out, [scale](double v) { return v * scale; });
}

inline void accumulators_scaled_float(const double* acc, long long count, long long stride, long long n, double scale,
                                      float* out) {
    accumulators_combined(acc, count, stride, n, out, [scale](double v) { return (float) (v * scale); });
}

// The column mean squared deviations from csr_column_deviations' accumulators: out[j] = (D_j + (c_j·c_j)·max(0, total −
// W_j)) / total, D_j and W_j the thread-order sums of dev_k and stored_k (the weight of the rows where x_ij = 0 adds
// their c_j² in one product). max(0, NaN) is NaN, as Java's Math.max.
inline void csr_deviations_finish(const double* dev, const double* stored, long long count, long long stride, long long n,
                                  const double* c, double total, double* out) {
    for (long long j = 0; j < n; j++) {
        double d = 0, w = 0;
        for (long long k = 0; k < count; k++) {
            d += dev[k * stride + j];
        }
        for (long long k = 0; k < count; k++) {
            w += stored[k * stride + j];
        }
        double zeros = total - w;
        double weight = zeros != zeros ? zeros : zeros > 0 ? zeros : 0.0;
        out[j] = (d + c[j] * c[j] * weight) / total;
    }
}

// The column means and mean squares about 0 from csr_column_moments' per-thread accumulators a_k = acc + k·stride (k <
// count, each 2n values side by side): means[j] = (Σ_k a_k[2j]) / total and squares[j] = (Σ_k a_k[2j + 1]) / total, the sums
// in thread order from 0 (the bits of csr_deviations_finish with c = 0 for the squares).
inline void csr_moments_finish(const double* acc, long long count, long long stride, long long n, double total, double* means,
                               double* squares) {
    for (long long j = 0; j < n; j++) {
        double s = 0, q = 0;
        for (long long k = 0; k < count; k++) {
            s += acc[k * stride + 2 * j];
            q += acc[k * stride + 2 * j + 1];
        }
        means[j] = s / total;
        squares[j] = q / total;
    }
}

inline void csr_gradient_float(const csr_index* ptr, const int* col, const float* val, const float* y, const double* w,
                               csr_index start, csr_index end, const float* theta, double b, double tau, double* acc, double* sums,
                               bool columns_ahead) {
    (columns_ahead ? csr_gradient_rows<float, true> : csr_gradient_rows<float, false>)(ptr, col, val, y, w, start, end, theta, b,
                                                                                        tau, acc, sums);
}

inline void csr_gradient_double(const csr_index* ptr, const int* col, const double* val, const double* y, const double* w,
                                csr_index start, csr_index end, const double* theta, double b, double tau, double* acc, double* sums,
                                bool columns_ahead) {
    (columns_ahead ? csr_gradient_rows<double, true> : csr_gradient_rows<double, false>)(ptr, col, val, y, w, start, end, theta,
                                                                                          b, tau, acc, sums);
}

inline void csr_gather_float(const csr_index* ptr, const int* col, const float* val, const float* y, const double* w,
                             const long long* order, csr_index from, csr_index to, const float* theta, double b, double tau,
                             double* acc, double* sums) {
    csr_gradient_gather<float>(ptr, col, val, y, w, order, from, to, theta, b, tau, acc, sums);
}

inline void csr_gather_double(const csr_index* ptr, const int* col, const double* val, const double* y, const double* w,
                              const long long* order, csr_index from, csr_index to, const double* theta, double b, double tau,
                              double* acc, double* sums) {
    csr_gradient_gather<double>(ptr, col, val, y, w, order, from, to, theta, b, tau, acc, sums);
}

inline void csr_column_moments_float(const csr_index* ptr, const int* col, const float* val, const float* y, const double* w,
                                     csr_index start, csr_index end, double* moments, double* sums) {
    csr_column_moments_rows<float>(ptr, col, val, y, w, start, end, moments, sums);
}

inline void csr_column_moments_double(const csr_index* ptr, const int* col, const double* val, const double* y, const double* w,
                                      csr_index start, csr_index end, double* moments, double* sums) {
    csr_column_moments_rows<double>(ptr, col, val, y, w, start, end, moments, sums);
}

inline void csr_column_deviations_float(const csr_index* ptr, const int* col, const float* val, const double* w,
                                        csr_index start, csr_index end, const double* c, double* dev, double* stored) {
    csr_column_deviations_rows<float>(ptr, col, val, w, start, end, c, dev, stored);
}

inline void csr_column_deviations_double(const csr_index* ptr, const int* col, const double* val, const double* w,
                                         csr_index start, csr_index end, const double* c, double* dev, double* stored) {
    csr_column_deviations_rows<double>(ptr, col, val, w, start, end, c, dev, stored);
}

inline void csr_predict_float(const csr_index* ptr, const int* col, const float* val, csr_index start, csr_index end,
                              const double* theta, double b, double* out) {
    csr_predict_rows<float>(ptr, col, val, start, end, theta, b, out);
}

inline void csr_predict_double(const csr_index* ptr, const int* col, const double* val, csr_index start, csr_index end,
                               const double* theta, double b, double* out) {
    csr_predict_rows<double>(ptr, col, val, start, end, theta, b, out);
}

inline void csr_gram_float(const csr_index* ptr, const int* col, const float* val, const float* y, const double* w,
                           csr_index start, csr_index end, long long n, double* gram, double* rhs) {
    csr_gram_rows<float>(ptr, col, val, y, w, start, end, n, gram, rhs);
}

inline void csr_gram_double(const csr_index* ptr, const int* col, const double* val, const double* y, const double* w,
                            csr_index start, csr_index end, long long n, double* gram, double* rhs) {
    csr_gram_rows<double>(ptr, col, val, y, w, start, end, n, gram, rhs);
}

}  // namespace downhill

#endif
