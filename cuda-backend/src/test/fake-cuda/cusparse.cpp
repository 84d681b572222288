// libcusparse.so.12 of the fake CUDA stack (see README.md): the generic-API calls the backend's cusparse strategy makes
// through dlopen (src/main/cpp/downhill_cusparse.h) — a handle bound to a stream, a CSR descriptor (int32 offsets and
// columns, zero-based, float or double values), dense vectors, SpMV (y ← α·op(A)·x + β·y, summed in double in row
// order; when β is 0, y is not read) with a work buffer whose size _bufferSize reports (64 bytes, so that a caller that
// skips the buffer is caught) — and the error strings. Handles and descriptors are checked (magic), every array must lie
// inside one device allocation, and the descriptors' types and sizes must match the call.
#include "fake_common.h"

#include <cstdint>
#include <vector>

namespace {

enum {
    STATUS_SUCCESS = 0,
    STATUS_NOT_INITIALIZED = 1,
    STATUS_INVALID_VALUE = 3,
    STATUS_EXECUTION_FAILED = 6,
    STATUS_NOT_SUPPORTED = 10,
};

constexpr unsigned kHandle = 0x53505348;   // "SPSH"
constexpr unsigned kMatrix = 0x5350534d;   // "SPSM"
constexpr unsigned kVector = 0x53505356;   // "SPSV"
constexpr std::size_t kBufferBytes = 64;

struct Handle {
    unsigned magic;
    void* stream;
};

struct Matrix {
    unsigned magic;
    std::int64_t rows, cols, nnz;
    const std::int32_t* offsets;
    const std::int32_t* columns;
    const void* values;
    int valueType;   // 0 float, 1 double
};

struct Vector {
    unsigned magic;
    std::int64_t size;
    void* values;
    int valueType;
};

std::size_t elementBytes(int type) { return type == 1 ? 8 : 4; }

double read(const void* p, int type, std::int64_t i) {
    return type == 1 ? static_cast<const double*>(p)[i] : (double) static_cast<const float*>(p)[i];
}

void write(void* p, int type, std::int64_t i, double v) {
    if (type == 1) {
        static_cast<double*>(p)[i] = v;
    } else {
        static_cast<float*>(p)[i] = (float) v;
    }
}

template <class T>
bool valid(const T* p, unsigned magic) { return p != nullptr && p->magic == magic; }

int spmv(Handle* h, int op, const void* alphaP, const Matrix* A, const Vector* x, const void* betaP, Vector* y, int type,
         int alg, void* buffer, bool sizeOnly, std::size_t* bytes) {
    const char* call = sizeOnly ? "cusparseSpMV_bufferSize" : "cusparseSpMV";
    if (!valid(h, kHandle)) {
        return STATUS_NOT_INITIALIZED;
    }
    if (!valid(A, kMatrix) || !valid(x, kVector) || !valid(y, kVector) || alphaP == nullptr || betaP == nullptr) {
        dhfake_report("%s: a descriptor or scalar is invalid", call);
        return STATUS_INVALID_VALUE;
    }
    if ((op != 0 && op != 1) || alg != 0 || type != A->valueType || x->valueType != type || y->valueType != type) {
        dhfake_report("%s: unsupported op %d, alg %d or types (compute %d, A %d, x %d, y %d)", call, op, alg, type,
                      A->valueType, x->valueType, y->valueType);
        return STATUS_NOT_SUPPORTED;
    }
    const std::int64_t xLength = op == 0 ? A->cols : A->rows;
    const std::int64_t yLength = op == 0 ? A->rows : A->cols;
    if (x->size != xLength || y->size != yLength) {
        dhfake_report("%s: vector sizes %lld and %lld do not match op(A) (%lld × %lld)", call, (long long) x->size,
                      (long long) y->size, (long long) yLength, (long long) xLength);
        return STATUS_INVALID_VALUE;
    }
    if (sizeOnly) {
        if (bytes == nullptr) {
            return STATUS_INVALID_VALUE;
        }
        *bytes = kBufferBytes;
        return STATUS_SUCCESS;
    }
    if (!dhfake_require_device(buffer, kBufferBytes, call, "externalBuffer")) {
        return STATUS_INVALID_VALUE;
    }
    const std::size_t es = elementBytes(type);
    if (!dhfake_require_device(x->values, es * x->size, call, "x") || !dhfake_require_device(y->values, es * y->size, call, "y")) {
        return STATUS_INVALID_VALUE;
    }
    const double alpha = type == 1 ? *static_cast<const double*>(alphaP) : (double) *static_cast<const float*>(alphaP);
    const double beta = type == 1 ? *static_cast<const double*>(betaP) : (double) *static_cast<const float*>(betaP);
    std::vector<double> acc((std::size_t) yLength, 0.0);
    for (std::int64_t i = 0; i < A->rows; ++i) {
        const std::int32_t k0 = A->offsets[i];
        const std::int32_t k1 = A->offsets[i + 1];
        if (k0 < 0 || k1 < k0 || k1 > A->nnz) {
            dhfake_report("%s: row %lld's offsets [%d, %d) are outside [0, %lld]", call, (long long) i, k0, k1, (long long) A->nnz);
            return STATUS_EXECUTION_FAILED;
        }
        for (std::int32_t k = k0; k < k1; ++k) {
            const std::int32_t j = A->columns[k];
            if (j < 0 || j >= A->cols) {
                dhfake_report("%s: column index %d at entry %d is outside [0, %lld)", call, j, k, (long long) A->cols);
                return STATUS_EXECUTION_FAILED;
            }
            const double a = read(A->values, type, k);
            if (op == 0) {
                acc[(std::size_t) i] += a * read(x->values, type, j);
            } else {
                acc[(std::size_t) j] += a * read(x->values, type, i);
            }
        }
    }
    for (std::int64_t i = 0; i < yLength; ++i) {
        const double v = alpha * acc[(std::size_t) i] + (beta == 0 ? 0.0 : beta * read(y->values, type, i));
        write(y->values, type, i, v);
    }
    return dhfake_check_guards(call) == 0 ? STATUS_SUCCESS : STATUS_EXECUTION_FAILED;
}

}  // namespace

