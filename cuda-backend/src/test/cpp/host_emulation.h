// Host emulation of the device primitives of downhill_kernels.cu, so that g++ compiles the very same
// kernel source and the kernels' logic can be checked on a machine without a GPU
// (HostEmulationTest, kernel_harness.cpp). Passed with
//     g++ -std=c++20 -pthread -DDOWNHILL_HOST_EMULATION -include host_emulation.h ...
//
// Model: every thread of a block is a real std::thread (from a pool, reused across launches). Blocks
// run cluster by cluster: the blocks of one cluster (clusterSize consecutive blocks in x) run
// concurrently, since they synchronise with each other; clusters run one after another.
//  - Shared memory is one 48 KiB arena per block: every DH_SHARED declaration of a kernel gets the
//    same offset in every thread, so the threads of a block share it and blocks do not. It starts as
//    0xFF bytes (NaN doubles), so a read of shared memory nobody wrote shows up as NaN; the bytes
//    between and after the allocations are guards, checked when the block's last thread exits, and
//    then the block's shared memory is poisoned again (it dies with the block).
//  - Dynamic shared memory (DH_DYNAMIC_SHARED; the launch's dynamicBytes, up to 227 KiB) follows each block's
//    arena, poisoned the same way. Asynchronous copies into it (dh_copy_async) are deferred: the destination
//    reads as NaN until a dh_copy_wait covers the copy's group, so a read before the wait shows up; a copy
//    still pending when its thread exits is a violation (the device would write into released memory).
//  - Distributed shared memory (dh_cluster_load) is checked deterministically: a block's memory read
//    by another block in some cluster phase must outlive the next cluster barrier, and every remote
//    read must still find the bytes it read at the barrier ending its phase (else its owner wrote
//    them in the same phase: a race).
//  - Barriers are std::barrier: an exited thread is NOT dropped from them, so a barrier that only
//    some threads reach deadlocks (the harness has a watchdog) instead of passing silently.
//  - Block sums replay the device's exact summation (warp butterflies, then warp 0 over the warps'
//    sums, through the kernel's own scratch), so results are bit-for-bit in the device's order.
// Under -fsanitize=thread the emulation is race-free, so any report is a race in a kernel.
#pragma once

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>
#if defined(DH_EMU_FIBERS) && !defined(__x86_64__)
#include <ucontext.h>
#endif

#define __device__
#define __global__
#define __host__
#define __forceinline__ inline

