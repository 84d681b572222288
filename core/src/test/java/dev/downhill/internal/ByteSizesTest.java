package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Size options: bytes or binary k/m/g/t suffixes; errors name the option. */
class ByteSizesTest {
    @Test
    void sizesParseWithBinarySuffixes() {
        assertEquals(123, ByteSizes.parse("123", "x"));
        assertEquals(64L << 10, ByteSizes.parse("64k", "x"));
        assertEquals(512L << 20, ByteSizes.parse("512M", "x"));
        assertEquals(16L << 30, ByteSizes.parse(" 16g ", "x"));
        assertEquals(3L << 29, ByteSizes.parse("1.5g", "x"));
        assertEquals(1L << 40, ByteSizes.parse("1t", "x"));
        for (String bad : new String[] {"", "g", "-1g", "0", "12q", "99999999999t", null}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSizes.parse(bad, "downhill.x"));
            assertTrue(e.getMessage().contains("downhill.x"), e.getMessage());
        }
    }
}