extern "C" {

int cusparseCreate(void** handle) {
    if (handle == nullptr) {
        return STATUS_INVALID_VALUE;
    }
    dhfake_make_current();
    *handle = new Handle{kHandle, nullptr};
    return STATUS_SUCCESS;
}

int cusparseDestroy(void* handle) {
    Handle* h = static_cast<Handle*>(handle);
    if (!valid(h, kHandle)) {
        return STATUS_NOT_INITIALIZED;
    }
    h->magic = 0;
    delete h;
    return STATUS_SUCCESS;
}

int cusparseSetStream(void* handle, void* stream) {
    Handle* h = static_cast<Handle*>(handle);
    if (!valid(h, kHandle)) {
        return STATUS_NOT_INITIALIZED;
    }
    if (stream != nullptr && !dhfake_stream_valid(stream)) {
        dhfake_report("cusparseSetStream: %p is not a stream", stream);
        return STATUS_INVALID_VALUE;
    }
    h->stream = stream;
    return STATUS_SUCCESS;
}

int cusparseCreateCsr(void** matrix, std::int64_t rows, std::int64_t cols, std::int64_t nnz, void* offsets, void* columns,
                      void* values, int offsetsType, int columnsType, int base, int valueType) {
    const char* call = "cusparseCreateCsr";
    if (matrix == nullptr || rows < 0 || cols < 0 || nnz < 0) {
        return STATUS_INVALID_VALUE;
    }
    if (offsetsType != 2 || columnsType != 2 || base != 0 || (valueType != 0 && valueType != 1)) {
        dhfake_report("%s: the fake takes int32 offsets and columns, base 0, float or double values (got %d, %d, %d, %d)", call,
                      offsetsType, columnsType, base, valueType);
        return STATUS_NOT_SUPPORTED;
    }
    if (!dhfake_require_device(offsets, 4 * (std::size_t) (rows + 1), call, "csrRowOffsets")
        || (nnz > 0 && (!dhfake_require_device(columns, 4 * (std::size_t) nnz, call, "csrColInd")
                        || !dhfake_require_device(values, elementBytes(valueType) * (std::size_t) nnz, call, "csrValues")))) {
        return STATUS_INVALID_VALUE;
    }
    *matrix = new Matrix{kMatrix, rows, cols, nnz, static_cast<const std::int32_t*>(offsets),
                         static_cast<const std::int32_t*>(columns), values, valueType};
    return STATUS_SUCCESS;
}

int cusparseDestroySpMat(const void* matrix) {
    Matrix* m = const_cast<Matrix*>(static_cast<const Matrix*>(matrix));
    if (!valid(m, kMatrix)) {
        return STATUS_INVALID_VALUE;
    }
    m->magic = 0;
    delete m;
    return STATUS_SUCCESS;
}

int cusparseCreateDnVec(void** vector, std::int64_t size, void* values, int valueType) {
    if (vector == nullptr || size < 0 || (valueType != 0 && valueType != 1)) {
        return STATUS_INVALID_VALUE;
    }
    if (!dhfake_require_device(values, elementBytes(valueType) * (std::size_t) size, "cusparseCreateDnVec", "values")) {
        return STATUS_INVALID_VALUE;
    }
    *vector = new Vector{kVector, size, values, valueType};
    return STATUS_SUCCESS;
}

int cusparseDestroyDnVec(const void* vector) {
    Vector* v = const_cast<Vector*>(static_cast<const Vector*>(vector));
    if (!valid(v, kVector)) {
        return STATUS_INVALID_VALUE;
    }
    v->magic = 0;
    delete v;
    return STATUS_SUCCESS;
}

int cusparseSpMV_bufferSize(void* handle, int op, const void* alpha, const void* matrix, const void* x, const void* beta,
                            void* y, int computeType, int alg, std::size_t* bytes) {
    return spmv(static_cast<Handle*>(handle), op, alpha, static_cast<const Matrix*>(matrix), static_cast<const Vector*>(x), beta,
                static_cast<Vector*>(y), computeType, alg, nullptr, true, bytes);
}

int cusparseSpMV(void* handle, int op, const void* alpha, const void* matrix, const void* x, const void* beta, void* y,
                 int computeType, int alg, void* buffer) {
    return spmv(static_cast<Handle*>(handle), op, alpha, static_cast<const Matrix*>(matrix), static_cast<const Vector*>(x), beta,
                static_cast<Vector*>(y), computeType, alg, buffer, false, nullptr);
}

const char* cusparseGetErrorString(int status) {
    switch (status) {
        case STATUS_SUCCESS: return "CUSPARSE_STATUS_SUCCESS";
        case STATUS_NOT_INITIALIZED: return "CUSPARSE_STATUS_NOT_INITIALIZED";
        case STATUS_INVALID_VALUE: return "CUSPARSE_STATUS_INVALID_VALUE";
        case STATUS_EXECUTION_FAILED: return "CUSPARSE_STATUS_EXECUTION_FAILED";
        case STATUS_NOT_SUPPORTED: return "CUSPARSE_STATUS_NOT_SUPPORTED";
        default: return "CUSPARSE_STATUS_UNKNOWN (fake)";
    }
}

}  // extern "C"
