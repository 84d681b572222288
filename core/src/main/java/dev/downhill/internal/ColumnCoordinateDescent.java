package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.Penalty;
import dev.downhill.spi.ResidentProblem;
import java.util.Arrays;

/**
 * Coordinate descent for the lasso and elastic net over the columns of X (glmnet's "naive updates", scikit-learn's
 * {@code enet_coordinate_descent} and {@code sparse_enet_coordinate_descent}, which its {@code Lasso} and {@code LassoCV}
 * use on sparse and on wide X): the residual is kept up to date, so a coordinate costs the stored entries of its column,
 * not n — the route for wide X and sparse X with many columns, whose n × n Gram matrix ({@link GramCoordinateDescent})
 * would be too large or too slow to make. The same objective, the same cyclic order and the same stopping rule as
 * {@link GramCoordinateDescent}, so the same tol gives the same guarantee; only the bookkeeping differs.
 *
 * <p>X is copied once, by column, in float64 on the host heap ({@link ColumnCopy}: CSC for sparse X, 12 bytes a stored
 * entry and 20 when weighted; column-major and centred for dense X, 8 bytes a value; {@link #memory}); the dataset is
 * not read again. The weights are scaled by a power of two (mean near 1: exact, the minimiser unchanged). In the unnormalised units of scikit-learn (W = Σw; l1 = Wαρ, l2 = Wα(1−ρ); p the
 * penalty factors, p₂ the l2 term's), with X̃ = X − 1μᵀ centred by the weighted column means μ (X itself without an
 * intercept), dⱼ = ‖X̃ⱼ‖²_W and r = y_c − X̃θ the residual, one sweep visits j = 0 … n−1 in order:
 * <pre>
 *   t = X̃ⱼᵀWr + dⱼθⱼ;   θⱼ' = sign(t)·max(|t| − l1·pⱼ, 0) / (dⱼ + l2·p₂ⱼ);   r −= (θⱼ' − θⱼ)·X̃ⱼ
 * </pre>
 * For sparse X, X̃ⱼ is dense (its zeros become −μⱼ), so r is kept as r = u + s·1 with u updated at column j's stored rows only
 * (u −= δ·Xⱼ) and the scalar s += δ·μⱼ; then X̃ⱼᵀWr = Xⱼᵀ(W∘u) − μⱼ·Σᵢwᵢuᵢ (the s terms cancel), Σᵢwᵢuᵢ kept up to date
 * too (−= δ·Σᵢwᵢxᵢⱼ). Each sweep starts with s folded into u (O(m)), so that s stays the size of one sweep's moves.
 * Dense X is stored centred (μ = 0 in these formulas: s stays 0). A coordinate costs its column's stored entries, twice
 * when it moves. After each sweep one pass over the stored entries
 * gives X̃ᵀWr exactly (for the gradient, the KKT norm and the duality gap) and ‖r‖²_W one pass over r: the gap
 * test and histories of {@link GramCoordinateDescent} follow.
 *
 * <p>That pass also spares the next sweep the columns that cannot move: with a = X̃ᵀWr₀ at the sweep's start and the
 * residual since moved by Δr = −Σₖ δₖX̃ₖ, |X̃ⱼᵀWr| ≤ |aⱼ| + ‖X̃ⱼ‖_W·‖Δr‖_W (Cauchy–Schwarz), with ‖Δr‖²_W kept as
 * coordinates move (−2δₖ(X̃ₖᵀWr − aₖ) + δₖ²dₖ, all known at the move; bounded also by the triangle inequality's
 * Σₖ|δₖ|·‖X̃ₖ‖_W against its rounding), so a coordinate at 0 whose bound is below its threshold l1·pⱼ (by a relative
 * 1e-9, far above rounding)
 * would stay at 0 and is skipped unread — the same iterates at the cost of the non-zero coefficients' columns and those
 * near their threshold (the screening of the strong and gap-safe rules, here exact for one sweep).
 *
 * <p>dⱼ = Σ_stored wᵢ(xᵢⱼ − μⱼ)² + μⱼ²·(W − Σ_stored wᵢ) (no cancellation). A column with dⱼ + l2·p₂ⱼ = 0 (constant
 * without an l2 term) stays at 0; one whose squares overflow float64, or are subnormal, is refused as the Gram route
 * refuses it.
 */
