package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Precision;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The fused kernel's launch shapes: every row share fits the registers, and the smallest cluster is used. */
class FusedShapeTest {

    /**
     * epoch_batches replays vector_dot's summation order for a block of DOT_THREADS threads; vector_dot runs in the utility
     * module with {@link FusedShape#UTILITY_THREADS}: the two must be the same number, or the device epoch's intercept
     * (and so its bits) would silently differ from the per-batch loop's.
     */
    @Test
    void theEpochKernelReplaysTheDotOfTheUtilityModulesBlockSize() throws java.io.IOException {
        try (java.io.InputStream in = FusedShape.class.getResourceAsStream("downhill_kernels.cu")) {
            String source = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(source.contains("\n#define DOT_THREADS " + FusedShape.UTILITY_THREADS + "\n"),
                    "DOT_THREADS in downhill_kernels.cu must be " + FusedShape.UTILITY_THREADS);
        }
    }

    @Test
    void everyWidthUpToTheLimitGetsAShapeThatHoldsItsRowShare() {
        for (Precision p : Precision.values()) {
            long max = FusedShape.maxColumns(p);
            for (long n = 1; n <= max; n += n < 2048 ? 1 : 37) {
                FusedShape s = FusedShape.forColumns(n, p).orElseThrow();
                long width = (n + s.cluster() - 1) / s.cluster();
                assertTrue(width <= (long) s.threads() * s.columnsPerThread(), n + ": " + s);
                assertTrue(s.columnsPerThread() >= 1 && s.columnsPerThread() <= FusedShape.maxColumnsPerThread(p), n + ": " + s);
                assertEquals(Integer.bitCount(s.threads()), 1, n + ": threads a power of two");
                assertTrue(s.threads() >= 32 && s.threads() <= 512, n + ": " + s);
                assertTrue(Arrays.stream(FusedShape.CLUSTERS).anyMatch(c -> c == s.cluster()), n + ": " + s);
                assertTrue(s.rowsPerGroup() >= 1 && s.rowsPerGroup() * s.columnsPerThread() <= 16 || s.rowsPerGroup() == 1, n + ": " + s);
                if (s.cluster() > 1) {
                    long smaller = (n + s.cluster() / 2 - 1) / (s.cluster() / 2);
                    assertTrue(smaller > 512L * FusedShape.maxColumnsPerThread(p), n + ": a smaller cluster would fit");
                }
            }
            assertFalse(FusedShape.forColumns(max + 1, p).isPresent(), "past the limit: cuBLAS");
        }
    }

    @Test
    void representativeShapes() {
        assertEquals(Optional.of(new FusedShape(1, 32, 1, 16)), FusedShape.forColumns(10, Precision.FLOAT32));
        assertEquals(Optional.of(new FusedShape(1, 128, 1, 16)), FusedShape.forColumns(100, Precision.FLOAT32));
        assertEquals(Optional.of(new FusedShape(1, 512, 2, 8)), FusedShape.forColumns(1000, Precision.FLOAT32));
        assertEquals(Optional.of(new FusedShape(1, 512, 10, 1)), FusedShape.forColumns(5000, Precision.FLOAT32));
        assertEquals(Optional.of(new FusedShape(16, 512, 13, 1)), FusedShape.forColumns(100_000, Precision.FLOAT32));
        assertEquals("float", FusedShape.forColumns(10, Precision.FLOAT32).orElseThrow().macros(Precision.FLOAT32).get("REAL"));
    }
}
