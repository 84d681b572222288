// libcudart.so.13 of the fake CUDA stack (see README.md): the runtime API calls the backend makes.
// One device (ordinal 0), compute capability 9.0, 4 multiprocessors, 4 GiB; work runs synchronously
// at call time (a valid order of everything queued on streams). Every failed call sets the error
// cudaGetLastError returns; refusals of Java-side mistakes (unknown pointers, ranges past a buffer,
// a device pointer given as host memory) are reported on stderr.
#include "fake_common.h"

#include <cstdlib>
#include <cstring>

namespace {

enum {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInvalidPitchValue = 12,
    cudaErrorInvalidDevicePointer = 17,
    cudaErrorInvalidMemcpyDirection = 21,
    cudaErrorNoDevice = 100,
    cudaErrorInvalidDevice = 101,
    cudaErrorInvalidResourceHandle = 400,
    cudaErrorNotReady = 600,
    cudaErrorHostMemoryAlreadyRegistered = 712,
    cudaErrorHostMemoryNotRegistered = 713,
};

thread_local int lastError = cudaSuccess;

int result(int status) {
    if (status != cudaSuccess) {
        lastError = status;
    }
    return status;
}

struct ErrorText {
    int code;
    const char* name;
    const char* text;
};
const ErrorText kErrors[] = {
    {0, "cudaSuccess", "no error"},
    {1, "cudaErrorInvalidValue", "invalid argument"},
    {2, "cudaErrorMemoryAllocation", "out of memory"},
    {3, "cudaErrorInitializationError", "initialization error"},
    {9, "cudaErrorInvalidConfiguration", "invalid configuration argument"},
    {12, "cudaErrorInvalidPitchValue", "invalid pitch argument"},
    {17, "cudaErrorInvalidDevicePointer", "invalid device pointer"},
    {21, "cudaErrorInvalidMemcpyDirection", "invalid copy direction for memcpy"},
    {100, "cudaErrorNoDevice", "no CUDA-capable device is detected"},
    {101, "cudaErrorInvalidDevice", "invalid device ordinal"},
    {400, "cudaErrorInvalidResourceHandle", "invalid resource handle"},
    {600, "cudaErrorNotReady", "device not ready"},
    {700, "cudaErrorIllegalAddress", "an illegal memory access was encountered"},
    {712, "cudaErrorHostMemoryAlreadyRegistered", "part or all of the requested memory range is already mapped"},
    {713, "cudaErrorHostMemoryNotRegistered", "pointer does not correspond to a registered memory region"},
    {719, "cudaErrorLaunchFailure", "unspecified launch failure"},
    {801, "cudaErrorNotSupported", "operation not supported"},
};

/**
 * Checks one side of a copy: `device` says which memory the direction names. Device sides must be a
 * range of one live allocation; host sides must not be device memory (the Java code passing a device
 * address as host memory, or the reverse, is a bug a real device may not report).
 */
bool side(const void* p, std::size_t bytes, bool device, const char* call, const char* what) {
    if (device) {
        return dhfake_require_device(p, bytes, call, what);
    }
    if (bytes > 0 && dhfake_is_device(p)) {
        dhfake_report("%s: %s (%p) is device memory, but the copy direction says host", call, what, p);
        return false;
    }
    if (bytes > 0 && p == nullptr) {
        dhfake_report("%s: %s is null", call, what);
        return false;
    }
    return true;
}

int copy(void* dst, const void* src, std::size_t bytes, int kind, const char* call) {
    bool dstDevice, srcDevice;
    switch (kind) {
        case 0: dstDevice = false; srcDevice = false; break;
        case 1: dstDevice = true; srcDevice = false; break;
        case 2: dstDevice = false; srcDevice = true; break;
        case 3: dstDevice = true; srcDevice = true; break;
        case 4: dstDevice = dhfake_is_device(dst); srcDevice = dhfake_is_device(src); break;
        default: return cudaErrorInvalidMemcpyDirection;
    }
    if (!side(dst, bytes, dstDevice, call, "the destination") || !side(src, bytes, srcDevice, call, "the source")) {
        return cudaErrorInvalidValue;
    }
    if (bytes > 0) {
        std::memmove(dst, src, bytes);
    }
    return cudaSuccess;
}

int copy2D(void* dst, std::size_t dpitch, const void* src, std::size_t spitch, std::size_t width, std::size_t height,
           int kind, const char* call) {
    if (kind < 0 || kind > 4) {
        return cudaErrorInvalidMemcpyDirection;
    }
    if (dpitch < width || spitch < width) {
        return cudaErrorInvalidPitchValue;
    }
    if (width == 0 || height == 0) {
        return cudaSuccess;
    }
    bool dstDevice = kind == 1 || kind == 3 || (kind == 4 && dhfake_is_device(dst));
    bool srcDevice = kind == 2 || kind == 3 || (kind == 4 && dhfake_is_device(src));
    std::size_t dstExtent = dpitch * (height - 1) + width;
    std::size_t srcExtent = spitch * (height - 1) + width;
    if (!side(dst, dstExtent, dstDevice, call, "the destination") || !side(src, srcExtent, srcDevice, call, "the source")) {
        return cudaErrorInvalidValue;
    }
    for (std::size_t r = 0; r < height; ++r) {
        std::memmove(static_cast<char*>(dst) + r * dpitch, static_cast<const char*>(src) + r * spitch, width);
    }
    return cudaSuccess;
}

bool stream(void* s, const char* call) {
    if (dhfake_stream_valid(s)) {
        return true;
    }
    dhfake_report("%s: %p is not a live stream", call, s);
    return false;
}

} // namespace

