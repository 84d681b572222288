package dev.downhill.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds .npy files byte by byte, independently of {@link NpyWriter}, for reader tests. */
final class NpyFiles {
    private NpyFiles() {
    }

    /** The test matrix's element (i, j): distinct, signed, exactly representable in every dtype used. */
    static double value(String descr, long i, long j) {
        double v = (i * 100 + j) * (j % 2 == 0 ? 1 : -1);
        return descr.contains("f") ? v + 0.25 : v;
    }

    /** Magic, version {@code major}.0, length field and {@code dict} padded with spaces and '\n' to a multiple of 64. */
    static byte[] header(String dict, int major) {
        int preamble = major == 1 ? 10 : 12;
        int total = (preamble + dict.length() + 1 + 63) / 64 * 64;
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) (total - preamble));
        } else {
            b.putInt(total - preamble);
        }
        b.put(dict.getBytes(StandardCharsets.ISO_8859_1));
        while (b.position() < total - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    static String dict(String descr, boolean fortran, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
    }

    /** The test matrix (rows × cols) encoded as {@code descr} (little- or big-endian), in C or Fortran order. */
    static byte[] data(String descr, boolean fortran, int rows, int cols) {
        int item = descr.endsWith("8") ? 8 : 4;
        ByteBuffer b = ByteBuffer.allocate(rows * cols * item)
                .order(descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < rows * cols; k++) {
            int i = fortran ? k % rows : k / cols;
            int j = fortran ? k / rows : k % cols;
            put(b, descr, value(descr, i, j));
        }
        return b.array();
    }

    static void put(ByteBuffer b, String descr, double v) {
        switch (descr.substring(1)) {
            case "f4": b.putFloat((float) v); break;
            case "f8": b.putDouble(v); break;
            case "i4": b.putInt((int) v); break;
            case "i8": b.putLong((long) v); break;
            default: throw new IllegalArgumentException(descr);
        }
    }

    /** Writes the test matrix as a complete file. */
    static Path matrix(Path file, String descr, boolean fortran, int rows, int cols) {
        return write(file, header(dict(descr, fortran, "(" + rows + ", " + cols + ")"), 1), data(descr, fortran, rows, cols));
    }

    static Path write(Path file, byte[]... parts) {
        try {
            Files.deleteIfExists(file);
            for (byte[] p : parts) {
                Files.write(file, p, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] littleEndian(String descr, double... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * (descr.endsWith("8") ? 8 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            put(b, descr, v);
        }
        return b.array();
    }
}
