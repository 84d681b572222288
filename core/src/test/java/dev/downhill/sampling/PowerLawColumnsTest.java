package dev.downhill.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The text-like column sampler of {@code gen --density} and the GPU CSR benchmark. */
class PowerLawColumnsTest {

    @Test
    void columnIsTheFirstWhoseCumulativeProbabilityReachesU() {
        PowerLawColumns c = new PowerLawColumns(4, 0); // uniform: cumulative 0.25, 0.5, 0.75, 1
        assertEquals(0, c.column(0.0));
        assertEquals(0, c.column(0.25));
        assertEquals(1, c.column(0.2500001));
        assertEquals(3, c.column(0.9999999));
        assertEquals(3, c.column(1.5), "past 1 (rounding): the last column");
    }

    /**
     * Draws of single columns from n = 1000 at a = 0.8: the frequency of column j within 5 standard errors of
     * p_j = (j + 1)^−0.8 / Σ (binomial, 200,000 draws) for the first columns and a tail block.
     */
    @Test
    void frequenciesFollowThePowerLaw() {
        int n = 1000;
        PowerLawColumns c = new PowerLawColumns(n, 0.8);
        double total = 0;
        for (int j = 0; j < n; j++) {
            total += Math.pow(j + 1, -0.8);
        }
        int draws = 200_000;
        int[] counts = new int[n];
        SplittableRandom r = new SplittableRandom(1);
        for (int d = 0; d < draws; d++) {
            counts[c.column(r.nextDouble())]++;
        }
        for (int j : new int[] {0, 1, 2, 10, 100}) {
            double p = Math.pow(j + 1, -0.8) / total;
            double sd = Math.sqrt(draws * p * (1 - p));
            assertEquals(draws * p, counts[j], 5 * sd, "column " + j);
        }
        double tail = 0;
        int observed = 0;
        for (int j = 500; j < n; j++) {
            tail += Math.pow(j + 1, -0.8) / total;
            observed += counts[j];
        }
        assertEquals(draws * tail, observed, 5 * Math.sqrt(draws * tail * (1 - tail)), "columns 500–999");
    }

    @Test
    void aRowHoldsDistinctSortedColumnsEvenWhenDense() {
        PowerLawColumns c = new PowerLawColumns(40, 0.8);
        PowerLawColumns.Row row = c.row();
        SplittableRandom r = new SplittableRandom(2);
        int[] out = new int[45];
        for (int k : new int[] {0, 1, 5, 10, 11, 39, 40}) { // k > n/4 = 10 draws uniformly
            for (int rep = 0; rep < 50; rep++) {
                row.draw(r, k, out, 5);
                for (int q = 5; q < 5 + k; q++) {
                    assertTrue(out[q] >= 0 && out[q] < 40, "in range");
                    assertTrue(q == 5 || out[q] > out[q - 1], "k = " + k + ": distinct and increasing");
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> row.draw(r, 41, out, 0));
        assertThrows(IllegalArgumentException.class, () -> new PowerLawColumns(0, 0.8));
    }
}
