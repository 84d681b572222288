package dev.downhill.io;

import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;

/**
 * Streams the data of a validated .npy file into caller-owned off-heap memory, row-major, in the
 * caller's precision, through buffers of at most {@link #CHUNK_BYTES} (a direct staging buffer and
 * a Java array of the same element count); the file is read with positional reads at {@code long}
 * offsets, so files and arrays over 2 GiB work.
 *
 * <ul>
 *   <li>C order (and any 1-D or single-row/column array) is read sequentially. When the file's
 *       dtype already is the target precision on a little-endian machine, chunks are read
 *       straight into the destination and checked there: no copy.</li>
 *   <li>Fortran order is transposed by tiles: a tile is a range of rows of a range of columns
 *       (whole columns, read with one contiguous read, when they fit; else 64 columns × as many
 *       rows as fit, one read per column), decoded, then scattered into the row-major
 *       destination.</li>
 * </ul>
 * Every value is checked to be finite; the first NaN or infinity is reported with its zero-based
 * (row, column). The destination is written, nothing else; on an exception its contents are
 * undefined and it still belongs to the caller.
 */
final class NpyDataReader {
    /** Staging size in bytes: a few MB keeps the reads large and the heap small. */
    static final int CHUNK_BYTES = 4 << 20;
    /** Columns per tile when whole columns do not fit in a chunk (a cache line of doubles × 8). */
    private static final int TILE_COLUMNS = 64;

    private final FileChannel ch;
    private final NpyHeader header;
    private final Path file;
    private final Precision precision;
    private final Pointer dst;
    private final long rows;
    private final long cols;
    private final NpyDtype type;
    private final int item;
    private final int chunkBytes;
    private final int windowElements;

    private ByteBuffer stage;
    private float[] floats;
    private double[] doubles;

    /**
     * @param dst a FloatPointer (float32) or DoublePointer (float64) with room for the header's
     *            element count from its position; written, not freed
     */
    NpyDataReader(FileChannel ch, NpyHeader header, Path file, Precision precision, Pointer dst) {
        this(ch, header, file, precision, dst, CHUNK_BYTES, OffHeapViews.MAX_WINDOW);
    }

    /**
     * With other buffer sizes (tests use tiny ones to reach every tile and window boundary on
     * small arrays): {@code chunkBytes} a multiple of 8, {@code windowElements} at most
     * {@link OffHeapViews#MAX_WINDOW}.
     */
    NpyDataReader(FileChannel ch, NpyHeader header, Path file, Precision precision, Pointer dst, int chunkBytes,
            int windowElements) {
        if (chunkBytes < 8 || chunkBytes % 8 != 0 || windowElements < 1 || windowElements > OffHeapViews.MAX_WINDOW) {
            throw new IllegalArgumentException("chunk " + chunkBytes + " bytes, window " + windowElements + " elements");
        }
        this.chunkBytes = chunkBytes;
        this.windowElements = windowElements;
        this.ch = ch;
        this.header = header;
        this.file = file;
        this.precision = precision;
        this.dst = dst;
        long[] shape = header.shape();
        this.rows = shape.length == 0 ? 1 : shape[0];
        this.cols = shape.length == 2 ? shape[1] : 1;
        this.type = header.dtype();
        this.item = type.itemSize();
    }

    void read() throws IOException {
        boolean transpose = header.fortranOrder() && header.rank() == 2 && rows > 1 && cols > 1;
        if (transpose) {
            readFortranOrder();
        } else if (type.naturalPrecision() == precision && type.isFloatingPoint()
                && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            readInPlace();
        } else {
            readConverting();
        }
    }

    /** Same dtype as the destination: read chunks straight into it, then check them. */
    private void readInPlace() throws IOException {
        long total = header.elementCount();
        int perChunk = chunkBytes / item;
        long position = header.dataOffset();
        for (long done = 0; done < total; ) {
            int n = (int) Math.min(perChunk, total - done);
            NpyHeader.readFully(ch, OffHeap.bytes(dst, done * item, n * item), position);
            int bad = precision == Precision.FLOAT64 ? firstNonFinite(OffHeapViews.doubles(dst, done, n))
                    : firstNonFinite(OffHeapViews.floats(dst, done, n));
            if (bad >= 0) {
                throw nonFinite(done + bad, precision == Precision.FLOAT64 ? OffHeapViews.doubles(dst, done + bad, 1).get(0)
                        : OffHeapViews.floats(dst, done + bad, 1).get(0));
            }
            done += n;
            position += (long) n * item;
        }
    }

    /** Another dtype or precision: read chunks into the staging buffer, decode, check, copy. */
    private void readConverting() throws IOException {
        long total = header.elementCount();
        int perChunk = chunkBytes / item;
        allocateBuffers(perChunk);
        long position = header.dataOffset();
        for (long done = 0; done < total; ) {
            int n = (int) Math.min(perChunk, total - done);
            stage.clear().limit(n * item);
            NpyHeader.readFully(ch, stage, position);
            int bad = decodeAndCheck(n);
            if (bad >= 0) {
                throw badValue(done + bad, bad);
            }
            if (precision == Precision.FLOAT64) {
                OffHeapViews.doubles(dst, done, n).put(doubles, 0, n);
            } else {
                OffHeapViews.floats(dst, done, n).put(floats, 0, n);
            }
            done += n;
            position += (long) n * item;
        }
    }

