package dev.downhill.internal;

/** The proximal operator of θ ↦ η·Σⱼ κⱼ·|θⱼ| in the metric of the preconditioner S² (host arrays). */
final class SoftThreshold {
    private SoftThreshold() {
    }

    /**
     * θⱼ ← sign(θⱼ)·max(0, |θⱼ| − η·κⱼ·Sⱼⱼ²): the step β ← prox(β) of the standardized coordinates β = S⁻¹θ, whose
     * l1 weights are κⱼ·Sⱼⱼ, written in θ. Writes {@code theta}.
     */
    static void apply(double[] theta, double[] kappa, double[] squaredScales, double eta) {
        for (int j = 0; j < theta.length; j++) {
            double t = eta * kappa[j] * squaredScales[j];
            double v = theta[j];
            theta[j] = v > t ? v - t : v < -t ? v + t : 0;
        }
    }
}
