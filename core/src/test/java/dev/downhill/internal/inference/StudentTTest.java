package dev.downhill.internal.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StudentTTest {
    /**
     * {ν, t, P(|T| ≥ |t|)}: the exact two-sided tail rounded to double, from mpmath at 60 digits, each checked against
     * SciPy 1.17.1 (Debian python3-scipy; its value in the comment, which differs from the exact one by up to 6.5e-14 in
     * the far tails). Produced by:
     * <pre>
     * /usr/bin/python3 -c '
     * from mpmath import mp, mpf, betainc; from scipy.stats import t as T; mp.dps = 60
     * for df, t in CASES:
     *     x = mpf(df)/(mpf(df)+mpf(t)**2)
     *     print(df, t, float(betainc(mpf(df)/2, mpf(1)/2, 0, x, regularized=True)), 2*T.sf(abs(t), df))'
     * </pre>
     */
    private static final double[][] TWO_SIDED = {
            {1.0, 0.5, 0.7048327646991335}, // SciPy 0.7048327646991335
            {1.0, 3.0, 0.20483276469913345}, // SciPy 0.20483276469913345
            {1.0, 1000.0, 0.0006366195601611178}, // SciPy 0.0006366195601611178
            {1.0, 1e+150, 6.366197723675813e-151}, // SciPy 6.366197723675813e-151
            {2.0, 0.1, 0.9294654384141402}, // SciPy 0.9294654384141402
            {2.0, 2.5, 0.1296117202215108}, // SciPy 0.12961172022151082
            {2.0, 1e+100, 1e-200}, // SciPy 1e-200
            {2.0, 1e+150, 1e-300}, // SciPy 1e-300
            {3.0, 1.7, 0.1876906415534101}, // SciPy 0.18769064155341003
            {5.0, -2.2, 0.07909389790318234}, // SciPy 0.07909389790318237
            {10.0, 0.0001, 0.9999221783233495}, // SciPy 0.9999221783233495
            {10.0, 4.0, 0.0025183326247366924}, // SciPy 0.0025183326247366945
            {30.0, 2.0, 0.0546250449629831}, // SciPy 0.054625044962983094
            {30.0, 45.0, 4.240284177122361e-29}, // SciPy 4.2402841771223575e-29
            {100.0, 1.96, 0.05277890136622967}, // SciPy 0.05277890136622966
            {100.0, 38.0, 3.0390316383929287e-61}, // SciPy 3.0390316383929173e-61
            {1000.0, 37.0, 1.7300788809913061e-189}, // SciPy 1.7300788809912862e-189
            {1000000.0, 2.0, 0.045500533851319205}, // SciPy 0.04550053385131924
            {1000000.0, 37.5, 1.5104468933594542e-307}, // SciPy 1.5104468933594431e-307
            {10000000000.0, 1.5, 0.13361440256928606}, // SciPy 0.13361440256928614
            {10000000000.0, 37.0, 1.1451679773266895e-299}, // SciPy 1.1451679773267643e-299
            {1000000000000000.0, 3.0, 0.0026997960632602555}, // SciPy 0.0026997960632602525
            {7.5, 3.3, 0.01189163456226118}, // SciPy 0.011891634562261168
            {0.5, 10.0, 0.20267735277133114}, // SciPy 0.20267735277133117
            {20.0, 1e-08, 0.9999999921202283}, // SciPy 0.9999999921202283
            {4.0, 100000.0, 5.999999996e-20}, // SciPy 5.999999995999999e-20
            {4.0, 1e+76, 5.999999999999999e-304}, // SciPy 5.999999999999997e-304
            {25.0, -0.3, 0.7666574936530574}, // SciPy 0.7666574936530574
            {12.0, 7.25, 1.0146567059071534e-05}, // SciPy 1.014656705907154e-05
            {200.0, -12.5, 7.155693671352485e-27}, // SciPy 7.155693671352432e-27
    };

    /**
     * The tolerance: 1e-14 relative, widened in the tails by the function's own conditioning. A tail p = e^−L depends on
     * t through y = t²/(ν + t²), which the class rounds (relative error ≤ 2ε); L ≈ (ν + 1)/2·ln(1 + t²/ν) moves by about
     * 2ε·t²·(ν + 1)/(ν + t²) ≤ 2ε·L·(ν + 1)/ν-ish, so the relative error of p may be ~4ε·L: 3e-13 at p = 1e-300 (SciPy's
     * own error there is 6.5e-14). The bound below, 1e-14 + 8ε·L, leaves a factor 2 on that.
     */
    private static double tolerance(double p) {
        return 1e-14 + 8 * Math.ulp(1.0) * Math.abs(Math.log(p));
    }

    @Test
    void twoSidedTailsMatchTheExactValues() {
        double worst = 0;
        for (double[] c : TWO_SIDED) {
            double p = new StudentT(c[0]).twoSidedPValue(c[1]);
            double relative = Math.abs(p - c[2]) / c[2];
            worst = Math.max(worst, relative / tolerance(c[2]));
            assertTrue(relative <= tolerance(c[2]), () -> "ν = " + c[0] + ", t = " + c[1] + ": " + p + " vs " + c[2]
                    + " (relative " + relative + ")");
        }
        System.out.println("StudentT: worst error / tolerance " + worst);
    }

    @Test
    void oneSidedTailsAndTheDistributionFunctionAreHalvesOfIt() {
        // SciPy: t.sf(2.5, 2) = 0.06480586011075541, t.cdf(2.5, 2) = 0.9351941398892446, t.sf(-1.7, 3) = 0.906154679223295
        StudentT two = new StudentT(2);
        assertEquals(0.06480586011075541, two.survival(2.5), 1e-14 * 0.0648);
        assertEquals(0.9351941398892446, two.cdf(2.5), 1e-15);
        assertEquals(0.906154679223295, new StudentT(3).survival(-1.7), 1e-15);
        // ν = 1 is Cauchy: P(T ≤ t) = ½ + atan(t)/π exactly; ν = 2: P(T ≥ t) = ½ − t/(2√(2 + t²))
        for (double t : new double[] {-40, -3, -0.25, 0.5, 2, 17}) {
            assertEquals(0.5 + Math.atan(t) / Math.PI, new StudentT(1).cdf(t), 4e-16);
            assertEquals(0.5 - t / (2 * Math.sqrt(2 + t * t)), two.survival(t), 4e-16);
        }
    }

    @Test
    void edgesAreExact() {
        StudentT t = new StudentT(9);
        assertEquals(1.0, t.twoSidedPValue(0));
        assertEquals(1.0, t.twoSidedPValue(-0.0));
        assertEquals(0.0, t.twoSidedPValue(Double.POSITIVE_INFINITY));
        assertEquals(0.0, t.twoSidedPValue(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(t.twoSidedPValue(Double.NaN)));
        assertEquals(0.0, t.twoSidedPValue(1e200)); // ~1e-1800: underflows to 0, not NaN
        assertEquals(0.0, new StudentT(1e10).twoSidedPValue(60)); // e^−1800 likewise
        assertEquals(0.5, t.cdf(0));
        assertThrows(IllegalArgumentException.class, () -> new StudentT(0));
        assertThrows(IllegalArgumentException.class, () -> new StudentT(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new StudentT(Double.POSITIVE_INFINITY));
    }

    @Test
    void theIncompleteBetaAgreesWithMpmathForGeneralArguments() {
        // mpmath (mp.dps = 60): betainc(a, b, 0, x, regularized=True) for (x, a, b)
        double[][] cases = {
                {0.3, 2.5, 4.0, 0.3521975859067672},
                {0.9, 12.0, 15.0, 0.99999999737743},
                {0.001, 0.5, 30.0, 0.19276269384046288},
                {0.6, 40.0, 25.0, 0.39265402308826386},
        };
        for (double[] c : cases) {
            double v = RegularizedBeta.value(c[0], 1 - c[0], c[1], c[2]);
            assertEquals(c[3], v, 1e-14 * c[3], () -> "I_" + c[0] + "(" + c[1] + ", " + c[2] + ")");
        }
    }
}
