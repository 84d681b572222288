// Fused gradient kernels of the CPU backend (called through JavaCPP from dev.downhill.cpu.NativeKernels).
//
// For rows [start, end) of a row-major X (cols columns), with r_i = x_i . theta + (b - tau * y_i) (b - tau*y_i first:
// exact for y far from 0, b ~ tau*ybar, by Sterbenz; see ResidentProblem.gradient):
//     accumulator += sum_i x_i * r_i        (float64, cols values; added to, never cleared)
//     sums[0]     += sum_i r_i^2,  sums[1] += sum_i r_i
// With per-row sample weights w (float64, m values; NULL when unweighted, and then the code path is the
// unweighted one, bit for bit) every row's contribution is multiplied by w_i: x_i * (w_i r_i), w_i r_i^2, w_i r_i.
// in ONE pass over X from memory: rows go in groups of GROUP; while the dot products of group j
// stream from memory, the same sweep adds group j-1 (still in L1/L2) times its residuals into the
// gradient, so the second use of each row rides along with the memory stream. Each sweep also
// prefetches the rows it streams PREFETCH_BYTES ahead. Rows of at most NARROW_VECTORS SIMD vectors (64 float32 or
// 32 float64 columns) go one at a time instead (narrow_rows: θ and the gradient in registers, no per-group overhead).
// float32: products are gathered in a float32 partial (cols values, zero on entry and exit) that
// is added into the float64 accumulator every flush_rows rows; residuals and sums are float64.
// Deterministic: a fixed order of operations for a given (start, end, cols) and CPU feature set.
#ifndef DOWNHILL_FUSED_H
#define DOWNHILL_FUSED_H

#include <immintrin.h>
#include <stddef.h>

