package dev.downhill.cuda;

import dev.downhill.spi.BackendOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Sizes of the device memory budget and chunks (no GPU needed). */
class CudaMemoryBudgetTest {
    @Test
    void theDefaultBudgetIsMostOfTheFreeMemoryAndChunksHoldWholeRows() {
        BackendOptions none = BackendOptions.none();
        assertEquals((long) (0.9 * 80e9), CudaMemoryBudget.budget(none, 80_000_000_000L));
        assertEquals(16L << 30, CudaMemoryBudget.budget(BackendOptions.builder().deviceMemoryBudget("16g").build(), 80_000_000_000L));
        assertEquals((1L << 30) / 400_000, CudaMemoryBudget.chunkRows(none, 400_000));
        BackendOptions tiny = BackendOptions.builder().chunkBytes("1k").build();
        assertEquals(1, CudaMemoryBudget.chunkRows(tiny, 400_000), "at least one row");
        assertEquals(3, CudaMemoryBudget.chunkRows(tiny, 320));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> BackendOptions.builder().deviceMemoryBudget("12q"));
        assertTrue(e.getMessage().contains("device memory budget"), e.getMessage());
    }
}
