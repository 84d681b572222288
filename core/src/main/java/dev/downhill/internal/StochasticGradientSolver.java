package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.IterationListener;
import dev.downhill.LearningRateSchedule;
import dev.downhill.StopReason;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import dev.downhill.spi.EpochRows;
import dev.downhill.spi.StochasticEpoch;

/**
 * SGD (batch size 1) and mini-batch SGD: each epoch visits the training rows in the order
 * {@link EpochRows} gives (the counter-based sampler's permutation of the training rows for (seed, epoch));
 * consecutive slices of B rows (the last one shorter when B does not divide m_train) each take a step
 * θ ← θ − η_t·P(2/B)X_Bcᵀr_B, with η_t from the {@link LearningRateSchedule} (t = steps taken) and P = S² when
 * standardized. A whole epoch is one backend call ({@link dev.downhill.spi.ResidentProblem#epoch}, described by
 * {@link CentredObjective#epochBuilder}): the cpu backend runs it as one native loop.
 * Iteration 0 is one full pass at θ₀ (the starting loss); the loss of epoch e is the mean of the
 * batch losses seen during the epoch, Σ_B‖r_B‖²/m_train. Stopping (tol &gt; 0): the monitored loss —
 * the epoch loss, or the validation MSE with early stopping — has not dropped below (1 − tol)·best for
 * {@code patience} epochs (an adaptive schedule first divides η by 5, and stops once η &lt; 10⁻⁶η₀);
 * also the epoch limit and the listener.
 *
 * <p>Sample weights: each visited row's contribution to a batch gradient is multiplied by its weight and the
 * batch normaliser stays B (as scikit-learn's SGDRegressor does with {@code sample_weight}); the losses here are
 * then (1/k)Σwᵢrᵢ² over the k rows visited (the starting loss over all m rows), the objective SGD samples.
 *
 * <p>Early stopping ({@link FitConfig#validationFraction()} = f &gt; 0): the first round(f·m) positions
 * of a seeded permutation (independent of the epoch orders) are held out ({@link #split}); they never take a step,
 * and the column means (and scales, when standardized) that centre every step and define the intercept are those of
 * the training rows only when the objective was made with the split ({@link CentredObjective}'s six-argument
 * constructor, as {@link dev.downhill.LinearRegression} does).
 *
 * <p>Penalties ({@link CentredObjective}): each batch gradient gains λ∘θ (l2); with an l1 term each step is followed
 * by its proximal step, soft-thresholding θⱼ at η_t·κⱼ·Sⱼⱼ² (proximal SGD; done on the host, O(n) per batch). The
 * epoch loss is then F: the mean batch MSE plus the penalty at the end of the epoch.
 *
 * <p>Averaging ({@link FitConfig#averageFrom()} = a ≥ 1, averaged SGD): every epoch also keeps θ̄, the mean of the
 * iterates after steps a, a + 1, … ({@link StochasticEpoch#averagingFactor}), and the coefficients returned are θ̄'s
 * once step a has been taken (θ's otherwise). The losses, the stopping rule and the validation error follow θ.
 */
public final class StochasticGradientSolver {
    /** Mixed into the seed for the permutation that picks the validation rows. */
    public static final long VALIDATION_SALT = 0x5EED_0F_7A11DL;

    private StochasticGradientSolver() {
    }

