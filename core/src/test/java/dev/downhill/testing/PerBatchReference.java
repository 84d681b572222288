package dev.downhill.testing;

import dev.downhill.FitConfig;
import dev.downhill.LearningRateSchedule;
import dev.downhill.internal.CentredObjective;
import dev.downhill.sampling.CounterBasedSampler;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import dev.downhill.spi.StochasticEpoch;

/**
 * The stochastic solvers' per-batch loop as it was before the epoch operation (issue 15): the whole epoch's order as
 * one m-length array (the validation rows at its end), one {@link CentredObjective#gradient} call per batch, the
 * step through the objective's own vector operations. Kept here as the reference the epoch operation must reproduce
 * bit for bit: a fixed number of epochs from θ = 0 (no stopping rule), constant or scheduled steps given as η₀.
 */
public final class PerBatchReference {
    /** As the solver's salt for the validation split. */
    public static final long VALIDATION_SALT = 0x5EED_0F_7A11DL;

    private PerBatchReference() {
    }

    /** θ (internal units) after {@code epochs} epochs, and the epoch losses Σ_B Σwr² (before the penalty term). */
    public static Result run(CentredObjective objective, FitConfig config, double eta, long epochs) {
        long m = objective.problem().rows();
        int n = Math.toIntExact(objective.problem().cols());
        long held = config.validationFraction() > 0 ? Math.max(1, Math.round(config.validationFraction() * m)) : 0;
        long train = m - held;
        long batch = config.batchSize(train);
        long[] split = held > 0 ? CounterBasedSampler.epochOrder(config.seed() ^ VALIDATION_SALT, 0, m) : null;
        LearningRateSchedule schedule = config.schedule();
        double[] sums = new double[(int) epochs];
        try (BackendVector theta = objective.problem().allocateVector(n);
             BackendVector gradient = objective.problem().allocateVector(n);
             BackendVector step = objective.problem().allocateVector(n)) {
            boolean l1 = objective.penalty().hasL1();
            // weighted: steps η/w̄ and the penalty times w̄ (a batch's gradient is w̄ times the objective's on average)
            double weightMean = objective.trainingWeightMean(train);
            double[] kappa = l1 ? objective.l1Thresholds() : null;
            if (kappa != null) {
                for (int j = 0; j < kappa.length; j++) {
                    kappa[j] *= weightMean;
                }
            }
            double[] squaredScales = l1 ? objective.squaredScales() : null;
            theta.copyFromHost(objective.startingPoint(new double[n]));
            objective.gradient(theta, RowSlice.all(), gradient); // the solver's starting pass (it measures τ)
            long steps = 0;
            for (long epoch = 0; epoch < epochs; epoch++) {
                long[] order = epochOrder(config.seed(), epoch, m, train, split);
                double sumSquares = 0;
                for (long from = 0; from < train; from += batch) {
                    long to = Math.min(train, from + batch);
                    ResidualSums s = objective.gradient(theta, RowSlice.of(order, (int) from, (int) to), gradient);
                    sumSquares += s.sumOfSquares();
                    double rate = (schedule.kind() == LearningRateSchedule.Kind.INVERSE_TIME
                            ? objective.internalLearningRate(schedule.at(steps++, eta)) : schedule.at(steps++, eta)) / weightMean;
                    objective.addRidge(theta, gradient, weightMean);
                    if (objective.standardized()) {
                        objective.problem().copy(gradient, step);
                        objective.precondition(step);
                        objective.problem().axpy(-rate, step, theta);
                    } else {
                        objective.problem().axpy(-rate, gradient, theta);
                    }
                    if (l1) {
                        double[] t = theta.copyToHost();
                        StochasticEpoch.softThreshold(t, kappa, squaredScales, rate);
                        theta.copyFromHost(t);
                    }
                }
                sums[(int) epoch] = sumSquares;
            }
            return new Result(theta.copyToHost(), sums, gradient.copyToHost());
        }
    }

    /** The old order: positions [0, train) the epoch's permutation of the training rows, [train, m) the held-out rows. */
    static long[] epochOrder(long seed, long epoch, long m, long train, long[] split) {
        if (split == null) {
            return CounterBasedSampler.epochOrder(seed, epoch, m);
        }
        int held = (int) (m - train);
        long[] perm = CounterBasedSampler.epochOrder(seed, epoch, train);
        long[] order = new long[(int) m];
        for (int p = 0; p < train; p++) {
            order[p] = split[held + (int) perm[p]];
        }
        System.arraycopy(split, 0, order, (int) train, held);
        return order;
    }

    /** θ after the last epoch, each epoch's Σ_B Σwr², and the last batch gradient (+ λ∘θ). */
    public record Result(double[] theta, double[] epochSums, double[] lastGradient) {
    }
}
