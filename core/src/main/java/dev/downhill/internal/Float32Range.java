package dev.downhill.internal;

/**
 * What rounding a float64 value to float32 must not do silently: overflow to an infinity, or turn a
 * non-zero value into 0 or a subnormal (below {@link Float#MIN_NORMAL} ≈ 1.18e-38, where float32
 * keeps fewer significant bits, down to none) that is not the value itself. Every float64 → float32 conversion of
 * input data (the readers, {@code Dataset.toPrecision}, sparse y) refuses such values with {@link #problem}; a value
 * that is already a float32 subnormal (float32 data read or rebuilt as float32) converts exactly and is kept.
 */
public final class Float32Range {
    private Float32Range() {
    }

    /**
     * Whether {@code v} (finite or not) loses its magnitude in float32: finite but overflowing, or non-zero, below
     * float32's normal range and not exactly a float32 subnormal.
     */
    public static boolean lost(double v) {
        float f = (float) v;
        return Float.isInfinite(f) && Double.isFinite(v) || v != 0 && Math.abs(f) < Float.MIN_NORMAL && (double) f != v;
    }

    /**
     * Why {@code v} cannot be held in float32 ("1.0E-50 is below float32's normal range …"), or null when it can (NaN
     * and infinities are left to the finiteness checks).
     */
    public static String problem(double v) {
        float f = (float) v;
        if (Float.isInfinite(f) && Double.isFinite(v)) {
            return v + " is beyond float32's range (±" + Float.MAX_VALUE + ")";
        }
        if (v != 0 && Math.abs(f) < Float.MIN_NORMAL && (double) f != v) {
            return v + " is below float32's normal range (magnitudes from " + Float.MIN_NORMAL + "): it would become "
                    + (f == 0 ? "0" : "the subnormal " + f + ", with fewer significant bits");
        }
        return null;
    }

    /** How to ask for float64, on the command line and in the library, for the messages that advise it. */
    public static final String FLOAT64_SETTING = "--precision float64; in the library, Precision.FLOAT64";

    /** The advice that follows {@link #problem} in a message. */
    public static final String ADVICE = "read the data in float64 (" + FLOAT64_SETTING + ") or rescale it";
}
