package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.IterationListener;
import dev.downhill.StopReason;
import java.util.ArrayList;
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
        double kkt = 0;
        for (int j = 0; j < theta.length; j++) {
            g[j] = theta[j] == 0 ? -(2 / w) * a[j] : -(2 / w) * (a[j] - l2 * p2[j] * theta[j]); // no ∞·0 at a huge α
            double kappa = 2 * l1 * p[j] / w;
            double v = theta[j] != 0 ? g[j] + Math.copySign(kappa, theta[j]) : Math.max(0, Math.abs(g[j]) - kappa);
            kkt += v * v;
        }
        double gap = ProximalGradientSolver.relativeGap(residualSquares, targetSquares, g, theta, p, p2, l1, l2, w);
        return new SweepState(objective(residualSquares, theta, p, p2, l1, l2, w), Math.sqrt(kkt), gap);
    }

    /** The two steps a coordinate-descent route implements; {@link #run} drives them. */
    interface Sweeps {
        /** Writes a = X̃ᵀWr at θ; returns ‖r‖²_W. */
        double state(double[] theta, double[] a);

        /**
         * One cyclic sweep from θ over every coordinate ({@code coordinates} null), where {@code a} = X̃ᵀWr (the last
         * {@link #state}'s, read only: a route may skip the coordinates it shows cannot move), or over {@code
         * coordinates} only, in their order ({@code a} then unused): writes θ; returns {largest |Δθⱼ|, largest |θⱼ| over
         * the coordinates visited, 1 if any θⱼ moved else 0}.
         */
        double[] sweep(double[] theta, double[] a, int[] coordinates);

        /**
         * The route's vector that its sweeps keep up to date with θ (the residual r = y_c − X̃θ, or Gθ); {@link #run}'s
         * extrapolation saves and restores it.
         */
        double[] image();

        /** Recomputes {@link #image()} at θ from scratch (a pass over θ's non-zero columns of X or G). */
        void moveTo(double[] theta);

        /** ‖r‖²_W at θ from the {@link #image()} (no pass over X). */
        double residualSquares(double[] theta);

        /**
         * The rounding error of {@link #residualSquares} ≈ {@code residualSquares} for a problem whose ‖y_c‖²_W is
         * {@code targetSquares}: the scale below which two sweeps' objectives cannot be told apart ({@link Stall}).
         */
        double residualSquaresRounding(double targetSquares, double residualSquares);
    }

    /**
     * How a cd fit ended: its sweeps, stop reason, histories (one point per full sweep's state, taken after {@code
     * historySweeps[k]} sweeps) and last relative duality gap (θ is written in place).
     */
    record Outcome(long sweeps, StopReason stop, double[] losses, double[] norms, long[] historySweeps, double gap) {
    }

    /** The solver's name in a checkpoint. */
    static final String NAME = "cd";

    /** The most sweeps over the non-zero coefficients between two full sweeps. */
    static final int ACTIVE_SWEEPS = 20;

    /**
     * The sweeps of one cd fit from θ (written in place) until scikit-learn's rule holds — once a sweep's largest change
     * is ≤ tol·max|θⱼ| (or θ = 0), the relative gap ≤ tol and the unpenalised coefficients' gradients ≤ tol·{@code
     * freeScale} ({@link StopReason#DUALITY_GAP}), tested after each sweep — or a sweep moves nothing
     * ({@link StopReason#NO_PROGRESS}), the iteration limit (sweeps), the listener, or a stop request or interrupt at
     * the boundary before each full sweep ({@code checkpoint}: saved there when due, and resumed from bit for bit);
     * or, with tol &gt; 0, no progress at the rounding floor ({@link Stall}, also {@link StopReason#NO_PROGRESS}).
     * After each full sweep (every coordinate; the route may skip those it shows cannot leave 0) come up to {@value
     * #ACTIVE_SWEEPS} sweeps over the active coordinates only ({@link #active}: θⱼ ≠ 0 or pⱼ = 0), until one's largest
     * change is ≤ tol·max|θⱼ| (glmnet's active-set cycling): they cost the active columns, not a pass over X, and take no
     * state. The state is recorded before each full sweep and at the end, with the sweep count at which it was taken
     * ({@link Outcome#historySweeps}); every sweep counts towards the limit. After every {@value AndersonExtrapolation#DEPTH} sweeps an
     * Anderson extrapolation of the last iterates replaces θ where it lowers the objective ({@link #extrapolate}): on
     * ill-conditioned problems (wide X near interpolation, many coupled non-zero coefficients) plain cyclic sweeps
     * converge linearly at a rate near 1, and the extrapolation cuts their number several-fold (measured on 500 × 5,000
     * sparse X at α = 0.1: 8,171 sweeps to a relative gap of 1e-10 without it, 1,236 with it); where sweeps converge in
     * a few dozen it costs a copy of θ a sweep and, every K sweeps, a K × K solve and one recomputation of the image.
     */
    static Outcome run(Sweeps route, double[] theta, FitConfig config, double[] p, double[] p2, double l1, double l2, double w,
                       double targetSquares, double freeScale, Checkpointer checkpoint) {
        int n = theta.length;
        double tol = config.tolerance(dev.downhill.Precision.FLOAT64);
        long maxSweeps = config.maxIterations();
        IterationListener listener = config.listener();
        double[] a = new double[n];
        double[] g = new double[n];
        List<Double> losses = new ArrayList<>();
        List<Double> norms = new ArrayList<>();
        List<Long> historySweeps = new ArrayList<>();
        StopReason stop;
        double gap;
        long sweep = 0;
        boolean moved = true;
        double changeMax = 0;
        double thetaMax = 0;
        Stall stall = new Stall();
        AndersonExtrapolation anderson = new AndersonExtrapolation(n);
        anderson.restart(theta);
        SolverState resume = checkpoint.take(NAME);
        if (resume != null) { // everything the loop's top depends on, as it was when saved: the same sweeps follow
            System.arraycopy(resume.vector("theta", n), 0, theta, 0, n);
            double[] image = route.image();
            System.arraycopy(resume.vector("image", image.length), 0, image, 0, image.length);
            sweep = resume.iteration();
            moved = resume.integer("moved") != 0;
            changeMax = resume.real("changeMax");
            thetaMax = resume.real("thetaMax");
            for (double v : resume.vector("lossHistory")) {
                losses.add(v);
            }
            for (double v : resume.vector("gradientNormHistory")) {
                norms.add(v);
            }
            for (double v : resume.vector("historyIterations")) {
                historySweeps.add((long) v);
            }
            stall.restore(resume);
            anderson.restore(resume);
        }
        double[] trialTheta = new double[n];
        double[] savedImage = new double[route.image().length];
        while (true) {
            long at = sweep;
            boolean movedAt = moved;
            double changeAt = changeMax;
            double thetaMaxAt = thetaMax;
            // a boundary: saves when due (before a sweep: the state is θ, the route's image, the extrapolation's iterates,
            // the no-progress window and the histories), and a stop request or an interrupt ends the fit here
            checkpoint.boundary(sweep, () -> {
                SolverState.Builder s = SolverState.builder(NAME, at, false).put("theta", theta).put("image", route.image())
                        .put("moved", movedAt ? 1 : 0).put("changeMax", changeAt).put("thetaMax", thetaMaxAt)
                        .put("lossHistory", toArray(losses)).put("gradientNormHistory", toArray(norms))
                        .put("historyIterations", historySweeps.stream().mapToDouble(Long::doubleValue).toArray());
                stall.capture(s);
                anderson.capture(s);
                return s.build();
            });
            double residualSquares = route.state(theta, a);
            SweepState state = at(a, residualSquares, targetSquares, theta, p, p2, l1, l2, w, g);
            losses.add(state.loss());
            norms.add(state.kktNorm());
            historySweeps.add(sweep);
            gap = state.gap();
            if (listener.onIteration(sweep, state.loss(), state.kktNorm()) == IterationListener.Control.STOP) {
                stop = StopReason.STOPPED_BY_LISTENER;
                break;
            }
            // scikit-learn's rule: the gap is consulted once the sweep's largest change is ≤ tol·max|θⱼ| (or θ = 0)
            if (tol > 0 && sweep > 0 && (thetaMax == 0 || changeMax <= tol * thetaMax) && gap <= tol
                    && freeSettled(g, p, tol * freeScale)) {
                stop = StopReason.DUALITY_GAP;
                break;
            }
            if (!moved) {
                stop = StopReason.NO_PROGRESS;
                break;
            }
            if (sweep >= maxSweeps) {
                stop = StopReason.ITERATION_LIMIT;
                break;
            }
            if (tol > 0 && stall.stalled(sweep, state, lossRounding(state.loss(), route.residualSquaresRounding(targetSquares,
                    residualSquares), w), theta)) {
                stop = StopReason.NO_PROGRESS;
                break;
            }
            double[] changes = route.sweep(theta, a, null);
            changeMax = changes[0];
            thetaMax = changes[1];
            moved = changes[2] != 0;
            sweep++;
            extrapolate(route, anderson, theta, trialTheta, savedImage, p, p2, l1, l2, w);
            if (moved && tol > 0) {
                int[] active = active(theta, p);
                for (int inner = 0; inner < ACTIVE_SWEEPS && active.length > 0 && active.length < n
                        && sweep < maxSweeps; inner++) { // (no boundary: a stop waits for the next full sweep's)
                    double[] innerChanges = route.sweep(theta, null, active);
                    sweep++;
                    extrapolate(route, anderson, theta, trialTheta, savedImage, p, p2, l1, l2, w);
                    if (innerChanges[2] == 0 || innerChanges[0] <= tol * innerChanges[1]) {
                        break;
                    }
                }
            }
        }
        long[] sweeps = new long[historySweeps.size()];
        for (int k = 0; k < sweeps.length; k++) {
            sweeps[k] = historySweeps.get(k);
        }
        return new Outcome(sweep, stop, toArray(losses), toArray(norms), sweeps, gap);
    }

    /**
     * After a sweep: θ joins {@code anderson}'s iterates, and once K + 1 are kept, Anderson's step
     * ({@link AndersonExtrapolation}): θ_e from the last K + 1 iterates replaces θ
     * when 2·P(θ_e) &lt; 2·P(θ), both from ‖r‖²_W, θ_e's with its image recomputed from scratch (a pass over its
     * non-zero columns of X or G: no rounding carried over from the combination); then the iterates start again from
     * whichever was kept. No margin: on ill-conditioned problems the steps that matter lower 2·P by less than 1e-14 of
     * ‖y_c‖²_W/W while moving θ far (measured: a margin of that size doubled the sweeps on 500 × 5,000 sparse X, and
     * of 1e-12 quadrupled them) — so a decision can hang on rounding, and two routes of the same fit (Gram, columns)
     * may take different numbers of sweeps to the same answer.
     */
    private static void extrapolate(Sweeps route, AndersonExtrapolation anderson, double[] theta, double[] trialTheta,
                                    double[] savedImage, double[] p, double[] p2, double l1, double l2, double w) {
        anderson.record(theta);
        if (!anderson.ready()) {
            return;
        }
        if (anderson.extrapolate(trialTheta)) {
            double[] image = route.image();
            double current = objective(route.residualSquares(theta), theta, p, p2, l1, l2, w);
            System.arraycopy(image, 0, savedImage, 0, image.length);
            route.moveTo(trialTheta);
            double trial = objective(route.residualSquares(trialTheta), trialTheta, p, p2, l1, l2, w);
            if (trial < current) {
                System.arraycopy(trialTheta, 0, theta, 0, theta.length);
            } else {
                System.arraycopy(savedImage, 0, image, 0, image.length);
            }
        }
        anderson.restart(theta);
    }

    /**
     * cd's no-progress rule, the full-batch solvers' ({@link FullBatchProgress}) in cd's measures: progress is a fall of
     * the best relative duality gap or of the best KKT norm by {@link StopReason#NO_PROGRESS_NORM_DROP} of itself, or a
     * fall of the best 2·P by more than its rounding error (the route's: {@link Sweeps#residualSquaresRounding}); when none
     * has happened for max({@link StopReason#NO_PROGRESS_MIN_WINDOW}, k/{@link StopReason#NO_PROGRESS_WINDOW_DIVISOR})
     * sweeps (tested at each full sweep's state) and θ has stayed within {@link #STILL} of where it was, the fit is at
     * its rounding floor. (A review found the first version, without the θ test and with the Gram route's rounding on
     * both routes, stopping cd over the columns of wide X near interpolation — 200 × 2,000, α 1e-8 — after 126 sweeps
     * with the objective 22 % above where 10,000 sweeps took it.) There θ need not be a fixed point: at a tiny α the sweeps keep
     * moving it in its last bits while the gap stays where the rounding of X̃ᵀr puts it — the dual point's scale
     * l1/‖X̃ᵀr‖_∞ is then ruled by that rounding, and ½‖r‖²(1 − scale)² alone exceeds the tolerance (measured: 20,000 ×
     * 100 float64, neighbouring columns correlated 0.9, α = 1e-12: the gap stayed at 5.0e-8 from sweep ~200 to the
     * 10,000-sweep limit, the objective unchanged in its 10 printed digits).
     */
    static final class Stall {
        /**
         * How far θ may move over a window (relative to its largest |θⱼ|, ~√ε) and still count as at rest: at a rounding
         * floor the sweeps move it in its last bits, while a fit converging too slowly for its objective to show it (wide
         * X near interpolation over the columns: 2·P falling 4e-13 a sweep, the gap held up by its dual point) still
         * moves it by far more.
         */
        static final double STILL = 0x1p-26;

        private double bestGap = Double.POSITIVE_INFINITY;
        private double bestKkt = Double.POSITIVE_INFINITY;
        private double bestLoss = Double.POSITIVE_INFINITY;
        private double progressGap = Double.POSITIVE_INFINITY;
        private double progressKkt = Double.POSITIVE_INFINITY;
        private double progressLoss = Double.POSITIVE_INFINITY;
        private long progressSweep;
        /** θ at the last progress (null before the first record). */
        private double[] progressTheta;

        void capture(SolverState.Builder s) {
            s.put("stall.bestGap", bestGap).put("stall.bestKkt", bestKkt).put("stall.bestLoss", bestLoss)
                    .put("stall.progressGap", progressGap).put("stall.progressKkt", progressKkt)
                    .put("stall.progressLoss", progressLoss).put("stall.progressSweep", progressSweep);
            if (progressTheta != null) {
                s.put("stall.progressTheta", progressTheta);
            }
        }

        void restore(SolverState s) {
            bestGap = s.real("stall.bestGap");
            bestKkt = s.real("stall.bestKkt");
            bestLoss = s.real("stall.bestLoss");
            progressGap = s.real("stall.progressGap");
            progressKkt = s.real("stall.progressKkt");
            progressLoss = s.real("stall.progressLoss");
            progressSweep = s.integer("stall.progressSweep");
            progressTheta = s.has("stall.progressTheta") ? s.vector("stall.progressTheta") : null;
        }

        /**
         * Records the state at θ after {@code sweep} sweeps; whether the fit has made no progress for a whole window, θ
         * staying within {@link #STILL} of its largest |θⱼ| of where it was at the last progress.
         */
        boolean stalled(long sweep, SweepState state, double lossRounding, double[] theta) {
            bestGap = Math.min(bestGap, state.gap());
            bestKkt = Math.min(bestKkt, state.kktNorm());
            bestLoss = Math.min(bestLoss, state.loss());
            double keep = 1 - StopReason.NO_PROGRESS_NORM_DROP;
            if (bestGap < keep * progressGap || bestKkt < keep * progressKkt || progressLoss - bestLoss > lossRounding
                    || progressTheta == null) {
                progress(sweep, theta);
                return false;
            }
            if (sweep - progressSweep < Math.max(StopReason.NO_PROGRESS_MIN_WINDOW, sweep / StopReason.NO_PROGRESS_WINDOW_DIVISOR)) {
                return false;
            }
            double moved = 0;
            double largest = 0;
            for (int j = 0; j < theta.length; j++) {
                moved = Math.max(moved, Math.abs(theta[j] - progressTheta[j]));
                largest = Math.max(largest, Math.abs(theta[j]));
            }
            if (moved > STILL * largest) { // still on its way, too slowly for the objective to show it: look again later
                progress(sweep, theta);
                return false;
            }
            return true;
        }

        private void progress(long sweep, double[] theta) {
            progressGap = bestGap;
            progressKkt = bestKkt;
            progressLoss = bestLoss;
            progressSweep = sweep;
            if (progressTheta == null || progressTheta.length != theta.length) {
                progressTheta = theta.clone();
            } else {
                System.arraycopy(theta, 0, progressTheta, 0, theta.length); // (no allocation a sweep)
            }
        }
    }

    /**
     * The rounding error of 2·P = (‖r‖²_W + 2·penalty)/W from that of ‖r‖²_W ({@link Sweeps#residualSquaresRounding}):
     * 64 roundings of 2·P itself, plus the route's.
     */
    static double lossRounding(double loss, double residualSquaresRounding, double w) {
        return 0x1p-53 * 64 * Math.abs(loss) + residualSquaresRounding / w;
    }

    /**
     * The Gram route's {@link Sweeps#residualSquaresRounding}: ‖r‖²_W = ‖y_c‖²_W − 2cᵀθ + θᵀGθ cancels terms up to
     * (‖y_c‖ + ‖X̃θ‖)² ≤ (2‖y_c‖ + ‖r‖)², summed over n coordinates.
     */
    static double cancellingRounding(double targetSquares, double residualSquares, int n) {
        double spread = 2 * Math.sqrt(targetSquares) + Math.sqrt(residualSquares);
        return 0x1p-53 * 8 * Math.sqrt(n + 2.0) * spread * spread;
    }

    /**
     * The column route's {@link Sweeps#residualSquaresRounding}: ‖r‖²_W = Σᵢwᵢrᵢ², m terms ≥ 0, nothing cancels.
     */
    static double summingRounding(double residualSquares, int m) {
        return 0x1p-53 * 8 * Math.sqrt(m + 2.0) * residualSquares;
    }

    /** 2·P(θ) = (‖r‖²_W + 2·(l1·Σpⱼ|θⱼ| + ½·l2·Σp₂ⱼθⱼ²)) / W. */
    static double objective(double residualSquares, double[] theta, double[] p, double[] p2, double l1, double l2, double w) {
        double penaltyValue = 0;
        for (int j = 0; j < theta.length; j++) {
            if (theta[j] != 0) {
                penaltyValue += l1 * p[j] * Math.abs(theta[j]) + 0.5 * l2 * p2[j] * theta[j] * theta[j];
            }
        }
        return (residualSquares + 2 * penaltyValue) / w;
    }

    /**
     * Coordinate j's new value from t = X̃ⱼᵀWr + dⱼθⱼ (its least-squares target with θⱼ left out), the l1 threshold
     * l1·pⱼ and the denominator d = dⱼ + l2·p₂ⱼ &gt; 0: soft(t, threshold)/d.
     */
    static double coordinate(double t, double threshold, double d) {
        return Math.abs(t) <= threshold ? 0 : Math.copySign(Math.abs(t) - threshold, t) / d;
    }

    /** The coordinates an active sweep visits: θⱼ ≠ 0, and the unpenalised ones (pⱼ = 0), in order. */
    static int[] active(double[] theta, double[] p) {
        int[] out = new int[theta.length];
        int count = 0;
        for (int j = 0; j < theta.length; j++) {
            if (theta[j] != 0 || p[j] == 0) {
                out[count++] = j;
            }
        }
        return java.util.Arrays.copyOf(out, count);
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

    private static double[] toArray(List<Double> values) {
        double[] a = new double[values.size()];
        for (int k = 0; k < a.length; k++) {
            a[k] = values.get(k);
        }
        return a;
    }
}
