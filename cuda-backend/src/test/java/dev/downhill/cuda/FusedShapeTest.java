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

    /**
     * The staged shapes: the register shape's blocks and columns per thread, two stages, θ's slice and every
     * stage within the budget (so within the device's 227 KiB), as many rows as fit.
     */
    @Test
    void everyWidthGetsAStagedShapeWithinTheSharedMemoryBudget() {
        for (Precision p : Precision.values()) {
            long max = FusedShape.maxColumns(p);
            for (long n = 1; n <= max; n += n < 2048 ? 1 : 37) {
                FusedShape plain = FusedShape.forColumns(n, p).orElseThrow();
                FusedShape s = FusedShape.staged(n, p).orElseThrow();
                assertEquals(plain.cluster(), s.cluster(), n + ": " + s);
                assertEquals(plain.threads(), s.threads(), n + ": " + s);
                assertEquals(plain.columnsPerThread(), s.columnsPerThread(), n + ": " + s);
                assertEquals(2, s.stages(), n + ": " + s);
                assertTrue(s.rowsPerGroup() >= 1 && s.rowsPerGroup() <= FusedShape.DEFAULT_STAGED_ROWS, n + ": " + s);
                long unit = (long) s.columnsPerThread() * s.threads() * p.bytes();
                assertEquals(((long) s.stages() * s.rowsPerGroup() + 1) * unit, s.dynamicSharedBytes(p), n + ": " + s);
                assertTrue(s.dynamicSharedBytes(p) <= FusedShape.STAGED_BUDGET_BYTES, n + ": " + s);
                boolean moreRowsFit = s.rowsPerGroup() < FusedShape.DEFAULT_STAGED_ROWS
                        && ((long) s.stages() * (s.rowsPerGroup() + 1) + 1) * unit <= FusedShape.STAGED_BUDGET_BYTES;
                assertFalse(moreRowsFit, n + ": another row per group fits " + s);
                assertEquals(Integer.toString(s.stages()), s.macros(p).get("STAGES"));
            }
            assertFalse(FusedShape.staged(max + 1, p).isPresent(), "past the limit: cuBLAS");
        }
        assertEquals(0, FusedShape.forColumns(100, Precision.FLOAT32).orElseThrow().dynamicSharedBytes(Precision.FLOAT32));
        assertFalse(FusedShape.forColumns(100, Precision.FLOAT32).orElseThrow().macros(Precision.FLOAT32).containsKey("STAGES"));
    }

    @Test
    void representativeShapes() {
        // 100,000 float32 columns: clusters of 16, 13 columns a thread (26 KiB a row per block), 2 stages of 3 rows
        assertEquals(Optional.of(new FusedShape(16, 512, 13, 3, 2)), FusedShape.staged(100_000, Precision.FLOAT32));
        assertEquals(7L * 13 * 512 * 4, FusedShape.staged(100_000, Precision.FLOAT32).orElseThrow().dynamicSharedBytes(Precision.FLOAT32));
        assertEquals(Optional.of(new FusedShape(16, 512, 13, 1, 2)), FusedShape.staged(100_000, Precision.FLOAT64));
        assertEquals(Optional.of(new FusedShape(1, 32, 1, 4, 2)), FusedShape.staged(20, Precision.FLOAT32));
        assertEquals(Optional.of(new FusedShape(1, 512, 2, 4, 2)), FusedShape.staged(1000, Precision.FLOAT32));
        // sized for the device: an H200 (227 KiB a block) gets the 200 KiB shape, an A100 (163 KiB) 2 stages of 2 rows,
        // an sm_89 (99 KiB) 2 stages of 1 row; a device whose budget holds not even that gets none (registers)
        assertEquals(FusedShape.staged(100_000, Precision.FLOAT32), FusedShape.stagedFor(100_000, Precision.FLOAT32, 227 * 1024));
        assertEquals(Optional.of(new FusedShape(16, 512, 13, 2, 2)), FusedShape.stagedFor(100_000, Precision.FLOAT32, 163 * 1024));
        assertEquals(Optional.of(new FusedShape(16, 512, 13, 1, 2)), FusedShape.stagedFor(100_000, Precision.FLOAT32, 99 * 1024));
        assertEquals(Optional.empty(), FusedShape.stagedFor(100_000, Precision.FLOAT64, 99 * 1024));
        for (int optin : new int[] {99 * 1024, 163 * 1024, 227 * 1024}) {
            for (long n : new long[] {20, 1000, 5000, 30_000, 100_000}) {
                FusedShape.stagedFor(n, Precision.FLOAT32, optin).ifPresent(shape -> assertTrue(
                        shape.dynamicSharedBytes(Precision.FLOAT32) + FusedShape.STATIC_SHARED_RESERVE <= optin, n + ": " + shape));
            }
        }
        assertEquals(Optional.of(new FusedShape(1, 32, 1, 16)), FusedShape.forColumns(10, Precision.FLOAT32));
        assertEquals(Optional.of(new FusedShape(1, 128, 1, 16)), FusedShape.forColumns(100, Precision.FLOAT32));
        assertEquals(Optional.of(new FusedShape(1, 512, 2, 8)), FusedShape.forColumns(1000, Precision.FLOAT32));
        assertEquals(Optional.of(new FusedShape(1, 512, 10, 1)), FusedShape.forColumns(5000, Precision.FLOAT32));
        assertEquals(Optional.of(new FusedShape(16, 512, 13, 1)), FusedShape.forColumns(100_000, Precision.FLOAT32));
        assertEquals("float", FusedShape.forColumns(10, Precision.FLOAT32).orElseThrow().macros(Precision.FLOAT32).get("REAL"));
    }
}
