package dev.downhill.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class BackendOptionsTest {

    @Test
    void noneSetsNothing() {
        BackendOptions o = BackendOptions.none();
        assertEquals(0, o.threads());
        assertEquals(0, o.device());
        assertFalse(o.deviceSet());
        assertEquals(OptionalLong.empty(), o.hostMemoryBudget());
        assertEquals(OptionalLong.empty(), o.deviceMemoryBudget());
        assertEquals(OptionalLong.empty(), o.chunkBytes());
        assertEquals(Map.of(), o.settings());
        assertEquals(o, BackendOptions.builder().build());
    }

    @Test
    void builderValidatesAndParsesSizes() {
        BackendOptions o = BackendOptions.builder().threads(3).device(1).hostMemoryBudget("2g").deviceMemoryBudget("512m")
                .chunkBytes(4096).cpuKernel(" BLAS ").cudaKernel("cublas").set("nd4j.something", "x").build();
        assertEquals(3, o.threads());
        assertEquals(1, o.device());
        assertEquals(2L << 30, o.hostMemoryBudget().getAsLong());
        assertEquals(512L << 20, o.deviceMemoryBudget().getAsLong());
        assertEquals(4096, o.chunkBytes().getAsLong());
        assertEquals("blas", o.setting(BackendOptions.CPU_KERNEL).orElseThrow());
        assertEquals("cublas", o.setting(BackendOptions.CUDA_KERNEL).orElseThrow());
        assertEquals("x", o.setting("nd4j.something").orElseThrow());
        assertEquals(o, o.toBuilder().build());
        assertThrows(IllegalArgumentException.class, () -> BackendOptions.builder().threads(-1));
        assertThrows(IllegalArgumentException.class, () -> BackendOptions.builder().device(-1));
        assertThrows(IllegalArgumentException.class, () -> BackendOptions.builder().deviceMemoryBudget("12q"));
        assertThrows(IllegalArgumentException.class, () -> BackendOptions.builder().chunkBytes(0));
        assertThrows(IllegalArgumentException.class, () -> BackendOptions.builder().set("kernel", "blas"));
        assertTrue(o.toString().contains("cpu.kernel=blas"), o.toString());
    }

    @Test
    void defaultsComeFromSystemPropertiesAndExplicitSettingsWin() {
        String[] keys = {"downhill.cpu.kernel", "downhill.cuda.device", "downhill.cuda.memoryBudget", "downhill.cuda.chunkBytes",
                "downhill.memoryBudget"};
        String[] saved = new String[keys.length];
        for (int k = 0; k < keys.length; k++) {
            saved[k] = System.getProperty(keys[k]);
        }
        try {
            System.setProperty("downhill.cpu.kernel", "blas");
            System.setProperty("downhill.cuda.device", "2");
            System.setProperty("downhill.cuda.memoryBudget", "1g");
            System.setProperty("downhill.cuda.chunkBytes", "16k");
            System.setProperty("downhill.memoryBudget", "3g");
            BackendOptions d = BackendOptions.defaults();
            assertEquals("blas", d.setting(BackendOptions.CPU_KERNEL).orElseThrow());
            assertEquals(2, d.device());
            assertEquals(1L << 30, d.deviceMemoryBudget().getAsLong());
            assertEquals(16L << 10, d.chunkBytes().getAsLong());
            assertEquals(3L << 30, d.hostMemoryBudget().getAsLong());
            BackendOptions mine = BackendOptions.builder().cpuKernel("native").device(0).threads(2).build().orElse(d);
            assertEquals("native", mine.setting(BackendOptions.CPU_KERNEL).orElseThrow(), "explicit wins");
            assertEquals(0, mine.device(), "an explicit device 0 wins over the property");
            assertEquals(2, mine.threads());
            assertEquals(1L << 30, mine.deviceMemoryBudget().getAsLong(), "unset: the default");
            System.setProperty("downhill.cuda.device", "zero");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, BackendOptions::defaults);
            assertTrue(e.getMessage().contains("downhill.cuda.device"), e.getMessage());
        } finally {
            for (int k = 0; k < keys.length; k++) {
                if (saved[k] == null) {
                    System.clearProperty(keys[k]);
                } else {
                    System.setProperty(keys[k], saved[k]);
                }
            }
        }
    }
}
