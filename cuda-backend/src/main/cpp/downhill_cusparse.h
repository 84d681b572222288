// cuSPARSE's generic SpMV for the cusparse strategy of sparse X (dev.downhill.cuda.CusparseLibrary): JavaCPP's cuSPARSE
// bindings (1.5.13) lack cusparseCreateCsr, cusparseCreateDnVec, cusparseSpMV and the descriptors' destructors, so this
// header opens libcusparse itself (dlopen, on first use) and declares those entry points from the cuSPARSE documentation
// (CUDA 12/13: every handle and descriptor a pointer, every enum an int, sizes int64_t). Needs no CUDA header to build.
//
// Memory: every address argument (offsets, columns, values, x, y, buffer) is device memory; stream is a CUstream (0:
// the default stream). One CsrSpmv per problem: the handle, bound to the stream, and the matrix descriptor; the dense
// vector descriptors are made and destroyed around each call (host-side objects, no device work).
#pragma once

#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace downhill {

namespace cusparse_api {

// values from cusparse.h and library_types.h
constexpr int INDEX_32I = 2;          // CUSPARSE_INDEX_32I
constexpr int INDEX_BASE_ZERO = 0;    // CUSPARSE_INDEX_BASE_ZERO
constexpr int SPMV_ALG_DEFAULT = 0;   // CUSPARSE_SPMV_ALG_DEFAULT
constexpr int R_32F = 0;              // CUDA_R_32F
constexpr int R_64F = 1;              // CUDA_R_64F

typedef int (*Create)(void** handle);
typedef int (*Destroy)(void* handle);
typedef int (*SetStream)(void* handle, void* stream);
typedef int (*CreateCsr)(void** matrix, std::int64_t rows, std::int64_t cols, std::int64_t nnz, void* offsets, void* columns,
                         void* values, int offsetsType, int columnsType, int base, int valueType);
typedef int (*DestroySpMat)(const void* matrix);
typedef int (*CreateDnVec)(void** vector, std::int64_t size, void* values, int valueType);
typedef int (*DestroyDnVec)(const void* vector);
typedef int (*SpMVBufferSize)(void* handle, int op, const void* alpha, const void* matrix, const void* x, const void* beta,
                              void* y, int computeType, int alg, std::size_t* bytes);
typedef int (*SpMV)(void* handle, int op, const void* alpha, const void* matrix, const void* x, const void* beta, void* y,
                    int computeType, int alg, void* buffer);
typedef const char* (*ErrorString)(int status);

struct Api {
    const char* error = nullptr;   // why the library or an entry point is missing (nullptr: all loaded)
    Create create = nullptr;
    Destroy destroy = nullptr;
    SetStream setStream = nullptr;
    CreateCsr createCsr = nullptr;
    DestroySpMat destroySpMat = nullptr;
    CreateDnVec createDnVec = nullptr;
    DestroyDnVec destroyDnVec = nullptr;
    SpMVBufferSize spmvBufferSize = nullptr;
    SpMV spmv = nullptr;
    ErrorString errorString = nullptr;
};

template <class F>
inline bool bind(void* library, const char* name, F& into, Api& api) {
    into = reinterpret_cast<F>(dlsym(library, name));
    if (into == nullptr && api.error == nullptr) {
        api.error = name;
    }
    return into != nullptr;
}

inline Api load() {
    Api api;
    void* library = nullptr;
    for (const char* name : {"libcusparse.so.12", "libcusparse.so.13", "libcusparse.so"}) {
        library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (library != nullptr) {
            break;
        }
    }
    if (library == nullptr) {
        api.error = "libcusparse.so.12 not found (not on LD_LIBRARY_PATH)";
        return api;
    }
    bind(library, "cusparseCreate", api.create, api);
    bind(library, "cusparseDestroy", api.destroy, api);
    bind(library, "cusparseSetStream", api.setStream, api);
    bind(library, "cusparseCreateCsr", api.createCsr, api);
    bind(library, "cusparseDestroySpMat", api.destroySpMat, api);
    bind(library, "cusparseCreateDnVec", api.createDnVec, api);
    bind(library, "cusparseDestroyDnVec", api.destroyDnVec, api);
    bind(library, "cusparseSpMV_bufferSize", api.spmvBufferSize, api);
    bind(library, "cusparseSpMV", api.spmv, api);
    bind(library, "cusparseGetErrorString", api.errorString, api);
    return api;
}

/** The library, loaded on first use (thread-safe: a function-local static). */
inline const Api& api() {
    static const Api loaded = load();
    return loaded;
}

}  // namespace cusparse_api

/** A cuSPARSE handle on a stream and a CSR matrix descriptor (int32 offsets and columns, zero-based). */
struct CsrSpmv {
    void* handle = nullptr;
    void* matrix = nullptr;
    int valueType = 0;
};

/** Empty when cuSPARSE loaded with every entry point used here, else what is missing (a library or a function name). */
inline const char* cusparse_unavailable() {
    const cusparse_api::Api& a = cusparse_api::api();
    return a.error == nullptr ? "" : a.error;
}

