package dev.downhill.internal;

import java.util.Arrays;

/** A growable list of doubles (loss and gradient-norm histories). */
public final class History {
    private double[] values = new double[64];
    private int size;

    public void add(double v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = v;
    }

    /** Replaces the last value (there must be one). */
    public void setLast(double v) {
        if (size == 0) {
            throw new IllegalStateException("no value to replace");
        }
        values[size - 1] = v;
    }

    public double[] toArray() {
        return Arrays.copyOf(values, size);
    }

    /** The number of values. */
    public int size() {
        return size;
    }

    /** The smallest of values [from, to) (+∞ when empty; the range is clipped to the values there are). */
    public double min(long from, long to) {
        double min = Double.POSITIVE_INFINITY;
        for (int i = (int) Math.max(0, from); i < Math.min(to, size); i++) {
            min = Math.min(min, values[i]);
        }
        return min;
    }

    /** The largest of values [from, to) (−∞ when empty; the range is clipped to the values there are). */
    public double max(long from, long to) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = (int) Math.max(0, from); i < Math.min(to, size); i++) {
            max = Math.max(max, values[i]);
        }
        return max;
    }
}
