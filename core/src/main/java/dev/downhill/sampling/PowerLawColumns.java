package dev.downhill.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Columns of a sparse matrix drawn as the words of a text are: column j with probability ∝ (j + 1)^−a (column 0 the most
 * frequent; E2006-tfidf's columns fall off about so with a = 0.8). The table of cumulative probabilities is built once
 * (n doubles) and shared; {@link Row} draws one row's distinct columns. Immutable and thread-safe; a {@link Row} is not.
 */
public final class PowerLawColumns {
    private final double[] cumulative;

    /** @param n the columns (≥ 1); @param exponent a ≥ 0 */
    public PowerLawColumns(int n, double exponent) {
        if (n < 1 || !(exponent >= 0)) {
            throw new IllegalArgumentException("need n ≥ 1 and an exponent ≥ 0, got " + n + " and " + exponent);
        }
        cumulative = new double[n];
        double total = 0;
        for (int j = 0; j < n; j++) {
            total += Math.pow(j + 1, -exponent);
            cumulative[j] = total;
        }
        for (int j = 0; j < n; j++) {
            cumulative[j] /= total;
        }
    }

    public int columns() {
        return cumulative.length;
    }

    /** The first column whose cumulative probability reaches u (u in [0, 1); the last column for u beyond rounding). */
    public int column(double u) {
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** A drawer of rows' distinct columns (its marks are n ints, reused row after row). Not thread-safe. */
    public Row row() {
        return new Row();
    }

    /** Draws one row's columns; one per thread. */
    public final class Row {
        private final int[] stamp = new int[cumulative.length];
        private int mark;

        private Row() {
        }

        /**
         * k distinct columns (k ≤ n) into out[offset, offset + k), sorted: candidates {@code column(r.nextDouble())}, or
         * {@code r.nextInt(n)} when k &gt; n/4 (where rejecting the power law's repeats would take too long), the first k
         * distinct ones kept. Consumes r. Writes out.
         */
        public void draw(SplittableRandom r, int k, int[] out, int offset) {
            int n = cumulative.length;
            if (k < 0 || k > n) {
                throw new IllegalArgumentException("a row holds 0 to " + n + " columns, not " + k);
            }
            if (++mark == 0) {
                Arrays.fill(stamp, 0);
                mark = 1;
            }
            boolean uniform = k > n / 4;
            int found = 0;
            while (found < k) {
                int j = uniform ? r.nextInt(n) : column(r.nextDouble());
                if (stamp[j] != mark) {
                    stamp[j] = mark;
                    out[offset + found++] = j;
                }
            }
            Arrays.sort(out, offset, offset + k);
        }
    }
}
