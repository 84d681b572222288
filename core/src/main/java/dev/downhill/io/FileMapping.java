package dev.downhill.io;

import dev.downhill.nativeio.NativeFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * One read-only mapping of a whole file (the native helper's mmap, MADV_SEQUENTIAL); closing it (or a view made with
 * JavaCPP's {@code new XPointer(mapping)}, which shares its deallocator) unmaps the file once. {@link #view} makes
 * views that do not own the mapping.
 */
final class FileMapping extends Pointer {
    /**
     * Unmaps one region. Static and holding only numbers: a deallocator that referred to its Pointer
     * would keep it strongly reachable from JavaCPP's deallocator list, so a dataset that is never
     * closed could never be unmapped by the garbage collector.
     */
    private static final class Unmap implements Deallocator {
        private final long address;
        private final long length;

        Unmap(long address, long length) {
            this.address = address;
            this.length = length;
        }

        @Override
        public void deallocate() {
            NativeFiles.unmap_file(new Region(address), length);
        }
    }

    /** A bare address (for the unmap call). */
    private static final class Region extends Pointer {
        Region(long at) {
            this.address = at;
        }
    }

    FileMapping(Path file, long length) {
        IntPointer error = new IntPointer(1);
        try {
            Pointer p = NativeFiles.map_file(file.toAbsolutePath().toString(), length, error);
            if (p == null || p.isNull()) {
                throw new UncheckedIOException(new IOException("cannot map " + file + " (errno " + error.get() + ")"));
            }
            this.address = p.address();
            // capacity and limit stay 0: JavaCPP would count a registered deallocator's capacity
            // against org.bytedeco.javacpp.maxbytes, but a file mapping is not allocated memory
            deallocator(new Unmap(this.address, length));
        } finally {
            error.close();
        }
    }

    /** A bare address inside the mapping, {@code offset} bytes from its start, that does not own it (closing it does nothing). */
    Pointer view(long offset) {
        return new Region(address + offset);
    }
}