#define DH_KERNEL extern "C"
#define DH_BOUNDS
#define DH_CLUSTER_DIMS
#define DH_SHARED(type, name, count) type* const name = ::dh_emu::shared_alloc<type>((std::size_t) (count))
#define DH_DYNAMIC_SHARED(type, name) type* const name = ::dh_emu::dynamic_shared<type>()

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
    constexpr dim3() = default;
    constexpr dim3(unsigned x_, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

inline thread_local dim3 threadIdx;
inline thread_local dim3 blockIdx;
inline thread_local dim3 blockDim;
inline thread_local dim3 gridDim;

namespace dh_emu {

/** Shared memory per block (the device's default static limit). */
constexpr std::size_t kSharedBytes = 48 * 1024;
/** Most dynamic shared memory per block (the device's opt-in limit on sm_90: 227 KiB). */
constexpr std::size_t kMaxDynamicBytes = 227 * 1024;
/** Guard bytes left between two DH_SHARED allocations. */
constexpr std::size_t kGuard = 64;
/** Most values per thread dh_block_sums can take (ROWS). */
constexpr int kMaxRows = 32;

[[noreturn]] inline void fatal(const char* what) {
    std::fprintf(stderr, "host emulation: %s\n", what);
    std::fflush(stdout);
    std::fflush(stderr);
    std::abort();
}

struct Cluster;

/** Runs when every thread of the cluster has arrived at a cluster barrier, before any leaves it. */
struct PhaseEnd {
    Cluster* cluster;
    void operator()() noexcept;
};

/** An asynchronous copy not landed yet: where, and the bytes it will write. */
struct PendingCopy {
    unsigned char* dst;
    unsigned char bytes[sizeof(double)];
    std::size_t size;
};

/** One thread's asynchronous copies: those of its open group, then its committed groups, oldest first. */
struct Copies {
    std::vector<PendingCopy> open;
    std::vector<std::vector<PendingCopy>> committed;
};

/** A remote shared-memory read: where, and the bytes it returned. */
struct RemoteRead {
    const unsigned char* where;
    unsigned char bytes[sizeof(double)];
};

/**
 * The large buffers of a cluster (shared memory, the warp-shuffle exchange), kept per launching thread and
 * reused by its next cluster: allocated fresh, they were mmap'd and unmapped at every launch, which cost
 * more than small kernels do.
 */
struct ClusterStorage {
    std::vector<unsigned char> arena;
    std::vector<double> exchange;

    static ClusterStorage& local() {
        static thread_local ClusterStorage storage;
        return storage;
    }
};

/** The blocks of one cluster, running concurrently. */
struct Cluster {
    unsigned size;      // blocks
    unsigned threads;   // per block
    std::size_t dynamicBytes;                                    // per block, after its kSharedBytes
    unsigned char* arena = nullptr;                              // size × blockBytes() (ClusterStorage)
    double* exchangeData = nullptr;                              // per block: threads × kMaxRows (warp shuffles)
    std::vector<std::unique_ptr<std::barrier<>>> blockBarrier;  // per block
    std::unique_ptr<std::barrier<PhaseEnd>> clusterBarrier;
    std::vector<std::vector<std::pair<std::size_t, std::size_t>>> allocations;  // per block, by its thread 0
    std::unique_ptr<std::atomic<unsigned>[]> exited;             // per block: threads done
    // Lifetime of distributed shared memory, checked deterministically: block R's memory may be read
    // by another block in cluster phase e (after e cluster barriers) only if R's threads pass at
    // least e + 1 cluster barriers before they exit (the reader reaches barrier e + 1 after its read).
    std::unique_ptr<std::atomic<long>[]> lastRemoteRead;         // per block: latest phase it was read in, -1
    std::vector<long> exitPhase;                                 // per block: cluster barriers passed
    // Remote reads of the current phase, per thread (rank · threads + tid). At the barrier ending the
    // phase each must still find the bytes it read: if the owner rewrote them in the same phase, the
    // write raced with the read (had the write come first, the read returned the wrong value).
    std::vector<std::vector<RemoteRead>> remoteReads;
    std::vector<Copies> copies;                                  // per thread (rank · threads + tid)
    std::atomic<int> raced{0};
#ifdef DH_EMU_FIBERS
    struct FiberBarrier {
        unsigned expected;
        unsigned arrived;
        unsigned long generation;
    };
    std::vector<FiberBarrier> fiberBlockBarrier;   // per block
    FiberBarrier fiberClusterBarrier{0, 0, 0};
#endif

    Cluster(unsigned size_, unsigned threads_, std::size_t dynamicBytes_ = 0)
        : size(size_), threads(threads_), dynamicBytes(dynamicBytes_),
          clusterBarrier(std::make_unique<std::barrier<PhaseEnd>>((std::ptrdiff_t) size_ * threads_, PhaseEnd{this})),
          allocations(size_),
          exited(new std::atomic<unsigned>[size_]), lastRemoteRead(new std::atomic<long>[size_]),
          exitPhase(size_, 0), remoteReads((std::size_t) size_ * threads_),
          copies(dynamicBytes_ > 0 ? (std::size_t) size_ * threads_ : 0) {
        ClusterStorage& storage = ClusterStorage::local();
        if (storage.arena.size() < (std::size_t) size_ * blockBytes()) {
            storage.arena.resize((std::size_t) size_ * blockBytes());
        }
        if (storage.exchange.size() < (std::size_t) size_ * threads_ * kMaxRows) {
            storage.exchange.resize((std::size_t) size_ * threads_ * kMaxRows);
        }
        arena = storage.arena.data();
        exchangeData = storage.exchange.data();   // each value is written before it is read (block_sums)
        std::memset(arena, 0xFF, (std::size_t) size_ * blockBytes());
        for (unsigned b = 0; b < size_; ++b) {
            exited[b] = 0;
            lastRemoteRead[b] = -1;
        }
        for (unsigned b = 0; b < size_; ++b) {
            blockBarrier.push_back(std::make_unique<std::barrier<>>((std::ptrdiff_t) threads_));
        }
#ifdef DH_EMU_FIBERS
        fiberBlockBarrier.assign(size_, FiberBarrier{threads_, 0, 0});
        fiberClusterBarrier.expected = size_ * threads_;
#endif
    }
    std::size_t blockBytes() const { return kSharedBytes + dynamicBytes; }
    unsigned char* shared(unsigned rank) { return arena + (std::size_t) rank * blockBytes(); }
    double* exchange(unsigned rank) { return exchangeData + (std::size_t) rank * threads * kMaxRows; }

    /**
     * Called by the last thread of block `rank` to exit: returns 1 if a shared byte outside every
     * DH_SHARED allocation was written (reported), 0 if not; then poisons the block's shared memory.
     */
    int retire(unsigned rank, dim3 where) {
        // the gaps between the allocations (made at increasing offsets; sorted to be sure), each compared
        // with 0xFF bytes at memcmp's speed
        static const std::vector<unsigned char> untouched(kSharedBytes, 0xFF);
        std::vector<std::pair<std::size_t, std::size_t>> used = allocations[rank];
        std::sort(used.begin(), used.end());
        unsigned char* s = shared(rank);
        int bad = 0;
        std::size_t from = 0;
        for (std::size_t k = 0; k <= used.size() && !bad; ++k) {
            const std::size_t to = k < used.size() ? used[k].first : kSharedBytes;
            if (to > from && std::memcmp(s + from, untouched.data(), to - from) != 0) {
                std::size_t i = from;
                while (s[i] == 0xFF) {
                    ++i;
                }
                std::fprintf(stderr, "host emulation: block (%u, %u, %u) wrote shared byte %zu, "
                             "outside every DH_SHARED allocation\n", where.x, where.y, where.z, i);
                bad = 1;
            }
            if (k < used.size()) {
                from = std::max(from, used[k].first + used[k].second);
            }
        }
        std::memset(s, 0xFF, blockBytes());
        return bad;
    }
};

inline void PhaseEnd::operator()() noexcept {
    for (std::vector<RemoteRead>& reads : cluster->remoteReads) {
        for (const RemoteRead& r : reads) {
            if (std::memcmp(r.where, r.bytes, sizeof r.bytes) != 0) {
                if (cluster->raced.fetch_add(1) == 0) {
                    std::fprintf(stderr, "host emulation: distributed shared memory read raced with a write "
                                 "by its owner in the same cluster phase\n");
                }
            }
        }
        reads.clear();
    }
}

struct ThreadContext {
    Cluster* cluster = nullptr;
    unsigned rank = 0;          // block within the cluster
    std::size_t offset = 0;     // next free shared byte
    long phase = 0;             // cluster barriers passed
};
inline thread_local ThreadContext context;

/** Number of shared-memory guard and lifetime violations found so far. */
inline std::atomic<int> violations{0};

inline ThreadContext& ctx() {
    if (!context.cluster) {
        fatal("device primitive called outside a launch");
    }
    return context;
}

template <class T>
T* shared_alloc(std::size_t count) {
    ThreadContext& c = ctx();
    std::size_t start = (c.offset + 15) & ~(std::size_t) 15;
    std::size_t bytes = count * sizeof(T);
    if (start + bytes + kGuard > kSharedBytes) {
        fatal("DH_SHARED: more than 48 KiB of shared memory in one block");
    }
    if (threadIdx.x == 0 && threadIdx.y == 0 && threadIdx.z == 0) {
        c.cluster->allocations[c.rank].emplace_back(start, bytes);
    }
    c.offset = start + bytes + kGuard;
    return reinterpret_cast<T*>(c.cluster->shared(c.rank) + start);
}

/** This block's dynamic shared memory (DH_DYNAMIC_SHARED): the launch's dynamicBytes after its arena. */
template <class T>
T* dynamic_shared() {
    ThreadContext& c = ctx();
    if (c.cluster->dynamicBytes == 0) {
        fatal("DH_DYNAMIC_SHARED in a launch without dynamic shared memory");
    }
    return reinterpret_cast<T*>(c.cluster->shared(c.rank) + kSharedBytes);
}

/** The calling thread's asynchronous copies. */
inline Copies& thread_copies() {
    ThreadContext& c = ctx();
    if (c.cluster->copies.empty()) {
        fatal("dh_copy_async in a launch without dynamic shared memory");
    }
    return c.cluster->copies[(std::size_t) c.rank * c.cluster->threads + threadIdx.x];
}

/** Starts a copy of size bytes (src's, or zeros) to dst, which reads as NaN until a wait lands it. */
inline void copy_async(void* dst, const void* src, std::size_t size, bool valid) {
    ThreadContext& c = ctx();
    unsigned char* d = static_cast<unsigned char*>(dst);
    unsigned char* mine = c.cluster->shared(c.rank) + kSharedBytes;
    if (d < mine || d + size > mine + c.cluster->dynamicBytes || size > sizeof(double)) {
        fatal("dh_copy_async: destination outside this block's dynamic shared memory");
    }
    PendingCopy copy{d, {}, size};
    if (valid) {
        std::memcpy(copy.bytes, src, size);   // the source is read when the copy starts (it does not change in a pass)
    }
    thread_copies().open.push_back(copy);
    std::memset(d, 0xFF, size);
}

inline void copy_commit() {
    Copies& c = thread_copies();
    c.committed.push_back(std::move(c.open));
    c.open.clear();
}

/** Lands every committed group but the newest `pending`. */
inline void copy_wait(int pending) {
    Copies& c = thread_copies();
    while (c.committed.size() > (std::size_t) pending) {
        for (const PendingCopy& p : c.committed.front()) {
            std::memcpy(p.dst, p.bytes, p.size);
        }
        c.committed.erase(c.committed.begin());
    }
}

/** Copies the calling thread started but never waited for (each a violation: the device would land them late). */
inline int copies_left() {
    ThreadContext& c = ctx();
    if (c.cluster->copies.empty()) {
        return 0;
    }
    Copies& mine = c.cluster->copies[(std::size_t) c.rank * c.cluster->threads + threadIdx.x];
    std::size_t left = mine.open.size();
    for (const std::vector<PendingCopy>& g : mine.committed) {
        left += g.size();
    }
    mine.open.clear();
    mine.committed.clear();
    return left > 0 ? 1 : 0;
}

#ifdef DH_EMU_FIBERS
// Fiber mode (opt-in, used by the fake CUDA stack under src/test/fake-cuda): the threads of a cluster
// are fibers on the launching thread (their own stacks, switched by a few instructions on x86-64,
// by ucontext elsewhere), switched round robin at barriers, instead of OS threads. Same semantics (a barrier that only some threads reach deadlocks, and is reported as
// such); far cheaper on a machine with few cores. The per-thread variables (threadIdx, blockIdx,
// blockDim, gridDim, context) are saved and restored around every switch.
namespace fiber {

#if defined(__x86_64__)
// The switch between fibers: glibc's swapcontext makes two system calls (the signal mask) per switch,
// ~3 µs on a VM, which made the emulation's launches cost milliseconds; this one saves what the
// System V ABI says a callee keeps (rbx, rbp, r12–r15, the MXCSR and x87 control words) on the old
// stack, stores the stack pointer in *from and resumes the fiber whose stack pointer is `to`.
// A new fiber's stack is laid out as if it had switched away just before its first instruction.
__attribute__((naked, noinline)) static void switch_stack(void** /* from: rdi */, void* /* to: rsi */) {
    asm volatile(
        "pushq %rbp\n\t"
        "pushq %rbx\n\t"
        "pushq %r12\n\t"
        "pushq %r13\n\t"
        "pushq %r14\n\t"
        "pushq %r15\n\t"
        "subq $8, %rsp\n\t"
        "stmxcsr (%rsp)\n\t"
        "fnstcw 4(%rsp)\n\t"
        "movq %rsp, (%rdi)\n\t"
        "movq %rsi, %rsp\n\t"
        "ldmxcsr (%rsp)\n\t"
        "fldcw 4(%rsp)\n\t"
        "addq $8, %rsp\n\t"
        "popq %r15\n\t"
        "popq %r14\n\t"
        "popq %r13\n\t"
        "popq %r12\n\t"
        "popq %rbx\n\t"
        "popq %rbp\n\t"
        "ret\n\t");
}

struct Context {
    void* sp = nullptr;
};

/** Switches from the context saved into `from` to `to`. */
inline void swap(Context& from, const Context& to) { switch_stack(&from.sp, to.sp); }

/** Lays out `stack` so that the first swap to `c` enters start() (which must never return). */
inline void prepare(Context& c, char* stack, std::size_t bytes, void (*start)()) {
    std::uintptr_t top = (reinterpret_cast<std::uintptr_t>(stack) + bytes) & ~(std::uintptr_t) 15;
    void** sp = reinterpret_cast<void**>(top);
    *--sp = nullptr;                                  // start()'s return address: none (entry sees rsp ≡ 8 mod 16)
    *--sp = reinterpret_cast<void*>(start);           // popped by switch_stack's ret
    for (int r = 0; r < 6; ++r) {
        *--sp = nullptr;                              // rbp, rbx, r12–r15
    }
    std::uint32_t control[2] = {0, 0};
    asm volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(control[0]), "=m"(control[1]));
    *--sp = nullptr;
    std::memcpy(sp, control, sizeof control);         // the MXCSR and x87 control words of the launching thread
    c.sp = sp;
}
#else
struct Context {
    ucontext_t uc;
};

inline void swap(Context& from, const Context& to) { swapcontext(&from.uc, &to.uc); }

inline void prepare(Context& c, char* stack, std::size_t bytes, void (*start)()) {
    getcontext(&c.uc);
    c.uc.uc_stack.ss_sp = stack;
    c.uc.uc_stack.ss_size = bytes;
    c.uc.uc_link = nullptr;
    makecontext(&c.uc, start, 0);
}
#endif

struct Fiber {
    Context uc;
    char* stack = nullptr;
    bool done = false;
    dim3 t, b, bd, gd;
    ThreadContext c;
};

struct Scheduler {
    Context main;
    Context finished;   // where a finished fiber's last switch saves its (never resumed) state
    std::vector<Fiber> fibers;
    unsigned current = 0;
    unsigned long progress = 0;   // arrivals and exits: no change over a whole round is a deadlock
    void (*job)(void*, unsigned) = nullptr;
    void* arg = nullptr;

    ~Scheduler() {
        for (Fiber& f : fibers) {
            std::free(f.stack);
        }
    }
};

constexpr std::size_t kStackBytes = 256 * 1024;
inline thread_local Scheduler* active = nullptr;

[[noreturn]] inline void entry() {
    Scheduler* s = active;
    const unsigned i = s->current;
    s->job(s->arg, i);
    s->fibers[i].done = true;
    ++s->progress;
    swap(s->finished, s->main);
    fatal("a finished fiber was resumed");
}

/** Switches back to the scheduler; resumes later with this fiber's per-thread variables. */
inline void yield() {
    Scheduler* s = active;
    Fiber& f = s->fibers[s->current];
    f.t = threadIdx, f.b = blockIdx, f.bd = blockDim, f.gd = gridDim, f.c = context;
    swap(f.uc, s->main);
    Fiber& g = active->fibers[active->current];
    threadIdx = g.t, blockIdx = g.b, blockDim = g.bd, gridDim = g.gd, context = g.c;
}

/** Runs job(arg, i) for i < count as fibers on the calling thread; returns when all are done. */
inline void run(unsigned count, void (*job)(void*, unsigned), void* arg) {
    static thread_local Scheduler scheduler;
    Scheduler* s = &scheduler;
    if (active != nullptr) {
        fatal("fiber launch inside a fiber launch");
    }
    if (s->fibers.size() < count) {
        s->fibers.resize(count);
    }
    s->job = job;
    s->arg = arg;
    for (unsigned i = 0; i < count; ++i) {
        Fiber& f = s->fibers[i];
        if (f.stack == nullptr) {
            f.stack = static_cast<char*>(std::malloc(kStackBytes));
            if (f.stack == nullptr) {
                fatal("fiber stacks: out of memory");
            }
        }
        f.done = false;
        prepare(f.uc, f.stack, kStackBytes, &entry);
    }
    const dim3 t = threadIdx, b = blockIdx, bd = blockDim, gd = gridDim;
    const ThreadContext c = context;
    active = s;
    unsigned live = count;
    while (live > 0) {
        const unsigned long before = s->progress;
        for (unsigned i = 0; i < count; ++i) {
            if (!s->fibers[i].done) {
                s->current = i;
                swap(s->main, s->fibers[i].uc);
                if (s->fibers[i].done) {
                    --live;
                }
            }
        }
        if (live > 0 && s->progress == before) {
            fatal("barrier deadlock: some threads wait at a barrier that the others never reach");
        }
    }
    active = nullptr;
    threadIdx = t, blockIdx = b, blockDim = bd, gridDim = gd, context = c;
}

/** Arrives at b and waits (yielding) until every expected thread has arrived; `last` runs before any leaves. */
template <class F>
inline void arrive_and_wait(Cluster::FiberBarrier& b, F last) {
    ++active->progress;
    const unsigned long generation = b.generation;
    if (++b.arrived == b.expected) {
        b.arrived = 0;
        last();
        ++b.generation;
        return;
    }
    while (b.generation == generation) {
        yield();
    }
}

} // namespace fiber

inline void block_barrier() {
    ThreadContext& c = ctx();
    fiber::arrive_and_wait(c.cluster->fiberBlockBarrier[c.rank], [] {});
}
inline void cluster_barrier() {
    Cluster* cluster = ctx().cluster;
    fiber::arrive_and_wait(cluster->fiberClusterBarrier, [cluster] { PhaseEnd{cluster}(); });
    ++context.phase;
}
#else
inline void block_barrier() { ctx().cluster->blockBarrier[context.rank]->arrive_and_wait(); }
inline void cluster_barrier() {
    ctx().cluster->clusterBarrier->arrive_and_wait();
    ++context.phase;
}
#endif

inline void check_cluster(unsigned clusterMacro) {
    if (ctx().cluster->size != clusterMacro) {
        fatal("cluster primitive used in a launch whose cluster size is not CLUSTER");
    }
}

/** The value lane `lane` holds after `v += __shfl_xor_sync(~0u, v, mask)` for mask = first, first / 2, …, 1. */
inline double warp_butterfly(const double* lanes, unsigned lane, int first = 16) {
    double v[32];
    for (int l = 0; l < 32; ++l) {
        v[l] = lanes[l];
    }
    for (int mask = first; mask > 0; mask >>= 1) {
        double w[32];
        for (int l = 0; l < 32; ++l) {
            w[l] = v[l] + v[l ^ mask];
        }
        std::memcpy(v, w, sizeof v);
    }
    return v[lane];
}

/** The device's dh_block_sums (dh_block_sum for R = 1, stride 33 doubles of scratch per value). */
template <int R>
void block_sums(double* d, double* scratch, int live = R) {
    static_assert(R >= 1 && R <= kMaxRows, "ROWS out of range");
    ThreadContext& c = ctx();
    const unsigned tid = threadIdx.x;
    const unsigned warps = blockDim.x / 32;
    const unsigned lane = tid & 31;
    double* exchange = c.cluster->exchange(c.rank);
    for (int q = 0; q < live; ++q) {
        exchange[(std::size_t) q * blockDim.x + tid] = d[q];
    }
    block_barrier();   // the device's first __syncthreads (the warps' shuffles need no barrier there)
#ifdef DH_EMU_FIBERS
    if (tid == 0) {    // only lane 0's values are stored: the other lanes' replay is unobservable
#else
    if (tid < 32) {
#endif
        // Warp 0 replays every warp's butterfly (whose lane 0 stores scratch[q·33 + warp] on the
        // device), then its own over the warps' sums, as the device does.
        for (int q = 0; q < live; ++q) {
            double sums[32];
            for (unsigned w = 0; w < 32; ++w) {
                sums[w] = w < warps ? warp_butterfly(exchange + (std::size_t) q * blockDim.x + w * 32, 0) : 0.0;
                if (lane == 0 && w < warps) {
                    scratch[q * 33 + w] = sums[w];
                }
            }
            const double v = warp_butterfly(sums, lane);
            if (lane == 0) {
                scratch[q * 33 + 32] = v;
            }
        }
    }
    block_barrier();   // the device's second __syncthreads
    for (int q = 0; q < live; ++q) {
        d[q] = scratch[q * 33 + 32];
    }
}

/**
 * The threads that run the blocks: real std::threads, created once and reused by every launch
 * (creating hundreds of threads per cluster would cost more than the kernels).
 */
class Pool {
public:
    static Pool& instance() {
        static Pool pool;
        return pool;
    }

    /** Runs job(arg, i) for every i < count, each on its own thread, all concurrently; returns when all are done. */
    void run(unsigned count, void (*job_)(void*, unsigned), void* arg_) {
        while (workers.size() < count) {
            workers.push_back(std::make_unique<Worker>());
            Worker* w = workers.back().get();
            const unsigned index = (unsigned) workers.size() - 1;
            w->thread = std::thread([this, w, index] { loop(*w, index); });
        }
        job = job_;
        arg = arg_;
        remaining.store(count);
        for (unsigned i = 0; i < count; ++i) {
            workers[i]->go.fetch_add(1);
            workers[i]->go.notify_one();
        }
        for (unsigned r = remaining.load(); r != 0; r = remaining.load()) {
            remaining.wait(r);
        }
    }

    ~Pool() {
        stopping.store(true);
        for (auto& w : workers) {
            w->go.fetch_add(1);
            w->go.notify_one();
        }
        for (auto& w : workers) {
            w->thread.join();
        }
    }

private:
    struct alignas(64) Worker {
        std::atomic<unsigned> go{0};
        std::thread thread;
    };

    void loop(Worker& w, unsigned index) {
        unsigned seen = 0;
        for (;;) {
            w.go.wait(seen);
            seen = w.go.load();
            if (stopping.load()) {
                return;
            }
            job(arg, index);
            if (remaining.fetch_sub(1) == 1) {
                remaining.notify_one();
            }
        }
    }

    std::vector<std::unique_ptr<Worker>> workers;
    void (*job)(void*, unsigned) = nullptr;
    void* arg = nullptr;
    std::atomic<unsigned> remaining{0};
    std::atomic<bool> stopping{false};
};

/** One cluster of a launch. */
struct ClusterRun {
    Cluster* cluster;
    dim3 grid, block;
    unsigned x0, y, z;
    void (*body)(const void*);
    const void* arg;
    std::atomic<int>* found;

    /** Thread i of the cluster: thread i % block.x of its block i / block.x. */
    static void thread(void* self, unsigned i) {
        const ClusterRun& r = *static_cast<const ClusterRun*>(self);
        const unsigned rank = i / r.block.x;
        threadIdx = dim3(i % r.block.x, 0, 0);
        blockIdx = dim3(r.x0 + rank, r.y, r.z);
        blockDim = r.block;
        gridDim = r.grid;
        context.cluster = r.cluster;
        context.rank = rank;
        context.offset = 0;
        context.phase = 0;
        r.body(r.arg);
        if (copies_left() != 0) {
            std::fprintf(stderr, "host emulation: thread %u of block %u exited with asynchronous copies still in flight "
                         "(no dh_copy_wait covered them)\n", threadIdx.x, blockIdx.x);
            ++*r.found;
        }
        context.cluster = nullptr;
        if (r.cluster->exited[rank].fetch_add(1) + 1 == r.block.x) {
            // The block's last thread: check its guards, then its shared memory dies (a later read
            // of it by another block shows up as NaN or, under -fsanitize=thread, as a race).
            r.cluster->exitPhase[rank] = context.phase;
            *r.found += r.cluster->retire(rank, blockIdx);
        }
    }
};

/** Runs body(arg) in every thread of `grid`; see launch_kernel. Returns the violations found. */
inline int run_grid(dim3 grid, dim3 block, unsigned clusterSize, void (*body)(const void*), const void* arg,
                    std::size_t dynamicBytes = 0) {
    if (dynamicBytes > kMaxDynamicBytes || dynamicBytes % 16 != 0) {
        fatal("launch: dynamic shared memory must be a multiple of 16 bytes, at most 227 KiB");
    }
    if (block.y != 1 || block.z != 1 || block.x == 0 || block.x % 32 != 0 || block.x > 1024) {
        fatal("launch: blockDim must be (32k, 1, 1), at most 1024");
    }
    if (clusterSize == 0 || grid.x % clusterSize != 0) {
        fatal("launch: gridDim.x must be a multiple of the cluster size");
    }
    std::atomic<int> found{0};
    for (unsigned z = 0; z < grid.z; ++z) {
        for (unsigned y = 0; y < grid.y; ++y) {
            for (unsigned x0 = 0; x0 < grid.x; x0 += clusterSize) {
                Cluster cluster(clusterSize, block.x, dynamicBytes);
                ClusterRun run{&cluster, grid, block, x0, y, z, body, arg, &found};
#ifdef DH_EMU_FIBERS
                fiber::run(clusterSize * block.x, &ClusterRun::thread, &run);
#else
                Pool::instance().run(clusterSize * block.x, &ClusterRun::thread, &run);
#endif
                if (cluster.raced.load() != 0) {
                    ++found;
                }
                for (unsigned rank = 0; rank < clusterSize; ++rank) {
                    if (cluster.lastRemoteRead[rank] >= cluster.exitPhase[rank]) {
                        std::fprintf(stderr, "host emulation: block %u's shared memory was read by another block of "
                                     "its cluster after its last cluster barrier (it may have exited)\n", x0 + rank);
                        ++found;
                    }
                }
            }
        }
    }
    violations += found.load();
    return found.load();
}

template <class K, class T>
struct Call {
    K kernel;
    T params;
    static void run(const void* self) {
        const Call* call = static_cast<const Call*>(self);
        T copy = call->params;   // kernel parameters are per thread
        std::apply(call->kernel, copy);
    }
};

/** launch_kernel with `dynamicBytes` of dynamic shared memory per block (DH_DYNAMIC_SHARED). */
template <class... P, class... A>
int launch_kernel_dynamic(void (*kernel)(P...), dim3 grid, dim3 block, unsigned clusterSize, std::size_t dynamicBytes,
                          A&&... args) {
    static_assert(sizeof...(P) == sizeof...(A), "wrong number of kernel arguments");
    typedef Call<void (*)(P...), std::tuple<std::decay_t<P>...>> C;
    const C call{kernel, std::tuple<std::decay_t<P>...>(std::forward<A>(args)...)};
    return run_grid(grid, block, clusterSize, &C::run, &call, dynamicBytes);
}

/**
 * Runs kernel(args...) on `grid` blocks of `block.x` threads (block.y = block.z = 1), the blocks of
 * a cluster (clusterSize consecutive blocks in x) concurrently, clusters one after another.
 * Returns the number of shared-memory guard and lifetime violations found.
 */
template <class... P, class... A>
int launch_kernel(void (*kernel)(P...), dim3 grid, dim3 block, unsigned clusterSize, A&&... args) {
    return launch_kernel_dynamic(kernel, grid, block, clusterSize, 0, std::forward<A>(args)...);
}

} // namespace dh_emu

// ------------------------------------------------------------------------------ the kernels' primitives

static inline void dh_sync() { ::dh_emu::block_barrier(); }

template <class T>
static inline T dh_load_stream(const T* p) { return *p; }

template <class T>
static inline T dh_load_cached(const T* p) { return *p; }

// Macros so that CLUSTER and ROWS are read where the kernels use them (the .cu defines their defaults
// after this header).
#define dh_cluster_rank() (::dh_emu::check_cluster(CLUSTER), (unsigned) (blockIdx.x % (CLUSTER)))
#define dh_cluster_id() (::dh_emu::check_cluster(CLUSTER), (unsigned) (blockIdx.x / (CLUSTER)))
#define dh_cluster_count() (::dh_emu::check_cluster(CLUSTER), (unsigned) (gridDim.x / (CLUSTER)))
#define dh_cluster_sync() (::dh_emu::check_cluster(CLUSTER), ::dh_emu::cluster_barrier())
#define dh_block_sums(d, scratch) ::dh_emu::block_sums<ROWS>((d), (scratch))
#define dh_block_sums_upto(d, scratch, live) ::dh_emu::block_sums<ROWS>((d), (scratch), (live))

/** The device's cp.async of one value (see copy_async). */
template <class T>
static inline void dh_copy_async(T* dst, const T* src, bool valid) { ::dh_emu::copy_async(dst, src, sizeof(T), valid); }
static inline void dh_copy_commit() { ::dh_emu::copy_commit(); }
template <int N>
static inline void dh_copy_wait() { ::dh_emu::copy_wait(N); }

/** The device's L2 prefetch hint: nothing to emulate. */
static inline void dh_prefetch_l2(const void*) {}

/** The device's dh_mul: one rounded product (g++ contracts nothing at the baseline x86-64 ISA). */
static inline double dh_mul(double a, double b) { return a * b; }
static inline float dh_mul(float a, float b) { return a * b; }

/** Reads the double at `local`'s offset in the shared memory of block `rank` of this cluster. */
static inline double dh_cluster_load(const double* local, unsigned rank) {
    ::dh_emu::ThreadContext& c = ::dh_emu::ctx();
    const unsigned char* mine = c.cluster->shared(c.rank);
    const unsigned char* p = reinterpret_cast<const unsigned char*>(local);
    if (p < mine || p + sizeof(double) > mine + ::dh_emu::kSharedBytes) {
        ::dh_emu::fatal("dh_cluster_load: pointer is not in this block's shared memory");
    }
    if (rank >= c.cluster->size) {
        ::dh_emu::fatal("dh_cluster_load: rank out of range");
    }
    if (rank != c.rank) {
        std::atomic<long>& last = c.cluster->lastRemoteRead[rank];
        long seen = last.load();
        while (seen < c.phase && !last.compare_exchange_weak(seen, c.phase)) {
        }
    }
    const unsigned char* remote = c.cluster->shared(rank) + (p - mine);
    double v;
    std::memcpy(&v, remote, sizeof v);
    if (rank != c.rank) {
        ::dh_emu::RemoteRead read{remote, {}};
        std::memcpy(read.bytes, &v, sizeof v);
        c.cluster->remoteReads[(std::size_t) c.rank * c.cluster->threads + threadIdx.x].push_back(read);
    }
    return v;
}

/**
 * The device's dh_cluster_sum, called by every lane of warp 0: lane c < CLUSTER reads block c's double at `local`'s
 * offset, then a butterfly over masks CLUSTER/2 … 1; returns the calling lane's value (lane 0: the cluster's sum).
 * Here every calling thread reads every block's copy (the same race checks) and replays the butterfly.
 */
static inline double dh_cluster_sum_of(const double* local, unsigned cluster) {
    double lanes[32] = {};
    for (unsigned r = 0; r < cluster; ++r) {
        lanes[r] = dh_cluster_load(local, r);
    }
    return ::dh_emu::warp_butterfly(lanes, threadIdx.x & 31, (int) cluster / 2);
}
#define dh_cluster_sum(local) dh_cluster_sum_of((local), CLUSTER)

/** The device's float64 atomicAdd (sm_60+): returns the old value. */
static inline double atomicAdd(double* address, double v) {
    return std::atomic_ref<double>(*address).fetch_add(v);
}

/** The device's dh_block_sum: the block's sum, the same value in every thread. */
static inline double dh_block_sum(double v, double* scratch) {
    ::dh_emu::block_sums<1>(&v, scratch);
    return v;
}
