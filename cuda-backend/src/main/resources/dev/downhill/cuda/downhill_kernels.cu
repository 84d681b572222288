// downhill's CUDA kernels. Compiled at run time by NVRTC for the device's compute capability
// (dev.downhill.cuda.KernelCompiler), once per precision and fused-kernel shape; the build also
// compiles every variant with `nvcc -ptx` (KernelSourceTest) and runs the kernels' logic on the host
// under an emulation header (HostEmulationTest, DOWNHILL_HOST_EMULATION).
//
// Macros (set with -D by the compiler):
//   REAL     float | double: the precision of X, y and every vector
//   THREADS  threads per block of every kernel (a power of two, 32..1024)
//   KPT      fused_gradient: columns each thread holds per row (registers)
//   CLUSTER  fused_gradient: blocks per thread-block cluster sharing one row (1, 2, 4, 8 or 16)
//   ROWS     fused_gradient: rows reduced together per barrier
//   STAGES   fused_gradient: 0 (X's rows in registers, the next group loaded while the current one is reduced), or
//            2..8: X staged through dynamic shared memory by asynchronous copies (cp.async), STAGES − 1 groups of ROWS
//            rows in flight while one is reduced, θ's slice in shared memory too (launch with DH_STAGED_BYTES of dynamic shared memory).
//            The same arithmetic in the same order either way, so the same bits.
//
// Determinism: no float atomics. Every reduction has a fixed shape that depends only on the
// launch configuration (grid size, THREADS, CLUSTER), so the same device gives bit-identical
// results run to run. Sums are accumulated in float64.
//
// Memory: every pointer argument is device memory. X is row-major (C order), m × n.
//
// Sample weights: kernels taking `w` (float64, indexed like y; null when unweighted — then the
// code computes exactly what it did without weights) multiply each row's contribution by w_i.

#ifndef REAL
#define REAL float
#endif
#ifndef THREADS
#define THREADS 512
#endif
#ifndef KPT
#define KPT 1
#endif
#ifndef CLUSTER
#define CLUSTER 1
#endif
#ifndef ROWS
#define ROWS 1
#endif
#ifndef STAGES
#define STAGES 0
#endif
#if STAGES == 1 || STAGES > 8
#error "STAGES must be 0 or 2..8"
#endif
/** Dynamic shared memory fused_gradient needs (bytes): the block's θ slice and STAGES × ROWS rows of its X slice. */
#define DH_STAGED_BYTES (((STAGES) * (ROWS) + 1) * (KPT) * (THREADS) * (int) sizeof(REAL))

typedef long long i64;

#ifndef DOWNHILL_HOST_EMULATION
// ------------------------------------------------------------------------------ device primitives
#define DH_KERNEL extern "C" __global__
#define DH_BOUNDS __launch_bounds__(THREADS, 1)
#define DH_SHARED(type, name, count) __shared__ type name[count]
#if CLUSTER > 1
#define DH_CLUSTER_DIMS __cluster_dims__(CLUSTER, 1, 1)
#else
#define DH_CLUSTER_DIMS
#endif


/** Load of data every row reuses (θ): read-only cache. */
static __device__ __forceinline__ REAL dh_load_cached(const REAL* p) { return __ldg(p); }

/** Streaming load of X (read once per pass: evict first, do not pollute L1). */
static __device__ __forceinline__ REAL dh_load_stream(const REAL* p) { return __ldcs(p); }

/** Barrier over the block's threads; orders their shared- and global-memory accesses. */
static __device__ __forceinline__ void dh_sync() { __syncthreads(); }

#if CLUSTER > 1

static __device__ __forceinline__ unsigned dh_cluster_rank() {
    unsigned r;
    asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
    return r;
}
static __device__ __forceinline__ unsigned dh_cluster_id() {
    unsigned r;
    asm volatile("mov.u32 %0, %%clusterid.x;" : "=r"(r));
    return r;
}
static __device__ __forceinline__ unsigned dh_cluster_count() {
    unsigned r;
    asm volatile("mov.u32 %0, %%nclusterid.x;" : "=r"(r));
    return r;
}
/** Barrier over every thread of every block of the cluster; orders shared-memory writes before it. */
static __device__ __forceinline__ void dh_cluster_sync() {
    asm volatile("barrier.cluster.arrive.release.aligned;\n\tbarrier.cluster.wait.acquire.aligned;" ::: "memory");
}
/** Reads the double at {@code local}'s address in the shared memory of block {@code rank} of this cluster. */
static __device__ __forceinline__ double dh_cluster_load(const double* local, unsigned rank) {
    unsigned address = (unsigned) __cvta_generic_to_shared(local);
    unsigned remote;
    asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(remote) : "r"(address), "r"(rank));
    double v;
    asm volatile("ld.shared::cluster.f64 %0, [%1];" : "=d"(v) : "r"(remote) : "memory");
    return v;
}
/**
 * Σ over the cluster's blocks of the double at {@code local}'s address, called by every lane of warp 0 (lane 0
 * gets the sum): lane c < CLUSTER reads block c's copy, all at once, then a butterfly over the first CLUSTER lanes
 * (a fixed order). One remote-load latency instead of CLUSTER of them in a chain.
 */
static __device__ __forceinline__ double dh_cluster_sum(const double* local) {
    const unsigned lane = threadIdx.x & 31;
    double v = lane < CLUSTER ? dh_cluster_load(local, lane) : 0.0;
    #pragma unroll
    for (int mask = CLUSTER / 2; mask > 0; mask >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, mask);
    }
    return v;
}
#else
static __device__ __forceinline__ unsigned dh_cluster_rank() { return 0; }
static __device__ __forceinline__ unsigned dh_cluster_id() { return blockIdx.x; }
static __device__ __forceinline__ unsigned dh_cluster_count() { return gridDim.x; }
#endif

/** Sum over the block, the same value returned to every thread. scratch: 33 doubles of shared memory. */
static __device__ __forceinline__ double dh_block_sum(double v, double* scratch) {
    #pragma unroll
    for (int mask = 16; mask > 0; mask >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, mask);   // butterfly: every lane ends with the same value
    }
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    if (warp == 0) {
        v = lane < THREADS / 32 ? scratch[lane] : 0.0;
        #pragma unroll
        for (int mask = 16; mask > 0; mask >>= 1) {
            v += __shfl_xor_sync(0xffffffffu, v, mask);
        }
        if (lane == 0) {
            scratch[32] = v;
        }
    }
    __syncthreads();
    return scratch[32];
}

/**
 * d[q] ← Σ over the block of d[q] for q < live (≤ ROWS; the others are left as they are), with one pair of barriers.
 * scratch: ROWS·33 doubles. Each sum's order does not depend on live.
 */
