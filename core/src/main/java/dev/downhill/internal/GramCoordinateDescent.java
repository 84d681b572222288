package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.Penalty;
import dev.downhill.StopReason;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.RowSlice;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Covariance-update coordinate descent for the lasso and elastic net on the Gram matrix (glmnet's "covariance
 * updates", scikit-learn's {@code enet_coordinate_descent_gram}, which its {@code LassoCV} uses when
 * n_samples &gt; n_features). One pass over X — the backend's Gram pass ({@link ResidentProblem#crossProducts}) giving
 * G = X_cᵀWX_c and c = X_cᵀWy_c in float64, and one gradient pass at θ = 0 giving ‖y_c‖²_W — then every fit of a path
 * works on G alone, O(n) per coordinate that moves, never reading X again. A cross-validation's training folds get their
 * statistics by subtraction ({@link Statistics#without}): no training set is copied or passed over.
 *
 * <p>In the unnormalised units of scikit-learn (m = Σw; l1 = mαρ, l2 = mα(1−ρ); p the penalty factors), with
 * q = Gθ kept up to date, one sweep visits j = 0 … n−1 in order:
 * <pre>
 *   t = cⱼ − qⱼ + Gⱼⱼθⱼ;   θⱼ' = sign(t)·max(|t| − l1·pⱼ, 0) / (Gⱼⱼ + l2·pⱼ);   q += (θⱼ' − θⱼ)·G[:, j]
 * </pre>
 * (a coordinate with Gⱼⱼ + l2·pⱼ = 0 — a constant column without an l2 term — stays at 0). After each sweep, from
 * X_cᵀWR = c − q and ‖R‖²_W = ‖y_c‖²_W − 2cᵀθ + θᵀq (O(n)), <b>scikit-learn's stopping rule</b>
 * ({@code enet_coordinate_descent_gram}): once the sweep's largest coordinate change is ≤ tol·max|θⱼ| (or θ = 0), the
 * relative duality gap of {@link ProximalGradientSolver#relativeGap} — the proximal solvers' test — must be ≤ tol, and
 * unpenalised coefficients' gradients ≤ tol·‖∇f(0)‖_∞ ({@link StopReason#DUALITY_GAP}), tested after each sweep (at
 * least one: a warm start from the neighbouring α of a path, whose gap may already be ≤ tol, still moves). So the same tol gives the same guarantee as scikit-learn's {@code tol} and
 * the proximal solvers' (gap ≤ tol), and the same two-part test as scikit-learn's coordinate descent; or a sweep that moves no coefficient (a fixed point in
 * float64: {@link StopReason#NO_PROGRESS}); or the iteration limit (sweeps). The loss history records 2·P (as the
 * proximal solvers do), computed from G; the gradient-norm history the norm of the minimum-norm subgradient (KKT
 * residual) of 2·P.
 * Every {@value AndersonExtrapolation#DEPTH} sweeps an Anderson extrapolation of the iterates is kept where it lowers
 * the objective ({@link SweepState#run}), then q = Gθ is recomputed at it.
 *
 * <p>Rounding: ‖R‖² from G loses about ε·‖y_c‖² to cancellation, so the relative gap is known to ~1e-15; a
 * tolerance below that ends in {@code NO_PROGRESS} at the float64 fixed point (as scikit-learn's would loop to its
 * iteration limit).
 */
public final class GramCoordinateDescent {
    private final Statistics statistics;
    private final Penalty penalty;
    private final double[] gram;
    private final double[] moment;
    private final int n;
    private final double m;
    private final double targetSquares;
    private final double freeScale;
    /** The last fit's answer and Gθ at it (a path's next fit starts there). */
    private double[] lastTheta;
    private double[] lastQ;

    /**
     * The sufficient statistics of one (weighted) least-squares problem, host memory, float64.
     *
     * @param gram          G = X_cᵀWX_c (n × n, both triangles), X_c centred by {@code means} (X itself without an intercept)
     * @param moment        c = X_cᵀW y_c
     * @param targetSquares ‖y_c‖²_W = Σwᵢ(yᵢ − ȳ)² (Σwᵢyᵢ² without an intercept)
     * @param weightSum     W = Σw (m when unweighted)
     * @param means         the weighted column means x̄, or null without an intercept
     * @param targetMean    ȳ (0 without an intercept)
     */
    public record Statistics(double[] gram, double[] moment, double targetSquares, double weightSum, double[] means,
                             double targetMean) {
        /**
         * One Gram pass ({@link ResidentProblem#crossProducts}) and one gradient pass at θ = 0 (for ‖y_c‖²_W) over
         * {@code problem}; the means are its {@link ResidentProblem#columnStatistics()}, as the Gram pass centres by them.
         *
         * @throws ArithmeticException when G is not finite in float64
         */
        public static Statistics of(ResidentProblem problem, boolean fitIntercept) {
            int n = Math.toIntExact(problem.cols());
            CrossProducts products = problem.crossProducts(fitIntercept);
            for (double v : products.gram()) {
                if (!Double.isFinite(v)) {
                    throw new ArithmeticException("XᵀX overflows float64 (entries of X too large to square, beyond ~1e154): "
                            + "rescale X by a power of ten (a lasso then fits the same model with α divided by that factor, its "
                            + "coefficients that factor larger); the gradient solvers refuse the same squares, and no other solver "
                            + "takes an l1 term");
                }
            }
            for (int j = 0; j < n; j++) { // columns whose squares are subnormal in G: refused as by the normal equations
                dev.downhill.internal.direct.DirectLeastSquares.checkSquarableForCd(problem, fitIntercept, j,
                        products.gram()[j * n + j]);
            }
            double squares;
            try (CentredObjective objective = new CentredObjective(problem, fitIntercept, false);
                 BackendVector zero = problem.allocateVector(n); BackendVector g = problem.allocateVector(n)) {
                squares = objective.gradient(zero, RowSlice.all(), g).sumOfSquares();
            }
            ColumnStatistics stats = problem.columnStatistics();
            return new Statistics(products.gram(), products.moment(), squares, problem.weightSum(),
                    fitIntercept ? stats.means().clone() : null, fitIntercept ? stats.targetMean() : 0);
        }

        /**
         * The statistics of the rows of {@code this} (the whole data) that are not in {@code held} (a subset of its rows):
         * with W_t = W − W_h, d = x̄_h − x̄, e = ȳ_h − ȳ and k = W_h·W/W_t (the parallel-axis, or Chan–Golub–LeVeque,
         * combination of centred sums),
         * <pre>
         *   G_t = G − G_h − k·ddᵀ,   c_t = c − c_h − k·d·e,   ‖y_t − ȳ_t‖² = S − S_h − k·e²,
         *   x̄_t = x̄ − (W_h/W_t)·d,   ȳ_t = ȳ − (W_h/W_t)·e
         * </pre>
         * (without an intercept, plain differences). So a K-fold cross-validation needs one Gram pass over all rows and
         * one over each held-out fold — 2·m·n² multiply-adds in all instead of K·m·n² — and never copies a training set.
         * The subtraction loses about ε·‖G‖ against the direct pass (relative ε·W/W_t: ≈ 1.25ε for 5 folds).
         * {@code held}'s arrays are overwritten (they become the result's).
         *
         * @throws IllegalArgumentException when the remaining rows' weights sum to 0
         */
        public Statistics without(Statistics held) {
            int n = moment.length;
            double wt = weightSum - held.weightSum;
            if (!(wt > 0) || !(wt > 1e-12 * weightSum)) {
                throw new IllegalArgumentException("cross-validation: every training row of a fold has weight 0: use fewer "
                        + "folds or give α explicitly");
            }
            double[] g = held.gram;
            double[] c = held.moment;
            if (means == null) {
                for (int q = 0; q < g.length; q++) {
                    g[q] = gram[q] - g[q];
                }
                for (int j = 0; j < n; j++) {
                    c[j] = moment[j] - c[j];
                }
                return new Statistics(g, c, Math.max(0, targetSquares - held.targetSquares), wt, null, 0);
            }
            double k = held.weightSum * weightSum / wt;
            double share = held.weightSum / wt;
            double[] d = new double[n];
            double[] meansT = new double[n];
            for (int j = 0; j < n; j++) {
                d[j] = held.means[j] - means[j];
                meansT[j] = means[j] - share * d[j];
            }
            double e = held.targetMean - targetMean;
            for (int j = 0; j < n; j++) {
                int base = j * n;
                double kd = k * d[j];
                for (int i = 0; i < n; i++) {
                    g[base + i] = gram[base + i] - g[base + i] - kd * d[i];
                }
                c[j] = moment[j] - c[j] - kd * e;
            }
            return new Statistics(g, c, Math.max(0, targetSquares - held.targetSquares - k * e * e), wt, meansT,
                    targetMean - share * e);
        }

        /** b(θ) = ȳ − x̄ᵀθ with an intercept, else 0. */
        public double interceptFor(double[] theta) {
            if (means == null) {
                return 0;
            }
            double s = 0;
            for (int j = 0; j < theta.length; j++) {
                s += means[j] * theta[j];
            }
            return targetMean - s;
        }
    }

    /**
     * Coordinate descent on {@code statistics} (read only) for {@code penalty}'s mix and factors (α is given per fit).
     *
     * @throws IllegalArgumentException when the penalty factors do not match the number of features
     */
    public GramCoordinateDescent(Statistics statistics, Penalty penalty) {
        this.statistics = statistics;
        this.penalty = penalty;
        this.gram = statistics.gram();
        this.moment = statistics.moment();
        this.n = moment.length;
        penalty.factors(n);
        this.m = statistics.weightSum();
        this.targetSquares = statistics.targetSquares();
        double s = 0;
        for (double v : moment) { // ∇f(0) = −(2/W)·c: the scale of the unpenalised coefficients' test
            s = Math.max(s, 2 * Math.abs(v) / m);
        }
        this.freeScale = s;
    }

    /** Bytes of host memory a cross-validated Gram path needs for n features: G, a fold's G and the backend's accumulator. */
    public static double memory(long cols) {
        return 3.0 * 8 * (double) cols * cols;
    }

    /** θ's starting point: the given values (every coordinate is free to move; constant columns have Gⱼⱼ = 0 and stay). */
    public double[] startingPoint(double[] theta0) {
        return theta0.clone();
    }

    /**
     * Whether {@link dev.downhill.CrossValidation} fits a path on the Gram matrix (the {@code cd}
     * solver) rather than over X: when the configuration names {@code cd}, or when it leaves the solver to {@code auto},
     * the penalty has an l1 term (ρ &gt; 0) and X is dense with no more columns than rows (scikit-learn's
     * {@code precompute='auto'} rule: then one Gram pass, m·n² multiply-adds, costs no more than n passes over X, fewer
     * than a 100-α path takes) and G fits the direct solvers' memory budget. Sparse X's routes are
     * {@link SparseL1Choice#choosePath}'s (the cross-validation asks it first); a sparse problem not known to it (made
     * through the SPI) takes the X path under auto. Returns the reason (recorded as the model's solver choice), or null
     * for the X path.
     */
    public static String choosePath(ResidentProblem problem, FitConfig config) {
        if (config.solver() == dev.downhill.Solver.CD) { // named: one Gram matrix for the whole path (sparse X's too)
            return "cd: as configured; the path on the Gram matrix (one Gram pass over all rows and one over each held-out fold)";
        }
        if (!config.solver().isAuto() || !(config.penalty().l1Ratio() > 0)) {
            return null;
        }
        long rows = problem.rows();
        long cols = problem.cols();
        if (problem.isSparse()) { // sparse X's routes are SparseL1Choice's (here only for X not known to it: the X path)
            return null;
        }
        if (cols > rows || cols > SolverChoice.MAX_DIRECT_COLUMNS || memory(cols) > config.directMemoryBudget()) {
            return null;
        }
        return String.format(Locale.ROOT, "cd: coordinate descent on the Gram matrix for the path (%,d × %,d: no more "
                + "columns than rows, its Gram matrices need %.0f MB of the %.0f MB budget; one Gram pass over all rows and one "
                + "over each held-out fold, then no pass over X)",
                rows, cols, memory(cols) / 1e6, config.directMemoryBudget() / 1e6);
    }

    /**
     * Fits each α of {@code alphas} in turn (any order; a path is decreasing), each from the previous answer (the
     * first from {@code start}). The penalty's mix and factors are the constructor's; tolerance, iteration limit
     * (sweeps) and listener are {@code config}'s.
     */
    public List<IterativeResult> path(FitConfig config, double[] alphas, double[] start) {
        List<IterativeResult> out = new ArrayList<>(alphas.length);
        double[] theta = start.clone();
        for (double alpha : alphas) {
            IterativeResult r = fit(config, alpha, theta);
            out.add(r);
            theta = r.coefficients();
        }
        return out;
    }

    /** One fit at α from {@code start} (not modified). */
    public IterativeResult fit(FitConfig config, double alpha, double[] start) {
        return fit(config, alpha, start, Checkpointer.NONE);
    }

    /**
     * {@link #fit(FitConfig, double, double[])} with its sweeps' boundaries given to {@code checkpoint}: saved there when due,
     * resumed from its unfinished cd state when it has one ({@link SweepState#run}).
     */
    public IterativeResult fit(FitConfig config, double alpha, double[] start, Checkpointer checkpoint) {
        Penalty penalty = this.penalty.withAlpha(alpha);
        double[] p = penalty.factors(n);
        double[] p2 = penalty.l2Factors(n); // the l2 term's factors (p unless it has its own)
        double l1 = m * penalty.l1Strength();
        double l2 = m * penalty.l2Strength();
        double[] theta = start.clone();
        double[] q;
        if (java.util.Arrays.equals(theta, lastTheta)) { // a path's warm start: Gθ is the last fit's
            q = lastQ.clone();
        } else {
            q = gramTimes(theta);
        }
        SweepState.Outcome o = SweepState.run(new SweepState.Sweeps() {
            @Override
            public double state(double[] t, double[] a) { // X̃ᵀWr = c − q
                for (int j = 0; j < n; j++) {
                    a[j] = moment[j] - q[j];
                }
                return residualSquares(t);
            }

            @Override
            public double[] image() {
                return q;
            }

            @Override
            public void moveTo(double[] t) {
                System.arraycopy(gramTimes(t), 0, q, 0, n);
            }

            @Override
            public double residualSquares(double[] t) { // ‖R‖² = ‖y_c‖² − 2cᵀθ + θᵀq
                double ct = 0;
                double tq = 0;
                for (int j = 0; j < n; j++) {
                    ct += moment[j] * t[j];
                    tq += t[j] * q[j];
                }
                return Math.max(0, targetSquares - 2 * ct + tq);
            }

            @Override
            public double residualSquaresRounding(double targets, double residuals) {
                return SweepState.cancellingRounding(targets, residuals, n);
            }

            @Override
            public double[] sweep(double[] t, double[] a, int[] coordinates) { // one at rest costs O(1): nothing to skip
                return GramCoordinateDescent.sweep(gram, moment, p, p2, l1, l2, t, q, coordinates);
            }
        }, theta, config, p, p2, l1, l2, m, targetSquares, freeScale, checkpoint);
        lastTheta = theta.clone();
        lastQ = q;
        return new IterativeResult(theta, statistics.interceptFor(theta), o.sweeps(), o.stop(), o.losses(), o.norms(),
                Double.NaN, o.gap(), o.historySweeps());
    }

    /** Gθ over θ's non-zero entries (G symmetric: column j is row j). */
    private double[] gramTimes(double[] theta) {
        double[] q = new double[n];
        for (int j = 0; j < n; j++) {
            double t = theta[j];
            if (t != 0) {
                axpy(t, gram, j * n, q, n);
            }
        }
        return q;
    }

    /**
     * One cyclic sweep over j = 0 … n−1, or over {@code coordinates} in their order when not null (see the class
     * Javadoc). Writes θ and q = Gθ; returns {largest |Δθⱼ|, largest
     * |θⱼ| after the sweep, 1 if any θⱼ moved else 0}. Kept apart (and the axpy apart again) so that the JIT compiles
     * the hot loop on its own and vectorizes it.
     */
    private static double[] sweep(double[] gram, double[] moment, double[] p, double[] p2, double l1, double l2, double[] theta,
                                  double[] q, int[] coordinates) {
        int n = theta.length;
        double changeMax = 0;
        double thetaMax = 0;
        boolean moved = false;
        int count = coordinates == null ? n : coordinates.length;
        for (int k = 0; k < count; k++) {
            int j = coordinates == null ? k : coordinates[k];
            int base = j * n;
            double gjj = gram[base + j];
            double d = gjj + l2 * p2[j];
            if (!(d > 0)) {
                continue;
            }
            double old = theta[j];
            double t = moment[j] - q[j] + gjj * old;
            double next = SweepState.coordinate(t, l1 * p[j], d);
            double delta = next - old;
            changeMax = Math.max(changeMax, Math.abs(delta));
            thetaMax = Math.max(thetaMax, Math.abs(next));
            if (delta != 0) {
                theta[j] = next;
                moved = true;
                axpy(delta, gram, base, q, n);
            }
        }
        return new double[] {changeMax, thetaMax, moved ? 1 : 0};
    }

    /** y[0, n) += a·x[offset, offset + n). Writes y. */
    private static void axpy(double a, double[] x, int offset, double[] y, int n) {
        for (int i = 0; i < n; i++) {
            y[i] += a * x[offset + i];
        }
    }
}
