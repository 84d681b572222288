package dev.downhill.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Precision;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

/** An off-heap allocation JavaCPP refuses names the array, its size and the settings, keeping JavaCPP's error as cause. */
class OffHeapAllocationTest {
    /**
     * 2⁴⁰ doubles (8 TiB): beyond the tests' cap (maxbytes 8g) and any machine they run on, so JavaCPP refuses it; its
     * bytes still fit a long (a count whose bytes overflow would pass JavaCPP's check and crash the native allocation).
     */
    private static final long IMPOSSIBLE = 1L << 40;

    @Test
    void aRefusedAllocationNamesTheArrayItsSizeAndTheSettings() {
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class,
                () -> OffHeapAllocation.doubles(IMPOSSIBLE, "the test's copy of X (2 × 3)"));
        String message = e.getMessage();
        assertTrue(message.startsWith("cannot allocate the test's copy of X (2 × 3) off the Java heap"), message);
        assertTrue(message.contains("1,099,511,627,776 float64 values"), message);
        assertTrue(message.contains("8,388,608 MiB"), message); // 2⁴³ bytes = 2²³ MiB
        assertTrue(message.contains("-Dorg.bytedeco.javacpp.maxbytes=") && message.contains("-Xmx"), message);
        assertFalse(message.contains("\n"), message);
        assertNotNull(e.getCause(), "JavaCPP's own error is kept");
        assertTrue(e.getCause() instanceof OutOfMemoryError);

        OutOfMemoryError f = assertThrows(OutOfMemoryError.class, () -> OffHeapAllocation.of(Precision.FLOAT32, IMPOSSIBLE, "y"));
        assertTrue(f.getMessage().contains("float32 values") && f.getMessage().contains("4,194,304 MiB"), f.getMessage());
    }

    @Test
    void anAllocationWithinTheCapIsAnOrdinaryPointer() {
        try (DoublePointer d = OffHeapAllocation.doubles(5, "five"); FloatPointer f = OffHeapAllocation.floats(3, "three")) {
            assertEquals(5, d.capacity());
            assertEquals(3, f.capacity());
        }
    }
}
