package dev.downhill.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The block-parallel bzip2 decoder against commons-compress's one-stream decoder (and the bzip2 tool's bytes): the same
 * text for files of many blocks, several streams of different block sizes, an empty stream and a one-block stream; a
 * truncated file is {@link Bzip2Blocks.NotSplittable} (the caller then decodes it as one stream, which says what is
 * wrong).
 */
class Bzip2BlocksTest {
    @TempDir
    Path dir;

    /** svmlight lines, at most {@code bytes} long: compressible, as text is, with runs (in comments) and repeats. */
    private static byte[] text(int bytes, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(bytes + 100);
        while (sb.length() < bytes) {
            sb.append(r.nextInt(-5, 6));
            for (int k = 0, n = r.nextInt(1, 12), j = 0; k < n; k++) {
                j += r.nextInt(1, 500);
                sb.append(' ').append(j).append(':').append(Math.round(r.nextGaussian() * 1e4) / 1e4);
            }
            if (r.nextInt(50) == 0) {
                sb.append(" # ").append("a".repeat(r.nextInt(1, 400))); // long runs: bzip2's first run-length stage
            }
            sb.append('\n');
        }
        return sb.substring(0, sb.lastIndexOf("\n", bytes - 1) + 1).getBytes(StandardCharsets.US_ASCII); // whole lines
    }

