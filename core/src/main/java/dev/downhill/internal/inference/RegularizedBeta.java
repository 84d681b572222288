package dev.downhill.internal.inference;

/**
 * The regularized incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b), for the Student t distribution's tails
 * ({@link StudentT}). Both x and y = 1 − x are taken from the caller, each computed without cancellation, so that a
 * tail near x = 1 keeps its relative accuracy.
 *
 * <p>Method (Numerical Recipes §6.4; DiDonato and Morris' BRATIO for the prefactor): for x &lt; (a + 1)/(a + b + 2),
 * <pre>  I_x(a, b) = x^a y^b / (a·B(a, b)) · 1/(1 + d₁/(1 + d₂/(1 + …)))</pre>
 * with d₂ₖ₊₁ = −(a + k)(a + b + k)x / ((a + 2k)(a + 2k + 1)) and d₂ₖ = k(b − k)x / ((a + 2k − 1)(a + 2k)), evaluated by
 * the modified Lentz method; otherwise I_x(a, b) = 1 − I_y(b, a). The continued fraction then converges in a number of
 * terms that grows like √max(a, b) at worst (near the switch point), and like (a + b)·min(x, y) — for the t distribution,
 * t²/2 — in the tails. The prefactor x^a y^b / B(a, b) is formed in logarithms, with the large terms of ln B(a, b)
 * (Stirling's series, R's {@code lbeta}) combined with the powers before rounding, so that a huge b (a t distribution with
 * 10¹⁰ degrees of freedom) costs no digits to cancellation. Accuracy: about 1e-14 relative wherever the result is a normal
 * double, apart from the conditioning of the function itself (a tail value e^−L has a relative condition of about L with
 * respect to its own logarithm's argument); results below the smallest normal are 0 or subnormal.
 */
public final class RegularizedBeta {
    /** ln √(2π). */
    private static final double LN_SQRT_2PI = 0.918938533204672741780329736406;
    /** Lanczos' g for {@link #LANCZOS} (Godfrey's coefficients, as in Apache Commons Math). */
    private static final double LANCZOS_G = 607.0 / 128.0;
    private static final double[] LANCZOS = {
        0.99999999999999709182, 57.156235665862923517, -59.597960355475491248, 14.136097974741747174,
        -0.49191381609762019978, .33994649984811888699e-4, .46523628927048575665e-4, -.98374475304879564677e-4,
        .15808870322491248884e-3, -.21026444172410488319e-3, .21743961811521264320e-3, -.16431810653676389022e-3,
        .84418223983852743293e-4, -.26190838401581408670e-4, .36899182659531622704e-5,
    };
    /** From this argument on, ln Γ is Stirling's series with {@link #stirlingCorrection}. */
    private static final double STIRLING_FROM = 10;
    /** The continued fraction stops when a factor is within this of 1. */
    private static final double EPSILON = 0x1p-53;
    /** Lentz's stand-in for a zero denominator. */
    private static final double TINY = 1e-300;
    /** The continued fraction's terms at most (the tails need about t²/2; the switch point √max(a, b)). */
    static final int MAX_TERMS = 1_000_000;
    /** Below this logarithm the prefactor (times any continued fraction's value) underflows to 0. */
    private static final double LN_UNDERFLOW = -760;

    private RegularizedBeta() {
    }

    /**
     * I_x(a, b), given x and y = 1 − x each computed by the caller without cancellation (x + y = 1 to rounding).
     *
     * @throws IllegalArgumentException when a or b is not positive, or x or y is outside [0, 1]
     * @throws ArithmeticException      when the continued fraction does not converge in {@value #MAX_TERMS} terms (a or b
     *                                  beyond about 10²⁴ near the distribution's centre)
     */
    public static double value(double x, double y, double a, double b) {
        if (Double.isNaN(x) || Double.isNaN(y) || Double.isNaN(a) || Double.isNaN(b)) {
            return Double.NaN;
        }
        if (!(a > 0) || !(b > 0) || x < 0 || x > 1 || y < 0 || y > 1) {
            throw new IllegalArgumentException("I_x(a, b) needs a, b > 0 and x, y in [0, 1]: x = " + x + ", y = " + y
                    + ", a = " + a + ", b = " + b);
        }
        if (x == 0) {
            return 0;
        }
        if (y == 0) {
            return 1;
        }
        if (x < (a + 1) / (a + b + 2)) {
            return direct(x, y, a, b);
        }
        return 1 - direct(y, x, b, a);
    }

