package dev.downhill.bench.report;

/**
 * The SVD answer a gradient solver is measured against: θ*, its training loss L* = MSE(θ*, b*) and
 * the signal S = (1/m)‖ỹ‖² − L* = (1/m)‖X_c θ*‖² (the centred predictions' mean square; ỹ = y − ȳ).
 *
 * <p>Because the least-squares residual is orthogonal to the columns of X and to 1, for any (θ, b)
 * fitted with an intercept the loss gap is exactly the mean squared difference of the predictions:
 * MSE(θ, b) − L* = (1/m)‖ŷ − ŷ*‖². So {@link #predictionError} = √((MSE − L*)/S) is the relative error
 * of the predictions, ‖ŷ − ŷ*‖/‖X_c θ*‖ — the relative error of θ in the norm the data define — and it
 * is computed from the loss a gradient solver reports anyway, at no extra pass over X.
 */
record ReferenceSolution(double[] theta, double loss, double signal) {
    ReferenceSolution {
        theta = theta.clone();
    }

    @Override
    public double[] theta() {
        return theta.clone();
    }

    /** √(max(0, MSE − L*)/S). */
    double predictionError(double mse) {
        return Math.sqrt(Math.max(0, mse - loss) / signal);
    }

    /** ‖θ − θ*‖/‖θ*‖. */
    double thetaError(double[] other) {
        double num = 0;
        double den = 0;
        for (int j = 0; j < theta.length; j++) {
            num += (other[j] - theta[j]) * (other[j] - theta[j]);
            den += theta[j] * theta[j];
        }
        return Math.sqrt(num / den);
    }
}
