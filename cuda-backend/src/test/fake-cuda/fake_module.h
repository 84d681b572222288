// Appended by the fake NVRTC (nvrtc.cpp) after the kernel source it compiles with g++ under
// host_emulation.h: the table through which the fake driver (cuda.cpp) launches each kernel.
// cuLaunchKernel passes `void** kernelParams`; Trampoline<K> reads parameter i as the i-th
// parameter type of K (so an int reads 4 bytes, a double or pointer 8), checks that every
// non-null pointer parameter points into device memory, and runs the kernel with
// dh_emu::launch_kernel.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace dh_fake {

/** Returns 0 when p is inside a live device allocation, else reports (kernel, parameter index) and returns 1. */
typedef int (*PointerCheck)(const void* p, const char* kernel, int index);

struct Entry {
    const char* name;
    /** Returns the emulation's violations (≥ 0), or -1 when a pointer parameter is not device memory. */
    int (*launch)(unsigned gridX, unsigned gridY, unsigned block, unsigned cluster, unsigned sharedBytes, void** params,
                  PointerCheck check, const char* name, int barrierFree);
    int clustered;   // declared with the cluster-dims attribute (clusters of CLUSTER blocks)
    int bounded;     // declared with __launch_bounds__(THREADS, ...)
    int barrierFree; // its body uses no barrier, shared memory, warp or cluster primitive
};

template <class T>
inline int check_argument(const T&, PointerCheck, const char*, int) {
    return 0;
}

template <class T>
inline int check_argument(T* const& p, PointerCheck check, const char* kernel, int index) {
    return p ? check(p, kernel, index) : 0;
}

template <auto K>
struct Trampoline;

template <class... P, void (*K)(P...)>
struct Trampoline<K> {
    template <std::size_t... I>
    static int run(unsigned gx, unsigned gy, unsigned block, unsigned cluster, unsigned sharedBytes, void** params,
                   PointerCheck check, const char* name, int barrierFree, std::index_sequence<I...>) {
        std::tuple<std::decay_t<P>...> args(*static_cast<const std::decay_t<P>*>(params[I])...);
        int bad = 0;
        ((bad += check_argument(std::get<I>(args), check, name, (int) I)), ...);
        if (bad != 0) {
            return -1;
        }
        if (barrierFree) {
            // No thread of this kernel waits for another: running them one after another, in
            // order, is one valid schedule (and much cheaper than one fiber or thread each).
            const dim3 grid(gx, gy, 1), threads(block, 1, 1);
            for (unsigned y = 0; y < gy; ++y) {
                for (unsigned x = 0; x < gx; ++x) {
                    for (unsigned t = 0; t < block; ++t) {
                        threadIdx = dim3(t, 0, 0);
                        blockIdx = dim3(x, y, 0);
                        blockDim = threads;
                        gridDim = grid;
                        std::tuple<std::decay_t<P>...> copy = args;   // parameters are per thread
                        K(std::get<I>(copy)...);
                    }
                }
            }
            return 0;
        }
        return ::dh_emu::launch_kernel_dynamic(K, dim3(gx, gy, 1), dim3(block, 1, 1), cluster, sharedBytes,
                                               std::get<I>(args)...);
    }

    static int launch(unsigned gx, unsigned gy, unsigned block, unsigned cluster, unsigned sharedBytes, void** params,
                      PointerCheck check, const char* name, int barrierFree) {
        return run(gx, gy, block, cluster, sharedBytes, params, check, name, barrierFree, std::index_sequence_for<P...>{});
    }
};

} // namespace dh_fake

#define DH_FAKE_KERNEL(name, clustered, bounded, barrierFree) \
    {#name, &::dh_fake::Trampoline<&name>::launch, clustered, bounded, barrierFree},

extern "C" {
extern const int dh_fake_threads;
extern const int dh_fake_cluster;
extern const ::dh_fake::Entry dh_fake_kernels[];
int dh_fake_violations(void);
}
#ifdef THREADS
const int dh_fake_threads = THREADS;
#else
const int dh_fake_threads = 0;
#endif
#ifdef CLUSTER
const int dh_fake_cluster = CLUSTER;
#else
const int dh_fake_cluster = 1;
#endif
/** Shared-memory guard and lifetime violations found by the emulation so far. */
int dh_fake_violations(void) { return ::dh_emu::violations.load(); }
