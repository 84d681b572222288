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
        assertTrue(square.reason().contains("cd on its Gram matrix would need 6.4 GB (16n²: the matrix, 8n², and the pass's accumulator), over the direct solvers' budget of 1.1 GB"),
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

    @Test
    void aPathCountsOneGramMatrixForAllItsFits() {
        // the reviewer's shape: 5,000 × 300 at density 0.05 (75,000 non-zeros, rows of 15: P_G = 5,000·15·16/2 = 6e5).
        // One fit: P_G + W·n² = 6e5 + 9e6 against F·2·nnz = 3e6: nesterov
        assertEquals(Solver.NESTEROV, SparseL1Choice.choose(5_000, 300, 75_000, 6e5, GIB).solver());
        // a path of 100 fits: cd = 6e5 + 9e6 + 99·A·n² (A = 10: 8.91e7) = 9.87e7 against 100·(10 + 30)·2·75,000 = 6e8
        SparseL1Choice path = SparseL1Choice.choosePath(5_000, 300, 75_000, 6e5, GIB, 100, true);
        assertEquals(Solver.CD, path.solver(), path.reason());
        assertTrue(path.reason().startsWith("cd: one Gram matrix serves every fit of the path; on the sparse X (5,000 × 300, "
                + "75,000 non-zeros) a path of 100 fits costs cd one Gram pass (6.0e+05 multiply-adds), its n × n work "
                + "(9.0e+06) and sweeps over G for each further α (8.9e+07): 0.16× nesterov's 100 × ~40 passes over X "
                + "(6.0e+08, each fit's step-size estimate included)"), path.reason());
        // the boundary, written out: n = 100 (W·n² = 1e6, A·n² = 1e5), nnz = 10,000, P_G = 0. A path of 10 fits with a
        // fixed step: cd = 1e6 + 9·1e5 = 1.9e6 against 10·10·2·10,000 = 2e6: cd; 9,500 non-zeros: 1.9e6 against 1.9e6:
        // cd (≤); 9,499: nesterov
        assertEquals(Solver.CD, SparseL1Choice.choosePath(1_000, 100, 10_000, 0, GIB, 10, false).solver());
        assertEquals(Solver.CD, SparseL1Choice.choosePath(1_000, 100, 9_500, 0, GIB, 10, false).solver());
        assertEquals(Solver.NESTEROV, SparseL1Choice.choosePath(1_000, 100, 9_499, 0, GIB, 10, false).solver());
        // the automatic step's power iteration per fit: 10·40·2·9,499 = 7.6e6, cd again
        assertEquals(Solver.CD, SparseL1Choice.choosePath(1_000, 100, 9_499, 0, GIB, 10, true).solver());
        // wide X keeps nesterov: 2,000 × 2,000 at density 0.005 (measured: cd's cross-validation 81 s, nesterov's 18 s):
        // cd = 1.1e5 + 4e8 + 99·10·4e6 = 4.4e9 against 100·40·2·20,000 = 1.6e8
        SparseL1Choice wide = SparseL1Choice.choosePath(2_000, 2_000, 20_000, 1.1e5, GIB, 100, true);
        assertEquals(Solver.NESTEROV, wide.solver(), wide.reason());
        assertTrue(wide.reason().startsWith("nesterov: an l1 penalty needs a proximal solver") && wide.reason().contains(
                "a path of 100 fits costs cd"), wide.reason());
        // the memory rule is one fit's: 16·n² = 1,440,000 bytes for n = 300
        assertEquals(Solver.CD, SparseL1Choice.choosePath(5_000, 300, 75_000, 6e5, 1_440_000, 100, true).solver());
        SparseL1Choice tight = SparseL1Choice.choosePath(5_000, 300, 75_000, 6e5, 1_439_999, 100, true);
        assertEquals(Solver.NESTEROV, tight.solver());
        assertTrue(tight.reason().contains("over the direct solvers' budget"), tight.reason());
        // where one fit takes cd, a path does (one fit's reason kept)
        SparseL1Choice tall = SparseL1Choice.choosePath(200_000, 300, 3_000_000, 2.4e7, GIB, 100, false);
        assertEquals(Solver.CD, tall.solver());
        assertEquals(SparseL1Choice.choose(200_000, 300, 3_000_000, 2.4e7, GIB).reason(), tall.reason());
    }
}
