// libcuda.so.1 of the fake CUDA stack (see README.md): the shared state (device-memory registry,
// streams, events, page-locked ranges, current context) and the driver API calls the backend makes:
// modules (the fake NVRTC's "CUBIN" names a g++-built shared object), functions, launches, errors.
#include "fake_common.h"

#include <dlfcn.h>

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace {

constexpr std::size_t kCapacity = std::size_t(4) << 30;   // the fake device's "memory": 4 GiB
constexpr std::size_t kGuard = 256;                        // guard bytes before and after each allocation
constexpr unsigned char kGuardByte = 0xA5;
constexpr unsigned char kFreshByte = 0xFF;                  // new device memory reads as NaN

std::mutex lock;                                 // everything below
std::map<std::uintptr_t, std::size_t> allocations;  // user start → user bytes
std::size_t allocated = 0;

struct Stream {
    unsigned magic;
    unsigned flags;
};
struct Event {
    unsigned magic;
    unsigned flags;
    bool recorded;
    std::chrono::steady_clock::time_point when;
};
constexpr unsigned kStreamMagic = 0x5354524d;
constexpr unsigned kEventMagic = 0x45564e54;
std::set<void*> streams;
std::set<void*> events;
std::map<std::uintptr_t, std::size_t> registered;  // page-locked host ranges

thread_local bool current = false;

bool guardsIntact(std::uintptr_t start, std::size_t bytes, const char** where) {
    const unsigned char* before = reinterpret_cast<const unsigned char*>(start) - kGuard;
    const unsigned char* after = reinterpret_cast<const unsigned char*>(start) + bytes;
    for (std::size_t i = 0; i < kGuard; ++i) {
        if (before[i] != kGuardByte) {
            *where = "before its start";
            return false;
        }
        if (after[i] != kGuardByte) {
            *where = "past its end";
            return false;
        }
    }
    return true;
}

} // namespace

