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
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a sparse matrix as SciPy's {@code scipy.sparse.save_npz} does — a zip of {@code indices.npy} (int32),
 * {@code indptr.npy} (int64), {@code format.npy} ({@code b'csr'}), {@code shape.npy} and {@code data.npy} — so that
 * {@code scipy.sparse.load_npz} and {@link NpzReader} read it back. The rows come from a {@link RowSource} that is asked
 * for every row once per array (three times in all), so a generator can write a matrix far bigger than memory: it must
 * give the same row each time. Atomic ({@link AtomicFile}): a failure leaves no file and the previous one intact.
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
     * deflated at the fastest level. Returns the number of non-zeros.
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
        try {
            ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(out.stream(), BUFFER));
            zip.setLevel(Deflater.BEST_SPEED);
            Sink sink = new Sink(zip);
            zip.putNextEntry(entry("indices.npy"));
            zip.write(NpyHeader.encodeRaw("<i4", new long[] {nnz}));
            for (long i = 0; i < rows; i++) {
                int k = source.row(i, columns, values);
                for (int e = 0; e < k; e++) {
                    sink.putInt(columns[e]);
                }
            }
            sink.flush();
            zip.closeEntry();
            zip.putNextEntry(entry("indptr.npy"));
            zip.write(NpyHeader.encodeRaw("<i8", new long[] {rows + 1}));
            long offset = 0;
            sink.putLong(0);
            for (long i = 0; i < rows; i++) {
                offset += source.row(i, columns, values);
                sink.putLong(offset);
            }
            sink.flush();
            zip.closeEntry();
            zip.putNextEntry(entry("format.npy"));
            zip.write(NpyHeader.encodeRaw("|S3", new long[0]));
            zip.write("csr".getBytes(StandardCharsets.US_ASCII));
            zip.closeEntry();
            zip.putNextEntry(entry("shape.npy"));
            zip.write(NpyHeader.encodeRaw("<i8", new long[] {2}));
            sink.putLong(rows);
            sink.putLong(cols);
            sink.flush();
            zip.closeEntry();
            zip.putNextEntry(entry("data.npy"));
            zip.write(NpyHeader.encodeRaw(precision == Precision.FLOAT64 ? "<f8" : "<f4", new long[] {nnz}));
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
            sink.flush();
            zip.closeEntry();
            zip.finish();
            zip.flush();
            return nnz;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e, e);
        }
    }

    /** Little-endian values staged in a buffer and written to the zip entry in bulk. */
    private static final class Sink {
        private final OutputStream out;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);

        Sink(OutputStream out) {
            this.out = out;
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
