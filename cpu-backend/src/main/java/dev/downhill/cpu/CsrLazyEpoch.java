package dev.downhill.cpu;

import dev.downhill.Precision;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.EpochRows;
import dev.downhill.spi.SparseLazyEpoch;
import dev.downhill.spi.StochasticEpoch;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * {@link SparseLazyEpoch} in native code ({@code csr_lazy_*} of {@code downhill_csr_epoch.h}): the same steps and the
 * same bits as the Java loop, which runs interpreted for much of a short fit's first epoch and copies every row it
 * reads. θ = a·v + c·S²∘x̄ with v, d = S²∘x̄ and the state (a, c, x̄ᵀv, x̄ᵀd) off-heap in float64 for the epoch; the
 * batches run on the calling thread, {@value CpuProblem#EPOCH_CHUNK} per JNI call (their step sizes computed here).
 */
final class CsrLazyEpoch {
    private CsrLazyEpoch() {
    }

    /**
     * Runs {@code plan} (for which {@link SparseLazyEpoch#applies} holds) over the CSR X. Writes θ and {@code gradient}
     * as {@link SparseLazyEpoch#run} does.
     */
    static StochasticEpoch.EpochSums run(CsrMatrix x, Pointer values, Pointer y, DoublePointer weights, Precision precision,
                                         StochasticEpoch plan, BackendVector theta, BackendVector gradient) {
        int n = Math.toIntExact(theta.length());
        double lambdaS2 = SparseLazyEpoch.uniformRidgeRate(plan);
        if (plan.l1Thresholds() != null || Double.isNaN(lambdaS2)) {
            throw new IllegalArgumentException("the lazy sparse epoch needs no l1 term and a uniform λ∘S²");
        }
        long batches = plan.batches();
        int chunk = (int) Math.min(batches, CpuProblem.EPOCH_CHUNK);
        int batch = (int) Math.min(plan.batchSize(), plan.rows().train());
        EpochRows order = plan.rows();
        int size = Math.max(1, n);
        double[] start = theta.copyToHost();
        try (DoublePointer v = new DoublePointer(n == 0 ? new double[1] : start);
             DoublePointer d = new DoublePointer(size);
             DoublePointer mean = host(plan.means());
             DoublePointer factor = host(plan.columnFactors());
             DoublePointer s2 = host(plan.squaredScales());
             DoublePointer lambda = host(plan.ridge());
             DoublePointer state = new DoublePointer(4);
             DoublePointer wr = new DoublePointer(Math.max(1, batch));
             LongPointer rows = new LongPointer(Math.max(1, batch));
             DoublePointer lastTheta = new DoublePointer(size);
             DoublePointer g = new DoublePointer(size);
             DoublePointer sumSquares = new DoublePointer(1);
             DoublePointer rates = new DoublePointer(Math.max(1, chunk));
             DoublePointer columns = new DoublePointer(5L * size)) {
            EpochKernels.csr_lazy_begin(v, mean, s2, n, d, state);
            sumSquares.put(0, 0.0);
            double[] r = new double[Math.max(1, chunk)];
            for (long first = 0; first < batches; first += chunk) {
                int count = (int) Math.min(chunk, batches - first);
                CpuProblem.stepSizes(plan, first, count, r, rates);
                if (precision == Precision.FLOAT64) {
                    EpochKernels.csr_lazy_double(x.rowPointers(), x.columnIndices(), (DoublePointer) values, (DoublePointer) y,
                            weights, x.rows(), n, order.seed(), order.epoch(), order.train(), order.validationSeed(),
                            plan.batchSize(), first, count, rates, v, d, mean, factor, s2, lambda, lambdaS2, plan.targetMean(),
                            plan.targetWeight(), state, wr, rows, lastTheta, g, sumSquares, columns);
                } else {
                    EpochKernels.csr_lazy_float(x.rowPointers(), x.columnIndices(), (FloatPointer) values, (FloatPointer) y,
                            weights, x.rows(), n, order.seed(), order.epoch(), order.train(), order.validationSeed(),
                            plan.batchSize(), first, count, rates, v, d, mean, factor, s2, lambda, lambdaS2, plan.targetMean(),
                            plan.targetWeight(), state, wr, rows, lastTheta, g, sumSquares, columns);
                }
            }
            double[] out = new double[n];
            if (batches > 0) {
                g.get(out);
                gradient.copyFromHost(out);
            }
            EpochKernels.csr_lazy_materialize(v, d, state, n, lastTheta);
            lastTheta.get(out);
            theta.copyFromHost(out);
            return new StochasticEpoch.EpochSums(sumSquares.get(0), batches);
        }
    }

    /** A float64 host copy of {@code v}, or null. */
    private static DoublePointer host(BackendVector v) {
        return v == null ? null : new DoublePointer(v.copyToHost());
    }
}