public final class ColumnCoordinateDescent {
    /** The most stored entries (sparse X) or values (dense X) the copy holds (Java arrays). */
    public static final long MAX_VALUES = ColumnCopy.MAX_VALUES;
    private final ColumnCopy x;
    private final int n;
    private final int m;
    private final double[] weights;
    private final double weightSum;
    private final double targetSquares;
    private final boolean fitIntercept;
    private final Penalty penalty;
    private final double freeScale;
    /** A skipped coordinate's bound must be below this fraction of its threshold (far above the dot products' rounding). */
    private static final double SKIP_MARGIN = 1 - 1e-9;
    /** ‖X̃ⱼ‖_W = √dⱼ. */
    private final double[] columnNorms;
    /** The last fit's answer and the residual at it (a path's next fit starts there). */
    private double[] lastTheta;
    private double[] lastResidual;

    /**
     * Bytes of host heap the copy of X (m × n) takes: for sparse X with {@code values} = nnz stored entries 12 bytes each
     * (20 when weighted), for dense X ({@code values} = m·n) 8 each; and the vectors of length m and n.
     */
    public static double memory(long rows, long cols, long values, boolean sparse, boolean weighted) {
        return ColumnCopy.memory(rows, cols, values, sparse, weighted);
    }

    /**
     * Copies {@code problem}'s X, y and weights by column ({@link ColumnCopy}: from {@link CheckedProblem#hostSparse()} or
     * {@link CheckedProblem#hostData()}, read once), in float64, for {@code penalty}'s mix and factors (α is given per fit).
     *
     * @throws IllegalArgumentException when the problem knows no host dataset, X has more than {@value #MAX_VALUES}
     *                                  stored entries (values when dense), or the penalty factors do not match
     * @throws ArithmeticException      when a column's squares overflow float64 or are subnormal
     */
    public static ColumnCoordinateDescent of(ResidentProblem problem, boolean fitIntercept, Penalty penalty) {
        penalty.factors(Math.toIntExact(problem.cols()));
        return new ColumnCoordinateDescent(ColumnCopy.of(problem, fitIntercept), fitIntercept, penalty);
    }

    private ColumnCoordinateDescent(ColumnCopy x, boolean fitIntercept, Penalty penalty) {
        this.x = x;
        this.n = x.n;
        this.m = x.m;
        this.weights = x.weights;
        this.weightSum = x.weightSum;
        this.targetSquares = x.targetSquares;
        this.fitIntercept = fitIntercept;
        this.penalty = penalty;
        this.columnNorms = new double[n];
        for (int j = 0; j < n; j++) {
            columnNorms[j] = Math.sqrt(x.squares[j]);
        }
        double f = 0;
        double[] a = new double[n];
        transposedResidual(x.centredTargets, a);
        for (double v : a) { // ∇f(0) = −(2/W)·X̃ᵀWy_c: the scale of the unpenalised coefficients' test
            f = Math.max(f, 2 * Math.abs(v) / weightSum);
        }
        this.freeScale = f;
    }

    /**
     * Whether a dense X takes cd over its columns when cd is named, and why: X is wide (n &gt; m: its n × n Gram matrix
     * is larger than X), its host dataset is known ({@link CheckedProblem#hostData()}), and its float64 copy by column
     * (8·m·n bytes and vectors, {@link #memory}) fits {@code directMemoryBudget} and a Java array. Returns the reason (the
     * model's solver choice), or null: the Gram route. {@code auto} does not take this route for one fit on dense X: on
     * wide dense data near the interpolation regime (many coefficients non-zero, each column correlated with many
     * others) its sweeps converge far more slowly than FISTA's passes (measured, 500 × 5,000 Gaussian X, α = 0.01: 10,000
     * sweeps and 30.8 s to a relative gap of 1.4e-5, nesterov 845 iterations and 0.64 s to 7.7e-5) — but it does for a
     * path ({@link #widePathChoice}).
     */
    public static String wideDenseChoice(ResidentProblem problem, long directMemoryBudget) {
        String fits = wideCopyFits(problem, directMemoryBudget);
        return fits == null ? null : "cd: as configured; " + fits;
    }

