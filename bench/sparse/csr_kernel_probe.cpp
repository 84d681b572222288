// Where the CPU CSR gradient step's time goes (issue 14, item 4): variants of the fused pass of downhill_sparse.h's
// csr_gradient_rows on one CSR matrix, each timed on the same data and threads, one after another, repeated.
//
//   bench/sparse/csr-kernel-probe.sh [X.npz]   (dumps the CSR arrays, builds this file with -O3 -march=native, runs it)
//
// Each variant computes, per row i: r_i = x_i·θ + b − y_i (a gather of θ over the row's entries), then g += r_i·x_i
// (a scatter into the thread's accumulator), with the rows split in contiguous halves between the threads as the
// cpu backend does. The variants isolate the parts: the dot alone, the scatter alone, both with θ and g held in L1
// (column indices masked to 4,096 columns: wrong answers, right memory traffic for X), a pure stream of the values and
// indices, four dot chains, AVX-512 gathers, θ and g interleaved in one array. Prints ms per pass and the GB/s of
// X's bytes (values, int32 indices, int64 row pointers, y) the shipped pass reads.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

typedef long long ci;

template <class T>
static std::vector<T> load(const char* f) {
    FILE* p = fopen(f, "rb");
    if (p == nullptr) {
        fprintf(stderr, "cannot open %s\n", f);
        exit(2);
    }
    fseek(p, 0, SEEK_END);
    long n = ftell(p) / (long) sizeof(T);
    fseek(p, 0, SEEK_SET);
    std::vector<T> v(n);
    if (fread(v.data(), sizeof(T), n, p) != (size_t) n) {
        fprintf(stderr, "short read %s\n", f);
        exit(2);
    }
    fclose(p);
    return v;
}

struct Args {
    const ci* ptr;
    const int* col;
    const double* val;
    const double* y;
    const double* theta;
    double b;
};

// As shipped: one dot chain, then the scatter.
static double fused(const Args& a, ci s, ci e, double* acc) {
    double ss = 0;
    for (ci i = s; i < e; i++) {
        double d = 0;
        for (ci k = a.ptr[i]; k < a.ptr[i + 1]; k++) d += a.val[k] * a.theta[a.col[k]];
        double r = d + a.b - a.y[i];
        ss += r * r;
        for (ci k = a.ptr[i]; k < a.ptr[i + 1]; k++) acc[a.col[k]] += r * a.val[k];
    }
    return ss;
}

static double dot4(const Args& a, ci f, ci t, int mask) {
    double d0 = 0, d1 = 0, d2 = 0, d3 = 0;
    ci k = f;
    for (; k + 4 <= t; k += 4) {
        d0 += a.val[k] * a.theta[a.col[k] & mask];
        d1 += a.val[k + 1] * a.theta[a.col[k + 1] & mask];
        d2 += a.val[k + 2] * a.theta[a.col[k + 2] & mask];
        d3 += a.val[k + 3] * a.theta[a.col[k + 3] & mask];
    }
    double d = (d0 + d1) + (d2 + d3);
    for (; k < t; k++) d += a.val[k] * a.theta[a.col[k] & mask];
    return d;
}

static double fused4(const Args& a, ci s, ci e, double* acc) {
    double ss = 0;
    for (ci i = s; i < e; i++) {
        double r = dot4(a, a.ptr[i], a.ptr[i + 1], -1) + a.b - a.y[i];
        ss += r * r;
        for (ci k = a.ptr[i]; k < a.ptr[i + 1]; k++) acc[a.col[k]] += r * a.val[k];
    }
    return ss;
}

template <int MASK>
static double dot_only(const Args& a, ci s, ci e, double*) {
    double ss = 0;
    for (ci i = s; i < e; i++) {
        double r = dot4(a, a.ptr[i], a.ptr[i + 1], MASK) + a.b - a.y[i];
        ss += r * r;
    }
    return ss;
}

