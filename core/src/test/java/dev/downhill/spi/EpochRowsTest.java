package dev.downhill.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.sampling.CounterBasedSampler;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** The epoch's rows by blocks: the old whole-epoch arrays, a partition of the rows, and orders beyond 2³¹ rows. */
class EpochRowsTest {

    @Test
    void blocksOfAnyCutGiveTheWholeEpochOrder() {
        for (long m : new long[] {1, 2, 3, 17, 1000, 65_537}) {
            long[] whole = CounterBasedSampler.epochOrder(9, 4, m);
            long[] blocks = new long[(int) m];
            int cut = (int) Math.max(1, m / 3 + 1);
            for (int from = 0; from < m; from += cut) {
                CounterBasedSampler.fill(9, 4, m, from, blocks, from, (int) Math.min(cut, m - from));
            }
            assertArrayEquals(whole, blocks, "m = " + m);
        }
    }

    /** The old split: positions [0, held) of epochOrder(seed ⊕ salt, 0, m) held out, training p → split[held + perm[p]]. */
    @Test
    void trainingAndValidationRowsAreTheOldSplitAndPartitionTheRows() {
        long m = 1013;
        long held = 203;
        long salt = 0x5EEDL;
        long[] split = CounterBasedSampler.epochOrder(salt, 0, m);
        long[] perm = CounterBasedSampler.epochOrder(21, 3, m - held);
        EpochRows rows = EpochRows.of(21, 3, m, m - held, salt);
        long[] training = new long[(int) (m - held)];
        rows.training(0, training, 0, training.length);
        long[] validation = new long[(int) held];
        rows.validation(0, validation, 0, validation.length);
        BitSet seen = new BitSet();
        for (int p = 0; p < training.length; p++) {
            assertEquals(split[(int) (held + perm[p])], training[p]);
            assertEquals(training[p], rows.training(p));
            seen.set((int) training[p]);
        }
        for (int q = 0; q < held; q++) {
            assertEquals(split[q], validation[q]);
            assertEquals(validation[q], rows.validation(q));
            assertTrue(!seen.get((int) validation[q]), "a validation row is also a training row");
            seen.set((int) validation[q]);
        }
        assertEquals(m, seen.cardinality());
    }

    /** Beyond 2³¹ rows: positions near the end of a 3·2³¹-row epoch, by block and one at a time, distinct and in range. */
    @Test
    void ordersBeyondTwoToThe31Rows() {
        long m = 3L << 31;
        long train = m - 12_345;
        EpochRows rows = EpochRows.of(5, 7, m, train, 99);
        long from = train - 4096;
        long[] block = new long[4096];
        rows.training(from, block, 0, block.length);
        java.util.HashSet<Long> distinct = new java.util.HashSet<>();
        for (int k = 0; k < block.length; k++) {
            assertEquals(rows.training(from + k), block[k]);
            assertTrue(block[k] >= 0 && block[k] < m);
            distinct.add(block[k]);
        }
        long[] held = new long[2000];
        rows.validation(10_345, held, 0, held.length);
        for (long v : held) {
            assertTrue(v >= 0 && v < m);
            assertTrue(distinct.add(v), "validation row " + v + " also visited in training");
        }
        assertEquals(6096, distinct.size());
        assertThrows(IllegalArgumentException.class, () -> rows.training(train - 10, new long[20], 0, 20));
    }
}
