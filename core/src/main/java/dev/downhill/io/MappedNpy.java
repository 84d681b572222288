package dev.downhill.io;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.nativeio.NativeFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Datasets whose X is a memory-mapped .npy file instead of a copy in memory: for X larger than the
 * memory one wants to spend ({@link HostMemoryBudget}). The result is an ordinary host {@link Dataset}, so
 * every backend can load it: the cpu backend's kernels read X through the map exactly as they read
 * memory (same blocks, same order, same reductions — results are bit-identical to an in-memory fit);
 * the cuda backend streams the rows that do not fit its device budget from it; nd4j wraps it. The
 * operating system pages row blocks in as they are read (read-ahead: MADV_SEQUENTIAL) and drops them
 * under memory pressure, so every pass re-reads what did not stay in the page cache. X must be float32
 * or float64, C order, little-endian; y is read into memory. Closing the dataset unmaps the file. The
 * mmap itself is a tiny JNI helper ({@code downhill-native-io}).
 */
public final class MappedNpy {
    private MappedNpy() {
    }

    /**
     * Why an array with {@code header} cannot be mapped row by row (Fortran order; not float32 or float64), with what to
     * do instead, or null when it can (its rank and size are {@link #open}'s to check).
     */
    public static String unmappable(NpyHeader header) {
        if (header.fortranOrder()) {
            return "a Fortran-order array cannot be mapped row by row; read it into memory (it is transposed while reading) or "
                    + "rewrite it in C order";
        }
        if (header.dtype() != NpyDtype.FLOAT32 && header.dtype() != NpyDtype.FLOAT64) {
            return "only float32 and float64 arrays can be mapped, found " + header.dtype().descr();
        }
        return null;
    }

    /** Maps {@code xFile} (rows × cols) and reads {@code yFile} (rows values, converted to X's precision). */
    public static Dataset open(Path xFile, Path yFile) {
        String failure = NativeFiles.probe();
        if (failure != null) {
            throw new IllegalStateException("memory-mapped datasets need the native file-mapping helper (downhill-native-io): " + failure);
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("memory-mapped .npy needs a little-endian machine");
        }
        NpyHeader header = NpyReader.readHeader(xFile);
        if (header.rank() != 2) {
            throw new IllegalArgumentException(xFile + ": X must be a 2-D array, found shape " + header.shapeText());
        }
        String unmappable = unmappable(header);
        if (unmappable != null) {
            throw new IllegalArgumentException(xFile + ": " + unmappable);
        }
        Precision precision = header.dtype() == NpyDtype.FLOAT32 ? Precision.FLOAT32 : Precision.FLOAT64;
        long rows = header.shape()[0];
        long cols = header.shape()[1];
        long length;
        try {
            length = Files.size(xFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + xFile + ": " + e.getMessage(), e);
        }
        if (length != header.dataOffset() + header.dataBytes()) {
            throw new IllegalArgumentException(xFile + ": file holds " + length + " bytes but its header says "
                    + (header.dataOffset() + header.dataBytes()));
        }
        if (header.dataOffset() % precision.bytes() != 0) {
            throw new IllegalArgumentException(xFile + ": data offset " + header.dataOffset() + " is not aligned to "
                    + precision.bytes() + " bytes");
        }
        FileMapping map = new FileMapping(xFile, length);
        Pointer x;
        Pointer y;
        try (HostArray targets = NpyReader.readVector(yFile, precision)) {
            if (targets.rows() != rows) {
                throw new IllegalArgumentException("X " + xFile + " has " + rows + " rows but y " + yFile + " has " + targets.rows());
            }
            long first = header.dataOffset() / precision.bytes();
            x = precision == Precision.FLOAT32 ? new FloatPointer(map).position(first) : new DoublePointer(map).position(first);
            y = targets.release();
        } catch (RuntimeException | Error e) {
            map.close();
            throw e;
        }
        return Dataset.adopt(x, y, rows, cols);
    }
}
