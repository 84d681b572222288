package dev.downhill.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads a float32 .npy file of more than 2 GiB. The file is sparse (a header, then
 * {@link RandomAccessFile#setLength} leaves zeros that take no disk), with a few known values near
 * its start, around the 2 GiB byte offsets of the file and of the destination memory, and at its
 * end. Needs about 2.1 GB off-heap (surefire runs with {@code -Dorg.bytedeco.javacpp.maxbytes=8g})
 * and would not fit in the test JVM's 2 GB heap. Its time goes to the kernel: zero-filling page
 * cache for the holes and faulting in 2 GiB of fresh memory (about 8 s on a small VM, ~1–2 s on
 * bare metal).
 */
class NpyLargeFileTest {
    private static final long ROWS = 525_312; // × 1024 float32 = 2 151 677 952 data bytes, 4 MiB over 2^31
    private static final long COLS = 1024;
    private static final long TWO_GIB = 1L << 31;

    @Test
    void readsASparseFileOverTwoGiB(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("big.npy");
        byte[] header = NpyFiles.header(NpyFiles.dict("<f4", false, "(" + ROWS + ", " + COLS + ")"), 1);
        long offset = header.length;
        long elements = ROWS * COLS;
        long dataBytes = elements * 4;
        assertTrue(offset + dataBytes > TWO_GIB + (1L << 20), "the file must exceed 2 GiB");
        long lastBelow = (TWO_GIB - offset) / 4 - 1; // its bytes end exactly at file byte 2^31
        long[] index = {0, 1, lastBelow, lastBelow + 1, TWO_GIB / 4 - 1, TWO_GIB / 4, elements - 2, elements - 1};
        float[] value = {1.5f, -2.25f, 3.125f, -4.5f, 5.75f, -6.0f, 7.25f, -8.5f};
        try {
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.write(header);
                raf.setLength(offset + dataBytes);
                for (int k = 0; k < index.length; k++) {
                    raf.seek(offset + 4 * index[k]);
                    raf.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value[k]).array());
                }
            }
            assertEquals(offset + dataBytes, Files.size(f));
            Path y = dir.resolve("y.npy");
            try (NpyWriter w = NpyWriter.create(y, Precision.FLOAT32, ROWS)) {
                for (long i = 0; i < ROWS; i++) {
                    w.write(new float[] {i % 1000});
                }
            }
            long before = Pointer.totalBytes();
            // readDataset also runs Dataset's finiteness pass over all of X: windows beyond 2 GiB there too
            try (Dataset d = NpyReader.readDataset(f, y, Precision.FLOAT32)) {
                assertTrue(Pointer.totalBytes() - before >= dataBytes, "X lives off-heap");
                assertEquals(ROWS, d.rows());
                assertEquals(COLS, d.cols());
                assertEquals(Precision.FLOAT32, d.precision());
                for (int k = 0; k < index.length; k++) {
                    assertEquals(value[k], d.x(index[k] / COLS, index[k] % COLS), 0.0, "element " + index[k]);
                }
                assertEquals(0.0, d.x((lastBelow - 1) / COLS, (lastBelow - 1) % COLS), 0.0, "the zeros between stay zeros");
                assertEquals(0.0, d.x(ROWS / 2, COLS / 2), 0.0);
                assertEquals(value[7], d.x(ROWS - 1, COLS - 1), 0.0);
                assertEquals((ROWS - 1) % 1000, d.y(ROWS - 1), 0.0);
            }
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