static __device__ __forceinline__ void dh_block_sums_upto(double* d, double* scratch, int live) {
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    #pragma unroll
    for (int q = 0; q < ROWS; ++q) {
        if (q < live) {
            double v = d[q];
            #pragma unroll
            for (int mask = 16; mask > 0; mask >>= 1) {
                v += __shfl_xor_sync(0xffffffffu, v, mask);
            }
            if (lane == 0) {
                scratch[q * 33 + warp] = v;
            }
        }
    }
    __syncthreads();
    if (warp == 0) {
        #pragma unroll
        for (int q = 0; q < ROWS; ++q) {
            if (q < live) {
                double v = lane < THREADS / 32 ? scratch[q * 33 + lane] : 0.0;
                #pragma unroll
                for (int mask = 16; mask > 0; mask >>= 1) {
                    v += __shfl_xor_sync(0xffffffffu, v, mask);
                }
                if (lane == 0) {
                    scratch[q * 33 + 32] = v;
                }
            }
        }
    }
    __syncthreads();
    #pragma unroll
    for (int q = 0; q < ROWS; ++q) {
        if (q < live) {
            d[q] = scratch[q * 33 + 32];
        }
    }
}

/** d[q] ← Σ over the block of d[q], for q < ROWS, with one pair of barriers. scratch: ROWS·33 doubles. */
static __device__ __forceinline__ void dh_block_sums(double* d, double* scratch) {
    dh_block_sums_upto(d, scratch, ROWS);
}

/** Asks for the 128-byte line at p to be brought into L2 (a hint with no result; callers pass addresses inside X). */
[[maybe_unused]] static __device__ __forceinline__ void dh_prefetch_l2(const void* p) {
    asm volatile("prefetch.global.L2 [%0];" ::"l"(p));
}

/** The kernel's dynamic shared memory (as many bytes as the launch gives), as an array of `type`. */
#define DH_DYNAMIC_SHARED(type, name) \
    extern __shared__ __align__(16) unsigned char dh_dynamic_shared[]; \
    type* const name = reinterpret_cast<type*>(dh_dynamic_shared)

/**
 * Starts copying the value at src (global memory) to dst (this block's shared memory) without waiting (cp.async,
 * sm_80+): it lands once a later dh_copy_wait covers the group dh_copy_commit closes around it. valid false writes
 * zero instead and reads nothing (src must still be a global address).
 */
