package dev.downhill.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Line handling shared by the text readers. Text is UTF-8 (a leading byte-order mark is ignored;
 * invalid bytes become U+FFFD, which then fails as a number). Lines end at {@code \n}, {@code \r}
 * or {@code \r\n}, as {@link BufferedReader#readLine()} splits them; line numbers are 1-based
 * and count every line, blank ones included. A line is blank when it holds only spaces, tabs,
 * form feeds and vertical tabs. Public for {@link #bytes} alone (the CLI sniffs a text file's format through it).
 */
public final class TextLines {
    private static final int BUFFER = 1 << 20;

    private TextLines() {
    }

    /**
     * A reader over {@code file}, decompressed when it is gzip or bzip2 ({@link #bytes}: by its first bytes, whatever its
     * name — a {@code .svm.gz}, {@code .svm.bz2} or {@code .csv.gz} reads as scikit-learn's and pandas' readers read
     * them); the caller closes it.
     */
    static BufferedReader open(Path file) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        return new BufferedReader(new InputStreamReader(bytes(file), decoder), BUFFER);
    }

    /** How a file's bytes are compressed, told by their first bytes. */
    private enum Compression {
        NONE,
        /** gzip: 1f 8b. */
        GZIP,
        /**
         * bzip2: "BZh", the block size (a digit 1–9), then the first block's magic 31 41 59 26 53 59 (π) or, for an empty
         * stream, the end-of-stream magic 17 72 45 38 50 90 (√π) — every stream of a multi-stream file, as pbzip2 writes.
         */
        BZIP2
    }

    /** bzip2's block magic (BCD π; in ASCII "1AY&SY") and end-of-stream magic (BCD √π), after "BZh" and the digit. */
    private static final byte[] BZIP2_BLOCK = {0x31, 0x41, 0x59, 0x26, 0x53, 0x59};
    private static final byte[] BZIP2_END = {0x17, 0x72, 0x45, 0x38, 0x50, (byte) 0x90};

    /**
     * {@code in}'s compression, read from its first bytes (its position is kept: mark/reset). bzip2 needs the magic after
     * "BZh1"…"BZh9" too: those four letters also begin text (a CSV whose first header cell is "BZh1…"). A file that ends
     * within the magic, matching it so far, is bzip2 (its decompression then says it is truncated).
     */
    private static Compression compression(java.io.BufferedInputStream in) throws IOException {
        in.mark(10);
        byte[] head = in.readNBytes(10);
        in.reset();
        if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return Compression.GZIP;
        }
        String other = otherCompression(head);
        if (other != null) {
            throw new IOException("the file is " + other + "-compressed, which is not read (gzip and bzip2 are): decompress it "
                    + "first, or pipe it decompressed (" + (other.equals("zip") ? "unzip -p FILE" : other + " -dc FILE")
                    + ") to --data - with --format csv, tsv or svmlight");
        }
        boolean bzh = head.length >= 4 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h' && head[3] >= '1' && head[3] <= '9';
        return bzh && (startsMagic(head, BZIP2_BLOCK) || startsMagic(head, BZIP2_END)) ? Compression.BZIP2 : Compression.NONE;
    }

    /** xz, zstd, lz4 or zip by their magic bytes (text never starts so), else null. */
    private static String otherCompression(byte[] head) {
        int[][] magics = {{0xfd, '7', 'z', 'X', 'Z', 0}, {0x28, 0xb5, 0x2f, 0xfd}, {0x04, 0x22, 0x4d, 0x18}, {'P', 'K', 3, 4}};
        String[] names = {"xz", "zstd", "lz4", "zip"};
        for (int k = 0; k < magics.length; k++) {
            boolean match = head.length >= magics[k].length;
            for (int i = 0; match && i < magics[k].length; i++) {
                match = (head[i] & 0xff) == magics[k][i];
            }
            if (match) {
                return names[k];
            }
        }
        return null;
    }

    /** Whether {@code head}'s bytes after the first four are {@code magic}, or as much of it as {@code head} holds. */
    private static boolean startsMagic(byte[] head, byte[] magic) {
        for (int k = 4; k < head.length; k++) {
            if (head[k] != magic[k - 4]) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code file}'s bytes, decompressed when it is gzip (first bytes 1f 8b) or bzip2 ("BZh1"…"BZh9" and a block's or the
     * end's magic; every stream of a file of several, as Python's {@code bz2} reads them, but bytes after the last stream are refused);
     * the caller closes the stream. A decompressor's failure names the format ({@code bzip2: Bad block header}).
     */
    public static InputStream bytes(Path file) throws IOException {
        return decompressed(new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16), true);
    }

    /** {@code raw} decompressed when it is bzip2, or gzip too when {@code gzip}; closed when this throws. */
    private static InputStream decompressed(java.io.BufferedInputStream raw, boolean gzip) throws IOException {
        try {
            Compression compression = compression(raw);
            String format = compression == Compression.GZIP ? "gzip" : "bzip2";
            try {
                switch (compression) {
                    case GZIP:
                        return gzip ? new Named(format, new java.util.zip.GZIPInputStream(raw, 1 << 16)) : raw;
                    case BZIP2:
                        return new Named(format, new org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream(raw, true));
                    default:
                        return raw;
                }
            } catch (IOException e) { // the decoders read their header (bzip2: the whole first block) as they open
                throw Named.named(format, e);
            }
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /**
     * A decompressing stream whose failures name its format: "Bad block header" or "Unexpected end of ZLIB input stream"
     * alone, after "cannot read d.svm.bz2", did not say that the file was read as compressed (by its first bytes).
     */
    private static final class Named extends java.io.FilterInputStream {
        private final String format;

        Named(String format, InputStream in) {
            super(in);
            this.format = format;
        }

        private IOException named(IOException e) {
            return named(format, e);
        }

        /** {@code e}, a decoder's failure, said as the format's ("bzip2: Unexpected end of stream"). */
        static IOException named(String format, IOException e) {
            if (e instanceof java.io.InterruptedIOException) {
                return e;
            }
            String reason = e instanceof java.io.EOFException && (e.getMessage() == null || e.getMessage().isBlank())
                    ? "Unexpected end of stream" : ReadFailure.reason(e);
            return new IOException(format + ": " + reason, e);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                throw named(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw named(e);
            }
        }
    }

    /** Whether {@code file} is gzip or bzip2 (by its first bytes): a compressed stream cannot be entered in the middle. */
    static boolean isCompressed(Path file) throws IOException {
        return compression(file) != Compression.NONE;
    }

    /** {@code file}'s compression, told by its first bytes. */
    private static Compression compression(Path file) throws IOException {
        try (java.io.BufferedInputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 16)) {
            return compression(in);
        }
    }

    /**
     * The text readers read a file twice (count, then parse). A regular file is simply opened
     * twice; anything else — a named pipe (FIFO), {@code /dev/stdin}, a process substitution —
     * can be read only once, so it is first copied to a temporary file (in {@code java.io.tmpdir}, owner-only,
     * deleted on close, or by {@link TemporaryFiles#SHARED}'s shutdown hook when a signal ends the process first), and
     * both passes read the copy. Compressed text is copied too, decompressed, whatever the file, so that it is
     * decompressed once, not once per pass, and the passes can split the plain copy between threads
     * ({@link TextRanges}): bzip2's decompression runs at tens of MB/s a core (its blocks on every core), gzip's at a few
     * hundred on one. The copy takes the text's decompressed size in {@code java.io.tmpdir}; a regular gzip file whose
     * copy cannot be written there (no room, no such folder) is read as it is, decompressed on each pass, on one thread.
     */
    public static final class Spool implements AutoCloseable {
        private final Path path;
        private final TemporaryFiles temporary; // the registry of the copy; null when path is the file itself

        private Spool(Path path, TemporaryFiles temporary) {
            this.path = path;
            this.temporary = temporary;
        }

        /** The file to open: {@code file} itself, or its one-time copy. */
        public Path path() {
            return path;
        }

        @Override
        public void close() {
            if (temporary != null) {
                temporary.release(path);
            }
        }
    }

    /** {@code file} ready to be read twice (see {@link Spool}). */
    public static Spool spool(Path file) throws IOException {
        return spool(file, TemporaryFiles.SHARED);
    }

    /** {@code file} ready to be read twice (see {@link Spool}), bzip2 decompressed on at most {@code threads} threads (0: every core). */
    static Spool spool(Path file, int threads) throws IOException {
        return spool(file, TemporaryFiles.SHARED, threads);
    }

    /**
     * {@code file} ready to be read twice, a copy made in {@code files}. The copy's own failures (no room for it, no
     * such temporary folder) are said as the copy's, not as {@code file}'s: "no such file" or "No space left on device"
     * alone, after "cannot read FILE", named an existing, readable file.
     */
    static Spool spool(Path file, TemporaryFiles files) throws IOException {
        return spool(file, files, 0);
    }

    /** {@link #spool(Path, TemporaryFiles)}, bzip2 decompressed on at most {@code threads} threads (0: every core). */
    static Spool spool(Path file, TemporaryFiles files, int threads) throws IOException {
        if (!Files.exists(file)) {
            return new Spool(file, null); // a missing file fails later with the usual message
        }
        boolean regular = Files.isRegularFile(file);
        Compression compression = regular ? compression(file) : Compression.NONE;
        if (regular && compression == Compression.NONE) {
            return new Spool(file, null);
        }
        try {
            return copy(file, files, threads, regular, compression);
        } catch (CopyFailure e) {
            if (compression == Compression.GZIP) {
                return new Spool(file, null); // decompressed on each pass instead, as before the copy
            }
            throw e;
        }
    }

    /** {@code file} decompressed (or, a pipe, as it comes) into a new temporary file of {@code files}. */
    private static Spool copy(Path file, TemporaryFiles files, int threads, boolean regular, Compression compression)
            throws IOException {
        Path copy;
        try {
            copy = files.create("downhill-", ".spool");
        } catch (IOException e) {
            throw copyFailure(files, e);
        }
        try {
            int cores = Runtime.getRuntime().availableProcessors();
            int decoders = threads > 0 ? Math.min(threads, cores) : cores;
            if (regular && compression == Compression.BZIP2 && decoders > 1) { // its blocks on every core, else as one stream
                try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16);
                     java.io.OutputStream out = spoolOutput(copy, files)) {
                    Bzip2Blocks.decompress(in, out, decoders);
                    return new Spool(copy, files);
                } catch (Bzip2Blocks.NotSplittable e) {
                    // a magic inside a block, or a damaged file: the one-stream decoder below reads it or says what is wrong
                }
            }
            // a FileInputStream: the NIO stream's available() seeks, which a pipe refuses ("Illegal seek", JDK 17); a
            // pipe's gzip stays compressed (the passes decompress it): its copy's failure cannot fall back to the pipe
            try (InputStream in = decompressed(new java.io.BufferedInputStream(new java.io.FileInputStream(file.toFile()), 1 << 16), regular);
                 java.io.OutputStream out = spoolOutput(copy, files)) {
                in.transferTo(out);
            }
        } catch (IOException | RuntimeException e) {
            files.release(copy);
            throw e;
        }
        return new Spool(copy, files);
    }

    /** The failure {@code e} of the one-time copy in {@code files}' folder, said as the copy's. */
    private static CopyFailure copyFailure(TemporaryFiles files, IOException e) {
        return new CopyFailure("its one-time copy cannot be written in " + files.directory()
                + ": " + ReadFailure.reason(e) + " (java.io.tmpdir names the folder)", e);
    }

    /** A failure of the one-time copy itself (creating or writing it), not of the file read. */
    private static final class CopyFailure extends IOException {
        CopyFailure(String message, IOException cause) {
            super(message, cause);
        }
    }

    /**
     * The spool file, emptied, for writing: written in place, never re-created, so that it keeps its owner-only mode and
     * one the shutdown hook deleted stays deleted. Its failures are said as the copy's ({@link #copyFailure}).
     */
    private static java.io.OutputStream spoolOutput(Path copy, TemporaryFiles files) throws IOException {
        java.io.OutputStream file = Files.newOutputStream(copy, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        return new java.io.FilterOutputStream(file) { // unbuffered: a pipe's bytes reach the copy as they come
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    out.write(b, off, len);
                } catch (IOException e) {
                    throw copyFailure(files, e);
                }
            }

            @Override
            public void close() throws IOException {
                try {
                    out.close();
                } catch (IOException e) {
                    throw copyFailure(files, e);
                }
            }
        };
    }

    /** {@code line} without a leading byte-order mark (call on the first line). */
    static String stripBom(String line) {
        return !line.isEmpty() && line.charAt(0) == '\uFEFF' ? line.substring(1) : line;
    }

    static boolean isBlank(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (!isBlankChar(line.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isBlankChar(int c) {
        return c == ' ' || c == '\t' || c == '\f' || c == 0x0B;
    }

    /**
     * The number of non-blank lines, counted from the bytes with a 1 MiB buffer (the first pass of
     * the CSV reader; it agrees with {@link #open} + {@link #isBlank} line by line, since every
     * terminator and blank character is ASCII and a UTF-8 multi-byte sequence never contains ASCII bytes).
     */
    static long countNonBlankLines(Path file) throws IOException {
        try (InputStream in = bytes(file)) {
            return countLines(in, true);
        }
    }

    /**
     * {@link #countNonBlankLines} of the bytes of {@code in} (the file's first bytes when {@code fileStart}: a byte-order
     * mark is skipped). A range of a file ({@link TextRanges}) ends after a {@code \n}, so its
     * count is its share of the file's.
     */
    static long countLines(InputStream in, boolean fileStart) throws IOException {
        long count = 0;
        boolean content = false;
        boolean first = fileStart;
        byte[] buf = new byte[BUFFER];
        for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
            int i = 0;
            if (first) {
                first = false;
                i = bomLength(buf, n);
            }
            for (; i < n; i++) {
                byte b = buf[i];
                if (b == '\n' || b == '\r') {
                    if (content) {
                        count++;
                    }
                    content = false;
                } else if (!isBlankChar(b)) {
                    content = true;
                }
            }
        }
        return content ? count + 1 : count;
    }

    /** 3 when {@code buf} starts with the UTF-8 byte-order mark. */
    private static int bomLength(byte[] buf, int n) {
        return n >= 3 && (buf[0] & 0xff) == 0xEF && (buf[1] & 0xff) == 0xBB && (buf[2] & 0xff) == 0xBF ? 3 : 0;
    }
}
