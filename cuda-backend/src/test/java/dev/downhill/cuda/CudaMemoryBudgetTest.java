package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Sizes of the device memory budget and chunks (no GPU needed). */
class CudaMemoryBudgetTest {
    @AfterEach
    void clear() {
        System.clearProperty(CudaMemoryBudget.PROPERTY);
        System.clearProperty(CudaMemoryBudget.CHUNK_PROPERTY);
    }

    @Test
    void theDefaultBudgetIsMostOfTheFreeMemoryAndChunksHoldWholeRows() {
        assertEquals((long) (0.9 * 80e9), CudaMemoryBudget.budget(80_000_000_000L));
        System.setProperty(CudaMemoryBudget.PROPERTY, "16g");
        assertEquals(16L << 30, CudaMemoryBudget.budget(80_000_000_000L));
        assertEquals((1L << 30) / 400_000, CudaMemoryBudget.chunkRows(400_000));
        System.setProperty(CudaMemoryBudget.CHUNK_PROPERTY, "1k");
        assertEquals(1, CudaMemoryBudget.chunkRows(400_000), "at least one row");
        assertEquals(3, CudaMemoryBudget.chunkRows(320));
        System.setProperty(CudaMemoryBudget.PROPERTY, "12q");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> CudaMemoryBudget.budget(1L << 30));
        assertTrue(e.getMessage().contains(CudaMemoryBudget.PROPERTY), e.getMessage());
    }
}
