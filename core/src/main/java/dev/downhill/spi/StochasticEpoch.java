package dev.downhill.spi;

import java.util.Objects;
import java.util.function.LongToDoubleFunction;

/**
 * One epoch of SGD or mini-batch SGD, everything a backend needs to run all its batches in one call
 * ({@link ResidentProblem#epoch}). Positions p = 0 … train−1 of {@link #rows()} are cut into consecutive batches of
 * B = {@link #batchSize()} rows (the last one shorter when B does not divide train); batch k (k = 0, 1, …, global
 * step t = {@link #firstStep()} + k), with its k_B rows and the rate η_t = {@link #stepSize}(t), does exactly
 * <pre>
 *   b   = μ_y − x̄ᵀθ                       (0 without {@link #means()}; float64 dot as {@link ResidentProblem#dot})
 *   θ̃   = D∘θ                              (θ itself without {@link #columnFactors()})
 *   g   = gradient(θ̃, b, τ, 2/k_B, batch)  ({@link ResidentProblem#gradient}, returning Σwr², Σwr)
 *   g   ← D∘g;   g ← g − (2/k_B)·Σwr·x̄     (each only when its vector is given)
 *   g   ← g + λ∘θ                          (with {@link #ridge()})
 *   θ   ← θ − η_t·(S²∘g)                   (S² = {@link #squaredScales()}, or θ − η_t·g without it)
 *   θⱼ  ← soft(θⱼ, η_t·κⱼ·sⱼ)              (with {@link #l1Thresholds()}: in float64 on the host values of θ,
 *                                          sⱼ = {@link #l1SquaredScales()}, then rounded to θ's precision)
 *   θ̄   ← θ                                (with {@link #average()}, at c_t = {@link #averagingFactor}(t) = 1)
 *   θ̄ⱼ  ← θ̄ⱼ + c_t·(θⱼ − θ̄ⱼ)              (with {@link #average()}, at 0 &lt; c_t &lt; 1: in float64, θ̄ a float64
 *                                          host array whatever θ's precision, {@link #averageStep})
 * </pre>
 * each vector operation rounding as the SPI's vector operations do (float32 vectors: computed in float64, rounded once
 * per operation). A native implementation must give the same bits as {@link #runPerBatch} (that loop through the
 * SPI's per-batch operations) on the same backend and thread count. Immutable; the vectors are the caller's (read only).
 */
public final class StochasticEpoch {
    /** Positions per block of the default loop's row order (a multiple of B is used; never an m-length array). */
    public static final int BLOCK_POSITIONS = 1 << 16;

    private final EpochRows rows;
    private final long batchSize;
    private final long firstStep;
    private final LongToDoubleFunction stepSizes;
    private final double targetWeight;
    private final double targetMean;
    private final BackendVector means;
    private final BackendVector columnFactors;
    private final BackendVector ridge;
    private final BackendVector squaredScales;
    private final double[] l1Thresholds;
    private final double[] l1SquaredScales;
    private final double centringRatio;
    private final double[] average;
    private final long averageFrom;

    private StochasticEpoch(Builder b) {
        this.rows = Objects.requireNonNull(b.rows, "rows");
        this.batchSize = b.batchSize;
        this.firstStep = b.firstStep;
        this.stepSizes = Objects.requireNonNull(b.stepSizes, "stepSizes");
        this.targetWeight = b.targetWeight;
        this.targetMean = b.targetMean;
        this.means = b.means;
        this.columnFactors = b.columnFactors;
        this.ridge = b.ridge;
        this.squaredScales = b.squaredScales;
        this.l1Thresholds = b.l1Thresholds;
        this.l1SquaredScales = b.l1SquaredScales;
        this.centringRatio = b.centringRatio;
        this.average = b.average;
        this.averageFrom = b.averageFrom;
        if (batchSize < 1 || batchSize > rows.train()) {
            throw new IllegalArgumentException("batch size " + batchSize + " outside [1, " + rows.train() + "]");
        }
        if (batchSize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("batch size " + batchSize + " exceeds 2³¹ − 9 rows");
        }
        if ((l1Thresholds == null) != (l1SquaredScales == null)
                || l1Thresholds != null && l1Thresholds.length != l1SquaredScales.length) {
            throw new IllegalArgumentException("l1 thresholds and their squared scales must both be given, of one length");
        }
    }

