package dev.downhill.internal;

import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import java.util.ArrayList;
import java.util.List;

/**
 * The least-squares objective as the solvers see it, with the intercept eliminated and, optionally,
 * the features standardized — both implicitly: X is never copied or modified.
 *
 * <p>Intercept: when fitted, X and y are centred by choosing, for each θ, the optimal intercept
 * b(θ) = ȳ − x̄ᵀθ, and removing x̄·Σr from the gradient:
 * <pre>
 *   r = Xθ + b(θ) − y = X_cθ − y_c,      ∇ = s·Xᵀr − s·(Σr)·x̄ = s·X_cᵀr
 * </pre>
 * (X_c = X − 1x̄ᵀ, y_c = y − ȳ). Without an intercept b = 0 and nothing is corrected.
 *
 * <p>Standardization: with column scales σⱼ (root mean squared deviation from x̄ⱼ, or from 0 without an
 * intercept) and S = diag(1/σⱼ), the solvers work in the coordinates β = S⁻¹θ of standardized
 * features: the β-gradient is S∇, a β-step is the θ-step θ ← θ − η·S²∇ ({@link #precondition}),
 * the gradient norm that decides convergence is ‖S∇‖ ({@link #gradientNorm}) and the curvature
 * is that of SHS ({@link #curvatureTimes}). Constant columns (σⱼ ≤ 1e-12·|x̄ⱼ|, or σⱼ = 0) get Sⱼⱼ = 0:
 * their coefficient stays 0. Owns its backend vectors; close it once.
 *
 * <p>Penalty ({@link Penalty}): the solvers minimise twice the penalised objective in the library's MSE scale,
 * <pre>
 *   F(θ) = (1/m)‖r‖² + Σⱼ κⱼ|θⱼ| + ½Σⱼ λⱼθⱼ²,     κⱼ = 2αρ·pⱼ,  λⱼ = 2α(1−ρ)·pⱼ
 * </pre>
 * — the same minimiser as {@link Penalty}'s P = F/2 — always on the original-scale θ, whatever the standardization.
 * The smooth part's gradient gains λ∘θ ({@link #addRidge}) and its Hessian diag(λ) ({@link #hessianTimes}, so the
 * power iteration's curvature bound and cg's operator include it); the l1 part is handled by the proximal solvers
 * with the thresholds κ ({@link #l1Thresholds}). The normaliser m is {@link #weightSum()}, the one place that
 * defines it.
 */
public final class CentredObjective implements AutoCloseable {
    /** A centred column whose RMS deviation is at most this times |mean| counts as constant. */
    public static final double CONSTANT_COLUMN_RATIO = 1e-12;

    private final ResidentProblem problem;
    private final boolean centred;
    private final ColumnStatistics stats;
    private final BackendVector means;
    private final boolean standardized;
    private final BackendVector scales;
    private final BackendVector squaredScales;
    private final BackendVector scratch;
    private final int[] constantColumns;
    private double[] rootMeanSquares;
    private final Penalty penalty;
    /** λ = 2α(1−ρ)·p on the backend, null without an l2 term; ridgeScratch holds λ∘θ. */
    private final BackendVector ridge;
    private final BackendVector ridgeScratch;
    private final double[] l1Thresholds;
    private final double[] hostSquaredScales;

    public CentredObjective(ResidentProblem problem, boolean fitIntercept, boolean standardize) {
        this(problem, fitIntercept, standardize, Penalty.none());
    }

    /**
     * @param penalty the penalty (its factors must have one entry per column: checked here)
     */
    public CentredObjective(ResidentProblem problem, boolean fitIntercept, boolean standardize, Penalty penalty) {
        this.problem = problem;
        this.penalty = penalty;
        this.centred = fitIntercept;
        this.stats = problem.columnStatistics();
        this.standardized = standardize;
        int n = Math.toIntExact(problem.cols());
        List<BackendVector> made = new ArrayList<>();
        try {
            this.means = centred ? track(made, problem.allocateVector(n)) : null;
            if (means != null) {
                means.copyFromHost(stats.means());
            }
            if (standardize) {
                double[] deviations = problem.columnMeanSquaredDeviations(centred);
                double[] s = new double[n];
                double[] s2 = new double[n];
                List<Integer> constant = new ArrayList<>();
                for (int j = 0; j < n; j++) {
                    double sigma = Math.sqrt(deviations[j]);
                    boolean isConstant = sigma == 0 || centred && sigma <= CONSTANT_COLUMN_RATIO * Math.abs(stats.means()[j]);
                    if (isConstant) {
                        constant.add(j);
                    } else {
                        s[j] = 1 / sigma;
                        s2[j] = 1 / deviations[j];
                    }
                }
                this.scales = track(made, problem.allocateVector(n));
                this.squaredScales = track(made, problem.allocateVector(n));
                this.scratch = track(made, problem.allocateVector(n));
                scales.copyFromHost(s);
                squaredScales.copyFromHost(s2);
                this.constantColumns = constant.stream().mapToInt(Integer::intValue).toArray();
                this.hostSquaredScales = s2;
            } else {
                this.scales = null;
                this.squaredScales = null;
                this.scratch = null;
                this.constantColumns = new int[0];
                double[] ones = new double[n];
                java.util.Arrays.fill(ones, 1);
                this.hostSquaredScales = ones;
            }
            double[] factors = penalty.factors(n);
            double l2 = 2 * penalty.l2Strength();
            double l1 = 2 * penalty.l1Strength();
            if (l2 > 0) {
                double[] lambda = new double[n];
                for (int j = 0; j < n; j++) {
                    lambda[j] = l2 * factors[j];
                }
                this.ridge = track(made, problem.allocateVector(n));
                this.ridgeScratch = track(made, problem.allocateVector(n));
                ridge.copyFromHost(lambda);
            } else {
                this.ridge = null;
                this.ridgeScratch = null;
            }
            this.l1Thresholds = new double[n];
            for (int j = 0; j < n; j++) {
                l1Thresholds[j] = l1 * factors[j];
            }
        } catch (RuntimeException | Error e) {
            for (int k = made.size() - 1; k >= 0; k--) {
                made.get(k).close();
            }
            throw e;
        }
    }

