package dev.downhill.io;

import dev.downhill.Precision;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * What a sparse reader returns: X as a {@link CsrMatrix} and y as a vector ({@link HostArray}), both in host off-heap
 * memory this object owns. {@link #close()} frees both (closing twice is harmless); {@link #x()} and {@link #y()}
 * may also be closed on their own.
 */
public final class SparseData implements AutoCloseable {
    private final CsrMatrix x;
    private final HostArray y;

    private SparseData(CsrMatrix x, HostArray y) {
        this.x = x;
        this.y = y;
    }

    /**
     * Takes the readers' filled arrays, validates X ({@link CsrMatrix#validate}) and hands them to the new object; every
     * appender is left empty (released) or freed, whatever happens.
     */
    static SparseData adopt(long rows, long cols, Precision precision, IndexAppender pointers, IndexAppender columns,
                            OffHeapAppender values, OffHeapAppender y) {
        LongPointer p = pointers.releaseLongs();
        IntPointer c = null;
        Pointer v = null;
        Pointer t = null;
        try {
            c = columns.releaseInts();
            v = values.release();
            t = y.release();
            CsrMatrix.validate(rows, cols, p, c, v, precision);
            return new SparseData(new CsrMatrix(rows, cols, precision, p, c, v), new HostArray(t, precision, rows));
        } catch (RuntimeException | Error e) {
            for (Pointer q : new Pointer[] {p, c, v, t}) {
                if (q != null) {
                    q.close();
                }
            }
            throw e;
        }
    }

    /** X, m × n, CSR. */
    public CsrMatrix x() {
        return x;
    }

    /** y, m values. */
    public HostArray y() {
        return y;
    }

    @Override
    public void close() {
        x.close();
        y.close();
    }
}