    /**
     * Fits, saving the state at epoch boundaries (before an epoch's first batch) through {@code checkpoint} and starting from
     * its restored state when it has one: θ, η₀ and η (the adaptive schedule's), the steps taken (the schedule's
     * position), the epoch (which fixes the row order: the sampler is counter-based), the stopping rule's best loss and
     * stale count, and the histories.
     */
    public static IterativeResult fit(CentredObjective objective, FitConfig config, Checkpointer checkpoint) {
        String name = config.solver().cliName();
        SolverState resume = checkpoint.take(name);
        long m = objective.problem().rows();
        int n = Math.toIntExact(objective.problem().cols());
        long held = heldRows(config, m);
        long train = m - held;
        long batch = config.batchSize(train);
        if (train < 1) {
            throw new IllegalArgumentException("validation fraction " + config.validationFraction() + " leaves no training rows of " + m);
        }
        if (batch > train) {
            throw new IllegalArgumentException("batch size " + batch + " exceeds the " + train + " training rows of X"
                    + (held > 0 ? " (" + held + " held out for validation)" : ""));
        }
        double eta0 = resume != null ? resume.real("eta0") : StepSize.resolve(config, objective, batch);
        double eta = resume != null ? resume.real("eta") : eta0;
        LearningRateSchedule schedule = config.schedule();
        double tol = config.tolerance(objective.problem().precision());
        IterationListener listener = config.listener();
        History losses = new History();
        History norms = new History();
        History validation = new History(); // early stopping's held-out MSE after each epoch
        long averageFrom = config.averageFrom();
        try (BackendVector theta = objective.problem().allocateVector(n);
             BackendVector gradient = objective.problem().allocateVector(n)) {
            double[] average = averageFrom > 0 ? new double[n] : null; // θ̄: float64 on the host (StochasticEpoch#average)
            boolean penalised = objective.penalty().isActive();
            if (objective.penalty().hasL1()) {
                objective.l1Thresholds(); // τ first (a pass of its own), as before the epoch operation
            }
            double loss;
            double norm;
            DivergenceGuard guard;
            StopReason stop = StopReason.ITERATION_LIMIT;
            double best = Double.POSITIVE_INFINITY;
            int stale = 0;
            long epoch = 0;
            long steps = 0;
            if (resume != null) {
                theta.copyFromHost(resume.vector("theta", n));
                if (average != null) {
                    System.arraycopy(resume.vector("average", n), 0, average, 0, n);
                }
                for (double v : resume.vector("lossHistory")) {
                    losses.add(v);
                }
                for (double v : resume.vector("gradientNormHistory")) {
                    norms.add(v);
                }
                if (resume.has("validationHistory")) {
                    for (double v : resume.vector("validationHistory")) {
                        validation.add(v);
                    }
                } else if (held > 0 && tol > 0) { // a checkpoint saved before the history was kept: its epochs unknown
                    for (long e = 0; e < resume.iteration(); e++) {
                        validation.add(Double.NaN);
                    }
                }
                guard = new DivergenceGuard(resume.vector("lossHistory")[0], eta0, config.learningRate().isAuto());
                best = resume.real("best");
                stale = Math.toIntExact(resume.integer("stale"));
                epoch = resume.iteration();
                steps = resume.integer("steps");
            } else {
                theta.copyFromHost(objective.startingPoint(config.initialCoefficients().values(n)));
                ResidualSums start = objective.gradient(theta, RowSlice.all(), gradient);
                objective.addRidge(theta, gradient);
                loss = start.sumOfSquares() / objective.weightSum() + (penalised ? objective.penaltyTerm(theta.copyToHost()) : 0);
                norm = objective.gradientNorm(gradient);
                guard = new DivergenceGuard(loss, eta0, config.learningRate().isAuto());
                losses.add(loss);
                norms.add(norm);
                guard.check(0, loss, norm);
                if (listener.onIteration(0, loss, norm) == IterationListener.Control.STOP) {
                    stop = StopReason.STOPPED_BY_LISTENER;
                }
            }
            // a batch's gradient (2/k_B)Σ_B wᵢxᵢrᵢ is w̄ times the objective's on average: steps η/w̄, the penalty times w̄
            double weightMean = objective.trainingWeightMean(train);
            double trainWeight = weightMean * train; // Σw of the training rows (m_train when unweighted)
            double heldWeight = held > 0 && tol > 0 ? validationWeight(objective, split(config, m), gradient) : 0;
            StochasticEpoch base = objective.epochBuilder(split(config, m), batch, weightMean).steps(0, t -> eta0 / weightMean)
                    .average(average, averageFrom).build();
            while (stop == StopReason.ITERATION_LIMIT && epoch < config.maxIterations()) {
                long at = epoch;
                double e = eta;
                double bestSoFar = best;
                long staleSoFar = stale;
                long stepsSoFar = steps;
                checkpoint.boundary(epoch, () -> withAverage(SolverState.builder(name, at, false), average)
                        .put("theta", theta.copyToHost()).put("eta0", eta0).put("eta", e).put("steps", stepsSoFar).put("best", bestSoFar).put("stale", staleSoFar)
                        .put("lossHistory", losses.toArray()).put("gradientNormHistory", norms.toArray())
                        .put("validationHistory", validation.toArray()).build());
                double epochEta = eta;
                StochasticEpoch plan = base.next(epoch, steps, t -> (schedule.kind() == LearningRateSchedule.Kind.INVERSE_TIME
                        ? objective.internalLearningRate(schedule.at(t, epochEta)) : schedule.at(t, epochEta)) / weightMean); // a/(t + b): the user's units
                StochasticEpoch.EpochSums sums = objective.problem().epoch(plan, theta, gradient);
                double sumSquares = sums.sumOfSquares();
                steps += sums.steps();
                epoch++;
                loss = sumSquares / trainWeight + (penalised ? objective.penaltyTerm(theta.copyToHost()) : 0);
                norm = objective.gradientNorm(gradient);
                losses.add(loss);
                norms.add(norm);
                guard.check(epoch, loss, norm);
                if (listener.onIteration(epoch, loss, norm) == IterationListener.Control.STOP) {
                    stop = StopReason.STOPPED_BY_LISTENER;
                    break;
                }
                if (tol > 0) {
                    double heldSquares = held > 0 ? validationSumOfSquares(objective, plan.rows(), theta, gradient) : 0;
                    double monitored = held > 0 ? heldSquares / held : loss;
                    if (held > 0) { // the held-out rows' (weighted) MSE, Σwr²/Σw over them
                        validation.add(heldSquares / heldWeight);
                    }
                    stale = monitored < (1 - tol) * best ? 0 : stale + 1;
                    best = Math.min(best, monitored);
                    if (stale >= config.patience()) {
                        boolean adapt = schedule.kind() == LearningRateSchedule.Kind.ADAPTIVE
                                && eta / LearningRateSchedule.ADAPTIVE_FACTOR >= LearningRateSchedule.ADAPTIVE_FLOOR * eta0;
                        if (adapt) {
                            eta /= LearningRateSchedule.ADAPTIVE_FACTOR;
                            stale = 0;
                        } else {
                            stop = StopReason.CONVERGED;
                        }
                    }
                }
            }
            boolean averaged = average != null && steps >= averageFrom; // θ̄ exists once step a has been taken
            double[] coefficients = averaged ? average.clone() : theta.copyToHost();
            return new IterativeResult(coefficients, objective.interceptFor(coefficients), epoch, stop, losses.toArray(),
                    norms.toArray(), eta0, Double.NaN, null, validation.toArray());
        }
    }