/** cuSPARSE's name and description of a status (or "unknown" when the library is missing). */
inline const char* cusparse_status_string(int status) {
    const cusparse_api::Api& a = cusparse_api::api();
    return a.errorString != nullptr ? a.errorString(status) : "unknown (cuSPARSE not loaded)";
}

/**
 * Opens a handle on {@code stream} and describes the rows × cols CSR matrix (nnz stored entries; int32 offsets[rows + 1]
 * and columns[nnz], values[nnz] of {@code float64 ? double : float}); returns the session's address, or 0 with the
 * cuSPARSE status in {@code *status} (−1: the library is unavailable). Writes *status.
 */
inline long long csr_spmv_open(long long stream, long long rows, long long cols, long long nnz, long long offsets,
                               long long columns, long long values, bool float64, int* status) {
    const cusparse_api::Api& a = cusparse_api::api();
    if (a.error != nullptr) {
        *status = -1;
        return 0;
    }
    CsrSpmv* s = new CsrSpmv();
    s->valueType = float64 ? cusparse_api::R_64F : cusparse_api::R_32F;
    int st = a.create(&s->handle);
    if (st == 0) {
        st = a.setStream(s->handle, reinterpret_cast<void*>(stream));
    }
    if (st == 0) {
        st = a.createCsr(&s->matrix, rows, cols, nnz, reinterpret_cast<void*>(offsets), reinterpret_cast<void*>(columns),
                         reinterpret_cast<void*>(values), cusparse_api::INDEX_32I, cusparse_api::INDEX_32I,
                         cusparse_api::INDEX_BASE_ZERO, s->valueType);
    }
    *status = st;
    if (st != 0) {
        if (s->matrix != nullptr) {
            a.destroySpMat(s->matrix);
        }
        if (s->handle != nullptr) {
            a.destroy(s->handle);
        }
        delete s;
        return 0;
    }
    return reinterpret_cast<long long>(s);
}

/**
 * y ← α·op(A)·x + β·y with op(A) = A (transpose false: x has cols entries, y rows) or Aᵀ, in the matrix's precision
 * (CUSPARSE_SPMV_ALG_DEFAULT). With {@code bufferBytes} < 0 computes nothing and returns the work buffer's size in
 * bytes; otherwise runs (queued on the handle's stream) with {@code buffer} (device memory of at least that size, or 0
 * when the size was 0) and returns 0. A cuSPARSE error returns −status (statuses are positive).
 */
inline long long csr_spmv(long long session, bool transpose, double alpha, long long x, double beta, long long y,
                          long long buffer, long long bufferBytes, long long rows, long long cols) {
    const cusparse_api::Api& a = cusparse_api::api();
    CsrSpmv* s = reinterpret_cast<CsrSpmv*>(session);
    const long long xLength = transpose ? rows : cols;
    const long long yLength = transpose ? cols : rows;
    void* vx = nullptr;
    void* vy = nullptr;
    int st = a.createDnVec(&vx, xLength, reinterpret_cast<void*>(x), s->valueType);
    if (st == 0) {
        st = a.createDnVec(&vy, yLength, reinterpret_cast<void*>(y), s->valueType);
    }
    const float alpha32 = (float) alpha;
    const float beta32 = (float) beta;
    const void* pa = s->valueType == cusparse_api::R_64F ? static_cast<const void*>(&alpha) : static_cast<const void*>(&alpha32);
    const void* pb = s->valueType == cusparse_api::R_64F ? static_cast<const void*>(&beta) : static_cast<const void*>(&beta32);
    const int op = transpose ? 1 : 0;   // CUSPARSE_OPERATION_TRANSPOSE : CUSPARSE_OPERATION_NON_TRANSPOSE
    long long result = 0;
    if (st == 0 && bufferBytes < 0) {
        std::size_t bytes = 0;
        st = a.spmvBufferSize(s->handle, op, pa, s->matrix, vx, pb, vy, s->valueType, cusparse_api::SPMV_ALG_DEFAULT, &bytes);
        result = (long long) bytes;
    } else if (st == 0) {
        st = a.spmv(s->handle, op, pa, s->matrix, vx, pb, vy, s->valueType, cusparse_api::SPMV_ALG_DEFAULT,
                    reinterpret_cast<void*>(buffer));
    }
    if (vy != nullptr) {
        a.destroyDnVec(vy);
    }
    if (vx != nullptr) {
        a.destroyDnVec(vx);
    }
    return st != 0 ? -(long long) st : result;
}

/** Destroys the matrix descriptor and the handle (once; 0 is ignored). */
inline void csr_spmv_close(long long session) {
    if (session == 0) {
        return;
    }
    const cusparse_api::Api& a = cusparse_api::api();
    CsrSpmv* s = reinterpret_cast<CsrSpmv*>(session);
    a.destroySpMat(s->matrix);
    a.destroy(s->handle);
    delete s;
}

}  // namespace downhill
