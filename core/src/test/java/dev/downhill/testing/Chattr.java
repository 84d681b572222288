package dev.downhill.testing;

import java.io.IOException;
import java.nio.file.Path;

/** Linux's {@code chattr} for tests of files that cannot be replaced ({@code +i}: immutable, even to root). */
public final class Chattr {
    private Chattr() {
    }

    /** Runs {@code chattr flag file}; whether it succeeded (false where chattr is missing or refused). */
    public static boolean set(String flag, Path file) {
        try {
            Process p = new ProcessBuilder("chattr", flag, file.toString()).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
