package dev.downhill.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unreadable files get "cannot read FILE: reason" in words, from every reader, with no Java class name in the line. */
class ReadFailureTest {
    @TempDir
    Path dir;

    @Test
    void missingFilesAndFoldersAreSaidInWords() throws Exception {
        Path missing = dir.resolve("nope.npz");
        UncheckedIOException npz = assertThrows(UncheckedIOException.class, () -> NpzReader.readCsr(missing));
        assertEquals("cannot read " + missing + ": no such file", npz.getMessage());
        Path npy = dir.resolve("nope.npy");
        UncheckedIOException matrix = assertThrows(UncheckedIOException.class, () -> NpyReader.readMatrix(npy));
        assertEquals("cannot read " + npy + ": no such file", matrix.getMessage());
        Path folder = Files.createDirectory(dir.resolve("folder.svm"));
        UncheckedIOException svm = assertThrows(UncheckedIOException.class, () -> SvmLightReader.defaults().readSparse(folder));
        assertFalse(svm.getMessage().contains("java."), svm.getMessage());
        assertFalse(svm.getMessage().contains("Exception"), svm.getMessage());
    }
}
