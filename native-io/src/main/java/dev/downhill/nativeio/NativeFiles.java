package dev.downhill.nativeio;

import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JNI entry points to {@code src/main/cpp/downhill_mmap.h} (mmap(2)/munmap(2), read-only, with
 * MADV_SEQUENTIAL), compiled at build time by the JavaCPP Maven plugin. Used by
 * {@code dev.downhill.io.MappedNpy} in core; call {@link #load()} first. Addresses are host memory.
 */
@Platform(include = "downhill_mmap.h")
@Namespace("downhill")
public final class NativeFiles {
    private static volatile String failure;
    private static volatile boolean probed;

    private NativeFiles() {
    }

    /** Loads the JNI library once; null on success, else why it cannot load. */
    public static synchronized String probe() {
        if (!probed) {
            probed = true;
            try {
                Loader.load(NativeFiles.class);
            } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
                failure = e.toString();
            }
        }
        return failure;
    }

    /** Loads the JNI library; throws {@link IllegalStateException} with the reason when it cannot. */
    public static void load() {
        String f = probe();
        if (f != null) {
            throw new IllegalStateException("the native file-mapping helper (downhill-native-io) cannot load: " + f);
        }
    }

    /** mmap(2) of {@code length} bytes of {@code path}, read-only, MADV_SEQUENTIAL; null with error[0] = errno on failure. */
    public static native Pointer map_file(String path, long length, IntPointer error);

    /** munmap(2); returns 0 or errno. */
    public static native int unmap_file(Pointer address, long length);

    /**
     * madvise(MADV_HUGEPAGE) on the 2 MiB-aligned interior of {@code length} bytes at the address {@code address} (host memory,
     * not yet touched): transparent huge pages for a large array. Returns 0 or errno; advisory only.
     */
    public static native int advise_huge_pages(@org.bytedeco.javacpp.annotation.Cast("void*") long address, long length);
}
