// Checks every kernel of downhill_kernels.cu on the host, compiled by g++ under host_emulation.h,
// against straightforward float64 references. Built and run by HostEmulationTest:
//
//     g++ -O1 -std=c++20 -pthread -DDOWNHILL_HOST_EMULATION -include src/test/cpp/host_emulation.h
//         -DREAL=float -DTHREADS=32 -DKPT=2 -DCLUSTER=2 -DROWS=3 src/test/cpp/kernel_harness.cpp -o harness
//
// Prints one line per check (PASS/FAIL) and exits with the number of failures (capped), 0 when all pass.
// Tolerances: |got − ref| ≤ tol · mag, mag = the sum of the magnitudes of the terms (so cancellation
// is not punished); tol = 1e-5 for REAL = float, 1e-12 for double.

#ifndef DOWNHILL_HOST_EMULATION
#error "compile with -DDOWNHILL_HOST_EMULATION -include host_emulation.h"
#endif

#ifndef DH_KERNELS_FILE
#define DH_KERNELS_FILE "../../main/resources/dev/downhill/cuda/downhill_kernels.cu"
#endif
#include DH_KERNELS_FILE

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

typedef REAL real;

static const double TOL = sizeof(real) == 4 ? 1e-5 : 1e-12;
static int failures = 0;
static int checks = 0;
static std::atomic<const char*> current{"start"};

// ------------------------------------------------------------------------------ launching

/** launch(kernel, grid, args...): THREADS threads per block, clusters of CLUSTER blocks when grid.x allows. */
template <class... P, class... A>
static void launchDynamic(void (*kernel)(P...), dim3 grid, std::size_t dynamicBytes, A&&... args) {
    const unsigned cluster = grid.x % CLUSTER == 0 ? CLUSTER : 1;
    if (dh_emu::launch_kernel_dynamic(kernel, grid, dim3(THREADS), cluster, dynamicBytes, std::forward<A>(args)...) != 0) {
        ++failures;
        std::printf("FAIL %s: shared-memory guard or lifetime violated (see stderr)\n", current.load());
    }
}

template <class... P, class... A>
static void launch(void (*kernel)(P...), dim3 grid, A&&... args) {
    launchDynamic(kernel, grid, 0, std::forward<A>(args)...);
}

// ------------------------------------------------------------------------------ data and buffers

static unsigned long long rngState = 0x9E3779B97F4A7C15ull;

