// Double-double passes of the CPU backend's direct solvers (called through JavaCPP from
// dev.downhill.cpu.ExtendedKernels): the same arithmetic as the Java reference kernel in
// dev.downhill.spi.HostExtendedResidual, operation for operation, so that both give the same bits.
//
// A double-double value is an unevaluated sum hi + lo with |lo| <= ulp(hi)/2 (about 106 significant bits).
// Products are split exactly with fma (p = a*b, e = fma(a, b, -p): a*b = p + e exactly), sums by two-sum.
//
// Both passes work on rows [from, to) of a row-major X (cols columns) and a vector y, read as:
//     T = double, ROUND = false: the float64 values as stored
//     T = float,  ROUND = false: the float32 values, widened exactly
//     T = double, ROUND = true : float64 values rounded to float32 first (a float32 problem over float64 data)
// w is NULL (unweighted) or m float64 sample weights. hi and lo hold cols + 1 double-double sums (the
// n column sums, then one total) that the pass adds this range's rows into; they are renormalised
// (|lo| <= ulp(hi)/2) after every block_rows rows counted from `from`, exactly where the Java kernel does.
//
// Vector code: the per-column loops run four columns per AVX2 register with the same operations per
// column as the scalar code; the dot product x_i . theta runs four interleaved double-double chains
// (column j goes to chain j mod 4, the tail past the last multiple of 4 to chain 0), which are exactly
// the four lanes of a register. Floating-point contraction is switched off below: a compiler that fused
// a*b + c into one fma would change the bits.
#ifndef DOWNHILL_EXTENDED_H
#define DOWNHILL_EXTENDED_H

#include <immintrin.h>
#include <math.h>
#include <stddef.h>

#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")

