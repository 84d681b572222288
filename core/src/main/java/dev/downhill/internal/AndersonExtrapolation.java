package dev.downhill.internal;

/**
 * Anderson extrapolation of the iterates of a fixed-point map (Anderson 1965; for coordinate descent on the lasso and
 * elastic net, Bertrand &amp; Massias, "Anderson acceleration of coordinate descent", AISTATS 2021). From the last
 * K + 1 iterates θ₀ … θ_K of the map (here: cd's sweeps), with U = [θ₁ − θ₀, …, θ_K − θ_{K−1}] (n × K),
 * <pre>
 *   z = (UᵀU)⁻¹·1,   c = z / Σz,   θ_e = Σₖ cₖ·θₖ   (k = 1 … K)
 * </pre>
 * — the combination of the iterates whose combined differences are least in norm (Σc = 1), which for a linear map is
 * the minimal-polynomial extrapolation of its limit. The caller decides whether to keep θ_e (coordinate descent: only
 * where its objective is lower).
 *
 * <p>Host memory: (K + 1)·n doubles (and, while it extrapolates, K + 1 vectors over the coordinates that moved). Not
 * thread-safe; one per fit.
 */
final class AndersonExtrapolation {
    /** K, the number of differences combined (scikit-learn-contrib's skglm uses 5 as well). */
    static final int DEPTH = 5;
    /** λ/max Aᵢᵢ, the regularisation of UᵀU's solve. */
    static final double RIDGE = 1e-15;
    private final double[][] iterates = new double[DEPTH + 1][];
    private int count;

    AndersonExtrapolation(int n) {
        for (int k = 0; k <= DEPTH; k++) {
            iterates[k] = new double[n];
        }
    }

    /** Adds the kept iterates to a checkpoint's {@code state} ({@code anderson.count}, {@code anderson.k}). */
    void capture(SolverState.Builder state) {
        state.put("anderson.count", count);
        for (int k = 0; k < count; k++) {
            state.put("anderson." + k, iterates[k]);
        }
    }

    /** The iterates {@link #capture} saved: afterwards this extrapolation is what it was then. */
    void restore(SolverState state) {
        count = Math.toIntExact(state.integer("anderson.count"));
        if (count < 0 || count > DEPTH + 1) {
            throw new IllegalArgumentException("the checkpoint's anderson.count " + count + " is not in 0 … " + (DEPTH + 1));
        }
        for (int k = 0; k < count; k++) {
            System.arraycopy(state.vector("anderson." + k, iterates[k].length), 0, iterates[k], 0, iterates[k].length);
        }
    }

    /** Forgets the iterates and starts again from θ (copied). */
    void restart(double[] theta) {
        count = 0;
        record(theta);
    }

    /** Keeps θ (copied) as the next iterate; once K + 1 are kept, {@link #ready()} until a restart. */
    void record(double[] theta) {
        if (count > DEPTH) {
            throw new IllegalStateException("extrapolate or restart first");
        }
        System.arraycopy(theta, 0, iterates[count], 0, theta.length);
        count++;
    }

    /** Whether K + 1 iterates are kept. */
    boolean ready() {
        return count == DEPTH + 1;
    }

    /**
     * Writes θ_e (the class Javadoc) into {@code theta}; returns false, writing nothing, when the iterates have not
     * moved or the combination is not finite. UᵀU is regularised by {@value #RIDGE} of its largest diagonal entry (as
     * regularised nonlinear acceleration does, there with larger λ): where the differences are linearly dependent — a
     * linear map on fewer than K dimensions, where the extrapolation is exact — the solve stays defined and c tends to
     * the null vector. (A larger λ, 1e-12, loosened that limit and cost cd up to 16 % more sweeps on one wide sparse
     * problem; sweep counts move by ~10 % either way with any change here.)
     */
    boolean extrapolate(double[] theta) {
        if (!ready()) {
            throw new IllegalStateException("needs " + (DEPTH + 1) + " iterates, has " + count);
        }
        int[] moving = movingCoordinates();
        int size = moving.length;
        double[][] u = new double[DEPTH][size];
        for (int k = 0; k < DEPTH; k++) {
            double[] next = iterates[k + 1];
            double[] prev = iterates[k];
            double[] d = u[k];
            for (int q = 0; q < size; q++) {
                d[q] = next[moving[q]] - prev[moving[q]];
            }
        }
        double[][] gram = new double[DEPTH][DEPTH];
        for (int a = 0; a < DEPTH; a++) {
            for (int b = 0; b <= a; b++) {
                double s = 0;
                double[] ua = u[a];
                double[] ub = u[b];
                for (int q = 0; q < size; q++) {
                    s += ua[q] * ub[q];
                }
                gram[a][b] = s;
                gram[b][a] = s;
            }
        }
        double[] z = solveWithOnes(gram);
        if (z == null) {
            return false;
        }
        double total = 0;
        for (double v : z) {
            total += v;
        }
        double[] c = new double[DEPTH];
        for (int k = 0; k < DEPTH; k++) {
            c[k] = z[k] / total;
            if (!Double.isFinite(c[k])) {
                return false;
            }
        }
        System.arraycopy(iterates[DEPTH], 0, theta, 0, theta.length); // a coordinate that has not moved stays as it is
        for (int q = 0; q < size; q++) {
            int j = moving[q];
            double v = 0;
            for (int k = 1; k <= DEPTH; k++) {
                v += c[k - 1] * iterates[k][j];
            }
            theta[j] = v;
        }
        return true;
    }

    /**
     * The coordinates whose value differs between two kept iterates: elsewhere U's rows are 0 and θ_e equals them (Σc =
     * 1), so the solve and the combination run over these alone (a lasso's non-zero coefficients, not all n).
     */
    private int[] movingCoordinates() {
        int n = iterates[0].length;
        int[] moving = new int[n];
        int size = 0;
        double[] first = iterates[0];
        for (int j = 0; j < n; j++) {
            double v = first[j];
            for (int k = 1; k <= DEPTH; k++) {
                if (iterates[k][j] != v) {
                    moving[size++] = j;
                    break;
                }
            }
        }
        return java.util.Arrays.copyOf(moving, size);
    }

    /**
     * Solves (A + λI)·z = 1, λ = {@value #RIDGE}·max Aᵢᵢ, for the symmetric positive semidefinite K × K matrix A by
     * Cholesky; null when A is 0 or not finite.
     */
    static double[] solveWithOnes(double[][] matrix) {
        int k = matrix.length;
        double largest = 0;
        for (int i = 0; i < k; i++) {
            largest = Math.max(largest, matrix[i][i]);
        }
        if (!(largest > 0) || !Double.isFinite(largest)) {
            return null;
        }
        double[][] a = new double[k][];
        for (int i = 0; i < k; i++) {
            a[i] = matrix[i].clone();
            a[i][i] += RIDGE * largest;
        }
        double[][] l = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int q = 0; q < j; q++) {
                    s -= l[i][q] * l[j][q];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        return null; // rounding only: A + λI is positive definite
                    }
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        double[] y = new double[k];
        for (int i = 0; i < k; i++) {
            double s = 1;
            for (int q = 0; q < i; q++) {
                s -= l[i][q] * y[q];
            }
            y[i] = s / l[i][i];
        }
        double[] z = new double[k];
        for (int i = k - 1; i >= 0; i--) {
            double s = y[i];
            for (int q = i + 1; q < k; q++) {
                s -= l[q][i] * z[q];
            }
            z[i] = s / l[i][i];
        }
        return z;
    }
}
