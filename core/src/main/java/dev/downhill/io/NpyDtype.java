package dev.downhill.io;

import dev.downhill.Precision;
import java.nio.file.Path;

/**
 * The .npy element types the readers accept: little-endian float32, float64, int32 and int64,
 * named by their NumPy type strings ({@code descr}). Integers are converted to floating point
 * while streaming; their natural precision is float64 because float64 holds every int32 exactly
 * (float32 holds integers exactly only up to 2²⁴) and every int64 up to 2⁵³ (larger ones are
 * rounded to the nearest double). Requesting float32 for integer data rounds to the nearest float.
 */
public enum NpyDtype {
    /** {@code <f4}: IEEE binary32, little-endian. Natural precision float32. */
    FLOAT32("<f4", 4, Precision.FLOAT32),
    /** {@code <f8}: IEEE binary64, little-endian. Natural precision float64. */
    FLOAT64("<f8", 8, Precision.FLOAT64),
    /** {@code <i4}: two's-complement int32, little-endian. Natural precision float64 (exact). */
    INT32("<i4", 4, Precision.FLOAT64),
    /** {@code <i8}: two's-complement int64, little-endian. Natural precision float64 (exact up to 2⁵³). */
    INT64("<i8", 8, Precision.FLOAT64);

    private static final String SUPPORTED = "<f4 (float32), <f8 (float64), <i4 (int32), <i8 (int64)";

    private final String descr;
    private final int itemSize;
    private final Precision naturalPrecision;

    NpyDtype(String descr, int itemSize, Precision naturalPrecision) {
        this.descr = descr;
        this.itemSize = itemSize;
        this.naturalPrecision = naturalPrecision;
    }

    /** The NumPy type string, e.g. {@code <f4}. */
    public String descr() {
        return descr;
    }

    /** Bytes per element in the file. */
    public int itemSize() {
        return itemSize;
    }

    /** The precision a reader produces when the caller asks for none: float32 for {@code <f4}, else float64. */
    public Precision naturalPrecision() {
        return naturalPrecision;
    }

    /** Whether elements are floating point (and so may be NaN or infinite). */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** The dtype a writer uses for {@code precision}: {@code <f4} or {@code <f8}. */
    public static NpyDtype of(Precision precision) {
        return precision == Precision.FLOAT64 ? FLOAT64 : FLOAT32;
    }

    /**
     * The dtype named by a header's {@code descr}.
     *
     * @throws MalformedFileException naming {@code file} for big-endian, native-order ({@code =})
     *                                or unsupported types
     */
    static NpyDtype parse(String descr, Path file) {
        for (NpyDtype t : values()) {
            if (t.descr.equals(descr)) {
                return t;
            }
        }
        String body = descr.length() > 1 ? descr.substring(1) : descr;
        boolean known = body.equals("f4") || body.equals("f8") || body.equals("i4") || body.equals("i8");
        if (descr.startsWith(">") && known) {
            throw new MalformedFileException(file, "dtype " + MalformedFileException.quote(descr) + " is big-endian, which is not supported; "
                    + "convert it to little-endian first, e.g. np.save(path, a.astype('<" + body + "'))");
        }
        if ((descr.startsWith("=") || descr.startsWith("|")) && known) {
            throw new MalformedFileException(file, "dtype " + MalformedFileException.quote(descr) + " does not state its byte order; expected '<" + body + "'");
        }
        throw new MalformedFileException(file, "unsupported dtype " + MalformedFileException.quote(descr) + ": supported are " + SUPPORTED);
    }
}