    public static Builder builder(EpochRows rows, long batchSize) {
        return new Builder(rows, batchSize);
    }

    /** The same epoch description for another epoch (its rows) starting at global step {@code step}. */
    public StochasticEpoch next(long epoch, long step, LongToDoubleFunction sizes) {
        Builder b = toBuilder();
        b.rows = rows.withEpoch(epoch);
        b.firstStep = step;
        b.stepSizes = sizes;
        return b.build();
    }

    private Builder toBuilder() {
        Builder b = new Builder(rows, batchSize);
        b.firstStep = firstStep;
        b.stepSizes = stepSizes;
        b.targetWeight = targetWeight;
        b.targetMean = targetMean;
        b.means = means;
        b.columnFactors = columnFactors;
        b.ridge = ridge;
        b.squaredScales = squaredScales;
        b.l1Thresholds = l1Thresholds;
        b.l1SquaredScales = l1SquaredScales;
        b.centringRatio = centringRatio;
        b.average = average;
        b.averageFrom = averageFrom;
        return b;
    }

    public EpochRows rows() {
        return rows;
    }

    public long batchSize() {
        return batchSize;
    }

    /** Number of batches (steps) of the epoch: ⌈train/B⌉. */
    public long batches() {
        return (rows.train() + batchSize - 1) / batchSize;
    }

    /** The global step t of the epoch's first batch (the schedule's position). */
    public long firstStep() {
        return firstStep;
    }

    /** η_t for global step t (the schedule, in the solver's units). */
    public double stepSize(long t) {
        return stepSizes.applyAsDouble(t);
    }

    /** τ, the target weight of every gradient pass. */
    public double targetWeight() {
        return targetWeight;
    }

    /** μ_y in b = μ_y − x̄ᵀθ (used only with {@link #means()}). */
    public double targetMean() {
        return targetMean;
    }

    /** x̄ (null: no intercept, b = 0). */
    public BackendVector means() {
        return means;
    }

    /** D (null: none). */
    public BackendVector columnFactors() {
        return columnFactors;
    }

    /** λ (null: no l2 term). */
    public BackendVector ridge() {
        return ridge;
    }

    /** S² (null: not standardized). */
    public BackendVector squaredScales() {
        return squaredScales;
    }

    /** κ on the host (null: no l1 term); a copy. */
    public double[] l1Thresholds() {
        return l1Thresholds == null ? null : l1Thresholds.clone();
    }

    /** The soft threshold's squared scales on the host (null without an l1 term); a copy. */
    public double[] l1SquaredScales() {
        return l1SquaredScales == null ? null : l1SquaredScales.clone();
    }

    /**
     * The largest x̄ⱼ²/σⱼ² over the columns the epoch centres (x̄ⱼ ≠ 0; +∞ for a constant non-zero column), or 0 when
     * not known or nothing is centred: how much an implementation that centres by differences of uncentred sums
     * loses (the lazy sparse epoch, {@link SparseLazyEpoch}, loses about ½·log₂ of it in bits of each residual).
     */
    public double centringRatio() {
        return centringRatio;
    }

    /**
     * θ̄, the running mean of the iterates, updated after each averaged step (null: no averaging): a float64 host array,
     * the caller's (not a copy: an epoch writes it), whatever θ's precision — in θ's float32 a long fit's updates
     * (θ − θ̄)/k fall below half an ulp of θ̄ and are lost (a review: 2.4 million steps, 5e-4 off).
     */
    public double[] average() {
        return average;
    }

    /** The first averaged step a (counted from 1 over the whole fit; 0 without averaging). */
    public long averageFrom() {
        return averageFrom;
    }

    /**
     * The averaging factor after global step t (counted from 0, as {@link #firstStep()}): 0 when nothing is averaged
     * there (no {@link #average()}, or t + 1 &lt; a), else c_t = 1/(t + 2 − a) — 1 at the first averaged step, where θ̄
     * becomes θ, then 1/2, 1/3, …: θ̄ is the mean of the iterates after steps a … t + 1.
     */
    public double averagingFactor(long t) {
        return averagingFactor(averageFrom, t);
    }