    /** x^a y^b / (a·B(a, b)) times the continued fraction, for x below the switch point. */
    private static double direct(double x, double y, double a, double b) {
        double lnPrefactor = lnPowersOverBeta(x, y, a, b);
        if (lnPrefactor < LN_UNDERFLOW) {
            return 0; // the continued fraction's value is at most O(a + b): the result underflows
        }
        return Math.exp(lnPrefactor) * continuedFraction(x, y, a, b) / a;
    }

    /**
     * 1/(1 + d₁/(1 + d₂/(1 + …))) through its even contraction 1/(β₀ + α₁/(β₁ + α₂/(β₂ + …))), β₀ = 1 + d₁,
     * βₖ = 1 + d₂ₖ + d₂ₖ₊₁ and αₖ = −d₂ₖ₋₁d₂ₖ, by the modified Lentz method. The β are formed as polynomials in y = 1 − x
     * with the cancellation done symbolically:
     * <pre>  β₀ = (1 − b + (a + b)y)/(a + 1)
     *   βₖ = (a(2k + 1 − b) + b + 2k² − 1 + y(a(a + b + 2k − 1) − b + 2k²)) / ((a + 2k − 1)(a + 2k + 1))</pre>
     * when y &lt; x. Written as 1 + d with d ≈ −x, the terms lose log₁₀ a digits when x is near 1 and a large (a t
     * distribution with 10⁶ degrees of freedom lost 5 of them at t = 2, and 10¹⁵ all of them); in this form nothing cancels
     * there. When x ≤ y the β are 1 + d₂ₖ + d₂ₖ₊₁ as they are (with b large and y near 1 the polynomial form would cancel
     * instead: the t distribution's I_y(½, ν/2) with ν = 10¹⁰).
     */
    private static double continuedFraction(double x, double y, double a, double b) {
        boolean nearOne = y < x; // x near 1: β in y (see above); otherwise 1 + d's as they are, whose terms are then O(1)
        double h = nearOne ? (1 - b + (a + b) * y) / (a + 1) : 1 - (a + b) * x / (a + 1);
        h = Math.abs(h) < TINY ? TINY : h;
        double c = h;
        double d = 0;
        for (int k = 1; k <= MAX_TERMS; k++) {
            double oddBefore = -(a + k - 1) * (a + b + k - 1) * x / ((a + 2 * k - 2) * (a + 2 * k - 1)); // d₂ₖ₋₁
            double even = k * (b - k) * x / ((a + 2 * k - 1) * (a + 2 * k)); // d₂ₖ
            double alpha = -oddBefore * even;
            double kk = (double) k * k;
            double beta = nearOne ? (a * (2 * k + 1 - b) + b + 2 * kk - 1 + y * (a * (a + b + 2 * k - 1) - b + 2 * kk))
                    / ((a + 2 * k - 1) * (a + 2 * k + 1))
                    : 1 + even - (a + k) * (a + b + k) * x / ((a + 2 * k) * (a + 2 * k + 1));
            d = beta + alpha * d;
            d = Math.abs(d) < TINY ? TINY : d;
            d = 1 / d;
            c = beta + alpha / c;
            c = Math.abs(c) < TINY ? TINY : c;
            double factor = c * d;
            h *= factor;
            if (Math.abs(factor - 1) <= EPSILON) {
                return 1 / h;
            }
        }
        throw new ArithmeticException("the incomplete beta function's continued fraction did not converge in " + MAX_TERMS
                + " terms (a = " + a + ", b = " + b + ", x = " + x + ")");
    }

