package dev.downhill.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The temporary copies of piped text: owner-only, and deleted by the shutdown hook's routine when a signal ends the process. */
class TemporaryFilesTest {
    @TempDir
    Path dir;

    @Test
    void theCleanupDeletesWhatIsStillHeldAndThenRefusesToCreateMore() throws IOException {
        TemporaryFiles files = new TemporaryFiles();
        Path kept = files.create("downhill-test-", ".spool");
        Path released = files.create("downhill-test-", ".spool");
        Files.writeString(kept, "a copy of someone's data");
        assertTrue(files.holds(kept) && Files.exists(kept));
        files.release(released);
        assertFalse(Files.exists(released));
        files.deleteAll(); // what the shutdown hook runs on SIGINT/SIGTERM
        assertFalse(Files.exists(kept), "a copy still being read is deleted too");
        assertFalse(files.holds(kept));
        IOException late = assertThrows(IOException.class, () -> files.create("downhill-test-", ".spool"));
        assertTrue(late.getMessage().contains("the process is ending"), late.getMessage());
    }

    @Test
    void aCopyThatCannotBeMadeIsSaidToBeTheCopysFailureNotTheFiles() throws IOException {
        // bzip2 text is spooled decompressed whatever the file; with no temporary folder (or no room in it) the reader said
        // "cannot read data.csv.bz2: no such file" ("No space left on device") of a file that exists and reads
        Path bz2 = dir.resolve("data.csv.bz2");
        try (java.io.OutputStream out = new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(
                Files.newOutputStream(bz2))) {
            out.write("a,y\n1,2\n".getBytes(StandardCharsets.UTF_8));
        }
        Path missing = dir.resolve("no-such-folder");
        IOException e = assertThrows(IOException.class, () -> TextLines.spool(bz2, new TemporaryFiles(missing)).close());
        String reason = ReadFailure.reason(e);
        assertTrue(reason.startsWith("its one-time copy") && reason.contains(missing.toString()), reason);
        try (TextLines.Spool spool = TextLines.spool(bz2, new TemporaryFiles(dir))) { // with a folder: the text
            assertEquals("a,y\n1,2\n", Files.readString(spool.path()));
        }
    }

    /**
     * gzip text is spooled decompressed too (once, not once per pass); when its copy cannot be made the file is read as
     * it is, decompressed on each pass, rather than refused (bzip2's copy has no such way out: above).
     */
    @Test
    void gzipTextIsReadAsItIsWhenItsCopyCannotBeMade() throws IOException {
        Path gz = dir.resolve("data.csv.gz");
        try (java.io.OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write("a,y\n1,2\n".getBytes(StandardCharsets.UTF_8));
        }
        try (TextLines.Spool spool = TextLines.spool(gz, new TemporaryFiles(dir))) {
            assertEquals("a,y\n1,2\n", Files.readString(spool.path()), "the decompressed copy");
        }
        Path missing = dir.resolve("no-such-folder");
        try (TextLines.Spool spool = TextLines.spool(gz, new TemporaryFiles(missing))) {
            assertEquals(gz, spool.path(), "no copy: the file itself");
        }
        try (Dataset d = CsvReader.defaults().read(gz)) {
            assertEquals(1, d.rows());
        }
        Path plain = dir.resolve("plain.csv");
        Files.writeString(plain, "a,y\n1,2\n");
        try (TextLines.Spool spool = TextLines.spool(plain, new TemporaryFiles(missing))) {
            assertEquals(plain, spool.path(), "plain text is never copied");
        }
    }

    @Test
    void aPipeIsSpooledToAnOwnerOnlyCopyThatTheCleanupDeletes() throws Exception {
        Path fifo = dir.resolve("pipe.csv");
        Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor(10, TimeUnit.SECONDS),
                "mkfifo is available");
        Thread writer = new Thread(() -> {
            try {
                Files.writeString(fifo, "a,y\n1,2\n", StandardCharsets.UTF_8); // blocks until the spool opens the pipe
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.setDaemon(true);
        writer.start();
        Path copy;
        try (TextLines.Spool spool = TextLines.spool(fifo)) {
            copy = spool.path();
            assertEquals("a,y\n1,2\n", Files.readString(copy));
            assertTrue(TemporaryFiles.SHARED.holds(copy), "the copy is registered with the shutdown hook's cleanup");
            if (Files.getFileStore(copy).supportsFileAttributeView("posix")) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)));
            }
        }
        assertFalse(Files.exists(copy), "closed: deleted");
        assertFalse(TemporaryFiles.SHARED.holds(copy));
    }
}
