package dev.downhill.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Precision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NpyWriter: header bytes, chunked writes from arrays and pointers, conversions, and its guards. */
class NpyWriterTest {
    private static final double EXACT = 0.0;

    @TempDir
    Path dir;

    @Test
    void writesTheHeaderNumpyWrites() throws IOException {
        Path f = dir.resolve("h.npy");
        try (NpyWriter w = NpyWriter.create(f, Precision.FLOAT32, 5, 3)) {
            w.write(new float[15]);
        }
        byte[] bytes = Files.readAllBytes(f);
        assertEquals(128 + 60, bytes.length, "header padded to 128 bytes, then 15 float32");
        assertEquals((byte) 0x93, bytes[0]);
        assertEquals("NUMPY", new String(bytes, 1, 5, StandardCharsets.US_ASCII));
        assertEquals(1, bytes[6]);
        assertEquals(0, bytes[7]);
        assertEquals(118, (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8, "header length field");
        String text = new String(bytes, 10, 118, StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3), }"), text);
        assertTrue(text.endsWith(" \n"), "padded with spaces, ends in a newline");
        try (NpyWriter w = NpyWriter.create(dir.resolve("v.npy"), Precision.FLOAT64, 4)) {
            w.write(new double[4]);
        }
        assertEquals("(4,)", NpyReader.readHeader(dir.resolve("v.npy")).shapeText());
    }

    @Test
    void writesRowsFromArraysAndPointersInPieces() {
        Path f = dir.resolve("x.npy");
        try (FloatPointer fp = new FloatPointer(1f, 2f, 3f, 4f, 5f, 6f);
             DoublePointer dp = new DoublePointer(7.5, 8.5, 9.5)) {
            for (Precision p : Precision.values()) {
                try (NpyWriter w = NpyWriter.create(f, p, 5, 3)) {
                    w.write(new float[] {-1f, -2f, -3f});
                    w.write(new double[] {0, 10, 20, 30, 40}, 1, 3);
                    w.write(fp, 3, 3); // 4, 5, 6
                    w.write(dp, 0, 3);
                    w.write(new double[] {0.1, 0.2, 0.3});
                    assertEquals(15, w.written());
                    assertEquals(15, w.expected());
                }
                try (HostArray a = NpyReader.readMatrix(f)) {
                    assertEquals(p, a.precision());
                    double third = p == Precision.FLOAT32 ? (double) 0.3f : 0.3;
                    assertArrayEquals(new double[] {-1, -2, -3, 10, 20, 30, 4, 5, 6, 7.5, 8.5, 9.5,
                        p == Precision.FLOAT32 ? (double) 0.1f : 0.1, p == Precision.FLOAT32 ? (double) 0.2f : 0.2, third},
                            a.toDoubleArray(), EXACT);
                }
            }
        }
    }

    @Test
    void crossesItsBufferBoundaryWithoutLosingValues() {
        int n = 300_001; // 2.4 MB of float64: several 1 MiB buffers
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = i * 0.5 - 7;
        }
        for (Precision p : Precision.values()) {
            Path f = dir.resolve("long-" + p + ".npy");
            try (NpyWriter w = NpyWriter.create(f, p, n)) {
                w.write(values, 0, 12_345).write(values, 12_345, n - 12_345);
            }
            try (HostArray a = NpyReader.readVector(f)) {
                assertArrayEquals(values, a.toDoubleArray(), EXACT, "halves and small integers are exact in float32");
            }
        }
    }

    @Test
    void wholeArrayConveniencesRoundTrip() {
        Path x = NpyFiles.matrix(dir.resolve("in.npy"), "<f8", true, 4, 6);
        Path copy = dir.resolve("copy.npy");
        try (HostArray a = NpyReader.readMatrix(x)) {
            NpyWriter.write(copy, a);
            NpyWriter.writeMatrix(dir.resolve("m.npy"), a.pointer(), 4, 6);
        }
        for (Path f : new Path[] {copy, dir.resolve("m.npy")}) {
            try (HostArray b = NpyReader.readMatrix(f)) {
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < 6; j++) {
                        assertEquals(NpyFiles.value("<f8", i, j), b.get(i, j), EXACT);
                    }
                }
                assertFalse(NpyReader.readHeader(f).fortranOrder(), "the writer writes C order");
            }
        }
        Path y = dir.resolve("y.npy");
        NpyWriter.writeVector(y, new double[] {3, 1, 2}, Precision.FLOAT32);
        try (HostArray v = NpyReader.readVector(y); FloatPointer fp = new FloatPointer(9f, 8f)) {
            assertEquals(Precision.FLOAT32, v.precision());
            assertArrayEquals(new double[] {3, 1, 2}, v.toDoubleArray(), EXACT);
            NpyWriter.writeVector(dir.resolve("y2.npy"), fp, 2);
        }
        try (HostArray v = NpyReader.readVector(dir.resolve("y2.npy"))) {
            assertArrayEquals(new double[] {9, 8}, v.toDoubleArray(), EXACT);
        }
    }

    @Test
    void anIncompleteFileIsDeletedOnClose() throws IOException {
        Path f = dir.resolve("partial.npy");
        NpyWriter w = NpyWriter.create(f, Precision.FLOAT32, 2, 2);
        w.write(new float[] {1, 2, 3});
        IllegalStateException e = assertThrows(IllegalStateException.class, w::close);
        assertTrue(e.getMessage().contains("3 of the 4 values") && e.getMessage().contains("not written"), e.getMessage());
        assertFalse(Files.exists(f));
        w.close(); // second close is harmless
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void anIncompleteRewriteKeepsThePreviousFileAndTheNewOneAppearsOnlyOnClose() throws IOException {
        Path f = dir.resolve("kept.npy");
        NpyWriter.writeVector(f, new double[] {1, 2}, Precision.FLOAT64);
        byte[] before = Files.readAllBytes(f);
        NpyWriter w = NpyWriter.create(f, Precision.FLOAT64, 3);
        w.write(new double[] {7, 8});
        assertArrayEquals(before, Files.readAllBytes(f), "the target is untouched while the writer runs");
        assertThrows(IllegalStateException.class, w::close);
        assertArrayEquals(before, Files.readAllBytes(f), "a failed rewrite leaves the previous file intact");
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
        try (NpyWriter ok = NpyWriter.create(f, Precision.FLOAT64, 3)) {
            ok.write(new double[] {7, 8, 9});
            assertArrayEquals(before, Files.readAllBytes(f), "replaced only on close");
        }
        try (HostArray v = NpyReader.readVector(f)) {
            assertArrayEquals(new double[] {7, 8, 9}, v.toDoubleArray(), EXACT);
        }
    }

    @Test
    void refusesMoreValuesThanTheShapeHolds() {
        try (NpyWriter w = NpyWriter.create(dir.resolve("over.npy"), Precision.FLOAT64, 2)) {
            w.write(new double[] {1});
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.write(new double[] {2, 3}));
            assertTrue(e.getMessage().contains("exceed the 2"), e.getMessage());
            w.write(new double[] {2});
        }
        assertThrows(IllegalArgumentException.class, () -> NpyWriter.create(dir.resolve("r3.npy"), Precision.FLOAT32, 1, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> NpyWriter.create(dir.resolve("neg.npy"), Precision.FLOAT32, -1));
    }
}