    /** Column-major file → row-major destination, one tile at a time. */
    private void readFortranOrder() throws IOException {
        int stageElements = chunkBytes / item;
        long tileCols;
        long tileRows;
        if (rows <= stageElements / Math.min(cols, TILE_COLUMNS)) {
            tileRows = rows; // whole columns: one contiguous read per tile
            tileCols = Math.min(cols, stageElements / rows);
        } else {
            tileCols = Math.min(Math.min(cols, TILE_COLUMNS), stageElements);
            tileRows = stageElements / tileCols; // < rows
        }
        allocateBuffers((int) (tileRows * tileCols));
        for (long j0 = 0; j0 < cols; j0 += tileCols) {
            int jn = (int) Math.min(tileCols, cols - j0);
            for (long i0 = 0; i0 < rows; i0 += tileRows) {
                int in = (int) Math.min(tileRows, rows - i0);
                readTile(i0, in, j0, jn);
                int bad = decodeAndCheck(in * jn);
                if (bad >= 0) { // tile is column-major: index = c·in + r
                    throw badValue((i0 + bad % in) * cols + j0 + bad / in, bad);
                }
                scatterTile(i0, in, j0, jn);
            }
        }
    }

    /** Reads rows [i0, i0+in) of columns [j0, j0+jn) into the staging buffer, column-major. */
    private void readTile(long i0, int in, long j0, int jn) throws IOException {
        long columnBytes = rows * item;
        if (in == rows) {
            stage.clear().limit(in * jn * item);
            NpyHeader.readFully(ch, stage, header.dataOffset() + j0 * columnBytes);
            return;
        }
        for (int c = 0; c < jn; c++) {
            stage.clear().position(c * in * item).limit((c + 1) * in * item);
            NpyHeader.readFully(ch, stage, header.dataOffset() + (j0 + c) * columnBytes + i0 * item);
        }
    }

    /** Writes the decoded tile (column-major, in rows) into the destination rows, through windows of at most MAX_WINDOW elements. */
    private void scatterTile(long i0, int in, long j0, int jn) {
        int rowsPerWindow = (int) Math.min(in, Math.max(0, windowElements - jn) / cols + 1);
        for (int r0 = 0; r0 < in; r0 += rowsPerWindow) {
            int rn = Math.min(rowsPerWindow, in - r0);
            long start = (i0 + r0) * cols + j0;
            int span = (int) ((rn - 1) * cols + jn);
            if (precision == Precision.FLOAT64) {
                DoubleBuffer w = OffHeapViews.doubles(dst, start, span);
                for (int r = 0; r < rn; r++) {
                    int base = (int) (r * cols);
                    for (int c = 0; c < jn; c++) {
                        w.put(base + c, doubles[c * in + r0 + r]);
                    }
                }
            } else {
                FloatBuffer w = OffHeapViews.floats(dst, start, span);
                for (int r = 0; r < rn; r++) {
                    int base = (int) (r * cols);
                    for (int c = 0; c < jn; c++) {
                        w.put(base + c, floats[c * in + r0 + r]);
                    }
                }
            }
        }
    }

    private void allocateBuffers(int elements) {
        stage = ByteBuffer.allocateDirect(elements * item).order(ByteOrder.LITTLE_ENDIAN);
        if (precision == Precision.FLOAT64) {
            doubles = new double[elements];
        } else {
            floats = new float[elements];
        }
    }

    /** Decodes the first {@code n} staged elements into the Java array; index of the first non-finite one, or -1. */
    private int decodeAndCheck(int n) {
        if (precision == Precision.FLOAT64) {
            ChunkDecoder.decode(stage, type, n, doubles);
            return type.isFloatingPoint() ? ChunkDecoder.firstNonFinite(doubles, n) : -1;
        }
        ChunkDecoder.decode(stage, type, n, floats);
        // int64 → float32 cannot overflow (2⁶³ < 3.4·10³⁸) nor lose a non-zero value, so only float sources need the check
        if (type == NpyDtype.FLOAT64) {
            return ChunkDecoder.firstLostOrNonFinite(stage, floats, n);
        }
        return type.isFloatingPoint() ? ChunkDecoder.firstNonFinite(floats, n) : -1;
    }

    /** The error for staged element {@code bad} (destination index {@code k}): non-finite, or a float64 value float32 cannot hold. */
    private MalformedFileException badValue(long k, int bad) {
        if (type == NpyDtype.FLOAT64 && precision == Precision.FLOAT32) {
            double original = stage.getDouble(bad * 8);
            String problem = dev.downhill.internal.Float32Range.problem(original);
            if (problem != null) {
                return new MalformedFileException(file, "value at " + where(k) + " (zero-based): " + problem + "; "
                        + dev.downhill.internal.Float32Range.ADVICE);
            }
        }
        return nonFinite(k, valueAt(bad));
    }

    private String where(long k) {
        return header.rank() == 2 ? "[" + k / cols + ", " + k % cols + "]" : "[" + k + "]";
    }

    private double valueAt(int k) {
        return precision == Precision.FLOAT64 ? doubles[k] : floats[k];
    }

    private static int firstNonFinite(FloatBuffer b) {
        for (int i = 0, n = b.limit(); i < n; i++) {
            if (!Float.isFinite(b.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static int firstNonFinite(DoubleBuffer b) {
        for (int i = 0, n = b.limit(); i < n; i++) {
            if (!Double.isFinite(b.get(i))) {
                return i;
            }
        }
        return -1;
    }

    /** {@code k}: row-major index in the destination. */
    private MalformedFileException nonFinite(long k, double value) {
        String where = where(k);
        String why = Double.isNaN(value) || !type.isFloatingPoint() || type.naturalPrecision() == precision ? ""
                : " (after conversion from " + type.descr() + " to " + precision.name().toLowerCase(java.util.Locale.ROOT)
                        + ": the value is out of range)";
        return new MalformedFileException(file, "value at " + where + " (zero-based) is " + value + why
                + "; every value must be finite");
    }
}
