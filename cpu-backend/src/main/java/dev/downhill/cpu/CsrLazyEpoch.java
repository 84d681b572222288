package dev.downhill.cpu;

import dev.downhill.Precision;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.EpochRows;
import dev.downhill.spi.SparseLazyEpoch;
import dev.downhill.spi.StochasticEpoch;
import dev.downhill.io.HugePages;
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
 * <p>One instance per problem holds the epoch's off-heap scratch (8·n float64 and 3·B values; float64 vectors — θ, g,
 * x̄, D, S², λ — are read and written in place, other precisions through 5·n more of float64 copies) from one epoch to
 * the next, grown when n or B grows, and frees it in {@link #close}: allocating it afresh each epoch cost more than the
 * epoch itself when n is large and the rows few (n = 2²⁰, 2,000 rows of ~52 entries: ~0.2 s an epoch, mostly the new
 * pages' faults and zeroing). Not thread-safe (the problem runs one pass at a time).
 */
final class CsrLazyEpoch implements AutoCloseable {
    private int columns = -1;
    private int batchCapacity = -1;
    private DoublePointer v;
    private DoublePointer d;
    private DoublePointer lastTheta;
    private DoublePointer records;
    /** float64 copies of x̄, D, S², λ and g for vectors that are not float64 cpu vectors (made when needed). */
    private final DoublePointer[] copies = new DoublePointer[5];
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
        return run(x, values, y, weights, precision, plan, theta, gradient, CpuProblem.EPOCH_CHUNK);
    }

    /** As {@link #run(CsrMatrix, Pointer, Pointer, DoublePointer, Precision, StochasticEpoch, BackendVector, BackendVector)}
     * with at most {@code chunk} batches per native call (tests: the same bits in any chunking). */
    StochasticEpoch.EpochSums run(CsrMatrix x, Pointer values, Pointer y, DoublePointer weights, Precision precision,
                                  StochasticEpoch plan, BackendVector theta, BackendVector gradient, int chunkLimit) {
        int n = Math.toIntExact(theta.length());
        double lambdaS2 = SparseLazyEpoch.uniformRidgeRate(plan);
        if (plan.l1Thresholds() != null || Double.isNaN(lambdaS2)) {
            throw new IllegalArgumentException("the lazy sparse epoch needs no l1 term and a uniform λ∘S²");
        }
        if (plan.average() != null) { // SparseLazyEpoch averages lazily; this native loop does not
            throw new IllegalArgumentException("the native lazy sparse epoch does not average the iterates");
        }
        long batches = plan.batches();
        int chunk = (int) Math.min(batches, chunkLimit);
        int batch = (int) Math.min(plan.batchSize(), plan.rows().train()); // the scratch's B, and the native calls'
        ensure(n, batch, chunk);
        EpochRows order = plan.rows();
        // float64 cpu vectors are read and written in place; others go through float64 copies (the same values)
        DoublePointer thetaIn = doubles(theta);
        if (thetaIn != null) {
            Pointer.memcpy(v, thetaIn, 8L * n);
        } else {
            v.put(theta.copyToHost(), 0, n);
        }
        DoublePointer meanP = load(plan.means(), 0);
        DoublePointer factorP = load(plan.columnFactors(), 1);
        DoublePointer s2P = load(plan.squaredScales(), 2);
        DoublePointer lambdaP = load(plan.ridge(), 3);
        DoublePointer gradientOwn = doubles(gradient);
        DoublePointer gOut = gradientOwn != null ? gradientOwn : scratch(4);
        EpochKernels.csr_lazy_begin(v, meanP, s2P, n, d, state);
        sumSquares.put(0, 0.0);
        double[] r = new double[Math.max(1, chunk)];
        for (long first = 0; first < batches; first += chunk) {
            int count = (int) Math.min(chunk, batches - first);
            CpuProblem.stepSizes(plan, first, count, r, rates);
            if (precision == Precision.FLOAT64) {
                EpochKernels.csr_lazy_double(x.rowPointers(), x.columnIndices(), (DoublePointer) values, (DoublePointer) y,
                        weights, x.rows(), n, order.seed(), order.epoch(), order.train(), order.validationSeed(),
                        batch, first, count, rates, v, d, meanP, factorP, s2P, lambdaP, lambdaS2, plan.targetMean(),
                        plan.targetWeight(), state, wr, rows, lastTheta, gOut, sumSquares, records);
            } else {
                EpochKernels.csr_lazy_float(x.rowPointers(), x.columnIndices(), (FloatPointer) values, (FloatPointer) y,
                        weights, x.rows(), n, order.seed(), order.epoch(), order.train(), order.validationSeed(),
                        batch, first, count, rates, v, d, meanP, factorP, s2P, lambdaP, lambdaS2, plan.targetMean(),
                        plan.targetWeight(), state, wr, rows, lastTheta, gOut, sumSquares, records);
            }
        }
        if (batches > 0 && gradientOwn == null) {
            double[] host = new double[n];
            gOut.get(host, 0, n);
            gradient.copyFromHost(host);
        }
        DoublePointer thetaOut = doubles(theta);
        EpochKernels.csr_lazy_materialize(v, d, state, n, thetaOut != null ? thetaOut : lastTheta);
        if (thetaOut == null) {
            double[] host = new double[n];
            lastTheta.get(host, 0, n);
            theta.copyFromHost(host);
        }
        return new StochasticEpoch.EpochSums(sumSquares.get(0), batches);
    }

    /** A float64 cpu vector's own memory, or null (another precision or backend: its values go through copies). */
    private static DoublePointer doubles(BackendVector vector) {
        return vector instanceof CpuVector c && c.precision() == Precision.FLOAT64 ? c.doubles() : null;
    }

    /**
     * {@code vector}'s values in float64 — its own memory for a float64 cpu vector (the kernels only read these), else a
     * copy in scratch slot {@code slot} — or null without a vector.
     */
    private DoublePointer load(BackendVector vector, int slot) {
        if (vector == null) {
            return null;
        }
        DoublePointer own = doubles(vector);
        if (own != null) {
            return own;
        }
        double[] values = vector.copyToHost();
        return scratch(slot).put(values, 0, values.length);
    }

    /** Copy slot k (0–3: x̄, D, S², λ; 4: g) of n float64, made when first needed (float32 problems only). */
    private DoublePointer scratch(int slot) {
        if (copies[slot] == null) {
            copies[slot] = HugePages.advise(new DoublePointer(Math.max(1, columns)));
        }
        return copies[slot];
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
            v = HugePages.advise(new DoublePointer(size));
            d = HugePages.advise(new DoublePointer(size));
            lastTheta = HugePages.advise(new DoublePointer(size));
            records = HugePages.advise(new DoublePointer(5 * size));
            columns = n;
        }
        if (batch > batchCapacity) {
            if (wr != null) {
                wr.close();
                rows.close();
            }
            wr = new DoublePointer(Math.max(1, batch));
            rows = new LongPointer(2L * Math.max(1, batch)); // this batch's rows, then the next one's
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
        for (Pointer p : new Pointer[] {v, d, lastTheta, records}) {
            if (p != null) {
                p.close();
            }
        }
        for (int k = 0; k < copies.length; k++) {
            if (copies[k] != null) {
                copies[k].close();
                copies[k] = null;
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