    /**
     * {@link #wideDenseChoice} for {@code auto}'s path (a regularization path, cross-validation's paths) on wide dense X: its
     * fits start from the last α's answer, which keeps most of them to a few sweeps — measured (5-fold cross-validation,
     * 100 α's, `gen` data, 2-core VM, one run each): 100 × 1,000: 2.0 s against nesterov's 54.6 s; 200 × 2,000: 15.2
     * against 171.1 s; 200 × 2,000, neighbouring columns correlated 0.9: 18.8 against 263.9 s, the same α chosen.
     */
    public static String widePathChoice(ResidentProblem problem, long directMemoryBudget) {
        String fits = wideCopyFits(problem, directMemoryBudget);
        return fits == null ? null : "cd: for a path, each fit from the last α's answer; " + fits;
    }

    private static String wideCopyFits(ResidentProblem problem, long directMemoryBudget) {
        if (problem.isSparse() || !(problem instanceof CheckedProblem c) || c.hostData() == null
                || problem.cols() <= problem.rows()) {
            return null;
        }
        long cells = problem.rows() * problem.cols();
        double bytes = memory(problem.rows(), problem.cols(), cells, false, problem.weighted());
        if (cells > MAX_VALUES || bytes > directMemoryBudget) {
            return null;
        }
        return String.format(java.util.Locale.ROOT, "coordinate descent over the columns of the wide X "
                + "(%,d × %,d: more columns than rows, the n × n Gram matrix larger than X); its float64 copy by column "
                + "needs %s of the %s budget", problem.rows(), problem.cols(), ByteSizes.format(bytes),
                ByteSizes.format(directMemoryBudget));
    }

    /** Bytes of host heap this copy of X holds. */
    public double bytes() {
        return x.bytes();
    }

    /** b(θ) = ȳ − μᵀθ with an intercept, else 0. */
    public double interceptFor(double[] theta) {
        if (!fitIntercept) {
            return 0;
        }
        double s = 0;
        for (int j = 0; j < n; j++) {
            s += x.means[j] * theta[j];
        }
        return x.targetMean - s;
    }

    /**
     * One fit at α from {@code start} (not modified); the stopping rule and histories are {@link GramCoordinateDescent}'s.
     * A fit from the last fit's answer (a path's next α) starts from its residual.
     */
    public IterativeResult fit(FitConfig config, double alpha, double[] start) {
        return fit(config, alpha, start, Checkpointer.NONE);
    }

    /**
     * {@link #fit(FitConfig, double, double[])} with its sweeps' boundaries given to {@code checkpoint}: saved there when due,
     * resumed from its unfinished cd state when it has one ({@link SweepState#run}).
     */
    public IterativeResult fit(FitConfig config, double alpha, double[] start, Checkpointer checkpoint) {
        Penalty pen = penalty.withAlpha(alpha);
        double[] p = pen.factors(n);
        double[] p2 = pen.l2Factors(n);
        double l1 = weightSum * pen.l1Strength();
        double l2 = weightSum * pen.l2Strength();
        double[] theta = start.clone();
        double[] r = Arrays.equals(theta, lastTheta) ? lastResidual.clone() : residualAt(theta);
        SweepState.Outcome o = SweepState.run(new SweepState.Sweeps() {
            @Override
            public double state(double[] t, double[] a) {
                transposedResidual(r, a); // X̃ᵀWr at θ, exactly (one pass over the stored entries)
                return residualSquares(t);
            }

            @Override
            public double[] image() {
                return r;
            }

            @Override
            public void moveTo(double[] t) {
                System.arraycopy(residualAt(t), 0, r, 0, m);
            }

            @Override
            public double residualSquares(double[] t) {
                double squares = 0;
                for (int i = 0; i < m; i++) {
                    squares += (weights == null ? 1 : weights[i]) * r[i] * r[i];
                }
                return squares;
            }

            @Override
            public double residualSquaresRounding(double targets, double residuals) {
                return SweepState.summingRounding(residuals, m);
            }

            @Override
            public double[] sweep(double[] t, double[] a, int[] coordinates) {
                return ColumnCoordinateDescent.this.sweep(p, p2, l1, l2, t, r, a, coordinates);
            }
        }, theta, config, p, p2, l1, l2, weightSum, targetSquares, freeScale, checkpoint);
        lastTheta = theta.clone();
        lastResidual = r;
        return new IterativeResult(theta, interceptFor(theta), o.sweeps(), o.stop(), o.losses(), o.norms(), Double.NaN, o.gap(),
                o.historySweeps());
    }

