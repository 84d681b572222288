package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.IterationListener;
import dev.downhill.StopReason;
import dev.downhill.sampling.CounterBasedSampler;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;

/**
 * SGD (batch size 1) and mini-batch SGD: each epoch visits the rows in the order
 * {@link CounterBasedSampler#epochOrder}(seed, epoch, m); consecutive slices of B rows (the last
 * one shorter when B does not divide m) each take a step θ ← θ − η·(2/B)X_Bcᵀr_B.
 * Iteration 0 is one full pass at θ₀ (the starting loss); the loss of epoch e is the mean of the
 * batch losses seen during the epoch, Σ_B‖r_B‖²/m. Stops when that loss has not dropped below
 * (1 − tol)·best for {@code patience} epochs (tol &gt; 0), at the epoch limit, or by the listener.
 */
public final class StochasticGradientSolver {
    private StochasticGradientSolver() {
    }

    public static IterativeResult fit(CentredObjective objective, FitConfig config) {
        long m = objective.problem().rows();
        int n = Math.toIntExact(objective.problem().cols());
        long batch = config.batchSize(m);
        if (batch > m) {
            throw new IllegalArgumentException("batch size " + batch + " exceeds the " + m + " rows of X");
        }
        double eta = StepSize.resolve(config, objective, batch);
        double tol = config.tolerance(objective.problem().precision());
        IterationListener listener = config.listener();
        History losses = new History();
        History norms = new History();
        try (BackendVector theta = objective.problem().allocateVector(n);
             BackendVector gradient = objective.problem().allocateVector(n);
             BackendVector step = objective.problem().allocateVector(n)) {
            theta.copyFromHost(objective.startingPoint(config.initialCoefficients().values(n)));
            ResidualSums start = objective.gradient(theta, RowSlice.all(), gradient);
            double loss = start.sumOfSquares() / m;
            double norm = objective.gradientNorm(gradient);
            DivergenceGuard guard = new DivergenceGuard(loss, eta, config.learningRate().isAuto());
            losses.add(loss);
            norms.add(norm);
            guard.check(0, loss, norm);
            StopReason stop = StopReason.ITERATION_LIMIT;
            if (listener.onIteration(0, loss, norm) == IterationListener.Control.STOP) {
                stop = StopReason.STOPPED_BY_LISTENER;
            }
            double best = Double.POSITIVE_INFINITY;
            int stale = 0;
            long epoch = 0;
            while (stop == StopReason.ITERATION_LIMIT && epoch < config.maxIterations()) {
                long[] order = CounterBasedSampler.epochOrder(config.seed(), epoch, m);
                double sumSquares = 0;
                for (long from = 0; from < m; from += batch) {
                    long to = Math.min(m, from + batch);
                    ResidualSums sums = objective.gradient(theta, RowSlice.of(order, (int) from, (int) to), gradient);
                    sumSquares += sums.sumOfSquares();
                    if (objective.standardized()) {
                        objective.problem().copy(gradient, step); // keep the batch gradient for the epoch's norm
                        objective.precondition(step);
                        objective.problem().axpy(-eta, step, theta);
                    } else {
                        objective.problem().axpy(-eta, gradient, theta);
                    }
                }
                epoch++;
                loss = sumSquares / m;
                norm = objective.gradientNorm(gradient);
                losses.add(loss);
                norms.add(norm);
                guard.check(epoch, loss, norm);
                if (listener.onIteration(epoch, loss, norm) == IterationListener.Control.STOP) {
                    stop = StopReason.STOPPED_BY_LISTENER;
                    break;
                }
                if (tol > 0) {
                    stale = loss < (1 - tol) * best ? 0 : stale + 1;
                    best = Math.min(best, loss);
                    if (stale >= config.patience()) {
                        stop = StopReason.CONVERGED;
                    }
                }
            }
            double[] coefficients = theta.copyToHost();
            return new IterativeResult(coefficients, objective.interceptFor(coefficients), epoch, stop, losses.toArray(),
                    norms.toArray(), eta);
        }
    }
}
