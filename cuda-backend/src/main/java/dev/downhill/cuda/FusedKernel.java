package dev.downhill.cuda;

import static org.bytedeco.cuda.global.cudart.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES;
import static org.bytedeco.cuda.global.cudart.CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED;
import static org.bytedeco.cuda.global.cudart.cuFuncSetAttribute;
import static org.bytedeco.cuda.global.cudart.cuOccupancyMaxActiveBlocksPerMultiprocessor;
import static org.bytedeco.cuda.global.cudart.cuOccupancyMaxActiveClusters;

import dev.downhill.Precision;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUlaunchConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One compiled {@code fused_gradient} kernel and its grid: the module (owned by the context's module cache, not by this
 * record), its {@link FusedShape} and the most clusters it launches at once ({@code maxClusters}: as many as the device
 * keeps resident, so a pass sums X's rows in at most that many partials). A problem may hold two: the register kernel
 * for slices and epochs and, with {@link CudaGradientStrategy#STAGED}, the staged one for full passes.
 */
record FusedKernel(KernelModule module, FusedShape shape, long maxClusters) {
    private static final Logger LOG = LoggerFactory.getLogger(FusedKernel.class);

    /**
     * Compiles (or takes from the context's cache) the kernel of {@code shape} in {@code precision}, allows its clusters
     * past 8 blocks and its dynamic shared memory past 48 KiB, and sizes its grid to the blocks the device keeps resident.
     */
    static FusedKernel compile(CudaContext context, FusedShape shape, Precision precision) {
        KernelModule module = context.kernels(shape.macros(precision));
        CUfunc_st function = module.function("fused_gradient");
        if (shape.cluster() > FusedShape.MAX_PORTABLE_CLUSTER) {
            CudaStatus.checkDriver(cuFuncSetAttribute(function, CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1),
                    "cuFuncSetAttribute(NON_PORTABLE_CLUSTER_SIZE_ALLOWED)");
        }
        long dynamicShared = shape.dynamicSharedBytes(precision);
        if (dynamicShared > 48 * 1024) {
            CudaStatus.checkDriver(cuFuncSetAttribute(function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    (int) dynamicShared), "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES, " + dynamicShared + ")");
        }
        int[] perSm = new int[1];
        int status = cuOccupancyMaxActiveBlocksPerMultiprocessor(perSm, function, shape.threads(), dynamicShared);
        if (status != 0) {
            if (shape.cluster() == 1) {
                CudaStatus.checkDriver(status, "cuOccupancyMaxActiveBlocksPerMultiprocessor(fused_gradient)");
            }
            // the blocks-per-SM query is not meant for cluster kernels on every driver: size the grid
            // for one block per multiprocessor (what 128 registers × 512 threads allow anyway)
            LOG.debug("occupancy query refused for clusters of {} (CUresult {}); one block per multiprocessor", shape.cluster(), status);
            perSm[0] = 1;
        }
        long clusters = Math.max(1, (long) Math.max(1, perSm[0]) * context.device().multiprocessors() / shape.cluster());
        if (shape.cluster() > 1) {
            clusters = coResidentClusters(function, shape, dynamicShared, clusters);
        }
        return new FusedKernel(module, shape, clusters);
    }

    /**
     * How many clusters of {@code shape} the device runs at once ({@code cuOccupancyMaxActiveClusters}), which is what
     * the fused kernel's grid must not exceed: a cluster must fit in one GPC, so on an H200 (132 multiprocessors)
     * only 7 clusters of 16 are resident, not 132 / 16 = 8 — an 8th cluster ran as a second wave, alone, and the pass
     * took twice as long (measured, 2026-12-01: 36.8 ms per step at 50,000 × 100,000 float32, the grid 8 clusters;
     * ncu: 7 active clusters, multiprocessors busy 49 % of the time). Where the driver refuses the query or answers
     * 0, {@code fallback} (one block per multiprocessor) stays.
     */
    private static long coResidentClusters(CUfunc_st function, FusedShape shape, long dynamicShared, long fallback) {
        try (CUlaunchConfig config = new CUlaunchConfig()) {
            config.gridDimX((int) (fallback * shape.cluster())).gridDimY(1).gridDimZ(1).blockDimX(shape.threads()).blockDimY(1)
                    .blockDimZ(1).sharedMemBytes((int) dynamicShared).hStream(null).attrs(null).numAttrs(0);
            int[] active = new int[1];
            int status = cuOccupancyMaxActiveClusters(active, function, config);
            if (status != 0 || active[0] < 1) {
                LOG.debug("cuOccupancyMaxActiveClusters for clusters of {}: CUresult {}, {} clusters; grid of {} clusters",
                        shape.cluster(), status, active[0], fallback);
                return fallback;
            }
            return active[0];
        }
    }

    /** The grid in words: "up to 7 clusters of 16 blocks × 512 threads, 13 columns a thread, 3 rows a group, staged". */
    String grid() {
        return String.format(java.util.Locale.ROOT, "up to %d clusters of %d blocks × %d threads, %d columns a thread, %d rows a group%s",
                maxClusters, shape.cluster(), shape.threads(), shape.columnsPerThread(), shape.rowsPerGroup(),
                shape.stages() > 0 ? ", staged" : "");
    }
}
