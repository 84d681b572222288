package dev.downhill.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A text file cut into byte ranges of whole lines, for a reader whose passes run on several threads: each cut lies just
 * after a {@code \n} (so a {@code \r\n} pair and a UTF-8 sequence are never split, and the lines of the ranges, read as
 * {@link TextLines#open} reads them, are the file's lines in order), and each range holds at least
 * {@value #MIN_RANGE_BYTES} bytes (by default). Files too small for two ranges, files that are not regular files (pipes are spooled
 * first: {@link TextLines#spool}) and compressed text (a gzip file read as it is, where its decompressed copy could not be
 * made) are one range.
 */
final class TextRanges {
    /** The least bytes a range holds (smaller files gain nothing from threads). */
    static final long MIN_RANGE_BYTES = 8L << 20;

    private TextRanges() {
    }

    /**
     * The cuts [0, c₁, …, size] of {@code file} into at most {@code parts} ranges of at least {@code minRangeBytes} (see
     * the class comment); {0, size} (one range) when it cannot be cut.
     */
    static long[] cuts(Path file, int parts, long minRangeBytes) throws IOException {
        long size = Files.isRegularFile(file) ? Files.size(file) : -1;
        if (size < 2 * minRangeBytes || parts < 2 || TextLines.isCompressed(file)) {
            return new long[] {0, Math.max(size, 0)};
        }
        int count = (int) Math.min(parts, size / minRangeBytes);
        List<Long> cuts = new ArrayList<>();
        cuts.add(0L);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            for (int k = 1; k < count; k++) {
                long at = Math.max(size * k / count, cuts.get(cuts.size() - 1) + minRangeBytes);
                long cut = afterNewline(channel, buffer, at, size);
                if (cut < 0 || size - cut < minRangeBytes) {
                    break;
                }
                cuts.add(cut);
            }
        }
        cuts.add(size);
        return cuts.stream().mapToLong(Long::longValue).toArray();
    }

    /** The position just after the first {@code \n} at or after {@code at}, or −1 when there is none. */
    private static long afterNewline(FileChannel channel, ByteBuffer buffer, long at, long size) throws IOException {
        for (long position = at; position < size; ) {
            buffer.clear();
            int n = channel.read(buffer, position);
            if (n <= 0) {
                return -1;
            }
            for (int i = 0; i < n; i++) {
                if (buffer.get(i) == '\n') {
                    return position + i + 1;
                }
            }
            position += n;
        }
        return -1;
    }

    /** A reader over bytes [from, to) of {@code file}, decoded as {@link TextLines#open} decodes (UTF-8, bad bytes U+FFFD). */
    static BufferedReader open(Path file, long from, long to) throws IOException {
        return new BufferedReader(new InputStreamReader(bytes(file, from, to), StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)), 1 << 20);
    }

    /** Bytes [from, to) of {@code file}; the caller closes the stream. */
    static InputStream bytes(Path file, long from, long to) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            channel.position(from);
            return new BoundedStream(Channels.newInputStream(channel), to - from);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Reads that ran in ranges to the end (for tests: a read that fell back to one thread gives the same result). */
    static final java.util.concurrent.atomic.AtomicLong COMPLETED = new java.util.concurrent.atomic.AtomicLong();

    /** A read of a whole file in ranges. */
    interface RangedRead<T> {
        T read() throws Exception;
    }

    /**
     * A failure of a ranged read that is not the ranges' to retry: {@link #orOneThread} throws its cause to the caller
     * (a callback of the reader's caller that threw, say), where any other failure reads the file again.
     */
    static final class Passed extends RuntimeException {
        Passed(RuntimeException cause) {
            super(cause);
        }
    }

    /**
     * {@code read}'s result (null where it declined), or null when it failed in any way — a malformed line, a value out of range, an I/O error,
     * anything: the reader's one-thread read then runs from the start and reports the failure in its words (line numbers
     * counted from the file's start), or reads the file. Errors (out of memory) and {@link Passed} causes propagate; an
     * interrupt ends the read.
     */
    static <T> T orOneThread(Path file, RangedRead<T> read) {
        try {
            T result = read.read();
            if (result != null) {
                COMPLETED.incrementAndGet();
            }
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.UncheckedIOException(new java.io.InterruptedIOException("interrupted while reading " + file));
        } catch (Passed e) {
            throw (RuntimeException) e.getCause();
        } catch (Exception e) {
            return null;
        }
    }

    /** A task of one range: the range's index, its first byte and its end. */
    interface RangeTask<T> {
        T run(int index, long from, long to) throws Exception;
    }

    /**
     * {@code task} on each range of {@code cuts}, one thread a range; the results in range order. A failure of any range
     * cancels the others and is thrown once they have stopped (the first range's in range order; an {@link Error} as it
     * is, so that out of memory is not taken for a malformed range). Returns or throws only once every task has ended,
     * even when interrupted (the interrupt is kept): the tasks write into memory that the caller frees next.
     */
    static <T> List<T> onEachRange(long[] cuts, RangeTask<T> task) throws Exception {
        int ranges = cuts.length - 1;
        ExecutorService pool = Executors.newFixedThreadPool(ranges, r -> {
            Thread t = new Thread(r, "downhill-text-range");
            t.setDaemon(true);
            return t;
        });
        List<Future<T>> futures = new ArrayList<>();
        try {
            for (int k = 0; k < ranges; k++) {
                int index = k;
                futures.add(pool.submit(() -> task.run(index, cuts[index], cuts[index + 1])));
            }
            List<T> results = new ArrayList<>();
            Exception failure = null;
            for (Future<T> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    if (failure == null) {
                        failure = e.getCause() instanceof Exception c ? c : new RuntimeException(e.getCause());
                        futures.forEach(other -> other.cancel(true));
                    }
                } catch (java.util.concurrent.CancellationException e) {
                    // cancelled after another range failed
                }
            }
            if (failure != null) {
                throw failure;
            }
            return results;
        } finally {
            pool.shutdownNow();
            awaitUninterruptibly(pool); // no slice writes after the caller frees
        }
    }

    /** Waits until {@code pool}'s tasks have ended, through interrupts, which it then restores. */
    private static void awaitUninterruptibly(ExecutorService pool) {
        boolean interrupted = false;
        while (true) {
            try {
                if (pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** At most {@code remaining} bytes of a stream; closes it. */
    private static final class BoundedStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedStream(InputStream in, long remaining) {
            this.in = in;
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
