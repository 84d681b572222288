package dev.downhill.io;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

/**
 * bzip2 decompression on several threads, for the text readers' spool ({@link TextLines}): bzip2 decodes at ~10 MB/s of
 * text on one core, and its blocks decode independently.
 *
 * <p>A bzip2 stream is a header ({@code BZh} and the block size, '1'–'9'), blocks — each opening with the 48-bit magic
 * 0x314159265359 and the 32-bit CRC of its text, at any bit position — and an end marker (0x177245385090, the stream's
 * combined CRC, padding to a byte); a file may hold several streams (pbzip2 writes one per core). The blocks are found by
 * scanning the compressed bits for the two magics at every bit offset (a table of the byte each magic puts after its
 * first byte at each of the 8 offsets rejects almost every position; ~0.2 s for 200 MB); each block, the bits from its
 * magic to the next magic of either kind, is rewritten as a stream of its own — {@code BZh9}, the block's bits, an end
 * marker whose combined CRC is the block's CRC (a one-block stream's combined CRC is ((0 ≪ 1) | (0 ≫ 31)) ⊕ CRC) — and
 * decoded by commons-compress on a pool of threads, the texts written in the file's order. The decoder checks each
 * block's CRC against its text.
 *
 * <p>The structure is checked as the one-stream decoder checks it: each stream's first magic right after its header,
 * each end marker's CRC the combination of its blocks' CRCs (each rotated left by one, then xor-ed in), nothing after the
 * last stream; only the header's block size is not (the decoder is told 9, the largest). A block magic can occur inside
 * a block's data by chance (2⁻⁴⁸ a bit position: ~6·10⁻⁶ for 200 MB): that block then splits into pieces that fail to
 * decode. Any failure — such a split, a truncated or corrupt file, anything out of place — is reported as
 * {@link NotSplittable}, after which the caller decodes the file again as one stream (which either reads it or says
 * what is wrong).
 */
final class Bzip2Blocks {
    private static final long BLOCK_MAGIC = 0x314159265359L;
    private static final long END_MAGIC = 0x177245385090L;
    private static final long MASK48 = (1L << 48) - 1;
    /**
     * For each byte value v, bit s (0–7) set when v is the byte after the first of a block magic at bit offset s, bit
     * 8 + s when it is an end marker's. The first byte of a magic at offset s holds 8 − s of its bits; the next holds bits
     * [8 − s, 16 − s), inside the 48 for every s.
     */
    private static final short[] SECOND_BYTE = new short[256];

    static {
        for (int s = 0; s < 8; s++) {
            SECOND_BYTE[(int) ((BLOCK_MAGIC >>> (32 + s)) & 0xFF)] |= (short) (1 << s);
            SECOND_BYTE[(int) ((END_MAGIC >>> (32 + s)) & 0xFF)] |= (short) (1 << (8 + s));
        }
    }

    private static final int READ_CHUNK = 4 << 20;
    /** The most text of one block a pool thread holds (see {@link #decode}). */
    static final int MAX_HELD_TEXT = 4 << 20;
    /** More compressed bytes than this without a magic are not a block: bzip2's largest block (900,000 bytes before
     *  its run-length, Burrows–Wheeler and Huffman stages) compresses to a little over 900 KB at worst. */
    private static final int MAX_BLOCK_BYTES = 16 << 20;

    /** A file whose blocks could not be decoded one by one: decode it as one stream. */
    static final class NotSplittable extends IOException {
        NotSplittable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Bzip2Blocks() {
    }

