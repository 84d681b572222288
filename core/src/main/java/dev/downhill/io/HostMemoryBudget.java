package dev.downhill.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How much host memory X may take: a .npy X larger than this is memory-mapped from its file instead
 * of read into memory ({@link MappedNpy}); the budget a caller sets travels in
 * {@link dev.downhill.spi.BackendOptions#hostMemoryBudget()}. Default: {@value #DEFAULT_FRACTION} of
 * the memory the kernel reports available (MemAvailable in /proc/meminfo), capped by what
 * JavaCPP's off-heap limit (org.bytedeco.javacpp.maxbytes) still allows.
 */
public final class HostMemoryBudget {
    /** Fraction of available memory used by default. */
    public static final double DEFAULT_FRACTION = 0.8;

    private HostMemoryBudget() {
    }

    /** The default budget in bytes: 0.8·MemAvailable, capped by what JavaCPP's maxbytes still allows. */
    public static long defaultBytes() {
        long budget = Long.MAX_VALUE;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    budget = (long) (DEFAULT_FRACTION * kib * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: only the JavaCPP limit below applies
        }
        long max = org.bytedeco.javacpp.Pointer.maxBytes();
        if (max > 0) {
            budget = Math.min(budget, Math.max(0, max - org.bytedeco.javacpp.Pointer.totalBytes()));
        }
        return budget == Long.MAX_VALUE ? Runtime.getRuntime().maxMemory() : budget;
    }

    /** Parses a size: a number of bytes, or with a k/m/g/t suffix (powers of 1024), e.g. "512m", "16g". */
    public static long parse(String text) {
        return dev.downhill.internal.ByteSizes.parse(text, "memory budget");
    }
}
