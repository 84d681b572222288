package dev.downhill.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The header of a NumPy {@code .npy} file, validated against the file's size.
 *
 * <p>Format (numpy.lib.format): the 6 magic bytes {@code \x93NUMPY}; a major and a minor version
 * byte (1.0, 2.0 or 3.0 are accepted); the header length as a little-endian unsigned integer of 2
 * bytes (version 1) or 4 bytes (versions 2 and 3); that many bytes of header text (Latin-1, UTF-8
 * for version 3) holding a Python dict literal with exactly the keys {@code 'descr'} (a type string
 * such as {@code '<f4'}, see {@link NpyDtype}), {@code 'fortran_order'} ({@code True} or
 * {@code False}) and {@code 'shape'} (a tuple of non-negative integers), padded with spaces and
 * ending in a newline; then the data, rows × cols × itemsize bytes, C (row-major) or Fortran
 * (column-major) order. The file must end exactly where the data ends: a shorter file is
 * truncated, a longer one holds something this reader would silently ignore; both are errors
 * naming the expected and the actual size.
 *
 * <p>Immutable.
 */
public final class NpyHeader {
    /** The 6 bytes every .npy file starts with. */
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** NumPy pads the header so the data starts on a multiple of this many bytes. */
    private static final int ALIGN = 64;
    /** Refuse header lengths above this (a corrupt length field would otherwise allocate gigabytes). */
    static final int MAX_HEADER_BYTES = 1 << 20;

    private final int majorVersion;
    private final NpyDtype dtype;
    private final boolean fortranOrder;
    private final long[] shape;
    private final long dataOffset;
    private final long elementCount;

    private NpyHeader(int majorVersion, NpyDtype dtype, boolean fortranOrder, long[] shape, long dataOffset, long elementCount) {
        this.majorVersion = majorVersion;
        this.dtype = dtype;
        this.fortranOrder = fortranOrder;
        this.shape = shape;
        this.dataOffset = dataOffset;
        this.elementCount = elementCount;
    }

    /** Format version: 1, 2 or 3 (the minor version is always 0). */
    public int majorVersion() {
        return majorVersion;
    }

    public NpyDtype dtype() {
        return dtype;
    }

    /** Whether the data is stored column-major (NumPy's {@code fortran_order}). */
    public boolean fortranOrder() {
        return fortranOrder;
    }

    /** The shape, as a new array. */
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Byte offset of the first data byte (the size of magic, version, length field and header text). */
    public long dataOffset() {
        return dataOffset;
    }

    /** Product of the shape. */
    public long elementCount() {
        return elementCount;
    }

    /** elementCount × itemsize. */
    public long dataBytes() {
        return elementCount * dtype.itemSize();
    }

    /** The shape written as NumPy prints it: {@code (3, 4)}, {@code (5,)}. */
    public String shapeText() {
        return shapeText(shape);
    }

