package dev.downhill.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What machine a result was measured on: CPU model, cores, memory, JVM. */
final class MachineDescription {
    private MachineDescription() {
    }

    static String cpu() {
        String model = "unknown CPU";
        String family = "";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name") && model.startsWith("unknown")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                }
                if (line.startsWith("cpu family") && family.isEmpty()) {
                    family = "family " + line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux: keep "unknown CPU"
        }
        long memory = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal")) {
                    memory = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unknown memory
        }
        return String.format(Locale.ROOT, "%s (%s), %d cores, %.0f GiB memory, Java %s", model, family,
                Runtime.getRuntime().availableProcessors(), memory / (double) (1L << 30), System.getProperty("java.version"));
    }
}
