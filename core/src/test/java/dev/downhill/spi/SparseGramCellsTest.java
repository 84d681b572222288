package dev.downhill.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The sparse Gram pass's n × n heap array: refused before the pass, in one line, when it cannot be had. */
class SparseGramCellsTest {

    @Test
    void aGramMatrixWithinTheHeapIsItsCells() {
        assertEquals(10_000, SparseHostPasses.gramCells(100));
    }

    @Test
    void aGramMatrixLargerThanTheWholeHeapIsRefusedNamingItsBytesAndTheWaysOut() {
        long heap = Runtime.getRuntime().maxMemory();
        int n = (int) Math.min(46_000, Math.ceil(Math.sqrt(heap / 8.0)) + 1); // 8n² > -Xmx (the tests run at 2 GB)
        assertTrue(8L * n * n > heap, "the test's heap is too large for this case");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SparseHostPasses.gramCells(n));
        assertTrue(e.getMessage().contains("columns needs") && e.getMessage().contains("Java heap")
                && e.getMessage().contains("-Xmx") && e.getMessage().contains("nesterov"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }

    @Test
    void aGramMatrixBeyondAJavaArrayIsRefusedPointingToTheSolversWithoutOne() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SparseHostPasses.gramCells(200_000));
        assertTrue(e.getMessage().contains("does not fit a Java array") && e.getMessage().contains("gd or nesterov with an l1 term"),
                e.getMessage());
    }
}