    /**
     * ln(x^a y^b / B(a, b)). With p = min(a, b), q = max(a, b) and Δ(z) = ln Γ(z) − ((z − ½)ln z − z + ln√(2π)) (Stirling's
     * correction):
     * <ul>
     *   <li>q &lt; 10: a·ln x + b·ln y − (ln Γ(a) + ln Γ(b) − ln Γ(a + b)), every term of moderate size;</li>
     *   <li>p &lt; 10 ≤ q: ln B = ln Γ(p) + Δ(q) − Δ(p + q) + p − p·ln(p + q) + (q − ½)·ln(1 − p/(p + q)); p's power and
     *       −p·ln(p + q) are formed as one logarithm p·ln(u·(p + q)), u the variable p multiplies, so that nothing of size
     *       ln q cancels;</li>
     *   <li>10 ≤ p: ln B = −½ ln q + ln√(2π) + Δ(p) + Δ(q) − Δ(p + q) + (p − ½)·ln(p/(p + q)) + q·ln(1 − p/(p + q)).</li>
     * </ul>
     */
    static double lnPowersOverBeta(double x, double y, double a, double b) {
        double lnX = x <= 0.5 ? Math.log(x) : Math.log1p(-y);
        double lnY = y <= 0.5 ? Math.log(y) : Math.log1p(-x);
        double p = Math.min(a, b);
        double q = Math.max(a, b);
        if (q < STIRLING_FROM) {
            return a * lnX + b * lnY - (lnGamma(a) + lnGamma(b) - lnGamma(a + b));
        }
        double sum = p + q;
        if (p < STIRLING_FROM) {
            double uP = a == p ? x : y; // the variable p is the power of
            double lnQPower = a == p ? b * lnY : a * lnX;
            double lnPPower = Math.log(uP * sum);
            if (!Double.isFinite(lnPPower) || uP * sum == 0) { // u·(p + q) outside the range: separate logarithms
                lnPPower = Math.log(uP) + Math.log(sum);
            }
            double corr = stirlingCorrection(q) - stirlingCorrection(sum);
            return p * lnPPower + lnQPower - lnGamma(p) - corr - p - (q - 0.5) * Math.log1p(-p / sum);
        }
        double corr = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(sum);
        double lnBeta = -0.5 * Math.log(q) + LN_SQRT_2PI + corr + (p - 0.5) * Math.log(p / sum) + q * Math.log1p(-p / sum);
        return a * lnX + b * lnY - lnBeta;
    }

    /**
     * ln Γ(z) for z &gt; 0: Lanczos' approximation below 10 (about 2e-15 absolute), Stirling's series with
     * {@link #stirlingCorrection} from there.
     */
    static double lnGamma(double z) {
        if (z >= STIRLING_FROM) {
            return (z - 0.5) * Math.log(z) - z + LN_SQRT_2PI + stirlingCorrection(z);
        }
        double sum = 0;
        for (int i = LANCZOS.length - 1; i > 0; i--) {
            sum += LANCZOS[i] / (z + i);
        }
        sum += LANCZOS[0];
        double t = z + LANCZOS_G + 0.5;
        return (z + 0.5) * Math.log(t) - t + LN_SQRT_2PI + Math.log(sum / z);
    }

    /**
     * Δ(z) = ln Γ(z) − ((z − ½)ln z − z + ln√(2π)) for z ≥ 10: the asymptotic series Σ B₂ₖ/(2k(2k − 1)z^(2k−1)) to
     * k = 7, whose first omitted term is below 4e-17 at z = 10.
     */
    static double stirlingCorrection(double z) {
        double r = 1 / z;
        double r2 = r * r;
        return r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680 + r2 * (1.0 / 1188
                + r2 * (-691.0 / 360360 + r2 * (1.0 / 156)))))));
    }
}