    /** r = y_c − X̃θ from scratch: u = y_c − Xθ over the columns with θⱼ ≠ 0, then + μᵀθ (the sweeps' means). */
    private double[] residualAt(double[] theta) {
        double[] r = x.centredTargets.clone();
        double shift = 0;
        for (int j = 0; j < n; j++) {
            double t = theta[j];
            if (t != 0) {
                x.add(j, -t, r);
                shift += x.sweepMeans[j] * t;
            }
        }
        if (shift != 0) {
            for (int i = 0; i < m; i++) {
                r[i] += shift;
            }
        }
        return r;
    }

    /** out = X̃ᵀWr = Xᵀ(W∘r) − μ·Σᵢwᵢrᵢ (one pass over the stored entries). Writes out. */
    private void transposedResidual(double[] r, double[] out) {
        double total = weightedSum(r);
        for (int j = 0; j < n; j++) {
            out[j] = x.weightedDot(j, r) - x.sweepMeans[j] * total;
        }
    }

    private double weightedSum(double[] r) {
        double s = 0;
        if (weights == null) {
            for (double v : r) {
                s += v;
            }
        } else {
            for (int i = 0; i < m; i++) {
                s += weights[i] * r[i];
            }
        }
        return s;
    }

    /**
     * One cyclic sweep over j = 0 … n−1 (the class Javadoc), or over {@code coordinates} when not null, r kept as
     * u + s·1 within it and returned as r; a full sweep starts from {@code start} = X̃ᵀWr₀ at its first residual (the
     * state's), by which it skips coordinates that cannot leave 0. Writes θ and r; returns {largest |Δθⱼ|, largest
     * |θⱼ| after the sweep, 1 if any θⱼ moved else 0}.
     */
    private double[] sweep(double[] p, double[] p2, double l1, double l2, double[] theta, double[] r, double[] start,
                           int[] coordinates) {
        double total = weightedSum(r); // Σwᵢuᵢ with s = 0: u = r at the start
        double shift = 0;
        double changeMax = 0;
        double thetaMax = 0;
        double drift = 0; // Σ|δₖ|·‖X̃ₖ‖_W over the moves so far: a bound on ‖r − r₀‖_W
        double moveSquares = 0; // ‖r − r₀‖²_W, updated exactly (in exact arithmetic) with each move
        double moveTerms = 0; // Σ of the magnitudes of its updates (its rounding is far below 1e-12 of that)
        boolean moved = false;
        double[] means = x.sweepMeans;
        int count = coordinates == null ? n : coordinates.length;
        for (int k = 0; k < count; k++) {
            int j = coordinates == null ? k : coordinates[k];
            double dj = x.squares[j];
            double d = dj + l2 * p2[j];
            if (!(d > 0)) {
                continue;
            }
            double old = theta[j];
            double threshold = l1 * p[j];
            if (coordinates == null && old == 0 && Math.abs(start[j]) + columnNorms[j] * Math.min(drift,
                    Math.sqrt(Math.max(0, moveSquares) + 1e-12 * moveTerms)) < threshold * SKIP_MARGIN) {
                continue; // |X̃ⱼᵀWr| < l1·pⱼ: it would stay at 0 (the class Javadoc)
            }
            double dot = x.weightedDot(j, r) - means[j] * total; // X̃ⱼᵀWr
            double t = dot + dj * old;
            double next = SweepState.coordinate(t, threshold, d);
            double delta = next - old;
            changeMax = Math.max(changeMax, Math.abs(delta));
            thetaMax = Math.max(thetaMax, Math.abs(next));
            if (delta != 0) {
                theta[j] = next;
                moved = true;
                x.add(j, -delta, r);
                total -= delta * x.columnWeightedSums[j];
                shift += delta * means[j];
                if (coordinates != null) {
                    continue; // no skipping in a sweep over given coordinates: no bound to keep
                }
                drift += Math.abs(delta) * columnNorms[j];
                double cross = -2 * delta * (dot - start[j]); // ‖Δr − δX̃ⱼ‖² = ‖Δr‖² − 2δ·X̃ⱼᵀWΔr + δ²dⱼ
                double square = delta * delta * dj;
                moveSquares += cross + square;
                moveTerms += Math.abs(cross) + square;
            }
        }
        if (shift != 0) {
            for (int i = 0; i < m; i++) {
                r[i] += shift;
            }
        }
        return new double[] {changeMax, thetaMax, moved ? 1 : 0};
    }
}