    /** {@link #averagingFactor(long)} for first averaged step {@code from} (0: none). */
    public static double averagingFactor(long from, long t) {
        if (from <= 0 || t + 1 < from) {
            return 0;
        }
        return 1.0 / (double) (t + 2 - from);
    }

    /** θⱼ ← sign(θⱼ)·max(0, |θⱼ| − η·κⱼ·sⱼ) in float64 (the proximal step of the l1 term). Writes {@code theta}. */
    public static void softThreshold(double[] theta, double[] kappa, double[] squaredScales, double eta) {
        for (int j = 0; j < theta.length; j++) {
            double t = eta * kappa[j] * squaredScales[j];
            double v = theta[j];
            theta[j] = v > t ? v - t : v < -t ? v + t : 0;
        }
    }

    /**
     * The reference implementation of {@link ResidentProblem#epoch}: every batch through the problem's own per-batch
     * operations ({@link ResidentProblem#gradient} on a {@link RowSlice} of a block of the order, dot, copy, multiply,
     * axpy), the order generated block by block ({@value #BLOCK_POSITIONS} positions rounded to a multiple of B).
     * Writes θ, {@code gradient} (the last batch's g + λ∘θ) and θ̄ ({@link #average()}, when averaging); returns Σ over
     * batches of Σwr² (summed in batch order) and the number of steps.
     */
    public static EpochSums runPerBatch(ResidentProblem problem, StochasticEpoch plan, BackendVector theta,
                                        BackendVector gradient) {
        long n = problem.cols();
        long train = plan.rows.train();
        long batch = plan.batchSize;
        int block = (int) (batch * Math.max(1, BLOCK_POSITIONS / batch));
        BackendVector factorScratch = null;
        BackendVector ridgeScratch = null;
        BackendVector step = null;
        try {
            factorScratch = plan.columnFactors != null ? problem.allocateVector(n) : null;
            ridgeScratch = plan.ridge != null ? problem.allocateVector(n) : null;
            step = plan.squaredScales != null ? problem.allocateVector(n) : null;
            double sumSquares = 0;
            long t = plan.firstStep;
            for (long start = 0; start < train; start += block) {
                int count = (int) Math.min(block, train - start);
                long[] order = new long[count]; // a fresh array per block: backends may cache an order by identity
                plan.rows.training(start, order, 0, count);
                for (int from = 0; from < count; from += (int) batch) {
                    int to = (int) Math.min(count, from + batch);
                    double scale = 2.0 / (to - from);
                    double intercept = plan.means != null ? plan.targetMean - problem.dot(plan.means, theta) : 0;
                    RowSlice slice = RowSlice.of(order, from, to);
                    ResidualSums sums;
                    if (plan.columnFactors != null) {
                        problem.copy(theta, factorScratch);
                        problem.multiply(plan.columnFactors, factorScratch);
                        sums = problem.gradient(factorScratch, intercept, plan.targetWeight, scale, slice, gradient);
                        problem.multiply(plan.columnFactors, gradient);
                    } else {
                        sums = problem.gradient(theta, intercept, plan.targetWeight, scale, slice, gradient);
                    }
                    if (plan.means != null) {
                        problem.axpy(-scale * sums.sum(), plan.means, gradient);
                    }
                    sumSquares += sums.sumOfSquares();
                    long stepIndex = t++;
                    double rate = plan.stepSizes.applyAsDouble(stepIndex);
                    if (plan.ridge != null) {
                        problem.copy(theta, ridgeScratch);
                        problem.multiply(plan.ridge, ridgeScratch);
                        problem.axpy(1, ridgeScratch, gradient);
                    }
                    if (step != null) {
                        problem.copy(gradient, step); // keep the batch gradient for the epoch's norm
                        problem.multiply(plan.squaredScales, step);
                        problem.axpy(-rate, step, theta);
                    } else {
                        problem.axpy(-rate, gradient, theta);
                    }
                    if (plan.l1Thresholds != null) {
                        double[] v = theta.copyToHost();
                        softThreshold(v, plan.l1Thresholds, plan.l1SquaredScales, rate);
                        theta.copyFromHost(v);
                    }
                    if (plan.average != null) {
                        averageStep(theta.copyToHost(), plan.average, plan.averagingFactor(stepIndex));
                    }
                }
            }
            return new EpochSums(sumSquares, t - plan.firstStep);
        } finally {
            for (BackendVector v : new BackendVector[] {step, ridgeScratch, factorScratch}) {
                if (v != null) {
                    v.close();
                }
            }
        }
    }