    /** {@code state} with θ̄ ("average") when the fit averages its iterates. */
    private static SolverState.Builder withAverage(SolverState.Builder state, double[] average) {
        return average == null ? state : state.put("average", average.clone());
    }

    /**
     * The steps a stochastic fit of {@code rows} rows took in {@code epochs} epochs: epochs times the batches of an
     * epoch, ⌈m_train/B⌉ (the training rows those of {@link #split}, B the batch size for them); {@link Long#MAX_VALUE}
     * past it.
     */
    public static long stepsTaken(FitConfig config, long rows, long epochs) {
        long train = rows - heldRows(config, rows);
        long batch = config.batchSize(train);
        try {
            return Math.multiplyExact(epochs, (train + batch - 1) / batch);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The rows early stopping holds out of m: max(1, round(f·m)) for a validation fraction f &gt; 0, else 0. */
    static long heldRows(FitConfig config, long m) {
        return config.validationFraction() > 0 ? Math.max(1, Math.round(config.validationFraction() * m)) : 0;
    }

    /**
     * Σw of the held-out rows, read by a gradient pass over them at θ = 0, intercept 1 and target weight 0 (each residual
     * 1, so Σwr² = Σw; their count when unweighted). Writes {@code gradient}.
     */
    private static double validationWeight(CentredObjective objective, EpochRows rows, BackendVector gradient) {
        try (BackendVector zero = objective.problem().allocateVector(gradient.length())) {
            zero.copyFromHost(new double[Math.toIntExact(gradient.length())]);
            return overValidationRows(rows, slice -> objective.problem().gradient(zero, 1, 0, 1, slice, gradient).sumOfSquares());
        }
    }

    /**
     * Σ of {@code pass} over the validation rows: one slice when they fit an array, else blocks of 2³⁰ whose values are
     * added.
     */
    private static double overValidationRows(EpochRows rows, java.util.function.ToDoubleFunction<RowSlice> pass) {
        long held = rows.held();
        int block = (int) Math.min(held, held <= Integer.MAX_VALUE - 8 ? held : 1 << 30);
        double sum = 0;
        for (long from = 0; from < held; from += block) {
            int count = (int) Math.min(block, held - from);
            long[] order = new long[count];
            rows.validation(from, order, 0, count);
            sum += pass.applyAsDouble(RowSlice.of(order, 0, count));
        }
        return sum;
    }

    /**
     * The rows of epoch 0 of a stochastic fit of m rows: its training rows and, with early stopping
     * ({@link FitConfig#validationFraction()} = f &gt; 0), the max(1, round(f·m)) validation rows held out of every epoch
     * (the split is keyed by seed ⊕ {@link #VALIDATION_SALT}).
     */
    public static EpochRows split(FitConfig config, long m) {
        long held = heldRows(config, m);
        if (held >= m) {
            throw new IllegalArgumentException("validation fraction " + config.validationFraction() + " leaves no training rows of " + m);
        }
        return EpochRows.of(config.seed(), 0, m, m - held, config.seed() ^ VALIDATION_SALT);
    }

    /**
     * Σwr² of the validation rows at θ (one pass over them: one slice when they fit an array, else blocks of 2³⁰ whose
     * sums are added). Writes {@code gradient}.
     */
    static double validationSumOfSquares(CentredObjective objective, EpochRows rows, BackendVector theta, BackendVector gradient) {
        return overValidationRows(rows, slice -> objective.gradient(theta, slice, gradient).sumOfSquares());
    }
}