namespace downhill {

typedef long long i64;
static const int GROUP = 8;
static const int PREFETCH_BYTES = 1024;

// One SIMD flavour: the vector type and the handful of operations the sweep needs.
struct Avx2Float {
    typedef float T;
    typedef __m256 V;
    typedef __m256i M;
    static const int W = 8;
    __attribute__((target("avx2,fma"))) static inline V zero() { return _mm256_setzero_ps(); }
    __attribute__((target("avx2,fma"))) static inline V set1(T v) { return _mm256_set1_ps(v); }
    __attribute__((target("avx2,fma"))) static inline V load(const T* p) { return _mm256_loadu_ps(p); }
    __attribute__((target("avx2,fma"))) static inline void store(T* p, V v) { _mm256_storeu_ps(p, v); }
    __attribute__((target("avx2,fma"))) static inline V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
    // The first `count` lanes on (count ≤ W); masked loads read 0 in the others and never touch their memory.
    __attribute__((target("avx2,fma"))) static inline M mask(int count) {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    // The lanes from `first` on on (first < W).
    __attribute__((target("avx2,fma"))) static inline M mask_from(int first) {
        return _mm256_cmpgt_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(first - 1));
    }
    __attribute__((target("avx2,fma"))) static inline V load(const T* p, M m) { return _mm256_maskload_ps(p, m); }
    __attribute__((target("avx2,fma"))) static inline void store(T* p, V v, M m) { _mm256_maskstore_ps(p, m, v); }
    __attribute__((target("avx2,fma"))) static inline V keep(V v, M m) { return _mm256_and_ps(v, _mm256_castsi256_ps(m)); }
    // The lanes' sum in float64: ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)), each lane widened first.
    __attribute__((target("avx2,fma"))) static inline double sum(V v) {
        __m256d a = _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
        __m128d b = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
        return _mm_cvtsd_f64(_mm_add_sd(b, _mm_unpackhi_pd(b, b)));
    }
};

struct Avx2Double {
    typedef double T;
    typedef __m256d V;
    typedef __m256i M;
    static const int W = 4;
    __attribute__((target("avx2,fma"))) static inline V zero() { return _mm256_setzero_pd(); }
    __attribute__((target("avx2,fma"))) static inline V set1(T v) { return _mm256_set1_pd(v); }
    __attribute__((target("avx2,fma"))) static inline V load(const T* p) { return _mm256_loadu_pd(p); }
    __attribute__((target("avx2,fma"))) static inline void store(T* p, V v) { _mm256_storeu_pd(p, v); }
    __attribute__((target("avx2,fma"))) static inline V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
    __attribute__((target("avx2,fma"))) static inline M mask(int count) {
        return _mm256_cmpgt_epi64(_mm256_set1_epi64x(count), _mm256_setr_epi64x(0, 1, 2, 3));
    }
    __attribute__((target("avx2,fma"))) static inline M mask_from(int first) {
        return _mm256_cmpgt_epi64(_mm256_setr_epi64x(0, 1, 2, 3), _mm256_set1_epi64x(first - 1));
    }
    __attribute__((target("avx2,fma"))) static inline V load(const T* p, M m) { return _mm256_maskload_pd(p, m); }
    __attribute__((target("avx2,fma"))) static inline void store(T* p, V v, M m) { _mm256_maskstore_pd(p, m, v); }
    __attribute__((target("avx2,fma"))) static inline V keep(V v, M m) { return _mm256_and_pd(v, _mm256_castsi256_pd(m)); }
    // (l0 + l2) + (l1 + l3).
    __attribute__((target("avx2,fma"))) static inline double sum(V v) {
        __m128d b = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
        return _mm_cvtsd_f64(_mm_add_sd(b, _mm_unpackhi_pd(b, b)));
    }
};

// Rows of at most NARROW_VECTORS vectors go row by row (narrow_rows) instead of in sweeps of GROUP rows: a sweep's
// per-group overhead (the lanes' sums, the scalar tail of cols mod W) was most of a narrow row's time (2,000,000 × 20
// float32: 0.4 of the read probe).
static const int NARROW_VECTORS = 8;

// dots[k] = cur[k] . theta for k < nc; out += sum_{k < np} prev_r[k] * prev[k]. Rows k >= nc (>= np)
// must point at valid memory (they are read and their results discarded or multiplied by 0).
template <class S>
__attribute__((target("avx2,fma")))
static void sweep_avx2(const typename S::T* const* cur, int nc, const typename S::T* theta, double* dots,
                       const typename S::T* const* prev, const typename S::T* prev_r, int np,
                       typename S::T* out, i64 cols) {
    typedef typename S::T T;
    typedef typename S::V V;
    V acc[GROUP];
    V r[GROUP];
    for (int k = 0; k < GROUP; k++) {
        acc[k] = S::zero();
        r[k] = S::set1(k < np ? prev_r[k] : T(0));
    }
    const int ahead = PREFETCH_BYTES / (int) sizeof(T);
    i64 c = 0;
    for (; c + S::W <= cols; c += S::W) {
        V t = S::load(theta + c);
        if (nc > 0) {
            if ((c * (i64) sizeof(T)) % 64 == 0) {
                for (int k = 0; k < GROUP; k++) _mm_prefetch((const char*) (cur[k] + c + ahead), _MM_HINT_T0);
            }
            for (int k = 0; k < GROUP; k++) acc[k] = S::fma(S::load(cur[k] + c), t, acc[k]);
        }
        if (np > 0) {
            V g = S::load(out + c);
            for (int k = 0; k < GROUP; k++) g = S::fma(S::load(prev[k] + c), r[k], g);
            S::store(out + c, g);
        }
    }
    for (int k = 0; k < nc; k++) {
        T lanes[S::W];
        S::store(lanes, acc[k]);
        double s = 0;
        for (int l = 0; l < S::W; l++) s += lanes[l];
        for (i64 t = c; t < cols; t++) s += (double) cur[k][t] * theta[t];
        dots[k] = s;
    }
    for (i64 t = c; t < cols; t++) {
        T g = out[t];
        for (int k = 0; k < np; k++) g += prev[k][t] * prev_r[k];
        out[t] = g;
    }
}

// The same contract in portable C (for CPUs without AVX2/FMA).
template <class T>
static void sweep_plain(const T* const* cur, int nc, const T* theta, double* dots,
                        const T* const* prev, const T* prev_r, int np, T* out, i64 cols) {
    for (int k = 0; k < nc; k++) {
        double s = 0;
        for (i64 c = 0; c < cols; c++) s += (double) cur[k][c] * theta[c];
        dots[k] = s;
    }
    for (int k = 0; k < np; k++) {
        for (i64 c = 0; c < cols; c++) out[c] += prev[k][c] * prev_r[k];
    }
}

static inline bool has_avx2() {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

inline bool avx2_available() {
    return has_avx2();
}

// How a narrow row's last vector meets the row's end: FULL, cols a multiple of W; OVERLAP, cols > W otherwise: the last
// vector is read from cols − W (plain loads; its first lanes, which the vector before holds, are zeroed); MASKED,
// cols < W: masked loads (slow on some CPUs, so only where a row is shorter than a vector).
enum NarrowTail { FULL, OVERLAP, MASKED };

// Rows [start, end) one at a time, for cols ≤ NV·W: the row's dot d = Σ_v x_v·θ_v (FMA in T across its NV vectors,
// the last one per TAIL, then the lanes summed in float64: S::sum), r = d + (intercept − target_weight·y), sums as
// fused_rows, and out += (T) (w·r) · x in NV vector registers (FMA in T, out loaded and stored once per block of
// `block` rows, after which after_sweep(rows) runs). The same contract as fused_rows, another order of operations.
template <class S, int NV, NarrowTail TAIL, class AfterSweep>
__attribute__((target("avx2,fma"), optimize("fp-contract=off"))) // the scalar sums as written: no FMA
static void narrow_rows(const typename S::T* x, i64 cols, const typename S::T* y, const double* w, i64 start, i64 end,
                        const typename S::T* theta, double intercept, double target_weight, typename S::T* out,
                        double* sums, i64 block, AfterSweep& after_sweep) {
    typedef typename S::T T;
    typedef typename S::V V;
    const int last = (int) (cols - (i64) (NV - 1) * S::W); // the row's lanes in its last vector, 1..W
    const typename S::M tail = TAIL == OVERLAP ? S::mask_from(S::W - last) : S::mask(last);
    const i64 lastAt = TAIL == OVERLAP ? cols - S::W : (i64) (NV - 1) * S::W; // where the last vector is read
    V t[NV];
    for (int v = 0; v < NV - 1; v++) {
        t[v] = S::load(theta + v * S::W);
    }
    t[NV - 1] = TAIL == MASKED ? S::load(theta + lastAt, tail) : S::load(theta + lastAt);
    double ss = 0, s = 0;
    for (i64 from = start; from < end; from += block) {
        i64 to = end - from < block ? end : from + block;
        V g[NV];
        for (int v = 0; v < NV - 1; v++) {
            g[v] = S::load(out + v * S::W);
        }
        g[NV - 1] = TAIL == MASKED ? S::load(out + lastAt, tail) : S::load(out + lastAt);
        for (i64 row = from; row < to; row++) {
            const T* xi = x + row * cols;
            V xv[NV];
            V d = S::zero();
            for (int v = 0; v < NV - 1; v++) {
                xv[v] = S::load(xi + v * S::W);
                d = S::fma(xv[v], t[v], d);
            }
            xv[NV - 1] = TAIL == MASKED ? S::load(xi + lastAt, tail)
                                        : TAIL == OVERLAP ? S::keep(S::load(xi + lastAt), tail) : S::load(xi + lastAt);
            d = S::fma(xv[NV - 1], t[NV - 1], d);
            double r = S::sum(d) + (intercept - target_weight * y[row]);
            double wr = w ? w[row] * r : r;
            ss += wr * r;
            s += wr;
            V a = S::set1((T) wr);
            for (int v = 0; v < NV; v++) {
                g[v] = S::fma(xv[v], a, g[v]);
            }
        }
        // the last vector first: with OVERLAP its first lanes (unchanged: their x were zeroed) are then overwritten by
        // the vector before, which holds those columns' sums
        if (TAIL == MASKED) {
            S::store(out + lastAt, g[NV - 1], tail);
        } else {
            S::store(out + lastAt, g[NV - 1]);
        }
        for (int v = 0; v < NV - 1; v++) {
            S::store(out + v * S::W, g[v]);
        }
        after_sweep((int) (to - from));
    }
    sums[0] += ss;
    sums[1] += s;
}

// narrow_rows for the NV that covers cols (1 ≤ NV ≤ NARROW_VECTORS) and the way its last vector meets the row's end.
template <class S, class AfterSweep>
static void narrow_rows_for(const typename S::T* x, i64 cols, const typename S::T* y, const double* w, i64 start, i64 end,
                            const typename S::T* theta, double intercept, double target_weight, typename S::T* out,
                            double* sums, i64 block, AfterSweep& after_sweep) {
    const NarrowTail tail = cols % S::W == 0 ? FULL : cols > S::W ? OVERLAP : MASKED;
    switch ((int) ((cols + S::W - 1) / S::W)) {
#define DOWNHILL_NARROW_TAIL(nv, t) narrow_rows<S, nv, t>(x, cols, y, w, start, end, theta, intercept, target_weight, out, sums, block, after_sweep)
#define DOWNHILL_NARROW(nv) case nv: \
        if (tail == FULL) { DOWNHILL_NARROW_TAIL(nv, FULL); } \
        else if (tail == OVERLAP) { DOWNHILL_NARROW_TAIL(nv, OVERLAP); } \
        else { DOWNHILL_NARROW_TAIL(nv, MASKED); } \
        return;
        DOWNHILL_NARROW(1) DOWNHILL_NARROW(2) DOWNHILL_NARROW(3) DOWNHILL_NARROW(4)
        DOWNHILL_NARROW(5) DOWNHILL_NARROW(6) DOWNHILL_NARROW(7) DOWNHILL_NARROW(8)
#undef DOWNHILL_NARROW
#undef DOWNHILL_NARROW_TAIL
    }
}

// The pipeline over groups, shared by both precisions. After each sweep, `after_sweep(rows_added)`
// runs (the float32 kernel flushes its partial there). Rows of at most NARROW_VECTORS vectors go to narrow_rows.
template <class S, class AfterSweep>
static void fused_rows(const typename S::T* x, i64 cols, const typename S::T* y, const double* w, i64 start, i64 end,
                       const typename S::T* theta, double intercept, double target_weight,
                       typename S::T* out, double* sums, AfterSweep after_sweep, i64 block) {
    typedef typename S::T T;
    const bool avx = has_avx2();
    if (avx && cols >= 1 && cols <= (i64) NARROW_VECTORS * S::W) {
        narrow_rows_for<S>(x, cols, y, w, start, end, theta, intercept, target_weight, out, sums, block, after_sweep);
        return;
    }
    const T* prev[GROUP];
    T prev_r[GROUP];
    for (int k = 0; k < GROUP; k++) {
        prev[k] = x + start * cols;
        prev_r[k] = 0;
    }
    int np = 0;
    double ss = 0, s = 0;
    for (i64 row = start; row < end || np > 0; row += GROUP) {
        int nc = row < end ? (int) ((end - row) < GROUP ? (end - row) : GROUP) : 0;
        const T* cur[GROUP];
        for (int k = 0; k < GROUP; k++) cur[k] = x + (nc > 0 ? row + (k < nc ? k : 0) : start) * cols;
        double dots[GROUP];
        if (avx) sweep_avx2<S>(cur, nc, theta, dots, prev, prev_r, np, out, cols);
        else sweep_plain<T>(cur, nc, theta, dots, prev, prev_r, np, out, cols);
        after_sweep(np);
        if (w) {
            for (int k = 0; k < nc; k++) {
                double r = dots[k] + (intercept - target_weight * y[row + k]);
                double wr = w[row + k] * r;
                ss += wr * r;
                s += wr;
                prev[k] = cur[k];
                prev_r[k] = (T) wr;
            }
        } else {
            for (int k = 0; k < nc; k++) {
                double r = dots[k] + (intercept - target_weight * y[row + k]);
                ss += r * r;
                s += r;
                prev[k] = cur[k];
                prev_r[k] = (T) r;
            }
        }
        for (int k = nc; k < GROUP; k++) {
            prev[k] = cur[0];
            prev_r[k] = 0;
        }
        np = nc;
    }
    sums[0] += ss;
    sums[1] += s;
}

struct FloatFlush {
    float* partial;
    double* accumulator;
    i64 cols;
    i64 flush_rows;
    i64 since;
    void operator()(int rows) {
        since += rows;
        if (since >= flush_rows) flush();
    }
    void flush() {
        for (i64 c = 0; c < cols; c++) {
            accumulator[c] += partial[c];
            partial[c] = 0.0f;
        }
        since = 0;
    }
};

struct NoFlush {
    void operator()(int) {}
};

inline void fused_gradient_float(const float* x, i64 cols, const float* y, const double* w, i64 start, i64 end,
                                 const float* theta, double intercept, double target_weight, float* partial,
                                 double* accumulator, i64 flush_rows, double* sums) {
    FloatFlush flush = {partial, accumulator, cols, flush_rows, 0};
    fused_rows<Avx2Float>(x, cols, y, w, start, end, theta, intercept, target_weight, partial, sums,
                          [&flush](int rows) { flush(rows); }, flush_rows > 0 ? flush_rows : 1);
    flush.flush();
}

inline void fused_gradient_double(const double* x, i64 cols, const double* y, const double* w, i64 start, i64 end,
                                  const double* theta, double intercept, double target_weight, double* accumulator,
                                  double* sums) {
    fused_rows<Avx2Double>(x, cols, y, w, start, end, theta, intercept, target_weight, accumulator, sums, NoFlush(), 4096);
}

// The machine's read bandwidth probe: sum of n floats from p, 4 x 8-wide accumulators (every byte read once).
__attribute__((target("avx2")))
static double read_sum_avx2(const float* p, i64 n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    i64 i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(p + i));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(p + i + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(p + i + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(p + i + 24));
    }
    float l[8];
    _mm256_storeu_ps(l, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    double s = 0;
    for (int k = 0; k < 8; k++) s += l[k];
    for (; i < n; i++) s += p[i];
    return s;
}

inline double read_sum(const float* p, i64 n) {
    if (has_avx2()) return read_sum_avx2(p, n);
    double s = 0;
    for (i64 i = 0; i < n; i++) s += p[i];
    return s;
}

}  // namespace downhill

#endif
