package dev.downhill.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes little-endian .npy elements from a byte buffer into a Java array of the target
 * precision, and finds non-finite values. Integers are converted by Java's rounding casts
 * (round to nearest, ties to even), float64 to float32 likewise (values beyond the float range
 * become infinite, and tiny non-zero ones 0 or subnormal: both are then reported).
 */
final class ChunkDecoder {
    private ChunkDecoder() {
    }

    /** Decodes {@code count} elements of {@code type} from {@code src} (from index 0; order is set here) into {@code dst[0, count)}. */
    static void decode(ByteBuffer src, NpyDtype type, int count, float[] dst) {
        ByteBuffer b = src.duplicate().position(0).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT32:
                b.asFloatBuffer().get(dst, 0, count);
                break;
            case FLOAT64: {
                java.nio.DoubleBuffer s = b.asDoubleBuffer();
                for (int i = 0; i < count; i++) {
                    dst[i] = (float) s.get(i);
                }
                break;
            }
            case INT32: {
                java.nio.IntBuffer s = b.asIntBuffer();
                for (int i = 0; i < count; i++) {
                    dst[i] = s.get(i);
                }
                break;
            }
            case INT64: {
                java.nio.LongBuffer s = b.asLongBuffer();
                for (int i = 0; i < count; i++) {
                    dst[i] = s.get(i);
                }
                break;
            }
            default:
                throw new AssertionError(type);
        }
    }

    /** Decodes {@code count} elements of {@code type} from {@code src} into {@code dst[0, count)}. */
    static void decode(ByteBuffer src, NpyDtype type, int count, double[] dst) {
        ByteBuffer b = src.duplicate().position(0).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT32: {
                java.nio.FloatBuffer s = b.asFloatBuffer();
                for (int i = 0; i < count; i++) {
                    dst[i] = s.get(i);
                }
                break;
            }
            case FLOAT64:
                b.asDoubleBuffer().get(dst, 0, count);
                break;
            case INT32: {
                java.nio.IntBuffer s = b.asIntBuffer();
                for (int i = 0; i < count; i++) {
                    dst[i] = s.get(i);
                }
                break;
            }
            case INT64: {
                java.nio.LongBuffer s = b.asLongBuffer();
                for (int i = 0; i < count; i++) {
                    dst[i] = s.get(i);
                }
                break;
            }
            default:
                throw new AssertionError(type);
        }
    }

    /**
     * Index of the first value of {@code a[0, count)} — float32 roundings of the float64 values staged in {@code src} —
     * that is not finite, or whose float64 original is non-zero but rounded to 0 or a subnormal other than itself; -1 when
     * none.
     */
    static int firstLostOrNonFinite(ByteBuffer src, float[] a, int count) {
        for (int i = 0; i < count; i++) {
            float f = a[i];
            if (!Float.isFinite(f)) {
                return i;
            }
            double v = src.getDouble(i * 8);
            if (Math.abs(f) < Float.MIN_NORMAL && v != 0 && (double) f != v) { // lost, not already a float32 subnormal
                return i;
            }
        }
        return -1;
    }

    /** Index of the first NaN or infinity in {@code a[0, count)}, or -1. */
    static int firstNonFinite(float[] a, int count) {
        for (int i = 0; i < count; i++) {
            if (!Float.isFinite(a[i])) {
                return i;
            }
        }
        return -1;
    }

    /** Index of the first NaN or infinity in {@code a[0, count)}, or -1. */
    static int firstNonFinite(double[] a, int count) {
        for (int i = 0; i < count; i++) {
            if (!Double.isFinite(a[i])) {
                return i;
            }
        }
        return -1;
    }
}
