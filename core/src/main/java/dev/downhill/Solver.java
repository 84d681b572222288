package dev.downhill;

import java.util.Locale;

/**
 * The algorithms that fit y ≈ Xθ + b. Conventions (all solvers): loss MSE = (1/m)‖r‖² with
 * r = Xθ + b − y; gradient ∇θ = (2/m)Xᵀr (Hands-On ML Eq. 4-6).
 */
public enum Solver {
    /** Full-batch gradient descent: every step uses all m rows. Iterations count steps. */
    GD("gd", true),
    /**
     * Nesterov-accelerated full-batch gradient descent with adaptive (gradient) restart
     * (O'Donoghue &amp; Candès 2015), on the same fused pass as GD. Iterations count steps.
     */
    NESTEROV("nesterov", true),
    /**
     * Conjugate gradients on the least-squares problem (CG on the normal equations, CGLS-equivalent),
     * preconditioned by the column scales; no learning rate; one fused pass per iteration.
     */
    CG("cg", true),
    /**
     * Stochastic gradient descent: one row per step, rows in a fresh random order each epoch. Iterations count epochs.
     * With sample weights each row's step is multiplied by its weight (the batch normaliser stays the batch size, as
     * in scikit-learn's SGDRegressor with {@code sample_weight}); the losses recorded are (1/k)Σwᵢrᵢ² over the k rows
     * visited.
     */
    SGD("sgd", true),
    /** Mini-batch SGD: consecutive slices of each epoch's random order. Iterations count epochs. */
    MINIBATCH("minibatch", true),
    /** Normal equations XᵀXθ = Xᵀy solved by Cholesky (never an explicit inverse). Needs full column rank. */
    NORMAL("normal", false),
    /**
     * Least squares by QR of the column-scaled X and the SVD of its small triangular factor, refined in extended
     * precision; the minimum-norm answer for rank-deficient and wide X.
     */
    SVD("svd", false),
    /**
     * Cyclic coordinate descent for the lasso and elastic net, stopped on the same relative duality gap as the proximal
     * solvers; iterations count sweeps; needs an l1 term (α &gt; 0, ρ &gt; 0). Two routes with the same iterates: on the
     * Gram matrix (covariance updates, as glmnet and scikit-learn's {@code LassoCV} on tall data: one Gram pass over X,
     * n² float64 on the host, then sweeps that never read X again; {@link dev.downhill.internal.GramCoordinateDescent}),
     * or, on sparse X, over the columns of X with the residual kept up to date (naive updates, as scikit-learn's
     * {@code Lasso} on sparse X: one copy of X by column on the heap, then each sweep reads the stored entries;
     * {@link dev.downhill.internal.ColumnCoordinateDescent}) — on sparse X the cheaper by
     * {@link dev.downhill.internal.SparseL1Choice}'s cost model, on dense X the Gram route (over the columns when X is
     * wide and its copy fits the budget). {@link #AUTO} picks it for l1 fits and paths on sparse X (run to the
     * configured limit, as when named), for one l1 fit on tall dense X with few columns on the cpu backend
     * ({@link dev.downhill.internal.DenseL1Choice}: on the Gram matrix), and {@link dev.downhill.CrossValidation} for its paths on dense X
     * (on the Gram matrix with no more columns than rows, over the columns of wide X).
     */
    CD("cd", true),
    /**
     * Chosen per problem when the fit starts, from its shape, precision and the memory a direct solve would need
     * (see {@link dev.downhill.internal.SolverChoice}); the choice and its reason are recorded in the model.
     * The default.
     */
    AUTO("auto", false);

    private final String cliName;
    private final boolean iterative;

    Solver(String cliName, boolean iterative) {
        this.cliName = cliName;
        this.iterative = iterative;
    }

    /** The lower-case name used on the command line and in model files. */
    public String cliName() {
        return cliName;
    }

    /** Whether the solver is chosen per problem ({@link #AUTO}). */
    public boolean isAuto() {
        return this == AUTO;
    }

    /** Whether the solver is a gradient method (learning rate, iterations and tolerance apply). */
    public boolean isIterative() {
        return iterative;
    }

    /** Whether the solver takes a learning rate η: the gradient methods but cg (its steps are exact line searches) and cd. */
    public boolean usesLearningRate() {
        return this != CG && this != CD && iterative;
    }

    /** Whether iterations count epochs (SGD, mini-batch) rather than steps. */
    public boolean isStochastic() {
        return this == SGD || this == MINIBATCH;
    }

    /** Parses a solver name as printed by {@link #cliName()}, case-insensitive. */
    public static Solver parse(String text) {
        java.util.Objects.requireNonNull(text, "text");
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (Solver s : values()) {
            if (s.cliName.equals(t)) {
                return s;
            }
        }
        if (t.equals("mini-batch") || t.equals("batch-sgd")) {
            return MINIBATCH;
        }
        if (t.equals("cgls")) {
            return CG;
        }
        throw new IllegalArgumentException("unknown solver '" + text + "': expected auto, gd, nesterov, cg, sgd, minibatch, normal, svd or cd");
    }
}
