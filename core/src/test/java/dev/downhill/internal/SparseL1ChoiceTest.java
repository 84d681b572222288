package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.io.CsrMatrix;
import org.junit.jupiter.api.Test;

/** The cost model of {@link SparseL1Choice}, against the formula written out by hand. */
class SparseL1ChoiceTest {
    private static final long GIB = 1L << 30;

    @Test
    void gramPairsSumEachRowsPairsOfEntries() {
        // rows of 0, 1, 3 and 2 entries: 0 + 1 + 6 + 3 pairs (k(k + 1)/2, the diagonal included)
        long[] pointers = {0, 0, 1, 4, 6};
        int[] columns = {2, 0, 1, 3, 1, 2};
        double[] values = {1, 2, 3, 4, 5, 6};
        try (CsrMatrix x = CsrMatrix.of(pointers, columns, values, 4, Precision.FLOAT64)) {
            assertEquals(10.0, SparseL1Choice.gramPairs(x));
        }
        // more rows than one bulk read of the pointers (4096): 10,000 rows of 3 entries each
        int m = 10_000;
        long[] p = new long[m + 1];
        int[] c = new int[3 * m];
        double[] v = new double[3 * m];
        for (int i = 0; i < m; i++) {
            p[i + 1] = 3L * (i + 1);
            for (int e = 0; e < 3; e++) {
                c[3 * i + e] = e;
                v[3 * i + e] = 1;
            }
        }
        try (CsrMatrix x = CsrMatrix.of(p, c, v, 3, Precision.FLOAT32)) {
            assertEquals(6.0 * m, SparseL1Choice.gramPairs(x));
        }
    }

    @Test
    void tallShortRowsTakeTheGramRouteWideXTheColumns() {
        // 200,000 × 300 at density 0.05: rows of 15 entries, P_G = 200,000·15·16/2 = 2.4e7; Gram: 2.4e7 + 100·9e4 = 3.3e7;
        // columns: 12·3e6 + 10·(2·3e6 + 2e5) = 9.8e7; FISTA: 20·2·3e6 = 1.2e8
        SparseL1Choice tall = SparseL1Choice.choose(200_000, 300, 3_000_000, 2.4e7, GIB);
        assertEquals(SparseL1Choice.Route.GRAM, tall.route(), tall.reason());
        assertEquals(Solver.CD, tall.solver());
        assertEquals("cd: coordinate descent on the Gram matrix of the sparse X (200,000 × 300, 3,000,000 non-zeros): the "
                + "Gram route's pass (2.4e+07 multiply-adds) and n × n work (9.0e+06) cost 3.3e+07 (G: 1 MB of the 1.1 GB "
                + "budget); against the column route's copy of X (3.6e+07) and ~10 sweeps (6.2e+07) cost 9.8e+07 and FISTA's "
                + "~20 passes over X (1.2e+08)", tall.reason());
        // 20,000 × 20,000 at density 0.001: G (16·n² = 6.4 GB) is over a 1 GiB budget; columns: 12·4e5 + 10·(8e5 + 2e4)
        // = 1.3e7 against FISTA's 20·2·4e5 = 1.6e7, the copy 20·4e5 + 48·2e4 + 104·2e4 = 1.104e7 bytes
        SparseL1Choice square = SparseL1Choice.choose(20_000, 20_000, 400_000, 4.2e6, GIB);
        assertEquals(SparseL1Choice.Route.COLUMNS, square.route(), square.reason());
        assertEquals(Solver.CD, square.solver());
        assertTrue(square.reason().startsWith("cd: coordinate descent over the columns of the sparse X (20,000 × 20,000, "
                + "400,000 non-zeros): the column route's copy of X (4.8e+06) and ~10 sweeps (8.2e+06) cost 1.3e+07; against "
                + "the Gram route's G would need 6.4 GB"), square.reason());
        // the copy over the budget: nesterov
        SparseL1Choice tight = SparseL1Choice.choose(20_000, 20_000, 400_000, 4.2e6, 11_039_999);
        assertEquals(SparseL1Choice.Route.FISTA, tight.route(), tight.reason());
        assertEquals(Solver.NESTEROV, tight.solver());
        assertTrue(tight.reason().contains("the column route's copy of X would need 11 MB, over the budget of 11 MB"), tight.reason());
        assertTrue(tight.reason().startsWith("nesterov: an l1 penalty needs a proximal solver (FISTA with adaptive restart, stopped on the duality gap); on the sparse X (20,000 × 20,000, 400,000 non-zeros) FISTA's ~20 passes over X (1.6e+07); against the Gram route's G would need 6.4 GB"), tight.reason());
        assertEquals(SparseL1Choice.Route.COLUMNS, SparseL1Choice.choose(20_000, 20_000, 400_000, 4.2e6, 11_040_000).route());
    }

