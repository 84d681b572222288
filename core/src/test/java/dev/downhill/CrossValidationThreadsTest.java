package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * How many cd paths a cross-validation runs at once: bounded by the configured threads ({@code --threads}; 0 = the
 * cores) and by the direct-memory budget; and cd's default tolerance, float64's whatever X's precision.
 */
class CrossValidationThreadsTest {
    private static final long GIB = 1L << 30;

    @Test
    void theConfiguredThreadsBoundTheConcurrentPaths() {
        int cores = Runtime.getRuntime().availableProcessors();
        FitConfig all = FitConfig.builder().directMemoryBudget(64 * GIB).build();
        assertEquals(cores, CrossValidation.concurrentPaths(1e6, all));
        assertEquals(1, CrossValidation.concurrentPaths(1e6, all.toBuilder().threads(1).build()));
        assertEquals(3, CrossValidation.concurrentPaths(1e6, all.toBuilder().threads(3).build()));
        // the budget holds budget / (2·bytes) copies: 2 here, whatever the threads
        assertEquals(Math.min(2, cores), CrossValidation.concurrentPaths(1e6, all.toBuilder().directMemoryBudget(4_000_000).build()));
        assertEquals(1, CrossValidation.concurrentPaths(1e6, all.toBuilder().threads(8).directMemoryBudget(1_999_999).build()));
        // the Gram paths: three n × n matrices besides each path's (n = 100: 80 kB a matrix)
        assertEquals(1, CrossValidation.concurrentPaths(100, all.toBuilder().threads(1).build()));
        assertEquals(2, CrossValidation.concurrentPaths(100, all.toBuilder().threads(2).build()));
    }

    @Test
    void cdsDefaultToleranceIsFloat64sWhateverThePrecision() {
        FitConfig cd = FitConfig.builder().solver(Solver.CD).penalty(Penalty.l1(0.1)).build();
        assertEquals(FitConfig.DEFAULT_GD_TOLERANCE, cd.tolerance(Precision.FLOAT32));
        assertEquals(FitConfig.DEFAULT_GD_TOLERANCE, cd.tolerance(Precision.FLOAT64));
        FitConfig nesterov = cd.toBuilder().solver(Solver.NESTEROV).build();
        assertEquals(FitConfig.DEFAULT_GD_TOLERANCE_FLOAT32, nesterov.tolerance(Precision.FLOAT32));
        assertEquals(1e-3, cd.toBuilder().tolerance(1e-3).build().tolerance(Precision.FLOAT32));
    }
}
