package dev.downhill.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CounterBasedSamplerTest {
    private static final long[] SEEDS = {0L, 1L, 42L, -7L, Long.MIN_VALUE, 0x9E3779B97F4A7C15L};
    private static final long[] EPOCHS = {0L, 1L, 2L, 17L, 1_000_003L};

    /** Reference: a permutation of [0, m) has every value exactly once. */
    private static void assertPermutation(long[] order, long m, String what) {
        assertEquals(m, order.length, what + ": length");
        boolean[] seen = new boolean[(int) m];
        for (int p = 0; p < order.length; p++) {
            long r = order[p];
            assertTrue(r >= 0 && r < m, what + ": position " + p + " holds " + r + " outside [0, " + m + ")");
            assertFalse(seen[(int) r], what + ": row " + r + " appears twice");
            seen[(int) r] = true;
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 7, 10, 16, 17, 64, 65, 1000, 1024, 4097})
    void epochOrderIsAPermutationAndRowAtAgrees(long m) {
        for (long seed : SEEDS) {
            for (long epoch : EPOCHS) {
                String what = "m=" + m + " seed=" + seed + " epoch=" + epoch;
                long[] order = CounterBasedSampler.epochOrder(seed, epoch, m);
                assertPermutation(order, m, what);
                for (int p = 0; p < m; p++) {
                    assertEquals(order[p], CounterBasedSampler.rowAt(seed, epoch, p, m), what + " position " + p);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 7, 64, 65, 1000, 4097})
    void sameInputsGiveTheSameOrder(long m) {
        for (long seed : SEEDS) {
            long[] a = CounterBasedSampler.epochOrder(seed, 3, m);
            long[] b = CounterBasedSampler.epochOrder(seed, 3, m);
            assertArrayEquals(a, b);
            assertEquals(CounterBasedSampler.rowAt(seed, 3, m - 1, m), CounterBasedSampler.rowAt(seed, 3, m - 1, m));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {10, 64, 65, 1000, 4097})
    void differentEpochsAndSeedsGiveDifferentOrders(long m) {
        // For m ≥ 10 two independent orders coincide with probability about 1/m! ≤ 2.8e-7.
        for (long seed : SEEDS) {
            long[] previous = CounterBasedSampler.epochOrder(seed, 0, m);
            for (long epoch = 1; epoch < 20; epoch++) {
                long[] next = CounterBasedSampler.epochOrder(seed, epoch, m);
                assertFalse(Arrays.equals(previous, next), "m=" + m + " seed=" + seed + ": epochs " + (epoch - 1) + " and " + epoch + " coincide");
                previous = next;
            }
        }
        assertFalse(Arrays.equals(CounterBasedSampler.epochOrder(1, 5, m), CounterBasedSampler.epochOrder(2, 5, m)),
                "seeds 1 and 2 give the same order");
    }

    @Test
    void ordersAreNotTheIdentity() {
        // A sampler that returned positions unchanged would pass the permutation test.
        for (long m : new long[] {10, 64, 1000, 4097}) {
            long[] order = CounterBasedSampler.epochOrder(0, 0, m);
            int fixed = 0;
            for (int p = 0; p < m; p++) {
                if (order[p] == p) {
                    fixed++;
                }
            }
            // A uniform permutation has on average 1 fixed point (Poisson(1)): P(≥ 8) < 1e-5.
            assertTrue(fixed < 8, "m=" + m + ": " + fixed + " fixed points");
        }
    }

    @Test
    void positionZeroIsRoughlyUniformOverEpochs() {
        // 2000 epochs, m = 10: the count of row r at position p is Binomial(2000, 0.1) for a uniform
        // order: mean 200, σ = √(2000·0.1·0.9) ≈ 13.4. A 5σ band (±67) holds with probability
        // 1 − 5.7e-7 per cell, so over all 100 (position, row) cells a false alarm has probability < 6e-5.
        int m = 10;
        int epochs = 2000;
        double mean = epochs / (double) m;
        double sigma = Math.sqrt(epochs * 0.1 * 0.9);
        double band = 5 * sigma;
        for (long seed : new long[] {0, 12345}) {
            int[][] counts = new int[m][m];
            for (int e = 0; e < epochs; e++) {
                long[] order = CounterBasedSampler.epochOrder(seed, e, m);
                for (int p = 0; p < m; p++) {
                    counts[p][(int) order[p]]++;
                }
            }
            for (int p = 0; p < m; p++) {
                for (int r = 0; r < m; r++) {
                    assertTrue(Math.abs(counts[p][r] - mean) <= band,
                            "seed " + seed + ": row " + r + " at position " + p + " " + counts[p][r] + " times, expected "
                                    + mean + " ± " + band);
                }
            }
            // Chi-square of position 0 over the 10 rows: 9 degrees of freedom; P(χ²₉ > 33.7) ≈ 1e-4.
            double chi2 = 0;
            for (int r = 0; r < m; r++) {
                double d = counts[0][r] - mean;
                chi2 += d * d / mean;
            }
            assertTrue(chi2 < 33.7, "seed " + seed + ": chi-square " + chi2 + " of position 0");
        }
    }

    @Test
    void rowAtRejectsPositionsOutsideTheRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CounterBasedSampler.rowAt(0, 0, -1, 10));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CounterBasedSampler.rowAt(0, 0, 10, 10));
        assertTrue(e.getMessage().contains("10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CounterBasedSampler.rowAt(0, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> CounterBasedSampler.rowAt(0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> CounterBasedSampler.rowAt(0, 0, Long.MAX_VALUE, 10));
        assertEquals(0, CounterBasedSampler.rowAt(99, 99, 0, 1));
    }

    @Test
    void epochOrderRejectsBadRowCounts() {
        assertThrows(IllegalArgumentException.class, () -> CounterBasedSampler.epochOrder(0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> CounterBasedSampler.epochOrder(0, 0, -5));
        assertThrows(IllegalArgumentException.class, () -> CounterBasedSampler.epochOrder(0, 0, 1L << 31));
    }

    @Test
    void rowAtStaysInRangeForLargeRowCountsWithinTheDocumentedRange() {
        // Beyond int range (rows are longs): rowAt alone must still return a row in [0, m).
        for (long m : new long[] {(1L << 31) + 11, (1L << 40) + 3, 1L << 62}) {
            for (long p : new long[] {0, 1, m / 2, m - 1}) {
                long r = CounterBasedSampler.rowAt(5, 9, p, m);
                assertTrue(r >= 0 && r < m, "m=" + m + " p=" + p + " gave " + r);
            }
        }
    }

    @Test
    void feistelPassIsABijectionOnItsDomain() {
        // permute is applied before cycle-walking; it must be a bijection of [0, 2^(2h)).
        for (int h = 1; h <= 6; h++) {
            int size = 1 << (2 * h);
            boolean[] seen = new boolean[size];
            for (int x = 0; x < size; x++) {
                long y = CounterBasedSampler.permute(x, CounterBasedSampler.epochKey(3, 4), h);
                assertTrue(y >= 0 && y < size, "h=" + h + " x=" + x + " -> " + y);
                assertFalse(seen[(int) y], "h=" + h + ": " + y + " hit twice");
                seen[(int) y] = true;
            }
        }
    }

    @Test
    void halfBitsIsTheSmallestEvenPowerCoveringTheRows() {
        for (long m : new long[] {2, 3, 4, 5, 16, 17, 64, 65, 1000, 4096, 4097, 1L << 40}) {
            int h = CounterBasedSampler.halfBits(m);
            assertTrue(h >= 1);
            // 2^(2h) ≥ m and (h = 1 or 2^(2h−2) < m)
            assertTrue(2 * h >= 63 || (1L << (2 * h)) >= m, "m=" + m + " h=" + h);
            assertTrue(h == 1 || (1L << (2 * h - 2)) < m, "m=" + m + " h=" + h + " is not the smallest");
        }
    }

    @Test
    void rowCountsBeyondTheSignedFeistelDomainAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> CounterBasedSampler.rowAt(1, 0, 5, Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> CounterBasedSampler.rowAt(1, 0, 5, (1L << 62) + 1));
    }
}
