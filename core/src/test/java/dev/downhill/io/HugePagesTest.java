package dev.downhill.io;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.DoublePointer;
import org.junit.jupiter.api.Test;

/** Huge pages for large off-heap arrays: the advice reaches the kernel (read back from /proc/self/smaps where THP exists). */
class HugePagesTest {

    @Test
    void smallArraysAreLeftAloneAndTheSamePointerComesBack() {
        try (DoublePointer p = new DoublePointer(16)) {
            assertSame(p, HugePages.advise(p));
        }
    }

    @Test
    void aLargeFreshArrayIsBackedByHugePagesWhereTheKernelOffersThem() throws IOException {
        Path mode = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        assumeTrue(Files.isReadable(mode) && !Files.readString(mode).contains("[never]"), "no transparent huge pages here");
        long count = 16L << 20; // 128 MiB
        try (DoublePointer p = HugePages.advise(new DoublePointer(count))) {
            for (long i = 0; i < count; i += 512) { // touch every 4 KiB page
                p.put(i, 1.0);
            }
            long start = p.address();
            long end = start + 8 * count;
            long hugeKb = 0;
            List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
            boolean inside = false;
            for (String line : lines) {
                if (line.matches("[0-9a-f]+-[0-9a-f]+ .*")) { // a mapping's header: its address range
                    String[] range = line.substring(0, line.indexOf(' ')).split("-");
                    long a = Long.parseUnsignedLong(range[0], 16);
                    long b = Long.parseUnsignedLong(range[1], 16);
                    inside = a < end && b > start;
                } else if (inside && line.startsWith("AnonHugePages:")) {
                    hugeKb += Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            // the kernel may be short of free huge pages (fragmentation): any at all shows the advice was taken
            assertTrue(hugeKb > 0, "no huge pages backing the array (AnonHugePages 0 kB)");
        }
    }
}