extern "C" {

void dhfake_report(const char* fmt, ...) {
    char buffer[2048];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(buffer, sizeof buffer, fmt, args);
    va_end(args);
    std::fprintf(stderr, "fake CUDA: %s\n", buffer);
    std::fflush(stderr);
}

void dhfake_make_current(void) { current = true; }
int dhfake_is_current(void) { return current ? 1 : 0; }

int dhfake_malloc(void** out, std::size_t bytes) {
    if (out == nullptr) {
        return 1;
    }
    std::lock_guard<std::mutex> g(lock);
    std::size_t size = bytes == 0 ? 1 : bytes;
    if (size > kCapacity - allocated) {
        *out = nullptr;
        return 2;   // cudaErrorMemoryAllocation
    }
    std::size_t total = ((size + 2 * kGuard) + 255) & ~std::size_t(255);
    unsigned char* base = static_cast<unsigned char*>(std::aligned_alloc(256, total));
    if (base == nullptr) {
        *out = nullptr;
        return 2;
    }
    std::memset(base, kGuardByte, kGuard);
    std::memset(base + kGuard, kFreshByte, size);
    std::memset(base + kGuard + size, kGuardByte, kGuard);
    allocations[reinterpret_cast<std::uintptr_t>(base + kGuard)] = size;
    allocated += size;
    *out = base + kGuard;
    return 0;
}

int dhfake_free(void* p, const char* call) {
    if (p == nullptr) {
        return 0;   // cudaFree(nullptr) is a no-op
    }
    std::lock_guard<std::mutex> g(lock);
    auto it = allocations.find(reinterpret_cast<std::uintptr_t>(p));
    if (it == allocations.end()) {
        dhfake_report("%s(%p): not the start of a live device allocation (double free, or a pointer that was never allocated)",
                      call, p);
        return 1;
    }
    const char* where;
    if (!guardsIntact(it->first, it->second, &where)) {
        dhfake_report("%s(%p): the %zu-byte device buffer was written %s", call, p, it->second, where);
    }
    std::memset(p, 0xEE, it->second);   // freed memory is garbage
    allocated -= it->second;
    allocations.erase(it);
    std::free(static_cast<unsigned char*>(p) - kGuard);
    return 0;
}

int dhfake_device_range(const void* p, std::size_t bytes) {
    std::uintptr_t a = reinterpret_cast<std::uintptr_t>(p);
    std::lock_guard<std::mutex> g(lock);
    auto it = allocations.upper_bound(a);
    if (it == allocations.begin()) {
        return 0;
    }
    --it;
    return a >= it->first && a - it->first <= it->second && bytes <= it->second - (a - it->first) ? 1 : 0;
}

int dhfake_is_device(const void* p) { return dhfake_device_range(p, 0); }

std::size_t dhfake_allocated(void) {
    std::lock_guard<std::mutex> g(lock);
    return allocated;
}

std::size_t dhfake_capacity(void) { return kCapacity; }

int dhfake_check_guards(const char* after) {
    std::lock_guard<std::mutex> g(lock);
    int bad = 0;
    for (auto& [start, bytes] : allocations) {
        const char* where;
        if (!guardsIntact(start, bytes, &where)) {
            dhfake_report("after %s: the %zu-byte device buffer at %p was written %s", after, bytes,
                          reinterpret_cast<void*>(start), where);
            // repair, so that the next check reports only new damage
            std::memset(reinterpret_cast<unsigned char*>(start) - kGuard, kGuardByte, kGuard);
            std::memset(reinterpret_cast<unsigned char*>(start) + bytes, kGuardByte, kGuard);
            bad = 1;
        }
    }
    return bad;
}

void* dhfake_stream_create(unsigned flags) {
    Stream* s = new Stream{kStreamMagic, flags};
    std::lock_guard<std::mutex> g(lock);
    streams.insert(s);
    return s;
}

int dhfake_stream_destroy(void* s) {
    std::lock_guard<std::mutex> g(lock);
    if (s == nullptr || streams.erase(s) == 0) {
        return 400;
    }
    static_cast<Stream*>(s)->magic = 0;
    delete static_cast<Stream*>(s);
    return 0;
}

int dhfake_stream_valid(void* s) {
    if (s == nullptr || s == reinterpret_cast<void*>(1) || s == reinterpret_cast<void*>(2)) {
        return 1;   // default (legacy, per-thread) streams
    }
    std::lock_guard<std::mutex> g(lock);
    return streams.count(s) ? 1 : 0;
}

void* dhfake_event_create(unsigned flags) {
    Event* e = new Event{kEventMagic, flags, false, {}};
    std::lock_guard<std::mutex> g(lock);
    events.insert(e);
    return e;
}

int dhfake_event_destroy(void* e) {
    std::lock_guard<std::mutex> g(lock);
    if (e == nullptr || events.erase(e) == 0) {
        return 400;
    }
    static_cast<Event*>(e)->magic = 0;
    delete static_cast<Event*>(e);
    return 0;
}

int dhfake_event_valid(void* e) {
    std::lock_guard<std::mutex> g(lock);
    return e != nullptr && events.count(e) ? 1 : 0;
}

int dhfake_event_record(void* e, void* s) {
    if (!dhfake_stream_valid(s)) {
        return 400;
    }
    std::lock_guard<std::mutex> g(lock);
    if (e == nullptr || !events.count(e)) {
        return 400;
    }
    Event* ev = static_cast<Event*>(e);
    ev->recorded = true;
    ev->when = std::chrono::steady_clock::now();
    return 0;
}

int dhfake_event_elapsed(float* ms, void* start, void* stop) {
    std::lock_guard<std::mutex> g(lock);
    if (ms == nullptr) {
        return 1;
    }
    if (start == nullptr || stop == nullptr || !events.count(start) || !events.count(stop)) {
        return 400;
    }
    Event* a = static_cast<Event*>(start);
    Event* b = static_cast<Event*>(stop);
    if ((a->flags & 2) || (b->flags & 2)) {
        return 400;   // cudaEventDisableTiming: cudaErrorInvalidResourceHandle
    }
    if (!a->recorded || !b->recorded) {
        return 600;   // cudaErrorNotReady
    }
    *ms = std::chrono::duration<float, std::milli>(b->when - a->when).count();
    return 0;
}

int dhfake_host_register(void* p, std::size_t bytes, unsigned flags) {
    if (p == nullptr || bytes == 0 || (flags & ~0x2Fu) != 0) {
        return 1;
    }
    if (dhfake_is_device(p)) {
        dhfake_report("cudaHostRegister(%p): that is device memory", p);
        return 1;
    }
    std::uintptr_t a = reinterpret_cast<std::uintptr_t>(p);
    std::lock_guard<std::mutex> g(lock);
    for (auto& [start, size] : registered) {
        if (a < start + size && start < a + bytes) {
            return 712;   // cudaErrorHostMemoryAlreadyRegistered
        }
    }
    registered[a] = bytes;
    return 0;
}

int dhfake_host_unregister(void* p) {
    std::lock_guard<std::mutex> g(lock);
    if (registered.erase(reinterpret_cast<std::uintptr_t>(p)) == 0) {
        return 713;   // cudaErrorHostMemoryNotRegistered
    }
    return 0;
}

} // extern "C"