template <int MASK>
static double scatter_only(const Args& a, ci s, ci e, double* acc) {
    for (ci i = s; i < e; i++) {
        double r = a.y[i] - a.b;
        for (ci k = a.ptr[i]; k < a.ptr[i + 1]; k++) acc[a.col[k] & MASK] += r * a.val[k];
    }
    return acc[0];
}

static double stream_only(const Args& a, ci s, ci e, double*) {
    double sv = 0;
    long long si = 0;
    for (ci k = a.ptr[s]; k < a.ptr[e]; k++) {
        sv += a.val[k];
        si += a.col[k];
    }
    return sv + (double) si;
}

// θ_j and g_j side by side (pair[2j], pair[2j+1]): one cache line serves the gather and the scatter.
static double pairs(const Args& a, ci s, ci e, double* pair) {
    double ss = 0;
    for (ci i = s; i < e; i++) {
        double d0 = 0, d1 = 0, d2 = 0, d3 = 0;
        ci f = a.ptr[i], t = a.ptr[i + 1], k = f;
        for (; k + 4 <= t; k += 4) {
            d0 += a.val[k] * pair[2 * (ci) a.col[k]];
            d1 += a.val[k + 1] * pair[2 * (ci) a.col[k + 1]];
            d2 += a.val[k + 2] * pair[2 * (ci) a.col[k + 2]];
            d3 += a.val[k + 3] * pair[2 * (ci) a.col[k + 3]];
        }
        double d = (d0 + d1) + (d2 + d3);
        for (; k < t; k++) d += a.val[k] * pair[2 * (ci) a.col[k]];
        double r = d + a.b - a.y[i];
        ss += r * r;
        for (ci q = f; q < t; q++) pair[2 * (ci) a.col[q] + 1] += r * a.val[q];
    }
    return ss;
}

#if defined(__AVX512F__)
static double gather_dot(const Args& a, ci f, ci t) {
    __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
    ci k = f;
    for (; k + 16 <= t; k += 16) {
        __m256i i0 = _mm256_loadu_si256((const __m256i*) (a.col + k));
        __m256i i1 = _mm256_loadu_si256((const __m256i*) (a.col + k + 8));
        a0 = _mm512_fmadd_pd(_mm512_loadu_pd(a.val + k), _mm512_i32gather_pd(i0, a.theta, 8), a0);
        a1 = _mm512_fmadd_pd(_mm512_loadu_pd(a.val + k + 8), _mm512_i32gather_pd(i1, a.theta, 8), a1);
    }
    for (; k < t; k += 8) {
        __mmask8 m = (t - k) >= 8 ? 0xff : (__mmask8) ((1u << (t - k)) - 1);
        __m256i i0 = _mm256_maskz_loadu_epi32(m, a.col + k);
        a0 = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m, a.val + k), _mm512_mask_i32gather_pd(_mm512_setzero_pd(), m, i0, a.theta, 8), a0);
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(a0, a1));
}

static double avx512_gather_scalar_scatter(const Args& a, ci s, ci e, double* acc) {
    double ss = 0;
    for (ci i = s; i < e; i++) {
        double r = gather_dot(a, a.ptr[i], a.ptr[i + 1]) + a.b - a.y[i];
        ss += r * r;
        for (ci k = a.ptr[i]; k < a.ptr[i + 1]; k++) acc[a.col[k]] += r * a.val[k];
    }
    return ss;
}

