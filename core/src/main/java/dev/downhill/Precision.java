package dev.downhill;

/** Floating-point precision of the data matrix and of the backend's working vectors. */
public enum Precision {
    /** IEEE 754 binary32: 4 bytes per element. */
    FLOAT32(4),
    /** IEEE 754 binary64: 8 bytes per element. */
    FLOAT64(8);

    private final int bytes;

    Precision(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Parses {@code float32|float64} (also {@code f32|f64|single|double}), case-insensitive. */
    public static Precision parse(String text) {
        java.util.Objects.requireNonNull(text, "text");
        switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "float32": case "f32": case "single": case "float": return FLOAT32;
            case "float64": case "f64": case "double": return FLOAT64;
            default: throw new IllegalArgumentException(
                    "unknown precision '" + text + "': expected float32 or float64");
        }
    }
}
