package dev.downhill.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.downhill.Solver;
import org.junit.jupiter.api.Test;

/** A solver that cannot fit the penalty is refused in the estimator's params' terms, before any data are loaded. */
class SolverPenaltyCheckTest {
    @Test
    void solversThatCannotFitThePenaltyAreRefusedInSparksTerms() {
        assertEquals("solver svd cannot fit an l1 term (regParam 0.1 with elasticNetParam 0.5 > 0): use normal (cd on the Gram "
                + "matrix), cd, nesterov, gd, l-bfgs or auto", assertThrows(IllegalArgumentException.class,
                () -> DownhillRegressor.checkPenalty(Solver.SVD, 0.1, 0.5)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> DownhillRegressor.checkPenalty(Solver.CG, 0.1, 1));
        assertEquals("solver cd fits an l1 term only (regParam > 0 and elasticNetParam > 0; got regParam 0.1, elasticNetParam "
                + "0.0): use normal, svd, cg, nesterov, gd, l-bfgs or auto", assertThrows(IllegalArgumentException.class,
                () -> DownhillRegressor.checkPenalty(Solver.CD, 0.1, 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> DownhillRegressor.checkPenalty(Solver.CD, 0, 1), "regParam 0: no l1");
        for (Solver s : new Solver[] {Solver.GD, Solver.NESTEROV, Solver.CD, Solver.AUTO, Solver.NORMAL}) {
            assertDoesNotThrow(() -> DownhillRegressor.checkPenalty(s, 0.1, 0.5), s.cliName());
        }
        for (Solver s : new Solver[] {Solver.GD, Solver.NESTEROV, Solver.CG, Solver.SVD, Solver.AUTO, Solver.NORMAL}) {
            assertDoesNotThrow(() -> DownhillRegressor.checkPenalty(s, 0.1, 0), s.cliName() + ", ridge");
            assertDoesNotThrow(() -> DownhillRegressor.checkPenalty(s, 0, 0.5), s.cliName() + ", no penalty");
        }
    }
}