[[maybe_unused]] static __device__ __forceinline__ void dh_copy_async(REAL* dst, const REAL* src, bool valid) {
    const unsigned d = (unsigned) __cvta_generic_to_shared(dst);
    asm volatile("cp.async.ca.shared.global [%0], [%1], %2, %3;" ::"r"(d), "l"(src), "n"((int) sizeof(REAL)),
                 "r"(valid ? (int) sizeof(REAL) : 0) : "memory");
}
/** Closes the group of the copies this thread started since the last commit. */
[[maybe_unused]] static __device__ __forceinline__ void dh_copy_commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }
/** Waits until at most N of this thread's committed groups are still in flight (the older ones have landed). */
template <int N>
[[maybe_unused]] static __device__ __forceinline__ void dh_copy_wait() { asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory"); }

/** a·b rounded once, never contracted into a neighbouring addition (the product a separate kernel would store). */
[[maybe_unused]] static __device__ __forceinline__ double dh_mul(double a, double b) { return __dmul_rn(a, b); }
[[maybe_unused]] static __device__ __forceinline__ float dh_mul(float a, float b) { return __fmul_rn(a, b); }
#endif // !DOWNHILL_HOST_EMULATION

/** Row index of position {@code r} of a pass: order[first + r], or first + r when order is null. */
static __device__ __forceinline__ i64 dh_row(const i64* order, i64 first, i64 r) {
    return order ? order[first + r] : first + r;
}

/**
 * d[q] ← the sum over the cluster's blocks of their d[q] (q < ROWS), through distributed shared memory (warp 0 reads
 * every block's copy at once, then a fixed butterfly: the same order every time); nothing without clusters. Slots are
 * double-buffered by group parity p: group g+2 rewrites slot[p] only after every block passed the cluster barrier of
 * group g+1, i.e. after every block finished reading group g's slots. slot: 2·ROWS, total: ROWS doubles of shared memory.
 */
static __device__ __forceinline__ void dh_cluster_sums(double* d, double* slot, double* total, int p) {
#if CLUSTER > 1
    const int tid = threadIdx.x;
    if (tid == 0) {
        #pragma unroll
        for (int q = 0; q < ROWS; ++q) {
            slot[p * ROWS + q] = d[q];
        }
    }
    dh_cluster_sync();
    if (tid < 32) {
        #pragma unroll
        for (int q = 0; q < ROWS; ++q) {
            const double t = dh_cluster_sum(&slot[p * ROWS + q]);
            if (tid == 0) {
                total[q] = t;
            }
        }
    }
    dh_sync();
    #pragma unroll
    for (int q = 0; q < ROWS; ++q) {
        d[q] = total[q];
    }
#endif
}

/**
 * The rows r + q &lt; r1 of a reduced group (d[q] = x_iᵀθ over the whole row): r_i = d[q] + b − τ·y_i and w_i·r_i
 * (rounded once, dh_mul: it is used three times, so no instantiation may fuse it into one of them); thread 0 adds
 * Σ w_i·r_i² and Σ w_i·r_i, every thread acc[k] += w_i·r_i·x(q, k) for its columns, x(q, k) the value it holds of row q
 * (from its registers or its shared-memory slots).
 */
template <class Value>
static __device__ __forceinline__ void dh_rows_accumulate(const REAL* __restrict__ y, const double* __restrict__ w,
                                                          const i64* __restrict__ order, i64 first, i64 r, i64 r1, double b,
                                                          double tau, const double* d, double* acc, double& sumSquares,
                                                          double& sum, Value x) {
    #pragma unroll
    for (int q = 0; q < ROWS; ++q) {
        if (r + q < r1) {
            const i64 row = dh_row(order, first, r + q);
            const double residual = d[q] + (b - tau * (double) y[row]);
            const double weighted = w ? dh_mul(w[row], residual) : residual;
            if (threadIdx.x == 0) {
                sumSquares += weighted * residual;
                sum += weighted;
            }
            #pragma unroll
            for (int k = 0; k < KPT; ++k) {
                acc[k] += weighted * (double) x(q, k);
            }
        }
    }
}

// ------------------------------------------------------------------------------ fused gradient
//
// One pass over the rows {@code dh_row(order, first, r)}, r in [0, count):
//     r_i = x_iᵀθ + b − τ·y_i,     gpartial[c][j] = Σ_{i in cluster c's rows} w_i·r_i·X_ij,
//     spartial[c] = (Σ w_i·r_i², Σ w_i·r_i)          (w_i = 1 when w is null)
// Each cluster (CLUSTER blocks) takes a contiguous range of the pass's rows, ROWS rows at a time.
// Block `rank` of the cluster owns the columns [rank·W, min(n, (rank+1)·W)), W = ceil(n / CLUSTER);
// thread t holds columns rank·W + t + k·THREADS (k < KPT) of the current ROWS rows in registers
// (θ comes from the read-only cache), so X is read from memory exactly once: the rows' dot
// products are reduced over the block, then over the cluster through distributed shared memory
// (warp 0 reads every block's sum at once, then a fixed butterfly), and the same registers update
// the thread's float64 accumulators. The next ROWS rows are loaded while the current ones are reduced.
// Requires W ≤ THREADS·KPT, gridDim.x a multiple of CLUSTER, blockDim.x = THREADS.
// Writes gpartial[cluster][n] (float64) and spartial[cluster][2]; accumulate_partials adds them up.
// dh_fused_rows: the body of one cluster of fused_gradient — the rows at positions [r0, r1) of the pass, the
// columns [c0, c1) of this block — returning the thread's float64 accumulators acc[k] (column c0 + tid + k·THREADS)
// and, in thread 0, the cluster's (Σ w_i·r_i², Σ w_i·r_i). EPOCH (epoch_batches, one block, CLUSTER = 1): θ is read
// with plain loads (the kernel writes it between calls: the read-only cache would be stale) and only the groups'
// real rows are reduced (the sums of those rows are the same; the empty slots of a short last group are skipped).
template <bool EPOCH>
static __device__ __forceinline__ void dh_fused_rows(
        const REAL* __restrict__ X, const REAL* __restrict__ y, const double* __restrict__ w, const REAL* theta,
        double b, double tau, int n, const i64* __restrict__ order, i64 first, i64 r0, i64 r1, int c0, int c1,
        double* scratch, double* slot, double* total, double* acc, double& sumSquares, double& sum) {
    const int tid = threadIdx.x;
    REAL cur[ROWS][KPT];
    REAL nxt[ROWS][KPT];
    #pragma unroll
    for (int k = 0; k < KPT; ++k) {
        acc[k] = 0.0;
    }
    #pragma unroll
    for (int q = 0; q < ROWS; ++q) {
        const REAL* row = r0 + q < r1 ? X + dh_row(order, first, r0 + q) * (i64) n : 0;
        #pragma unroll
        for (int k = 0; k < KPT; ++k) {
            const int col = c0 + tid + k * THREADS;
            cur[q][k] = row && col < c1 ? dh_load_stream(row + col) : (REAL) 0;
            nxt[q][k] = (REAL) 0;
        }
    }
    sumSquares = 0.0;
    sum = 0.0;
    for (i64 r = r0; r < r1; r += ROWS) {
        #pragma unroll
        for (int q = 0; q < ROWS; ++q) {
            const REAL* row = r + ROWS + q < r1 ? X + dh_row(order, first, r + ROWS + q) * (i64) n : 0;
            #pragma unroll
            for (int k = 0; k < KPT; ++k) {
                const int col = c0 + tid + k * THREADS;
                nxt[q][k] = row && col < c1 ? dh_load_stream(row + col) : (REAL) 0;
            }
        }
        double d[ROWS];
        #pragma unroll
        for (int q = 0; q < ROWS; ++q) {
            d[q] = 0.0;
        }
        #pragma unroll
        for (int k = 0; k < KPT; ++k) {
            const int col = c0 + tid + k * THREADS;
            const double t = col < c1 ? (double) (EPOCH ? theta[col] : dh_load_cached(theta + col)) : 0.0;
            #pragma unroll
            for (int q = 0; q < ROWS; ++q) {
                d[q] += (double) cur[q][k] * t;
            }
        }
        if (EPOCH) {
            dh_block_sums_upto(d, scratch, r1 - r < ROWS ? (int) (r1 - r) : ROWS);
        } else {
            dh_block_sums(d, scratch);
        }
        dh_cluster_sums(d, slot, total, (int) (((r - r0) / ROWS) & 1));
        dh_rows_accumulate(y, w, order, first, r, r1, b, tau, d, acc, sumSquares, sum,
                           [&](int q, int k) { return cur[q][k]; });
        #pragma unroll
        for (int q = 0; q < ROWS; ++q) {
            #pragma unroll
            for (int k = 0; k < KPT; ++k) {
                cur[q][k] = nxt[q][k];
            }
        }
    }
}

#if STAGES >= 2
/**
 * Starts the copies of row group `group` of [r0, r1) (rows r0 + group·ROWS + q, q < ROWS) into stage `group mod STAGES`
 * of `stage`, this thread's own columns only — column c0 + tid + k·THREADS of row q at
 * stage[((s·ROWS + q)·KPT + k)·THREADS + tid] — zeros past r1 and c1 (what the register path holds there), then
 * closes the group. Groups past the last are empty (closed all the same, so that every iteration counts one).
 */
static __device__ __forceinline__ void dh_stage_group(const REAL* __restrict__ X, int n, const i64* __restrict__ order,
                                                      i64 first, i64 r0, i64 r1, int c0, int c1, i64 group,
                                                      REAL* stage) {
    const int tid = threadIdx.x;
    const i64 r = r0 + group * ROWS;
    if (r < r1) {
        REAL* s = stage + (i64) (group % STAGES) * ROWS * KPT * THREADS;
        #pragma unroll
        for (int q = 0; q < ROWS; ++q) {
            const bool live = r + q < r1;
            const REAL* row = live ? X + dh_row(order, first, r + q) * (i64) n : X;
            #pragma unroll 1
            for (int k = 0; k < KPT; ++k) {   // not unrolled: KPT addresses at once would spill
                const int col = c0 + tid + k * THREADS;
                const bool valid = live && col < c1;
                dh_copy_async(s + (q * KPT + k) * THREADS + tid, valid ? row + col : X, valid);
            }
        }
    }
    dh_copy_commit();
}

/**
 * dh_fused_rows<false> with X staged through shared memory: STAGES − 1 row groups are in flight while one is reduced,
 * the copies of each thread landing in the slots only it reads (so no barrier guards them). The values, their order
 * and every reduction are the register path's, so the results are the same bits. θ is read once per pass (the same
 * values), into shared memory (registers would spill). `stage`: DH_STAGED_BYTES of dynamic shared memory, θ's slice
 * (KPT × THREADS values) first.
 */
static __device__ __forceinline__ void dh_fused_rows_staged(
        const REAL* __restrict__ X, const REAL* __restrict__ y, const double* __restrict__ w, const REAL* theta,
        double b, double tau, int n, const i64* __restrict__ order, i64 first, i64 r0, i64 r1, int c0, int c1,
        double* scratch, double* slot, double* total, REAL* stage, double* acc, double& sumSquares, double& sum) {
    const int tid = threadIdx.x;
    REAL* const t = stage + tid;   // θ_col at t[k·THREADS], only this thread's slots (so no barrier)
    #pragma unroll
    for (int k = 0; k < KPT; ++k) {
        const int col = c0 + tid + k * THREADS;
        t[k * THREADS] = col < c1 ? dh_load_cached(theta + col) : (REAL) 0;
        acc[k] = 0.0;
    }
    stage += KPT * THREADS;
    sumSquares = 0.0;
    sum = 0.0;
    const i64 groups = (r1 - r0 + ROWS - 1) / ROWS;
    #pragma unroll
    for (int g = 0; g < STAGES - 1; ++g) {
        dh_stage_group(X, n, order, first, r0, r1, c0, c1, g, stage);
    }
    for (i64 group = 0; group < groups; ++group) {
        const i64 r = r0 + group * ROWS;
        const REAL* cur = stage + (i64) (group % STAGES) * ROWS * KPT * THREADS + tid;
        // Refill the stage of group − 1 first: only this thread reads its slots, and it read that stage in the previous
        // iteration (program order), so STAGES − 1 groups are in flight while this one is reduced.
        dh_stage_group(X, n, order, first, r0, r1, c0, c1, group + STAGES - 1, stage);
        dh_copy_wait<STAGES - 1>();   // this group's copies have landed (committed: group + STAGES groups)
        double d[ROWS];
        #pragma unroll
        for (int q = 0; q < ROWS; ++q) {
            d[q] = 0.0;
        }
        #pragma unroll
        for (int k = 0; k < KPT; ++k) {
            const double tk = (double) t[k * THREADS];
            #pragma unroll
            for (int q = 0; q < ROWS; ++q) {
                d[q] += (double) cur[(q * KPT + k) * THREADS] * tk;
            }
        }
        dh_block_sums(d, scratch);
        dh_cluster_sums(d, slot, total, (int) (group & 1));
        dh_rows_accumulate(y, w, order, first, r, r1, b, tau, d, acc, sumSquares, sum,
                           [&](int q, int k) { return cur[(q * KPT + k) * THREADS]; });
    }
    dh_copy_wait<0>();   // no copy may still be landing when the block's shared memory is released
}
#endif

DH_KERNEL void DH_CLUSTER_DIMS DH_BOUNDS fused_gradient(
        const REAL* __restrict__ X, const REAL* __restrict__ y, const double* __restrict__ w,
        const REAL* __restrict__ theta, double b, double tau, int n, const i64* __restrict__ order, i64 first, i64 count,
        double* __restrict__ gpartial, double* __restrict__ spartial) {
    DH_SHARED(double, scratch, ROWS * 33);
#if CLUSTER > 1
    DH_SHARED(double, slot, 2 * ROWS);
    DH_SHARED(double, total, ROWS);
#else
    double* const slot = 0;
    double* const total = 0;
#endif
    const int tid = threadIdx.x;
    const unsigned rank = dh_cluster_rank();
    const unsigned cluster = dh_cluster_id();
    const unsigned clusters = dh_cluster_count();
    const int width = (n + CLUSTER - 1) / CLUSTER;
    const int c0 = (int) rank * width;
    const int c1 = c0 + width < n ? c0 + width : n;
    const i64 r0 = count * (i64) cluster / (i64) clusters;
    const i64 r1 = count * (i64) (cluster + 1) / (i64) clusters;
    double acc[KPT];
    double sumSquares;
    double sum;
#if STAGES >= 2
    DH_DYNAMIC_SHARED(REAL, stage);
    dh_fused_rows_staged(X, y, w, theta, b, tau, n, order, first, r0, r1, c0, c1, scratch, slot, total, stage, acc,
                         sumSquares, sum);
#else
    dh_fused_rows<false>(X, y, w, theta, b, tau, n, order, first, r0, r1, c0, c1, scratch, slot, total, acc, sumSquares, sum);
#endif
    #pragma unroll
    for (int k = 0; k < KPT; ++k) {
        const int col = c0 + tid + k * THREADS;
        if (col < c1) {
            gpartial[(i64) cluster * n + col] = acc[k];
        }
    }
    if (rank == 0 && tid == 0) {
        spartial[2 * (i64) cluster] = sumSquares;
        spartial[2 * (i64) cluster + 1] = sum;
    }
#if CLUSTER > 1
    dh_cluster_sync(); // a block's shared memory must outlive the other blocks' reads of it
#endif
}

// ------------------------------------------------------------------------------ reductions
//
// Running totals over the chunks of a pass, in chunk order (so a pass cut into chunks gives the same
// bits whether each chunk's rows were resident or streamed in):
//     total[j] += Σ_{p < parts} partial[p][j]   (p in order; j < n; partial may be null when parts = 0)
//     sums[q]  += Σ_p spartial[p][q]              (block 0, thread 0; when spartial is not null)
// and, when out is not null (the pass's last chunk), out[j] = (REAL) (s · total[j]).
DH_KERNEL void accumulate_partials(const double* __restrict__ partial, int parts, int n, double* __restrict__ total,
                                   const double* __restrict__ spartial, double* __restrict__ sums,
                                   double s, REAL* __restrict__ out) {
    const i64 j = (i64) blockIdx.x * THREADS + threadIdx.x;
    if (j < n) {
        double t = total[j];
        for (int p = 0; p < parts; ++p) {
            t += partial[(i64) p * n + j];
        }
        total[j] = t;
        if (out) {
            out[j] = (REAL) (s * t);
        }
    }
    if (spartial && j == 0) {
        double a = sums[0];
        double c = sums[1];
        for (int p = 0; p < parts; ++p) {
            a += spartial[2 * (i64) p];
            c += spartial[2 * (i64) p + 1];
        }
        sums[0] = a;
        sums[1] = c;
    }
}

/** total[j] += (double) v[j] for j < n (a chunk's cuBLAS gradient into the pass's float64 running total). */
DH_KERNEL void accumulate_vector(int n, const REAL* __restrict__ v, double* __restrict__ total) {
    for (i64 j = (i64) blockIdx.x * THREADS + threadIdx.x; j < n; j += (i64) gridDim.x * THREADS) {
        total[j] += (double) v[j];
    }
}

/** out[j] = (REAL) (s · total[j]) for j < n. */
DH_KERNEL void scale_total(int n, const double* __restrict__ total, double s, REAL* __restrict__ out) {
    for (i64 j = (i64) blockIdx.x * THREADS + threadIdx.x; j < n; j += (i64) gridDim.x * THREADS) {
        out[j] = (REAL) (s * total[j]);
    }
}

// partial[c][j] = Σ_{i in chunk c} w_i·(X_ij − center_j)^(squared ? 2 : 1), chunk c = rows
// [m·c/chunks, m·(c+1)/chunks), c = blockIdx.y (center null: 0; w null: 1). Grid (ceil(n/THREADS), chunks).
DH_KERNEL void column_moments(const REAL* __restrict__ X, i64 m, int n, const double* __restrict__ center,
                              int squared, const double* __restrict__ w, double* __restrict__ partial) {
    const i64 j = (i64) blockIdx.x * THREADS + threadIdx.x;
    if (j >= n) {
        return;
    }
    const i64 chunks = gridDim.y;
    const i64 c = blockIdx.y;
    const i64 r0 = m * c / chunks;
    const i64 r1 = m * (c + 1) / chunks;
    const double shift = center ? center[j] : 0.0;
    double t = 0.0;
    for (i64 i = r0; i < r1; ++i) {
        const double v = (double) X[i * n + j] - shift;
        const double p = squared ? v * v : v;
        t += w ? w[i] * p : p;
    }
    partial[c * n + j] = t;
}

// ------------------------------------------------------------------------------ vectors (length n)
// Grid-stride loops; float32 vectors are computed in float64 and rounded once.

/** y + α·x in float64, rounded once to REAL: one element of vector_axpy (epoch_batches uses it too). */
static __device__ __forceinline__ REAL dh_axpy_value(double alpha, REAL x, REAL y) {
    return (REAL) ((double) y + alpha * (double) x);
}

/** y ← y + α·x. */
DH_KERNEL void vector_axpy(i64 n, double alpha, const REAL* __restrict__ x, REAL* __restrict__ y) {
    for (i64 j = (i64) blockIdx.x * THREADS + threadIdx.x; j < n; j += (i64) gridDim.x * THREADS) {
        y[j] = dh_axpy_value(alpha, x[j], y[j]);
    }
}

/** x ← α·x. */
DH_KERNEL void vector_scale(i64 n, double alpha, REAL* __restrict__ x) {
    for (i64 j = (i64) blockIdx.x * THREADS + threadIdx.x; j < n; j += (i64) gridDim.x * THREADS) {
        x[j] = (REAL) (alpha * (double) x[j]);
    }
}

/** x ← d∘x. */
DH_KERNEL void vector_multiply(i64 n, const REAL* __restrict__ d, REAL* __restrict__ x) {
    for (i64 j = (i64) blockIdx.x * THREADS + threadIdx.x; j < n; j += (i64) gridDim.x * THREADS) {
        x[j] = d[j] * x[j];
    }
}

/** Σ_{j ≡ lane (mod stride), j < n, ascending} x_j·y_j in float64: one thread's share of vector_dot. */
static __device__ __forceinline__ double dh_dot_share(i64 n, const REAL* x, const REAL* y, i64 lane, i64 stride) {
    double t = 0.0;
    for (i64 j = lane; j < n; j += stride) {
        t += (double) x[j] * (double) y[j];
    }
    return t;
}

/** result[0] = xᵀy in float64, by one block (fixed order). */
DH_KERNEL void vector_dot(i64 n, const REAL* __restrict__ x, const REAL* __restrict__ y, double* __restrict__ result) {
    DH_SHARED(double, scratch, 33);
    double t = dh_dot_share(n, x, y, threadIdx.x, THREADS);
    t = dh_block_sum(t, scratch);
    if (threadIdx.x == 0) {
        result[0] = t;
    }
}

// ------------------------------------------------------------------------------ stochastic epochs
//
// epoch_batches runs consecutive batches of an SGD / mini-batch epoch (core's StochasticEpoch) in one block, one
// launch for a whole block of the epoch's row order, giving the bits of the per-batch loop on this device — the same
// kernels' arithmetic, moved: vector_dot (its 256 threads' order replayed), fused_gradient over the batch's rows cut
// into the same clusters as its launch (one after another here, each through dh_fused_rows), accumulate_partials,
// vector_multiply and vector_axpy. Needs CLUSTER = 1 (n ≤ THREADS·KPT).

/** Threads of vector_dot's block (the utility module's THREADS, FusedShape.UTILITY_THREADS). */
#define DOT_THREADS 256
/**
 * epoch_batches asks for (the first THREADS) rows of the batch this many batches ahead to be brought into L2 (latency,
 * not bits): at most THREADS rows a batch, so the look-ahead stays a few MB whatever B.
 */
#define EPOCH_PREFETCH_BATCHES 4

/** The value lane 0 holds after the warp butterfly v += shfl_xor(v, m), m = 16, 8, …, 1, over v[0..31] (overwritten). */
[[maybe_unused]] static __device__ __forceinline__ double dh_butterfly_lane0(double* v) {
    #pragma unroll
    for (int m = 16; m > 0; m >>= 1) {
        #pragma unroll
        for (int l = 0; l < m; ++l) {
            v[l] = v[l] + v[l + m];
        }
    }
    return v[0];
}

/**
 * xᵀy with the bits vector_dot gives (DOT_THREADS threads, each its strided share, then dh_block_sum's warp
 * butterflies and warp 0's over the warps' sums), computed by this block whatever its THREADS: the shares into
 * lanes[0..DOT_THREADS), the two butterfly levels by thread 0, the result through lanes[DOT_THREADS] to every thread.
 * Starts with a barrier (y may have just been written by other threads). lanes: DOT_THREADS + 1 doubles, shared.
 */
[[maybe_unused]] static __device__ __forceinline__ double dh_dot_as_vector_dot(int n, const REAL* x, const REAL* y, double* lanes) {
    dh_sync();
    for (int v = threadIdx.x; v < DOT_THREADS; v += THREADS) {
        lanes[v] = dh_dot_share(n, x, y, v, DOT_THREADS);
    }
    dh_sync();
    if (threadIdx.x == 0) {
        double sums[32];
        #pragma unroll
        for (int warp = 0; warp < 32; ++warp) {
            sums[warp] = 0.0;   // warps past DOT_THREADS / 32 are dh_block_sum's zeros; warps past n sum 32 zeros
            if (warp < DOT_THREADS / 32 && warp * 32 < n) {
                double v[32];
                #pragma unroll
                for (int l = 0; l < 32; ++l) {
                    v[l] = lanes[warp * 32 + l];
                }
                sums[warp] = dh_butterfly_lane0(v);
            }
        }
        lanes[DOT_THREADS] = dh_butterfly_lane0(sums);
    }
    dh_sync();
    return lanes[DOT_THREADS];
}

// For the batches k = 0, 1, … of the positions [0, count) of `order` (batch size B = `batch`, the last one shorter),
// with step size rates[k] and size k_B, exactly StochasticEpoch's batch:
//     b = μ_y − x̄ᵀθ (means null: 0);  θ̃ = D∘θ (factors null: θ, else written to work);
//     fused pass over the batch's rows with θ̃, b, τ, cut into max(1, min(maxClusters, ⌈k_B/ROWS⌉)) parts;
//     g = (REAL) ((2/k_B)·Σ parts);  g ← D∘g;  g ← g − (2/k_B)·Σwr·x̄;  g ← g + λ∘θ;
//     θ ← θ − rate·(S²∘g)  (S² null: θ − rate·g);  θ_j ← soft(θ_j, rate·κ_j·s_j) in float64 (κ null: none)
// each vector, factor, λ, S², κ and s null when absent. state[0] += Σ over the batches of Σwr² (in batch order);
// gradient ← the last batch's g. Launch: one block of THREADS threads, CLUSTER = 1. theta and work are read and
// written; every pointer is device memory.
DH_KERNEL void DH_BOUNDS epoch_batches(
        const REAL* __restrict__ X, const REAL* __restrict__ y, const double* __restrict__ w, int n,
        const i64* __restrict__ order, i64 count, i64 batch, i64 maxClusters, const double* __restrict__ rates,
        double tau, double targetMean, const REAL* __restrict__ means, const REAL* __restrict__ factors,
        const REAL* __restrict__ ridge, const REAL* __restrict__ squaredScales, const double* __restrict__ kappa,
        const double* __restrict__ l1Scales, REAL* theta, REAL* work, REAL* __restrict__ gradient,
        double* __restrict__ state) {
#if CLUSTER == 1
    DH_SHARED(double, scratch, ROWS * 33);
    DH_SHARED(double, lanes, DOT_THREADS + 2);
    const int tid = threadIdx.x;
    double epochSquares = tid == 0 ? state[0] : 0.0;
    REAL last[KPT];
    #pragma unroll
    for (int k = 0; k < KPT; ++k) {
        last[k] = (REAL) 0;
    }
    i64 step = 0;
    i64 pending = tid < batch && EPOCH_PREFETCH_BATCHES * batch + tid < count ? order[EPOCH_PREFETCH_BATCHES * batch + tid] : -1;
    for (i64 p0 = 0; p0 < count; p0 += batch, ++step) {
        const i64 size = count - p0 < batch ? count - p0 : batch;
        // Thread t asks for the lines of row t of the batch EPOCH_PREFETCH_BATCHES ahead, whose index it loaded during
        // the previous batch (so that load's latency hides behind a batch of work, not in front of this one).
        if (pending >= 0) {
            const unsigned long long start = (unsigned long long) (X + pending * (i64) n);
            const unsigned long long end = start + (unsigned long long) n * sizeof(REAL);
            for (unsigned long long line = start & ~127ull; line < end; line += 128) {
                dh_prefetch_l2((const void*) line);
            }
        }
        const i64 ahead = p0 + (EPOCH_PREFETCH_BATCHES + 1) * batch + tid;
        pending = tid < batch && ahead < count ? order[ahead] : -1;
        const double scale = 2.0 / (double) size;
        const double b = means ? targetMean - dh_dot_as_vector_dot(n, means, theta, lanes) : 0.0;
        const REAL* current = theta;
        if (factors) {
            #pragma unroll
            for (int k = 0; k < KPT; ++k) {
                const int j = tid + k * THREADS;
                if (j < n) {
                    work[j] = dh_mul(factors[j], theta[j]);
                }
            }
            current = work;
        }
        i64 parts = (size + ROWS - 1) / ROWS;
        parts = parts < maxClusters ? parts : maxClusters;
        parts = parts > 1 ? parts : 1;
        double total[KPT];
        #pragma unroll
        for (int k = 0; k < KPT; ++k) {
            total[k] = 0.0;
        }
        double squares = 0.0;
        double sum = 0.0;
        for (i64 c = 0; c < parts; ++c) {
            double acc[KPT];
            double partSquares;
            double partSum;
            dh_fused_rows<true>(X, y, w, current, b, tau, n, order, p0, size * c / parts, size * (c + 1) / parts, 0, n,
                                scratch, 0, 0, acc, partSquares, partSum);
            #pragma unroll
            for (int k = 0; k < KPT; ++k) {
                total[k] += acc[k];
            }
            squares += partSquares;
            sum += partSum;
        }
        if (tid == 0) {
            lanes[DOT_THREADS + 1] = sum;   // Σwr is thread 0's
            epochSquares += squares;
        }
        dh_sync();
        const double alpha = dh_mul(-scale, lanes[DOT_THREADS + 1]);
        const double rate = rates[step];
        #pragma unroll
        for (int k = 0; k < KPT; ++k) {
            const int j = tid + k * THREADS;
            if (j < n) {
                REAL g = (REAL) dh_mul(scale, total[k]);
                if (factors) {
                    g = dh_mul(factors[j], g);
                }
                if (means) {
                    g = dh_axpy_value(alpha, means[j], g);
                }
                const REAL t = theta[j];
                if (ridge) {
                    g = dh_axpy_value(1.0, dh_mul(ridge[j], t), g);
                }
                REAL next = squaredScales ? dh_axpy_value(-rate, dh_mul(squaredScales[j], g), t) : dh_axpy_value(-rate, g, t);
                if (kappa) {
                    const double v = (double) next;
                    const double threshold = dh_mul(dh_mul(rate, kappa[j]), l1Scales[j]);
                    next = (REAL) (v > threshold ? v - threshold : v < -threshold ? v + threshold : 0.0);
                }
                theta[j] = next;
                last[k] = g;
            }
        }
        // No barrier here: the next batch reads other threads' θ only in its dot, which starts with one, and rewrites
        // lanes[DOT_THREADS + 1] only after its fused pass's barriers (every part holds a row: parts ≤ ⌈size/ROWS⌉).
    }
    #pragma unroll
    for (int k = 0; k < KPT; ++k) {
        const int j = tid + k * THREADS;
        if (j < n) {
            gradient[j] = last[k];
        }
    }
    if (tid == 0) {
        state[0] = epochSquares;
    }
#endif
}

// ------------------------------------------------------------------------------ prediction
//
// out[i] = b + Σ_j (double) X[i·n + j] · θ_j for i < m: one block per row (grid-stride over rows), the
// products in float64, summed in a fixed order (per thread, then dh_block_sum). θ is float64.
DH_KERNEL void predict_rows(const REAL* __restrict__ X, i64 m, int n, const double* __restrict__ theta, double b,
                            double* __restrict__ out) {
    DH_SHARED(double, scratch, 33);
    for (i64 i = blockIdx.x; i < m; i += gridDim.x) {
        const REAL* row = X + i * (i64) n;
        double t = 0.0;
        for (int j = threadIdx.x; j < n; j += THREADS) {
            t += (double) row[j] * theta[j];
        }
        t = dh_block_sum(t, scratch);
        if (threadIdx.x == 0) {
            out[i] = t + b;
        }
    }
}

// ------------------------------------------------------------------------------ cuBLAS strategy
//
// After r = Xθ (cuBLAS gemv): v_i = r_i + b − τ·y_i, r_i ← w_i·v_i for i < m (REAL), and
// partial[block] = (Σ w_i·v_i², Σ w_i·v_i) over the block's grid-stride share, in float64 (fixed grid; w null: 1).
DH_KERNEL void residual_finish(i64 m, REAL* __restrict__ r, const REAL* __restrict__ y, const double* __restrict__ w,
                               double b, double tau, double* __restrict__ partial) {
    DH_SHARED(double, scratch, 33);
    double ss = 0.0;
    double s = 0.0;
    for (i64 i = (i64) blockIdx.x * THREADS + threadIdx.x; i < m; i += (i64) gridDim.x * THREADS) {
        const double v = (double) r[i] + (b - tau * (double) y[i]);
        const double wv = w ? w[i] * v : v;
        r[i] = (REAL) wv;
        ss += wv * v;
        s += wv;
    }
    ss = dh_block_sum(ss, scratch);
    s = dh_block_sum(s, scratch);
    if (threadIdx.x == 0) {
        partial[2 * (i64) blockIdx.x] = ss;
        partial[2 * (i64) blockIdx.x + 1] = s;
    }
}

// ------------------------------------------------------------------------------ sparse X (CSR)
//
// X as CSR: row pointers ptr (m + 1, int64), column indices col (int32) and values val (REAL) of the stored
// entries, each row's columns strictly increasing (CsrMatrix's canonical form: no column twice in a row).
//
// csr_gradient — the fused CSR gradient: one pass over the rows i = dh_row(order, first, q), q in [0, count),
// cut into P = gridDim.x parts; part p = blockIdx.x takes the positions [bounds[p], bounds[p + 1])
// (bounds null: [count·p/P, count·(p+1)/P)). Over the row's stored entries only:
//     r_i = x_iᵀθ + b − τ·y_i,   gpartial[p][j] = Σ_{i in part p} w_i·r_i·X_ij,
//     spartial[p] = (Σ w_i·r_i², Σ w_i·r_i)                       (w_i = 1 when w is null)
// The block takes its rows one at a time: thread t reads entries t, t + THREADS, … of the row (consecutive
// threads read consecutive col/val: coalesced), the float64 products x_ij·θ_j are summed per thread then over the
// block (dh_block_sum: fixed order), and the same threads scatter w_i·r_i·X_ij into the part's own float64 row
// gpartial[p]. No atomics: the row's columns are distinct, so no two threads of the block write one address in a
// row, and dh_block_sum's barriers (which order the block's global-memory accesses) put one row's scatter before
// the next row's; no other block writes gpartial[p]. Every sum has a fixed order for a given P and bounds, so the
// pass is bit-identical run to run (and across devices with the same P). The block zeroes its row first.
// accumulate_partials adds the P rows up (in part order). Requires blockDim.x = THREADS.
DH_KERNEL void csr_gradient(const i64* __restrict__ ptr, const int* __restrict__ col, const REAL* __restrict__ val,
                            const REAL* __restrict__ y, const double* __restrict__ w, const REAL* __restrict__ theta,
                            double b, double tau, int n, const i64* __restrict__ order, i64 first, i64 count,
                            const i64* __restrict__ bounds, double* __restrict__ gpartial, double* __restrict__ spartial) {
    DH_SHARED(double, scratch, 33);
    const i64 p = blockIdx.x;
    const i64 parts = gridDim.x;
    double* const g = gpartial + p * (i64) n;
    for (i64 j = threadIdx.x; j < n; j += THREADS) {
        g[j] = 0.0;
    }
    const i64 q0 = bounds ? bounds[p] : count * p / parts;
    const i64 q1 = bounds ? bounds[p + 1] : count * (p + 1) / parts;
    double ss = 0.0;
    double s = 0.0;
    for (i64 q = q0; q < q1; ++q) {
        const i64 i = dh_row(order, first, q);
        const i64 k0 = ptr[i];
        const i64 k1 = ptr[i + 1];
        // the thread's first entry stays in registers for the scatter (rows of ≤ THREADS entries are read once)
        const i64 kt = k0 + threadIdx.x;
        const int c0 = kt < k1 ? col[kt] : 0;
        const REAL v0 = kt < k1 ? dh_load_stream(val + kt) : (REAL) 0;
        double t = kt < k1 ? (double) v0 * (double) dh_load_cached(theta + c0) : 0.0;
        for (i64 k = kt + THREADS; k < k1; k += THREADS) {
            t += (double) val[k] * (double) dh_load_cached(theta + col[k]);
        }
        t = dh_block_sum(t, scratch);   // barriers: every thread is past the previous row's scatter
        const double v = t + (b - tau * (double) y[i]);
        const double wv = w ? w[i] * v : v;
        ss += wv * v;
        s += wv;
        if (kt < k1) {
            g[c0] += wv * (double) v0;
        }
        for (i64 k = kt + THREADS; k < k1; k += THREADS) {
            g[col[k]] += wv * (double) val[k];
        }
    }
    if (threadIdx.x == 0) {   // ss and s are the same in every thread (sums of block-wide values)
        spartial[2 * p] = ss;
        spartial[2 * p + 1] = s;
    }
}

// csr_gradient_atomic — the same pass with float64 atomics instead of partial gradients: block b takes the positions
// q = b, b + gridDim.x, … (every block busy whatever m and n), each row as in csr_gradient (entries over the block's
// threads, dh_block_sum), and scatters w_i·r_i·X_ij into the one n-vector g with atomicAdd (g zeroed before the
// launch; 8n bytes, L2-resident for n up to millions). spartial[b] = (Σ w_i·r_i², Σ w_i·r_i) over the block's rows.
// The additions into g land in whatever order the device runs the blocks: results differ run to run by float64
// rounding (~1e-16 relative per addition), not bit-identical — the fast strategy where the partial gradients would
// cost more traffic than X (large n, many short rows). Requires blockDim.x = THREADS.
DH_KERNEL void csr_gradient_atomic(const i64* __restrict__ ptr, const int* __restrict__ col, const REAL* __restrict__ val,
                                   const REAL* __restrict__ y, const double* __restrict__ w, const REAL* __restrict__ theta,
                                   double b, double tau, const i64* __restrict__ order, i64 first, i64 count,
                                   double* __restrict__ g, double* __restrict__ spartial) {
    DH_SHARED(double, scratch, 33);
    double ss = 0.0;
    double s = 0.0;
    for (i64 q = blockIdx.x; q < count; q += gridDim.x) {
        const i64 i = dh_row(order, first, q);
        const i64 k0 = ptr[i];
        const i64 k1 = ptr[i + 1];
        const i64 kt = k0 + threadIdx.x;
        const int c0 = kt < k1 ? col[kt] : 0;
        const REAL v0 = kt < k1 ? dh_load_stream(val + kt) : (REAL) 0;
        double t = kt < k1 ? (double) v0 * (double) dh_load_cached(theta + c0) : 0.0;
        for (i64 k = kt + THREADS; k < k1; k += THREADS) {
            t += (double) val[k] * (double) dh_load_cached(theta + col[k]);
        }
        t = dh_block_sum(t, scratch);
        const double v = t + (b - tau * (double) y[i]);
        const double wv = w ? w[i] * v : v;
        ss += wv * v;
        s += wv;
        if (kt < k1) {
            atomicAdd(g + c0, wv * (double) v0);
        }
        for (i64 k = kt + THREADS; k < k1; k += THREADS) {
            atomicAdd(g + col[k], wv * (double) val[k]);
        }
    }
    if (threadIdx.x == 0) {
        spartial[2 * (i64) blockIdx.x] = ss;
        spartial[2 * (i64) blockIdx.x + 1] = s;
    }
}

// csr_predict: out[q] = b + Σ_k (double) val[k]·θ[col[k]] over row i = rowStart + q's entries, for q < rows: one
// block per row (grid-stride), the products in float64 summed in a fixed order (per thread, then dh_block_sum).
DH_KERNEL void csr_predict(const i64* __restrict__ ptr, const int* __restrict__ col, const REAL* __restrict__ val,
                           i64 rowStart, i64 rows, const double* __restrict__ theta, double b, double* __restrict__ out) {
    DH_SHARED(double, scratch, 33);
    for (i64 q = blockIdx.x; q < rows; q += gridDim.x) {
        const i64 i = rowStart + q;
        double t = 0.0;
        for (i64 k = ptr[i] + threadIdx.x; k < ptr[i + 1]; k += THREADS) {
            t += (double) val[k] * theta[col[k]];
        }
        t = dh_block_sum(t, scratch);
        if (threadIdx.x == 0) {
            out[q] = t + b;
        }
    }
}

// ------------------------------------------------------------------------------ least squares
//
// Rows [rowStart, rowStart + rows) of X as float64, centred and scaled:
//     v = (X_ij − center_j) · scale_j · rowScale_(rowStart+i)     (center, scale, rowScale: null for 0, 1, 1)
// written column-major A[i + j·lda] (columnMajor != 0) or row-major A[i·lda + j], i relative to rowStart.
DH_KERNEL void convert_matrix(const REAL* __restrict__ X, int n, i64 rowStart, i64 rows,
                              const double* __restrict__ center, const double* __restrict__ scale,
                              const double* __restrict__ rowScale, double* __restrict__ A, i64 lda, int columnMajor) {
    const i64 total = rows * n;
    for (i64 e = (i64) blockIdx.x * THREADS + threadIdx.x; e < total; e += (i64) gridDim.x * THREADS) {
        const i64 i = e / n;
        const int j = (int) (e - i * n);
        double v = (double) X[(rowStart + i) * n + j];
        if (center) {
            v -= center[j];
        }
        if (scale) {
            v *= scale[j];
        }
        if (rowScale) {
            v *= rowScale[rowStart + i];
        }
        if (columnMajor) {
            A[i + (i64) j * lda] = v;
        } else {
            A[i * lda + j] = v;
        }
    }
}

/** out[i] = (y[rowStart + i] − shift) · rowScale[rowStart + i] for i < rows, in float64 (rowScale null: 1). */
DH_KERNEL void convert_vector(const REAL* __restrict__ y, i64 rowStart, i64 rows, double shift,
                              const double* __restrict__ rowScale, double* __restrict__ out) {
    for (i64 i = (i64) blockIdx.x * THREADS + threadIdx.x; i < rows; i += (i64) gridDim.x * THREADS) {
        const double v = (double) y[rowStart + i] - shift;
        out[i] = rowScale ? v * rowScale[rowStart + i] : v;
    }
}

/** R[i + j·k] ← A[i + j·lda] for i ≤ j, else 0: the leading k rows (i < k, j < cols) of a column-major QR factor. */
DH_KERNEL void upper_rows(const double* __restrict__ A, i64 lda, int k, int cols, double* __restrict__ R) {
    const i64 total = (i64) k * cols;
    for (i64 e = (i64) blockIdx.x * THREADS + threadIdx.x; e < total; e += (i64) gridDim.x * THREADS) {
        const i64 j = e / k;
        const i64 i = e - j * k;
        R[e] = i <= j ? A[i + j * lda] : 0.0;
    }
}

// ------------------------------------------------------------------------------ benchmarks
//
// a[i] = low + (high − low)·u_i for i < count, u_i uniform in [0, 1) from splitmix64(seed + i) (float32 may round to high):
// random data generated on the device (DeviceStepBenchmark), never zeros.
DH_KERNEL void fill_uniform(REAL* __restrict__ a, i64 count, i64 seed, double low, double high) {
    for (i64 i = (i64) blockIdx.x * THREADS + threadIdx.x; i < count; i += (i64) gridDim.x * THREADS) {
        unsigned long long z = (unsigned long long) seed + (unsigned long long) i * 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        const double u = (double) (z >> 11) * (1.0 / 9007199254740992.0);
        a[i] = (REAL) (low + (high - low) * u);
    }
}
