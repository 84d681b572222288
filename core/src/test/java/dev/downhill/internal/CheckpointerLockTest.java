package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Checkpoint;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint folder is read only when no fit is saving in it (its lock), and a failed resume leaves nothing locked. */
class CheckpointerLockTest {
    private static final Map<String, String> PRINT = Map.of("solver", "gd");

    @Test
    void resumingFromAFolderAnotherFitSavesInIsRefusedNamingIt(@TempDir Path dir) {
        Path folder = dir.resolve("ck");
        try (Checkpointer saving = Checkpointer.open(Checkpoint.to(folder), PRINT, System.nanoTime())) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Checkpointer.open(Checkpoint.resume(folder), PRINT, System.nanoTime()));
            assertTrue(e.getMessage().contains("in use by another fit saving there"), e.getMessage());
            assertTrue(e.getMessage().contains(folder.toString()), e.getMessage());
            // resuming into a folder of its own is refused the same way, and that folder is not left locked
            Path other = dir.resolve("other");
            assertThrows(IllegalStateException.class,
                    () -> Checkpointer.open(Checkpoint.to(other).resumingFrom(folder), PRINT, System.nanoTime()));
            Checkpointer.open(Checkpoint.to(other), PRINT, System.nanoTime()).close();
        }
        // once that fit has stopped, the folder is read (here: it has no checkpoint yet, which is another error)
        RuntimeException later = assertThrows(RuntimeException.class,
                () -> Checkpointer.open(Checkpoint.resume(folder), PRINT, System.nanoTime()));
        assertFalse(later.getMessage().contains("in use"), later.getMessage());
    }
}
