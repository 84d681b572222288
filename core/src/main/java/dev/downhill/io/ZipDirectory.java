package dev.downhill.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Where each member of a zip file lies in the file: the central directory read (ZIP64 included), each member's
 * compression method, sizes and the file offset of its first data byte (after its local header). What
 * {@link java.util.zip.ZipFile} does not say, and what mapping a stored (uncompressed) member needs.
 */
final class ZipDirectory {
    /**
     * A member: method 0 is stored, 8 deflated; {@code dataStart} is the file offset of its first data byte; {@code crc}
     * the CRC-32 of its uncompressed bytes as the central directory records it.
     */
    record Member(String name, int method, boolean encrypted, long compressedSize, long size, long dataStart, long crc) {
        boolean stored() {
            return method == 0 && !encrypted;
        }

        /**
         * Whether the CRC-32 of this stored member's bytes in {@code file} is the recorded one (read through mappings of
         * at most 1 GiB: one sequential pass over the member).
         */
        boolean crcMatches(Path file) throws IOException {
            java.util.zip.CRC32 sum = new java.util.zip.CRC32();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                for (long at = 0; at < compressedSize; at += 1L << 30) {
                    sum.update(ch.map(FileChannel.MapMode.READ_ONLY, dataStart + at, Math.min(1L << 30, compressedSize - at)));
                }
            }
            return sum.getValue() == crc;
        }
    }

    private static final int END = 0x06054b50;
    private static final int END64 = 0x06064b50;
    private static final int END64_LOCATOR = 0x07064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final long MAGIC32 = 0xFFFFFFFFL;

    private ZipDirectory() {
    }

    /** The members of {@code file} by name. */
    static Map<String, Member> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            int tail = (int) Math.min(size, 22 + 65535);
            ByteBuffer end = read(ch, size - tail, tail);
            int at = -1;
            for (int p = tail - 22; p >= 0; p--) {
                if (end.getInt(p) == END) {
                    at = p;
                    break;
                }
            }
            if (at < 0) {
                throw new MalformedFileException(file, "not a zip file (no end-of-central-directory record)");
            }
            long entries = end.getShort(at + 10) & 0xFFFF;
            long directorySize = end.getInt(at + 12) & MAGIC32;
            long directoryOffset = end.getInt(at + 16) & MAGIC32;
            long endOffset = size - tail + at;
            if ((entries == 0xFFFF || directorySize == MAGIC32 || directoryOffset == MAGIC32) && endOffset >= 20) {
                ByteBuffer locator = read(ch, endOffset - 20, 20);
                if (locator.getInt(0) == END64_LOCATOR) {
                    ByteBuffer end64 = read(ch, locator.getLong(8), 56);
                    if (end64.getInt(0) != END64) {
                        throw new MalformedFileException(file, "broken ZIP64 end-of-central-directory record");
                    }
                    entries = end64.getLong(32);
                    directorySize = end64.getLong(40);
                    directoryOffset = end64.getLong(48);
                }
            }
            if (directoryOffset < 0 || directorySize < 0 || directoryOffset + directorySize > size || directorySize > Integer.MAX_VALUE) {
                throw new MalformedFileException(file, "zip central directory outside the file");
            }
            ByteBuffer dir = read(ch, directoryOffset, (int) directorySize);
            Map<String, Member> members = new HashMap<>();
            int p = 0;
            for (long e = 0; e < entries; e++) {
                if (p + 46 > dir.limit() || dir.getInt(p) != CENTRAL) {
                    throw new MalformedFileException(file, "broken zip central directory (entry " + e + ")");
                }
                int flags = dir.getShort(p + 8) & 0xFFFF;
                int method = dir.getShort(p + 10) & 0xFFFF;
                long crc = dir.getInt(p + 16) & MAGIC32;
                long compressed = dir.getInt(p + 20) & MAGIC32;
                long uncompressed = dir.getInt(p + 24) & MAGIC32;
                int nameLength = dir.getShort(p + 28) & 0xFFFF;
                int extraLength = dir.getShort(p + 30) & 0xFFFF;
                int commentLength = dir.getShort(p + 32) & 0xFFFF;
                long local = dir.getInt(p + 42) & MAGIC32;
                if (p + 46 + nameLength + extraLength > dir.limit()) {
                    throw new MalformedFileException(file, "broken zip central directory (entry " + e + ")");
                }
                byte[] nameBytes = new byte[nameLength];
                dir.get(p + 46, nameBytes);
                String name = new String(nameBytes, (flags & 0x800) != 0 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
                for (int x = p + 46 + nameLength; x + 4 <= p + 46 + nameLength + extraLength; ) { // the ZIP64 extra field
                    int id = dir.getShort(x) & 0xFFFF;
                    int length = dir.getShort(x + 2) & 0xFFFF;
                    if (id == 1) {
                        int q = x + 4;
                        if (uncompressed == MAGIC32 && q + 8 <= x + 4 + length) {
                            uncompressed = dir.getLong(q);
                            q += 8;
                        }
                        if (compressed == MAGIC32 && q + 8 <= x + 4 + length) {
                            compressed = dir.getLong(q);
                            q += 8;
                        }
                        if (local == MAGIC32 && q + 8 <= x + 4 + length) {
                            local = dir.getLong(q);
                        }
                    }
                    x += 4 + length;
                }
                if (local < 0 || local + 30 > size) {
                    throw new MalformedFileException(file, name + ": local header outside the file");
                }
                ByteBuffer header = read(ch, local, 30);
                if (header.getInt(0) != LOCAL) {
                    throw new MalformedFileException(file, name + ": broken local header");
                }
                long dataStart = local + 30 + (header.getShort(26) & 0xFFFF) + (header.getShort(28) & 0xFFFF);
                if (compressed < 0 || dataStart + compressed > size) {
                    throw new MalformedFileException(file, name + ": data outside the file");
                }
                members.put(name, new Member(name, method, (flags & 1) != 0, compressed, uncompressed, dataStart, crc));
                p += 46 + nameLength + extraLength + commentLength;
            }
            return members;
        }
    }

    private static ByteBuffer read(FileChannel ch, long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                break;
            }
        }
        b.flip();
        if (b.limit() < length) {
            throw new IOException("unexpected end of file at byte " + (at + b.limit()));
        }
        return b;
    }
}
