package dev.downhill.io;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.bytedeco.javacpp.Pointer;

/**
 * Reads NumPy {@code .npy} files (format versions 1.0, 2.0, 3.0; see {@link NpyHeader}) straight
 * into off-heap memory: the data never passes through the Java heap except a bounded staging
 * chunk of a few MB, file positions are {@code long}, so files over 2 GiB work (within JavaCPP's
 * {@code org.bytedeco.javacpp.maxbytes}).
 *
 * <p>Element types: {@code <f4}, {@code <f8}, {@code <i4}, {@code <i8} ({@link NpyDtype}); C or
 * Fortran order (Fortran is transposed while streaming). The result precision is the caller's,
 * or when {@code null} the dtype's natural one: float32 for {@code <f4}, float64 for the others
 * (float64 holds every int32 exactly). Every value must be finite.
 *
 * <p>Shapes: a matrix (X) is 2-D {@code (rows, cols)}; a vector (y) is 1-D {@code (m,)} or a single
 * column {@code (m, 1)}. Nothing is returned for an empty array.
 *
 * <p>Errors: {@link MalformedFileException} (an {@link IllegalArgumentException}) naming the file for
 * bad content — magic, version, header syntax, keys, dtype (big-endian gets its own message),
 * shape, file size against shape × itemsize (expected vs actual bytes), non-finite values;
 * {@link java.io.UncheckedIOException} when the file system fails. Memory allocated for a read
 * that fails is freed before the exception leaves. Stateless and thread-safe.
 */
public final class NpyReader {
    private NpyReader() {
    }

    /** The validated header of {@code file} (shape, dtype, order) without reading the data. */
    public static NpyHeader readHeader(Path file) {
        return NpyHeader.read(file);
    }

    /** A 2-D array in its dtype's natural precision; see {@link #readMatrix(Path, Precision)}. */
    public static HostArray readMatrix(Path file) {
        return readMatrix(file, null);
    }

    /**
     * Reads a 2-D array into a new row-major {@link HostArray} that the caller owns (and closes).
     *
     * @param precision float32 or float64, or {@code null} for the dtype's natural precision
     */
    public static HostArray readMatrix(Path file, Precision precision) {
        try (FileChannel ch = open(file)) {
            NpyHeader h = NpyHeader.read(ch, file);
            requireMatrix(h, file, "a matrix");
            return readData(ch, h, file, precision, h.shape());
        } catch (IOException e) {
            throw ReadFailure.of(file, e);
        }
    }

    /** A vector in its dtype's natural precision; see {@link #readVector(Path, Precision)}. */
    public static HostArray readVector(Path file) {
        return readVector(file, null);
    }

    /**
     * Reads a 1-D array, or a 2-D array of one column, into a new 1-D {@link HostArray} that the
     * caller owns (and closes).
     *
     * @param precision float32 or float64, or {@code null} for the dtype's natural precision
     */
    public static HostArray readVector(Path file, Precision precision) {
        try (FileChannel ch = open(file)) {
            NpyHeader h = NpyHeader.read(ch, file);
            requireVector(h, file);
            return readData(ch, h, file, precision, h.shape()[0]);
        } catch (IOException e) {
            throw ReadFailure.of(file, e);
        }
    }

    /**
     * Reads X (a matrix) and y (a vector) into a {@link Dataset} that owns their memory. Both
     * headers are checked before any data is read: X's rows must equal y's length.
     *
     * @param precision the precision of both; {@code null} for X's natural precision (y is converted to it)
     */
    public static Dataset readDataset(Path xFile, Path yFile, Precision precision) {
        try (FileChannel xc = open(xFile); FileChannel yc = open(yFile)) {
            NpyHeader xh = NpyHeader.read(xc, xFile);
            NpyHeader yh = NpyHeader.read(yc, yFile);
            requireMatrix(xh, xFile, "X (a matrix)");
            requireVector(yh, yFile);
            long rows = xh.shape()[0];
            long cols = xh.shape()[1];
            if (yh.shape()[0] != rows) {
                throw new IllegalArgumentException("X in " + xFile + " has shape " + xh.shapeText() + " but y in " + yFile
                        + " has shape " + yh.shapeText() + ": the rows of X must equal the length of y");
            }
            Precision p = precision != null ? precision : xh.dtype().naturalPrecision();
            try (HostArray x = readData(xc, xh, xFile, p, rows, cols); HostArray y = readData(yc, yh, yFile, p, rows)) {
                return Dataset.adopt(x.release(), y.release(), rows, cols);
            }
        } catch (IOException e) {
            throw ReadFailure.of(xFile + " and " + yFile, e);
        }
    }

    /**
     * Streams the data after a validated header into new memory, returned with {@code resultShape}
     * (same element count); frees the memory if anything fails.
     */
    static HostArray readData(FileChannel ch, NpyHeader h, Path file, Precision precision, long... resultShape)
            throws IOException {
        return readData(ch, h, file, precision, NpyDataReader.CHUNK_BYTES, OffHeapViews.MAX_WINDOW, resultShape);
    }

    /** A matrix read with other buffer sizes: for tests that reach every tile boundary on small arrays. */
    static HostArray readMatrix(Path file, Precision precision, int chunkBytes, int windowElements) {
        try (FileChannel ch = open(file)) {
            NpyHeader h = NpyHeader.read(ch, file);
            requireMatrix(h, file, "a matrix");
            return readData(ch, h, file, precision, chunkBytes, windowElements, h.shape());
        } catch (IOException e) {
            throw ReadFailure.of(file, e);
        }
    }

    private static HostArray readData(FileChannel ch, NpyHeader h, Path file, Precision precision, int chunkBytes,
            int windowElements, long... resultShape) throws IOException {
        Precision p = precision != null ? precision : h.dtype().naturalPrecision();
        Pointer dst = OffHeap.allocate(p, h.elementCount(), file, "a " + h.shapeText() + " array");
        try {
            new NpyDataReader(ch, h, file, p, dst, chunkBytes, windowElements).read();
            return new HostArray(dst, p, resultShape);
        } catch (IOException | RuntimeException | Error e) {
            dst.close();
            throw e;
        }
    }

    private static void requireMatrix(NpyHeader h, Path file, String what) {
        if (h.rank() != 2) {
            String hint = h.rank() == 1 ? "; a single feature must be saved as a column: np.save(path, x.reshape(-1, 1))" : "";
            throw new MalformedFileException(file, "expected " + what + " of shape (rows, cols), but the file holds shape "
                    + h.shapeText() + hint);
        }
        requireElements(h, file);
    }

    private static void requireVector(NpyHeader h, Path file) {
        long[] s = h.shape();
        if (!(s.length == 1 || (s.length == 2 && s[1] == 1))) {
            throw new MalformedFileException(file, "expected a vector of shape (m,) or (m, 1), but the file holds shape "
                    + h.shapeText());
        }
        requireElements(h, file);
    }

    private static void requireElements(NpyHeader h, Path file) {
        if (h.elementCount() == 0) {
            throw new MalformedFileException(file, "the array of shape " + h.shapeText() + " holds no values");
        }
    }

    private static FileChannel open(Path file) {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw ReadFailure.of(file, e);
        }
    }
}
