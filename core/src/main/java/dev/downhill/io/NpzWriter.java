package dev.downhill.io;

import dev.downhill.Precision;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a sparse matrix as SciPy's {@code scipy.sparse.save_npz} does — a zip of {@code indices.npy} (int32),
 * {@code indptr.npy} (int64), {@code format.npy} ({@code b'csr'}), {@code shape.npy} and {@code data.npy} — so that
 * {@code scipy.sparse.load_npz} and {@link NpzReader} read it back. Every entry is stored uncompressed
 * ({@code save_npz(..., compressed=False)}) with its data aligned to {@value #ALIGNMENT} bytes in the file, so that
 * {@link NpzReader#mapCsr} can map the indices and values instead of reading them. The rows come from a
 * {@link RowSource} that is asked for every row seven times (to count, then twice per array: a stored entry's header
 * carries its size and CRC-32), so a generator can write a matrix far bigger than memory: it must give the same row each
 * time. Atomic ({@link AtomicFile}): a failure leaves no file and the previous one intact.
 */
public final class NpzWriter {
    private static final int BUFFER = 1 << 20;

    /** The rows of the matrix, on demand. */
    public interface RowSource {
        /**
         * Writes row {@code i}'s column indices (strictly increasing, in [0, n)) and values into the arrays (each at
         * least n long) and returns how many there are. Must give the same row every time it is asked.
         */
        int row(long i, int[] columns, double[] values);
    }

    /** Every entry's time stamp (1980-01-01, the zip format's epoch): the same matrix gives the same bytes. */
    private static final long ENTRY_TIME = java.time.LocalDateTime.of(1980, 1, 1, 0, 0).atZone(java.time.ZoneId.systemDefault())
            .toInstant().toEpochMilli();

    private NpzWriter() {
    }

    private static ZipEntry entry(String name) {
        ZipEntry e = new ZipEntry(name);
        e.setTime(ENTRY_TIME);
        return e;
    }

    /**
     * Writes the rows × cols matrix of {@code source} to {@code file} with values in {@code precision}; entries are
     * stored (uncompressed) and aligned. Returns the number of non-zeros.
     */
    public static long write(Path file, long rows, long cols, Precision precision, RowSource source) {
        try (AtomicFile out = AtomicFile.create(file)) {
            long nnz = write(out, rows, cols, precision, source);
            out.commit();
            return nnz;
        }
    }

    /**
     * As {@link #write(Path, long, long, Precision, RowSource)} into {@code out}, which the caller commits (with other
     * files of the same command, say) or closes.
     */
    public static long write(AtomicFile out, long rows, long cols, Precision precision, RowSource source) {
        Path file = out.target();
        if (cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a CSR matrix has at most 2^31 − 1 columns, got " + cols);
        }
        int n = (int) cols;
        int[] columns = new int[n];
        double[] values = new double[n];
        long nnz = 0;
        for (long i = 0; i < rows; i++) {
            nnz += source.row(i, columns, values);
        }
        final long nonZeros = nnz;
        try {
            CountingStream counted = new CountingStream(new BufferedOutputStream(out.stream(), BUFFER));
            ZipOutputStream zip = new ZipOutputStream(counted);
            putStored(zip, counted, "indices.npy", sink -> {
                sink.put(NpyHeader.encodeRaw("<i4", new long[] {nonZeros}));
                for (long i = 0; i < rows; i++) {
                    int k = source.row(i, columns, values);
                    for (int e = 0; e < k; e++) {
                        sink.putInt(columns[e]);
                    }
                }
            });
            putStored(zip, counted, "indptr.npy", sink -> {
                sink.put(NpyHeader.encodeRaw("<i8", new long[] {rows + 1}));
                long offset = 0;
                sink.putLong(0);
                for (long i = 0; i < rows; i++) {
                    offset += source.row(i, columns, values);
                    sink.putLong(offset);
                }
            });
            putStored(zip, counted, "format.npy", sink -> {
                sink.put(NpyHeader.encodeRaw("|S3", new long[0]));
                sink.put("csr".getBytes(StandardCharsets.US_ASCII));
            });
            putStored(zip, counted, "shape.npy", sink -> {
                sink.put(NpyHeader.encodeRaw("<i8", new long[] {2}));
                sink.putLong(rows);
                sink.putLong(cols);
            });
            putStored(zip, counted, "data.npy", sink -> {
                sink.put(NpyHeader.encodeRaw(precision == Precision.FLOAT64 ? "<f8" : "<f4", new long[] {nonZeros}));
                for (long i = 0; i < rows; i++) {
                    int k = source.row(i, columns, values);
                    for (int e = 0; e < k; e++) {
                        if (precision == Precision.FLOAT64) {
                            sink.putDouble(values[e]);
                        } else {
                            sink.putFloat((float) values[e]);
                        }
                    }
                }
            });
            zip.finish();
            zip.flush();
            return nnz;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + IoErrors.reason(e), e);
        }
    }

    /** An entry's bytes, written on demand (twice: once for its size and CRC, once into the zip). */
    private interface Payload {
        void write(Sink sink) throws IOException;
    }

    /** Alignment of every entry's data in the file (the .npy header inside is a multiple of 64 bytes too). */
    static final int ALIGNMENT = 64;
    /** The extra-field id of the padding that aligns an entry's data (the id Android's zipalign uses). */
    private static final int PADDING_ID = 0xD935;

    /**
     * Writes {@code payload} as a stored (uncompressed) entry whose data starts at a multiple of {@value #ALIGNMENT}
     * bytes in the file, so that {@link NpzReader#mapCsr} can map it: the payload is run once to learn its size and
     * CRC-32 (which a stored entry's header carries), then into the zip, after a padding extra field in the local header.
     */
    private static void putStored(ZipOutputStream zip, CountingStream counted, String name, Payload payload) throws IOException {
        CountingStream measure = new CountingStream(OutputStream.nullOutputStream());
        CRC32 crc = new CRC32();
        Sink probe = new Sink(new java.util.zip.CheckedOutputStream(measure, crc));
        payload.write(probe);
        probe.flush();
        long size = measure.count();
        ZipEntry e = entry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(size);
        e.setCompressedSize(size);
        e.setCrc(crc.getValue());
        zip.flush();
        long header = 30 + name.getBytes(StandardCharsets.UTF_8).length + (size >= 0xFFFFFFFFL ? 20 : 0);
        int pad = (int) Math.floorMod(-(counted.count() + header), (long) ALIGNMENT);
        if (pad > 0 && pad < 4) {
            pad += ALIGNMENT;
        }
        if (pad > 0) {
            byte[] extra = new byte[pad];
            ByteBuffer.wrap(extra).order(ByteOrder.LITTLE_ENDIAN).putShort((short) PADDING_ID).putShort((short) (pad - 4));
            e.setExtra(extra);
        }
        zip.putNextEntry(e);
        Sink sink = new Sink(zip);
        payload.write(sink);
        sink.flush();
        zip.closeEntry();
    }

    /** Counts the bytes written through it. */
    private static final class CountingStream extends java.io.FilterOutputStream {
        private long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        long count() {
            return count;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    /** Little-endian values staged in a buffer and written to the zip entry in bulk. */
    private static final class Sink {
        private final OutputStream out;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);

        Sink(OutputStream out) {
            this.out = out;
        }

        void put(byte[] bytes) throws IOException {
            flush();
            out.write(bytes);
        }

        void putInt(int v) throws IOException {
            room(4);
            buffer.putInt(v);
        }

        void putLong(long v) throws IOException {
            room(8);
            buffer.putLong(v);
        }

        void putFloat(float v) throws IOException {
            room(4);
            buffer.putFloat(v);
        }

        void putDouble(double v) throws IOException {
            room(8);
            buffer.putDouble(v);
        }

        private void room(int bytes) throws IOException {
            if (buffer.remaining() < bytes) {
                flush();
            }
        }

        void flush() throws IOException {
            out.write(buffer.array(), 0, buffer.position());
            buffer.clear();
        }
    }
}