// The entries of one row have distinct columns, so a row's scatter has no conflicts within a vector.
static double avx512_gather_scatter(const Args& a, ci s, ci e, double* acc) {
    double ss = 0;
    for (ci i = s; i < e; i++) {
        ci f = a.ptr[i], t = a.ptr[i + 1];
        double r = gather_dot(a, f, t) + a.b - a.y[i];
        ss += r * r;
        __m512d rv = _mm512_set1_pd(r);
        for (ci k = f; k < t; k += 8) {
            __mmask8 m = (t - k) >= 8 ? 0xff : (__mmask8) ((1u << (t - k)) - 1);
            __m256i i0 = _mm256_maskz_loadu_epi32(m, a.col + k);
            __m512d g = _mm512_mask_i32gather_pd(_mm512_setzero_pd(), m, i0, acc, 8);
            g = _mm512_fmadd_pd(rv, _mm512_maskz_loadu_pd(m, a.val + k), g);
            _mm512_mask_i32scatter_pd(acc, m, i0, g, 8);
        }
    }
    return ss;
}
#endif

typedef double (*Kernel)(const Args&, ci, ci, double*);

int main(int argc, char** argv) {
    const char* dir = argc > 1 ? argv[1] : ".";
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    int rounds = argc > 3 ? atoi(argv[3]) : 5;
    std::string d(dir);
    auto ptr = load<ci>((d + "/ptr.bin").c_str());
    auto col = load<int>((d + "/col.bin").c_str());
    auto val = load<double>((d + "/val.bin").c_str());
    ci m = (ci) ptr.size() - 1;
    ci n = 0;
    for (int c : col) n = c + 1 > n ? c + 1 : n;
    std::vector<double> y(m, 1.0), theta(n);
    for (ci j = 0; j < n; j++) theta[j] = 1e-3 * (double) (j % 17);
    struct Variant { const char* name; Kernel k; bool pairs; };
    std::vector<Variant> variants = {
        {"fused, one dot chain (as shipped)", fused, false},
        {"fused, four dot chains", fused4, false},
        {"fused, θ and g interleaved", pairs, true},
        {"dot only", dot_only<-1>, false},
        {"dot only, θ in L1 (4,096 columns)", dot_only<4095>, false},
        {"scatter only", scatter_only<-1>, false},
        {"scatter only, g in L1 (4,096 columns)", scatter_only<4095>, false},
        {"stream the values and indices", stream_only, false},
#if defined(__AVX512F__)
        {"fused, AVX-512 gather dot, scalar scatter", avx512_gather_scalar_scatter, false},
        {"fused, AVX-512 gather dot and scatter", avx512_gather_scatter, false},
#endif
    };
    Args a{ptr.data(), col.data(), val.data(), y.data(), theta.data(), 0.5};
    double bytes = (double) col.size() * 12 + (double) (m + 1) * 8 + (double) m * 8;
    printf("%lld rows × %lld columns, %zu non-zeros; %d threads; %d rounds, median ms per pass\n", m, n, col.size(),
           threads, rounds);
    std::vector<std::vector<double>> times(variants.size());
    for (int round = 0; round < rounds + 1; round++) {
        for (size_t v = 0; v < variants.size(); v++) {
            ci width = variants[v].pairs ? 2 * n : n;
            std::vector<std::vector<double>> acc(threads, std::vector<double>(width));
            if (variants[v].pairs) {
                for (int t = 0; t < threads; t++)
                    for (ci j = 0; j < n; j++) acc[t][2 * j] = theta[j];
            }
            auto t0 = std::chrono::steady_clock::now();
            std::vector<std::thread> ts;
            std::vector<double> out(threads);
            for (int t = 0; t < threads; t++) {
                ts.emplace_back([&, t] {
                    ci s = m * t / threads, e = m * (t + 1) / threads;
                    out[t] = variants[v].k(a, s, e, acc[t].data());
                });
            }
            for (auto& th : ts) th.join();
            double ms = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e3;
            if (round > 0) times[v].push_back(ms); // round 0 warms up
        }
    }
    for (size_t v = 0; v < variants.size(); v++) {
        auto& t = times[v];
        std::sort(t.begin(), t.end());
        double med = t[t.size() / 2];
        printf("%-45s %7.2f ms (%.2f–%.2f)  %6.1f GB/s of X\n", variants[v].name, med, t.front(), t.back(),
               bytes / (med * 1e-3) / 1e9);
    }
}