    /**
     * Decompresses the bzip2 bytes of {@code in} (from its first byte, a stream header) into {@code out} on {@code threads}
     * threads. On {@link NotSplittable} {@code out} holds a prefix of the text (or nothing): the caller starts again.
     *
     * @throws IOException when {@code in} or {@code out} fails (NotSplittable when the blocks cannot be decoded apart)
     */
    static void decompress(InputStream in, OutputStream out, int threads) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "downhill-bzip2");
            t.setDaemon(true);
            return t;
        });
        ArrayDeque<Future<byte[]>> pending = new ArrayDeque<>();
        try {
            Scanner scanner = new Scanner(in);
            ArrayDeque<byte[]> streams = new ArrayDeque<>();
            for (byte[] block; (block = scanner.nextBlock()) != null; ) {
                byte[] stream = block;
                streams.add(stream);
                pending.add(pool.submit(() -> decode(stream)));
                if (pending.size() > threads) {
                    write(take(pending.poll()), streams.poll(), out);
                }
            }
            while (!pending.isEmpty()) {
                write(take(pending.poll()), streams.poll(), out);
            }
        } finally {
            for (Future<byte[]> f : pending) {
                f.cancel(true);
            }
            pool.shutdownNow();
        }
    }

    private static byte[] take(Future<byte[]> f) throws IOException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw new NotSplittable("a block did not decode alone: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while decompressing bzip2");
        }
    }

    /**
     * The text a pool thread decoded ({@code text}), or, where it was too long to hold ({@code null}), the block's
     * {@code stream} decoded again here, straight into {@code out}.
     */
    private static void write(byte[] text, byte[] stream, OutputStream out) throws IOException {
        if (text != null) {
            out.write(text);
            return;
        }
        try (InputStream s = new BZip2CompressorInputStream(new ByteArrayInputStream(stream), false)) {
            s.transferTo(out);
        } catch (IOException e) {
            throw new NotSplittable("a block did not decode alone: " + e.getMessage(), e);
        }
    }

    /**
     * One block rewritten as a stream (see the class comment), decoded; null when its text passes
     * {@value #MAX_HELD_TEXT} bytes. A block of text decodes to about its 900 kB at most, but long runs of one byte
     * expand it up to ~46 MB: those are decoded again on the writing thread, streaming, so that the threads' blocks in
     * flight hold at most (threads + 1)·{@value #MAX_HELD_TEXT} bytes.
     */
    private static byte[] decode(byte[] stream) throws IOException {
        try (InputStream s = new BZip2CompressorInputStream(new ByteArrayInputStream(stream), false)) {
            byte[] text = s.readNBytes(MAX_HELD_TEXT + 1);
            return text.length > MAX_HELD_TEXT ? null : text;
        }
    }

    /**
     * Reads the compressed bytes in chunks and hands out each block as a stream of its own. Keeps the bytes from the
     * current block's first byte to the end of what was read.
     */
    private static final class Scanner {
        private final InputStream in;
        private byte[] buffer = new byte[READ_CHUNK + 16];
        /** Bytes [0, length) of buffer hold the input's bytes [base, base + length). */
        private long base;
        private int length;
        private boolean eof;
        /** The next byte (input position) whose magics at offsets 0–7 are yet to be checked. */
        private long next;
        /** The bit position of the current block's magic, or −1 outside a block (before the first, after an end marker). */
        private long blockStart = -1;
        /** The byte where the current (or next) stream's header starts. */
        private long streamStart;
        /** The current stream's combined CRC so far: each block's CRC after rotating it left by one. */
        private int combined;

        Scanner(InputStream in) {
            this.in = in;
        }

        /** The next block as a stream of its own, or null after the last one. */
        byte[] nextBlock() throws IOException {
            while (true) {
                // positions p with 16 bytes from p in the buffer (a magic and the 32-bit CRC after it), or at the end of
                // the input every position
                while (next + 16 <= base + length || eof && next < base + length) {
                    int p = (int) (next - base);
                    int candidates = p + 1 < length ? SECOND_BYTE[buffer[p + 1] & 0xFF] : 0;
                    next++;
                    if (candidates == 0) {
                        continue;
                    }
                    long window = window(p);
                    for (int s = 0; s < 8; s++) {
                        if ((candidates & (0x101 << s)) == 0) {
                            continue;
                        }
                        long bits = (window >>> (16 - s)) & MASK48;
                        boolean block = bits == BLOCK_MAGIC;
                        if (block || bits == END_MAGIC) {
                            byte[] finished = magic((next - 1) * 8 + s, block);
                            if (finished != null) {
                                return finished;
                            }
                        }
                    }
                }
                if (eof) {
                    if (blockStart >= 0) {
                        throw new NotSplittable("the last block has no end marker (a truncated file?)", null);
                    }
                    if (base + length != streamStart) {
                        throw new NotSplittable((base + length - streamStart) + " bytes after the last stream", null);
                    }
                    return null;
                }
                fill();
            }
        }

        /**
         * A magic at bit {@code at} (a block's, else an end marker's): checks where it lies (a stream's first magic right
         * after its header; the CRC after it within the input; an end marker's CRC the combination of its blocks') and
         * returns the block it ends as a stream, or null.
         */
        private byte[] magic(long at, boolean block) throws NotSplittable {
            if (at + 80 > (base + length) * 8) {
                throw new NotSplittable("a magic at bit " + at + " without its CRC (a truncated file?)", null);
            }
            if (blockStart < 0 && (at != (streamStart + 4) * 8 || !header(streamStart))) {
                throw new NotSplittable("a magic at bit " + at + " where no block was expected", null);
            }
            byte[] finished = blockStart >= 0 ? stream(blockStart, at) : null;
            long crc = bits(at + 48, 32);
            if (block) {
                blockStart = at;
                combined = ((combined << 1) | (combined >>> 31)) ^ (int) crc;
            } else {
                if ((int) crc != combined) {
                    throw new NotSplittable(String.format("a stream's CRC %08x is not its blocks' %08x", crc, combined), null);
                }
                blockStart = -1;
                combined = 0;
                streamStart = (at + 80 + 7) / 8;
            }
            return finished;
        }

        /** Whether the input's bytes from {@code at} are a stream header: "BZh" and a digit 1–9. */
        private boolean header(long at) {
            int p = (int) (at - base);
            return p >= 0 && p + 4 <= length && buffer[p] == 'B' && buffer[p + 1] == 'Z' && buffer[p + 2] == 'h'
                    && buffer[p + 3] >= '1' && buffer[p + 3] <= '9';
        }

        /** The 8 bytes from buffer position p as a big-endian long (zeros past the end). */
        private long window(int p) {
            long w = 0;
            for (int k = 0; k < 8; k++) {
                w = (w << 8) | (p + k < length ? buffer[p + k] & 0xFF : 0);
            }
            return w;
        }

        /** Reads the next chunk, first dropping the bytes before the current block (or before {@code next}). */
        private void fill() throws IOException {
            long keepFrom = blockStart >= 0 ? blockStart / 8 : Math.min(next, streamStart);
            int drop = (int) (keepFrom - base);
            if (drop > 0) {
                System.arraycopy(buffer, drop, buffer, 0, length - drop);
                length -= drop;
                base += drop;
            }
            if (length > MAX_BLOCK_BYTES) { // a bzip2 block is at most ~1 MB compressed
                throw new NotSplittable("no block boundary in " + length + " bytes", null);
            }
            if (buffer.length - length < READ_CHUNK) {
                buffer = java.util.Arrays.copyOf(buffer, length + READ_CHUNK + 16);
            }
            int n = in.readNBytes(buffer, length, READ_CHUNK);
            length += n;
            eof = n < READ_CHUNK;
        }

        /** Bits [from, to) of the input (a block: its magic to the next magic) as a one-block stream. */
        private byte[] stream(long from, long to) throws NotSplittable {
            long bits = to - from;
            if (bits < 48 + 32) {
                throw new NotSplittable("a block of " + bits + " bits", null);
            }
            long crc = bits(from + 48, 32);
            // BZh9, the block, the end marker and the CRC, padded to a byte
            long total = 32 + bits + 48 + 32;
            byte[] out = new byte[(int) ((total + 7) / 8)];
            out[0] = 'B';
            out[1] = 'Z';
            out[2] = 'h';
            out[3] = '9';
            int o = 4;
            long at = from;
            long whole = bits / 8;
            for (long k = 0; k < whole; k++, at += 8) {
                out[o++] = (byte) bits(at, 8);
            }
            int rest = (int) (bits % 8);
            // the rest of the block, then the 80 bits of marker and CRC, written bit-aligned after it
            BitSink sink = new BitSink(out, o);
            if (rest > 0) {
                sink.put(bits(at, rest), rest);
            }
            sink.put(END_MAGIC, 48);
            sink.put(crc, 32);
            return out;
        }

        /** {@code count} (≤ 57) bits of the input from bit position {@code at}, as the low bits of a long. */
        private long bits(long at, int count) {
            int p = (int) (at / 8 - base);
            int shift = (int) (at % 8);
            long w = 0;
            int bytes = (shift + count + 7) / 8;
            for (int k = 0; k < bytes; k++) {
                w = (w << 8) | (p + k < length ? buffer[p + k] & 0xFF : 0);
            }
            return (w >>> (bytes * 8 - shift - count)) & ((1L << count) - 1);
        }
    }

    /** Writes bits, most significant first, into a byte array from a byte position on. */
    private static final class BitSink {
        private final byte[] out;
        private int position;
        private int used; // bits of out[position] written

        BitSink(byte[] out, int position) {
            this.out = out;
            this.position = position;
        }

        void put(long value, int count) {
            for (int k = count - 1; k >= 0; k--) {
                if ((value >>> k & 1) != 0) {
                    out[position] |= (byte) (0x80 >>> used);
                }
                if (++used == 8) {
                    used = 0;
                    position++;
                }
            }
        }
    }
}