    @Override
    public String toString() {
        return "NpyHeader[v" + majorVersion + ".0, " + dtype.descr() + ", " + (fortranOrder ? "Fortran" : "C")
                + " order, shape " + shapeText() + "]";
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads and validates the header of {@code file}, including that the file size equals the
     * header size plus shape × itemsize.
     *
     * @throws MalformedFileException when the file is not a valid .npy file of a supported dtype
     * @throws UncheckedIOException   when the file cannot be read
     */
    public static NpyHeader read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch, file);
        } catch (IOException e) {
            throw ReadFailure.of(file, e);
        }
    }

    /** Reads the header from the start of {@code ch} (its position is not used or changed). */
    static NpyHeader read(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        ByteBuffer pre = ByteBuffer.allocate((int) Math.min(12, size)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, pre, 0);
        pre.flip();
        checkMagic(pre, size, file);
        if (size < 10) {
            throw new MalformedFileException(file, "file is " + size + " bytes long and ends inside the .npy preamble (at least 10 bytes)");
        }
        int major = pre.get(6) & 0xff;
        int minor = pre.get(7) & 0xff;
        if (major < 1 || major > 3 || minor != 0) {
            throw new MalformedFileException(file, "unsupported .npy format version " + major + "." + minor
                    + " (supported: 1.0, 2.0, 3.0)");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        int preamble = 8 + lengthBytes;
        if (size < preamble) {
            throw new MalformedFileException(file, "file is " + size + " bytes long and ends inside the .npy preamble ("
                    + preamble + " bytes for version " + major + ".0)");
        }
        long headerLength = major == 1 ? pre.getShort(8) & 0xffffL : pre.getInt(8) & 0xffffffffL;
        if (headerLength > MAX_HEADER_BYTES) {
            throw new MalformedFileException(file, "header length field says " + headerLength
                    + " bytes, more than the " + MAX_HEADER_BYTES + " this reader accepts (corrupt file?)");
        }
        if (preamble + headerLength > size) {
            throw new MalformedFileException(file, "file ends inside the header: the header length field says "
                    + headerLength + " bytes, but only " + (size - preamble) + " bytes follow the " + preamble + "-byte preamble");
        }
        ByteBuffer text = ByteBuffer.allocate((int) headerLength);
        readFully(ch, text, preamble);
        Charset cs = major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
        String headerText = new String(text.array(), cs);
        NpyHeader h = fromDict(NpyHeaderParser.parseDict(headerText, file), major, preamble + headerLength, file);
        h.checkFileSize(size, file);
        return h;
    }

    private static void checkMagic(ByteBuffer pre, long size, Path file) {
        int n = Math.min(pre.remaining(), MAGIC.length);
        boolean ok = n == MAGIC.length;
        for (int i = 0; i < n && ok; i++) {
            ok = pre.get(i) == MAGIC[i];
        }
        if (!ok) {
            StringBuilder seen = new StringBuilder();
            for (int i = 0; i < n; i++) {
                int b = pre.get(i) & 0xff;
                seen.append(b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b));
            }
            throw new MalformedFileException(file, "not an .npy file: it starts with \"" + seen
                    + "\" (" + size + " bytes in all) instead of the magic \"\\x93NUMPY\"");
        }
    }

    private static NpyHeader fromDict(Map<String, Object> dict, int major, long dataOffset, Path file) {
        List<String> expected = List.of("descr", "fortran_order", "shape");
        for (String key : dict.keySet()) {
            if (!expected.contains(key)) {
                throw new MalformedFileException(file, "header has unexpected key " + MalformedFileException.quote(key)
                        + " (an .npy header has exactly 'descr', 'fortran_order' and 'shape')");
            }
        }
        for (String key : expected) {
            if (!dict.containsKey(key)) {
                throw new MalformedFileException(file, "header lacks the key '" + key + "' (it has "
                        + dict.keySet().stream().map(MalformedFileException::quote).collect(Collectors.joining(", ")) + ")");
            }
        }
        Object descr = dict.get("descr");
        if (descr instanceof List) {
            throw new MalformedFileException(file, "structured dtypes (descr " + descr + ") are not supported; "
                    + "save a plain numeric array");
        }
        if (!(descr instanceof String)) {
            throw new MalformedFileException(file, "header 'descr' must be a type string such as '<f4', got " + descr);
        }
        NpyDtype dtype = NpyDtype.parse((String) descr, file);
        Object fortran = dict.get("fortran_order");
        if (!(fortran instanceof Boolean)) {
            throw new MalformedFileException(file, "header 'fortran_order' must be True or False, got " + fortran);
        }
        Object shapeValue = dict.get("shape");
        if (!(shapeValue instanceof NpyHeaderParser.Tuple)) {
            throw new MalformedFileException(file, "header 'shape' must be a tuple of integers such as (3, 4) or (5,), got " + shapeValue);
        }
        List<Object> items = ((NpyHeaderParser.Tuple) shapeValue).items();
        long[] shape = new long[items.size()];
        long count = 1;
        for (int d = 0; d < shape.length; d++) {
            Object v = items.get(d);
            if (!(v instanceof Long) || (Long) v < 0) {
                throw new MalformedFileException(file, "header 'shape' must hold non-negative integers, got " + items);
            }
            shape[d] = (Long) v;
            try {
                count = Math.multiplyExact(count, shape[d]);
                Math.multiplyExact(count, (long) dtype.itemSize());
            } catch (ArithmeticException e) {
                throw new MalformedFileException(file, "shape " + shapeValue + " of " + dtype.descr() + " overflows 2^63 bytes");
            }
        }
        return new NpyHeader(major, dtype, (Boolean) fortran, shape, dataOffset, count);
    }

    private void checkFileSize(long actual, Path file) {
        long expectedSize;
        try {
            expectedSize = Math.addExact(dataOffset, dataBytes());
        } catch (ArithmeticException e) {
            throw new MalformedFileException(file, "shape " + shapeText() + " of " + dtype.descr() + " overflows 2^63 bytes");
        }
        if (actual == expectedSize) {
            return;
        }
        String promise = "shape " + shapeText() + " of " + dtype.descr() + " needs " + dataBytes() + " data bytes after the "
                + dataOffset + "-byte header, a file of " + expectedSize + " bytes";
        if (actual < expectedSize) {
            throw new MalformedFileException(file, "file is truncated: " + promise + ", but it has " + actual
                    + " bytes (" + (expectedSize - actual) + " missing)");
        }
        throw new MalformedFileException(file, "file is longer than its header says: " + promise + ", but it has "
                + actual + " bytes (" + (actual - expectedSize) + " extra; several arrays saved into one file are not supported)");
    }

    // ---------------------------------------------------------------- writing

    /**
     * The bytes of a header (magic, version, length, padded dict text) for a C- or Fortran-order
     * array, padded with spaces and a final newline so that the data starts on a multiple of 64
     * bytes, as NumPy writes it. Version 1.0 unless the text needs more than 65535 bytes (then 2.0).
     */
    static byte[] encode(NpyDtype dtype, boolean fortranOrder, long[] shape) {
        return encode(dtype.descr(), fortranOrder, shape);
    }

    /** {@link #encode(NpyDtype, boolean, long[])} for any type string (e.g. {@code |S3} for a byte string), C order. */
    static byte[] encodeRaw(String descr, long[] shape) {
        return encode(descr, false, shape);
    }

    private static byte[] encode(String descr, boolean fortranOrder, long[] shape) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortranOrder ? "True" : "False")
                + ", 'shape': " + shapeText(shape) + ", }";
        int major = 10 + dict.length() + 1 <= 0xffff ? 1 : 2;
        int preamble = major == 1 ? 10 : 12;
        int unpadded = preamble + dict.length() + 1;
        int total = (unpadded + ALIGN - 1) / ALIGN * ALIGN;
        int headerLength = total - preamble;
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) headerLength);
        } else {
            b.putInt(headerLength);
        }
        b.put(dict.getBytes(StandardCharsets.ISO_8859_1));
        while (b.position() < total - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    static String shapeText(long[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
    }

    /** Reads until {@code buf} is full, from absolute file position {@code position}. */
    static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file at byte " + pos + " (did the file change while being read?)");
            }
            pos += r;
        }
    }
}
