package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

/**
 * Windows beyond 2 GiB from the start of an allocation see the right memory. (JavaCPP's
 * asByteBuffer() clamps position + length to 2^31 − 1 bytes, so position-based windows there came
 * back empty.) The arrays are allocated but only a few pages are touched.
 */
class OffHeapViewsTest {
    @Test
    void floatWindowsBeyondTwoGiB() {
        long n = (1L << 29) + 4096; // 2 GiB + 16 KiB of float32
        try (FloatPointer p = new FloatPointer(n)) {
            long[] starts = {0, (1L << 29) - 3, 1L << 29, n - 8};
            for (long s : starts) {
                for (int k = 0; k < 8; k++) {
                    p.put(s + k, s + k + 0.5f);
                }
                FloatBuffer w = OffHeapViews.floats(p, s, 8);
                assertEquals(8, w.limit(), "window at " + s);
                for (int k = 0; k < 8; k++) {
                    assertEquals(p.get(s + k), w.get(k), 0f, "element " + (s + k));
                }
                w.put(7, -1f);
                assertEquals(-1f, p.get(s + 7), 0f, "writes land in the same memory");
            }
            FloatPointer shifted = (FloatPointer) OffHeapViews.offset(p, 1L << 29);
            assertEquals(p.get((1L << 29) + 1), OffHeapViews.floats(shifted, 1, 1).get(0), 0f, "a pointer's position counts");
        }
    }

    @Test
    void doubleWindowsBeyondTwoGiB() {
        long n = (1L << 28) + 4096; // 2 GiB + 32 KiB of float64
        try (DoublePointer p = new DoublePointer(n)) {
            for (long s : new long[] {(1L << 28) - 2, n - 4}) {
                for (int k = 0; k < 4; k++) {
                    p.put(s + k, -(s + k));
                }
                DoubleBuffer w = OffHeapViews.doubles(p, s, 4);
                assertEquals(4, w.limit());
                for (int k = 0; k < 4; k++) {
                    assertEquals(-(s + k), w.get(k), 0.0, "element " + (s + k));
                }
            }
        }
    }
}
