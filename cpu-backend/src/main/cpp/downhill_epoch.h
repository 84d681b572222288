// SGD / mini-batch epochs of the CPU backend (called through JavaCPP from dev.downhill.cpu.EpochKernels).
//
// The row kernels here (the row dot dot16_*, and the axpy p_j = p_j + a·x_j in T, element by element) are the only
// arithmetic of both the per-batch gather pass (one batch per call, CpuProblem.gradient on a RowSlice) and the epoch
// loop (every batch of an epoch in one call), so the two give the same bits (batches of one row run fused,
// single_row_body: the same expressions, without the round trips through the accumulators between them, which is
// what a B = 1 epoch's dependency chain spent its time on): the epoch loop is the per-batch loop of dev.downhill.spi.StochasticEpoch.runPerBatch moved into C, each
// vector operation rounding as VectorOps does in Java (float32 vectors: the operation in float64, rounded once;
// float32 products d*x in float32). IEEE double/float arithmetic without contraction into FMA: this file must be
// compiled for an ISA without FMA (JavaCPP's default -march=x86-64), which the #error below enforces.
//
// Rows: the Feistel network of dev.downhill.sampling.CounterBasedSampler (6 rounds of the SplitMix64 finaliser on
// 2h-bit values, cycle-walking into [0, rows)), ported bit for bit with uint64 arithmetic.
#ifndef DOWNHILL_EPOCH_H
#define DOWNHILL_EPOCH_H

#include <stdint.h>
#include <stddef.h>
#include <atomic>
#include <chrono>
#include <thread>
#include <memory>
#include <system_error>
#include <vector>
#include <immintrin.h>

#if defined(__FMA__) || defined(__FMA4__) || defined(__FAST_MATH__)
#error "downhill_epoch.h must be compiled without FMA contraction and fast-math (bit-identical epochs)"
#endif