    @Test
    void theCheapestRouteWhoseMemoryFits() {
        // n = 100, m = 1,000, nnz = 1e5: Gram 1e6 + P_G; columns 12·1e5 + 10·(2e5 + 1e3) = 3.21e6; FISTA 4e6
        assertEquals(SparseL1Choice.Route.GRAM, SparseL1Choice.choose(1_000, 100, 100_000, 2.21e6, GIB).route());
        assertEquals(SparseL1Choice.Route.COLUMNS, SparseL1Choice.choose(1_000, 100, 100_000, 2.21e6 + 1, GIB).route());
        // columns against FISTA with no room for G (n beyond a Java array's n × n): 12·nnz + 10·(2·nnz + m) ≤ 40·nnz
        // exactly while m ≤ 0.8·nnz
        long n = SolverChoice.MAX_DIRECT_COLUMNS + 1;
        assertEquals(SparseL1Choice.Route.COLUMNS, SparseL1Choice.choose(8_000, n, 10_000, 0, GIB).route());
        assertEquals(SparseL1Choice.Route.FISTA, SparseL1Choice.choose(8_001, n, 10_000, 0, GIB).route());
        // the memory rules: G's 16·n² = 160,000 bytes for n = 100 (the column copy, 2.4 MB, does not fit either)
        assertEquals(SparseL1Choice.Route.GRAM, SparseL1Choice.choose(10_000, 100, 100_000, 1e6, 160_000).route());
        assertEquals(SparseL1Choice.Route.FISTA, SparseL1Choice.choose(10_000, 100, 100_000, 1e6, 159_999).route());
        // beyond Java arrays both ways
        assertEquals(SparseL1Choice.Route.FISTA, SparseL1Choice.choose(1L << 40, n, 1L << 40, 0, Long.MAX_VALUE).route());
    }

    @Test
    void aPathCountsOneCopyForAllItsFits() {
        // 5,000 × 300 at density 0.05 (75,000 non-zeros, P_G = 6e5), 100 fits with an automatic step: Gram 6e5 + 9e6 +
        // 99·10·9e4 = 9.87e7; columns 12·75,000 + 100·5·(1.5e5 + 5e3) = 7.84e7; FISTA 100·(10 + 30)·2·75,000 = 6e8
        SparseL1Choice path = SparseL1Choice.choosePath(5_000, 300, 75_000, 6e5, GIB, 100, true);
        assertEquals(SparseL1Choice.Route.COLUMNS, path.route(), path.reason());
        assertTrue(path.reason().startsWith("cd: coordinate descent over the columns of the sparse X (5,000 × 300, 75,000 "
                + "non-zeros), a path of 100 fits: the column route's copy of X (9.0e+05) and ~5 sweeps a fit (7.8e+07) cost "
                + "7.8e+07; against the Gram route's pass (6.0e+05 multiply-adds) and n × n work (9.0e+06) and sweeps over G "
                + "for each further α (8.9e+07) cost 9.9e+07"), path.reason());
        assertTrue(path.reason().endsWith("FISTA's ~40 passes over X a fit (6.0e+08, each fit's step-size estimate included)"),
                path.reason());
        // tall X: Gram 3.3e7 + 99·10·9e4 = 1.22e8 against columns 3.6e7 + 100·5·6.2e6 = 3.1e9
        assertEquals(SparseL1Choice.Route.GRAM, SparseL1Choice.choosePath(200_000, 300, 3_000_000, 2.4e7, GIB, 100, false).route());
        assertThrows(IllegalArgumentException.class, () -> SparseL1Choice.choosePath(10, 10, 10, 0, GIB, 0, false));
    }
}