// ------------------------------------------------------------------------------ driver API

namespace {

enum {
    CUDA_SUCCESS = 0,
    CUDA_ERROR_INVALID_VALUE = 1,
    CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_INVALID_IMAGE = 200,
    CUDA_ERROR_INVALID_CONTEXT = 201,
    CUDA_ERROR_INVALID_HANDLE = 400,
    CUDA_ERROR_NOT_FOUND = 500,
    CUDA_ERROR_ILLEGAL_ADDRESS = 700,
    CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
    CUDA_ERROR_LAUNCH_FAILED = 719,
    CUDA_ERROR_NOT_SUPPORTED = 801,
    CUDA_ERROR_INVALID_CLUSTER_SIZE = 912,
};

struct Entry {   // mirrors dh_fake::Entry (fake_module.h)
    const char* name;
    int (*launch)(unsigned, unsigned, unsigned, unsigned, unsigned, void**, int (*)(const void*, const char*, int), const char*, int);
    int clustered;
    int bounded;
    int barrierFree;
};

struct Module;
struct Function {
    unsigned magic;
    Module* module;
    const Entry* entry;
    bool nonPortableClusters;
    unsigned maxDynamicShared;   // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: 48 KiB until raised
};
struct Module {
    unsigned magic;
    void* handle;
    std::string path;
    const Entry* table;
    int threads;
    int cluster;
    int (*violations)();
    std::map<std::string, Function*> functions;
};
constexpr unsigned kModuleMagic = 0x4d4f444c;
constexpr unsigned kFunctionMagic = 0x46554e43;

std::mutex moduleLock;
std::set<Module*> modules;
std::set<Function*> liveFunctions;   // of loaded modules
std::mutex launchLock;               // the emulation runs one launch at a time
const char* launching = "";

const char* kImageMagic = "\x7f" "ELF" "DHFAKE01";

int checkKernelPointer(const void* p, const char* kernel, int index) {
    if (dhfake_is_device(p)) {
        return 0;
    }
    dhfake_report("cuLaunchKernel(%s): parameter %d (%p) is not device memory", kernel, index, p);
    return 1;
}

struct ErrorName {
    int code;
    const char* name;
    const char* text;
};
const ErrorName kErrors[] = {
    {0, "CUDA_SUCCESS", "no error"},
    {1, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {3, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
    {100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {101, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {200, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"},
    {201, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
    {400, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
    {500, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {700, "CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"},
    {701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", "too many resources requested for launch"},
    {719, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"},
    {801, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported"},
    {912, "CUDA_ERROR_INVALID_CLUSTER_SIZE", "invalid cluster size"},
};

} // namespace

extern "C" {

int cuInit(unsigned flags) { return flags == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE; }

int cuDriverGetVersion(int* v) {
    if (v == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *v = 13000;
    return CUDA_SUCCESS;
}

int cuGetErrorName(int error, const char** out) {
    if (out == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    for (const ErrorName& e : kErrors) {
        if (e.code == error) {
            *out = e.name;
            return CUDA_SUCCESS;
        }
    }
    *out = nullptr;
    return CUDA_ERROR_INVALID_VALUE;
}

int cuGetErrorString(int error, const char** out) {
    if (out == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    for (const ErrorName& e : kErrors) {
        if (e.code == error) {
            *out = e.text;
            return CUDA_SUCCESS;
        }
    }
    *out = nullptr;
    return CUDA_ERROR_INVALID_VALUE;
}

int cuModuleLoadData(void** module, const void* image) {
    if (module == nullptr || image == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (!current) {
        dhfake_report("cuModuleLoadData: no CUDA context is current on this thread");
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    const char* bytes = static_cast<const char*>(image);
    if (std::memcmp(bytes, kImageMagic, std::strlen(kImageMagic)) != 0) {
        dhfake_report("cuModuleLoadData: not an image made by the fake NVRTC");
        return CUDA_ERROR_INVALID_IMAGE;
    }
    std::string path(bytes + std::strlen(kImageMagic));
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        dhfake_report("cuModuleLoadData: %s", dlerror());
        return CUDA_ERROR_INVALID_IMAGE;
    }
    const Entry* table = static_cast<const Entry*>(dlsym(handle, "dh_fake_kernels"));
    const int* threads = static_cast<const int*>(dlsym(handle, "dh_fake_threads"));
    const int* cluster = static_cast<const int*>(dlsym(handle, "dh_fake_cluster"));
    auto violations = reinterpret_cast<int (*)()>(dlsym(handle, "dh_fake_violations"));
    if (table == nullptr || threads == nullptr || cluster == nullptr || violations == nullptr) {
        dhfake_report("cuModuleLoadData: %s has no kernel table", path.c_str());
        dlclose(handle);
        return CUDA_ERROR_INVALID_IMAGE;
    }
    Module* m = new Module{kModuleMagic, handle, path, table, *threads, *cluster, violations, {}};
    std::lock_guard<std::mutex> g(moduleLock);
    modules.insert(m);
    *module = m;
    return CUDA_SUCCESS;
}

int cuModuleUnload(void* module) {
    std::lock_guard<std::mutex> g(moduleLock);
    Module* m = static_cast<Module*>(module);
    if (m == nullptr || !modules.count(m)) {
        dhfake_report("cuModuleUnload(%p): not a loaded module (unloaded twice?)", module);
        return CUDA_ERROR_INVALID_HANDLE;
    }
    for (auto& [name, f] : m->functions) {
        liveFunctions.erase(f);
        f->magic = 0;   // handles of an unloaded module are invalid (kept allocated: stale use reports)
    }
    modules.erase(m);
    m->magic = 0;
    // The shared object stays mapped (no dlclose): the emulation's worker threads and its
    // process-wide (STB_GNU_UNIQUE) statics may live in it, and a reload finds it again.
    return CUDA_SUCCESS;
}

int cuModuleGetFunction(void** function, void* module, const char* name) {
    if (function == nullptr || name == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    std::lock_guard<std::mutex> g(moduleLock);
    Module* m = static_cast<Module*>(module);
    if (m == nullptr || !modules.count(m)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    auto found = m->functions.find(name);
    if (found != m->functions.end()) {
        *function = found->second;
        return CUDA_SUCCESS;
    }
    for (const Entry* e = m->table; e->name != nullptr; ++e) {
        if (std::strcmp(e->name, name) == 0) {
            Function* f = new Function{kFunctionMagic, m, e, false, 48 * 1024};
            m->functions[name] = f;
            liveFunctions.insert(f);
            *function = f;
            return CUDA_SUCCESS;
        }
    }
    return CUDA_ERROR_NOT_FOUND;
}

int cuFuncSetAttribute(void* function, int attribute, int value) {
    std::lock_guard<std::mutex> g(moduleLock);
    Function* f = static_cast<Function*>(function);
    if (f == nullptr || !liveFunctions.count(f)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    switch (attribute) {
        case 14:   // CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED
            f->nonPortableClusters = value != 0;
            return CUDA_SUCCESS;
        case 8:    // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES (sm_90: up to 227 KiB)
            if (value < 0 || value > 227 * 1024) {
                return CUDA_ERROR_INVALID_VALUE;
            }
            f->maxDynamicShared = (unsigned) value;
            return CUDA_SUCCESS;
        case 9:    // CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT
        case 13:   // CU_FUNC_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE
            return value >= 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
        default:
            return CUDA_ERROR_INVALID_VALUE;
    }
}

int cuOccupancyMaxActiveBlocksPerMultiprocessor(int* blocks, void* function, int blockSize, std::size_t dynamicShared) {
    if (blocks == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    std::lock_guard<std::mutex> g(moduleLock);
    Function* f = static_cast<Function*>(function);
    if (f == nullptr || !liveFunctions.count(f)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    bool fits = blockSize > 0 && blockSize <= 1024 && dynamicShared <= f->maxDynamicShared
                && !(f->entry->bounded && f->module->threads > 0 && blockSize > f->module->threads);
    *blocks = fits ? 1 : 0;
    return CUDA_SUCCESS;
}

struct LaunchConfig {   // mirrors CUlaunchConfig (cuda.h)
    unsigned gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes;
    void* hStream;
    void* attrs;
    unsigned numAttrs;
};

// The fake's 4 multiprocessors hold one block each: max(1, 4 / cluster) clusters of the module's CLUSTER when a
// block fits (as cuOccupancyMaxActiveBlocksPerMultiprocessor decides), else 0.
int cuOccupancyMaxActiveClusters(int* clusters, void* function, const LaunchConfig* config) {
    if (clusters == nullptr || config == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    int blocks = 0;
    int status = cuOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, function, (int) config->blockDimX, config->sharedMemBytes);
    if (status != CUDA_SUCCESS) {
        return status;
    }
    int cluster = static_cast<Function*>(function)->module->cluster;
    cluster = cluster > 0 ? cluster : 1;
    *clusters = blocks > 0 ? (4 / cluster > 1 ? 4 / cluster : 1) : 0;
    return CUDA_SUCCESS;
}

int cuLaunchKernel(void* function, unsigned gridX, unsigned gridY, unsigned gridZ, unsigned blockX, unsigned blockY,
                   unsigned blockZ, unsigned sharedBytes, void* stream, void** params, void** extra) {
    if (!current) {
        dhfake_report("cuLaunchKernel: no CUDA context is current on this thread");
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    Function* f = static_cast<Function*>(function);
    Module* m;
    {
        std::lock_guard<std::mutex> g(moduleLock);
        if (f == nullptr || !liveFunctions.count(f)) {
            dhfake_report("cuLaunchKernel(%p): not a function of a loaded module", function);
            return CUDA_ERROR_INVALID_HANDLE;
        }
        m = f->module;
    }
    const char* name = f->entry->name;
    if (!dhfake_stream_valid(stream)) {
        dhfake_report("cuLaunchKernel(%s): invalid stream %p", name, stream);
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (extra != nullptr) {
        dhfake_report("cuLaunchKernel(%s): the fake supports kernelParams only, not extra", name);
        return CUDA_ERROR_NOT_SUPPORTED;
    }
    if (gridX == 0 || gridY == 0 || gridZ == 0 || blockX == 0 || blockY == 0 || blockZ == 0
        || gridX > 0x7fffffffu || gridY > 65535 || gridZ > 65535 || (unsigned long) blockX * blockY * blockZ > 1024
        || sharedBytes > 227 * 1024 || sharedBytes % 16 != 0) {
        dhfake_report("cuLaunchKernel(%s): grid (%u, %u, %u), block (%u, %u, %u), %u bytes shared is out of range", name,
                      gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes);
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (sharedBytes > f->maxDynamicShared) {
        dhfake_report("cuLaunchKernel(%s): %u bytes of dynamic shared memory, but the function allows %u "
                      "(cuFuncSetAttribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) raises it past 48 KiB)", name,
                      sharedBytes, f->maxDynamicShared);
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (f->entry->bounded && m->threads > 0 && blockX * blockY * blockZ > (unsigned) m->threads) {
        return CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES;   // more threads than __launch_bounds__ allows
    }
    // Limits of the emulation (host_emulation.h), and of these kernels: they index with THREADS.
    if (gridZ != 1 || blockY != 1 || blockZ != 1 || blockX % 32 != 0) {
        dhfake_report("cuLaunchKernel(%s): the host emulation runs grids (x, y, 1) of blocks (32k, 1, 1) only", name);
        return CUDA_ERROR_NOT_SUPPORTED;
    }
    if (m->threads > 0 && blockX != (unsigned) m->threads) {
        dhfake_report("cuLaunchKernel(%s): %u threads per block, but the module was compiled with THREADS=%d "
                      "(the kernels assume blockDim.x = THREADS)", name, blockX, m->threads);
        return CUDA_ERROR_INVALID_VALUE;
    }
    unsigned cluster = f->entry->clustered ? (unsigned) m->cluster : 1;
    if (cluster > 8 && !f->nonPortableClusters) {
        return CUDA_ERROR_INVALID_CLUSTER_SIZE;   // clusters past 8 blocks need the opt-in attribute
    }
    if (cluster > 16 || gridX % cluster != 0) {
        dhfake_report("cuLaunchKernel(%s): grid.x = %u is not a multiple of the cluster size %u", name, gridX, cluster);
        return CUDA_ERROR_INVALID_CLUSTER_SIZE;
    }
    if (params == nullptr) {
        dhfake_report("cuLaunchKernel(%s): kernelParams is null", name);
        return CUDA_ERROR_INVALID_VALUE;
    }
    std::lock_guard<std::mutex> g(launchLock);
    launching = name;
    int found = f->entry->launch(gridX, gridY, blockX, cluster, sharedBytes, params, &checkKernelPointer, name,
                                 f->entry->barrierFree);
    if (found < 0) {
        return CUDA_ERROR_ILLEGAL_ADDRESS;
    }
    std::string after = std::string("kernel ") + name;
    if (dhfake_check_guards(after.c_str()) != 0) {
        return CUDA_ERROR_ILLEGAL_ADDRESS;
    }
    if (found > 0) {
        dhfake_report("cuLaunchKernel(%s): %d shared-memory guard or lifetime violations (see above)", name, found);
        return CUDA_ERROR_LAUNCH_FAILED;
    }
    return CUDA_SUCCESS;
}

} // extern "C"