namespace downhill {

typedef long long dd_i64;

// Four lanes of doubles without SIMD: the portable flavour.
struct DdQuad {
    struct V { double v[4]; };
    static inline V set1(double a) { V r; for (int k = 0; k < 4; k++) r.v[k] = a; return r; }
    static inline V loadd(const double* p) { V r; for (int k = 0; k < 4; k++) r.v[k] = p[k]; return r; }
    static inline V loadf(const float* p) { V r; for (int k = 0; k < 4; k++) r.v[k] = (double) p[k]; return r; }
    static inline V loadr(const double* p) { V r; for (int k = 0; k < 4; k++) r.v[k] = (double) (float) p[k]; return r; }
    static inline void store(double* p, V a) { for (int k = 0; k < 4; k++) p[k] = a.v[k]; }
    static inline V add(V a, V b) { V r; for (int k = 0; k < 4; k++) r.v[k] = a.v[k] + b.v[k]; return r; }
    static inline V sub(V a, V b) { V r; for (int k = 0; k < 4; k++) r.v[k] = a.v[k] - b.v[k]; return r; }
    static inline V mul(V a, V b) { V r; for (int k = 0; k < 4; k++) r.v[k] = a.v[k] * b.v[k]; return r; }
    // a*b - c rounded once
    static inline V fms(V a, V b, V c) { V r; for (int k = 0; k < 4; k++) r.v[k] = fma(a.v[k], b.v[k], -c.v[k]); return r; }
};


// Element k of X or y as the problem sees it.
template <class T, bool ROUND> static inline double dd_read(const T* p, dd_i64 k) {
    return ROUND ? (double) (float) p[k] : (double) p[k];
}

static inline void dd_normalize(double* hi, double* lo, dd_i64 count) {
    for (dd_i64 j = 0; j < count; j++) {
        double s = hi[j] + lo[j];
        lo[j] = lo[j] - (s - hi[j]);
        hi[j] = s;
    }
}

// (hi, lo) += q + qe, q and qe doubles (qe = 0 for an exact addend)
static inline void dd_add(double& hi, double& lo, double q, double qe) {
    double s = hi + q;
    double v = s - hi;
    lo += ((hi - (s - v)) + (q - v)) + qe;
    hi = s;
}

static inline bool dd_has_avx2() {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

namespace dd_portable {
#include "downhill_extended_kernels.inc"
}  // namespace dd_portable

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace dd_avx2 {
struct DdAvx2 {
    typedef __m256d V;
    static inline V set1(double a) { return _mm256_set1_pd(a); }
    static inline V loadd(const double* p) { return _mm256_loadu_pd(p); }
    static inline V loadf(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
    static inline V loadr(const double* p) { return _mm256_cvtps_pd(_mm256_cvtpd_ps(_mm256_loadu_pd(p))); }
    static inline void store(double* p, V a) { _mm256_storeu_pd(p, a); }
    static inline V add(V a, V b) { return _mm256_add_pd(a, b); }
    static inline V sub(V a, V b) { return _mm256_sub_pd(a, b); }
    static inline V mul(V a, V b) { return _mm256_mul_pd(a, b); }
    static inline V fms(V a, V b, V c) { return _mm256_fmsub_pd(a, b, c); }
};

#include "downhill_extended_kernels.inc"
}  // namespace dd_avx2
#pragma GCC pop_options

template <class T, bool ROUND>
static void dd_column_sums_any(const T* x, dd_i64 cols, const T* y, const double* w, dd_i64 from, dd_i64 to,
                               dd_i64 block_rows, double* hi, double* lo, double* mhi, double* mlo) {
    if (dd_has_avx2()) {
        dd_avx2::dd_column_sums<dd_avx2::DdAvx2, T, ROUND>(x, cols, y, w, from, to, block_rows, hi, lo, mhi, mlo);
    } else {
        dd_portable::dd_column_sums<DdQuad, T, ROUND>(x, cols, y, w, from, to, block_rows, hi, lo, mhi, mlo);
    }
}

template <class T, bool ROUND>
static void dd_residual_sums_any(const T* x, dd_i64 cols, const T* y, const double* w, dd_i64 from, dd_i64 to,
                                 dd_i64 block_rows, const double* theta, double oh, double ol, double* hi, double* lo) {
    if (dd_has_avx2()) {
        dd_avx2::dd_residual_sums<dd_avx2::DdAvx2, T, ROUND>(x, cols, y, w, from, to, block_rows, theta, oh, ol, hi, lo);
    } else {
        dd_portable::dd_residual_sums<DdQuad, T, ROUND>(x, cols, y, w, from, to, block_rows, theta, oh, ol, hi, lo);
    }
}

// JNI entry points (see ExtendedKernels.java). `round` != 0: float64 data read as float32. mhi/mlo: NULL, or the
// n moment sums sum_i x_ij y_i (unweighted data only).
inline void dd_column_sums_double(const double* x, dd_i64 cols, const double* y, const double* w, dd_i64 from, dd_i64 to,
                                  dd_i64 block_rows, bool round, double* hi, double* lo, double* mhi, double* mlo) {
    if (round) {
        dd_column_sums_any<double, true>(x, cols, y, w, from, to, block_rows, hi, lo, mhi, mlo);
    } else {
        dd_column_sums_any<double, false>(x, cols, y, w, from, to, block_rows, hi, lo, mhi, mlo);
    }
}

inline void dd_column_sums_float(const float* x, dd_i64 cols, const float* y, const double* w, dd_i64 from, dd_i64 to,
                                 dd_i64 block_rows, double* hi, double* lo, double* mhi, double* mlo) {
    dd_column_sums_any<float, false>(x, cols, y, w, from, to, block_rows, hi, lo, mhi, mlo);
}

inline void dd_residual_sums_double(const double* x, dd_i64 cols, const double* y, const double* w, dd_i64 from, dd_i64 to,
                                    dd_i64 block_rows, bool round, const double* theta, double offset_hi, double offset_lo,
                                    double* hi, double* lo) {
    if (round) {
        dd_residual_sums_any<double, true>(x, cols, y, w, from, to, block_rows, theta, offset_hi, offset_lo, hi, lo);
    } else {
        dd_residual_sums_any<double, false>(x, cols, y, w, from, to, block_rows, theta, offset_hi, offset_lo, hi, lo);
    }
}

inline void dd_residual_sums_float(const float* x, dd_i64 cols, const float* y, const double* w, dd_i64 from, dd_i64 to,
                                   dd_i64 block_rows, const double* theta, double offset_hi, double offset_lo,
                                   double* hi, double* lo) {
    dd_residual_sums_any<float, false>(x, cols, y, w, from, to, block_rows, theta, offset_hi, offset_lo, hi, lo);
}

}  // namespace downhill

#pragma GCC pop_options

#endif