    /**
     * θ̄ after a step with averaging factor c ({@link #averagingFactor}), in float64: nothing at c = 0; θ̄ⱼ ← θⱼ at c = 1;
     * else θ̄ⱼ ← θ̄ⱼ + c·(θⱼ − θ̄ⱼ), the difference rounded once, then the product and the sum (no fused multiply-add: a
     * native epoch gives these bits). Writes {@code average}.
     *
     * @param theta θ on the host (θ's values, exact in float64)
     */
    public static void averageStep(double[] theta, double[] average, double c) {
        if (c == 1) {
            System.arraycopy(theta, 0, average, 0, theta.length);
        } else if (c > 0) {
            for (int j = 0; j < theta.length; j++) {
                double d = theta[j] - average[j];
                average[j] = average[j] + c * d;
            }
        }
    }

    /** What an epoch returns: Σ over its batches of Σwr² (in batch order, float64) and the steps taken. */
    public record EpochSums(double sumOfSquares, long steps) {
    }

    /** Builds a {@link StochasticEpoch}; unset vectors mean "absent". */
    public static final class Builder {
        private EpochRows rows;
        private final long batchSize;
        private long firstStep;
        private LongToDoubleFunction stepSizes;
        private double targetWeight = 1;
        private double targetMean;
        private BackendVector means;
        private BackendVector columnFactors;
        private BackendVector ridge;
        private BackendVector squaredScales;
        private double[] l1Thresholds;
        private double[] l1SquaredScales;
        private double centringRatio;
        private double[] average;
        private long averageFrom;

        private Builder(EpochRows rows, long batchSize) {
            this.rows = rows;
            this.batchSize = batchSize;
        }

        public Builder steps(long first, LongToDoubleFunction sizes) {
            this.firstStep = first;
            this.stepSizes = sizes;
            return this;
        }

        public Builder target(double weight, double mean) {
            this.targetWeight = weight;
            this.targetMean = mean;
            return this;
        }

        public Builder means(BackendVector v) {
            this.means = v;
            return this;
        }

        public Builder columnFactors(BackendVector v) {
            this.columnFactors = v;
            return this;
        }

        public Builder ridge(BackendVector v) {
            this.ridge = v;
            return this;
        }

        public Builder squaredScales(BackendVector v) {
            this.squaredScales = v;
            return this;
        }

        public Builder l1(double[] thresholds, double[] squaredScales) {
            this.l1Thresholds = thresholds == null ? null : thresholds.clone();
            this.l1SquaredScales = squaredScales == null ? null : squaredScales.clone();
            return this;
        }

        /** See {@link StochasticEpoch#centringRatio()} (≥ 0). */
        public Builder centringRatio(double ratio) {
            if (!(ratio >= 0)) {
                throw new IllegalArgumentException("centring ratio " + ratio + " must be ≥ 0");
            }
            this.centringRatio = ratio;
            return this;
        }

        /**
         * Averages the iterates into {@code average} (float64 on the host, n values; kept, not copied: the epochs write
         * it) from step {@code from} on (counted from 1; see {@link StochasticEpoch#averagingFactor}); {@code from} = 0
         * (with a null array) for none.
         */
        public Builder average(double[] average, long from) {
            if (from < 0 || (from == 0) != (average == null)) {
                throw new IllegalArgumentException("averaging needs its vector and a first step ≥ 1 (or neither), got step " + from);
            }
            this.average = average;
            this.averageFrom = from;
            return this;
        }

        public StochasticEpoch build() {
            return new StochasticEpoch(this);
        }
    }
}
