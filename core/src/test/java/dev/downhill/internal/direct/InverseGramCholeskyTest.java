package dev.downhill.internal.direct;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.FitInterruptedException;
import dev.downhill.spi.GramSystem;
import java.nio.DoubleBuffer;
import org.junit.jupiter.api.Test;

/**
 * What core keeps of {@link InverseGram#fromCholesky} now that the backend reads (LLᵀ)⁻¹
 * ({@link GramSystem#inverseDiagonal}): the scales, NaN for the excluded columns, Dx̄ with them left out, the rank, and
 * an interrupt check before the (native, uninterruptible) reading.
 */
class InverseGramCholeskyTest {

    /** A system of order n whose reading returns fixed raw values and records the v it was given. */
    private static final class FixedReading implements GramSystem {
        final int n;
        final double[] raw;
        final double form;
        double[] seen;
        int calls;

        FixedReading(double[] raw, double form) {
            this.n = raw.length;
            this.raw = raw;
            this.form = form;
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public DoubleBuffer lower() {
            throw new UnsupportedOperationException();
        }

        @Override
        public double[] moment() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int cholesky() {
            throw new UnsupportedOperationException();
        }

        @Override
        public double inverseNormEstimate() {
            throw new UnsupportedOperationException();
        }

        @Override
        public double inverseDiagonal(double[] v, double[] diagonal) {
            calls++;
            seen = v == null ? null : v.clone();
            System.arraycopy(raw, 0, diagonal, 0, n);
            return v == null ? 0 : form;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void coreScalesTheBackendsReadingAndExcludesTheConstantColumns() {
        FixedReading system = new FixedReading(new double[] {4, 1, 9, 0.25}, 7);
        double[] scales = {0.5, 1, 2, 1};
        double[] means = {3, 5, -1, 2};
        InverseGram g = InverseGram.fromCholesky(system, scales, new int[] {1}, means);
        assertArrayEquals(new double[] {0.25 * 4, Double.NaN, 4 * 9, 0.25}, g.diagonal(), 0);
        assertArrayEquals(new double[] {0.5 * 3, 0, 2 * -1, 2}, system.seen, 0, "v = D·x̄ with the constant column left out");
        assertEquals(7, g.meanQuadraticForm(), 0);
        assertEquals(3, g.rank());
        InverseGram uncentred = InverseGram.fromCholesky(system, scales, new int[0], null);
        assertEquals(0, uncentred.meanQuadraticForm(), 0);
        assertNull(system.seen);
        assertEquals(4, uncentred.rank());
    }

    /** The reading may be native and uninterruptible: an interrupt already set stops the fit before it, flag kept. */
    @Test
    void anInterruptStopsBeforeTheReading() {
        FixedReading system = new FixedReading(new double[] {1, 1}, 1);
        Thread.currentThread().interrupt();
        try {
            FitInterruptedException e = assertThrows(FitInterruptedException.class,
                    () -> InverseGram.fromCholesky(system, new double[] {1, 1}, new int[0], new double[] {1, 1}));
            assertTrue(e.threadInterrupted());
            assertEquals(0, system.calls, "the reading was not started");
            assertTrue(Thread.currentThread().isInterrupted(), "the flag is kept");
        } finally {
            Thread.interrupted();
        }
        assertFalse(Thread.currentThread().isInterrupted());
    }

    /**
     * The Java default (heap factor, the QR route's): L = [[2, 0], [1, 1]] has L⁻¹ = [[1/2, 0], [−1/2, 1]], so the
     * squared column norms are 1/2 and 1 and ‖L⁻¹(2, 3)ᵀ‖² = ‖(1, 2)‖² = 5; L is left as it was.
     */
    @Test
    void theJavaDefaultReadsASmallFactorExactly() {
        double[] l = {2, 1, 0, 1};
        double[] diagonal = new double[2];
        assertEquals(5, JavaDenseKernels.choleskyInverseDiagonal(DoubleBuffer.wrap(l), 2, new double[] {2, 3}, diagonal), 0);
        assertArrayEquals(new double[] {0.5, 1}, diagonal, 0);
        assertArrayEquals(new double[] {2, 1, 0, 1}, l, 0);
        InverseGram g = InverseGram.fromCholesky(l, 2, JavaDenseKernels.INSTANCE, new double[] {1, 1}, new int[0], new double[] {2, 3});
        assertArrayEquals(new double[] {0.5, 1}, g.diagonal(), 0);
        assertEquals(5, g.meanQuadraticForm(), 0);
    }
}
