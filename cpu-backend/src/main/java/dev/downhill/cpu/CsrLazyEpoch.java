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
 *
 * <p>One instance per problem holds the epoch's off-heap scratch (about 11·n float64 and 2·B values) from one epoch to
 * the next, grown when n or B grows, and frees it in {@link #close}: allocating it afresh each epoch cost more than the
 * epoch itself when n is large and the rows few (n = 2²⁰, 2,000 rows of ~52 entries: ~0.2 s an epoch, mostly the new
 * pages' faults and zeroing). Not thread-safe (the problem runs one pass at a time).
 */
final class CsrLazyEpoch implements AutoCloseable {
    private int columns = -1;
    private int batchCapacity = -1;
    private DoublePointer v;
    private DoublePointer d;
    private DoublePointer mean;
    private DoublePointer factor;
    private DoublePointer s2;
    private DoublePointer lambda;
    private DoublePointer lastTheta;
    private DoublePointer g;
    private DoublePointer records;
    private DoublePointer wr;
    private LongPointer rows;
    private DoublePointer state;
    private DoublePointer sumSquares;
    private DoublePointer rates;
    private int rateCapacity = -1;

    /**
     * Runs {@code plan} (for which {@link SparseLazyEpoch#applies} holds) over the CSR X. Writes θ and {@code gradient}
     * as {@link SparseLazyEpoch#run} does.
     */
    StochasticEpoch.EpochSums run(CsrMatrix x, Pointer values, Pointer y, DoublePointer weights, Precision precision,
                                  StochasticEpoch plan, BackendVector theta, BackendVector gradient) {
        int n = Math.toIntExact(theta.length());
        double lambdaS2 = SparseLazyEpoch.uniformRidgeRate(plan);
        if (plan.l1Thresholds() != null || Double.isNaN(lambdaS2)) {
            throw new IllegalArgumentException("the lazy sparse epoch needs no l1 term and a uniform λ∘S²");
        }
        long batches = plan.batches();
        int chunk = (int) Math.min(batches, CpuProblem.EPOCH_CHUNK);
        int batch = (int) Math.min(plan.batchSize(), plan.rows().train());
        ensure(n, batch, chunk);
        EpochRows order = plan.rows();
        double[] host = theta.copyToHost();
        v.put(host, 0, n);
        DoublePointer meanP = load(plan.means(), mean);
        DoublePointer factorP = load(plan.columnFactors(), factor);
        DoublePointer s2P = load(plan.squaredScales(), s2);
        DoublePointer lambdaP = load(plan.ridge(), lambda);
        EpochKernels.csr_lazy_begin(v, meanP, s2P, n, d, state);
        sumSquares.put(0, 0.0);
        double[] r = new double[Math.max(1, chunk)];
        for (long first = 0; first < batches; first += chunk) {
            int count = (int) Math.min(chunk, batches - first);
            CpuProblem.stepSizes(plan, first, count, r, rates);
            if (precision == Precision.FLOAT64) {
                EpochKernels.csr_lazy_double(x.rowPointers(), x.columnIndices(), (DoublePointer) values, (DoublePointer) y,
                        weights, x.rows(), n, order.seed(), order.epoch(), order.train(), order.validationSeed(),
                        plan.batchSize(), first, count, rates, v, d, meanP, factorP, s2P, lambdaP, lambdaS2, plan.targetMean(),
                        plan.targetWeight(), state, wr, rows, lastTheta, g, sumSquares, records);
            } else {
                EpochKernels.csr_lazy_float(x.rowPointers(), x.columnIndices(), (FloatPointer) values, (FloatPointer) y,
                        weights, x.rows(), n, order.seed(), order.epoch(), order.train(), order.validationSeed(),
                        plan.batchSize(), first, count, rates, v, d, meanP, factorP, s2P, lambdaP, lambdaS2, plan.targetMean(),
                        plan.targetWeight(), state, wr, rows, lastTheta, g, sumSquares, records);
            }
        }
        if (batches > 0) {
            g.get(host, 0, n);
            gradient.copyFromHost(host);
        }
        EpochKernels.csr_lazy_materialize(v, d, state, n, lastTheta);
        lastTheta.get(host, 0, n);
        theta.copyFromHost(host);
        return new StochasticEpoch.EpochSums(sumSquares.get(0), batches);
    }

    /** {@code into} holding {@code vector}'s values in float64, or null without a vector. */
    private static DoublePointer load(BackendVector vector, DoublePointer into) {
        if (vector == null) {
            return null;
        }
        if (vector instanceof CpuVector c && c.precision() == Precision.FLOAT64) {
            Pointer.memcpy(into, c.pointer(), 8L * vector.length());
            return into;
        }
        double[] values = vector.copyToHost();
        into.put(values, 0, values.length);
        return into;
    }

    /** Scratch for n columns, batches of B rows and chunks of `chunk` step sizes (kept when already large enough). */
    private void ensure(int n, int batch, int chunk) {
        if (state == null) {
            state = new DoublePointer(4);
            sumSquares = new DoublePointer(1);
        }
        if (n > columns) {
            freeColumns();
            long size = Math.max(1, n);
            v = new DoublePointer(size);
            d = new DoublePointer(size);
            mean = new DoublePointer(size);
            factor = new DoublePointer(size);
            s2 = new DoublePointer(size);
            lambda = new DoublePointer(size);
            lastTheta = new DoublePointer(size);
            g = new DoublePointer(size);
            records = new DoublePointer(5 * size);
            columns = n;
        }
        if (batch > batchCapacity) {
            if (wr != null) {
                wr.close();
                rows.close();
            }
            wr = new DoublePointer(Math.max(1, batch));
            rows = new LongPointer(Math.max(1, batch));
            batchCapacity = batch;
        }
        if (chunk > rateCapacity) {
            if (rates != null) {
                rates.close();
            }
            rates = new DoublePointer(Math.max(1, chunk));
            rateCapacity = chunk;
        }
    }

    private void freeColumns() {
        for (Pointer p : new Pointer[] {v, d, mean, factor, s2, lambda, lastTheta, g, records}) {
            if (p != null) {
                p.close();
            }
        }
        columns = -1;
    }

    @Override
    public void close() {
        freeColumns();
        for (Pointer p : new Pointer[] {wr, rows, rates, state, sumSquares}) {
            if (p != null) {
                p.close();
            }
        }
    }
}
