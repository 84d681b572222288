// Shared state of the fake CUDA stack (see README.md): the device-memory registry, streams and
// events, and the current-context flag live in libcuda.so.1; the runtime, cuBLAS and cuSOLVER
// fakes reach them through these functions (exported, unversioned, prefixed dhfake_).
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {

/** Prints "fake CUDA: <message>" to stderr (every refusal of a call explains itself there). */
void dhfake_report(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

/** The primary context is now current on the calling thread (any runtime call does this). */
void dhfake_make_current(void);
/** Whether a context is current on the calling thread (driver calls need one). */
int dhfake_is_current(void);

/** Device allocation: 0 (success), 2 (cudaErrorMemoryAllocation) when over the fake's capacity. */
int dhfake_malloc(void** out, std::size_t bytes);
/** 0, or 1 (cudaErrorInvalidValue) when p is not the start of a live allocation (reported). */
int dhfake_free(void* p, const char* call);
/** 1 when [p, p + bytes) lies inside one live device allocation (bytes may be 0), else 0. */
int dhfake_device_range(const void* p, std::size_t bytes);
/** 1 when p points into (or one past) some live device allocation. */
int dhfake_is_device(const void* p);
/** Bytes allocated now, and the fake device's capacity. */
std::size_t dhfake_allocated(void);
std::size_t dhfake_capacity(void);
/**
 * Checks the guard bytes around every live allocation (written by a kernel or library call past
 * either end of a buffer); 0 when intact, else reports the buffer and `after` and returns 1.
 */
int dhfake_check_guards(const char* after);

/** Streams and events: opaque handles the fake hands out; null is the legacy default stream. */
void* dhfake_stream_create(unsigned flags);
int dhfake_stream_destroy(void* s);
int dhfake_stream_valid(void* s);
void* dhfake_event_create(unsigned flags);
int dhfake_event_destroy(void* e);
int dhfake_event_valid(void* e);
/** Records e on s (work runs synchronously, so "now"); 0 or cudaErrorInvalidResourceHandle (400). */
int dhfake_event_record(void* e, void* s);
/** Milliseconds between two recorded events; 0, 400 (bad handle, timing disabled) or 600 (not recorded). */
int dhfake_event_elapsed(float* ms, void* start, void* stop);

/** Page-locked host ranges (cudaHostRegister). */
int dhfake_host_register(void* p, std::size_t bytes, unsigned flags);
int dhfake_host_unregister(void* p);
}

/** Checks a call's pointer argument names a device range; reports and returns false if not. */
inline bool dhfake_require_device(const void* p, std::size_t bytes, const char* call, const char* what) {
    if (dhfake_device_range(p, bytes)) {
        return true;
    }
    dhfake_report("%s: %s (%p, %zu bytes) is not inside one live device allocation", call, what, p, bytes);
    return false;
}
