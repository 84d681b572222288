package dev.downhill.spi;

/**
 * The centring bookkeeping of the extended-precision residual passes ({@link HostExtendedResidual} over dense X,
 * {@link SparseExtendedResidual} over CSR X), once: the column means x̄ and ȳ in double-double (each the quotient of a
 * double-double sum by m or Σw), and what the passes derive from them —
 * <pre>  offset(θ) = x̄ᵀθ − ȳ   (so that rᵢ = yᵢ − xᵢᵀθ + offset),
 *   intercept(θ) = ȳ − x̄ᵀθ,
 *   X_cᵀr = Σᵢ xᵢrᵢ − x̄·Σᵢ rᵢ</pre>
 * every product split exactly with {@link Math#fma} and every sum a two-sum. An uncentred pass uses {@link #NONE} (all
 * zeros: the offset and intercept are 0 and the sums pass through). Immutable.
 */
final class DoubleDoubleMeans {
    /** The means of an uncentred pass: none. */
    static final DoubleDoubleMeans NONE = new DoubleDoubleMeans(null, null, 0, 0);

    private final double[] meanHi;
    private final double[] meanLo;
    private final double targetHi;
    private final double targetLo;

    private DoubleDoubleMeans(double[] meanHi, double[] meanLo, double targetHi, double targetLo) {
        this.meanHi = meanHi;
        this.meanLo = meanLo;
        this.targetHi = targetHi;
        this.targetLo = targetLo;
    }

    /**
     * The means (Σᵢ wᵢxᵢ)/(Σw) and (Σᵢ wᵢyᵢ)/(Σw) from double-double sums: column j's sum is (sumHi[j], sumLo[j]),
     * y's (targetSumHi, targetSumLo), Σw is (weightHi, weightLo) — (m, 0) when unweighted. The arrays are not kept.
     */
    static DoubleDoubleMeans of(double[] sumHi, double[] sumLo, int n, double targetSumHi, double targetSumLo,
                                double weightHi, double weightLo) {
        double[] hi = new double[n];
        double[] lo = new double[n];
        for (int j = 0; j < n; j++) {
            double[] q = divide(sumHi[j], sumLo[j], weightHi, weightLo);
            hi[j] = q[0];
            lo[j] = q[1];
        }
        double[] q = divide(targetSumHi, targetSumLo, weightHi, weightLo);
        return new DoubleDoubleMeans(hi, lo, q[0], q[1]);
    }

    boolean centred() {
        return meanHi != null;
    }

    /** The column means and ȳ each rounded to the nearest double (zeros of length n when uncentred). */
    ColumnStatistics rounded(int n) {
        return new ColumnStatistics(centred() ? meanHi.clone() : new double[n], targetHi);
    }

    /**
     * What {@link #rounded} leaves out: each mean's low part, x̄ⱼ − x̄ⱼ,hi, columns then ȳ (n + 1 values; zeros when
     * uncentred). With the rounded means it is the double-double mean.
     */
    double[] lowParts(int n) {
        double[] out = new double[n + 1];
        if (centred()) {
            System.arraycopy(meanLo, 0, out, 0, n);
            out[n] = targetLo;
        }
        return out;
    }

    /** b = ȳ − x̄ᵀθ in double-double, rounded; 0 when uncentred. */
    double intercept(double[] theta) {
        if (!centred()) {
            return 0;
        }
        double hi = targetHi;
        double lo = targetLo;
        for (int j = 0; j < theta.length; j++) { // b −= (x̄ⱼ,hi + x̄ⱼ,lo)·θⱼ
            double p = meanHi[j] * theta[j];
            double pe = Math.fma(meanHi[j], theta[j], -p) + meanLo[j] * theta[j];
            double s = hi - p;
            double v = s - hi;
            lo += ((hi - (s - v)) + (-p - v)) - pe;
            hi = s;
        }
        return hi + lo;
    }

    /** offset = x̄ᵀθ − ȳ as a normalised double-double {hi, lo}; {0, 0} when uncentred. */
    double[] offset(double[] theta) {
        if (!centred()) {
            return new double[] {0, 0};
        }
        double hi = -targetHi;
        double lo = -targetLo;
        for (int j = 0; j < theta.length; j++) {
            double p = meanHi[j] * theta[j];
            double pe = Math.fma(meanHi[j], theta[j], -p) + meanLo[j] * theta[j];
            double s = hi + p;
            double v = s - hi;
            lo += ((hi - (s - v)) + (p - v)) + pe;
            hi = s;
        }
        double s = hi + lo;
        return new double[] {s, lo - (s - hi)};
    }

    /**
     * X_cᵀr = Σᵢ xᵢrᵢ − x̄·Σᵢ rᵢ from the double-double sums (sumHi[j], sumLo[j]) = Σᵢ Xᵢⱼrᵢ and (totalHi, totalLo) =
     * Σᵢ rᵢ (weighted: wᵢrᵢ in place of rᵢ), rounded to doubles; the sums themselves when uncentred.
     */
    double[] centre(double[] sumHi, double[] sumLo, int n, double totalHi, double totalLo) {
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            double hi = sumHi[j];
            double lo = sumLo[j];
            if (centred()) { // − x̄ⱼ·Σr
                double p = meanHi[j] * totalHi;
                double pe = Math.fma(meanHi[j], totalHi, -p) + meanHi[j] * totalLo + meanLo[j] * totalHi;
                double s = hi - p;
                double v = s - hi;
                lo += ((hi - (s - v)) + (-p - v)) - pe;
                hi = s;
            }
            out[j] = hi + lo;
        }
        return out;
    }

    /** (hi + lo) / (dh + dl) in double-double (dl = 0: exactly the division by a double). */
    private static double[] divide(double hi, double lo, double dh, double dl) {
        double q = hi / dh;
        double p = q * dh;
        double pe = Math.fma(q, dh, -p);
        double r = dl == 0 ? ((hi - p) - pe + lo) / dh : ((hi - p) - pe + lo - q * dl) / dh;
        double h = q + r;
        return new double[] {h, r - (h - q)};
    }
}
