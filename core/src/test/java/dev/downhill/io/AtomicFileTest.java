package dev.downhill.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AtomicFile: all-or-nothing replacement, no temporary left behind, targets checked before work. */
class AtomicFileTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void theTargetChangesOnlyOnCommit() throws IOException {
        Path f = dir.resolve("out.txt");
        Files.writeString(f, "old");
        try (AtomicFile a = AtomicFile.create(f)) {
            a.write(ByteBuffer.wrap("new content".getBytes(StandardCharsets.UTF_8)));
            assertEquals("old", Files.readString(f), "untouched before the commit");
            assertEquals(2, names().size(), "the temporary file sits beside the target");
            assertTrue(a.temporary().getFileName().toString().startsWith(".out.txt"), a.temporary().toString());
            a.commit();
            assertTrue(a.committed());
        }
        assertEquals("new content", Files.readString(f));
        assertEquals(List.of("out.txt"), names(), "no temporary file left");
    }

    @Test
    void closingWithoutACommitKeepsTheOldFileAndLeavesNoTemporary() throws IOException {
        Path f = dir.resolve("m.json");
        Files.writeString(f, "previous");
        try (AtomicFile a = AtomicFile.create(f)) {
            a.stream().write("half a fi".getBytes(StandardCharsets.UTF_8));
            // an exception here: try-with-resources closes without commit
        }
        assertEquals("previous", Files.readString(f));
        assertEquals(List.of("m.json"), names());
        AtomicFile a = AtomicFile.create(f);
        a.close();
        assertThrows(IllegalStateException.class, a::commit, "a closed write cannot be committed");
        assertEquals(List.of("m.json"), names());
    }

    @Test
    void writeReplacesWholeFiles() throws IOException {
        Path f = dir.resolve("b.bin");
        AtomicFile.write(f, new byte[] {1, 2, 3});
        AtomicFile.write(f, new byte[] {4});
        assertArrayEquals(new byte[] {4}, Files.readAllBytes(f));
        assertEquals(List.of("b.bin"), names());
    }

    @Test
    void badTargetsAreReportedBeforeAnyWork() throws IOException {
        UncheckedIOException noFolder = assertThrows(UncheckedIOException.class,
                () -> AtomicFile.checkWritable(dir.resolve("nodir").resolve("m.json")));
        assertTrue(noFolder.getMessage().contains("nodir") && noFolder.getMessage().contains("does not exist"), noFolder.getMessage());
        Files.createDirectory(dir.resolve("sub"));
        UncheckedIOException folder = assertThrows(UncheckedIOException.class, () -> AtomicFile.checkWritable(dir.resolve("sub")));
        assertTrue(folder.getMessage().contains("is a folder"), folder.getMessage());
        Files.writeString(dir.resolve("file"), "x");
        UncheckedIOException underFile = assertThrows(UncheckedIOException.class,
                () -> AtomicFile.create(dir.resolve("file").resolve("m.json")));
        assertTrue(underFile.getMessage().contains("is not a folder"), underFile.getMessage());
        AtomicFile.checkWritable(dir.resolve("fine.json"));
        assertFalse(Files.exists(dir.resolve("fine.json")), "checking creates nothing that stays");
        assertEquals(List.of("file", "sub"), names());
    }

    @Test
    void newFilesGetTheUsualPermissionsAndReplacedFilesKeepTheirs() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path plain = Files.writeString(dir.resolve("plain.txt"), "x");
        Path atomic = dir.resolve("atomic.txt");
        AtomicFile.write(atomic, new byte[] {1});
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(atomic),
                "like any new file (a temporary file from createTempFile would be owner-only)");
        var custom = java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----");
        Files.setPosixFilePermissions(atomic, custom);
        AtomicFile.write(atomic, new byte[] {2});
        assertEquals(custom, Files.getPosixFilePermissions(atomic));
    }

    /**
     * A group commit is all or none: when the second file's rename fails (its temporary file gone, as a shutdown hook
     * may delete it), the first target, already replaced, is put back and every temporary and set-aside file removed;
     * when every rename succeeds all targets hold the new bytes and nothing else is left.
     */
    @Test
    void aGroupCommitIsAllOrNone() throws IOException {
        Path a = dir.resolve("a.txt");
        Path b = dir.resolve("b.txt");
        Path c = dir.resolve("c.txt"); // no previous file: a failed group must not leave one
        Files.writeString(a, "old a");
        Files.writeString(b, "old b");
        AtomicFile fa = AtomicFile.create(a);
        AtomicFile fb = AtomicFile.create(b);
        AtomicFile fc = AtomicFile.create(c);
        for (AtomicFile f : List.of(fa, fb, fc)) {
            f.stream().write("new".getBytes(StandardCharsets.UTF_8));
        }
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path temp : files.filter(p -> p.getFileName().toString().startsWith(".c.txt.")).collect(Collectors.toList())) {
                Files.delete(temp);
            }
        }
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> AtomicFile.commitAll(List.of(fa, fb, fc)));
        assertTrue(e.getMessage().startsWith("cannot write " + c), e.getMessage());
        assertEquals("old a", Files.readString(a));
        assertEquals("old b", Files.readString(b));
        assertFalse(Files.exists(c));
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("a.txt", "b.txt"), files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()),
                    "no temporary or set-aside file left");
        }
        // a target made a folder after create(): the group is refused whole, the first target untouched
        AtomicFile ha = AtomicFile.create(a);
        AtomicFile hc = AtomicFile.create(c);
        Files.createDirectory(c);
        UncheckedIOException folder = assertThrows(UncheckedIOException.class, () -> AtomicFile.commitAll(List.of(ha, hc)));
        assertTrue(folder.getMessage().contains("it is a folder"), folder.getMessage());
        assertEquals("old a", Files.readString(a));
        Files.delete(c);
        AtomicFile ga = AtomicFile.create(a);
        AtomicFile gc = AtomicFile.create(c);
        ga.stream().write("new a".getBytes(StandardCharsets.UTF_8));
        gc.stream().write("new c".getBytes(StandardCharsets.UTF_8));
        AtomicFile.commitAll(List.of(ga, gc));
        assertTrue(ga.committed() && gc.committed());
        assertEquals("new a", Files.readString(a));
        assertEquals("new c", Files.readString(c));
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("a.txt", "b.txt", "c.txt"), files.map(p -> p.getFileName().toString()).sorted()
                    .collect(Collectors.toList()));
        }
    }

    /**
     * A target that can be neither linked nor renamed (immutable: {@code chattr +i}, or another user's file in a sticky
     * folder) is left as it was, and the message says only that it could not be written — not that its previous content
     * went to a backup that was never made. Needs chattr and the right to use it (root), else skipped.
     */
    @Test
    void anUnreplaceableTargetIsUntouchedAndNoBackupIsClaimed() throws Exception {
        Path f = dir.resolve("immutable.json");
        Files.writeString(f, "previous");
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.downhill.testing.Chattr.set("+i", f), "chattr +i is not available here");
        try {
            UncheckedIOException e = assertThrows(UncheckedIOException.class,
                    () -> AtomicFile.write(f, "new".getBytes(StandardCharsets.UTF_8)));
            assertTrue(e.getMessage().startsWith("cannot write " + f + ": "), e.getMessage());
            assertFalse(e.getMessage().contains("could not put back") || e.getMessage().contains(".old"), e.getMessage());
            assertEquals("previous", Files.readString(f));
            assertEquals(List.of("immutable.json"), names(), "no temporary or backup file left");
        } finally {
            dev.downhill.testing.Chattr.set("-i", f);
        }
    }
}
