package dev.downhill.testing;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * An independent reference: the least-squares solution computed in BigDecimal arithmetic with
 * 60 significant digits, by forming the (centred) normal equations exactly from the double inputs
 * and solving them with Gaussian elimination (partial pivoting). For small, full-rank problems only.
 */
public final class ExactLeastSquares {
    private static final MathContext MC = new MathContext(60);

    private ExactLeastSquares() {
    }

    /** Returns [θ₁ … θₙ, b] (b = 0 when {@code intercept} is false). */
    public static double[] solve(double[][] x, double[] y, boolean intercept) {
        return solve(x, y, null, intercept);
    }

    /**
     * Weighted least squares: minimises Σᵢ wᵢ(yᵢ − xᵢᵀθ − b)² (weighted means, X_cᵀWX_c θ = X_cᵀWy_c), exactly from
     * the double inputs; {@code w} null means every weight 1. Returns [θ₁ … θₙ, b].
     */
    public static double[] solve(double[][] x, double[] y, double[] w, boolean intercept) {
        return solve(x, y, w, intercept, null);
    }

    /**
     * Ridge: [θ, b] solving (X_cᵀX_c + diag(Λ))θ = X_cᵀy_c exactly (60 digits) from the double inputs; Λ = null for
     * plain least squares. With every Λⱼ &gt; 0 the system is definite, so wide X is fine.
     */
    public static double[] solveRidge(double[][] x, double[] y, boolean intercept, double[] ridge) {
        return solve(x, y, null, intercept, ridge);
    }

    /** Weighted ridge: (X_cᵀWX_c + diag(Λ))θ = X_cᵀWy_c with weighted means, exactly; w and Λ may be null. */
    public static double[] solve(double[][] x, double[] y, double[] w, boolean intercept, double[] ridge) {
        int m = x.length;
        int n = x[0].length;
        BigDecimal[] means = new BigDecimal[n];
        BigDecimal yMean = BigDecimal.ZERO;
        for (int j = 0; j < n; j++) {
            means[j] = BigDecimal.ZERO;
        }
        if (intercept) {
            BigDecimal total = BigDecimal.ZERO;
            for (int i = 0; i < m; i++) {
                BigDecimal wi = w == null ? BigDecimal.ONE : new BigDecimal(w[i]);
                total = total.add(wi);
                for (int j = 0; j < n; j++) {
                    means[j] = means[j].add(wi.multiply(new BigDecimal(x[i][j])));
                }
                yMean = yMean.add(wi.multiply(new BigDecimal(y[i])));
            }
            BigDecimal bm = w == null ? BigDecimal.valueOf(m) : total;
            for (int j = 0; j < n; j++) {
                means[j] = means[j].divide(bm, MC);
            }
            yMean = yMean.divide(bm, MC);
        }
        BigDecimal[][] a = new BigDecimal[n][n + 1];
        for (BigDecimal[] row : a) {
            java.util.Arrays.fill(row, BigDecimal.ZERO);
        }
        BigDecimal[] xc = new BigDecimal[n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                xc[j] = new BigDecimal(x[i][j]).subtract(means[j], MC);
            }
            BigDecimal yc = new BigDecimal(y[i]).subtract(yMean, MC);
            if (w != null) { // w·x_c, so that the sums below are Σ w x_c x_cᵀ and Σ w x_c y_c
                BigDecimal wi = new BigDecimal(w[i]);
                yc = yc.multiply(wi, MC);
            }
            for (int j = 0; j < n; j++) {
                for (int k = j; k < n; k++) {
                    BigDecimal p = xc[j].multiply(xc[k], MC);
                    a[j][k] = a[j][k].add(w == null ? p : p.multiply(new BigDecimal(w[i]), MC), MC);
                }
                a[j][n] = a[j][n].add(xc[j].multiply(yc, MC), MC);
            }
        }
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < j; k++) {
                a[j][k] = a[k][j];
            }
            if (ridge != null) {
                a[j][j] = a[j][j].add(new BigDecimal(ridge[j]), MC);
            }
        }
        BigDecimal[] theta = gauss(a, n);
        double[] out = new double[n + 1];
        BigDecimal b = yMean;
        for (int j = 0; j < n; j++) {
            out[j] = theta[j].doubleValue();
            b = b.subtract(means[j].multiply(theta[j], MC), MC);
        }
        out[n] = intercept ? b.doubleValue() : 0;
        return out;
    }

    private static BigDecimal[] gauss(BigDecimal[][] a, int n) {
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int r = c + 1; r < n; r++) {
                if (a[r][c].abs().compareTo(a[pivot][c].abs()) > 0) {
                    pivot = r;
                }
            }
            BigDecimal[] t = a[c];
            a[c] = a[pivot];
            a[pivot] = t;
            if (a[c][c].signum() == 0) {
                throw new ArithmeticException("singular system");
            }
            for (int r = c + 1; r < n; r++) {
                BigDecimal f = a[r][c].divide(a[c][c], MC);
                for (int k = c; k <= n; k++) {
                    a[r][k] = a[r][k].subtract(f.multiply(a[c][k], MC), MC);
                }
            }
        }
        BigDecimal[] x = new BigDecimal[n];
        for (int r = n - 1; r >= 0; r--) {
            BigDecimal s = a[r][n];
            for (int k = r + 1; k < n; k++) {
                s = s.subtract(a[r][k].multiply(x[k], MC), MC);
            }
            x[r] = s.divide(a[r][r], MC);
        }
        return x;
    }
}
