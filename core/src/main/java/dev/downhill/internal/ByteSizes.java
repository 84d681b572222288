package dev.downhill.internal;

import java.util.Locale;

/** Sizes written the way users write them: a number of bytes, or with a k/m/g/t suffix (powers of 1024). */
public final class ByteSizes {
    private ByteSizes() {
    }

    /** {@code bytes} for a message: "512 bytes", "64 kB", "300 MB", "7.2 GB", "1.5 TB" (powers of 1000). */
    public static String format(double bytes) {
        if (bytes >= 1e12) {
            return String.format(Locale.ROOT, "%.1f TB", bytes / 1e12);
        }
        if (bytes >= 1e9) {
            return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
        }
        if (bytes >= 1e6) {
            return String.format(Locale.ROOT, "%.0f MB", bytes / 1e6);
        }
        return bytes >= 1e3 ? String.format(Locale.ROOT, "%.0f kB", bytes / 1e3) : bytes == 1 ? "1 byte"
                : String.format(Locale.ROOT, "%.0f bytes", bytes);
    }

    /**
     * Parses "123", "64k", "1.5g", "512M", "16g", "1t".
     *
     * @param what named in the error, e.g. "--memory-budget" or a property name
     * @throws IllegalArgumentException unless the text is a positive size below 2^63 bytes
     */
    public static long parse(String text, String what) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        switch (last) {
            case 'k': unit = 1L << 10; break;
            case 'm': unit = 1L << 20; break;
            case 'g': unit = 1L << 30; break;
            case 't': unit = 1L << 40; break;
            default: break;
        }
        String number = unit == 1 ? t : t.substring(0, t.length() - 1).trim();
        try {
            double bytes = Double.parseDouble(number) * unit;
            if (bytes >= 1 && bytes < 0x1p63) {
                return (long) bytes;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(what + " must be a size such as 512m or 16g, got '" + text + "'");
    }
}
