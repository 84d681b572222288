package dev.downhill.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fixed-order combination: the same bits whatever order Spark merges in; TSQR's R against the R of all rows. */
class OrderedTreeSumTest {

    /** Partials whose float64 sum depends on the order (magnitudes 1e-8 … 1e8). */
    private static double[][] partials(int p, int n, long seed) {
        Random r = new Random(seed);
        double[][] v = new double[p][n];
        for (double[] row : v) {
            for (int j = 0; j < n; j++) {
                row[j] = r.nextGaussian() * Math.pow(10, r.nextInt(17) - 8);
            }
        }
        return v;
    }

    /** Adds the partials to per-task aggregates in a random order and merges those in a random order, as Spark may. */
    private static double[] shuffled(double[][] v, int mode, long seed) {
        Random r = new Random(seed);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < v.length; i++) {
            order.add(i);
        }
        Collections.shuffle(order, r);
        List<OrderedTreeSum> parts = new ArrayList<>();
        for (int i : order) {
            parts.add(new OrderedTreeSum(mode).add(i, v[i]));
        }
        while (parts.size() > 1) {
            int a = r.nextInt(parts.size());
            OrderedTreeSum x = parts.remove(a);
            int b = r.nextInt(parts.size());
            parts.set(b, r.nextBoolean() ? parts.get(b).merge(x) : x.merge(parts.get(b)));
        }
        return parts.get(0).result();
    }

    @Test
    void sameBitsInAnyMergeOrder() {
        for (int p : new int[] {1, 2, 3, 7, 8, 13, 64}) {
            double[][] v = partials(p, 5, p);
            double[] first = shuffled(v, OrderedTreeSum.SUM, 1);
            boolean orderMatters = false;
            for (long seed = 2; seed < 30; seed++) {
                assertArrayEquals(first, shuffled(v, OrderedTreeSum.SUM, seed), 0, p + " partitions, order " + seed);
            }
            // and the sum itself: within float64 rounding of the exact one (BigDecimal)
            for (int j = 0; j < 5; j++) {
                java.math.BigDecimal exact = java.math.BigDecimal.ZERO;
                double plain = 0;
                double scale = 0;
                for (double[] row : v) {
                    exact = exact.add(new java.math.BigDecimal(row[j]));
                    plain += row[j];
                    scale += Math.abs(row[j]);
                }
                assertEquals(exact.doubleValue(), first[j], p * 1.2e-16 * scale);
                orderMatters |= plain != first[j];
            }
            if (p == 64) {
                assertTrue(orderMatters, "the data are such that the order changes the bits of a running sum");
            }
        }
    }

    @Test
    void tsqrGivesTheFactorOfAllRows() {
        int cols = 4;
        Random r = new Random(3);
        int p = 5;
        int rowsEach = 6;
        double[][] all = new double[p * rowsEach][cols];
        for (double[] row : all) {
            for (int j = 0; j < cols; j++) {
                row[j] = r.nextGaussian();
            }
        }
        double[][] v = new double[p][];
        for (int k = 0; k < p; k++) {
            double[] a = new double[rowsEach * cols];
            for (int i = 0; i < rowsEach; i++) {
                for (int j = 0; j < cols; j++) {
                    a[i + j * rowsEach] = all[k * rowsEach + i][j];
                }
            }
            dev.downhill.spi.QrReduction q = dev.downhill.internal.direct.HouseholderQr.reduce(a, rowsEach, cols);
            v[k] = OrderedTreeSum.factor(q.r(), q.rows(), q.cols());
        }
        double[] first = shuffled(v, OrderedTreeSum.QR, 1);
        for (long seed = 2; seed < 10; seed++) {
            assertArrayEquals(first, shuffled(v, OrderedTreeSum.QR, seed), 0);
        }
        int rows = (int) first[0];
        assertEquals(cols, rows);
        // RᵀR = AᵀA (the Gram matrix of every row), to float64 rounding
        for (int a = 0; a < cols; a++) {
            for (int b = 0; b < cols; b++) {
                double rr = 0;
                for (int i = 0; i < rows; i++) {
                    rr += first[2 + i + a * rows] * first[2 + i + b * rows];
                }
                double aa = 0;
                for (double[] row : all) {
                    aa += row[a] * row[b];
                }
                assertEquals(aa, rr, 1e-12 * all.length);
            }
        }
    }

    /**
     * Weighted means merged as means: equal means give that mean exactly (a constant column's global mean is its value;
     * Σ Wₚx̄ₚ / W rounds it), a block of weight 0 counts for nothing, and any mix is the exact weighted mean (BigDecimal)
     * in double-double to ~ε of the blocks' spread; the same bits in any merge order.
     */
    @Test
    void meansMergeExactlyWhenEqualAndToTheSpreadsPrecisionOtherwise() {
        Random r = new Random(11);
        for (int p : new int[] {2, 5, 13}) {
            double[][] v = new double[p][];
            for (int i = 0; i < p; i++) {
                double w = i == 1 ? 0 : 0.5 + r.nextDouble() * 10;
                // [W, Σw², three means' high parts, their low parts (0: the means are these doubles)]
                v[i] = new double[] {w, w * w, 3.7, i == 1 ? 99 : 1e6 + r.nextGaussian(), r.nextGaussian(), 0, 0, 0};
            }
            double[] merged = shuffled(v, OrderedTreeSum.MEANS, 1);
            for (long seed = 2; seed < 10; seed++) {
                assertArrayEquals(merged, shuffled(v, OrderedTreeSum.MEANS, seed), 0, p + " blocks, order " + seed);
            }
            assertEquals(3.7, merged[2], 0, "equal means: exactly that mean");
            java.math.BigDecimal weights = java.math.BigDecimal.ZERO;
            for (double[] b : v) {
                weights = weights.add(new java.math.BigDecimal(b[0]));
            }
            assertEquals(weights.doubleValue(), merged[0], Math.ulp(merged[0]) * p, "the weight sum");
            for (int j = 3; j < 5; j++) {
                java.math.BigDecimal sum = java.math.BigDecimal.ZERO;
                for (double[] b : v) {
                    sum = sum.add(new java.math.BigDecimal(b[0]).multiply(new java.math.BigDecimal(b[j])));
                }
                java.math.BigDecimal exact = sum.divide(weights, java.math.MathContext.DECIMAL128);
                // the double-double mean (the weight-0 block's 99 ignored): within ~ε of the blocks' spread (≤ 10 here), not
                // of the mean (1e6: a plain Σ Wₚx̄ₚ / W errs by ~ε·1e6, a hundred times this bound)
                double error = exact.subtract(new java.math.BigDecimal(merged[j])).subtract(new java.math.BigDecimal(merged[j + 3]))
                        .abs().doubleValue();
                assertTrue(error <= 64 * p * Math.ulp(10.0), "mean " + j + ": double-double error " + error);
            }
        }
    }
}
