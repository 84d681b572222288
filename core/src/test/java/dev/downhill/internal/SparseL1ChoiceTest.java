package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void tallShortRowsGoToCdManyColumnsToNesterov() {
        // 200,000 × 300 at density 0.05: rows of 15 entries, P_G = 200,000·15·16/2 = 2.4e7, W·n² = 100·9e4 = 9e6,
        // against F·2·nnz = 20·2·3e6 = 1.2e8
        SparseL1Choice tall = SparseL1Choice.choose(200_000, 300, 3_000_000, 2.4e7, GIB);
        assertEquals(Solver.CD, tall.solver(), tall.reason());
        assertTrue(tall.reason().startsWith("cd: coordinate descent on the Gram matrix of the sparse X (200,000 × 300, "
                + "3,000,000 non-zeros)") && tall.reason().contains("(2.4e+07 multiply-adds) and n × n work (9.0e+06) cost 0.28× ~20 FISTA passes over X "
                + "(1.2e+08)"), tall.reason());
        // 20,000 × 20,000 at density 0.001: G alone (16·n² = 6.4 GB) is over a 1 GiB budget
        SparseL1Choice square = SparseL1Choice.choose(20_000, 20_000, 400_000, 20_000 * 20 * 21 / 2.0, GIB);
        assertEquals(Solver.NESTEROV, square.solver());
        assertTrue(square.reason().contains("cd's Gram matrix would need 6.4 GB, over the direct solvers' budget of 1.1 GB"),
                square.reason());
        // and with the memory to spare, its n × n work (100·4e8 = 4e10) is ~2,500× FISTA's 1.6e7
        SparseL1Choice roomy = SparseL1Choice.choose(20_000, 20_000, 400_000, 4.2e6, 64 * GIB);
        assertEquals(Solver.NESTEROV, roomy.solver());
        assertTrue(roomy.reason().contains("would cost 2.5e+03× ~20 FISTA passes"), roomy.reason());
    }

    @Test
    void cdExactlyWhenItsCostIsAtMostFistas() {
        // n = 100: W·n² = 1e6; nnz = 1e5: F·2·nnz = 4e6; so cd while P_G ≤ 3e6
        assertEquals(Solver.CD, SparseL1Choice.choose(10_000, 100, 100_000, 3e6, GIB).solver());
        assertEquals(Solver.NESTEROV, SparseL1Choice.choose(10_000, 100, 100_000, 3e6 + 1, GIB).solver());
        // the memory bound: 16·n² = 160,000 bytes
        assertEquals(Solver.CD, SparseL1Choice.choose(10_000, 100, 100_000, 1e6, 160_000).solver());
        assertEquals(Solver.NESTEROV, SparseL1Choice.choose(10_000, 100, 100_000, 1e6, 159_999).solver());
        // beyond a Java array's n × n
        assertEquals(Solver.NESTEROV, SparseL1Choice.choose(1L << 40, SolverChoice.MAX_DIRECT_COLUMNS + 1, 1L << 40, 0,
                Long.MAX_VALUE).solver());
    }
}
