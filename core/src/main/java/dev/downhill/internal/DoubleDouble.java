package dev.downhill.internal;

/**
 * A double-double accumulator: a sum carried as hi + lo with |lo| ≤ ulp(hi)/2, about 106 bits of
 * significand, using error-free transformations (Knuth's TwoSum; TwoProduct via {@link Math#fma}).
 * Mutable; for residuals that must not lose the digits a float64 sum would cancel.
 */
public final class DoubleDouble {
    private double hi;
    private double lo;

    public DoubleDouble() {
    }

    public DoubleDouble(double hi, double lo) {
        this.hi = hi;
        this.lo = lo;
    }

    public double hi() {
        return hi;
    }

    public double lo() {
        return lo;
    }

    /** The value rounded to double. */
    public double value() {
        return hi + lo;
    }

    public DoubleDouble set(double h, double l) {
        double s = h + l;
        lo = l - (s - h);
        hi = s;
        return this;
    }

    /** this += a (exactly, before renormalisation). */
    public DoubleDouble add(double a) {
        double s = hi + a;
        double bb = s - hi;
        double err = (hi - (s - bb)) + (a - bb);
        return set(s, lo + err);
    }

    /** this += other. */
    public DoubleDouble add(DoubleDouble other) {
        double s = hi + other.hi;
        double bb = s - hi;
        double err = (hi - (s - bb)) + (other.hi - bb);
        return set(s, lo + other.lo + err);
    }

    /** this += a·b with the product exact. */
    public DoubleDouble addProduct(double a, double b) {
        double p = a * b;
        double e = Math.fma(a, b, -p);
        add(p);
        lo += e;
        return set(hi, lo);
    }

    /** this += (x.hi + x.lo)·b, the product exact to double-double precision. */
    public DoubleDouble addProduct(DoubleDouble x, double b) {
        addProduct(x.hi, b);
        lo += x.lo * b;
        return set(hi, lo);
    }

    /** this ← this / d (to double-double precision). */
    public DoubleDouble divide(double d) {
        double q = hi / d;
        double p = q * d;
        double e = Math.fma(q, d, -p);
        double r = ((hi - p) - e + lo) / d;
        return set(q, r);
    }

    public DoubleDouble negate() {
        hi = -hi;
        lo = -lo;
        return this;
    }
}
