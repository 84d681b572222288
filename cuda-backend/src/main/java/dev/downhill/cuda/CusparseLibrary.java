package dev.downhill.cuda;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JNI entry points to {@code src/main/cpp/downhill_cusparse.h}: cuSPARSE's generic CSR SpMV, opened with dlopen
 * (JavaCPP's cuSPARSE bindings lack it). Every address is device memory except where stated; the header states each
 * contract. {@link #unavailable()} loads the JNI library and cuSPARSE once and says why either is missing.
 */
@Platform(include = "downhill_cusparse.h")
@Namespace("downhill")
final class CusparseLibrary {
    private static volatile String unavailable;

    private CusparseLibrary() {
    }

    /** Null when the JNI library and cuSPARSE (every entry point used) load, else why not (tried once). */
    static String unavailable() {
        String u = unavailable;
        if (u == null) {
            synchronized (CusparseLibrary.class) {
                if (unavailable == null) {
                    try {
                        Loader.load(CusparseLibrary.class);
                        unavailable = cusparse_unavailable().getString();
                    } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
                        unavailable = "the downhill cuSPARSE JNI library does not load: " + e;
                    }
                }
                u = unavailable;
            }
        }
        return u.isEmpty() ? null : u;
    }

    /** Empty when cuSPARSE loaded, else what is missing. */
    @Cast("const char*")
    static native BytePointer cusparse_unavailable();

    /** cuSPARSE's description of a status. */
    @Cast("const char*")
    static native BytePointer cusparse_status_string(int status);

    /** A handle on {@code stream} and the CSR descriptor; the session's address, or 0 with the status in status[0]. */
    static native long csr_spmv_open(long stream, long rows, long cols, long nnz, long offsets, long columns, long values,
                                     @Cast("bool") boolean float64, IntPointer status);

    /** y ← α·op(A)·x + β·y; bufferBytes &lt; 0: returns the work buffer's size instead; −status on a cuSPARSE error. */
    static native long csr_spmv(long session, @Cast("bool") boolean transpose, double alpha, long x, double beta, long y,
                                long buffer, long bufferBytes, long rows, long cols);

    /** Destroys the session (0 ignored). */
    static native void csr_spmv_close(long session);
}
