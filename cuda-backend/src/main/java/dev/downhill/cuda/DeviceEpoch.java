package dev.downhill.cuda;

import dev.downhill.Precision;
import dev.downhill.spi.StochasticEpoch;
import java.util.Arrays;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A whole SGD / mini-batch epoch on the device ({@link dev.downhill.spi.ResidentProblem#epoch}): the kernel
 * {@code epoch_batches} of the fused module runs every batch of a block of the epoch's row order in one launch, one
 * block of threads, with the bits of {@link StochasticEpoch#runPerBatch} on the same device (the kernel replays the
 * per-batch kernels' arithmetic; see its comment). The host computes each block of the order
 * ({@link dev.downhill.spi.EpochRows#training}, {@value StochasticEpoch#BLOCK_POSITIONS} positions rounded to a
 * multiple of B, never an m-length array) and its step sizes, uploads them (8 bytes a row and 8 a batch) and launches;
 * θ, the last batch's gradient and the running Σwr² stay on the device until the epoch ends (8 bytes back).
 *
 * <p>Applies where the fused kernel runs in one block per row (clusters of 1: n ≤ threads × columns per thread) on
 * resident X, for batches of at most {@link #MAX_SERIAL_GROUPS} row groups and {@link #MAX_BATCH_ROWS} rows; elsewhere the problem keeps the per-batch
 * loop. The work buffers (the order block, the step sizes,
 * D∘θ, κ and the soft threshold's scales: at most ~1 MB + 24n bytes) are allocated on first use from the context and
 * live as long as it. Not thread-safe (one per problem).
 */
final class DeviceEpoch {
    private final CudaContext context;
    private final KernelModule kernels;
    private final FusedShape shape;
    private final long maxClusters;
    private final int n;
    private final Precision precision;
    private DeviceMemory order;
    private DeviceMemory rates;
    private DeviceMemory state;
    private DeviceMemory work;
    private DeviceMemory kappa;
    private DeviceMemory l1Scales;

    /**
     * @param kernels     the fused module (compiled for {@code shape}, clusters of 1)
     * @param maxClusters the fused kernel's grid limit (the per-batch launches cut a batch into at most this many parts)
     */
    DeviceEpoch(CudaContext context, KernelModule kernels, FusedShape shape, long maxClusters, int n, Precision precision) {
        if (!applies(shape)) {
            throw new IllegalArgumentException("the device epoch needs a fused shape with clusters of 1, got " + shape);
        }
        this.context = context;
        this.kernels = kernels;
        this.shape = shape;
        this.maxClusters = maxClusters;
        this.n = n;
        this.precision = precision;
    }

    /**
     * Most row groups (ROWS rows each) a batch may have for the problem to choose the device epoch: the kernel's one block
     * runs them one after another, the per-batch loop's launch on that many blocks at once. Measured on an H200
     * (2026-12-04, {@link DeviceEpochBenchmark}, device epoch ÷ per-batch loop, time per epoch): 2,000,000 × 20 float32
     * (16 rows a group) B = 32, 48, 64, 96, 128: 2.57, 1.75, 1.29, 0.92, 0.72× faster; 200,000 × 1,000 (8 rows a group):
     * 2.00, 1.44, 1.12, 0.79, 0.64×; B = 1: 8.0× and 5.8×. The device epoch's time per epoch hardly moves with B while the
     * per-batch loop's falls as 1/B (a launch per batch), so the two cross near B = 80 at both shapes: at most 8 groups
     * and at most {@link #MAX_BATCH_ROWS} rows. (Was a provisional 32 groups: B = 256 ran 0.28–0.36× as fast.)
     */
    static final long MAX_SERIAL_GROUPS = 8;

    /** Most rows a batch may have for the device epoch (see {@link #MAX_SERIAL_GROUPS}). */
    static final long MAX_BATCH_ROWS = 64;

    /** Whether the epoch kernel runs for this fused shape (null: no fused kernel). */
    static boolean applies(FusedShape shape) {
        return shape != null && shape.cluster() == 1;
    }

    /**
     * Whether a batch of {@code batch} rows is at most {@link #MAX_BATCH_ROWS} rows and {@link #MAX_SERIAL_GROUPS} row
     * groups of the shape.
     */
    static boolean batchFits(FusedShape shape, long batch) {
        return batch <= MAX_BATCH_ROWS && (batch + shape.rowsPerGroup() - 1) / shape.rowsPerGroup() <= MAX_SERIAL_GROUPS;
    }

    /** X, y and the weights on the device (row i at x + i·n elements, y + i elements, weights + i doubles; weights null when unweighted). */
    record Rows(long x, long y, Pointer weights) {
    }

    /**
     * Runs the epoch: writes θ and {@code gradient} (the last batch's g + λ∘θ); returns Σ over the batches of Σwr² and the
     * steps taken, as {@link StochasticEpoch#runPerBatch}. Vectors absent from the plan are passed as null.
     */
    StochasticEpoch.EpochSums run(StochasticEpoch plan, Rows rows, CudaVector theta, CudaVector gradient, CudaVector means,
                                  CudaVector factors, CudaVector ridge, CudaVector squaredScales) {
        if (plan.average() != null) {
            throw new IllegalArgumentException("the device epoch does not average the iterates: use the per-batch loop");
        }
        long train = plan.rows().train();
        long batch = plan.batchSize();
        int block = (int) (batch * Math.max(1, StochasticEpoch.BLOCK_POSITIONS / batch));
        int batchesPerBlock = (int) ((block + batch - 1) / batch);
        ensureBuffers(block, batchesPerBlock, factors != null);
        double[] thresholds = plan.l1Thresholds();
        if (thresholds != null) {
            if (kappa == null) {
                kappa = context.allocate(8L * n, "epoch l1 thresholds");
                l1Scales = context.allocate(8L * n, "epoch l1 squared scales");
            }
            context.doublesToDevice(thresholds, kappa, 0);
            context.doublesToDevice(plan.l1SquaredScales(), l1Scales, 0);
        }
        context.doublesToDevice(new double[] {0.0}, state, 0);
        long t = plan.firstStep();
        long[] positions = new long[block];
        double[] steps = new double[batchesPerBlock];
        try (LongPointer host = new LongPointer(block)) {
            for (long start = 0; start < train; start += block) {
                int count = (int) Math.min(block, train - start);
                plan.rows().training(start, positions, 0, count);
                int batches = (int) ((count + batch - 1) / batch);
                for (int k = 0; k < batches; k++) {
                    steps[k] = plan.stepSize(t + k);
                }
                t += batches;
                host.put(positions, 0, count);
                context.toDevice(host, order, 0, 8L * count); // stream-ordered: after the previous block's kernel
                context.doublesToDevice(batches == steps.length ? steps : Arrays.copyOf(steps, batches), rates, 0);
                context.launch(kernels, "epoch_batches", 1, 1, shape.threads(),
                        new RawPointer(rows.x()), new RawPointer(rows.y()), rows.weights(), n, order, (long) count, batch,
                        maxClusters, rates, plan.targetWeight(), plan.targetMean(), memory(means), memory(factors),
                        memory(ridge), memory(squaredScales), thresholds != null ? kappa : null,
                        thresholds != null ? l1Scales : null, theta.memory(), factors != null ? work : null,
                        gradient.memory(), state);
            }
        }
        double sumOfSquares = context.doublesToHost(state, 0, 1)[0];
        return new StochasticEpoch.EpochSums(sumOfSquares, t - plan.firstStep());
    }

    private void ensureBuffers(int block, int batches, boolean needsWork) {
        if (order == null || order.bytes() < 8L * block) {
            context.free(order);
            order = context.allocate(8L * block, "epoch row order block");
        }
        if (rates == null || rates.bytes() < 8L * batches) {
            context.free(rates);
            rates = context.allocate(8L * batches, "epoch step sizes");
        }
        if (state == null) {
            state = context.allocate(8, "epoch Σwr²");
        }
        if (needsWork && work == null) {
            work = context.allocate((long) n * precision.bytes(), "epoch D∘θ");
        }
    }

    private static DeviceMemory memory(CudaVector v) {
        return v == null ? null : v.memory();
    }
}
