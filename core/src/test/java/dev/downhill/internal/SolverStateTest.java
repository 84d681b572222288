package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checkpoint state's binary form keeps every double's bits; damage is refused with one line; fingerprints compare by field. */
class SolverStateTest {
    private static long[] bits(double[] v) {
        return Arrays.stream(v).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    @Test
    void everyPartRoundTripsBitForBit() {
        double[] odd = {0.0, -0.0, Double.MIN_VALUE, -Double.MAX_VALUE, Double.longBitsToDouble(0x7ff8_0000_dead_beefL),
                Double.POSITIVE_INFINITY, 0.1 + 0.2, Math.nextDown(1.0)};
        SolverState s = SolverState.builder("cg", 1234, false).put("theta", odd).put("eta", -0.0).put("steps", Long.MIN_VALUE)
                .put("choice", "svd: ünïcode ✓").put("empty", new double[0]).build();
        SolverState back = SolverState.decode(s.encode(), "test");
        assertEquals("cg", back.solver());
        assertEquals(1234, back.iteration());
        assertEquals(false, back.finished());
        assertArrayEquals(bits(odd), bits(back.vector("theta")), "NaN payloads and signed zeros included");
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(back.real("eta")));
        assertEquals(Long.MIN_VALUE, back.integer("steps"));
        assertEquals("svd: ünïcode ✓", back.text("choice"));
        assertEquals(0, back.vector("empty").length);
        assertArrayEquals(s.encode(), back.encode(), "the same state, the same bytes");
    }

    @Test
    void damageAndMisuseAreRefusedWithOneLine() {
        byte[] good = SolverState.builder("gd", 7, true).put("theta", new double[] {1, 2, 3}).build().encode();
        for (int at : new int[] {9, good.length / 2, good.length - 1}) {
            byte[] bad = good.clone();
            bad[at] ^= 0x10;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SolverState.decode(bad, "f.bin"));
            assertTrue(e.getMessage().equals("f.bin is damaged (its CRC-32 does not match)")
                    || e.getMessage().startsWith("f.bin is not a downhill solver state"), e.getMessage());
        }
        assertEquals("f.bin is not a downhill solver state (no DHSTATE1 header)", assertThrows(IllegalArgumentException.class,
                () -> SolverState.decode(Arrays.copyOf(good, 5), "f.bin")).getMessage());
        SolverState s = SolverState.decode(good, "f.bin");
        assertEquals("the checkpoint's gd state lacks 'y' (written by another version?)",
                assertThrows(IllegalArgumentException.class, () -> s.vector("y")).getMessage());
        assertEquals("the checkpoint's gd state has the wrong type for 'theta' (written by another version?)",
                assertThrows(IllegalArgumentException.class, () -> s.real("theta")).getMessage());
        assertEquals("the checkpoint's gd state has 3 values in 'theta', expected 4",
                assertThrows(IllegalArgumentException.class, () -> s.vector("theta", 4)).getMessage());
    }

    @Test
    void fingerprintDifferencesNameEveryFieldInOneLine() {
        Map<String, String> saved = new LinkedHashMap<>(Map.of("rows", "100"));
        saved.put("solver", "gd");
        saved.put("old", "x");
        Map<String, String> now = new LinkedHashMap<>(Map.of("rows", "100"));
        now.put("solver", "cg");
        now.put("new", "y");
        assertTrue(Fingerprint.differences(saved, saved).isEmpty());
        assertEquals("checkpoint ck is of another fit: solver: checkpoint gd, now cg; new: checkpoint (absent), now y; old: checkpoint x, "
                + "now (absent)", new dev.downhill.CheckpointMismatchException(java.nio.file.Path.of("ck"),
                        Fingerprint.differences(saved, now)).getMessage());
        assertEquals(java.util.List.of(new dev.downhill.CheckpointMismatchException.Difference("solver", "gd", "cg"),
                new dev.downhill.CheckpointMismatchException.Difference("new", "(absent)", "y"),
                new dev.downhill.CheckpointMismatchException.Difference("old", "x", "(absent)")), Fingerprint.differences(saved, now));
    }

    @Test
    void theSampleSpreadsOverTheRowsWithTheEndsIncluded() {
        assertArrayEquals(new long[] {0, 1, 2}, Fingerprint.spread(3, 5));
        long[] idx = Fingerprint.spread(1_000_000, 1024);
        assertEquals(1024, idx.length);
        assertEquals(0, idx[0]);
        assertEquals(999_999, idx[1023]);
        for (int k = 1; k < idx.length; k++) {
            assertTrue(idx[k] > idx[k - 1]);
        }
    }
}
