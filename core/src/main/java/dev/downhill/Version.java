package dev.downhill;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The library version, from the build (resource {@code dev/downhill/version.properties}). */
public final class Version {
    /** e.g. "0.1.0-SNAPSHOT"; "unknown" when the resource is missing (running from unfiltered sources). */
    public static final String VERSION = load();

    private Version() {
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