    private static BackendVector track(List<BackendVector> made, BackendVector v) {
        made.add(v);
        return v;
    }

    public ResidentProblem problem() {
        return problem;
    }

    /** {@link #weightSum()} for a problem without an objective (the direct solvers): Σw, m when unweighted. */
    public static double weightSum(ResidentProblem problem) {
        return problem.weightSum();
    }

    public Penalty penalty() {
        return penalty;
    }

    /** Whether the objective has an l2 term (λ ≠ 0). */
    public boolean hasRidge() {
        return ridge != null;
    }

    /** κ = 2αρ·p, the l1 weights of F (all 0 without an l1 term); a copy. */
    public double[] l1Thresholds() {
        return l1Thresholds.clone();
    }

    /** The preconditioner's diagonal on the host: S² when standardized (0 for constant columns), else ones; a copy. */
    public double[] squaredScales() {
        return hostSquaredScales.clone();
    }

    /**
     * gradient ← gradient + λ∘θ (the l2 term's gradient) and returns ½Σλⱼθⱼ² = α(1−ρ)Σpⱼθⱼ², the l2 term of F;
     * no work and 0 without an l2 term. Reads θ, writes {@code gradient}.
     */
    public double addRidge(BackendVector theta, BackendVector gradient) {
        if (ridge == null) {
            return 0;
        }
        problem.copy(theta, ridgeScratch);
        problem.multiply(ridge, ridgeScratch);
        problem.axpy(1, ridgeScratch, gradient);
        return 0.5 * problem.dot(theta, ridgeScratch);
    }

    /** The penalty part of F at θ (host): Σκⱼ|θⱼ| + ½Σλⱼθⱼ² = 2·{@link Penalty#value}. */
    public double penaltyTerm(double[] theta) {
        return 2 * penalty.value(theta);
    }

    public boolean centred() {
        return centred;
    }

    public boolean standardized() {
        return standardized;
    }

    /** Columns treated as constant under standardization (their coefficient is 0); empty otherwise. */
    public int[] constantColumns() {
        return constantColumns.clone();
    }

    public ColumnStatistics statistics() {
        return stats;
    }

    /**
     * Σw, the normaliser of the full-batch objective (1/Σw)Σwᵢrᵢ² and of its gradient (2/Σw)X_cᵀWr, and of the
     * penalty's scale: the number of rows m, exactly, when the problem is unweighted ({@link ResidentProblem#weightSum()}).
     * Every use of "m as the normaliser" goes through here.
     */
    public double weightSum() {
        return problem.weightSum();
    }

    /** θ₀ as the solvers start from it: the given values with constant columns' coefficients set to 0. */
    public double[] startingPoint(double[] theta0) {
        double[] t = theta0.clone();
        for (int j : constantColumns) {
            t[j] = 0;
        }
        return t;
    }

    /** b(θ) = ȳ − x̄ᵀθ with an intercept, else 0. */
    public double interceptFor(BackendVector theta) {
        return centred ? stats.targetMean() - problem.dot(means, theta) : 0;
    }

    /** b(θ) = ȳ − x̄ᵀθ from the float64 means on the host (θ given on the host), else 0. */
    public double interceptFor(double[] theta) {
        if (!centred) {
            return 0;
        }
        double[] m = stats.means();
        double s = 0;
        for (int j = 0; j < theta.length; j++) {
            s += m[j] * theta[j];
        }
        return stats.targetMean() - s;
    }

    /**
     * Writes g = (2/k)·X_Sᵀ W r_S (centred) for the k rows of {@code rows} and returns Σwr_S², Σwr_S (W = I when
     * unweighted). Reads θ, writes {@code gradient}. This is the θ-gradient (not preconditioned). The normaliser k
     * is Σw for all rows ({@link #weightSum()}) and the slice's row count for a slice (sgd, mini-batches: each row's
     * contribution is multiplied by its weight, the batch normaliser stays the batch size).
     */
    public ResidualSums gradient(BackendVector theta, RowSlice rows, BackendVector gradient) {
        double scale = 2.0 / (rows.isAll() ? weightSum() : rows.size(problem.rows()));
        ResidualSums sums = problem.gradient(theta, interceptFor(theta), 1.0, scale, rows, gradient);
        if (centred) {
            problem.axpy(-scale * sums.sum(), means, gradient);
        }
        return sums;
    }

