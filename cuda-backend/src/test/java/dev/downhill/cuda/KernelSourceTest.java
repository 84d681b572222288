package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Precision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kernel source compiles for Hopper (sm_90) with the local {@code nvcc} in every kind of variant
 * the backend asks NVRTC for, and ptxas places the widest fused shapes in registers without spills
 * (the limits in {@link FusedShape#maxColumnsPerThread}). Needs no GPU; skipped without nvcc.
 */
class KernelSourceTest {
    private static String nvcc;
    private static Path source;

    @BeforeAll
    static void findCompiler() throws IOException {
        nvcc = locate();
        Assumptions.assumeTrue(nvcc != null, "nvcc not found (PATH, /usr/local/cuda/bin)");
        Path dir = Files.createDirectories(Path.of("target", "kernel-check"));
        source = dir.resolve(KernelCompiler.RESOURCE);
        Files.writeString(source, KernelCompiler.source(), StandardCharsets.UTF_8);
    }

    private static String locate() {
        for (String candidate : new String[] {"nvcc", "/usr/local/cuda/bin/nvcc"}) {
            try {
                Process p = new ProcessBuilder(candidate, "--version").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException | InterruptedException e) {
                // try the next
            }
        }
        return null;
    }

    /** Runs nvcc with the options NVRTC would get (architecture and macros); returns its output. */
    private static String compile(Map<String, String> macros, String... extra) throws Exception {
        List<String> command = new ArrayList<>(List.of(nvcc, "-arch=sm_90", "-std=c++17"));
        command.addAll(List.of(extra));
        for (Map.Entry<String, String> e : macros.entrySet()) {
            command.add("-D" + e.getKey() + "=" + e.getValue());
        }
        Path out = source.resolveSibling("out-" + String.join("-", macros.values()) + (extra.length > 0 ? ".cubin" : ".ptx"));
        command.addAll(List.of(extra.length > 0 ? "-cubin" : "-ptx", "-o", out.toString(), source.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "nvcc timed out");
        assertEquals(0, p.exitValue(), String.join(" ", command) + "\n" + output);
        return output;
    }

    @Test
    void everyKindOfVariantCompilesToPtx() throws Exception {
        Set<Map<String, String>> variants = new LinkedHashSet<>();
        for (Precision p : Precision.values()) {
            variants.add(FusedShape.utilityMacros(p));
        }
        // one shape per cluster size and block size: 32/128-thread narrow rows, 512 threads, clusters of 2..16
        for (long n : new long[] {10, 100, 1000, 5000, 10_000, 30_000, 60_000, 100_000}) {
            variants.add(FusedShape.forColumns(n, Precision.FLOAT32).orElseThrow().macros(Precision.FLOAT32));
        }
        variants.add(FusedShape.forColumns(100_000, Precision.FLOAT64).orElseThrow().macros(Precision.FLOAT64));
        // the staged kernel (X through shared memory, cp.async): narrow, one block, a cluster of 16
        for (long n : new long[] {20, 5000, 100_000}) {
            variants.add(FusedShape.staged(n, Precision.FLOAT32).orElseThrow().macros(Precision.FLOAT32));
        }
        for (Map<String, String> v : variants) {
            compile(v);
        }
    }

    @Test
    void theWidestFusedShapesDoNotSpillRegisters() throws Exception {
        for (Precision p : Precision.values()) {
            FusedShape widest = FusedShape.forColumns(FusedShape.maxColumns(p), p).orElseThrow();
            assertEquals(FusedShape.maxColumnsPerThread(p), widest.columnsPerThread());
            assertNoSpills(widest, p);
        }
    }

    /**
     * The staged kernel's widest shapes, and those whose stage loop spilled before it was kept rolled (float32 with 12
     * and 14 columns a thread and two rows a group, float64 with 15–16 and one row), spill nothing either.
     */
    @Test
    void theStagedShapesDoNotSpillRegisters() throws Exception {
        for (Precision p : Precision.values()) {
            assertNoSpills(FusedShape.staged(FusedShape.maxColumns(p), p).orElseThrow(), p);
        }
        assertNoSpills(FusedShape.staged(6_000, Precision.FLOAT32).orElseThrow(), Precision.FLOAT32);
        assertNoSpills(FusedShape.staged(20_000, Precision.FLOAT32).orElseThrow(), Precision.FLOAT32); // 10 a thread, 4 rows
        assertNoSpills(FusedShape.staged(5_000, Precision.FLOAT64).orElseThrow(), Precision.FLOAT64);
        assertNoSpills(FusedShape.staged(16_000, Precision.FLOAT64).orElseThrow(), Precision.FLOAT64);
    }

    private static void assertNoSpills(FusedShape shape, Precision p) throws Exception {
        Pattern spill = Pattern.compile("Function properties for fused_gradient\\s+(\\d+) bytes stack frame, (\\d+) bytes spill stores");
        String report = compile(shape.macros(p), "--resource-usage");
        Matcher m = spill.matcher(report);
        assertTrue(m.find(), report);
        assertEquals("0", m.group(2), p + " " + shape + ":\n" + report);
    }
}
