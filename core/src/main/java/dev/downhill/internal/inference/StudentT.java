package dev.downhill.internal.inference;

/**
 * Student's t distribution with ν &gt; 0 degrees of freedom (ν need not be an integer): its tail probabilities, for
 * the p-values of {@link dev.downhill.CoefficientInference}. With x = ν/(ν + t²) and y = t²/(ν + t²) (each computed
 * directly, never as 1 minus the other):
 * <pre>  P(|T| ≥ |t|) = I_x(ν/2, ½),   P(T ≥ t) = ½·I_x(ν/2, ½) for t ≥ 0</pre>
 * ({@link RegularizedBeta}; Abramowitz and Stegun 26.7.1 and 26.5.27). Accurate to about 1e-14 relative wherever the
 * probability is a normal double, including the far tails (1e-300) and huge ν (10¹⁰ and beyond, where T is normal to
 * within 1/ν); below 2.2e-308 the result is 0 or subnormal.
 */
public final class StudentT {
    private final double degreesOfFreedom;

    /** @throws IllegalArgumentException unless ν &gt; 0 (infinity excluded: there the distribution is the normal one) */
    public StudentT(double degreesOfFreedom) {
        if (!(degreesOfFreedom > 0) || degreesOfFreedom == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("a t distribution needs finite degrees of freedom > 0, got " + degreesOfFreedom);
        }
        this.degreesOfFreedom = degreesOfFreedom;
    }

    public double degreesOfFreedom() {
        return degreesOfFreedom;
    }

    /** P(|T| ≥ |t|), the two-sided p-value of a t statistic: 1 at t = 0, 0 at ±∞, NaN for NaN. */
    public double twoSidedPValue(double t) {
        if (Double.isNaN(t)) {
            return Double.NaN;
        }
        double s = Math.abs(t);
        if (s == 0) {
            return 1;
        }
        double nu = degreesOfFreedom;
        double x;
        double y;
        double square = s * s;
        if (square < Double.POSITIVE_INFINITY && nu + square < Double.POSITIVE_INFINITY) {
            x = nu / (nu + square);
            y = square / (nu + square);
        } else { // t² overflows: x = ν/t² to rounding, y = 1
            x = nu / s / s;
            y = 1;
        }
        return RegularizedBeta.value(x, y, nu / 2, 0.5);
    }

    /** P(T ≥ t), the upper tail (SciPy's {@code t.sf}). */
    public double survival(double t) {
        if (Double.isNaN(t)) {
            return Double.NaN;
        }
        double half = twoSidedPValue(t) / 2;
        return t >= 0 ? half : 1 - half;
    }

    /** P(T ≤ t), the distribution function (SciPy's {@code t.cdf}). */
    public double cdf(double t) {
        return survival(-t);
    }
}