    /** ‖S∇‖ when standardized, else ‖∇‖ (host scalar; reads g). */
    public double gradientNorm(BackendVector gradient) {
        if (!standardized) {
            return Math.sqrt(problem.dot(gradient, gradient));
        }
        problem.copy(gradient, scratch);
        problem.multiply(scales, scratch);
        return Math.sqrt(problem.dot(scratch, scratch));
    }

    /** g ← S²g when standardized (the θ-space image of a β-gradient step); no-op otherwise. Writes g. */
    public void precondition(BackendVector gradient) {
        if (standardized) {
            problem.multiply(squaredScales, gradient);
        }
    }

    /**
     * Writes out = H·v with H = (2/Σw)X_cᵀWX_c (or (2/Σw)XᵀWX without an intercept) + diag(λ), the Hessian of the
     * smooth part of F in θ (the MSE's alone without an l2 term). Reads v.
     */
    public void hessianTimes(BackendVector v, BackendVector out) {
        double scale = 2.0 / weightSum();
        double b = centred ? -problem.dot(means, v) : 0;
        ResidualSums sums = problem.gradient(v, b, 0.0, scale, RowSlice.all(), out);
        if (centred) {
            problem.axpy(-scale * sums.sum(), means, out);
        }
        if (ridge != null) {
            problem.copy(v, ridgeScratch);
            problem.multiply(ridge, ridgeScratch);
            problem.axpy(1, ridgeScratch, out);
        }
    }

    /** out = SHS·v when standardized (the Hessian in β), else H·v: what the step size must respect. Reads v. */
    public void curvatureTimes(BackendVector v, BackendVector out) {
        if (!standardized) {
            hessianTimes(v, out);
            return;
        }
        problem.copy(v, scratch);
        problem.multiply(scales, scratch);
        hessianTimes(scratch, out);
        problem.multiply(scales, out);
    }

    /**
     * An upper estimate of the rounding error in a loss (1/m)‖r‖² that a gradient pass computed at θ in this
     * problem's working precision (unit roundoff u). Each rᵢ = fl(xᵢᵀθ + b − yᵢ) carries an error of about
     * u·√(n+2)·(Σⱼ|xᵢⱼθⱼ| + |b| + |yᵢ|) ≤ u·√(n+2)·(2Σⱼ|xᵢⱼθⱼ| + 2|b| + |rᵢ|) (as |yᵢ| ≤ |ŷᵢ| + |rᵢ|); over the rows
     * that is at most u·√(n+2)·a with a = 2Σⱼ|θⱼ|·rmsⱼ(x) + 2|b| + √loss, and the loss then moves by up to
     * 2·√loss·(that) plus the summation's 64·u·loss:
     * <pre>
     *   δloss ≈ u·(64·loss + 8·√(n+2)·√loss·a)
     * </pre>
     * When the fitted values are much larger than the residuals (a good fit of data far from 0) this is many
     * orders above u·loss: the loss stops resolving progress long before the gradient does. Copies θ to the
     * host (O(n)); the first call without standardization may make one pass for the column scales. Reads θ.
     */
    public double lossRoundingError(BackendVector theta, double loss) {
        double[] t = theta.copyToHost();
        double[] rms = columnRootMeanSquares();
        double sum = 0;
        for (int j = 0; j < t.length; j++) {
            sum += Math.abs(t[j]) * rms[j];
        }
        double root = Math.sqrt(Math.max(0, loss));
        double a = 2 * sum + 2 * Math.abs(interceptFor(t)) + root;
        double u = problem.precision() == Precision.FLOAT32 ? 0x1p-24 : 0x1p-53;
        return u * (64 * loss + 8 * Math.sqrt(t.length + 2.0) * root * a);
    }

    /** rmsⱼ = √((1/m)Σᵢ xᵢⱼ²) = √(deviation² + x̄ⱼ²), from the cached column statistics. */
    private double[] columnRootMeanSquares() {
        if (rootMeanSquares == null) {
            double[] deviations = problem.columnMeanSquaredDeviations(centred);
            double[] means = stats.means();
            double[] rms = new double[deviations.length];
            for (int j = 0; j < rms.length; j++) {
                rms[j] = Math.sqrt(deviations[j] + (centred ? means[j] * means[j] : 0));
            }
            rootMeanSquares = rms;
        }
        return rootMeanSquares;
    }

    /** R² in the solver's coordinates: (1/m)Σ‖xᵢ − c‖², or the number of non-constant columns when standardized. */
    public double meanSquaredRowNorm() {
        return standardized ? problem.cols() - constantColumns.length : problem.meanSquaredDeviation(centred);
    }

    @Override
    public void close() {
        for (BackendVector v : new BackendVector[] {ridgeScratch, ridge, scratch, squaredScales, scales, means}) {
            if (v != null) {
                v.close();
            }
        }
    }
}
