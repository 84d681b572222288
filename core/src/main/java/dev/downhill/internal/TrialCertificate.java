package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.Precision;
import dev.downhill.spi.ResidentProblem;
import java.util.Locale;

/**
 * Whether {@link dev.downhill.Solver#AUTO}'s conjugate-gradient trial may answer in place of the exact solve, and to
 * which tolerance. cg's answer at ‖g‖ ≤ tol·‖g₀‖ lies within κ(H)·tol of the least-squares answer, relative, in the
 * standardized coordinates ({@link SketchedCondition}); the trial therefore runs to
 * <pre>
 *   tol_trial = min(tol, target/κ̂),    target = {@value #TARGET_FLOAT64} (float64), {@value #TARGET_FLOAT32} (float32)
 * </pre>
 * and is not run when tol_trial would be below what the precision's passes resolve ({@value #FLOOR_FLOAT64} float64,
 * {@value #FLOOR_FLOAT32} float32 — κ̂ above 1e6 or 1e3), when the sketched operator is singular to working precision
 * (nearly dependent columns, where cg's gradient norm says nothing about θ), when X has no more rows than columns and
 * no ridge (its operator is singular: the SVD gives the minimum-norm answer), or when the backend has no sketch pass.
 * κ̂ is an estimate (the sketch overstates a well-conditioned κ by ~30; its power iterations may understate by a
 * little), not a proof. With κ̂ ≤ 100 (float64, default tolerance 1e-10) or ≤ 1000 (float32, 1e-6) the configured
 * tolerance stands and the trial runs exactly as before; above, it runs to a tighter one.
 *
 * @param conditionEstimate κ̂ (NaN: not known, +∞: singular to working precision)
 * @param tolerance         the trial's tolerance, NaN when no trial is allowed
 * @param why               a clause for the solver choice's reason
 */
public record TrialCertificate(double conditionEstimate, double tolerance, String why) {
    /** The relative error of θ (in the standardized coordinates) the trial must certify: float64. */
    static final double TARGET_FLOAT64 = 1e-8;
    /** … and float32. */
    static final double TARGET_FLOAT32 = 1e-3;
    /** The smallest relative gradient norm the trial is asked for: float64 (a few ulps of its passes' rounding). */
    static final double FLOOR_FLOAT64 = 1e-14;
    /** … and float32 (its default tolerance). */
    static final double FLOOR_FLOAT32 = 1e-6;

    /** The certificate for a trial with {@code trialConfig} (cg, the caller's penalty and tolerance) on {@code problem}. */
    public static TrialCertificate of(ResidentProblem problem, FitConfig trialConfig) {
        Precision precision = problem.precision();
        if (problem.rows() <= problem.cols() && !(trialConfig.penalty().l2Strength() > 0)) {
            // X_c's n × n operator has rank < n (a ridge makes it definite): no sketch needed to say so
            return new TrialCertificate(Double.POSITIVE_INFINITY, Double.NaN, "X has no more rows than columns, so cg's "
                    + "operator is singular and its gradient norm cannot certify θ; the SVD gives the minimum-norm answer");
        }
        double kappa;
        try (CentredObjective objective = new CentredObjective(problem, trialConfig.fitIntercept(),
                trialConfig.standardize(problem.rows(), problem.cols()), trialConfig.penalty())) {
            kappa = SketchedCondition.estimate(objective);
        }
        return of(kappa, trialConfig.tolerance(precision), precision);
    }

    /** The certificate for a condition estimate κ̂ and the configured tolerance. */
    static TrialCertificate of(double kappa, double tolerance, Precision precision) {
        double target = precision == Precision.FLOAT32 ? TARGET_FLOAT32 : TARGET_FLOAT64;
        double floor = precision == Precision.FLOAT32 ? FLOOR_FLOAT32 : FLOOR_FLOAT64;
        if (Double.isNaN(kappa)) {
            return new TrialCertificate(kappa, Double.NaN, "the backend has no sketch pass to certify cg's answer");
        }
        if (Double.isInfinite(kappa)) {
            return new TrialCertificate(kappa, Double.NaN, "a sketch of X finds its columns dependent (or its squares out of"
                    + " float64's range), where cg's gradient norm cannot certify θ");
        }
        double certified = Math.min(tolerance, target / Math.max(kappa, 1));
        if (!(certified >= floor)) {
            return new TrialCertificate(kappa, Double.NaN, String.format(Locale.ROOT, "a sketch of X estimates cg's condition "
                    + "number at %.2g: its answer could not be certified within %.0e of the least-squares one", kappa, target));
        }
        return new TrialCertificate(kappa, certified, String.format(Locale.ROOT, "to tolerance %.2g, which a sketch of X "
                + "(condition ≈ %.2g) estimates to keep θ within %.0e of the least-squares answer", certified, kappa, target));
    }

    /** Whether the trial may run. */
    public boolean allowsTrial() {
        return !Double.isNaN(tolerance);
    }
}