extern "C" {

const char* cudaGetErrorName(int error) {
    for (const ErrorText& e : kErrors) {
        if (e.code == error) {
            return e.name;
        }
    }
    return "cudaErrorUnknown";
}

const char* cudaGetErrorString(int error) {
    for (const ErrorText& e : kErrors) {
        if (e.code == error) {
            return e.text;
        }
    }
    return "unrecognized error code";
}

int cudaGetLastError(void) {
    int e = lastError;
    lastError = cudaSuccess;
    return e;
}

int cudaPeekAtLastError(void) { return lastError; }

int cudaGetDeviceCount(int* count) {
    if (count == nullptr) {
        return result(cudaErrorInvalidValue);
    }
    // DOWNHILL_FAKE_CUDA_NO_DEVICE=1: a machine whose driver sees no GPU, to rehearse the callers' refusal
    const char* none = std::getenv("DOWNHILL_FAKE_CUDA_NO_DEVICE");
    if (none != nullptr && *none != '\0' && std::strcmp(none, "0") != 0) {
        *count = 0;
        return result(cudaErrorNoDevice);
    }
    *count = 1;
    return cudaSuccess;
}

int cudaSetDevice(int device) {
    if (device != 0) {
        return result(cudaErrorInvalidDevice);
    }
    dhfake_make_current();
    return cudaSuccess;
}

int cudaGetDevice(int* device) {
    if (device == nullptr) {
        return result(cudaErrorInvalidValue);
    }
    *device = 0;
    return cudaSuccess;
}

int cudaDeviceGetAttribute(int* value, int attribute, int device) {
    if (value == nullptr) {
        return result(cudaErrorInvalidValue);
    }
    if (device != 0) {
        return result(cudaErrorInvalidDevice);
    }
    switch (attribute) {
        case 1: *value = 1024; return cudaSuccess;          // max threads per block
        case 8: *value = 48 * 1024; return cudaSuccess;     // max shared memory per block
        case 10: *value = 32; return cudaSuccess;           // warp size
        case 16: *value = 4; return cudaSuccess;            // multiprocessors
        case 75: *value = 9; return cudaSuccess;            // compute capability major
        case 76: *value = 0; return cudaSuccess;            // compute capability minor
        case 97: *value = 227 * 1024; return cudaSuccess;   // max shared memory per block, opted in (sm_90)
        default:
            return result(cudaErrorInvalidValue);
    }
}

/** The struct is the real header's cudaDeviceProp (allocated by the caller); only the name (offset 0) is written. */
int cudaGetDeviceProperties(void* prop, int device) {
    if (prop == nullptr) {
        return result(cudaErrorInvalidValue);
    }
    if (device != 0) {
        return result(cudaErrorInvalidDevice);
    }
    static const char kName[] = "downhill fake CUDA device (host emulation)";
    std::memset(prop, 0, 256);
    std::memcpy(prop, kName, sizeof kName);
    return cudaSuccess;
}

int cudaDriverGetVersion(int* v) {
    if (v == nullptr) {
        return result(cudaErrorInvalidValue);
    }
    *v = 13000;
    return cudaSuccess;
}

int cudaRuntimeGetVersion(int* v) {
    if (v == nullptr) {
        return result(cudaErrorInvalidValue);
    }
    *v = 13000;
    return cudaSuccess;
}

int cudaMemGetInfo(std::size_t* free, std::size_t* total) {
    if (free == nullptr || total == nullptr) {
        return result(cudaErrorInvalidValue);
    }
    dhfake_make_current();
    *total = dhfake_capacity();
    *free = *total - dhfake_allocated();
    return cudaSuccess;
}

int cudaMalloc(void** p, std::size_t bytes) {
    dhfake_make_current();
    return result(dhfake_malloc(p, bytes));
}

int cudaFree(void* p) {
    dhfake_make_current();
    return result(dhfake_free(p, "cudaFree") == 0 ? cudaSuccess : cudaErrorInvalidValue);
}

int cudaMemcpy(void* dst, const void* src, std::size_t bytes, int kind) {
    dhfake_make_current();
    return result(copy(dst, src, bytes, kind, "cudaMemcpy"));
}

int cudaMemcpyAsync(void* dst, const void* src, std::size_t bytes, int kind, void* s) {
    dhfake_make_current();
    if (!stream(s, "cudaMemcpyAsync")) {
        return result(cudaErrorInvalidResourceHandle);
    }
    return result(copy(dst, src, bytes, kind, "cudaMemcpyAsync"));
}

int cudaMemcpy2D(void* dst, std::size_t dpitch, const void* src, std::size_t spitch, std::size_t width, std::size_t height,
                 int kind) {
    dhfake_make_current();
    return result(copy2D(dst, dpitch, src, spitch, width, height, kind, "cudaMemcpy2D"));
}

int cudaMemcpy2DAsync(void* dst, std::size_t dpitch, const void* src, std::size_t spitch, std::size_t width,
                      std::size_t height, int kind, void* s) {
    dhfake_make_current();
    if (!stream(s, "cudaMemcpy2DAsync")) {
        return result(cudaErrorInvalidResourceHandle);
    }
    return result(copy2D(dst, dpitch, src, spitch, width, height, kind, "cudaMemcpy2DAsync"));
}

int cudaMemset(void* p, int value, std::size_t bytes) {
    dhfake_make_current();
    if (!dhfake_require_device(p, bytes, "cudaMemset", "the buffer")) {
        return result(cudaErrorInvalidValue);
    }
    std::memset(p, value, bytes);
    return cudaSuccess;
}

int cudaMemsetAsync(void* p, int value, std::size_t bytes, void* s) {
    dhfake_make_current();
    if (!stream(s, "cudaMemsetAsync")) {
        return result(cudaErrorInvalidResourceHandle);
    }
    if (!dhfake_require_device(p, bytes, "cudaMemsetAsync", "the buffer")) {
        return result(cudaErrorInvalidValue);
    }
    std::memset(p, value, bytes);
    return cudaSuccess;
}

int cudaStreamCreate(void** s) {
    if (s == nullptr) {
        return result(cudaErrorInvalidValue);
    }
    dhfake_make_current();
    *s = dhfake_stream_create(0);
    return cudaSuccess;
}

int cudaStreamCreateWithFlags(void** s, unsigned flags) {
    if (s == nullptr || flags > 1) {
        return result(cudaErrorInvalidValue);
    }
    dhfake_make_current();
    *s = dhfake_stream_create(flags);
    return cudaSuccess;
}

int cudaStreamDestroy(void* s) {
    dhfake_make_current();
    if (dhfake_stream_destroy(s) != 0) {
        dhfake_report("cudaStreamDestroy(%p): not a live stream", s);
        return result(cudaErrorInvalidResourceHandle);
    }
    return cudaSuccess;
}

int cudaStreamSynchronize(void* s) {
    dhfake_make_current();
    return result(stream(s, "cudaStreamSynchronize") ? cudaSuccess : cudaErrorInvalidResourceHandle);
}

int cudaStreamQuery(void* s) {
    dhfake_make_current();
    return result(stream(s, "cudaStreamQuery") ? cudaSuccess : cudaErrorInvalidResourceHandle);
}

int cudaStreamWaitEvent(void* s, void* e, unsigned flags) {
    dhfake_make_current();
    if (!stream(s, "cudaStreamWaitEvent") || !dhfake_event_valid(e) || (flags & ~1u) != 0) {
        if (!dhfake_event_valid(e)) {
            dhfake_report("cudaStreamWaitEvent: %p is not a live event", e);
        }
        return result(flags & ~1u ? cudaErrorInvalidValue : cudaErrorInvalidResourceHandle);
    }
    return cudaSuccess;
}

int cudaDeviceSynchronize(void) {
    dhfake_make_current();
    return cudaSuccess;
}

int cudaEventCreate(void** e) {
    if (e == nullptr) {
        return result(cudaErrorInvalidValue);
    }
    dhfake_make_current();
    *e = dhfake_event_create(0);
    return cudaSuccess;
}

int cudaEventCreateWithFlags(void** e, unsigned flags) {
    if (e == nullptr || (flags & ~0xFu) != 0) {
        return result(cudaErrorInvalidValue);
    }
    dhfake_make_current();
    *e = dhfake_event_create(flags);
    return cudaSuccess;
}

int cudaEventDestroy(void* e) {
    if (dhfake_event_destroy(e) != 0) {
        dhfake_report("cudaEventDestroy(%p): not a live event", e);
        return result(cudaErrorInvalidResourceHandle);
    }
    return cudaSuccess;
}

int cudaEventRecord(void* e, void* s) {
    dhfake_make_current();
    int status = dhfake_event_record(e, s);
    if (status != 0) {
        dhfake_report("cudaEventRecord(%p, %p): not a live event or stream", e, s);
    }
    return result(status);
}

int cudaEventSynchronize(void* e) {
    return result(dhfake_event_valid(e) ? cudaSuccess : cudaErrorInvalidResourceHandle);
}

int cudaEventQuery(void* e) {
    return result(dhfake_event_valid(e) ? cudaSuccess : cudaErrorInvalidResourceHandle);
}

int cudaEventElapsedTime(float* ms, void* start, void* stop) {
    return result(dhfake_event_elapsed(ms, start, stop));
}

int cudaHostRegister(void* p, std::size_t bytes, unsigned flags) {
    dhfake_make_current();
    // DOWNHILL_FAKE_CUDA_REFUSE_HOST_REGISTER=1: refuse as a system whose locked-memory limit is too low does,
    // so that the callers' fallback to pageable copies can be rehearsed
    const char* refuse = std::getenv("DOWNHILL_FAKE_CUDA_REFUSE_HOST_REGISTER");
    if (refuse != nullptr && *refuse != '\0' && std::strcmp(refuse, "0") != 0) {
        return result(cudaErrorMemoryAllocation);
    }
    return result(dhfake_host_register(p, bytes, flags));
}

int cudaHostUnregister(void* p) {
    dhfake_make_current();
    int status = dhfake_host_unregister(p);
    if (status != 0) {
        dhfake_report("cudaHostUnregister(%p): not the start of a registered range", p);
    }
    return result(status);
}

} // extern "C"
