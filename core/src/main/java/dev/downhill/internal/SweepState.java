package dev.downhill.internal;

import java.util.List;

/**
 * What a coordinate-descent fit ({@link GramCoordinateDescent}, {@link ColumnCoordinateDescent}) knows at θ after a
 * sweep, in scikit-learn's unnormalised units (W = Σw; l1 = Wαρ, l2 = Wα(1−ρ); p, p₂ the factors of the l1 and l2
 * terms): from a = X̃ᵀWr and ‖r‖²_W,
 * <pre>
 *   ∇ⱼ = −(2/W)(aⱼ − l2·p₂ⱼθⱼ)        (the gradient of 2·P's smooth part)
 *   loss = (‖r‖²_W + 2·(l1·Σpⱼ|θⱼ| + ½·l2·Σp₂ⱼθⱼ²)) / W     (2·P, as the proximal solvers record it)
 *   KKT = ‖minimum-norm subgradient of 2·P‖
 * </pre>
 * and {@link ProximalGradientSolver#relativeGap}'s relative duality gap.
 *
 * @param loss    2·P(θ)
 * @param kktNorm the norm of the minimum-norm subgradient of 2·P at θ
 * @param gap     the relative duality gap
 */
record SweepState(double loss, double kktNorm, double gap) {
    /** The state at θ from a = X̃ᵀWr and ‖r‖²_W; writes the gradient ∇ into {@code g}. */
    static SweepState at(double[] a, double residualSquares, double targetSquares, double[] theta, double[] p, double[] p2,
                         double l1, double l2, double w, double[] g) {
        double penaltyValue = 0;
        double kkt = 0;
        for (int j = 0; j < theta.length; j++) {
            g[j] = -(2 / w) * (a[j] - l2 * p2[j] * theta[j]);
            penaltyValue += l1 * p[j] * Math.abs(theta[j]) + 0.5 * l2 * p2[j] * theta[j] * theta[j];
            double kappa = 2 * l1 * p[j] / w;
            double v = theta[j] != 0 ? g[j] + Math.copySign(kappa, theta[j]) : Math.max(0, Math.abs(g[j]) - kappa);
            kkt += v * v;
        }
        double gap = ProximalGradientSolver.relativeGap(residualSquares, targetSquares, g, theta, p, p2, l1, l2, w);
        return new SweepState((residualSquares + 2 * penaltyValue) / w, Math.sqrt(kkt), gap);
    }

    /** Whether every unpenalised coefficient's (pⱼ = 0) gradient is within {@code bound}. */
    static boolean freeSettled(double[] g, double[] p, double bound) {
        for (int j = 0; j < g.length; j++) {
            if (p[j] == 0 && !(Math.abs(g[j]) <= bound)) {
                return false;
            }
        }
        return true;
    }

    static double[] toArray(List<Double> values) {
        double[] a = new double[values.size()];
        for (int k = 0; k < a.length; k++) {
            a[k] = values.get(k);
        }
        return a;
    }
}
