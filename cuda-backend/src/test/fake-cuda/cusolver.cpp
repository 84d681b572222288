// libcusolver.so.12 of the fake CUDA stack (see README.md): the cuSOLVER 64-bit calls the backend
// makes (Xpotrf, Xpotrs, Xgeqrf, Xgesvd and their buffer sizes), float64 only, with LAPACK's
// semantics: potrf reports info = j > 0 when the leading minor of order j is not positive definite
// and touches only the uplo triangle; geqrf is dgeqr2 (Householder reflectors as dlarfg makes them:
// R in the upper triangle, the reflectors below it, τ); gesvd (m ≥ n, jobs 'A', 'S', 'N') is a
// one-sided Jacobi SVD, singular values descending, U and Vᵀ consistent, A destroyed (NaN).
// The workspaces the buffer-size calls ask for must be passed, in device memory; info is written
// to the device int the caller gives.
#include "fake_common.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

namespace {

enum {
    CUSOLVER_STATUS_SUCCESS = 0,
    CUSOLVER_STATUS_NOT_INITIALIZED = 1,
    CUSOLVER_STATUS_INVALID_VALUE = 3,
    CUSOLVER_STATUS_EXECUTION_FAILED = 6,
    CUSOLVER_STATUS_NOT_SUPPORTED = 9,
};
constexpr int CUDA_R_64F = 1;
constexpr unsigned kHandleMagic = 0x43534f4c;
constexpr unsigned kParamsMagic = 0x50415253;

struct Handle {
    unsigned magic;
    void* stream;
};
struct Params {
    unsigned magic;
};

bool validHandle(Handle* h) { return h != nullptr && h->magic == kHandleMagic; }
bool validParams(Params* p) { return p != nullptr && p->magic == kParamsMagic; }

int common(Handle* h, Params* p, const char* call) {
    if (!validHandle(h)) {
        dhfake_report("%s: not a live cusolverDn handle", call);
        return CUSOLVER_STATUS_NOT_INITIALIZED;
    }
    if (!validParams(p)) {
        dhfake_report("%s: not a live cusolverDnParams", call);
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    return CUSOLVER_STATUS_SUCCESS;
}

bool float64(const char* call, std::initializer_list<int> types) {
    for (int t : types) {
        if (t != CUDA_R_64F) {
            dhfake_report("%s: the fake supports CUDA_R_64F only (got data type %d)", call, t);
            return false;
        }
    }
    return true;
}

std::size_t extent(std::int64_t rows, std::int64_t cols, std::int64_t ld) {
    return rows <= 0 || cols <= 0 ? 0 : (std::size_t) (ld * (cols - 1) + rows) * sizeof(double);
}

/** Writes *info (device memory) and returns the status for an invalid argument number `which`. */
int invalid(int* info, int which, const char* call) {
    dhfake_report("%s: parameter %d is invalid", call, which);
    if (dhfake_device_range(info, sizeof(int))) {
        *info = -which;
    }
    return CUSOLVER_STATUS_INVALID_VALUE;
}

bool workspace(const void* device, std::size_t deviceBytes, std::size_t needDevice, const void* host, std::size_t hostBytes,
               std::size_t needHost, const char* call) {
    if (deviceBytes < needDevice) {
        dhfake_report("%s: %zu bytes of device workspace given, %zu asked for by the buffer-size call", call, deviceBytes,
                      needDevice);
        return false;
    }
    if (needDevice > 0 && !dhfake_require_device(device, deviceBytes, call, "the device workspace")) {
        return false;
    }
    if (hostBytes < needHost || (needHost > 0 && host == nullptr)) {
        dhfake_report("%s: %zu bytes of host workspace given, %zu asked for", call, hostBytes, needHost);
        return false;
    }
    return true;
}

int finish(const char* call) {
    return dhfake_check_guards(call) == 0 ? CUSOLVER_STATUS_SUCCESS : CUSOLVER_STATUS_EXECUTION_FAILED;
}

std::size_t potrfBytes(std::int64_t n) { return 8 * (std::size_t) std::max<std::int64_t>(n, 1); }
std::size_t geqrfBytes(std::int64_t n) { return 8 * (std::size_t) std::max<std::int64_t>(n, 1); }
std::size_t gesvdBytes(std::int64_t m, std::int64_t n) { return 8 * (std::size_t) std::max<std::int64_t>(m * n + n * n + 2 * n, 1); }

/** One-sided Jacobi SVD of the m × n (m ≥ n) column-major W (leading dimension m): W ← UΣ, V. */
bool jacobi(std::int64_t m, std::int64_t n, std::vector<double>& W, std::vector<double>& V) {
    V.assign((std::size_t) (n * n), 0.0);
    for (std::int64_t i = 0; i < n; ++i) {
        V[(std::size_t) (i + i * n)] = 1.0;
    }
    const double tol = std::numeric_limits<double>::epsilon() * std::sqrt((double) m);
    for (int sweep = 0; sweep < 100; ++sweep) {
        bool rotated = false;
        for (std::int64_t p = 0; p + 1 < n; ++p) {
            for (std::int64_t q = p + 1; q < n; ++q) {
                double* wp = &W[(std::size_t) (p * m)];
                double* wq = &W[(std::size_t) (q * m)];
                double alpha = 0, beta = 0, gamma = 0;
                for (std::int64_t i = 0; i < m; ++i) {
                    alpha += wp[i] * wp[i];
                    beta += wq[i] * wq[i];
                    gamma += wp[i] * wq[i];
                }
                if (gamma == 0.0 || alpha == 0.0 || beta == 0.0 || std::abs(gamma) <= tol * std::sqrt(alpha * beta)) {
                    continue;
                }
                rotated = true;
                const double zeta = (beta - alpha) / (2.0 * gamma);
                const double t = (zeta >= 0 ? 1.0 : -1.0) / (std::abs(zeta) + std::sqrt(1.0 + zeta * zeta));
                const double c = 1.0 / std::sqrt(1.0 + t * t);
                const double s = c * t;
                for (std::int64_t i = 0; i < m; ++i) {
                    const double a = wp[i], b = wq[i];
                    wp[i] = c * a - s * b;
                    wq[i] = s * a + c * b;
                }
                double* vp = &V[(std::size_t) (p * n)];
                double* vq = &V[(std::size_t) (q * n)];
                for (std::int64_t i = 0; i < n; ++i) {
                    const double a = vp[i], b = vq[i];
                    vp[i] = c * a - s * b;
                    vq[i] = s * a + c * b;
                }
            }
        }
        if (!rotated) {
            return true;
        }
    }
    return false;
}

/** Makes the first `count` columns of the m-row Q orthonormal (re-orthogonalised, degenerate ones completed). */
void orthonormalize(std::int64_t m, std::int64_t count, std::vector<double>& Q, const std::vector<bool>& trusted) {
    for (std::int64_t j = 0; j < count; ++j) {
        double* q = &Q[(std::size_t) (j * m)];
        bool ok = trusted[(std::size_t) j];
        for (std::int64_t candidate = -1; candidate < m; ++candidate) {
            if (candidate >= 0) {
                std::fill(q, q + m, 0.0);
                q[candidate] = 1.0;
            } else if (!ok) {
                continue;
            }
            for (int pass = 0; pass < 2; ++pass) {
                for (std::int64_t k = 0; k < j; ++k) {
                    const double* r = &Q[(std::size_t) (k * m)];
                    double d = 0;
                    for (std::int64_t i = 0; i < m; ++i) {
                        d += r[i] * q[i];
                    }
                    for (std::int64_t i = 0; i < m; ++i) {
                        q[i] -= d * r[i];
                    }
                }
            }
            double norm = 0;
            for (std::int64_t i = 0; i < m; ++i) {
                norm += q[i] * q[i];
            }
            norm = std::sqrt(norm);
            if (norm > (candidate < 0 ? 0.5 : 0.1)) {
                for (std::int64_t i = 0; i < m; ++i) {
                    q[i] /= norm;
                }
                break;
            }
        }
    }
}

} // namespace

extern "C" {

int cusolverDnCreate(Handle** handle) {
    if (handle == nullptr) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    dhfake_make_current();
    *handle = new Handle{kHandleMagic, nullptr};
    return CUSOLVER_STATUS_SUCCESS;
}

int cusolverDnDestroy(Handle* handle) {
    if (!validHandle(handle)) {
        dhfake_report("cusolverDnDestroy(%p): not a live handle", (void*) handle);
        return CUSOLVER_STATUS_NOT_INITIALIZED;
    }
    handle->magic = 0;
    delete handle;
    return CUSOLVER_STATUS_SUCCESS;
}

int cusolverDnSetStream(Handle* handle, void* stream) {
    if (!validHandle(handle)) {
        return CUSOLVER_STATUS_NOT_INITIALIZED;
    }
    if (!dhfake_stream_valid(stream)) {
        dhfake_report("cusolverDnSetStream: %p is not a live stream", stream);
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    handle->stream = stream;
    return CUSOLVER_STATUS_SUCCESS;
}

int cusolverDnCreateParams(Params** params) {
    if (params == nullptr) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    *params = new Params{kParamsMagic};
    return CUSOLVER_STATUS_SUCCESS;
}

int cusolverDnDestroyParams(Params* params) {
    if (!validParams(params)) {
        dhfake_report("cusolverDnDestroyParams(%p): not live params", (void*) params);
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    params->magic = 0;
    delete params;
    return CUSOLVER_STATUS_SUCCESS;
}

// ------------------------------------------------------------------------------ Cholesky

int cusolverDnXpotrf_bufferSize(Handle* h, Params* p, int uplo, std::int64_t n, int typeA, const void* A, std::int64_t lda,
                                int computeType, std::size_t* deviceBytes, std::size_t* hostBytes) {
    const char* call = "cusolverDnXpotrf_bufferSize";
    if (int s = common(h, p, call)) {
        return s;
    }
    if (!float64(call, {typeA, computeType})) {
        return CUSOLVER_STATUS_NOT_SUPPORTED;
    }
    if ((uplo != 0 && uplo != 1) || n < 0 || lda < std::max<std::int64_t>(1, n) || deviceBytes == nullptr || hostBytes == nullptr) {
        dhfake_report("%s: invalid argument", call);
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    (void) A;
    *deviceBytes = potrfBytes(n);
    *hostBytes = 0;
    return CUSOLVER_STATUS_SUCCESS;
}

int cusolverDnXpotrf(Handle* h, Params* p, int uplo, std::int64_t n, int typeA, void* Av, std::int64_t lda, int computeType,
                     void* deviceWork, std::size_t deviceBytes, void* hostWork, std::size_t hostBytes, int* info) {
    const char* call = "cusolverDnXpotrf";
    if (int s = common(h, p, call)) {
        return s;
    }
    if (!float64(call, {typeA, computeType})) {
        return CUSOLVER_STATUS_NOT_SUPPORTED;
    }
    if (!dhfake_require_device(info, sizeof(int), call, "info")) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    if (uplo != 0 && uplo != 1) {
        return invalid(info, 1, call);
    }
    if (n < 0) {
        return invalid(info, 2, call);
    }
    if (lda < std::max<std::int64_t>(1, n)) {
        return invalid(info, 4, call);
    }
    if (!workspace(deviceWork, deviceBytes, potrfBytes(n), hostWork, hostBytes, 0, call)) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    if (n > 0 && !dhfake_require_device(Av, extent(n, n, lda), call, "A")) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    double* A = static_cast<double*>(Av);
    // L (lower) with A = LLᵀ, or U = Lᵀ (upper) with A = UᵀU: element (i, j), i ≥ j, of L is
    // A[i + j·lda] (lower) or A[j + i·lda] (upper).
    auto L = [&](std::int64_t i, std::int64_t j) -> double& { return uplo == 0 ? A[i + j * lda] : A[j + i * lda]; };
    *info = 0;
    for (std::int64_t j = 0; j < n; ++j) {
        double d = L(j, j);
        for (std::int64_t k = 0; k < j; ++k) {
            d -= L(j, k) * L(j, k);
        }
        if (!(d > 0.0)) {
            L(j, j) = d;
            *info = (int) (j + 1);
            return finish(call);
        }
        const double ljj = std::sqrt(d);
        L(j, j) = ljj;
        for (std::int64_t i = j + 1; i < n; ++i) {
            double s = L(i, j);
            for (std::int64_t k = 0; k < j; ++k) {
                s -= L(i, k) * L(j, k);
            }
            L(i, j) = s / ljj;
        }
    }
    return finish(call);
}

int cusolverDnXpotrs(Handle* h, Params* p, int uplo, std::int64_t n, std::int64_t nrhs, int typeA, const void* Av,
                     std::int64_t lda, int typeB, void* Bv, std::int64_t ldb, int* info) {
    const char* call = "cusolverDnXpotrs";
    if (int s = common(h, p, call)) {
        return s;
    }
    if (!float64(call, {typeA, typeB})) {
        return CUSOLVER_STATUS_NOT_SUPPORTED;
    }
    if (!dhfake_require_device(info, sizeof(int), call, "info")) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    if (uplo != 0 && uplo != 1) {
        return invalid(info, 1, call);
    }
    if (n < 0) {
        return invalid(info, 2, call);
    }
    if (nrhs < 0) {
        return invalid(info, 3, call);
    }
    if (lda < std::max<std::int64_t>(1, n)) {
        return invalid(info, 6, call);
    }
    if (ldb < std::max<std::int64_t>(1, n)) {
        return invalid(info, 9, call);
    }
    if (n > 0 && (!dhfake_require_device(Av, extent(n, n, lda), call, "A")
                  || (nrhs > 0 && !dhfake_require_device(Bv, extent(n, nrhs, ldb), call, "B")))) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    const double* A = static_cast<const double*>(Av);
    double* B = static_cast<double*>(Bv);
    auto L = [&](std::int64_t i, std::int64_t j) { return uplo == 0 ? A[i + j * lda] : A[j + i * lda]; };
    for (std::int64_t r = 0; r < nrhs; ++r) {
        double* b = B + r * ldb;
        for (std::int64_t i = 0; i < n; ++i) {   // L z = b
            double s = b[i];
            for (std::int64_t k = 0; k < i; ++k) {
                s -= L(i, k) * b[k];
            }
            b[i] = s / L(i, i);
        }
        for (std::int64_t i = n - 1; i >= 0; --i) {   // Lᵀ x = z
            double s = b[i];
            for (std::int64_t k = i + 1; k < n; ++k) {
                s -= L(k, i) * b[k];
            }
            b[i] = s / L(i, i);
        }
    }
    *info = 0;
    return finish(call);
}

// ------------------------------------------------------------------------------ QR

int cusolverDnXgeqrf_bufferSize(Handle* h, Params* p, std::int64_t m, std::int64_t n, int typeA, const void* A,
                                std::int64_t lda, int typeTau, const void* tau, int computeType, std::size_t* deviceBytes,
                                std::size_t* hostBytes) {
    const char* call = "cusolverDnXgeqrf_bufferSize";
    if (int s = common(h, p, call)) {
        return s;
    }
    if (!float64(call, {typeA, typeTau, computeType})) {
        return CUSOLVER_STATUS_NOT_SUPPORTED;
    }
    if (m < 0 || n < 0 || lda < std::max<std::int64_t>(1, m) || deviceBytes == nullptr || hostBytes == nullptr) {
        dhfake_report("%s: invalid argument", call);
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    (void) A;
    (void) tau;
    *deviceBytes = geqrfBytes(n);
    *hostBytes = 0;
    return CUSOLVER_STATUS_SUCCESS;
}

int cusolverDnXgeqrf(Handle* h, Params* p, std::int64_t m, std::int64_t n, int typeA, void* Av, std::int64_t lda, int typeTau,
                     void* tauV, int computeType, void* deviceWork, std::size_t deviceBytes, void* hostWork,
                     std::size_t hostBytes, int* info) {
    const char* call = "cusolverDnXgeqrf";
    if (int s = common(h, p, call)) {
        return s;
    }
    if (!float64(call, {typeA, typeTau, computeType})) {
        return CUSOLVER_STATUS_NOT_SUPPORTED;
    }
    if (!dhfake_require_device(info, sizeof(int), call, "info")) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    if (m < 0) {
        return invalid(info, 1, call);
    }
    if (n < 0) {
        return invalid(info, 2, call);
    }
    if (lda < std::max<std::int64_t>(1, m)) {
        return invalid(info, 5, call);
    }
    const std::int64_t k = std::min(m, n);
    if (!workspace(deviceWork, deviceBytes, geqrfBytes(n), hostWork, hostBytes, 0, call)) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    if (k > 0 && (!dhfake_require_device(Av, extent(m, n, lda), call, "A")
                  || !dhfake_require_device(tauV, sizeof(double) * (std::size_t) k, call, "tau"))) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    double* A = static_cast<double*>(Av);
    double* tau = static_cast<double*>(tauV);
    for (std::int64_t i = 0; i < k; ++i) {
        double* col = A + i * lda;
        // dlarfg: H = I − τ·v·vᵀ with v = (1, x/(α − β)), H·(α, x) = (β, 0), β = −sign(α)·‖(α, x)‖
        const double alpha = col[i];
        double xnorm = 0;
        for (std::int64_t r = i + 1; r < m; ++r) {
            xnorm = std::hypot(xnorm, col[r]);
        }
        double t = 0;
        if (xnorm != 0.0) {
            const double beta = -std::copysign(std::hypot(alpha, xnorm), alpha);
            t = (beta - alpha) / beta;
            const double scale = 1.0 / (alpha - beta);
            for (std::int64_t r = i + 1; r < m; ++r) {
                col[r] *= scale;
            }
            col[i] = beta;
        }
        tau[i] = t;
        if (t != 0.0) {
            for (std::int64_t j = i + 1; j < n; ++j) {
                double* c = A + j * lda;
                double w = c[i];
                for (std::int64_t r = i + 1; r < m; ++r) {
                    w += col[r] * c[r];
                }
                w *= t;
                c[i] -= w;
                for (std::int64_t r = i + 1; r < m; ++r) {
                    c[r] -= w * col[r];
                }
            }
        }
    }
    *info = 0;
    return finish(call);
}

// ------------------------------------------------------------------------------ SVD

int cusolverDnXgesvd_bufferSize(Handle* h, Params* p, signed char jobu, signed char jobvt, std::int64_t m, std::int64_t n,
                                int typeA, const void* A, std::int64_t lda, int typeS, const void* S, int typeU, const void* U,
                                std::int64_t ldu, int typeVT, const void* VT, std::int64_t ldvt, int computeType,
                                std::size_t* deviceBytes, std::size_t* hostBytes) {
    const char* call = "cusolverDnXgesvd_bufferSize";
    if (int s = common(h, p, call)) {
        return s;
    }
    if (!float64(call, {typeA, typeS, typeU, typeVT, computeType})) {
        return CUSOLVER_STATUS_NOT_SUPPORTED;
    }
    if (m < n || n < 0 || lda < std::max<std::int64_t>(1, m) || deviceBytes == nullptr || hostBytes == nullptr) {
        dhfake_report("%s: invalid argument (m %lld, n %lld, lda %lld; gesvd needs m ≥ n)", call, (long long) m, (long long) n,
                      (long long) lda);
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    (void) jobu, (void) jobvt, (void) A, (void) S, (void) U, (void) ldu, (void) VT, (void) ldvt;
    *deviceBytes = gesvdBytes(m, n);
    *hostBytes = 0;
    return CUSOLVER_STATUS_SUCCESS;
}

int cusolverDnXgesvd(Handle* h, Params* p, signed char jobu, signed char jobvt, std::int64_t m, std::int64_t n, int typeA,
                     void* Av, std::int64_t lda, int typeS, void* Sv, int typeU, void* Uv, std::int64_t ldu, int typeVT,
                     void* VTv, std::int64_t ldvt, int computeType, void* deviceWork, std::size_t deviceBytes,
                     void* hostWork, std::size_t hostBytes, int* info) {
    const char* call = "cusolverDnXgesvd";
    if (int s = common(h, p, call)) {
        return s;
    }
    if (!float64(call, {typeA, typeS, typeU, typeVT, computeType})) {
        return CUSOLVER_STATUS_NOT_SUPPORTED;
    }
    if (!dhfake_require_device(info, sizeof(int), call, "info")) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    auto job = [](signed char j) { return j == 'A' || j == 'S' || j == 'N'; };
    if (!job(jobu)) {
        dhfake_report("%s: jobu '%c' (the fake supports 'A', 'S', 'N')", call, jobu);
        return invalid(info, 1, call);
    }
    if (!job(jobvt)) {
        dhfake_report("%s: jobvt '%c' (the fake supports 'A', 'S', 'N')", call, jobvt);
        return invalid(info, 2, call);
    }
    if (m < 0 || m < n) {
        return invalid(info, 3, call);   // cuSOLVER's gesvd supports m ≥ n only
    }
    if (n < 0) {
        return invalid(info, 4, call);
    }
    if (lda < std::max<std::int64_t>(1, m)) {
        return invalid(info, 7, call);
    }
    const std::int64_t ucols = jobu == 'A' ? m : n;
    if (jobu != 'N' && ldu < std::max<std::int64_t>(1, m)) {
        return invalid(info, 10, call);
    }
    if (jobvt != 'N' && ldvt < std::max<std::int64_t>(1, n)) {
        return invalid(info, 12, call);
    }
    if (!workspace(deviceWork, deviceBytes, gesvdBytes(m, n), hostWork, hostBytes, 0, call)) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    if (n == 0) {
        *info = 0;
        return CUSOLVER_STATUS_SUCCESS;
    }
    if (!dhfake_require_device(Av, extent(m, n, lda), call, "A")
        || !dhfake_require_device(Sv, sizeof(double) * (std::size_t) n, call, "S")
        || (jobu != 'N' && !dhfake_require_device(Uv, extent(m, ucols, ldu), call, "U"))
        || (jobvt != 'N' && !dhfake_require_device(VTv, extent(n, n, ldvt), call, "VT"))) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    double* A = static_cast<double*>(Av);
    std::vector<double> W((std::size_t) (m * n));
    for (std::int64_t j = 0; j < n; ++j) {
        for (std::int64_t i = 0; i < m; ++i) {
            W[(std::size_t) (i + j * m)] = A[i + j * lda];
        }
    }
    std::vector<double> V;
    const bool converged = jacobi(m, n, W, V);
    std::vector<double> sigma((std::size_t) n);
    for (std::int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (std::int64_t i = 0; i < m; ++i) {
            s += W[(std::size_t) (i + j * m)] * W[(std::size_t) (i + j * m)];
        }
        sigma[(std::size_t) j] = std::sqrt(s);
    }
    std::vector<std::int64_t> order((std::size_t) n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return sigma[(std::size_t) a] > sigma[(std::size_t) b]; });
    const double largest = sigma[(std::size_t) order[0]];
    const double negligible = largest * std::numeric_limits<double>::epsilon() * (double) m;
    std::vector<double> Q((std::size_t) (m * ucols), 0.0);
    std::vector<bool> trusted((std::size_t) ucols, false);
    double* S = static_cast<double*>(Sv);
    for (std::int64_t r = 0; r < n; ++r) {
        const std::int64_t j = order[(std::size_t) r];
        const double s = sigma[(std::size_t) j];
        S[r] = s;
        if (s > negligible && s > 0) {
            for (std::int64_t i = 0; i < m; ++i) {
                Q[(std::size_t) (i + r * m)] = W[(std::size_t) (i + j * m)] / s;
            }
            trusted[(std::size_t) r] = true;
        }
    }
    if (jobu != 'N') {
        orthonormalize(m, ucols, Q, trusted);
        double* U = static_cast<double*>(Uv);
        for (std::int64_t c = 0; c < ucols; ++c) {
            for (std::int64_t i = 0; i < m; ++i) {
                U[i + c * ldu] = Q[(std::size_t) (i + c * m)];
            }
        }
    }
    if (jobvt != 'N') {
        double* VT = static_cast<double*>(VTv);
        for (std::int64_t r = 0; r < n; ++r) {
            const std::int64_t j = order[(std::size_t) r];
            for (std::int64_t c = 0; c < n; ++c) {
                VT[r + c * ldvt] = V[(std::size_t) (c + j * n)];   // row r of Vᵀ = column j of V
            }
        }
    }
    for (std::int64_t j = 0; j < n; ++j) {   // "the contents of A are destroyed"
        for (std::int64_t i = 0; i < m; ++i) {
            A[i + j * lda] = std::numeric_limits<double>::quiet_NaN();
        }
    }
    *info = converged ? 0 : (int) n;
    return finish(call);
}

} // extern "C"
