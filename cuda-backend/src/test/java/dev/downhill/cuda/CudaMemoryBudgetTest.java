package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    void sizesParseWithBinarySuffixes() {
        assertEquals(123, CudaMemoryBudget.parse("123", "x"));
        assertEquals(64L << 10, CudaMemoryBudget.parse("64k", "x"));
        assertEquals(512L << 20, CudaMemoryBudget.parse("512M", "x"));
        assertEquals(16L << 30, CudaMemoryBudget.parse(" 16g ", "x"));
        assertEquals(1L << 40, CudaMemoryBudget.parse("1t", "x"));
        for (String bad : new String[] {"", "g", "-1g", "0", "12q", "99999999999t"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaMemoryBudget.parse(bad, "downhill.x"));
            assertTrue(e.getMessage().contains("downhill.x"), e.getMessage());
        }
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
    }
}
