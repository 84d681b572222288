// libcublas.so.13 of the fake CUDA stack (see README.md): the cuBLAS calls the backend makes, with
// reference BLAS semantics (column-major, lda, trans, uplo, increments; when beta is 0, C or y is
// not read), accumulated in double. Every matrix and vector must lie inside one device allocation.
#include "fake_common.h"

#include <cstdint>
#include <vector>

namespace {

enum {
    CUBLAS_STATUS_SUCCESS = 0,
    CUBLAS_STATUS_NOT_INITIALIZED = 1,
    CUBLAS_STATUS_INVALID_VALUE = 7,
    CUBLAS_STATUS_EXECUTION_FAILED = 13,
};

constexpr unsigned kMagic = 0x43424c53;

struct Handle {
    unsigned magic;
    void* stream;
    int pointerMode;   // 0 host, 1 device
};

bool valid(Handle* h) { return h != nullptr && h->magic == kMagic; }

/** Elements a strided vector of n elements spans. */
std::size_t span(std::int64_t n, std::int64_t inc) {
    return n <= 0 ? 0 : (std::size_t) ((n - 1) * (inc < 0 ? -inc : inc) + 1);
}

/** Index of element i of a BLAS vector (negative increments start at the end). */
std::int64_t at(std::int64_t i, std::int64_t n, std::int64_t inc) {
    return inc > 0 ? i * inc : (n - 1 - i) * (-inc);
}

/** Elements a column-major rows × cols matrix with leading dimension ld spans. */
std::size_t extent(std::int64_t rows, std::int64_t cols, std::int64_t ld) {
    return rows <= 0 || cols <= 0 ? 0 : (std::size_t) (ld * (cols - 1) + rows);
}

template <class T>
bool scalar(Handle* h, const T* p, T* out, const char* call, const char* what) {
    if (p == nullptr) {
        dhfake_report("%s: %s is null", call, what);
        return false;
    }
    if (h->pointerMode == 1) {
        if (!dhfake_require_device(p, sizeof(T), call, what)) {
            return false;
        }
    } else if (dhfake_is_device(p)) {
        dhfake_report("%s: %s (%p) is device memory but the pointer mode is host", call, what, (const void*) p);
        return false;
    }
    *out = *p;
    return true;
}

int finish(const char* call) {
    return dhfake_check_guards(call) == 0 ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_EXECUTION_FAILED;
}

template <class T>
int gemv(Handle* h, int trans, std::int64_t m, std::int64_t n, const T* alphaP, const T* A, std::int64_t lda, const T* x,
         std::int64_t incx, const T* betaP, T* y, std::int64_t incy, const char* call) {
    if (!valid(h)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if ((trans != 0 && trans != 1 && trans != 2) || m < 0 || n < 0 || lda < (m > 1 ? m : 1) || incx == 0 || incy == 0) {
        dhfake_report("%s: invalid argument (trans %d, m %lld, n %lld, lda %lld, incx %lld, incy %lld)", call, trans,
                      (long long) m, (long long) n, (long long) lda, (long long) incx, (long long) incy);
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    T alpha, beta;
    if (!scalar(h, alphaP, &alpha, call, "alpha") || !scalar(h, betaP, &beta, call, "beta")) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (m == 0 || n == 0) {
        return CUBLAS_STATUS_SUCCESS;
    }
    const bool t = trans != 0;
    const std::int64_t lx = t ? m : n;
    const std::int64_t ly = t ? n : m;
    if (!dhfake_require_device(A, sizeof(T) * extent(m, n, lda), call, "A")
        || !dhfake_require_device(x, sizeof(T) * span(lx, incx), call, "x")
        || !dhfake_require_device(y, sizeof(T) * span(ly, incy), call, "y")) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    std::vector<double> out((std::size_t) ly, 0.0);
    if (!t) {
        for (std::int64_t j = 0; j < n; ++j) {
            const double xj = (double) x[at(j, n, incx)];
            for (std::int64_t i = 0; i < m; ++i) {
                out[(std::size_t) i] += (double) A[i + j * lda] * xj;
            }
        }
    } else {
        for (std::int64_t j = 0; j < n; ++j) {
            double s = 0.0;
            for (std::int64_t i = 0; i < m; ++i) {
                s += (double) A[i + j * lda] * (double) x[at(i, m, incx)];
            }
            out[(std::size_t) j] = s;
        }
    }
    for (std::int64_t i = 0; i < ly; ++i) {
        T& yi = y[at(i, ly, incy)];
        double v = (double) alpha * out[(std::size_t) i];
        if (beta != T(0)) {
            v += (double) beta * (double) yi;
        }
        yi = (T) v;
    }
    return finish(call);
}

} // namespace

extern "C" {

int cublasCreate_v2(Handle** handle) {
    if (handle == nullptr) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    dhfake_make_current();
    *handle = new Handle{kMagic, nullptr, 0};
    return CUBLAS_STATUS_SUCCESS;
}

int cublasDestroy_v2(Handle* handle) {
    if (!valid(handle)) {
        dhfake_report("cublasDestroy_v2(%p): not a live cuBLAS handle", (void*) handle);
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    handle->magic = 0;
    delete handle;
    return CUBLAS_STATUS_SUCCESS;
}

int cublasSetStream_v2(Handle* handle, void* stream) {
    if (!valid(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (!dhfake_stream_valid(stream)) {
        dhfake_report("cublasSetStream_v2: %p is not a live stream", stream);
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    handle->stream = stream;
    return CUBLAS_STATUS_SUCCESS;
}

int cublasSetPointerMode_v2(Handle* handle, int mode) {
    if (!valid(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode != 0 && mode != 1) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    handle->pointerMode = mode;
    return CUBLAS_STATUS_SUCCESS;
}

int cublasGetPointerMode_v2(Handle* handle, int* mode) {
    if (!valid(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode == nullptr) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *mode = handle->pointerMode;
    return CUBLAS_STATUS_SUCCESS;
}

const char* cublasGetStatusString(int status) {
    switch (status) {
        case 0: return "success";
        case 1: return "the library was not initialized";
        case 3: return "the resource allocation failed";
        case 7: return "an invalid numeric value was used as an argument";
        case 8: return "an absent device architectural feature is required";
        case 11: return "an access to GPU memory space failed";
        case 13: return "the GPU program failed to execute";
        case 14: return "an internal operation failed";
        case 15: return "the functionality requested is not supported";
        case 16: return "the functionality requested requires some license";
        default: return "unknown error";
    }
}

int cublasSgemv_v2_64(Handle* h, int trans, std::int64_t m, std::int64_t n, const float* alpha, const float* A,
                      std::int64_t lda, const float* x, std::int64_t incx, const float* beta, float* y, std::int64_t incy) {
    return gemv<float>(h, trans, m, n, alpha, A, lda, x, incx, beta, y, incy, "cublasSgemv_v2_64");
}

int cublasDgemv_v2_64(Handle* h, int trans, std::int64_t m, std::int64_t n, const double* alpha, const double* A,
                      std::int64_t lda, const double* x, std::int64_t incx, const double* beta, double* y, std::int64_t incy) {
    return gemv<double>(h, trans, m, n, alpha, A, lda, x, incx, beta, y, incy, "cublasDgemv_v2_64");
}

/** C ← α·op(A)·op(A)ᵀ + β·C on the uplo triangle of the n × n C; op(A) is n × k. */
int cublasDsyrk_v2_64(Handle* h, int uplo, int trans, std::int64_t n, std::int64_t k, const double* alphaP, const double* A,
                      std::int64_t lda, const double* betaP, double* C, std::int64_t ldc) {
    const char* call = "cublasDsyrk_v2_64";
    if (!valid(h)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    const bool t = trans != 0;
    const std::int64_t rowsA = t ? k : n;
    if ((uplo != 0 && uplo != 1) || (trans != 0 && trans != 1 && trans != 2) || n < 0 || k < 0
        || lda < (rowsA > 1 ? rowsA : 1) || ldc < (n > 1 ? n : 1)) {
        dhfake_report("%s: invalid argument (uplo %d, trans %d, n %lld, k %lld, lda %lld, ldc %lld)", call, uplo, trans,
                      (long long) n, (long long) k, (long long) lda, (long long) ldc);
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    double alpha, beta;
    if (!scalar(h, alphaP, &alpha, call, "alpha") || !scalar(h, betaP, &beta, call, "beta")) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (n == 0) {
        return CUBLAS_STATUS_SUCCESS;
    }
    if ((k > 0 && !dhfake_require_device(A, sizeof(double) * extent(rowsA, t ? n : k, lda), call, "A"))
        || !dhfake_require_device(C, sizeof(double) * extent(n, n, ldc), call, "C")) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    // op(A)[i][l] = A[i + l·lda] (N) or A[l + i·lda] (T)
    for (std::int64_t j = 0; j < n; ++j) {
        const std::int64_t i0 = uplo == 0 ? j : 0;
        const std::int64_t i1 = uplo == 0 ? n : j + 1;
        for (std::int64_t i = i0; i < i1; ++i) {
            double s = 0.0;
            for (std::int64_t l = 0; l < k; ++l) {
                const double a = t ? A[l + i * lda] : A[i + l * lda];
                const double b = t ? A[l + j * lda] : A[j + l * lda];
                s += a * b;
            }
            double& c = C[i + j * ldc];
            c = alpha * s + (beta != 0.0 ? beta * c : 0.0);
        }
    }
    return finish(call);
}

/** x ← op(A)·x with A the uplo triangle of the n × n matrix (unit diagonal when diag = 1). */
int cublasDtrmv_v2_64(Handle* h, int uplo, int trans, int diag, std::int64_t n, const double* A, std::int64_t lda, double* x,
                      std::int64_t incx) {
    const char* call = "cublasDtrmv_v2_64";
    if (!valid(h)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if ((uplo != 0 && uplo != 1) || (trans != 0 && trans != 1 && trans != 2) || (diag != 0 && diag != 1) || n < 0
        || lda < (n > 1 ? n : 1) || incx == 0) {
        dhfake_report("%s: invalid argument (uplo %d, trans %d, diag %d, n %lld, lda %lld, incx %lld)", call, uplo, trans, diag,
                      (long long) n, (long long) lda, (long long) incx);
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (n == 0) {
        return CUBLAS_STATUS_SUCCESS;
    }
    if (!dhfake_require_device(A, sizeof(double) * extent(n, n, lda), call, "A")
        || !dhfake_require_device(x, sizeof(double) * span(n, incx), call, "x")) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    auto element = [&](std::int64_t i, std::int64_t j) -> double {   // the triangular matrix T[i][j]
        if (i == j) {
            return diag == 1 ? 1.0 : A[i + j * lda];
        }
        const bool stored = uplo == 0 ? i > j : i < j;
        return stored ? A[i + j * lda] : 0.0;
    };
    std::vector<double> in((std::size_t) n);
    for (std::int64_t i = 0; i < n; ++i) {
        in[(std::size_t) i] = x[at(i, n, incx)];
    }
    for (std::int64_t i = 0; i < n; ++i) {
        double s = 0.0;
        for (std::int64_t j = 0; j < n; ++j) {
            const double a = trans == 0 ? element(i, j) : element(j, i);
            if (a != 0.0) {
                s += a * in[(std::size_t) j];
            }
        }
        x[at(i, n, incx)] = s;
    }
    return finish(call);
}

} // extern "C"