    private static byte[] compress(byte[] text, int blockSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BZip2CompressorOutputStream b = new BZip2CompressorOutputStream(out, blockSize)) {
            b.write(text);
        }
        return out.toByteArray();
    }

    private static byte[] oneStream(byte[] compressed) throws IOException {
        try (BZip2CompressorInputStream in = new BZip2CompressorInputStream(new ByteArrayInputStream(compressed), true)) {
            return in.readAllBytes();
        }
    }

    private static byte[] blocks(byte[] compressed, int threads) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Bzip2Blocks.decompress(new ByteArrayInputStream(compressed), out, threads);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void manyBlocksDecodeToTheOneStreamDecodersText() throws IOException {
        byte[] text = text(2_500_000, 1);
        byte[] compressed = compress(text, 1); // blocks of 100 kB of text: ~25 blocks, at every bit offset
        assertArrayEquals(text, oneStream(compressed));
        for (int threads : new int[] {1, 2, 5}) {
            assertArrayEquals(text, blocks(compressed, threads), threads + " threads");
        }
    }

    @Test
    void severalStreamsOfOtherBlockSizesAnEmptyOneAndTheBzip2ToolsBytes() throws IOException {
        // `printf '1.5 1:0.5 3:-2\n' | bzip2 -9`: one block, written by the bzip2 tool
        byte[] tool = java.util.Base64.getDecoder().decode("QlpoOTFBWSZTWbl2xm8AAAPYAAAQQAN6ECAAMQAwIAwgUNK+BpQz4u5IpwoSFy7YzeA=");
        byte[] a = text(700_000, 2);
        byte[] b = text(1_300_000, 3);
        byte[] file = concat(compress(a, 3), tool, compress(new byte[0], 9), compress(b, 1), compress(a, 9));
        byte[] expected = oneStream(file);
        assertArrayEquals(concat(a, "1.5 1:0.5 3:-2\n".getBytes(StandardCharsets.US_ASCII), b, a), expected);
        assertArrayEquals(expected, blocks(file, 3));
        assertArrayEquals(new byte[0], blocks(compress(new byte[0], 9), 2), "an empty stream");
    }

    @Test
    void aBlockWhoseTextIsTooLongToHoldIsDecodedStreamingOnTheWritingThread() throws IOException {
        // long runs of one byte: bzip2's first stage packs 255 of them in 5 bytes, so one block holds ~46 MB of 'x'
        byte[] runs = new byte[3 * Bzip2Blocks.MAX_HELD_TEXT];
        Arrays.fill(runs, (byte) 'x');
        byte[] text = concat(text(300_000, 7), runs, text(300_000, 8));
        byte[] compressed = compress(text, 9);
        assertArrayEquals(text, oneStream(compressed));
        assertArrayEquals(text, blocks(compressed, 2));
        assertArrayEquals(text, blocks(compressed, 1));
    }

    @Test
    void aTruncatedFileCannotBeSplitAndTheSpoolSaysWhatIsWrong() throws IOException {
        byte[] compressed = compress(text(400_000, 4), 1);
        for (int cut : new int[] {compressed.length - 3, compressed.length / 2, 40}) {
            byte[] truncated = Arrays.copyOf(compressed, cut);
            assertThrows(Bzip2Blocks.NotSplittable.class, () -> blocks(truncated, 2), "cut at " + cut);
        }
        // through the readers: the blocks fail, the one-stream decoder reports the damage, naming the file
        Path broken = dir.resolve("broken.svm.bz2");
        Files.write(broken, Arrays.copyOf(compressed, compressed.length / 2));
        RuntimeException e = assertThrows(RuntimeException.class, () -> SvmLightReader.readDataset(broken).close());
        assertTrue(e.getMessage().contains("broken.svm.bz2") && e.getMessage().contains("bzip2: "), e.getMessage());
    }

    @Test
    void aFileCutInsideItsFirstBlockOrHeaderNamesItsFormatWhateverItsName() throws IOException {
        // the decoders read their header as they open (bzip2: the whole first block), so a cut there failed before the
        // failure was named: "cannot read data.csv: Unexpected end of stream" did not say the file was read as bzip2
        byte[] compressed = compress(text(400_000, 6), 9);
        for (int cut : new int[] {40, compressed.length / 2}) {
            Path broken = dir.resolve("data" + cut + ".csv");
            Files.write(broken, Arrays.copyOf(compressed, cut));
            for (int threads : new int[] {1, 2}) {
                RuntimeException e = assertThrows(RuntimeException.class,
                        () -> CsvReader.defaults().withThreads(threads).read(broken).close());
                assertTrue(e.getMessage().contains(broken.getFileName().toString()) && e.getMessage().contains("bzip2: "),
                        e.getMessage());
            }
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(text(1000, 6));
        }
        Path gzip = dir.resolve("header.svm");
        Files.write(gzip, Arrays.copyOf(gz.toByteArray(), 5)); // inside gzip's 10-byte header
        RuntimeException e = assertThrows(RuntimeException.class, () -> SvmLightReader.readDataset(gzip).close());
        assertTrue(e.getMessage().contains("header.svm") && e.getMessage().contains("gzip: Unexpected end of stream"),
                e.getMessage());
    }

    @Test
    void whatTheOneStreamDecoderRefusesCannotBeSplit() throws IOException {
        byte[] compressed = compress(text(300_000, 5), 1);
        byte[] damaged = compressed.clone();
        damaged[damaged.length / 2] ^= 0x10; // inside a block's Huffman-coded data: its CRC
        byte[] wrongStreamCrc = compressed.clone();
        wrongStreamCrc[wrongStreamCrc.length - 2] ^= 0x01; // the end marker's combined CRC (the blocks are intact)
        byte[] garbage = concat(compressed, "trailing".getBytes(StandardCharsets.US_ASCII));
        byte[] noHeader = Arrays.copyOfRange(compressed, 4, compressed.length);
        for (byte[] bad : new byte[][] {damaged, wrongStreamCrc, garbage, noHeader}) {
            assertThrows(IOException.class, () -> oneStream(bad), "the reference refuses it");
            assertThrows(Bzip2Blocks.NotSplittable.class, () -> blocks(bad, 2));
        }
    }

    @Test
    void aLargeFileReadsThroughTheSpoolAsItsText() throws IOException {
        byte[] text = text(1_000_000, 6);
        Path bz2 = dir.resolve("big.svm.bz2");
        Files.write(bz2, compress(text, 2));
        try (TextLines.Spool spool = TextLines.spool(bz2)) {
            assertArrayEquals(text, Files.readAllBytes(spool.path()));
        }
        long lines = new String(text, StandardCharsets.US_ASCII).lines().filter(l -> !l.isBlank()).count();
        try (var d = SvmLightReader.defaults().readSparse(bz2)) {
            assertEquals(lines, d.x().rows());
        }
    }
    /**
     * A reader told one thread decompresses bzip2 on one thread too (the spool decoded its blocks on every core whatever
     * withThreads said). Watched by sampling the threads' names while the read runs (on a one-core machine the pool is
     * never made either way).
     */
    @Test
    void oneThreadReadersDecompressOnOneThread() throws Exception {
        byte[] text = text(3_000_000, 7);
        Path bz2 = dir.resolve("one.svm.bz2");
        Files.write(bz2, compress(text, 1));
        java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread watcher = new Thread(() -> {
            while (!stop.get()) {
                for (Thread t : Thread.getAllStackTraces().keySet()) {
                    if (t.getName().equals("downhill-bzip2")) {
                        seen.incrementAndGet();
                    }
                }
            }
        });
        watcher.start();
        try {
            try (var d = SvmLightReader.defaults().withThreads(1).readSparse(bz2)) {
                assertTrue(d.x().rows() > 0);
            }
            try (var d = CsvReader.defaults().withThreads(1).withDelimiter(' ').withHeader(CsvReader.Header.ABSENT)
                    .read(writeCsv(dir.resolve("one.csv.bz2")))) {
                assertTrue(d.rows() > 0);
            }
        } finally {
            stop.set(true);
            watcher.join();
        }
        assertEquals(0, seen.get(), "bzip2 decoder threads ran for a one-thread read");
    }

    private static Path writeCsv(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 200_000; i++) {
            sb.append(i).append(' ').append(i * 0.25).append('\n');
        }
        Files.write(file, compress(sb.toString().getBytes(StandardCharsets.US_ASCII), 1));
        return file;
    }
}
