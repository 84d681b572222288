package dev.downhill.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.downhill.spi.Backend;
import dev.downhill.spi.Backends;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** What machine a result was measured on: CPU model, cores, memory, GPU and driver, JVM, backends. */
public final class MachineDescription {
    private MachineDescription() {
    }

    /** One line: CPU model and family, cores, memory, Java version. */
    public static String cpu() {
        return String.format(Locale.ROOT, "%s (%s), %d cores, %.0f GiB memory, Java %s", cpuModel(), cpuFamily(),
                Runtime.getRuntime().availableProcessors(), memoryBytes() / (double) (1L << 30), System.getProperty("java.version"));
    }

    /** The machine as JSON: cpu, cores, memoryBytes, gpu (name, driver, memory; or "none: reason"), java, os, backends. */
    public static ObjectNode json() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("cpu", cpuModel() + " (" + cpuFamily() + ")");
        o.put("cores", Runtime.getRuntime().availableProcessors());
        o.put("memoryBytes", memoryBytes());
        o.put("gpu", gpu());
        o.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        o.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        ObjectNode backends = o.putObject("backends");
        for (Backend b : Backends.all()) {
            var a = b.availability();
            backends.put(b.name(), a.available() ? "available" + (b.details().isEmpty() ? "" : ": " + b.details()) : "unavailable: " + a.reason());
        }
        return o;
    }

    /** Total physical memory from /proc/meminfo (0 when unknown). */
    public static long memoryBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unknown memory
        }
        return 0;
    }

    private static String cpuModel() {
        return cpuInfo("model name", "unknown CPU");
    }

    private static String cpuFamily() {
        return "family " + cpuInfo("cpu family", "?") + " model " + cpuInfo("model\t", "?");
    }

    private static String cpuInfo(String key, String fallback) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return fallback;
    }

    /** "NAME, driver D, M MiB" per GPU from nvidia-smi, or "none: why". */
    static String gpu() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader")
                    .redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "none: nvidia-smi did not answer in 20 s";
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.exitValue() != 0 || out.isEmpty()) {
                return "none: nvidia-smi failed: " + out.lines().findFirst().orElse("exit " + p.exitValue());
            }
            return String.join("; ", out.lines().map(l -> {
                String[] f = l.split(",\\s*");
                return f.length == 3 ? f[0] + ", driver " + f[1] + ", " + f[2] : l;
            }).toList());
        } catch (IOException e) {
            return "none: no nvidia-smi";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "none: interrupted";
        }
    }
}