/** Uniform in [-1, 1), deterministic. */
static double uniform() {
    rngState = rngState * 6364136223846793005ull + 1442695040888963407ull;
    return (double) (rngState >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

/** A device buffer stand-in: n elements between two guard zones of 0xFE bytes. */
template <class T>
struct Buf {
    static constexpr std::size_t G = 16;
    std::vector<T> v;
    std::size_t n;
    explicit Buf(std::size_t n_) : v(n_ + 2 * G), n(n_) {
        std::memset((void*) v.data(), 0xFE, v.size() * sizeof(T));
    }
    T* p() { return v.data() + G; }
    const T* p() const { return v.data() + G; }
    T& operator[](std::size_t i) { return v[G + i]; }
    const T& operator[](std::size_t i) const { return v[G + i]; }
    /** Fills the body with the guard bytes: elements nobody writes stay `untouched`. */
    void poison() { std::memset((void*) p(), 0xFE, n * sizeof(T)); }
    bool untouched(std::size_t i) const {
        const unsigned char* b = reinterpret_cast<const unsigned char*>(p() + i);
        for (std::size_t k = 0; k < sizeof(T); ++k) {
            if (b[k] != 0xFE) {
                return false;
            }
        }
        return true;
    }
    bool guardsIntact() const {
        const unsigned char* b = reinterpret_cast<const unsigned char*>(v.data());
        for (std::size_t k = 0; k < G * sizeof(T); ++k) {
            if (b[k] != 0xFE || b[(G + n) * sizeof(T) + k] != 0xFE) {
                return false;
            }
        }
        return true;
    }
};

template <class T>
static Buf<T> randomBuf(std::size_t n, double lo = -1.0, double hi = 1.0) {
    Buf<T> b(n);
    for (std::size_t i = 0; i < n; ++i) {
        b[i] = (T) (lo + (hi - lo) * (uniform() + 1.0) / 2.0);
    }
    return b;
}

// ------------------------------------------------------------------------------ checking

static void result(bool ok, const std::string& name, const std::string& detail) {
    ++checks;
    if (!ok) {
        ++failures;
    }
    std::printf("%s %s%s%s\n", ok ? "PASS" : "FAIL", name.c_str(), detail.empty() ? "" : ": ", detail.c_str());
    std::fflush(stdout);
}

/**
 * got[i] against ref[i] within tol·mag[i], for i < n (got read as double). Elements still bearing the
 * poison pattern count as not written.
 */
template <class T>
static void check(const std::string& name, const Buf<T>& got, const std::vector<double>& ref,
                  const std::vector<double>& mag, double tol = TOL) {
    std::size_t bad = 0;
    std::size_t first = (std::size_t) -1;
    double worst = 0.0;
    bool unwritten = false;
    for (std::size_t i = 0; i < ref.size(); ++i) {
        const double g = (double) got[i];
        const double err = std::fabs(g - ref[i]);
        const bool ok = got.untouched(i) ? false : err <= tol * mag[i];
        if (!ok) {
            if (first == (std::size_t) -1) {
                first = i;
                unwritten = got.untouched(i);
            }
            ++bad;
        } else if (mag[i] > 0) {
            worst = std::max(worst, err / mag[i]);
        }
    }
    const bool guards = got.guardsIntact();
    char detail[512];
    if (bad == 0 && guards) {
        std::snprintf(detail, sizeof detail, "%zu values, max err/mag %.3g (tol %.0e)", ref.size(), worst, tol);
    } else if (bad == 0) {
        std::snprintf(detail, sizeof detail, "values right, but written outside the buffer (guards)");
    } else {
        std::snprintf(detail, sizeof detail, "%zu of %zu values off%s; first [%zu]: got %.17g%s, ref %.17g, mag %.3g (tol %.0e)",
                      bad, ref.size(), guards ? "" : ", guards overwritten", first, (double) got[first],
                      unwritten ? " (never written)" : "", ref[first], mag[first], tol);
    }
    result(bad == 0 && guards, name, detail);
}

template <class T>
static void checkUntouched(const std::string& name, const Buf<T>& b) {
    std::size_t written = 0;
    for (std::size_t i = 0; i < b.n; ++i) {
        written += !b.untouched(i);
    }
    char detail[128];
    std::snprintf(detail, sizeof detail, "%zu of %zu elements written%s", written, b.n, b.guardsIntact() ? "" : ", guards overwritten");
    result(written == 0 && b.guardsIntact(), name, detail);
}

static std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
static std::string fmt(const char* f, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, f);
    std::vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return buf;
}

// ------------------------------------------------------------------------------ fused_gradient

/** FNV-1a of n bytes. */
static unsigned long long fnv(const void* p, std::size_t n) {
    const unsigned char* b = static_cast<const unsigned char*>(p);
    unsigned long long h = 0xcbf29ce484222325ull;
    for (std::size_t i = 0; i < n; ++i) {
        h = (h ^ b[i]) * 0x100000001b3ull;
    }
    return h;
}

struct FusedCase {
    const char* what;
    i64 m;
    int n;
    bool useOrder;
    i64 first;
    i64 count;
    double tau;
    double b;
    unsigned clusters;
    bool checkDeterminism;
    bool weighted;   // sample weights w_i in [0, 2] (indexed like y); false: w null
};

struct FusedOut {
    Buf<double> g;
    Buf<double> s;
};

static FusedOut runFused(const FusedCase& fc, const Buf<real>& X, const Buf<real>& y, const Buf<double>& w,
                         const Buf<real>& theta, const Buf<i64>& order) {
    FusedOut out{Buf<double>((std::size_t) fc.clusters * fc.n), Buf<double>(2 * (std::size_t) fc.clusters)};
    // STAGES ≥ 2: X staged through DH_STAGED_BYTES of dynamic shared memory (0 for the register path)
    launchDynamic(fused_gradient, dim3(fc.clusters * CLUSTER), (std::size_t) (STAGES >= 2 ? DH_STAGED_BYTES : 0),
           X.p(), y.p(), fc.weighted ? w.p() : (const double*) nullptr,
           theta.p(), fc.b, fc.tau, fc.n,
           fc.useOrder ? order.p() : (const i64*) nullptr, fc.first, fc.count, out.g.p(), out.s.p());
    return out;
}

static void testFused(const FusedCase& fc) {
    const std::string name = fmt("fused_gradient %s (m=%lld n=%d order=%s first=%lld count=%lld tau=%g b=%g clusters=%u%s)",
                                 fc.what, fc.m, fc.n, fc.useOrder ? "gather" : "null", fc.first, fc.count, fc.tau,
                                 fc.b, fc.clusters, fc.weighted ? " weighted" : "");
    current = fc.what;
    const int n = fc.n;
    const int width = (n + CLUSTER - 1) / CLUSTER;
    if (width > THREADS * KPT) {
        result(false, name, "test set-up: ceil(n/CLUSTER) > THREADS*KPT");
        return;
    }
    Buf<real> X = randomBuf<real>((std::size_t) fc.m * n);
    Buf<real> y = randomBuf<real>((std::size_t) fc.m, -2.0, 2.0);
    Buf<real> theta = randomBuf<real>((std::size_t) n, -0.5, 0.5);
    Buf<double> w = randomBuf<double>((std::size_t) fc.m, 0.0, 2.0);
    // The pass's rows: a shuffled multiset of row indices (repeats included), read from `first` on.
    Buf<i64> order((std::size_t) std::max<i64>(fc.first + fc.count, 1));
    for (std::size_t i = 0; i < order.n; ++i) {
        order[i] = (i64) ((i * 7919 + 13) % (std::size_t) fc.m);
    }
    for (std::size_t i = order.n; i > 1; --i) {
        std::swap(order[i - 1], order[(std::size_t) ((uniform() + 1.0) / 2.0 * (double) i) % i]);
    }
    auto row = [&](i64 r) { return fc.useOrder ? order[(std::size_t) (fc.first + r)] : fc.first + r; };

    // Reference.
    std::vector<double> g((std::size_t) fc.clusters * n, 0.0), gmag(g.size(), 0.0);
    std::vector<double> s(2 * (std::size_t) fc.clusters, 0.0), smag(s.size(), 0.0);
    for (unsigned c = 0; c < fc.clusters; ++c) {
        const i64 r0 = fc.count * (i64) c / (i64) fc.clusters;
        const i64 r1 = fc.count * (i64) (c + 1) / (i64) fc.clusters;
        for (i64 r = r0; r < r1; ++r) {
            const i64 i = row(r);
            double res = fc.b - fc.tau * (double) y[(std::size_t) i];
            double mag = std::fabs(fc.b) + std::fabs(fc.tau * (double) y[(std::size_t) i]);
            for (int j = 0; j < n; ++j) {
                const double p = (double) X[(std::size_t) (i * n + j)] * (double) theta[(std::size_t) j];
                res += p;
                mag += std::fabs(p);
            }
            const double wi = fc.weighted ? w[(std::size_t) i] : 1.0;
            for (int j = 0; j < n; ++j) {
                const double x = (double) X[(std::size_t) (i * n + j)];
                g[(std::size_t) c * n + j] += wi * res * x;
                gmag[(std::size_t) c * n + j] += wi * mag * std::fabs(x);
            }
            s[2 * c] += wi * res * res;
            smag[2 * c] += wi * mag * mag;
            s[2 * c + 1] += wi * res;
            smag[2 * c + 1] += wi * mag;
        }
    }
    // Magnitudes must be scaled by the number of terms summed in float64 for a fair tolerance at
    // float64 (1e-12 covers ~1e4 terms of 1e-16 each); the cases here stay well below that.

    FusedOut a = runFused(fc, X, y, w, theta, order);
    // The bits of the outputs, for HostEmulationTest to compare across builds (STAGES 0 and ≥ 2 must agree).
    std::printf("BITS fused_gradient %s%s: %016llx\n", fc.what, fc.weighted ? " weighted" : "",
                (unsigned long long) (fnv(a.g.p(), a.g.n * sizeof(double)) ^ (fnv(a.s.p(), a.s.n * sizeof(double)) * 31)));
    check(name + " gpartial", a.g, g, gmag);
    check(name + " spartial", a.s, s, smag);
    if (!X.guardsIntact() || !y.guardsIntact() || !w.guardsIntact() || !theta.guardsIntact() || !order.guardsIntact()) {
        result(false, name + " inputs", "an input buffer's guards were overwritten");
    }

    if (!fc.checkDeterminism) {
        return;
    }
    // Determinism: the same launch again gives bit-identical partials.
    FusedOut b2 = runFused(fc, X, y, w, theta, order);
    const bool same = std::memcmp(a.g.p(), b2.g.p(), a.g.n * sizeof(double)) == 0
                      && std::memcmp(a.s.p(), b2.s.p(), a.s.n * sizeof(double)) == 0;
    result(same, name + " determinism", same ? "two runs bit-identical" : "two runs differ");
}

static void testFusedAll() {
    const int full = CLUSTER * THREADS * KPT;                 // the widest n the shape takes
    const int nBig = full > 5 ? full - 3 : full;              // odd: no multiple of CLUSTER, THREADS or KPT
    const int nMid = CLUSTER * (THREADS * (KPT - 1) + THREADS / 2) + 1 > full
                         ? nBig : CLUSTER * (THREADS * (KPT - 1) + THREADS / 2) + 1;
    const int nOdd = std::min(37, nBig);
    const FusedCase cases[] = {
        // what,                     m,  n,    order, first, count, tau, b,     clusters, determinism
        {"all rows, widest n",       41, nBig, false, 0,     41,    1.0, 0.37,  5,        true},
        {"all rows, tau=0",          23, nMid, false, 0,     23,    0.0, -0.25, 3,        false},
        {"gather slice, tau=1",      60, nMid, true,  11,    29,    1.0, -0.8,  3,        true},
        {"gather slice, tau=0",      60, nOdd, true,  5,     31,    0.0, 0.5,   4,        false},
        {"contiguous slice",         50, nBig, false, 7,     17,    1.0, 0.0,   2,        false},
        {"rows < clusters",          10, 3,    false, 2,     3,     1.0, 0.1,   7,        true},
        {"gather, rows < clusters",  10, 5,    true,  4,     2,     1.0, 1.5,   6,        false},
        {"n=1",                      19, 1,    true,  0,     19,    1.0, 0.2,   2,        false},
        {"one cluster",              33, nMid, true,  3,     26,    1.0, -0.1,  1,        false},
        {"empty pass",               10, 9,    false, 0,     0,     1.0, 0.3,   3,        false},
        {"all rows, weighted",       41, nBig, false, 0,     41,    1.0, 0.37,  5,        true,         true},
        {"gather slice, weighted",   60, nOdd, true,  11,    29,    1.0, -0.8,  3,        false,        true},
    };
    for (const FusedCase& fc : cases) {
        testFused(fc);
    }
}

// ------------------------------------------------------------------------------ chunked passes

/** accumulate_partials over three chunks of a pass (the last one writing out), then accumulate_vector and scale_total. */
static void testAccumulate() {
    current = "accumulate_partials";
    const int n = 2 * THREADS + 5;
    const double sc = 0.125;
    const unsigned blocks = (n + THREADS - 1) / THREADS + 1;   // one block more than needed
    for (int withS = 1; withS >= 0; --withS) {
        Buf<double> total = randomBuf<double>(n, -1.0, 1.0);   // a running total from earlier chunks
        Buf<double> sums = randomBuf<double>(2, 0.0, 2.0);
        std::vector<double> ref(n), mag(n), sref(2), smag(2);
        for (int j = 0; j < n; ++j) {
            ref[j] = total[j];
            mag[j] = std::fabs(total[j]);
        }
        for (int q = 0; q < 2; ++q) {
            sref[q] = sums[q];
            smag[q] = std::fabs(sums[q]);
        }
        const Buf<double> sums0 = sums;
        const int partsPerChunk[] = {3, 0, 4};   // the middle chunk has no partials (partial null)
        for (int chunk = 0; chunk < 3; ++chunk) {
            const int parts = partsPerChunk[chunk];
            const bool last = chunk == 2;
            Buf<double> partial = randomBuf<double>((std::size_t) parts * n, -3.0, 3.0);
            Buf<double> spartial = randomBuf<double>(2 * (std::size_t) parts, -3.0, 3.0);
            for (int j = 0; j < n; ++j) {
                for (int p = 0; p < parts; ++p) {
                    ref[j] += partial[(std::size_t) p * n + j];
                    mag[j] += std::fabs(partial[(std::size_t) p * n + j]);
                }
            }
            for (int p = 0; p < parts && withS; ++p) {
                for (int q = 0; q < 2; ++q) {
                    sref[q] += spartial[2 * (std::size_t) p + q];
                    smag[q] += std::fabs(spartial[2 * (std::size_t) p + q]);
                }
            }
            Buf<real> out(n);
            launch(accumulate_partials, dim3(blocks), parts ? partial.p() : (const double*) nullptr, parts, n, total.p(),
                   withS ? spartial.p() : (const double*) nullptr, sums.p(), sc, last ? out.p() : (real*) nullptr);
            const std::string name = fmt("accumulate_partials (chunk %d of 3: parts=%d n=%d spartial=%s out=%s)", chunk + 1,
                                         parts, n, withS ? "yes" : "null", last ? "yes" : "null");
            check(name + " total", total, ref, mag, 1e-12);
            if (withS) {
                check(name + " sums", sums, sref, smag, 1e-12);
            } else {
                const bool same = std::memcmp(sums.p(), sums0.p(), 2 * sizeof(double)) == 0 && sums.guardsIntact();
                result(same, name + " sums unchanged", same ? "" : "sums changed without spartial");
            }
            if (last) {
                std::vector<double> oref(n), omag(n);
                for (int j = 0; j < n; ++j) {
                    oref[j] = sc * ref[j];
                    omag[j] = sc * mag[j];
                }
                check(name + " out", out, oref, omag);
            } else {
                checkUntouched(name + " out untouched", out);
            }
        }
    }

    current = "accumulate_vector";
    {
        const int n = 3 * THREADS + 7;
        Buf<real> v = randomBuf<real>(n, -2.0, 2.0);
        Buf<double> total = randomBuf<double>(n, -1.0, 1.0);
        std::vector<double> ref(n), mag(n);
        for (int j = 0; j < n; ++j) {
            ref[j] = total[j] + (double) v[j];
            mag[j] = std::fabs(total[j]) + std::fabs((double) v[j]);
        }
        launch(accumulate_vector, dim3(2), n, (const real*) v.p(), total.p());
        check(fmt("accumulate_vector (n=%d grid=2)", n), total, ref, mag, 1e-12);
    }

    current = "scale_total";
    {
        const int n = 3 * THREADS + 7;
        const double sc = -0.3;
        Buf<double> total = randomBuf<double>(n, -5.0, 5.0);
        std::vector<double> ref(n), mag(n);
        for (int j = 0; j < n; ++j) {
            ref[j] = sc * total[j];
            mag[j] = std::fabs(ref[j]);
        }
        Buf<real> out(n);
        launch(scale_total, dim3(2), n, (const double*) total.p(), sc, out.p());
        check(fmt("scale_total (n=%d s=%g grid=2)", n, sc), out, ref, mag);
    }
}

// ------------------------------------------------------------------------------ column_moments

static void testColumnMoments() {
    current = "column_moments";
    struct Shape { i64 m; int n; unsigned chunks; };
    const Shape shapes[] = {{53, THREADS + 9, 4}, {3, 7, 5}};   // the second has empty chunks
    for (const Shape& sh : shapes) {
        Buf<real> X = randomBuf<real>((std::size_t) sh.m * sh.n, -2.0, 3.0);
        Buf<double> center = randomBuf<double>((std::size_t) sh.n, -1.0, 1.0);
        for (int centred = 0; centred < 2; ++centred) {
            for (int squared = 0; squared < 2; ++squared) {
                const std::string name = fmt("column_moments (m=%lld n=%d chunks=%u center=%s squared=%d)", sh.m, sh.n,
                                             sh.chunks, centred ? "yes" : "null", squared);
                std::vector<double> ref((std::size_t) sh.chunks * sh.n, 0.0), mag(ref.size(), 0.0);
                for (unsigned c = 0; c < sh.chunks; ++c) {
                    for (i64 i = sh.m * c / sh.chunks; i < sh.m * (c + 1) / sh.chunks; ++i) {
                        for (int j = 0; j < sh.n; ++j) {
                            const double v = (double) X[(std::size_t) (i * sh.n + j)] - (centred ? center[j] : 0.0);
                            ref[(std::size_t) c * sh.n + j] += squared ? v * v : v;
                            mag[(std::size_t) c * sh.n + j] += squared ? v * v : std::fabs(v);
                        }
                    }
                }
                Buf<double> partial((std::size_t) sh.chunks * sh.n);
                launch(column_moments, dim3((sh.n + THREADS - 1) / THREADS, sh.chunks), X.p(), sh.m, sh.n,
                       centred ? center.p() : (const double*) nullptr, squared, (const double*) nullptr, partial.p());
                check(name, partial, ref, mag, 1e-12);
            }
        }
    }
}

// ------------------------------------------------------------------------------ vectors

static void testVectors() {
    current = "vectors";
    const i64 ns[] = {5 * THREADS + 3, 1};
    const unsigned grids[] = {2, 7};   // grid-stride with fewer blocks than needed, and more
    for (i64 n : ns) {
        for (unsigned grid : grids) {
            const double alpha = -1.375;
            Buf<real> x = randomBuf<real>((std::size_t) n);
            Buf<real> y0 = randomBuf<real>((std::size_t) n);
            std::vector<double> ref(n), mag(n);
            {
                Buf<real> y = y0;
                for (i64 j = 0; j < n; ++j) {
                    ref[j] = (double) y0[j] + alpha * (double) x[j];
                    mag[j] = std::fabs((double) y0[j]) + std::fabs(alpha * (double) x[j]);
                }
                launch(vector_axpy, dim3(grid), n, alpha, x.p(), y.p());
                check(fmt("vector_axpy (n=%lld grid=%u)", n, grid), y, ref, mag);
            }
            {
                Buf<real> v = y0;
                for (i64 j = 0; j < n; ++j) {
                    ref[j] = alpha * (double) y0[j];
                    mag[j] = std::fabs(ref[j]);
                }
                launch(vector_scale, dim3(grid), n, alpha, v.p());
                check(fmt("vector_scale (n=%lld grid=%u)", n, grid), v, ref, mag);
            }
            {
                Buf<real> v = y0;
                for (i64 j = 0; j < n; ++j) {
                    ref[j] = (double) x[j] * (double) y0[j];
                    mag[j] = std::fabs(ref[j]);
                }
                launch(vector_multiply, dim3(grid), n, (const real*) x.p(), v.p());
                check(fmt("vector_multiply (n=%lld grid=%u)", n, grid), v, ref, mag);
            }
        }
    }
    const i64 dots[] = {1000, 5, 0};
    for (i64 n : dots) {
        Buf<real> x = randomBuf<real>((std::size_t) n);
        Buf<real> y = randomBuf<real>((std::size_t) n);
        double t = 0.0, a = 0.0;
        for (i64 j = 0; j < n; ++j) {
            t += (double) x[j] * (double) y[j];
            a += std::fabs((double) x[j] * (double) y[j]);
        }
        Buf<double> result1(1);
        launch(vector_dot, dim3(1), n, x.p(), y.p(), result1.p());
        check(fmt("vector_dot (n=%lld)", n), result1, {t}, {a}, 1e-12);
    }
}

// ------------------------------------------------------------------------------ residual_finish

static void testResidualFinish() {
    current = "residual_finish";
    const i64 m = 6 * THREADS + 5;
    const unsigned grid = 3;
    const double taus[] = {1.0, 0.0};
    for (double tau : taus) {
        const double b = 0.625;
        Buf<real> r0 = randomBuf<real>((std::size_t) m, -3.0, 3.0);
        Buf<real> y = randomBuf<real>((std::size_t) m, -3.0, 3.0);
        std::vector<double> ref(m), mag(m), pref(2 * grid, 0.0), pmag(2 * grid, 0.0);
        for (i64 i = 0; i < m; ++i) {
            const double v = (double) r0[i] + b - tau * (double) y[i];
            const double vm = std::fabs((double) r0[i]) + std::fabs(b) + std::fabs(tau * (double) y[i]);
            ref[i] = v;
            mag[i] = vm;
            const std::size_t blk = (std::size_t) ((i / THREADS) % grid);   // grid-stride owner
            pref[2 * blk] += v * v;
            pmag[2 * blk] += vm * vm;
            pref[2 * blk + 1] += v;
            pmag[2 * blk + 1] += vm;
        }
        Buf<real> r = r0;
        Buf<double> partial(2 * grid);
        launch(residual_finish, dim3(grid), m, r.p(), y.p(), (const double*) nullptr, b, tau, partial.p());
        check(fmt("residual_finish r (m=%lld grid=%u tau=%g)", m, grid, tau), r, ref, mag);
        check(fmt("residual_finish partial (m=%lld grid=%u tau=%g)", m, grid, tau), partial, pref, pmag);
    }
}

// ------------------------------------------------------------------------------ least squares

static void testConvertMatrix() {
    current = "convert_matrix";
    const i64 m = 20;
    const int n = 7;
    const i64 rowStart = 4, rows = 11;
    Buf<real> X = randomBuf<real>((std::size_t) (m * n), -4.0, 4.0);
    Buf<double> center = randomBuf<double>(n, -1.0, 1.0);
    Buf<double> scale = randomBuf<double>(n, 0.5, 2.0);
    for (int columnMajor = 0; columnMajor < 2; ++columnMajor) {
        const i64 lda = columnMajor ? rows + 2 : n + 3;
        const std::size_t size = columnMajor ? (std::size_t) (lda * n) : (std::size_t) (lda * rows);
        for (int withCenter = 0; withCenter < 2; ++withCenter) {
            for (int withScale = 0; withScale < 2; ++withScale) {
                const std::string name = fmt("convert_matrix (%s lda=%lld rowStart=%lld rows=%lld center=%s scale=%s)",
                                             columnMajor ? "column-major" : "row-major", lda, rowStart, rows,
                                             withCenter ? "yes" : "null", withScale ? "yes" : "null");
                Buf<double> A(size);
                A.poison();
                launch(convert_matrix, dim3(2), X.p(), n, rowStart, rows, withCenter ? center.p() : (const double*) nullptr,
                       withScale ? scale.p() : (const double*) nullptr, (const double*) nullptr, A.p(), lda, columnMajor);
                std::vector<double> ref, mag;
                std::size_t bad = 0;
                for (std::size_t e = 0; e < size; ++e) {
                    const i64 i = columnMajor ? (i64) e % lda : (i64) e / lda;
                    const i64 j = columnMajor ? (i64) e / lda : (i64) e % lda;
                    const bool inside = i < rows && j < n;
                    if (!inside) {
                        bad += !A.untouched(e);   // padding must stay as it was
                        continue;
                    }
                    double v = (double) X[(std::size_t) ((rowStart + i) * n + j)];
                    if (withCenter) {
                        v -= center[(std::size_t) j];
                    }
                    if (withScale) {
                        v *= scale[(std::size_t) j];
                    }
                    ref.push_back(v);
                    mag.push_back(std::fabs(v));
                }
                // Compare the inside elements in storage order.
                Buf<double> inside(ref.size());
                std::size_t k = 0;
                for (std::size_t e = 0; e < size; ++e) {
                    const i64 i = columnMajor ? (i64) e % lda : (i64) e / lda;
                    const i64 j = columnMajor ? (i64) e / lda : (i64) e % lda;
                    if (i < rows && j < n) {
                        std::memcpy(&inside[k++], &A[e], sizeof(double));
                    }
                }
                check(name, inside, ref, mag, 0.0);   // one subtraction and one product: exact as in the reference
                result(bad == 0 && A.guardsIntact(), name + " padding untouched",
                       fmt("%zu padding elements written%s", bad, A.guardsIntact() ? "" : ", guards overwritten"));
            }
        }
    }
}

static void testConvertVector() {
    current = "convert_vector";
    const i64 m = 3 * THREADS + 1, rowStart = 5, rows = 2 * THREADS + 9;
    const double shift = 0.25;
    Buf<real> y = randomBuf<real>((std::size_t) m, -2.0, 2.0);
    std::vector<double> ref(rows), mag(rows);
    for (i64 i = 0; i < rows; ++i) {
        ref[i] = (double) y[(std::size_t) (rowStart + i)] - shift;
        mag[i] = std::fabs(ref[i]);
    }
    Buf<double> out(rows);
    launch(convert_vector, dim3(2), y.p(), rowStart, rows, shift, (const double*) nullptr, out.p());
    check(fmt("convert_vector (rowStart=%lld rows=%lld shift=%g grid=2)", rowStart, rows, shift), out, ref, mag, 0.0);
}

static void testUpperRows() {
    current = "upper_rows";
    const i64 lda = 14;
    for (int shape = 0; shape < 2; ++shape) {
        const int k = shape == 0 ? 11 : 5;      // square factor, and the k < cols rows of a wide one
        const int cols = shape == 0 ? 11 : 12;
        Buf<double> A = randomBuf<double>((std::size_t) (lda * cols));
        std::vector<double> ref((std::size_t) k * cols), mag(ref.size());
        for (int j = 0; j < cols; ++j) {
            for (int i = 0; i < k; ++i) {
                ref[(std::size_t) (i + j * k)] = i <= j ? A[(std::size_t) (i + j * lda)] : 0.0;
                mag[(std::size_t) (i + j * k)] = 0.0;   // exact copies
            }
        }
        Buf<double> R((std::size_t) k * cols);
        R.poison();
        launch(upper_rows, dim3(1), A.p(), lda, k, cols, R.p());
        check(fmt("upper_rows (k=%d cols=%d lda=%lld grid=1)", k, cols, lda), R, ref, mag, 0.0);
    }
}

// ------------------------------------------------------------------------------ benchmarks

static void testFillUniform() {
    current = "fill_uniform";
    const i64 count = 5 * THREADS + 3;
    const i64 seed = 1234567;
    const double low = -2.5, high = 4.0;
    std::vector<double> ref(count), mag(count);
    bool inRange = true;
    for (i64 i = 0; i < count; ++i) {
        unsigned long long z = (unsigned long long) seed + (unsigned long long) i * 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        const double u = (double) (z >> 11) / 9007199254740992.0;
        ref[i] = low + (high - low) * u;
        mag[i] = std::fabs(low) + (high - low) * u;
    }
    Buf<real> a((std::size_t) count);
    a.poison();
    launch(fill_uniform, dim3(3), a.p(), count, seed, low, high);
    check(fmt("fill_uniform (count=%lld seed=%lld [%g, %g) grid=3)", count, seed, low, high), a, ref, mag);
    double lo = INFINITY, hi = -INFINITY;
    for (i64 i = 0; i < count; ++i) {
        const double v = (double) a[(std::size_t) i];
        inRange &= v >= low && v <= high;   // ≤: rounding to REAL may reach the upper end
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    result(inRange && hi - lo > 0.5 * (high - low), fmt("fill_uniform range"), fmt("values in [%g, %g]", lo, hi));
}

// ------------------------------------------------------------------------------ main

int main() {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    std::printf("host emulation of downhill_kernels.cu: REAL=%s THREADS=%d KPT=%d CLUSTER=%d ROWS=%d STAGES=%d\n",
                sizeof(real) == 4 ? "float" : "double", THREADS, KPT, CLUSTER, ROWS, STAGES);
    // Watchdog: a barrier that some threads never reach hangs the emulation.
    const char* limit = std::getenv("DH_HARNESS_TIMEOUT_S");
    const int seconds = limit ? std::atoi(limit) : 120;
    std::thread([seconds] {
        std::this_thread::sleep_for(std::chrono::seconds(seconds));
        std::printf("FAIL timeout after %d s in %s (a deadlocked barrier?)\n", seconds, current.load());
        std::fflush(stdout);
        _exit(99);
    }).detach();

    testFusedAll();
    testAccumulate();
    testColumnMoments();
    testVectors();
    testResidualFinish();
    testConvertMatrix();
    testConvertVector();
    testUpperRows();
    testFillUniform();

    if (dh_emu::violations.load() != 0) {
        std::printf("FAIL %d shared-memory guard or lifetime violations\n", dh_emu::violations.load());
        ++failures;
    }
    std::printf("%s: %d checks, %d failed\n", failures == 0 ? "OK" : "FAILED", checks, failures);
    return failures == 0 ? 0 : std::min(failures, 98);
}