namespace downhill {

typedef long long ep_i64;

// ------------------------------------------------------------------ the sampler

static inline uint64_t ep_mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline int ep_half_bits(ep_i64 rows) {
    uint64_t v = (uint64_t) (rows - 1);
    int bits = v == 0 ? 0 : 64 - __builtin_clzll(v);
    int h = (bits + 1) / 2;
    return h < 1 ? 1 : h;
}

static inline uint64_t ep_epoch_key(ep_i64 seed, ep_i64 epoch) {
    return ep_mix((uint64_t) seed ^ ep_mix((uint64_t) epoch + 0x9E3779B97F4A7C15ULL));
}

static inline uint64_t ep_permute(uint64_t x, uint64_t key, int half) {
    uint64_t mask = (1ULL << half) - 1;
    uint64_t left = x >> half;
    uint64_t right = x & mask;
    for (int round = 0; round < 6; round++) {
        uint64_t f = ep_mix(right ^ key ^ ((uint64_t) round * 0xD1B54A32D192ED03ULL)) & mask;
        uint64_t next = left ^ f;
        left = right;
        right = next;
    }
    return (left << half) | right;
}

// One Feistel permutation of [0, rows) (CounterBasedSampler.rowAt for one (seed, epoch)).
struct EpPermutation {
    uint64_t key;
    int half;
    ep_i64 rows;
    void init(ep_i64 seed, ep_i64 epoch, ep_i64 n) {
        key = ep_epoch_key(seed, epoch);
        half = ep_half_bits(n);
        rows = n;
    }
    inline ep_i64 at(ep_i64 p) const {
        if (rows == 1) {
            return 0;
        }
        uint64_t x = (uint64_t) p;
        do {
            x = ep_permute(x, key, half);
        } while (x >= (uint64_t) rows);
        return (ep_i64) x;
    }
};

// ------------------------------------------------------------------ many positions at once

// One Feistel permutation (no cycle-walking) of each of a[0..count), in place, L lanes at a time in GCC vector types
// (the same integer operations as ep_permute on every lane, so every flavour gives its values exactly), the tail one
// at a time. Inlined into the callers below, each compiled for its instruction set: 8 lanes with AVX-512F/DQ (a native
// 64-bit multiply), 4 with AVX2 (the compiler builds the 64-bit multiply from 32-bit ones).
typedef uint64_t ep_lanes8 __attribute__((vector_size(64)));
typedef uint64_t ep_lanes4 __attribute__((vector_size(32)));

template <class V, int L>
static inline __attribute__((always_inline)) void ep_permute_lanes(uint64_t* a, ep_i64 count, uint64_t key, int half) {
    const uint64_t mask = (1ULL << half) - 1;
    ep_i64 k = 0;
    for (; k + L <= count; k += L) {
        V x;
        __builtin_memcpy(&x, a + k, sizeof x);
        V left = x >> half;
        V right = x & mask;
        for (int round = 0; round < 6; round++) {
            V z = right ^ (key ^ ((uint64_t) round * 0xD1B54A32D192ED03ULL));
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
            z = z ^ (z >> 31);
            V next = left ^ (z & mask);
            left = right;
            right = next;
        }
        V out = (left << half) | right;
        __builtin_memcpy(a + k, &out, sizeof out);
    }
    for (; k < count; k++) {
        a[k] = ep_permute(a[k], key, half);
    }
}

__attribute__((target("avx512f,avx512dq"))) static void ep_permute_all_avx512(uint64_t* a, ep_i64 count, uint64_t key, int half) {
    ep_permute_lanes<ep_lanes8, 8>(a, count, key, half);
}

__attribute__((target("avx2"))) static void ep_permute_all_avx2(uint64_t* a, ep_i64 count, uint64_t key, int half) {
    ep_permute_lanes<ep_lanes4, 4>(a, count, key, half);
}

// The SIMD flavour the CPU has: 2 AVX-512F/DQ, 1 AVX2, 0 neither.
static inline int ep_cpu_level() {
    static const int level = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") ? 2
            : __builtin_cpu_supports("avx2") ? 1 : 0;
    return level;
}

// The highest flavour the kernels may use (tests lower it to run the scalar and AVX2 code on any CPU; 2 by default).
static inline std::atomic<int>& ep_simd_cap() {
    static std::atomic<int> cap(2);
    return cap;
}

// Tests: the epoch kernels (sampler, dots, axpys, single-row batches) use no flavour above `level` (0 scalar, 1 AVX2,
// 2 whatever the CPU has) from now on, process-wide. Every flavour gives the same bits; this only makes that testable.
inline void epoch_simd_limit(int level) {
    ep_simd_cap().store(level < 0 ? 0 : level > 2 ? 2 : level, std::memory_order_relaxed);
}

// The flavour the kernels use: the CPU's, capped by epoch_simd_limit.
static inline int ep_simd_level() {
    int cap = ep_simd_cap().load(std::memory_order_relaxed);
    int level = ep_cpu_level();
    return level < cap ? level : cap;
}

static inline void ep_permute_all_at(int level, uint64_t* a, ep_i64 count, uint64_t key, int half) {
    switch (level) {
        case 2: ep_permute_all_avx512(a, count, key, half); return;
        case 1: ep_permute_all_avx2(a, count, key, half); return;
        default:
            for (ep_i64 k = 0; k < count; k++) {
                a[k] = ep_permute(a[k], key, half);
            }
    }
}

static inline void ep_permute_all(uint64_t* a, ep_i64 count, uint64_t key, int half) {
    ep_permute_all_at(ep_simd_level(), a, count, key, half);
}

// Tests: one Feistel permutation (no cycle-walking) of v[k], k < count, with the flavour `level` (0 scalar, 1 AVX2,
// 2 AVX-512) and the key of (seed, epoch) for `rows` rows. Returns false, writing nothing, where the CPU lacks `level`.
inline bool feistel_at_level(int level, ep_i64 seed, ep_i64 epoch, ep_i64 rows, ep_i64* v, ep_i64 count) {
    if (level > ep_cpu_level() || level < 0) {
        return false;
    }
    EpPermutation p;
    p.init(seed, epoch, rows);
    ep_permute_all_at(level, (uint64_t*) v, count, p.key, p.half);
    return true;
}

// Positions per call of EpPermutation::at_all (the scratch it keeps on the stack).
static const ep_i64 EP_BLOCK = 256;

// v[k] = p.at(v[k]) for k < count ≤ EP_BLOCK: every value permuted at once, then the values that landed outside
// [0, rows) gathered and permuted again (cycle-walking), until none is left — each walk as EpPermutation::at's.
static inline void ep_at_all(const EpPermutation& p, uint64_t* v, ep_i64 count) {
    if (p.rows == 1) {
        for (ep_i64 k = 0; k < count; k++) {
            v[k] = 0;
        }
        return;
    }
    // Branch-free bookkeeping: whether a value landed in [0, rows) is a coin toss when rows is just past a power of
    // four (2,000,000 rows: a 2^22 domain, half of it outside), and the mispredicted branches cost more than the
    // Feistel rounds. Every value is written to its slot and to the walk list, and the count advances only for those
    // outside: a slot's last write is the value that landed inside.
    uint64_t walk[EP_BLOCK];
    int slot[EP_BLOCK];
    ep_permute_all(v, count, p.key, p.half);
    const uint64_t rows = (uint64_t) p.rows;
    ep_i64 pending = 0;
    for (ep_i64 k = 0; k < count; k++) {
        uint64_t x = v[k];
        walk[pending] = x;
        slot[pending] = (int) k;
        pending += x >= rows ? 1 : 0;
    }
    while (pending > 0) {
        ep_permute_all(walk, pending, p.key, p.half);
        ep_i64 left = 0;
        for (ep_i64 q = 0; q < pending; q++) {
            uint64_t x = walk[q];
            int at = slot[q];
            v[at] = x; // overwritten by a later walk while outside; the last write is the value inside
            walk[left] = x;
            slot[left] = at;
            left += x >= rows ? 1 : 0;
        }
        pending = left;
    }
}

// The rows of an epoch (dev.downhill.spi.EpochRows): training position p -> split(held + perm(p)), or perm(p).
struct EpRows {
    EpPermutation perm;
    EpPermutation split;
    ep_i64 held;
    void init(ep_i64 seed, ep_i64 epoch, ep_i64 rows, ep_i64 train, ep_i64 validation_seed) {
        perm.init(seed, epoch, train);
        split.init(validation_seed, 0, rows);
        held = rows - train;
    }
    // out[k] = training(p + k), k < count ≤ EP_BLOCK: the Feistel rounds vectorised across positions (ep_at_all).
    inline void training_block(ep_i64 p, uint64_t* out, ep_i64 count) const {
        for (ep_i64 k = 0; k < count; k++) {
            out[k] = (uint64_t) (p + k);
        }
        ep_at_all(perm, out, count);
        if (held != 0) {
            for (ep_i64 k = 0; k < count; k++) {
                out[k] = (uint64_t) held + out[k];
            }
            ep_at_all(split, out, count);
        }
    }
    // out[k] = training(p + k) for any count, EP_BLOCK positions at a time.
    inline void training_rows(ep_i64 p, ep_i64* out, ep_i64 count) const {
        uint64_t block[EP_BLOCK];
        for (ep_i64 k = 0; k < count; k += EP_BLOCK) {
            ep_i64 c = count - k < EP_BLOCK ? count - k : EP_BLOCK;
            training_block(p + k, block, c);
            for (ep_i64 q = 0; q < c; q++) {
                out[k + q] = (ep_i64) block[q];
            }
        }
    }
};

// out[k] = CounterBasedSampler.rowAt(seed, epoch, from + k, rows), k < count (tests compare it with Java's).
inline void sampler_fill(ep_i64 seed, ep_i64 epoch, ep_i64 rows, ep_i64 from, ep_i64* out, ep_i64 count) {
    EpPermutation p;
    p.init(seed, epoch, rows);
    for (ep_i64 k = 0; k < count; k++) {
        out[k] = p.at(from + k);
    }
}

// out[k] = EpochRows.training(from + k): an epoch's training rows with validation_seed's split (held = rows - train),
// EP_BLOCK positions at a time as the epoch loop computes them.
inline void epoch_rows_fill(ep_i64 seed, ep_i64 epoch, ep_i64 rows, ep_i64 train, ep_i64 validation_seed, ep_i64 from,
                            ep_i64* out, ep_i64 count) {
    EpRows r;
    r.init(seed, epoch, rows, train, validation_seed);
    r.training_rows(from, out, count);
}

// ------------------------------------------------------------------ row kernels

// sum_j a_j b_j in float64: sixteen interleaved sums s_k = sum over j ≡ k (mod 16) in increasing j (the last n mod 16
// products too, into s_0, s_1, ...), combined as t_k = (s_k + s_{k+4}) + (s_{k+8} + s_{k+12}) for k < 4, then
// (t_0 + t_1) + (t_2 + t_3): the row dot x_i·θ of the gather pass and of the epoch loop (both here, so they agree), and
// the intercept's x̄ᵀθ (intercept_dot, VectorOps.dot's rule). No sum is ever −0 (each starts at +0), so adding a +0
// product changes none: the AVX2 flavour (four ymm accumulators of four lanes, multiply then add: no FMA) gives the
// same bits. Why the tail goes into the chains: in a step of one row, both dots lie on the chain from θ to θ, and a
// tail summed in order after the combine added its length in additions to it (n = 20: ~10 % of a row, measured).
template <class T>
static inline double dot16_portable(const T* a, const T* b, ep_i64 n) {
    double s[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    ep_i64 j = 0;
    for (; j + 16 <= n; j += 16) {
        for (int k = 0; k < 16; k++) {
            s[k] += (double) a[j + k] * (double) b[j + k];
        }
    }
    for (int k = 0; j < n; j++, k++) {
        s[k] += (double) a[j] * (double) b[j];
    }
    double t[4];
    for (int k = 0; k < 4; k++) {
        t[k] = (s[k] + s[k + 4]) + (s[k + 8] + s[k + 12]);
    }
    return (t[0] + t[1]) + (t[2] + t[3]);
}

__attribute__((target("avx2"))) static inline __m256d ep_load4(const float* p) {
    return _mm256_cvtps_pd(_mm_loadu_ps(p));
}

__attribute__((target("avx2"))) static inline __m256d ep_load4(const double* p) {
    return _mm256_loadu_pd(p);
}

// Products a_j·b_j, j ∈ [i, i + count), count ≤ 4, in the lanes 0.. of a vector (+0 in the lanes after them).
template <class T>
__attribute__((target("avx2"))) static inline __m256d ep_products4(const T* a, const T* b, ep_i64 i, ep_i64 count) {
    if (count >= 4) {
        return _mm256_mul_pd(ep_load4(a + i), ep_load4(b + i));
    }
    if (count <= 0) {
        return _mm256_setzero_pd();
    }
    double p0 = (double) a[i] * (double) b[i];
    double p1 = count > 1 ? (double) a[i + 1] * (double) b[i + 1] : 0.0;
    double p2 = count > 2 ? (double) a[i + 2] * (double) b[i + 2] : 0.0;
    return _mm256_setr_pd(p0, p1, p2, 0.0);
}

// (l0 + l1) + (l2 + l3) of a vector's lanes.
__attribute__((target("avx2"))) static inline double ep_lanes_sum(__m256d t) {
    __m128d lo = _mm256_castpd256_pd128(t);
    __m128d hi = _mm256_extractf128_pd(t, 1);
    __m128d pairs = _mm_hadd_pd(lo, hi); // [l0 + l1, l2 + l3]
    return _mm_cvtsd_f64(_mm_add_sd(pairs, _mm_unpackhi_pd(pairs, pairs)));
}

// dot16_portable's sums with s_{4q..4q+3} in the ymm accumulator q: whole blocks of 16, then the tail's products in the
// accumulators' lanes from s_0 on (+0 in the lanes past the end, which changes no sum).
template <class T>
__attribute__((target("avx2"))) static inline double dot16_avx2(const T* a, const T* b, ep_i64 n) {
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd(), s2 = _mm256_setzero_pd(), s3 = _mm256_setzero_pd();
    ep_i64 j = 0;
    for (; j + 16 <= n; j += 16) {
        s0 = _mm256_add_pd(s0, _mm256_mul_pd(ep_load4(a + j), ep_load4(b + j)));
        s1 = _mm256_add_pd(s1, _mm256_mul_pd(ep_load4(a + j + 4), ep_load4(b + j + 4)));
        s2 = _mm256_add_pd(s2, _mm256_mul_pd(ep_load4(a + j + 8), ep_load4(b + j + 8)));
        s3 = _mm256_add_pd(s3, _mm256_mul_pd(ep_load4(a + j + 12), ep_load4(b + j + 12)));
    }
    const ep_i64 tail = n - j;
    if (tail > 0) {
        s0 = _mm256_add_pd(s0, ep_products4(a, b, j, tail));
        s1 = _mm256_add_pd(s1, ep_products4(a, b, j + 4, tail - 4));
        s2 = _mm256_add_pd(s2, ep_products4(a, b, j + 8, tail - 8));
        s3 = _mm256_add_pd(s3, ep_products4(a, b, j + 12, tail - 12));
    }
    return ep_lanes_sum(_mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
}

static inline bool ep_avx2() {
    return ep_simd_level() >= 1;
}

// dot16 in the flavour AVX2 (a caller compiled for AVX2 may inline either).
template <class T, bool AVX2>
static inline __attribute__((always_inline)) double dot16(const T* a, const T* b, ep_i64 n) {
    return AVX2 ? dot16_avx2(a, b, n) : dot16_portable(a, b, n);
}

// xᵀy by VectorOps.dot's rule, dot16's (so the per-batch loop, which asks the problem's dot for a batch's intercept
// x̄ᵀθ, has the epochs' bits), in the CPU's flavour.
template <class T>
static inline double intercept_dot(const T* a, const T* b, ep_i64 n) {
    return ep_avx2() ? dot16<T, true>(a, b, n) : dot16<T, false>(a, b, n);
}

// Rows looked ahead: while a row is summed, the row about PREFETCH_BYTES of X further on in the order is prefetched
// (its lines, up to PREFETCH_LINES of them, y, w): PREFETCH_ROWS rows ahead for rows of up to 256 bytes, fewer for wider
// rows (a 4 KB row 4 ahead, at least 2), so that what was prefetched is still in the caches when its row comes. (64
// rows ahead at every width prefetched 256 KB ahead at n = 1,000 and lost most of it: 1.34 → 1.03 µs a row with B = 1.)
static const ep_i64 PREFETCH_ROWS = 64;
static const ep_i64 PREFETCH_BYTES = 16384;
static const ep_i64 PREFETCH_LINES = 64;

// How many positions ahead the rows of `cols` values of T are prefetched.
template <class T>
static inline ep_i64 prefetch_distance(ep_i64 cols) {
    ep_i64 rows = PREFETCH_BYTES / (cols * (ep_i64) sizeof(T) > 0 ? cols * (ep_i64) sizeof(T) : 1);
    return rows < 2 ? 2 : rows > PREFETCH_ROWS ? PREFETCH_ROWS : rows;
}

template <class T>
static inline void prefetch_row(const T* x, ep_i64 cols, const T* y, ep_i64 i) {
    uintptr_t first = (uintptr_t) (x + i * cols);
    uintptr_t last = first + (uintptr_t) (cols * (ep_i64) sizeof(T)) - 1;
    first &= ~(uintptr_t) 63;
    last &= ~(uintptr_t) 63;
    if (last > first + 64 * (PREFETCH_LINES - 1)) {
        last = first + 64 * (PREFETCH_LINES - 1);
    }
    for (uintptr_t line = first; line <= last; line += 64) {
        __builtin_prefetch((const void*) line, 0, 3);
    }
    __builtin_prefetch(y + i, 0, 3);
}

// Prefetches the row at ring position `position` (x's first lines, y, and w when weighted); changes no value.
template <class T>
static inline void prefetch_position(const T* x, ep_i64 cols, const T* y, const double* w, const ep_i64* ring,
                                     ep_i64 mask, ep_i64 position) {
    ep_i64 next = ring[position & mask];
    prefetch_row(x, cols, y, next);
    if (w != NULL) {
        __builtin_prefetch(w + next, 0, 3);
    }
}

// Row i of a batch: r = x_i·θ + b − τ·y_i; ss += wr·r, s += wr (w_i·r weighted, else r); returns (T) wr, the row's
// factor in the axpy.
template <class T, bool AVX2>
static inline __attribute__((always_inline)) T batch_row(const T* xi, ep_i64 cols, double yi, const double* wi,
                                                         const T* theta, double b, double tau, double* ss, double* s) {
    double d = dot16<T, AVX2>(xi, theta, cols);
    double r = d + (b - tau * yi);
    double wr = wi != NULL ? *wi * r : r;
    *ss += wr * r;
    *s += wr;
    return (T) wr;
}

// One batch of the gather pass: for the k rows ring[(start + q) & mask], q < k: r = x.theta + b - tau*y (float64),
// weighted wr = w*r; ss += wr*r (or r*r), s += wr (or r), partial += (T) wr * x. Rows up to `ahead` positions past
// the batch (already in the ring) are prefetched; prefetching changes no value. Reads x, y, w, theta; adds into
// partial, ss, s. mask = -1 reads a plain array from `start`. Compiled twice (gather_batch_portable, gather_batch_avx2:
// the row dot's AVX2 flavour inlined, the axpy on wider registers), element by element the same operations, so the
// same bits (dot16_portable says why for the dot; the axpy is element by element).
// Rows go two at a time through the axpy (their dots are independent; the partial is swept once for both).
template <class T, bool AVX2>
static inline __attribute__((always_inline)) void gather_batch_body(const T* x, ep_i64 cols, const T* y, const double* w,
                                                                     const ep_i64* ring, ep_i64 mask, ep_i64 start, ep_i64 k,
                                                                     ep_i64 ahead, const T* theta, double b, double tau,
                                                                     T* partial, double* sums_ss, double* sums_s) {
    const ep_i64 distance = prefetch_distance<T>(cols);
    // the sums in locals (registers): through the pointers, which may alias partial, each row's two additions went
    // through memory (the same additions in the same order either way)
    double ss = *sums_ss;
    double s = *sums_s;
    ep_i64 q = 0;
    for (; q + 2 <= k; q += 2) { // two rows per sweep of the partial: (p + a₁x₁) + a₂x₂, row by row's roundings
        for (ep_i64 e = q; e < q + 2; e++) {
            if (e + distance < k + ahead) {
                prefetch_position(x, cols, y, w, ring, mask, start + e + distance);
            }
        }
        ep_i64 i1 = ring[(start + q) & mask];
        ep_i64 i2 = ring[(start + q + 1) & mask];
        const T* x1 = x + i1 * cols;
        const T* x2 = x + i2 * cols;
        T a1 = batch_row<T, AVX2>(x1, cols, (double) y[i1], w != NULL ? w + i1 : NULL, theta, b, tau, &ss, &s);
        T a2 = batch_row<T, AVX2>(x2, cols, (double) y[i2], w != NULL ? w + i2 : NULL, theta, b, tau, &ss, &s);
        for (ep_i64 j = 0; j < cols; j++) {
            partial[j] = (partial[j] + a1 * x1[j]) + a2 * x2[j];
        }
    }
    for (; q < k; q++) {
        if (q + distance < k + ahead) {
            prefetch_position(x, cols, y, w, ring, mask, start + q + distance);
        }
        ep_i64 i = ring[(start + q) & mask];
        const T* xi = x + i * cols;
        T a = batch_row<T, AVX2>(xi, cols, (double) y[i], w != NULL ? w + i : NULL, theta, b, tau, &ss, &s);
        for (ep_i64 j = 0; j < cols; j++) {
            partial[j] = partial[j] + a * xi[j];
        }
    }
    *sums_ss = ss;
    *sums_s = s;
}

template <class T>
static void gather_batch_portable(const T* x, ep_i64 cols, const T* y, const double* w, const ep_i64* ring, ep_i64 mask,
                                  ep_i64 start, ep_i64 k, ep_i64 ahead, const T* theta, double b, double tau, T* partial,
                                  double* ss, double* s) {
    gather_batch_body<T, false>(x, cols, y, w, ring, mask, start, k, ahead, theta, b, tau, partial, ss, s);
}

template <class T>
__attribute__((target("avx2"), flatten)) static void gather_batch_avx2(const T* x, ep_i64 cols, const T* y, const double* w,
                                                              const ep_i64* ring, ep_i64 mask, ep_i64 start, ep_i64 k,
                                                              ep_i64 ahead, const T* theta, double b, double tau,
                                                              T* partial, double* ss, double* s) {
    gather_batch_body<T, true>(x, cols, y, w, ring, mask, start, k, ahead, theta, b, tau, partial, ss, s);
}

template <class T>
static inline void gather_batch(const T* x, ep_i64 cols, const T* y, const double* w, const ep_i64* ring, ep_i64 mask,
                                ep_i64 start, ep_i64 k, ep_i64 ahead, const T* theta, double b, double tau, T* partial,
                                double* ss, double* s) {
    if (ep_avx2()) {
        gather_batch_avx2(x, cols, y, w, ring, mask, start, k, ahead, theta, b, tau, partial, ss, s);
    } else {
        gather_batch_portable(x, cols, y, w, ring, mask, start, k, ahead, theta, b, tau, partial, ss, s);
    }
}

// The gather pass for the rows ring[(start + q) & mask], q < k (CpuProblem.gradient on a slice: a plain array, mask -1):
// acc_j = 0 + (double) partial_j after the batch (float32; for float64 the partial is acc itself, zeroed first);
// sums[0] = ss, sums[1] = s (from 0). Writes acc (cols values), sums; uses partial (float32 scratch, zero on entry and
// exit; ignored for float64).
template <class T>
static inline void gather_pass(const T* x, ep_i64 cols, const T* y, const double* w, const ep_i64* ring, ep_i64 mask,
                               ep_i64 start, ep_i64 k, ep_i64 ahead, const T* theta, double b, double tau, T* partial,
                               double* acc, double* sums) {
    double ss = 0, s = 0;
    if (sizeof(T) == 8) {
        for (ep_i64 j = 0; j < cols; j++) {
            acc[j] = 0;
        }
        gather_batch(x, cols, y, w, ring, mask, start, k, ahead, theta, b, tau, (T*) acc, &ss, &s);
    } else {
        gather_batch(x, cols, y, w, ring, mask, start, k, ahead, theta, b, tau, partial, &ss, &s);
        for (ep_i64 j = 0; j < cols; j++) {
            acc[j] = 0.0 + (double) partial[j];
            partial[j] = 0;
        }
    }
    sums[0] = ss;
    sums[1] = s;
}

inline void gather_float(const float* x, ep_i64 cols, const float* y, const double* w, const ep_i64* order, ep_i64 from,
                         ep_i64 to, const float* theta, double b, double tau, float* partial, double* acc, double* sums) {
    gather_pass(x, cols, y, w, order, (ep_i64) -1, from, to - from, 0, theta, b, tau, partial, acc, sums);
}

inline void gather_double(const double* x, ep_i64 cols, const double* y, const double* w, const ep_i64* order,
                          ep_i64 from, ep_i64 to, const double* theta, double b, double tau, double* acc, double* sums) {
    gather_pass(x, cols, y, w, order, (ep_i64) -1, from, to - from, 0, theta, b, tau, (double*) NULL, acc, sums);
}

// ------------------------------------------------------------------ the epoch loop

// Positions whose rows are computed in one go when the ring runs low (in lanes of four).
static const ep_i64 FILL_AHEAD = 64;

// Batches of one row (B = 1) summed per wait for their rows (one call of single_rows).
static const ep_i64 SINGLE_ROW_SPAN = 64;

// Rows the producer thread computes per publication, and how far ahead of the batch being summed it may run.
static const ep_i64 PRODUCER_CHUNK = 256;
static const ep_i64 PRODUCER_AHEAD = 8192;
// How long the consumer waits for rows before it stops the producer and computes them itself: far longer than the
// producer's start (a thread start, ~0.1 ms), about one scheduler time slice of a busy machine.
static const std::chrono::microseconds PRODUCER_PATIENCE(2000);

// Tests: the wait (counted from 1 in each call) at which the consumer stops the producer whether or not it is behind
// (0: never), and how many producers have been stopped, for either reason.
static inline std::atomic<long long>& ep_forced_handover() {
    static std::atomic<long long> wait(0);
    return wait;
}

static inline std::atomic<long long>& ep_producer_handovers() {
    static std::atomic<long long> count(0);
    return count;
}

// Tests: from now on, process-wide, every epoch call stops its producer at its `wait`-th wait for rows (0: only when
// the producer falls PRODUCER_PATIENCE behind) and computes the rows itself (the same rows, the same bits); returns how
// many producers have been stopped so far.
inline long long epoch_producer_handover_at(long long wait) {
    ep_forced_handover().store(wait < 0 ? 0 : wait, std::memory_order_relaxed);
    return ep_producer_handovers().load(std::memory_order_relaxed);
}

// The ring size the epoch loop needs for batch size B: the smallest power of two ≥ B' + PREFETCH_ROWS + FILL_AHEAD, or
// ≥ B' + PREFETCH_ROWS + PRODUCER_AHEAD + PRODUCER_CHUNK when a producer thread computes the rows, where B' = B, or
// SINGLE_ROW_SPAN for B = 1 (whose rows are summed that many at a time).
inline ep_i64 ring_size(ep_i64 batch, bool producer) {
    ep_i64 need = (batch == 1 ? SINGLE_ROW_SPAN : batch) + PREFETCH_ROWS + (producer ? PRODUCER_AHEAD + PRODUCER_CHUNK : FILL_AHEAD);
    ep_i64 r = 1;
    while (r < need) {
        r <<= 1;
    }
    return r;
}

// Rows of positions [from, to) into the ring, EP_BLOCK positions at a time (vectorised across positions).
static inline void fill_rows(const EpRows& order, ep_i64* rows, ep_i64 mask, ep_i64 from, ep_i64 to) {
    uint64_t block[EP_BLOCK];
    for (ep_i64 p = from; p < to; p += EP_BLOCK) {
        ep_i64 c = to - p < EP_BLOCK ? to - p : EP_BLOCK;
        order.training_block(p, block, c);
        for (ep_i64 q = 0; q < c; q++) {
            rows[(p + q) & mask] = (ep_i64) block[q];
        }
    }
}

// The producer side of the ring: positions [start, end) computed PRODUCER_CHUNK at a time and published in
// `produced`, never more than the ring holds past `consumed` (the first position the consumer still reads).
struct RowProducer {
    std::atomic<ep_i64> produced;
    std::atomic<ep_i64> consumed;
    std::atomic<bool> stop;
};

static void produce_rows(const EpRows* order, ep_i64* rows, ep_i64 ring, ep_i64 start, ep_i64 end, RowProducer* state) {
    ep_i64 mask = ring - 1;
    ep_i64 p = start;
    while (p < end && !state->stop.load(std::memory_order_relaxed)) {
        ep_i64 to = p + PRODUCER_CHUNK < end ? p + PRODUCER_CHUNK : end;
        int spins = 0;
        while (to > state->consumed.load(std::memory_order_acquire) + ring) { // the slots still hold unread rows
            if (state->stop.load(std::memory_order_relaxed)) {
                return;
            }
            if (++spins > 64) { // far ahead of the consumer: give the core to whoever needs it (in a JVM, its compiler
                std::this_thread::yield(); // and collector threads, which would otherwise preempt the consumer)
            }
        }
        fill_rows(*order, rows, mask, p, to);
        state->produced.store(to, std::memory_order_release);
        p = to;
    }
}

// Waits until the producer has published the rows through `until`: spins, then yields; false when that took longer
// than PRODUCER_PATIENCE (the producer is not being run: the machine's other work holds the cores) or when a test forces
// the handover at this wait, so that the caller computes the rows itself from then on, as with one thread (the same
// rows, so the same arithmetic and bits).
static inline bool await_rows(RowProducer& state, ep_i64 until, long long wait) {
    if (wait == ep_forced_handover().load(std::memory_order_relaxed)) {
        ep_producer_handovers().fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    int spins = 0;
    std::chrono::steady_clock::time_point start;
    while (state.produced.load(std::memory_order_acquire) < until) {
        if (++spins <= 64) {
            continue;
        }
        if (spins == 65) {
            start = std::chrono::steady_clock::now();
        } else if (std::chrono::steady_clock::now() - start > PRODUCER_PATIENCE) {
            if (state.produced.load(std::memory_order_acquire) >= until) {
                return true;
            }
            ep_producer_handovers().fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

// A batch's inputs from θ: returns θ̃ = D∘θ (into tt; θ itself without D) and sets *b = ȳ − x̄ᵀθ (dot16 in the flavour
// AVX2: the problem's dot, VectorOps.dot; 0 uncentred).
template <class T, bool AVX2>
static inline __attribute__((always_inline)) const T* batch_inputs_in(ep_i64 cols, const T* theta, double ymean,
                                                                       const T* means, const T* factors, T* tt, double* b) {
    *b = means != NULL ? ymean - dot16<T, AVX2>(means, theta, cols) : 0;
    if (factors == NULL) {
        return theta;
    }
    for (ep_i64 j = 0; j < cols; j++) {
        tt[j] = factors[j] * theta[j];
    }
    return tt;
}

// batch_inputs_in in the CPU's flavour. Shared by the dense and the CSR epoch loops.
template <class T>
static inline const T* batch_inputs(ep_i64 cols, const T* theta, double ymean, const T* means, const T* factors, T* tt,
                                    double* b) {
    return ep_avx2() ? batch_inputs_in<T, true>(cols, theta, ymean, means, factors, tt, b)
                     : batch_inputs_in<T, false>(cols, theta, ymean, means, factors, tt, b);
}

// The step of one batch after its gather pass, element by element (each j independent): g_j from the accumulator
// (scaled, times D, centred, plus λ∘θ), then θ_j (minus η·S²g, then soft-thresholded). F's bits say which of means,
// factors, ridge, S², l1 are present (compile-time, so each combination is a loop without branches).
// Element j of the step after its first rounding: g_j and θ_j from gj = (T) (scale·v), v = 0 + acc_j (the batch's
// accumulated Σ w r x_j). Shared by update_step (update_element) and single_row_body, so both round exactly alike.
// Writes g[j], theta[j].
template <class T, int F>
static inline __attribute__((always_inline)) void update_element_from(ep_i64 j, T gj, double alpha, double rate,
                                                                       double minus_rate, T* theta, T* g, const T* means,
                                                                       const T* factors, const T* ridge, const T* s2,
                                                                       const double* kappa, const double* l1s2) {
    if (F & 2) {
        gj = factors[j] * gj;
    }
    if (F & 1) {
        gj = (T) ((double) gj + alpha * (double) means[j]);
    }
    if (F & 4) {
        T rs = ridge[j] * theta[j];
        gj = (T) ((double) gj + 1.0 * (double) rs);
    }
    g[j] = gj;
    T step = gj;
    if (F & 8) {
        step = s2[j] * step;
    }
    T th = (T) ((double) theta[j] + minus_rate * (double) step);
    if (F & 16) {
        double thr = rate * kappa[j] * l1s2[j];
        double v2 = (double) th;
        th = (T) (v2 > thr ? v2 - thr : v2 < -thr ? v2 + thr : 0);
    }
    theta[j] = th;
}

// Element j of the step: g_j and θ_j from v = 0 + acc_j (the batch's accumulated Σ w r x_j). Writes g[j], theta[j].
template <class T, int F>
static inline __attribute__((always_inline)) void update_element(ep_i64 j, double v, double scale, double alpha,
                                                                  double rate, double minus_rate, T* theta, T* g,
                                                                  const T* means, const T* factors, const T* ridge,
                                                                  const T* s2, const double* kappa, const double* l1s2) {
    update_element_from<T, F>(j, (T) (scale * v), alpha, rate, minus_rate, theta, g, means, factors, ridge, s2, kappa,
                              l1s2);
}

template <class T, int F>
static void update_step(ep_i64 cols, const double* acc, double scale, double alpha, double rate, T* theta, T* g,
                        const T* means, const T* factors, const T* ridge, const T* s2, const double* kappa,
                        const double* l1s2) {
    double minus_rate = -rate;
    for (ep_i64 j = 0; j < cols; j++) {
        update_element<T, F>(j, 0.0 + acc[j], scale, alpha, rate, minus_rate, theta, g, means, factors, ridge, s2, kappa,
                             l1s2);
    }
}

// X(F) for every combination F of update_step's flags (the cases of a switch over them).
#define DOWNHILL_EACH_FLAGS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) \
    X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29) X(30) X(31)

// The bits of update_step's F: which of means, factors, ridge, S², l1 (kappa) are present.
template <class T>
static inline int update_flags(const T* means, const T* factors, const T* ridge, const T* s2, const double* kappa) {
    return (means != NULL ? 1 : 0) | (factors != NULL ? 2 : 0) | (ridge != NULL ? 4 : 0) | (s2 != NULL ? 8 : 0)
            | (kappa != NULL ? 16 : 0);
}

template <class T>
static inline void update(ep_i64 cols, const double* acc, double scale, double alpha, double rate, T* theta, T* g,
                          const T* means, const T* factors, const T* ridge, const T* s2, const double* kappa,
                          const double* l1s2) {
    switch (update_flags(means, factors, ridge, s2, kappa)) {
#define DOWNHILL_STEP(k) case k: update_step<T, k>(cols, acc, scale, alpha, rate, theta, g, means, factors, ridge, s2, kappa, l1s2); return;
        DOWNHILL_EACH_FLAGS(DOWNHILL_STEP)
#undef DOWNHILL_STEP
    }
}

// θ̄ (float64 whatever T is) after a step with averaging factor c, dev.downhill.spi.StochasticEpoch.averageStep's
// expressions: nothing at c = 0; θ̄_j = θ_j at c = 1; else θ̄_j = θ̄_j + c·(θ_j − θ̄_j), each operation rounded to
// float64. Writes avg.
template <class T>
static inline void average_step(ep_i64 cols, const T* theta, double* avg, double c) {
    if (c == 1.0) {
        for (ep_i64 j = 0; j < cols; j++) {
            avg[j] = (double) theta[j];
        }
    } else if (c > 0) {
        for (ep_i64 j = 0; j < cols; j++) {
            const double d = (double) theta[j] - avg[j];
            avg[j] = avg[j] + c * d;
        }
    }
}

// ------------------------------------------------------------------ batches of one row

// One batch of the single row x_i (B = 1), fused: exactly the operations of batch_inputs, gather_pass and update_step
// for count = 1 — the same expressions on the same values in the same order, so the same bits — without the float64
// accumulator, the float32 partial and the per-batch calls between them. Writes theta, g (and tt with factors);
// returns the batch's Σwr² (0 + wr·r, as the general path's sums[0] after its 0 + ...).
template <class T, int F, bool AVX2>
static inline __attribute__((always_inline)) double single_row_body(const T* xi, ep_i64 cols, double yi, const double* wi,
                                                                     double tau, double ymean, double rate, T* theta, T* g,
                                                                     const T* means, const T* factors, const T* ridge,
                                                                     const T* s2, const double* kappa, const double* l1s2,
                                                                     T* tt) {
    double b;
    const T* t = batch_inputs_in<T, AVX2>(cols, theta, ymean, (F & 1) ? means : (const T*) NULL,
                                          (F & 2) ? factors : (const T*) NULL, tt, &b);
    double sums[2] = {0, 0}; // the general path's gather sums from 0, then 0 + each (as epoch_batches)
    const T a = batch_row<T, AVX2>(xi, cols, yi, wi, t, b, tau, &sums[0], &sums[1]);
    double ss = 0.0 + sums[0];
    double sum = 0.0 + sums[1];
    const double scale = 2.0 / (double) 1;
    const double alpha = -scale * sum;
    const double minus_rate = -rate;
    for (ep_i64 j = 0; j < cols; j++) {
        // The general path's v = 0 + acc_j, acc_j = 0 + (double) (0 + a·x_j) (float32: the partial's 0 + a·x_j in T;
        // float64: acc_j itself): adding +0 changes only −0 (into +0), so one addition gives all three's bits. Its
        // first rounding (T) (scale·v) with scale = 2 is (p + p) + 0 in T, p = a·x_j: doubling is exact in either
        // precision (and overflows to ∞ exactly when the rounding of 2p does), + 0 turns −0 into +0 as the general
        // path's 0 + does. In T it skips a conversion to float64 and back on the chain from θ to θ (~12 % of a row).
        const T p = a * xi[j];
        update_element_from<T, F>(j, (p + p) + (T) 0, alpha, rate, minus_rate, theta, g, means, factors, ridge, s2, kappa,
                                  l1s2);
    }
    return ss;
}

// The batches of one row at positions [from, from + count) of the ring: prefetching prefetch_distance rows ahead (up to
// `ahead` positions past the last), each row's batch by single_row_body with rate rates[q], then (with avg) θ̄'s
// averaging step of factor avg_factors[q] (average_step); total += each Σwr², in order. The AVX2 clone runs the same
// expressions on wider registers (no FMA), so both give the same bits.
template <class T, int F, bool AVX2>
static inline __attribute__((always_inline)) void single_rows_body(const T* x, ep_i64 cols, const T* y, const double* w,
                                                                    const ep_i64* ring, ep_i64 mask, ep_i64 from,
                                                                    ep_i64 count, ep_i64 ahead, const double* rates,
                                                                    double tau, double ymean, T* theta, T* g,
                                                                    const T* means, const T* factors, const T* ridge,
                                                                    const T* s2, const double* kappa, const double* l1s2,
                                                                    T* tt, double* avg, const double* avg_factors,
                                                                    double* total) {
    double sum_squares = *total;
    const ep_i64 distance = prefetch_distance<T>(cols);
    for (ep_i64 q = 0; q < count; q++) {
        if (q + distance < count + ahead) {
            prefetch_position(x, cols, y, w, ring, mask, from + q + distance);
        }
        ep_i64 i = ring[(from + q) & mask];
        sum_squares += single_row_body<T, F, AVX2>(x + i * cols, cols, (double) y[i], w != NULL ? w + i : NULL, tau,
                                                   ymean, rates[q], theta, g, means, factors, ridge, s2, kappa, l1s2, tt);
        if (avg != NULL) {
            average_step(cols, theta, avg, avg_factors[q]);
        }
    }
    *total = sum_squares;
}

template <class T, int F>
static void single_rows_portable(const T* x, ep_i64 cols, const T* y, const double* w, const ep_i64* ring, ep_i64 mask,
                                 ep_i64 from, ep_i64 count, ep_i64 ahead, const double* rates, double tau, double ymean,
                                 T* theta, T* g, const T* means, const T* factors, const T* ridge, const T* s2,
                                 const double* kappa, const double* l1s2, T* tt, double* avg, const double* avg_factors,
                                 double* total) {
    single_rows_body<T, F, false>(x, cols, y, w, ring, mask, from, count, ahead, rates, tau, ymean, theta, g, means,
                                  factors, ridge, s2, kappa, l1s2, tt, avg, avg_factors, total);
}

template <class T, int F>
__attribute__((target("avx2"), flatten)) static void single_rows_avx2(const T* x, ep_i64 cols, const T* y, const double* w,
                                                             const ep_i64* ring, ep_i64 mask, ep_i64 from, ep_i64 count,
                                                             ep_i64 ahead, const double* rates, double tau, double ymean,
                                                             T* theta, T* g, const T* means, const T* factors,
                                                             const T* ridge, const T* s2, const double* kappa,
                                                             const double* l1s2, T* tt, double* avg, const double* avg_factors,
                                                             double* total) {
    single_rows_body<T, F, true>(x, cols, y, w, ring, mask, from, count, ahead, rates, tau, ymean, theta, g, means,
                                 factors, ridge, s2, kappa, l1s2, tt, avg, avg_factors, total);
}

template <class T>
using SingleRows = void (*)(const T*, ep_i64, const T*, const double*, const ep_i64*, ep_i64, ep_i64, ep_i64, ep_i64,
                            const double*, double, double, T*, T*, const T*, const T*, const T*, const T*, const double*,
                            const double*, T*, double*, const double*, double*);

template <class T, int F>
static SingleRows<T> single_rows_for(bool avx2) {
    return avx2 ? single_rows_avx2<T, F> : single_rows_portable<T, F>;
}

// The single-row loop for the optional vectors present (F's bits as update's) and the CPU.
template <class T>
static SingleRows<T> single_rows(int f) {
    bool avx2 = ep_avx2();
    switch (f) {
#define DOWNHILL_ROWS(k) case k: return single_rows_for<T, k>(avx2);
        DOWNHILL_EACH_FLAGS(DOWNHILL_ROWS)
#undef DOWNHILL_ROWS
    }
    return single_rows_portable<T, 0>;
}

// ------------------------------------------------------------------ batches of one narrow row, θ in registers

// Rows of at most NARROW_MAX_VECTORS·4 columns: θ stays in ymm registers (as float64, exactly the values of T) across
// the rows of a span, instead of a store and a load per row on the chain from θ to θ (with a float32 round trip through
// memory between the update's stores and the dot's loads). Measured in a C harness on 2,000,000 × 20 float32, centred,
// rows from the producer thread: 38–40 → 33 ns a row; 5,000,000 × 8: 44 → 34; 1,250,000 × 32: 56 → 52 (2-core Zen 5
// VM, busy; a step of one row is a dependency chain θ → dot → r → θ). x̄, S² and the row are read from L1 each row so
// that θ's V registers are never spilled (V = 5 spilled two of them and gained nothing).
static const int NARROW_MAX_VECTORS = 8;

// Whether the batches of one row of `cols` columns with update flags f run in registers (narrow_rows): AVX2, at most
// NARROW_MAX_VECTORS·4 columns, and only centring (bit 1), an l2 term (bit 4), S² (bit 8) and an l1 term (bit 16) among
// the optional vectors (not column factors, bit 2: columns beyond 2^±20).
static inline bool narrow_rows_apply(ep_i64 cols, int f, bool avx2) {
    return avx2 && cols >= 1 && cols <= 4 * NARROW_MAX_VECTORS && (f & 2) == 0;
}

// The lanes of a narrow row: V vectors of four, the last one's lanes at or past cols masked to +0 (nothing past the row
// is read). Float rows as __m128 (widened to float64 where summed), double rows as __m256d.
template <class T>
struct NarrowLanes;

// The 64-bit lanes of the last of `vectors` vectors of four that hold columns below cols (all ones), the others 0.
__attribute__((target("avx2"))) static inline __m256i ep_last_lanes64(ep_i64 cols, int vectors) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(cols - 4 * (vectors - 1)), _mm256_setr_epi64x(0, 1, 2, 3));
}

template <>
struct NarrowLanes<float> {
    typedef __m128 Vector;
    typedef __m128i Mask;
    __attribute__((target("avx2"))) static inline Mask last_mask(ep_i64 cols, int vectors) {
        return _mm_cmpgt_epi32(_mm_set1_epi32((int) (cols - 4 * (vectors - 1))), _mm_setr_epi32(0, 1, 2, 3));
    }
    __attribute__((target("avx2"))) static inline Vector load(const float* p) {
        return _mm_loadu_ps(p);
    }
    __attribute__((target("avx2"))) static inline Vector load_masked(const float* p, Mask mask) {
        return _mm_maskload_ps(p, mask);
    }
    __attribute__((target("avx2"))) static inline __m256d wide(Vector v) {
        return _mm256_cvtps_pd(v);
    }
};

template <>
struct NarrowLanes<double> {
    typedef __m256d Vector;
    typedef __m256i Mask;
    __attribute__((target("avx2"))) static inline Mask last_mask(ep_i64 cols, int vectors) {
        return ep_last_lanes64(cols, vectors);
    }
    __attribute__((target("avx2"))) static inline Vector load(const double* p) {
        return _mm256_loadu_pd(p);
    }
    __attribute__((target("avx2"))) static inline Vector load_masked(const double* p, Mask mask) {
        return _mm256_maskload_pd(p, mask);
    }
    __attribute__((target("avx2"))) static inline __m256d wide(Vector v) {
        return v;
    }
};

// dot16's sums for V vectors of lanes (the products p[v] in lanes 4v..4v+3, +0 past the row): vector v goes into
// accumulator v mod 4 in increasing v, each accumulator from +0 — dot16_avx2's blocks of 16 and its tail, whose lanes
// past the row add +0 products (which change no sum) — then ((s0 + s1) + (s2 + s3)) and the lanes' (l0 + l1) + (l2 + l3).
template <int V>
__attribute__((target("avx2"), always_inline)) static inline double ep_narrow_dot(const __m256d* p) {
    __m256d s[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
#pragma GCC unroll 8
    for (int v = 0; v < V; v++) {
        s[v & 3] = _mm256_add_pd(s[v & 3], p[v]);
    }
    return ep_lanes_sum(_mm256_add_pd(_mm256_add_pd(s[0], s[1]), _mm256_add_pd(s[2], s[3])));
}

// update_element_from's l1 step on four lanes: θ_j = (T) (v > t ? v − t : v < −t ? v + t : 0) with t = (η·κ_j)·s²_j, v
// the lane (a value of T; float64). Lanes past the row (κ = s² = 0, v = +0) stay +0. The comparisons are ordered, false
// for NaN, as C's; `v > t` decides last, as the conditional's first branch.
template <class T>
__attribute__((target("avx2"), always_inline)) static inline __m256d ep_soft_threshold(__m256d v, __m256d rate4,
                                                                                      const double* kappa,
                                                                                      const double* l1s2) {
    const __m256d t = _mm256_mul_pd(_mm256_mul_pd(rate4, _mm256_load_pd(kappa)), _mm256_load_pd(l1s2));
    const __m256d minus_t = _mm256_xor_pd(t, _mm256_set1_pd(-0.0));
    __m256d down = _mm256_sub_pd(v, t);
    __m256d up = _mm256_add_pd(v, t);
    if constexpr (sizeof(T) == 4) { // (T) of each branch: float's rounding, held as float64
        down = _mm256_cvtps_pd(_mm256_cvtpd_ps(down));
        up = _mm256_cvtps_pd(_mm256_cvtpd_ps(up));
    }
    __m256d out = _mm256_blendv_pd(_mm256_setzero_pd(), up, _mm256_cmp_pd(v, minus_t, _CMP_LT_OQ));
    return _mm256_blendv_pd(out, down, _mm256_cmp_pd(v, t, _CMP_GT_OQ));
}

// The batches of one row at ring positions [from, from + count), rows of cols ≤ 4V columns: single_rows_body's
// arithmetic, expression for expression (the same bits), with θ in registers (float64 lanes holding values of T; +0
// past the row, cleared after each update). F: the update flags (means: 1, λ: 4, S²: 8, l1: 16; narrow_rows_apply). x̄,
// λ, S² and the l1 thresholds κ, s² are read from small local copies each row (a compiler barrier keeps them out of the
// registers θ needs); g goes to a local copy each row. With avg, θ̄ takes average_step's operations after each row
// (factor avg_factors[q]) on a local copy of its float64 lanes (+0 past the row), written back
// at the end. Reads theta (and avg) at the start, writes theta, g (the last row's) and avg at the end; total += each
// Σwr², in order.
template <class T, int F, int V>
__attribute__((target("avx2"), flatten)) static void narrow_rows(const T* x, ep_i64 cols, const T* y, const double* w,
                                                               const ep_i64* ring, ep_i64 mask, ep_i64 from, ep_i64 count,
                                                               ep_i64 ahead, const double* rates, double tau, double ymean,
                                                               T* theta, T* g, const T* means, const T* ridge, const T* s2,
                                                               const double* kappa, const double* l1s2, double* avg,
                                                               const double* avg_factors, double* total) {
    typedef NarrowLanes<T> L;
    typedef typename L::Vector Lanes;
    alignas(32) T thetaIn[4 * V] = {};
    alignas(32) double muWide[4 * V] = {};
    alignas(32) T s2Copy[4 * V] = {};
    alignas(32) T ridgeCopy[4 * V] = {};
    alignas(32) T gOut[4 * V] = {};
    alignas(32) double kappaCopy[4 * V] = {};
    alignas(32) double l1s2Copy[4 * V] = {};
    alignas(32) double avgWide[4 * V] = {};
    for (ep_i64 j = 0; j < cols; j++) {
        avgWide[j] = avg != NULL ? avg[j] : 0.0;
        thetaIn[j] = theta[j];
        muWide[j] = (F & 1) ? (double) means[j] : 0.0;
        s2Copy[j] = (F & 8) ? s2[j] : (T) 0;
        ridgeCopy[j] = (F & 4) ? ridge[j] : (T) 0;
        kappaCopy[j] = (F & 16) ? kappa[j] : 0.0;
        l1s2Copy[j] = (F & 16) ? l1s2[j] : 0.0;
    }
    __m256d th[V];
#pragma GCC unroll 8
    for (int v = 0; v < V; v++) {
        th[v] = L::wide(L::load(thetaIn + 4 * v));
    }
    const typename L::Mask last = L::last_mask(cols, V);
    // θ's lanes past the row, cleared after each update: they stay +0 (x̄, S² and x are +0 there) while a, α and η are
    // finite, but a·0 is NaN once a step has overflowed (a = ±∞), which single_row_body, having no such lanes, never sees
    const __m256d keep = _mm256_castsi256_pd(ep_last_lanes64(cols, V));
    const bool ragged = (cols & 3) != 0;
    double sum_squares = *total;
    const ep_i64 distance = prefetch_distance<T>(cols);
    for (ep_i64 q = 0; q < count; q++) {
        __asm__ __volatile__("" ::: "memory"); // x̄, S² from their copies (L1), not held in registers across rows
        if (q + distance < count + ahead) {
            prefetch_position(x, cols, y, w, ring, mask, from + q + distance);
        }
        const ep_i64 i = ring[(from + q) & mask];
        const T* xi = x + i * cols;
        Lanes xl[V];
        __m256d p[V];
#pragma GCC unroll 8
        for (int v = 0; v < V; v++) {
            xl[v] = v < V - 1 ? L::load(xi + 4 * v) : L::load_masked(xi + 4 * v, last);
            p[v] = _mm256_mul_pd(L::wide(xl[v]), th[v]);
        }
        double b = 0;
        if (F & 1) { // batch_inputs_in: b = ȳ' − x̄ᵀθ
            __m256d pm[V];
#pragma GCC unroll 8
            for (int v = 0; v < V; v++) {
                pm[v] = _mm256_mul_pd(_mm256_load_pd(muWide + 4 * v), th[v]);
            }
            b = ymean - ep_narrow_dot<V>(pm);
        }
        // batch_row from sums {0, 0}
        const double d = ep_narrow_dot<V>(p);
        const double r = d + (b - tau * (double) y[i]);
        const double wr = w != NULL ? w[i] * r : r;
        const double ss = 0.0 + (0.0 + wr * r);
        const double sum = 0.0 + (0.0 + wr);
        const T a = (T) wr;
        const __m256d alpha4 = _mm256_set1_pd(-2.0 * sum);
        const __m256d minus_rate4 = _mm256_set1_pd(-rates[q]);
        const __m256d rate4 = _mm256_set1_pd(rates[q]);
        __asm__ __volatile__("" ::: "memory"); // the row's lanes again from L1: registers for θ, not for x
#pragma GCC unroll 8
        for (int v = 0; v < V; v++) {
            xl[v] = v < V - 1 ? L::load(xi + 4 * v) : L::load_masked(xi + 4 * v, last);
        }
#pragma GCC unroll 8
        for (int v = 0; v < V; v++) { // single_row_body's update, update_element_from with F's bits
            if constexpr (sizeof(T) == 4) {
                __m128 pa = _mm_mul_ps(_mm_set1_ps((float) a), xl[v]);
                __m128 gj;
                if (F & 1) { // ((P + 0) + q) = (P + (q + 0)) for every P, q (signed zeros included): the + 0 off the chain
                    __m256d q0 = _mm256_add_pd(_mm256_mul_pd(alpha4, _mm256_load_pd(muWide + 4 * v)), _mm256_setzero_pd());
                    gj = _mm256_cvtpd_ps(_mm256_add_pd(_mm256_cvtps_pd(_mm_add_ps(pa, pa)), q0));
                } else {
                    gj = _mm_add_ps(_mm_add_ps(pa, pa), _mm_setzero_ps());
                }
                if (F & 4) { // g_j = (T) (g_j + 1.0·(λ_j·θ_j)), λ_j·θ_j in T (θ's lanes hold values of T exactly)
                    __m128 rs = _mm_mul_ps(_mm_load_ps((const float*) ridgeCopy + 4 * v), _mm256_cvtpd_ps(th[v]));
                    gj = _mm256_cvtpd_ps(_mm256_add_pd(_mm256_cvtps_pd(gj), _mm256_cvtps_pd(rs)));
                }
                _mm_store_ps((float*) gOut + 4 * v, gj);
                __m128 step = (F & 8) ? _mm_mul_ps(_mm_load_ps((const float*) s2Copy + 4 * v), gj) : gj;
                th[v] = _mm256_cvtps_pd(_mm256_cvtpd_ps(_mm256_add_pd(th[v], _mm256_mul_pd(minus_rate4, _mm256_cvtps_pd(step)))));
                if (F & 16) {
                    th[v] = ep_soft_threshold<float>(th[v], rate4, kappaCopy + 4 * v, l1s2Copy + 4 * v);
                }
            } else {
                __m256d pa = _mm256_mul_pd(_mm256_set1_pd((double) a), xl[v]);
                __m256d gj;
                if (F & 1) { // as float's: the + 0 moved onto q
                    __m256d q0 = _mm256_add_pd(_mm256_mul_pd(alpha4, _mm256_load_pd(muWide + 4 * v)), _mm256_setzero_pd());
                    gj = _mm256_add_pd(_mm256_add_pd(pa, pa), q0);
                } else {
                    gj = _mm256_add_pd(_mm256_add_pd(pa, pa), _mm256_setzero_pd());
                }
                if (F & 4) { // as float's, in float64
                    gj = _mm256_add_pd(gj, _mm256_mul_pd(_mm256_load_pd((const double*) ridgeCopy + 4 * v), th[v]));
                }
                _mm256_store_pd((double*) gOut + 4 * v, gj);
                __m256d step = (F & 8) ? _mm256_mul_pd(_mm256_load_pd((const double*) s2Copy + 4 * v), gj) : gj;
                th[v] = _mm256_add_pd(th[v], _mm256_mul_pd(minus_rate4, step));
                if (F & 16) {
                    th[v] = ep_soft_threshold<double>(th[v], rate4, kappaCopy + 4 * v, l1s2Copy + 4 * v);
                }
            }
        }
        if (ragged) {
            th[V - 1] = _mm256_and_pd(th[V - 1], keep);
        }
        if (avg != NULL) { // average_step in float64: θ̄ = θ at c = 1; else θ̄ + c·(θ − θ̄)
            const double c = avg_factors[q];
            if (c == 1.0) {
#pragma GCC unroll 8
                for (int v = 0; v < V; v++) {
                    _mm256_store_pd(avgWide + 4 * v, th[v]);
                }
            } else if (c > 0) {
                const __m256d c4 = _mm256_set1_pd(c);
#pragma GCC unroll 8
                for (int v = 0; v < V; v++) {
                    const __m256d av = _mm256_load_pd(avgWide + 4 * v);
                    const __m256d d = _mm256_sub_pd(th[v], av);
                    _mm256_store_pd(avgWide + 4 * v, _mm256_add_pd(av, _mm256_mul_pd(c4, d)));
                }
            }
        }
        sum_squares += ss;
    }
    *total = sum_squares;
    alignas(32) T thetaOut[4 * V];
#pragma GCC unroll 8
    for (int v = 0; v < V; v++) {
        if constexpr (sizeof(T) == 4) {
            _mm_store_ps((float*) thetaOut + 4 * v, _mm256_cvtpd_ps(th[v]));
        } else {
            _mm256_store_pd((double*) thetaOut + 4 * v, th[v]);
        }
    }
    if (count > 0) {
        for (ep_i64 j = 0; j < cols; j++) {
            theta[j] = thetaOut[j];
            g[j] = gOut[j];
            if (avg != NULL) {
                avg[j] = avgWide[j];
            }
        }
    }
}

template <class T>
using NarrowRows = void (*)(const T*, ep_i64, const T*, const double*, const ep_i64*, ep_i64, ep_i64, ep_i64, ep_i64,
                            const double*, double, double, T*, T*, const T*, const T*, const T*, const double*,
                            const double*, double*, const double*, double*);

template <class T, int F>
static NarrowRows<T> narrow_rows_of(ep_i64 cols) {
    switch ((cols + 3) / 4) {
        case 1: return narrow_rows<T, F, 1>;
        case 2: return narrow_rows<T, F, 2>;
        case 3: return narrow_rows<T, F, 3>;
        case 4: return narrow_rows<T, F, 4>;
        case 5: return narrow_rows<T, F, 5>;
        case 6: return narrow_rows<T, F, 6>;
        case 7: return narrow_rows<T, F, 7>;
        default: return narrow_rows<T, F, 8>;
    }
}

// The register loop for rows of `cols` columns and update flags f, or NULL where narrow_rows_apply says no.
template <class T>
static NarrowRows<T> narrow_rows_for(ep_i64 cols, int f) {
    if (!narrow_rows_apply(cols, f, ep_avx2())) {
        return NULL;
    }
    switch (f) {
        case 0: return narrow_rows_of<T, 0>(cols);
        case 1: return narrow_rows_of<T, 1>(cols);
        case 4: return narrow_rows_of<T, 4>(cols);
        case 5: return narrow_rows_of<T, 5>(cols);
        case 8: return narrow_rows_of<T, 8>(cols);
        case 9: return narrow_rows_of<T, 9>(cols);
        case 12: return narrow_rows_of<T, 12>(cols);
        case 13: return narrow_rows_of<T, 13>(cols);
        case 16: return narrow_rows_of<T, 16>(cols);
        case 17: return narrow_rows_of<T, 17>(cols);
        case 20: return narrow_rows_of<T, 20>(cols);
        case 21: return narrow_rows_of<T, 21>(cols);
        case 24: return narrow_rows_of<T, 24>(cols);
        case 25: return narrow_rows_of<T, 25>(cols);
        case 28: return narrow_rows_of<T, 28>(cols);
        default: return narrow_rows_of<T, 29>(cols);
    }
}

// Batches [first_batch, first_batch + batches) of an epoch (positions first_batch*B ...; the last batch of the epoch
// is cut at train), each exactly StochasticEpoch's batch (see its Javadoc and runPerBatch), with rate rates[k] for
// the k-th batch of this call. Optional vectors are NULL when absent: means (x̄), factors (D), ridge (λ), s2 (S²),
// kappa/l1s2 (the l1 thresholds and their squared scales, float64). Scratch: tt (θ̃, cols), partial (cols, zero on
// entry and exit), acc (cols float64), rows: a ring of ring_size(B) int64 (a power of two) holding the row indices of the
// positions being summed and of up to PREFETCH_ROWS + FILL_AHEAD more (computed ahead in lanes of four; the next
// prefetch_distance rows are prefetched). With `producer`, a second thread computes the rows ahead instead (ring of
// ring_size(B, true)); the arithmetic is the same. Writes theta, g (the last batch's g + λ∘θ) and *sum_squares
// (+= each batch's Σwr², in order).
template <class T>
static void epoch_batches(const T* x, ep_i64 cols, const T* y, const double* w, ep_i64 m, ep_i64 seed, ep_i64 epoch,
                          ep_i64 train, ep_i64 validation_seed, ep_i64 batch, ep_i64 first_batch, ep_i64 batches,
                          const double* rates, T* theta, T* g, double tau, double ymean, const T* means,
                          const T* factors, const T* ridge, const T* s2, const double* kappa, const double* l1s2,
                          T* tt, T* partial, double* acc, ep_i64* rows, ep_i64 ring, bool producer,
                          double* avg, const double* avg_factors, double* sum_squares) {
    EpRows order;
    order.init(seed, epoch, m, train, validation_seed);
    double total = *sum_squares;
    ep_i64 mask = ring - 1;
    ep_i64 start = first_batch * batch;
    ep_i64 filled = start; // positions [first_batch·B, filled) are in the ring
    ep_i64 last = (first_batch + batches) * batch + PREFETCH_ROWS;
    if (last > train) {
        last = train;
    }
    RowProducer state;
    state.produced.store(start);
    state.consumed.store(start);
    state.stop.store(false);
    std::thread worker;
    if (producer) {
        worker = std::thread(produce_rows, &order, rows, ring, start, last, &state);
    }
    long long waits = 0; // the consumer's waits for rows so far (await_rows)
    SingleRows<T> single = batch == 1 ? single_rows<T>(update_flags(means, factors, ridge, s2, kappa)) : NULL;
    NarrowRows<T> narrow = batch == 1 ? narrow_rows_for<T>(cols, update_flags(means, factors, ridge, s2, kappa)) : NULL;
    for (ep_i64 k = 0; k < batches;) {
        ep_i64 from = (first_batch + k) * batch;
        ep_i64 count = train - from < batch ? train - from : batch;
        ep_i64 span = batch == 1 ? (batches - k < SINGLE_ROW_SPAN ? batches - k : SINGLE_ROW_SPAN) : 1; // batches now
        ep_i64 positions = batch == 1 ? span : count;
        ep_i64 until = from + positions + PREFETCH_ROWS < train ? from + positions + PREFETCH_ROWS : train;
        if (producer) { // wait for the rows through `until`; positions before `from` are done
            state.consumed.store(from, std::memory_order_release);
            if (!await_rows(state, until, ++waits)) { // the producer is not being run (a busy machine): compute the rows here
                state.stop.store(true);
                worker.join();
                producer = false;
                filled = state.produced.load(std::memory_order_acquire);
            }
        }
        if (!producer && filled < until) { // refill: FILL_AHEAD positions at a time, four lanes at once
            ep_i64 target = filled + FILL_AHEAD < until ? until : filled + FILL_AHEAD;
            if (target > train) {
                target = train;
            }
            fill_rows(order, rows, mask, filled, target);
            filled = target;
        }
        if (narrow != NULL) {
            narrow(x, cols, y, w, rows, mask, from, span, until - from - span, rates + k, tau, ymean, theta, g, means, ridge, s2,
                   kappa, l1s2, avg, avg != NULL ? avg_factors + k : NULL, &total);
            k += span;
            continue;
        }
        if (single != NULL) {
            single(x, cols, y, w, rows, mask, from, span, until - from - span, rates + k, tau, ymean, theta, g, means,
                   factors, ridge, s2, kappa, l1s2, tt, avg, avg != NULL ? avg_factors + k : NULL, &total);
            k += span;
            continue;
        }
        double scale = 2.0 / (double) count;
        double b;
        const T* t = batch_inputs(cols, theta, ymean, means, factors, tt, &b);
        double sums[2];
        gather_pass(x, cols, y, w, rows, mask, from, count, until - from - count, t, b, tau, partial, acc, sums);
        double ss = 0.0 + sums[0];
        double sum = 0.0 + sums[1];
        update(cols, acc, scale, -scale * sum, rates[k], theta, g, means, factors, ridge, s2, kappa, l1s2);
        if (avg != NULL) {
            average_step(cols, theta, avg, avg_factors[k]);
        }
        total += ss;
        k++;
    }
    if (producer) {
        state.stop.store(true);
        worker.join();
    }
    *sum_squares = total;
}

// ------------------------------------------------------------------ batches split across threads

// The fewest values of X (rows × columns) a chunk has when a batch is split across threads: below that, handing a
// batch's chunks out and collecting their sums (two cache-line round trips between cores, ~0.2–0.5 µs), and computing
// the rows on the summing threads rather than on a producer thread, cost more than the rows shared out. Measured on 2
// cores (a JVM fit, 3 epochs): B = 256 × 1,000 columns 1.75× faster split, B = 32 × 1,000 ~1.3×, but B = 256 × 20
// columns (2 chunks of 2,560 values) ~1.3× slower; so 8,192 values (32 KB of float32) a chunk.
static inline std::atomic<ep_i64>& ep_split_values() {
    static std::atomic<ep_i64> values(8192);
    return values;
}

// Tests: chunks of at least `values` values of X from now on, process-wide (≤ 0: the default, 8192), so that small
// problems split their batches too; returns the previous setting. The same rows make the same chunks in the epoch loop
// and in the per-batch gather pass, so this changes no agreement between them (only their bits, as threads do).
inline ep_i64 epoch_split_values(ep_i64 values) {
    return ep_split_values().exchange(values <= 0 ? 8192 : values, std::memory_order_relaxed);
}

// How many chunks a batch of `rows` rows of `cols` columns is cut into on `threads` threads: 1 with one thread, else
// min(threads, rows, rows·cols / ep_split_values) (1 when that is 0) — never more for fewer rows. Chunk c of C holds
// the batch's positions [⌊c·rows/C⌋, ⌊(c + 1)·rows/C⌋) (batch_chunk_start). Shared by the epoch loop and the per-batch
// gather pass (CpuProblem.gradient on a slice), so both cut a batch alike.
static inline ep_i64 batch_chunks_of(ep_i64 rows, ep_i64 cols, ep_i64 threads, ep_i64 values) {
    if (threads <= 1 || rows < 2 || cols < 1) {
        return 1;
    }
    ep_i64 chunks = rows * cols / values;
    chunks = chunks < threads ? chunks : threads;
    chunks = chunks < rows ? chunks : rows;
    return chunks < 1 ? 1 : chunks;
}

inline ep_i64 batch_chunks(ep_i64 rows, ep_i64 cols, ep_i64 threads) {
    return batch_chunks_of(rows, cols, threads, ep_split_values().load(std::memory_order_relaxed));
}

// The first position of chunk c (of `chunks`) of a batch of `rows` rows; chunk c ends where chunk c + 1 starts.
inline ep_i64 batch_chunk_start(ep_i64 rows, ep_i64 chunks, ep_i64 c) {
    return rows * c / chunks; // rows < 2³¹ (a batch), c ≤ chunks ≤ rows: no overflow
}

// One chunk's state in a split epoch (on cache lines of its own): its rows of the batches being summed in a ring
// (batch k's rows at ring positions k·stride …, stride = the chunk's rows in a full batch), its partial sums
// (float32: the float32 partial of the gather pass; float64: the float64 accumulator), and the batch last claimed
// (by its worker, or by the main thread when the worker was not run) and last done.
template <class T>
struct alignas(64) SplitChunk {
    std::atomic<ep_i64> claimed;
    std::atomic<ep_i64> done;
    double ss;
    double s;
    ep_i64 stride;
    ep_i64 filled; // batches [0, filled) of this call have their rows in the ring
    ep_i64 mask;
    std::vector<ep_i64> ring;
    std::vector<T> partial;
};

// A split epoch call: batches [first_batch, first_batch + batches) of B rows; the inputs (θ̃ and b) of the batch
// published in `generation` (relative to first_batch).
template <class T>
struct SplitEpoch {
    const T* x;
    ep_i64 cols;
    const T* y;
    const double* w;
    const EpRows* order;
    ep_i64 train;
    ep_i64 batch;
    ep_i64 first_batch;
    ep_i64 batches;
    ep_i64 threads;
    ep_i64 values; // ep_split_values when the call began (a test changing it meanwhile changes no chunk of this call)
    double tau;
    std::vector<std::unique_ptr<SplitChunk<T>>> chunks;
    std::atomic<ep_i64> generation;
    std::atomic<bool> stop;
    const T* inputs;
    double b;

    // Global positions [*from, *from + *count) of chunk c of batch k (0 rows past the batch's chunks).
    void span(ep_i64 k, ep_i64 c, ep_i64* from, ep_i64* count) const {
        ep_i64 start = (first_batch + k) * batch;
        ep_i64 rows = train - start < batch ? train - start : batch;
        ep_i64 n = batch_chunks_of(rows, cols, threads, values);
        if (c >= n) {
            *from = start + rows;
            *count = 0;
            return;
        }
        ep_i64 a = batch_chunk_start(rows, n, c);
        *from = start + a;
        *count = batch_chunk_start(rows, n, c + 1) - a;
    }

    // Chunk c's rows of batch k into its ring (which holds any batch's rows of this chunk: split_epoch_batches sizes it
    // for the call's last batch too, which a short last batch cut into fewer chunks may give more rows than a full
    // batch's; nothing here allocates, so nothing a worker runs throws).
    void fill(ep_i64 c, ep_i64 k) {
        SplitChunk<T>& ch = *chunks[c];
        ep_i64 from, count;
        span(k, c, &from, &count);
        uint64_t block[EP_BLOCK];
        for (ep_i64 q = 0; q < count; q += EP_BLOCK) {
            ep_i64 n = count - q < EP_BLOCK ? count - q : EP_BLOCK;
            order->training_block(from + q, block, n);
            for (ep_i64 r = 0; r < n; r++) {
                ch.ring[(k * ch.stride + q + r) & ch.mask] = (ep_i64) block[r];
            }
        }
    }

    // The gather pass of chunk c of batch k (the caller has claimed it): its rows into the ring unless they are there,
    // its next batch's rows too when both fit (so that they are prefetched while this one is summed), then Σ (w)r·x
    // into its partial and its Σwr², Σwr from 0; published in `done`.
    void sum(ep_i64 c, ep_i64 k) {
        SplitChunk<T>& ch = *chunks[c];
        ep_i64 from, count;
        span(k, c, &from, &count);
        if (ch.filled < k + 1) {
            fill(c, k);
            ch.filled = k + 1;
        }
        ep_i64 ahead = 0;
        if (k + 1 < batches) {
            ep_i64 next_from, next_count;
            span(k + 1, c, &next_from, &next_count);
            if (ch.stride + next_count <= (ep_i64) ch.ring.size()) { // batch k's slots and batch k + 1's do not overlap
                fill(c, k + 1);
                ch.filled = k + 2;
                ahead = next_count;
            }
        }
        if (sizeof(T) == 8) {
            for (ep_i64 j = 0; j < cols; j++) {
                ch.partial[j] = 0;
            }
        }
        double ss = 0, s = 0;
        gather_batch(x, cols, y, w, ch.ring.data(), ch.mask, k * ch.stride, count, ahead, inputs, b, tau,
                     ch.partial.data(), &ss, &s);
        ch.ss = ss;
        ch.s = s;
        ch.done.store(k, std::memory_order_release);
    }

    // Chunk c of the published batch k, if no one has claimed it yet: claims and sums it; false if claimed.
    bool claim_and_sum(ep_i64 c, ep_i64 k) {
        ep_i64 expected = k - 1;
        if (!chunks[c]->claimed.compare_exchange_strong(expected, k, std::memory_order_acq_rel)) {
            return false;
        }
        sum(c, k);
        return true;
    }
};

// Spins (with pause: ~110 µs in all on Zen 5, whose pause is ~27 ns) before a thread of a split epoch yields its core
// while it waits: a batch's hand-over should find the other thread awake (yielding after 256 spins made B = 256 × 20
// epochs ~20 % slower).
static const int SPLIT_SPINS = 4096;

// Tests: while set, process-wide, the workers of split epochs claim no chunk (the main thread then sums every chunk
// itself, as when a busy machine does not run them).
static inline std::atomic<bool>& ep_split_workers_idle() {
    static std::atomic<bool> idle(false);
    return idle;
}

inline void epoch_split_workers_idle(bool idle) {
    ep_split_workers_idle().store(idle, std::memory_order_relaxed);
}

// The worker threads of a split epoch: stopped and joined when the call ends, also by an exception (a joinable
// std::thread destroyed calls std::terminate: a JVM abort).
struct SplitWorkers {
    std::atomic<bool>* stop;
    std::vector<std::thread> threads;
    explicit SplitWorkers(std::atomic<bool>* s) : stop(s) {}
    void join() {
        stop->store(true, std::memory_order_release);
        for (std::thread& t : threads) {
            if (t.joinable()) {
                t.join();
            }
        }
    }
    ~SplitWorkers() {
        join();
    }
};

// A worker of a split epoch: chunk c of every batch published, unless the main thread took it first (it takes every
// chunk still unclaimed when it has summed its own: a busy machine not running the worker then slows the epoch, never
// stops it). Spins, then yields, while waiting for the next batch.
template <class T>
static void split_worker(SplitEpoch<T>* e, ep_i64 c) {
    ep_i64 seen = -1;
    int spins = 0;
    while (!e->stop.load(std::memory_order_acquire)) {
        ep_i64 k = e->generation.load(std::memory_order_acquire);
        if (k == seen) {
            if (spins < SPLIT_SPINS) {
                spins++;
                _mm_pause();
            } else {
                std::this_thread::yield();
            }
            continue;
        }
        spins = 0;
        seen = k;
        ep_i64 from, count;
        e->span(k, c, &from, &count);
        if (count > 0 && !ep_split_workers_idle().load(std::memory_order_relaxed)) {
            e->claim_and_sum(c, k);
        }
    }
}

// Batches [first_batch, first_batch + batches) with each batch cut into batch_chunks chunks summed on that many threads
// (the caller's and workers started here), then combined in chunk order — float32: acc_j = 0 + (double) partial_0j,
// then acc_j += (double) partial_cj; float64: acc_j = acc_0j + acc_cj in chunk order; Σwr² and Σwr = (0 + chunk 0's)
// + chunk 1's … — which is CpuProblem.gradient's combine of the same chunks (the per-batch loop's bits); the step as
// epoch_batches. Arguments as epoch_batches (acc: float64 scratch for float32; unused for float64).
template <class T>
static void split_epoch_batches(const T* x, ep_i64 cols, const T* y, const double* w, ep_i64 m, ep_i64 seed, ep_i64 epoch,
                                ep_i64 train, ep_i64 validation_seed, ep_i64 batch, ep_i64 first_batch, ep_i64 batches,
                                ep_i64 threads, const double* rates, T* theta, T* g, double tau, double ymean,
                                const T* means, const T* factors, const T* ridge, const T* s2, const double* kappa,
                                const double* l1s2, T* tt, double* acc, double* avg, const double* avg_factors,
                                double* sum_squares) {
    EpRows order;
    order.init(seed, epoch, m, train, validation_seed);
    SplitEpoch<T> e;
    e.x = x;
    e.cols = cols;
    e.y = y;
    e.w = w;
    e.order = &order;
    e.train = train;
    e.batch = batch;
    e.first_batch = first_batch;
    e.batches = batches;
    e.threads = threads;
    e.values = ep_split_values().load(std::memory_order_relaxed);
    e.tau = tau;
    const ep_i64 n = batch_chunks_of(batch, cols, threads, e.values); // a full batch's chunks (a short last batch has no more)
    for (ep_i64 c = 0; c < n; c++) { // rings of ≥ 2 strides (a batch and the next), and ≥ the call's last batch's rows
        std::unique_ptr<SplitChunk<T>> ch(new SplitChunk<T>());
        ch->claimed.store(-1);
        ch->done.store(-1);
        ch->stride = batch_chunk_start(batch, n, c + 1) - batch_chunk_start(batch, n, c);
        ep_i64 last_from, last_count;
        e.span(batches > 0 ? batches - 1 : 0, c, &last_from, &last_count);
        ep_i64 ring = 1;
        while (ring < 2 * ch->stride || ring < last_count) {
            ring <<= 1;
        }
        ch->ring.assign((size_t) ring, 0);
        ch->mask = ring - 1;
        ch->partial.assign((size_t) cols, (T) 0);
        ch->filled = 0;
        e.chunks.push_back(std::move(ch));
    }
    e.stop.store(false);
    double b;
    e.inputs = batch_inputs(cols, theta, ymean, means, factors, tt, &b);
    e.b = b;
    e.generation.store(0, std::memory_order_release);
    SplitWorkers workers(&e.stop);
    workers.threads.reserve((size_t) (n - 1));
    for (ep_i64 c = 1; c < n; c++) {
        try {
            workers.threads.emplace_back(split_worker<T>, &e, c);
        } catch (const std::system_error&) { // no thread to be had (a process or container thread limit): the calling
            break;                             // thread sums the chunks of the workers not started, as when not run
        }
    }
    double total = *sum_squares;
    double* sums = sizeof(T) == 8 ? (double*) (void*) e.chunks[0]->partial.data() : acc;
    for (ep_i64 k = 0; k < batches; k++) {
        if (k > 0) {
            e.inputs = batch_inputs(cols, theta, ymean, means, factors, tt, &b);
            e.b = b;
            e.generation.store(k, std::memory_order_release);
        }
        const ep_i64 rows = train - (first_batch + k) * batch < batch ? train - (first_batch + k) * batch : batch;
        const ep_i64 chunks = batch_chunks_of(rows, cols, threads, e.values);
        e.claim_and_sum(0, k);
        // the chunks no worker has claimed by now (a worker not started, not run, or slow to wake) are summed here at
        // once — that never delays this thread, which would otherwise wait for them — then the others are waited for
        for (ep_i64 c = 1; c < chunks; c++) {
            e.claim_and_sum(c, k);
        }
        for (ep_i64 c = 1; c < chunks; c++) {
            SplitChunk<T>& ch = *e.chunks[c];
            int spins = 0;
            while (ch.done.load(std::memory_order_acquire) < k) {
                if (spins < SPLIT_SPINS) {
                    spins++;
                    _mm_pause();
                } else {
                    std::this_thread::yield();
                }
            }
        }
        double ss = 0.0 + e.chunks[0]->ss;
        double sum = 0.0 + e.chunks[0]->s;
        if (sizeof(T) == 8) {
            for (ep_i64 c = 1; c < chunks; c++) {
                const T* p = e.chunks[c]->partial.data();
                for (ep_i64 j = 0; j < cols; j++) {
                    sums[j] = sums[j] + (double) p[j];
                }
            }
        } else {
            T* p0 = e.chunks[0]->partial.data();
            for (ep_i64 j = 0; j < cols; j++) {
                sums[j] = 0.0 + (double) p0[j];
                p0[j] = 0;
            }
            for (ep_i64 c = 1; c < chunks; c++) {
                T* p = e.chunks[c]->partial.data();
                for (ep_i64 j = 0; j < cols; j++) {
                    sums[j] = sums[j] + (double) p[j];
                    p[j] = 0;
                }
            }
        }
        for (ep_i64 c = 1; c < chunks; c++) {
            ss = ss + e.chunks[c]->ss;
            sum = sum + e.chunks[c]->s;
        }
        double scale = 2.0 / (double) rows;
        update(cols, sums, scale, -scale * sum, rates[k], theta, g, means, factors, ridge, s2, kappa, l1s2);
        if (avg != NULL) {
            average_step(cols, theta, avg, avg_factors[k]);
        }
        total += ss;
    }
    workers.join();
    *sum_squares = total;
}

// The epoch call: batches split across threads (split_epoch_batches) when B > 1 and a full batch makes more than one
// chunk on `threads` threads, else epoch_batches (with its producer thread when `producer`).
template <class T>
static void epoch_any(const T* x, ep_i64 cols, const T* y, const double* w, ep_i64 m, ep_i64 seed, ep_i64 epoch,
                      ep_i64 train, ep_i64 validation_seed, ep_i64 batch, ep_i64 first_batch, ep_i64 batches,
                      const double* rates, T* theta, T* g, double tau, double ymean, const T* means, const T* factors,
                      const T* ridge, const T* s2, const double* kappa, const double* l1s2, T* tt, T* partial,
                      double* acc, ep_i64* rows, ep_i64 ring, bool producer, ep_i64 threads, double* avg,
                      const double* avg_factors, double* sum_squares) {
    if (batch > 1 && batch_chunks(batch, cols, threads) > 1) {
        split_epoch_batches(x, cols, y, w, m, seed, epoch, train, validation_seed, batch, first_batch, batches, threads,
                            rates, theta, g, tau, ymean, means, factors, ridge, s2, kappa, l1s2, tt, acc, avg, avg_factors,
                            sum_squares);
        return;
    }
    epoch_batches(x, cols, y, w, m, seed, epoch, train, validation_seed, batch, first_batch, batches, rates, theta, g, tau,
                  ymean, means, factors, ridge, s2, kappa, l1s2, tt, partial, acc, rows, ring, producer, avg, avg_factors,
                  sum_squares);
}

inline void epoch_float(const float* x, ep_i64 cols, const float* y, const double* w, ep_i64 m, ep_i64 seed, ep_i64 epoch,
                        ep_i64 train, ep_i64 validation_seed, ep_i64 batch, ep_i64 first_batch, ep_i64 batches,
                        const double* rates, float* theta, float* g, double tau, double ymean, const float* means,
                        const float* factors, const float* ridge, const float* s2, const double* kappa,
                        const double* l1s2, float* tt, float* partial, double* acc, ep_i64* rows, ep_i64 ring,
                        bool producer, ep_i64 threads, double* avg, const double* avg_factors, double* sum_squares) {
    epoch_any(x, cols, y, w, m, seed, epoch, train, validation_seed, batch, first_batch, batches, rates, theta, g, tau,
              ymean, means, factors, ridge, s2, kappa, l1s2, tt, partial, acc, rows, ring, producer, threads, avg,
              avg_factors, sum_squares);
}

inline void epoch_double(const double* x, ep_i64 cols, const double* y, const double* w, ep_i64 m, ep_i64 seed,
                         ep_i64 epoch, ep_i64 train, ep_i64 validation_seed, ep_i64 batch, ep_i64 first_batch,
                         ep_i64 batches, const double* rates, double* theta, double* g, double tau, double ymean,
                         const double* means, const double* factors, const double* ridge, const double* s2,
                         const double* kappa, const double* l1s2, double* tt, double* acc, ep_i64* rows, ep_i64 ring,
                         bool producer, ep_i64 threads, double* avg, const double* avg_factors, double* sum_squares) {
    epoch_any(x, cols, y, w, m, seed, epoch, train, validation_seed, batch, first_batch, batches, rates, theta, g, tau,
              ymean, means, factors, ridge, s2, kappa, l1s2, tt, (double*) NULL, acc, rows, ring, producer, threads, avg,
              avg_factors, sum_squares);
}

// ------------------------------------------------------------------ level-1 vector operations (VectorOps' bits)

// The cpu backend's vector operations (dev.downhill.cpu.VectorOps) for long vectors: the same expressions element by
// element, so the same bits as its Java loops (which a cold JVM interprets: ~10 ms per first call at n = 150,000).
// float32 vectors: each operation in float64, rounded once (the product d∘x in float32, as Java's float * float).

// y = y + alpha·x.
inline void vector_axpy_float(double alpha, const float* x, float* y, ep_i64 n) {
    for (ep_i64 j = 0; j < n; j++) {
        y[j] = (float) ((double) y[j] + alpha * (double) x[j]);
    }
}

inline void vector_axpy_double(double alpha, const double* x, double* y, ep_i64 n) {
    for (ep_i64 j = 0; j < n; j++) {
        y[j] = y[j] + alpha * x[j];
    }
}

// x = alpha·x.
inline void vector_scale_float(double alpha, float* x, ep_i64 n) {
    for (ep_i64 j = 0; j < n; j++) {
        x[j] = (float) (alpha * (double) x[j]);
    }
}

inline void vector_scale_double(double alpha, double* x, ep_i64 n) {
    for (ep_i64 j = 0; j < n; j++) {
        x[j] = alpha * x[j];
    }
}

// x = d∘x.
inline void vector_multiply_float(const float* d, float* x, ep_i64 n) {
    for (ep_i64 j = 0; j < n; j++) {
        x[j] = d[j] * x[j];
    }
}

inline void vector_multiply_double(const double* d, double* x, ep_i64 n) {
    for (ep_i64 j = 0; j < n; j++) {
        x[j] = d[j] * x[j];
    }
}

// xᵀy in float64 by VectorOps.dot's rule (intercept_dot: dot16's order).
inline double vector_dot_float(const float* x, const float* y, ep_i64 n) {
    return intercept_dot(x, y, n);
}

inline double vector_dot_double(const double* x, const double* y, ep_i64 n) {
    return intercept_dot(x, y, n);
}

// ------------------------------------------------------------------ column statistics (the Java loops they replace, bit for bit)

// Rows [start, end) of X: acc_j += x_ij (weighted: w_i x_ij), *sum += y_i (w_i y_i), in row order, float64; with
// squares (else NULL) also squares_j += x_ij² (weighted: (w_i x_ij) x_ij), in row order — squared_deviations' bits for
// c = 0, so the moments pass gives the mean squares about 0 without a pass of their own.
template <class T>
static inline void column_sums(const T* x, ep_i64 cols, const T* y, const double* w, ep_i64 start, ep_i64 end,
                               double* acc, double* sum, double* squares) {
    double s = *sum;
    for (ep_i64 i = start; i < end; i++) {
        const T* xi = x + i * cols;
        if (w != NULL) {
            double wi = w[i];
            for (ep_i64 j = 0; j < cols; j++) {
                acc[j] = acc[j] + wi * (double) xi[j];
            }
            if (squares != NULL) {
                for (ep_i64 j = 0; j < cols; j++) {
                    double d = (double) xi[j] - 0.0;
                    squares[j] = squares[j] + wi * d * d;
                }
            }
            s += wi * (double) y[i];
        } else {
            for (ep_i64 j = 0; j < cols; j++) {
                acc[j] = acc[j] + (double) xi[j];
            }
            if (squares != NULL) {
                for (ep_i64 j = 0; j < cols; j++) {
                    double d = (double) xi[j] - 0.0;
                    squares[j] = squares[j] + d * d;
                }
            }
            s += (double) y[i];
        }
    }
    *sum = s;
}

// column_sums for rows of 4·(NV − 1) < cols ≤ 4·NV values (NV ≥ 2), the column sums in NV ymm registers of four float64 lanes (the same
// additions in the same row order per column, so the same bits; the plain loop's acc_j round trip through memory each
// row was most of its time): the last vector is read from cols − 4 with the lanes the vector before holds zeroed, added
// in (as +0, so unchanged) and stored first, then overwritten by that vector.
template <class T, int NV, bool SQUARES>
__attribute__((target("avx2"))) static void column_sums_narrow(const T* x, ep_i64 cols, const T* y, const double* w,
                                                               ep_i64 start, ep_i64 end, double* acc, double* sum,
                                                               double* squares) {
    const ep_i64 last_at = cols - 4;
    const int overlap = (int) ((NV - 1) * 4 - last_at); // lanes of the last vector the vector before holds, 0..3
    const __m256d keep = _mm256_castsi256_pd(_mm256_cmpgt_epi64(_mm256_setr_epi64x(0, 1, 2, 3), _mm256_set1_epi64x(overlap - 1)));
    __m256d a[NV];
    __m256d q[NV];
    for (int v = 0; v < NV; v++) {
        a[v] = _mm256_loadu_pd(acc + (v < NV - 1 ? v * 4 : last_at));
        q[v] = SQUARES ? _mm256_loadu_pd(squares + (v < NV - 1 ? v * 4 : last_at)) : _mm256_setzero_pd();
    }
    double s = *sum;
    for (ep_i64 i = start; i < end; i++) {
        const T* xi = x + i * cols;
        __m256d wi = _mm256_set1_pd(w != NULL ? w[i] : 1.0);
        for (int v = 0; v < NV; v++) {
            __m256d d = ep_load4(xi + (v < NV - 1 ? v * 4 : last_at));
            if (v == NV - 1) {
                d = _mm256_and_pd(d, keep);
            }
            __m256d wd = w != NULL ? _mm256_mul_pd(wi, d) : d; // w_i·x_ij, or x_ij
            a[v] = _mm256_add_pd(a[v], wd);
            if (SQUARES) {
                q[v] = _mm256_add_pd(q[v], _mm256_mul_pd(wd, d)); // (w_i·d)·d, or d·d (d = x − 0 = x)
            }
        }
        s += w != NULL ? w[i] * (double) y[i] : (double) y[i];
    }
    _mm256_storeu_pd(acc + last_at, a[NV - 1]);
    if (SQUARES) {
        _mm256_storeu_pd(squares + last_at, q[NV - 1]);
    }
    for (int v = 0; v < NV - 1; v++) {
        _mm256_storeu_pd(acc + v * 4, a[v]);
        if (SQUARES) {
            _mm256_storeu_pd(squares + v * 4, q[v]);
        }
    }
    *sum = s;
}

// column_sums, through column_sums_narrow for 4 < cols ≤ 32 where the CPU has AVX2.
template <class T>
static inline void column_sums_any(const T* x, ep_i64 cols, const T* y, const double* w, ep_i64 start, ep_i64 end,
                                   double* acc, double* sum, double* squares) {
    if (ep_avx2() && cols > 4 && cols <= 32) {
        int nv = (int) ((cols + 3) / 4);
        bool sq = squares != NULL;
#define DOWNHILL_CS(k) if (nv == k) { \
            if (sq) { column_sums_narrow<T, k, true>(x, cols, y, w, start, end, acc, sum, squares); } \
            else { column_sums_narrow<T, k, false>(x, cols, y, w, start, end, acc, sum, squares); } \
            return; \
        }
        DOWNHILL_CS(2) DOWNHILL_CS(3) DOWNHILL_CS(4) DOWNHILL_CS(5) DOWNHILL_CS(6) DOWNHILL_CS(7) DOWNHILL_CS(8)
#undef DOWNHILL_CS
    }
    column_sums(x, cols, y, w, start, end, acc, sum, squares);
}

inline void column_sums_float(const float* x, ep_i64 cols, const float* y, const double* w, ep_i64 start, ep_i64 end,
                              double* acc, double* sum, double* squares) {
    column_sums_any(x, cols, y, w, start, end, acc, sum, squares);
}

inline void column_sums_double(const double* x, ep_i64 cols, const double* y, const double* w, ep_i64 start, ep_i64 end,
                               double* acc, double* sum, double* squares) {
    column_sums_any(x, cols, y, w, start, end, acc, sum, squares);
}

// Rows [0, m): sums_j += (x_ij − c_j)² (weighted: w_i (x_ij − c_j)(x_ij − c_j), as (w·d)·d), in row order, float64.
template <class T>
static inline void squared_deviations(const T* x, ep_i64 cols, const double* w, ep_i64 m, const double* c, double* sums) {
    for (ep_i64 i = 0; i < m; i++) {
        const T* xi = x + i * cols;
        if (w != NULL) {
            double wi = w[i];
            for (ep_i64 j = 0; j < cols; j++) {
                double d = (double) xi[j] - c[j];
                sums[j] = sums[j] + wi * d * d;
            }
        } else {
            for (ep_i64 j = 0; j < cols; j++) {
                double d = (double) xi[j] - c[j];
                sums[j] = sums[j] + d * d;
            }
        }
    }
}

inline void squared_deviations_float(const float* x, ep_i64 cols, const double* w, ep_i64 m, const double* c, double* sums) {
    squared_deviations(x, cols, w, m, c, sums);
}

inline void squared_deviations_double(const double* x, ep_i64 cols, const double* w, ep_i64 m, const double* c,
                                      double* sums) {
    squared_deviations(x, cols, w, m, c, sums);
}

}  // namespace downhill

#endif
