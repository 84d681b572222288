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

    public double[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
