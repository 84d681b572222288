package dev.downhill;

import dev.downhill.internal.CentredObjective;
import dev.downhill.internal.Checkpointer;
import dev.downhill.internal.Fingerprint;
import dev.downhill.internal.Overflows;
import dev.downhill.internal.SolverState;
import dev.downhill.internal.ConjugateGradientSolver;
import dev.downhill.internal.GradientDescentSolver;
import dev.downhill.internal.ColumnCoordinateDescent;
import dev.downhill.internal.GramCoordinateDescent;
import dev.downhill.internal.NesterovSolver;
import dev.downhill.internal.ProximalGradientSolver;
import dev.downhill.internal.IterativeResult;
import dev.downhill.internal.SolverChoice;
import dev.downhill.internal.DenseL1Choice;
import dev.downhill.internal.SparseL1Choice;
import dev.downhill.internal.StochasticGradientSolver;
import dev.downhill.internal.TrialBudget;
import dev.downhill.internal.TrialCertificate;
import dev.downhill.internal.WeightScale;
import dev.downhill.internal.direct.DirectLeastSquares;
import dev.downhill.internal.direct.DirectSolution;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.Backends;
import dev.downhill.spi.ResidentProblem;
import java.time.Duration;
import java.util.Objects;
import org.bytedeco.javacpp.DoublePointer;

/**
 * Fits y ≈ Xθ + b. The entry point of the library:
 * <pre>{@code
 * try (Dataset data = Dataset.of(x, y)) {
 *     FittedModel model = LinearRegression.fit(data, FitConfig.builder().solver(Solver.GD).build());
 * }
 * }</pre>
 * To fit one dataset many times without reloading it into the backend, {@link #load} it once and
 * call {@link #fit(LoadedProblem, FitConfig)}.
 *
 * <p>Conventions: loss MSE = (1/m)‖r‖², r = Xθ + b − y; gradient (2/m)Xᵀr. With an intercept the
 * answer is the least-squares solution with an unpenalised intercept: X and y are centred
 * implicitly (never copied) and b = ȳ − x̄ᵀθ. With sample weights ({@link Dataset#isWeighted()}) the loss is
 * (1/Σw)Σᵢ wᵢrᵢ², the gradient (2/Σw)XᵀWr, and the means weighted (sgd and mini-batches: see
 * {@link Solver#SGD}; the README's "Sample weights"). The same configuration and seed on the same backend
 * and thread count give bit-identical models. Neither the dataset nor the caller's arrays are
 * modified.
 *
 * <p>Penalties ({@link FitConfig#penalty()}, {@link Penalty}): the answer minimises scikit-learn's elastic-net objective
 * (1/(2m))‖r‖² + αρΣpⱼ|θⱼ| + (α(1−ρ)/2)Σpⱼθⱼ² on the original-scale θ, intercept unpenalised. l2 works with every
 * solver; l1 and elastic net with gd (ISTA), nesterov (FISTA), sgd and minibatch (proximal steps) and cd (coordinate
 * descent, on the Gram matrix or, on sparse X, over the columns); cg, normal and svd refuse them, and auto picks nesterov
 * (on sparse X cd by its cheaper route unless its copy is over the budget, {@link SparseL1Choice}). With a penalty the loss history records what the solver minimises, twice
 * that objective (the MSE plus 2·penalty), and {@link ConvergenceReport#objective()} the objective at the answer.
 *
 * <p>Cancelling: an interrupt of the thread running a fit ({@link Thread#interrupt()}) stops it at its next iteration
 * boundary (normal and svd: between blocks of rows of their passes) with a {@link FitInterruptedException}
 * ({@code threadInterrupted()} true), leaving the thread's interrupt flag set; an {@link IterationListener} can stop
 * it too (the gradient solvers).
 */
public final class LinearRegression {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LinearRegression.class);
    /**
     * The warning that the svd solver found X rank deficient, on a logger of its own ({@value #RANK_LOGGER}) so that a
     * front end that reports the rank itself (the CLI's {@code rank:} line) can silence it.
     */
    public static final String RANK_LOGGER = "dev.downhill.LinearRegression.rank";
    private static final org.slf4j.Logger RANK_LOG = org.slf4j.LoggerFactory.getLogger(RANK_LOGGER);
    /**
     * Warnings that the named solver does not use a setting it was given (one per setting, from
     * {@link #fit(Dataset, FitConfig)} and {@link #fit(SparseDataset, FitConfig)}: {@code "learningRate does nothing with
     * solver cg (ignored)"}; none when the solver is {@link Solver#AUTO}), on a logger of their own ({@value #IGNORED_SETTING_LOGGER}) so that a front end that
     * warns about its own options in its own terms (the CLI) can silence them.
     */
    public static final String IGNORED_SETTING_LOGGER = "dev.downhill.LinearRegression.ignored";
    private static final org.slf4j.Logger IGNORED_SETTING_LOG = org.slf4j.LoggerFactory.getLogger(IGNORED_SETTING_LOGGER);
    /**
     * The warning that a fit stopped at its iteration limit before meeting its tolerance (&gt; 0), as scikit-learn's
     * {@code ConvergenceWarning}: the model is returned as usual ({@link FittedModel#converged()} is false), but its
     * coefficients may be far from the minimiser. One per {@code fit} call; the fits of an α path or cross-validation
     * give none (the chosen model's report says how it stopped). On a logger of its own ({@value #CONVERGENCE_LOGGER}) so
     * that a front end can silence it or say it in its own terms (the CLI names {@code --iterations}).
     */
    public static final String CONVERGENCE_LOGGER = "dev.downhill.LinearRegression.convergence";
    private static final org.slf4j.Logger CONVERGENCE_LOG = org.slf4j.LoggerFactory.getLogger(CONVERGENCE_LOGGER);
    /**
     * The warning that a full-batch gradient fit (gd, nesterov, cg) met its tolerance or stopped making progress with
     * coefficients its gradient does not vouch for: X is so ill-conditioned that ‖∇‖ ≤ tol·‖∇₀‖ still lets them be far
     * from the least-squares answer ({@link dev.downhill.internal.AccuracyWarning}, an a-posteriori check made where it
     * costs no more than the fit). One per fit, from every front end (its words name no front end's settings); the fits of
     * an α path or cross-validation give none. On a logger of its own ({@value #ACCURACY_LOGGER}).
     */
    public static final String ACCURACY_LOGGER = "dev.downhill.LinearRegression.accuracy";
    private static final org.slf4j.Logger ACCURACY_LOG = org.slf4j.LoggerFactory.getLogger(ACCURACY_LOGGER);

    static {
        dev.downhill.internal.FrontEnds.register((problem, config) -> fitUnwarned(problem, config, false, false), FittedModel::restated);
    }

    private LinearRegression() {
    }

    /**
     * Selects the backend named by {@code config} (see {@link Backends#select}), loads {@code data}, fits and releases the
     * backend copy. The dataset is in use during the fit ({@link Dataset#use()}): closing it from another thread meanwhile
     * throws. A fit that stops at its iteration limit short of its tolerance returns its model and logs a warning
     * ({@link #CONVERGENCE_LOGGER}).
     *
     * @param data   X, y and any sample weights; not modified
     * @param config the solver and its settings
     * @return the fitted model
     * @throws dev.downhill.spi.BackendUnavailableException when the backend {@code config} names is unknown or cannot run
     *                                        here, or none can (an {@link IllegalStateException})
     * @throws IllegalArgumentException       when the configuration does not fit the data: initial coefficients or penalty
     *                                        factors whose number is not X's columns, a validation fraction that leaves no
     *                                        training or no validation rows of positive weight, a checkpoint to resume from
     *                                        that is missing, damaged, of another solver or of another fit
     *                                        ({@link CheckpointMismatchException})
     * @throws IllegalStateException          when the dataset is closed, when the backend does not support sample weights
     *                                        (a weighted dataset is never fitted unweighted), or when another fit is saving
     *                                        to the checkpoint's folder
     * @throws DivergenceException            when a gradient solver's loss becomes NaN or infinite or grows past
     *                                        10⁴ times its starting value (a fixed
     *                                        η too large, usually); no model is returned
     * @throws SingularMatrixException        when solver normal, named, finds XᵀX singular or more ill-conditioned than
     *                                        1e12 ({@link FitConfig#NORMAL_EQUATIONS_MAX_CONDITION}; {@link Solver#AUTO} turns to
     *                                        svd instead)
     * @throws ArithmeticException            when the data's values are beyond what the solver can represent (X or y too
     *                                        large or too small for the gradient solvers' scaling, XᵀX or the QR factor not
     *                                        finite in float64, a sum of y or of a column of X beyond float64 with an
     *                                        intercept), or when the answer is: no model with a coefficient or intercept
     *                                        that is not finite is returned; {@link DivergenceException} and
     *                                        {@link SingularMatrixException} are ArithmeticExceptions too
     * @throws FitInterruptedException        when {@link Checkpoint#requestStop()} or an interrupt of the running thread
     *                                        stopped the fit (its state saved when the checkpoint writes one)
     * @throws java.io.UncheckedIOException   when a checkpoint cannot be written or read
     * @throws NullPointerException           when an argument is null
     */
    public static FittedModel fit(Dataset data, FitConfig config) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(config, "config");
        return fit(data, config, true);
    }

    /**
     * {@link #fit(Dataset, FitConfig)} without its warnings about settings and the iteration limit (a cross-validation's
     * refit at its chosen α: the cross-validation said them once).
     */
    static FittedModel fitQuietly(Dataset data, FitConfig config) {
        return fit(data, config, false);
    }

    /** {@link #fit(Dataset, FitConfig)}, with its warnings ({@code warned}) or without. */
    private static FittedModel fit(Dataset data, FitConfig config, boolean warned) {
        if (warned) {
            warnUnusedSettings(config);
        }
        // the one-time backend initialisation (availability probes, native libraries) is not part of the fit's time;
        // the model reports it apart
        long initStart = System.nanoTime();
        Backends.select(config.backend());
        long start = System.nanoTime();
        try (Dataset.Use use = data.use(); LoadedProblem problem = load(data, config)) { // data cannot be closed under the fit
            checkMatches(problem, config);
            try (Checkpointer checkpoint = checkpointer(problem, config, config.checkpoint().isActive() ? Fingerprint.checksum(data) : null, start)) {
                FittedModel model = finish(problem, fit(problem.problem(), config, start, checkpoint), true, warned);
                model = model.withReport(model.report().withBackendInitSeconds((start - initStart) / 1e9));
                return warned ? warnedIfUnconverged(model) : model;
            }
        }
    }

    /**
     * Fits y ≈ Xθ + b on a sparse X without densifying it: the backend (the cpu backend, or the one {@code config}
     * names if it takes sparse X) runs its passes over the stored entries. {@link Solver#AUTO} picks {@link Solver#NORMAL}
     * where its cost model says the exact answer is cheap, else {@link Solver#CG} ({@link
     * dev.downhill.internal.SolverChoice#chooseSparse}; where the normal equations refuse, svd on a dense copy of X within
     * the budget, else cg), and {@link Solver#CD} or {@link Solver#NESTEROV} with an l1 term
     * ({@link dev.downhill.internal.SparseL1Choice});
     * {@code normal} works through the sparse Gram matrix (n² memory), {@code cd} through it or over a copy of X by
     * column, whichever {@link dev.downhill.internal.SparseL1Choice} says is cheaper; {@code svd}, whose QR reduction reads
     * every entry, densifies X once on the host when the dense copy (m·n values in X's precision) fits
     * {@link FitConfig#directMemoryBudget()} and runs the dense svd path on it (the model is the dense fit's; its wall
     * time includes the copy; the copy is logged), and is refused before any work above that bound (see
     * {@code SparseDensification}). The model predicts and scores sparse X without densifying it: {@link FittedModel#predict(SparseDataset)}
     * and {@link FittedModel#score(SparseDataset)}, or {@link FittedModel#predict(LoadedProblem)} and
     * {@link FittedModel#score(LoadedProblem)} on data loaded with {@link #load(SparseDataset, FitConfig)}. The dataset is
     * in use during the fit ({@link SparseDataset#use()}): closing it from another thread meanwhile throws.
     *
     * @param data   sparse X (CSR), y and any sample weights; not modified
     * @param config the solver and its settings
     * @return the fitted model
     * @throws dev.downhill.spi.BackendUnavailableException when the backend {@code config} names is unknown or cannot run
     *                                        here (an {@link IllegalStateException})
     * @throws UnsupportedOperationException  when the named backend does not take sparse X (nd4j), or, with the backend
     *                                        left automatic, no available backend does
     * @throws IllegalArgumentException       when the configuration does not fit the data: initial coefficients or penalty
     *                                        factors whose number is not X's columns, a validation fraction that leaves no
     *                                        training or no validation rows of positive weight, a checkpoint to resume from
     *                                        that is missing, damaged, of another solver or of another fit
     *                                        ({@link CheckpointMismatchException}), or solver svd
     *                                        on an X whose dense copy exceeds {@link FitConfig#directMemoryBudget()}
     * @throws IllegalStateException          when the dataset is closed, when the backend does not support sample weights
     *                                        (a weighted dataset is never fitted unweighted), or when another fit is saving
     *                                        to the checkpoint's folder
     * @throws DivergenceException            when a gradient solver's loss becomes NaN or infinite or grows past
     *                                        10⁴ times its starting value (a fixed
     *                                        η too large, usually); no model is returned
     * @throws SingularMatrixException        when solver normal, named, finds XᵀX singular or more ill-conditioned than
     *                                        1e12 ({@link FitConfig#NORMAL_EQUATIONS_MAX_CONDITION}; {@link Solver#AUTO} turns to
     *                                        svd instead)
     * @throws ArithmeticException            when the data's values are beyond what the solver can represent (X or y too
     *                                        large or too small for the gradient solvers' scaling, XᵀX or the QR factor not
     *                                        finite in float64, a sum of y or of a column of X beyond float64 with an
     *                                        intercept), or when the answer is: no model with a coefficient or intercept
     *                                        that is not finite is returned; {@link DivergenceException} and
     *                                        {@link SingularMatrixException} are ArithmeticExceptions too
     * @throws FitInterruptedException        when {@link Checkpoint#requestStop()} or an interrupt of the running thread
     *                                        stopped the fit (its state saved when the checkpoint writes one)
     * @throws java.io.UncheckedIOException   when a checkpoint cannot be written or read
     * @throws NullPointerException           when an argument is null
     */
    public static FittedModel fit(SparseDataset data, FitConfig config) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(config, "config");
        return fit(data, config, true);
    }

    /** {@link #fit(SparseDataset, FitConfig)} without its warnings about settings (as {@link #fitQuietly(Dataset, FitConfig)}). */
    static FittedModel fitQuietly(SparseDataset data, FitConfig config) {
        return fit(data, config, false);
    }

    /** {@link #fit(SparseDataset, FitConfig)}, with its warnings about settings ({@code warned}) or without. */
    private static FittedModel fit(SparseDataset data, FitConfig config, boolean warned) {
        if (config.solver() == Solver.SVD) { // before X is loaded: densified within the budget, else refused
            return fitDensified(data, config, config, warned);
        }
        if (warned) {
            warnUnusedSettings(config);
        }
        long initStart = System.nanoTime(); // the backend's one-time initialisation is reported apart, as for dense X
        Backends.selectSparse(config.backend());
        long start = System.nanoTime();
        DenseCopyForSvd refused;
        try (SparseDataset.Use use = data.use(); LoadedProblem problem = load(data, config)) { // data cannot be closed under the fit
            checkMatches(problem, config);
            try (Checkpointer checkpoint = checkpointer(problem, config, config.checkpoint().isActive() ? Fingerprint.checksum(data) : null, start)) {
                FittedModel model = finish(problem, fit(problem.problem(), config, start, checkpoint), true, true);
                return warnedIfUnconverged(model.withReport(model.report().withBackendInitSeconds((start - initStart) / 1e9)));
            }
        } catch (DenseCopyForSvd e) { // the sparse problem closed first: its memory is free for the copy
            refused = e;
        }
        return densifiedAfterRefusal(data, config, config, refused, start);
    }

    /**
     * The svd on a sparse X: refused when its dense copy exceeds {@link FitConfig#directMemoryBudget()}, else densified once
     * ({@link SparseDensification#densify}, owned here and closed once) and fitted dense with {@code denseConfig}, the model's wall
     * time counting the copy.
     */
    private static FittedModel fitDensified(SparseDataset data, FitConfig config, FitConfig denseConfig, boolean warned) {
        SparseDensification.checkAffordable(data.rows(), data.cols(), data.x().nonZeros(), data.precision(),
                config.directMemoryBudget());
        long start = System.nanoTime();
        try (SparseDataset.Use use = data.use(); Dataset copy = SparseDensification.densify(data)) {
            SparseDensification.logDensified(data, config.directMemoryBudget());
            long copied = System.nanoTime();
            FittedModel model = fit(copy, denseConfig, warned);
            return model.withWallTime(model.wallTime().plusNanos(copied - start));
        }
    }

    /**
     * Loads a sparse dataset into a backend that takes sparse X (see {@link #fit(SparseDataset, FitConfig)}); the caller
     * closes it, and {@code data} must stay open while it is used.
     *
     * @param data   sparse X, y and any sample weights
     * @param config its backend, precision and backend options are used
     * @return the loaded problem
     * @throws dev.downhill.spi.BackendUnavailableException when the named backend is unknown or cannot run here
     * @throws UnsupportedOperationException when the named backend does not take sparse X, or none available does
     * @throws IllegalStateException         when the backend does not weight a weighted dataset
     * @throws NullPointerException          when an argument is null
     */
    public static LoadedProblem load(SparseDataset data, FitConfig config) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(config, "config");
        BackendOptions options = config.backendOptions().orElse(BackendOptions.defaults());
        warnIfOversubscribed(options.threads());
        int k = weightExponent(data);
        SparseDataset loaded = k == 0 ? data : data.withWeightsScaledBy(k); // weights far from 1: see WeightScale
        ResidentProblem resident;
        try {
            resident = Backends.loadSparse(config.backend(), loaded, config.precision(), options);
        } catch (RuntimeException | Error e) {
            if (loaded != data) { // the view made for the load
                loaded.close();
            }
            throw e;
        }
        if (resident.weighted() != data.isWeighted()) { // never ignore weights
            resident.close();
            if (loaded != data) { // the view made for the load
                loaded.close();
            }
            throw new IllegalStateException("the " + resident.backendName() + " backend " + (data.isWeighted()
                    ? "ignored the sample weights" : "weighted an unweighted dataset"));
        }
        return new LoadedProblem(resident, null, data, options, loaded != data ? loaded : null, k);
    }


    /**
     * Loads {@code data} into the backend, precision and {@link FitConfig#backendOptions() backend options}
     * {@code config} names (options left unset take their defaults from system properties,
     * {@link BackendOptions#defaults()}). The caller closes the problem; {@code data} must stay open while it is used.
     *
     * @param data   X, y and any sample weights
     * @param config its backend, precision and backend options are used
     * @return the loaded problem
     * @throws dev.downhill.spi.BackendUnavailableException when the named backend is unknown or cannot run here, or none
     *                                                      can
     * @throws IllegalStateException when the backend does not support sample weights of a weighted dataset
     * @throws NullPointerException  when an argument is null
     */
    public static LoadedProblem load(Dataset data, FitConfig config) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(config, "config");
        return load(data, config, weightExponent(data));
    }

    /** k for {@code data}'s weights ({@link WeightScale}): 0 when unweighted or their mean is near 1. */
    static int weightExponent(Dataset data) {
        return data.isWeighted() ? WeightScale.exponent(data.weightSum(), data.rows()) : 0;
    }

    /** k for a sparse dataset's weights, as {@link #weightExponent(Dataset)}. */
    static int weightExponent(SparseDataset data) {
        return data.isWeighted() ? WeightScale.exponent(data.weightSum(), data.rows()) : 0;
    }

    /**
     * {@link #load(Dataset, FitConfig)} with the weights multiplied by 2ᵏ for the backend (k = 0: as given): a
     * cross-validation loads its folds with the full data's k, so that their Gram statistics subtract in one scale.
     */
    static LoadedProblem load(Dataset data, FitConfig config, int k) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(config, "config");
        BackendOptions options = config.backendOptions().orElse(BackendOptions.defaults());
        warnIfOversubscribed(options.threads());
        Dataset loaded = k == 0 || !data.isWeighted() ? data : data.withWeightsScaledBy(k); // weights far from 1: WeightScale
        ResidentProblem resident;
        try {
            resident = Backends.load(config.backend(), loaded, config.precision(), options);
        } catch (RuntimeException | Error e) {
            if (loaded != data) { // the view made for the load
                loaded.close();
            }
            throw e;
        }
        if (resident.weighted() != data.isWeighted()) { // a backend must weight every pass or refuse: never ignore weights
            String name = resident.backendName();
            resident.close();
            if (loaded != data) { // the view made for the load
                loaded.close();
            }
            throw new IllegalStateException("backend '" + name + "' " + (data.isWeighted()
                    ? "does not support sample weights" : "reports weights the dataset does not have"));
        }
        return new LoadedProblem(resident, data, null, options, loaded != data ? loaded : null, k);
    }

    /**
     * Fits a loaded problem. The configuration's backend, precision and threads, when set, must
     * match the problem's (they were fixed by {@link #load}); its other backend options are not used.
     * Fits and predictions on one problem from several threads run one after the other ({@link LoadedProblem}). As the
     * fits of a dataset, it warns about settings the named solver ignores ({@link #IGNORED_SETTING_LOGGER}) and at its
     * iteration limit ({@link #CONVERGENCE_LOGGER}); the fits of an α path or cross-validation on it do not.
     *
     * @param problem data loaded by {@link #load(Dataset, FitConfig)} or {@link #load(SparseDataset, FitConfig)}, open
     * @param config  the solver and its settings
     * @return the fitted model
     * @throws IllegalArgumentException       when the configuration does not fit the data: initial coefficients or penalty
     *                                        factors whose number is not X's columns, a validation fraction that leaves no
     *                                        training or no validation rows of positive weight, a checkpoint to resume from
     *                                        that is missing, damaged, of another solver or of another fit
     *                                        ({@link CheckpointMismatchException}), a configuration whose backend,
     *                                        precision or threads differ from the problem's, or solver svd on a sparse
     *                                        problem whose dense copy exceeds {@link FitConfig#directMemoryBudget()} (or
     *                                        that has no dataset to densify: {@link LoadedProblem#of})
     * @throws IllegalStateException          when another fit is saving to the checkpoint's folder (the backend's weighting
     *                                        was checked by {@code load})
     * @throws DivergenceException            when a gradient solver's loss becomes NaN or infinite or grows past
     *                                        10⁴ times its starting value (a fixed
     *                                        η too large, usually); no model is returned
     * @throws SingularMatrixException        when solver normal, named, finds XᵀX singular or more ill-conditioned than
     *                                        1e12 ({@link FitConfig#NORMAL_EQUATIONS_MAX_CONDITION}; {@link Solver#AUTO} turns to
     *                                        svd instead)
     * @throws ArithmeticException            when the data's values are beyond what the solver can represent (X or y too
     *                                        large or too small for the gradient solvers' scaling, XᵀX or the QR factor not
     *                                        finite in float64, a sum of y or of a column of X beyond float64 with an
     *                                        intercept), or when the answer is: no model with a coefficient or intercept
     *                                        that is not finite is returned; {@link DivergenceException} and
     *                                        {@link SingularMatrixException} are ArithmeticExceptions too
     * @throws FitInterruptedException        when {@link Checkpoint#requestStop()} or an interrupt of the running thread
     *                                        stopped the fit (its state saved when the checkpoint writes one), also while
     *                                        it waited for another thread's fit or prediction on the problem
     * @throws java.io.UncheckedIOException   when a checkpoint cannot be written or read
     * @throws NullPointerException           when an argument is null
     */
    public static FittedModel fit(LoadedProblem problem, FitConfig config) {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(config, "config");
        warnUnusedSettings(config);
        return warnedIfUnconverged(fitUnwarned(problem, config, true, true));
    }

    /**
     * {@link #fit(LoadedProblem, FitConfig)} without its warnings (ignored settings, the iteration limit): the fits of a
     * path or cross-validation, and front ends that warn in their own terms ({@link dev.downhill.internal.FrontEnds}).
     */
    static FittedModel fitUnwarned(LoadedProblem problem, FitConfig config) {
        return fitUnwarned(problem, config, true, false);
    }

    /**
     * {@link #fitUnwarned(LoadedProblem, FitConfig)}, with the svd solver's rank warning ({@link #RANK_LOGGER}) or without
     * it ({@code rankWarning} false: a front end that says it in its own terms, {@link dev.downhill.internal.FrontEnds}),
     * and with the accuracy check of a gradient fit ({@link #ACCURACY_LOGGER}) or without it ({@code accuracyCheck} false:
     * the fits of a path or cross-validation).
     */
    private static FittedModel fitUnwarned(LoadedProblem problem, FitConfig config, boolean rankWarning, boolean accuracyCheck) {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(config, "config");
        checkMatches(problem, config);
        try (LoadedProblem.Hold hold = problem.hold()) { // one fit or prediction at a time: another thread's waits
            if (config.solver() == Solver.SVD && problem.problem().isSparse() && problem.sparseSource() != null) {
                // densified from the dataset it was loaded from, onto the same backend, precision and options
                return fitDensified(problem.sparseSource(), config, config.toBuilder().backend(problem.backendName())
                        .precision(problem.precision()).backendOptions(problem.options()).build(), false);
            }
            long start = System.nanoTime();
            String checksum = config.checkpoint().isActive() ? problem.checksum() : null;
            try (Checkpointer checkpoint = checkpointer(problem, config, checksum, start)) {
                return finish(problem, fit(problem.problem(), config, start, checkpoint), rankWarning, accuracyCheck);
            } catch (DenseCopyForSvd refused) { // densified from the dataset it was loaded from, as a named svd is
                return densifiedAfterRefusal(problem.sparseSource(), config, config.toBuilder().backend(problem.backendName())
                        .precision(problem.precision()).backendOptions(problem.options()).build(), refused, start);
            }
        }
    }

    /**
     * One warning when early stopping's validation rows leave an unpenalised fit fewer training rows than unknowns (n
     * coefficients and the intercept): it then passes through the few rows it sees (a review: a fraction of 0.99 of 100 rows trained on
     * one, θ ≈ 1e-30, converged, in silence). Only an empty training set is refused ({@link StochasticGradientSolver#split}).
     */
    private static void warnIfTooFewTrainingRows(FitConfig config, long rows, long held, long n) {
        long training = rows - held;
        long unknowns = n + (config.fitIntercept() ? 1 : 0);
        if (training < unknowns && !config.penalty().isActive()) { // (a penalised minimiser is unique: paths are penalised)
            LOG.warn(String.format(java.util.Locale.ROOT, "the validation fraction %s holds out %,d of %,d rows: %s fits the %,d "
                    + "row%s left, fewer than its %,d unknowns (%,d coefficient%s%s), so its answer says little about the data; "
                    + "lower the fraction", dev.downhill.internal.ConvergenceWarning.compact(config.validationFraction()), held, rows,
                    config.solver().cliName(), training, training == 1 ? "" : "s", unknowns, n, n == 1 ? "" : "s",
                    config.fitIntercept() ? " and the intercept" : ""));
        }
    }

    /**
     * One warning when early stopping's rows are held out with a tolerance of 0: they take no step, and no stopping rule
     * watches them — the fit runs every epoch on fewer rows for nothing (scikit-learn's {@code tol=None} with
     * {@code early_stopping=True} does the same, silently; a review).
     */
    private static void warnIfNothingWatchesTheHeldOutRows(FitConfig config, long rows, long held, Precision precision) {
        if (config.tolerance(precision) == 0) {
            LOG.warn(String.format(java.util.Locale.ROOT, "the validation fraction %s holds out %,d of %,d rows, but with a "
                    + "tolerance of 0 no stopping rule watches them: they only take no step; give a tolerance > 0 for early "
                    + "stopping, or a validation fraction of 0 to fit every row",
                    dev.downhill.internal.ConvergenceWarning.compact(config.validationFraction()), held, rows));
        }
    }

    /** One warning ({@link #IGNORED_SETTING_LOGGER}) per setting the named solver does not use ({@link UnusedSettings}). */
    private static void warnUnusedSettings(FitConfig config) {
        for (String warning : UnusedSettings.warnings(config)) {
            IGNORED_SETTING_LOG.warn(warning);
        }
    }

    /**
     * {@code model}, after the {@link #CONVERGENCE_LOGGER} warning when it stopped at its iteration limit short of its
     * tolerance, or stopped before the step its iterates were to be averaged from ({@link FitConfig#averageFrom()}).
     */
    private static FittedModel warnedIfUnconverged(FittedModel model) {
        dev.downhill.internal.ConvergenceWarning.of(model, "maxIterations", "tolerance", "solver").ifPresent(CONVERGENCE_LOG::warn);
        dev.downhill.internal.AveragingWarning.of(model, "averageFrom").ifPresent(CONVERGENCE_LOG::warn);
        return model;
    }

    /** Opens the configuration's checkpoint for a fit of {@code problem} (its data's sample checksum, or null when unknown). */
    private static Checkpointer checkpointer(LoadedProblem problem, FitConfig config, String checksum, long startNanos) {
        if (!config.checkpoint().isActive()) {
            return Checkpointer.NONE;
        }
        return Checkpointer.open(config.checkpoint(), Fingerprint.of(problem.problem(), problem.options(), checksum, config), startNanos);
    }

    /**
     * Fits, resuming from and saving to {@code checkpoint}, and saves the finished fit there; a resumed model's wall time
     * adds the earlier runs' and its report says where it resumed.
     */
    private static FittedModel fit(ResidentProblem problem, FitConfig requested, long startNanos, Checkpointer checkpoint) {
        SolverState restored = checkpoint.restored();
        long[] trialPasses = {0};
        FittedModel model = restored != null && restored.finished()
                ? finishedFit(problem, requested, startNanos, checkpoint, restored)
                : fit(problem, requested, startNanos, checkpoint, trialPasses);
        FittedModel finished = model;
        checkpoint.finish(() -> finishedState(finished, trialPasses[0], finished.config().tolerance(finished.precision())));
        if (checkpoint.resumedAt() >= 0) {
            double run = elapsed(startNanos).toNanos() / 1e9;
            model = model.withWallTime(Duration.ofNanos(Math.round((checkpoint.priorSeconds() + run) * 1e9)))
                    .withReport(model.report().withResume(checkpoint.resumedAt(), run));
        }
        return model;
    }

    /** The state of a finished fit: its answer, enough to give the same model again without iterating. */
    private static SolverState finishedState(FittedModel model, long trialPasses, double tolerance) {
        return SolverState.builder(model.solver().cliName(), model.iterations(), true)
                .put("coefficients", model.coefficients()).put("intercept", model.intercept())
                .put("stopReason", model.stopReason().name()).put("lossHistory", model.lossHistory())
                .put("historyIterations", java.util.Arrays.stream(model.lossHistoryIterations()).asDoubleStream().toArray())
                .put("gradientNormHistory", model.gradientNormHistory()).put("learningRate", model.learningRate())
                .put("rank", model.rank()).put("dualityGap", model.report().dualityGap())
                .put("solverChoice", model.report().solverChoice()).put("trialPasses", trialPasses)
                .put("trialTolerance", trialPasses > 0 ? tolerance : Double.NaN)
                .put("constantColumns", java.util.Arrays.stream(model.report().constantColumns()).asDoubleStream().toArray())
                .put("validationHistory", model.report().validationHistory()).build();
    }

    /** The model of a finished checkpoint: the configuration the fit ended with, its answer, the report made again. */
    private static FittedModel finishedFit(ResidentProblem problem, FitConfig requested, long startNanos, Checkpointer checkpoint,
                                           SolverState done) {
        FitConfig config = requested.toBuilder().solver(Solver.parse(done.solver())).build();
        if (done.integer("trialPasses") > 0) { // auto's cg trial gave the answer: its configuration had the trial's limit
            config = config.toBuilder().maxIterations(done.integer("trialPasses")).build();
            if (done.has("trialTolerance") && done.real("trialTolerance") >= 0) { // and its certified tolerance
                config = config.toBuilder().tolerance(done.real("trialTolerance")).build();
            }
        }
        FittedModel model = fitWith(problem, config, startNanos, checkpoint);
        String choice = done.text("solverChoice");
        return choice.isEmpty() ? model : model.withReport(model.report().withSolverChoice(choice));
    }

    private static FittedModel fit(ResidentProblem problem, FitConfig requested, long startNanos, Checkpointer checkpoint,
                                   long[] trialPasses) {
        if (requested.fitIntercept()) { // Σy or a column's sum beyond float64: one line, before any solver or trial
            Overflows.requireFiniteMeans(problem);
        }
        String choice = "";
        FitConfig config = requested;
        if (requested.solver().isAuto() && requested.penalty().hasL1()) {
            SparseL1Choice sparse = SparseL1Choice.of(problem, requested.directMemoryBudget()); // null: dense X (or unknown rows)
            DenseL1Choice dense = sparse == null && !problem.isSparse() ? DenseL1Choice.of(problem, requested.directMemoryBudget())
                    : null;
            choice = sparse != null ? sparse.reason() : dense != null ? dense.reason() : DenseL1Choice.PROXIMAL;
            Solver chosen = sparse != null ? sparse.solver() : dense != null ? dense.solver() : Solver.NESTEROV;
            if (dense != null && dense.cdAfterPasses() > 0) { // nesterov, then cd if its gap is not met — unless:
                if (!(requested.tolerance() > 0)) {
                    choice = dense.nesterovAlone("tolerance 0 asks for a fixed number of iterations");
                } else if (requested.checkpoint().isActive()) {
                    choice = dense.cdForCheckpoint(); // one solver's state a folder: cd, bounded whatever the conditioning
                    chosen = Solver.CD;
                } else if (dense.cdAfterPasses() >= requested.maxIterations()) {
                    choice = dense.nesterovAlone(String.format(java.util.Locale.ROOT, "the iteration limit (%,d) is within "
                            + "cd's cost", requested.maxIterations()));
                } else {
                    return nesterovThenCd(problem, requested, startNanos, checkpoint, dense);
                }
            }
            LOG.debug("solver auto → {}", choice);
            config = requested.toBuilder().solver(chosen).build();
        } else if (requested.solver().isAuto() && problem.isSparse()) {
            SolverChoice c = sparseChoice(problem, requested);
            choice = c.reason();
            config = requested.toBuilder().solver(c.solver()).build();
            LOG.debug("solver auto → {}", choice);
        } else if (requested.solver().isAuto()) {
            SolverChoice c = SolverChoice.choose(problem.rows(), problem.cols(), problem.precision(), requested.directMemoryBudget());
            choice = c.reason();
            config = requested.toBuilder().solver(c.solver()).build();
            FitConfig trialConfig = requested.toBuilder().solver(Solver.CG).build(); // the statistics the trial will use
            if (c.cgTrialPasses() > 0 && standardErrors(requested)) { // cg's answer would come without them
                c = c.withoutTrial();
                choice = choice + "; no cg trial (the standard errors asked for need the exact solve's factorization)";
            }
            String scale = c.cgTrialPasses() > 0 ? CentredObjective.scaleProblem(problem, requested.fitIntercept(),
                    trialConfig.standardize(problem.rows(), problem.cols())) : null;
            TrialCertificate certificate = c.cgTrialPasses() > 0 && scale == null
                    ? TrialCertificate.of(problem, trialConfig) : null;
            if (scale != null) { // no trial: X's magnitude is beyond what the gradient solvers can scale, not the exact solve's
                choice = choice + "; no cg trial (X's magnitude is out of its range)";
            } else if (certificate != null && !certificate.allowsTrial()) {
                choice = choice + "; no cg trial (" + certificate.why() + ")";
            } else if (c.cgTrialPasses() > 0) {
                long passes = Math.min(c.cgTrialPasses(), requested.maxIterations());
                double trialTolerance = certificate.tolerance();
                TrialBudget budget = TrialBudget.onGradientNorm(requested.listener(), passes, trialTolerance);
                SolverState restored = checkpoint.restored();
                boolean resumable = restored == null || restored.solver().equals(ConjugateGradientSolver.NAME);
                if (restored != null && resumable) {
                    budget.replay(restored.vector("gradientNormHistory")); // the budget's judgement needs the trial's history
                }
                // a checkpoint of the direct solve that followed the trial: the trial (bounded, deterministic) runs again unsaved
                FittedModel trial = fitWith(problem, requested.toBuilder().solver(Solver.CG).maxIterations(passes)
                        .tolerance(trialTolerance).listener(budget).build(), startNanos, resumable ? checkpoint : Checkpointer.NONE);
                if (trial.stopReason() == StopReason.CONVERGED
                        || trial.stopReason() == StopReason.STOPPED_BY_LISTENER && !budget.abandoned()) {
                    // converged, or stopped by the caller's listener: either way the trial's model is the answer
                    String why = String.format(java.util.Locale.ROOT, "cg: %s in %d passes over X, within the %d "
                            + "allowed before the exact solve, %s (%s)", trial.stopReason() == StopReason.CONVERGED ? "converged"
                            : trial.stopReason().name().toLowerCase(java.util.Locale.ROOT), trial.iterations(), passes,
                            certificate.why(), choice);
                    LOG.debug("solver auto → {}", why);
                    trialPasses[0] = passes;
                    return trial.withReport(trial.report().withSolverChoice(why));
                }
                choice = String.format(java.util.Locale.ROOT, "%s; cg tried first %s", choice, budget.abandoned() ? budget.why()
                        : "did not converge in " + passes + " passes");
            }
            LOG.debug("solver auto → {}", choice);
        }
        FittedModel model;
        if (requested.solver().isAuto() && config.solver() == Solver.NORMAL) {
            try {
                model = fitWith(problem, config, startNanos, checkpoint);
            } catch (ArithmeticException refused) { // singular, too ill-conditioned or overflowing: the SVD answers
                String refusal = String.format(java.util.Locale.ROOT, "%s; the normal equations refused (%s)", choice,
                        refused.getMessage());
                if (!problem.isSparse()) {
                    LOG.debug("solver auto → svd: the normal equations refused ({})", refused.getMessage());
                    model = fitWith(problem, config.toBuilder().solver(Solver.SVD).build(), startNanos, checkpoint);
                    choice = refusal + ": svd";
                } else {
                    // sparse X: svd on a dense copy where the caller has the dataset and the copy fits the budget (cg from
                    // here on ill-conditioned X stopped "converged" ~100 % off: a review), else cg, said to be uncertain
                    SparseDataset host = hostSparse(problem);
                    String over = host == null ? "the problem has no dataset to copy"
                            : requested.checkpoint().isActive() ? "a checkpoint is kept of the sparse fit"
                            : denseCopyRefusal(host, requested.directMemoryBudget());
                    if (over == null) {
                        throw new DenseCopyForSvd(refusal + ": svd on a dense copy of X");
                    }
                    LOG.debug("solver auto → cg: the normal equations refused ({})", refused.getMessage());
                    model = fitWith(problem, config.toBuilder().solver(Solver.CG).build(), startNanos, checkpoint);
                    choice = refusal + ": cg, whose answer on X this ill-conditioned may be far from the least-squares one "
                            + "though it stops converged (svd on a dense copy of X would be exact, but " + over + ")";
                    LOG.warn("the normal equations refused the sparse X ({}), and svd on a dense copy of it cannot run here ({}): "
                            + "auto's cg answer may be far from the least-squares one though it stops converged; give svd the "
                            + "budget (FitConfig.directMemoryBudget, half the JVM's heap by default) or compare with another "
                            + "solver", refused.getMessage(), over);
                }
            }
        } else {
            model = fitWith(problem, config, startNanos, checkpoint);
        }
        return choice.isEmpty() ? model : model.withReport(model.report().withSolverChoice(choice));
    }

    /**
     * Thrown by the automatic choice on sparse X where the normal equations refused and svd on a dense copy of X fits the
     * budget: the entry point that holds the dataset (it was loaded from) closes the sparse problem and fits the copy
     * ({@link #densifiedAfterRefusal}). Carries the choice's reason; no stack trace.
     */
    private static final class DenseCopyForSvd extends RuntimeException {
        private final String choice;

        DenseCopyForSvd(String choice) {
            super(choice, null, false, false);
            this.choice = choice;
        }
    }

    /** The sparse dataset {@code problem} was loaded from, or null (a problem made through the SPI, or a subset of rows). */
    private static SparseDataset hostSparse(ResidentProblem problem) {
        SparseDataset host = problem instanceof dev.downhill.internal.CheckedProblem checked ? checked.hostSparse() : null;
        return host != null && host.rows() == problem.rows() ? host : null;
    }

    /** Why svd may not densify {@code data} (over the column limit or the budget), or null when it may. */
    private static String denseCopyRefusal(SparseDataset data, long budget) {
        if (data.cols() > dev.downhill.internal.direct.DirectLeastSquares.MAX_COLUMNS) {
            return String.format(java.util.Locale.ROOT, "%,d columns are beyond the direct solvers' 46,340", data.cols());
        }
        if (!SparseDensification.affordable(data.rows(), data.cols(), data.precision(), budget)) {
            return String.format(java.util.Locale.ROOT, "the copy would take %s, over the direct solvers' budget of %s",
                    dev.downhill.internal.ByteSizes.format(SparseDensification.denseBytes(data.rows(), data.cols(), data.precision())),
                    dev.downhill.internal.ByteSizes.format(budget));
        }
        return null;
    }

    /**
     * The fit after {@link DenseCopyForSvd}: svd on a dense copy of {@code data} ({@link #fitDensified}; {@code denseConfig}
     * names the backend and its options), recording the automatic choice's reason and the time the refused attempt took.
     */
    private static FittedModel densifiedAfterRefusal(SparseDataset data, FitConfig config, FitConfig denseConfig,
                                                     DenseCopyForSvd refused, long startNanos) {
        LOG.debug("solver auto → svd on a dense copy of X: {}", refused.choice);
        long retried = System.nanoTime();
        // (no warnings about the settings for svd: auto was asked for, and its settings were checked against auto)
        FittedModel model = fitDensified(data, config.toBuilder().solver(Solver.SVD).build(),
                denseConfig.toBuilder().solver(Solver.SVD).build(), false);
        return model.withReport(model.report().withSolverChoice(refused.choice))
                .withWallTime(model.wallTime().plusNanos(retried - startNanos));
    }

    /**
     * {@link Solver#AUTO}'s choice without an l1 term on sparse X ({@link SolverChoice#chooseSparse}) where the problem
     * runs on the cpu backend and knows the CSR X it was loaded from; cg otherwise (the costs are the cpu backend's, and
     * a problem made through the SPI does not say its rows' lengths).
     */
    private static SolverChoice sparseChoice(ResidentProblem problem, FitConfig requested) {
        SparseDataset host = hostSparse(problem);
        if (host == null || !"cpu".equals(problem.backendName())) {
            return new SolverChoice(Solver.CG, String.format(java.util.Locale.ROOT, "cg: X is sparse (%,d × %,d); cg reads its "
                    + "stored entries once per iteration, while the direct solvers would need its dense Gram matrix or QR "
                    + "factor", problem.rows(), problem.cols()), 0);
        }
        return SolverChoice.chooseSparse(problem.rows(), problem.cols(), host.x().nonZeros(),
                SparseL1Choice.gramPairs(host.x()), requested.directMemoryBudget(), standardErrors(requested));
    }

    /**
     * {@link Solver#AUTO}'s fit for one l1 fit on dense X where nesterov is chosen and cd on the Gram matrix would fit
     * ({@link DenseL1Choice#cdAfterPasses}): nesterov for that many passes; if it met the gap (or the caller's listener
     * stopped it) its model is the answer, else cd on the Gram matrix continues from its coefficients — the caller's
     * iteration limit counting cd's sweeps afresh, the listener seeing nesterov's iterations and then cd's from 0. The
     * model records the configuration asked for (with the solver that gave the answer), its wall time both fits.
     */
    private static FittedModel nesterovThenCd(ResidentProblem problem, FitConfig requested, long startNanos,
                                              Checkpointer checkpoint, DenseL1Choice dense) {
        long passes = dense.cdAfterPasses();
        FitConfig nesterov = requested.toBuilder().solver(Solver.NESTEROV).build();
        TrialBudget budget = TrialBudget.onDualityGap(requested.listener(), passes, requested.tolerance(problem.precision()));
        FittedModel trial = fitWith(problem, nesterov.toBuilder().maxIterations(passes).listener(budget).build(), startNanos,
                checkpoint);
        if (trial.stopReason() == StopReason.DUALITY_GAP
                || trial.stopReason() == StopReason.STOPPED_BY_LISTENER && !budget.abandoned()) {
            LOG.debug("solver auto → {}", dense.reason());
            return trial.withConfig(nesterov).withReport(trial.report().withSolverChoice(dense.reason()));
        }
        String why = dense.cdContinued(trial.iterations(), trial.report().dualityGap(), trial.stopReason(), budget);
        LOG.debug("solver auto → {}", why);
        FitConfig cd = requested.toBuilder().solver(Solver.CD).build();
        FittedModel model = fitWith(problem, cd.toBuilder().initialCoefficients(InitialCoefficients.given(trial.coefficients()))
                .build(), startNanos, checkpoint);
        return model.withConfig(cd).withReport(model.report().withSolverChoice(why));
    }

    /**
     * The solver that needs a dense X, refused on a sparse problem that has no dataset to densify (one loaded through the
     * SPI, {@link LoadedProblem#of}): svd (its QR reduction reads every entry). The public entry points densify a sparse
     * dataset within the budget first ({@link #fitDensified}). cd runs on a sparse X's Gram matrix (n² float64 on the
     * host, as the normal equations, from one sparse Gram pass) or over its columns (a copy by column on the host).
     *
     * @param nonZeros X's stored entries (said in svd's message), or −1 when not known here
     */
    private static void refuseDenseOnlySolver(Solver solver, long rows, long cols, long nonZeros) {
        if (solver == Solver.SVD) {
            throw new IllegalArgumentException(dev.downhill.spi.SparseHostPasses.densifyingQr(rows, cols, nonZeros).getMessage());
        }
    }

    /**
     * Fits with the named solver. With a finished checkpoint state, the solver is not run: its saved answer is the result
     * (the report is made again from the problem, as after a solve).
     */
    private static FittedModel fitWith(ResidentProblem problem, FitConfig config, long startNanos, Checkpointer checkpoint) {
        SolverState done = checkpoint.restored() != null && checkpoint.restored().finished() ? checkpoint.restored() : null;
        int n = Math.toIntExact(problem.cols());
        config.initialCoefficients().checkLength(n); // before any work
        if (config.fitIntercept()) { // every centred solver reads the means (cached): refuse sums beyond float64 up front
            Overflows.requireFiniteMeans(problem);
        }
        Solver solver = config.solver();
        Penalty penalty = config.penalty();
        penalty.checkFactors(n); // before any work (FitConfig refused l1 on cg/normal/svd)
        if (problem.isSparse()) { // a sparse problem loaded by the caller (fit(LoadedProblem)): refused as fit(SparseDataset) does
            refuseDenseOnlySolver(solver, problem.rows(), n, -1);
        }
        if (solver == Solver.CD) {
            if (done != null) { // a finished cd fit: its saved answer (as for every solver), not a second fit
                return cdModel(problem.backendName(), problem.precision(), problem.rows(), weightSum(problem), config,
                        new IterativeResult(done.vector("coefficients", n), done.real("intercept"), done.iteration(),
                                StopReason.valueOf(done.text("stopReason")), done.vector("lossHistory"),
                                done.vector("gradientNormHistory"), Double.NaN, done.real("dualityGap"),
                                done.has("historyIterations") // the full sweeps' counts (absent: a checkpoint from before)
                                        ? java.util.Arrays.stream(done.vector("historyIterations")).mapToLong(v -> (long) v).toArray()
                                        : null), startNanos, CentredObjective.constantColumns(problem, config.fitIntercept()));
            }
            try (Checkpointer.Running running = checkpoint.running()) { // a stop request reaches the Gram pass and the sweeps
                // the route: over the columns of wide dense X or where SparseL1Choice says so on sparse X, else the Gram matrix
                SparseL1Choice route = problem.isSparse() ? SparseL1Choice.cdRoute(problem, config.directMemoryBudget(), 1) : null;
                String why = route != null ? route.reason() : ColumnCoordinateDescent.wideDenseChoice(problem,
                        config.directMemoryBudget());
                boolean columns = route != null ? route.route() == SparseL1Choice.Route.COLUMNS : why != null;
                double[] start = config.initialCoefficients().values(n);
                IterativeResult result = columns
                        ? ColumnCoordinateDescent.of(problem, config.fitIntercept(), penalty).fit(config, penalty.alpha(), start,
                                checkpoint)
                        : atTheAnswer(problem, config, new GramCoordinateDescent(GramCoordinateDescent.Statistics.of(problem,
                                config.fitIntercept()), penalty).fit(config, penalty.alpha(), start, checkpoint));
                FittedModel model = cdModel(problem.backendName(), problem.precision(), problem.rows(), weightSum(problem),
                        config, result, startNanos, CentredObjective.constantColumns(problem, config.fitIntercept()));
                return why == null ? model : model.withReport(model.report().withSolverChoice(why));
            }
        }
        if (!solver.isIterative()) {
            try (Checkpointer.Running running = checkpoint.running()) { // a stop request reaches the passes between blocks
                return directFit(problem, config, startNanos, checkpoint, done);
            }
        }
        // wide X with a ridge on every column: the minimiser is unique, so the default scales there too (FitConfig)
        boolean standardize = CentredObjective.standardizes(problem, config);
        // the gradient solvers work in internal units (X and y scaled by powers of two, CentredObjective): the results
        // are mapped back to the user's units here, once; data that cannot be scaled are refused with one line
        // early stopping: the validation rows are left out of the column statistics the training rows are centred by
        dev.downhill.spi.EpochRows split = solver.isStochastic() && config.validationFraction() > 0
                ? StochasticGradientSolver.split(config, problem.rows()) : null;
        try (CentredObjective objective = new CentredObjective(problem, config.fitIntercept(), standardize, penalty, true, split,
                CentredObjective.groupsRidgeRates(problem, config))) {
            FitConfig internal = config.toBuilder().listener(objective.userListener(config.listener())).build();
            if (split != null && done == null) { // (after the objective, which refuses a split with no weight on a side)
                warnIfTooFewTrainingRows(config, problem.rows(), split.held(), n);
                warnIfNothingWatchesTheHeldOutRows(config, problem.rows(), split.held(), problem.precision());
            }
            if (done != null) { // a finished checkpoint: its answer as the model had it, in the user's units
                double[] theta = done.vector("coefficients", n);
                return new FittedModel(theta, done.real("intercept"), solver, problem.backendName(), problem.precision(),
                        problem.rows(), done.iteration(), StopReason.valueOf(done.text("stopReason")), done.vector("lossHistory"),
                        done.vector("gradientNormHistory"), elapsed(startNanos), done.real("learningRate"), -1, config,
                        new ConvergenceReport(standardize, objective.constantColumns(), config.exactReference() && !penalty.hasL1()
                                ? distanceToExact(problem, config, objective, theta, done.real("intercept")) : Double.NaN).withPenaltyResult(
                                objectiveValue(objective, objective.startingPoint(theta)), done.real("dualityGap"))
                                .withValidationHistory(done.has("validationHistory") ? done.vector("validationHistory")
                                        : new double[0]),
                        weightSum(problem));
            }
            IterativeResult r;
            try {
                switch (solver) {
                    case SGD:
                    case MINIBATCH:
                        r = StochasticGradientSolver.fit(objective, internal, checkpoint);
                        break;
                    case NESTEROV:
                        r = penalty.hasL1() ? ProximalGradientSolver.fit(objective, internal, true, checkpoint)
                                : NesterovSolver.fit(objective, internal, checkpoint);
                        break;
                    case CG:
                        r = ConjugateGradientSolver.fit(objective, internal, checkpoint);
                        break;
                    default:
                        r = penalty.hasL1() ? ProximalGradientSolver.fit(objective, internal, false, checkpoint)
                                : GradientDescentSolver.fit(objective, internal, checkpoint);
                }
            } catch (DivergenceException e) {
                double automaticRate = Double.NaN; // the advice for a fixed η (or an inverse-time schedule): the automatic step on these data
                LearningRateSchedule schedule = solver.isStochastic() ? config.schedule() : LearningRateSchedule.constant();
                if (e.automatic() && schedule.kind() == LearningRateSchedule.Kind.INVERSE_TIME) {
                    automaticRate = objective.userLearningRate(e.learningRate()); // η₀, automatic: what t₀/(t + t₁) replaced
                } else if (!e.automatic() && !Double.isNaN(e.learningRate())) {
                    try {
                        long train = split != null ? split.train() : problem.rows(); // as the solver's own batch size
                        automaticRate = objective.userLearningRate(dev.downhill.internal.StepSize.automatic(internal, objective,
                                internal.batchSize(train)));
                    } catch (RuntimeException | OutOfMemoryError adviceOnly) {
                        // the message falls back to η/10
                    }
                }
                boolean unstandardizedAdvice = !e.automatic() && !objective.standardized() && CentredObjective.standardizes(
                        problem, config.toBuilder().learningRate(LearningRate.auto()).build());
                DivergenceException user = new DivergenceException(solver.cliName(), solver.isStochastic(), e.iteration(),
                        objective.userLoss(e.loss()), objective.userLoss(e.initialLoss()), objective.userLearningRate(e.learningRate()),
                        e.automatic(), automaticRate, schedule, unstandardizedAdvice);
                user.initCause(e); // the solver's exception, in its internal units, keeps the frames where it diverged
                throw user;
            }
            double[] theta = objective.userCoefficients(r.coefficients());
            double intercept = objective.userIntercept(r.intercept());
            double[] losses = r.lossHistory();
            double[] norms = r.gradientNormHistory();
            for (int k = 0; k < losses.length; k++) {
                losses[k] = objective.userLoss(losses[k]);
            }
            for (int k = 0; k < norms.length; k++) {
                norms[k] = objective.userGradientNorm(norms[k]);
            }
            double[] validation = r.validationHistory();
            for (int k = 0; k < validation.length; k++) {
                validation[k] = objective.userLoss(validation[k]);
            }
            double distance = config.exactReference() && !penalty.hasL1()
                    ? distanceToExact(problem, config, objective, theta, intercept) : Double.NaN;
            return new FittedModel(theta, intercept, solver, problem.backendName(), problem.precision(),
                    problem.rows(), r.iterations(), r.stopReason(), losses, norms,
                    elapsed(startNanos), objective.userLearningRate(r.learningRate()), -1, config,
                    new ConvergenceReport(standardize, objective.constantColumns(), distance)
                            .withPenaltyResult(objectiveValue(objective, r.coefficients()), r.dualityGap())
                            .withValidationHistory(validation), weightSum(problem));
        }
    }

    /**
     * A direct solve (normal, svd), or a finished checkpoint's answer. No {@link CentredObjective} is made unless a penalty
     * needs its objective value: the direct solvers make their own passes (and need no column-statistics pass).
     */
    private static FittedModel directFit(ResidentProblem problem, FitConfig config, long startNanos, Checkpointer checkpoint,
                                         SolverState done) {
        LOG.debug("direct fit: {} ms after the fit started", (System.nanoTime() - startNanos) / 1_000_000);
        int n = Math.toIntExact(problem.cols());
        Solver solver = config.solver();
        Penalty penalty = config.penalty();
        double[] ridge = ridgeDiagonal(problem, penalty);
        // a direct solve has no iterations: its one boundary (a checkpoint saying it started, a stop request) is before it
        if (done == null) {
            SolverState started = checkpoint.restored();
            if (started != null && started.solver().equals(solver.cliName())) {
                checkpoint.take(solver.cliName()); // a direct solve that had started: it starts again
            }
            checkpoint.boundary(0, () -> SolverState.builder(solver.cliName(), 0, false).build());
        }
        DirectSolution d = done != null ? new DirectSolution(done.vector("coefficients", n), done.real("intercept"),
                done.integer("rank"), new double[0], Double.NaN, 0, done.has("constantColumns")
                ? java.util.Arrays.stream(done.vector("constantColumns")).mapToInt(v -> (int) v).toArray() : new int[0])
                : solver == Solver.NORMAL
                ? DirectLeastSquares.normalEquations(problem, config.fitIntercept(), FitConfig.NORMAL_EQUATIONS_MAX_CONDITION, ridge,
                        standardErrors(config))
                : DirectLeastSquares.svd(problem, config.fitIntercept(), config.rankCutoff(problem.rows(), problem.cols()), ridge,
                        standardErrors(config));
        double objective = Double.NaN; // the penalised objective at the answer: one pass, with a penalty only
        if (penalty.isActive()) {
            try (CentredObjective o = new CentredObjective(problem, config.fitIntercept(), false, penalty, false)) {
                objective = objectiveValue(o, d.coefficients());
            }
        }
        FittedModel model = new FittedModel(d.coefficients(), d.intercept(), solver, problem.backendName(), problem.precision(),
                problem.rows(), 0, StopReason.DIRECT_SOLUTION, new double[0], new double[0], elapsed(startNanos),
                Double.NaN, d.rank(), config, new ConvergenceReport(false, d.constantColumns(), Double.NaN)
                .withPenaltyResult(objective, Double.NaN), weightSum(problem));
        return d.inverseGram() == null ? model : model.withPendingInverseGram(d.inverseGram());
    }

    /** Whether a direct solve is to read (X_cᵀWX_c)⁻¹ off its factorization: standard errors asked for, no penalty. */
    private static boolean standardErrors(FitConfig config) {
        return config.standardErrors() && !config.penalty().isActive();
    }

    /**
     * The model of a fit of a loaded problem, as the caller sees it: the caller's Σw recorded
     * ({@link LoadedProblem#withTrainingWeightSum}), and, when the solve left what they need, the coefficients' standard
     * errors completed with the residuals of the answer ({@link CoefficientInference}); when they were asked for and not
     * computed, one warning saying why. An svd fit below full rank is warned about first ({@link #RANK_LOGGER}) when
     * {@code rankWarning}, and a gradient fit whose coefficients its gradient does not vouch for ({@link #ACCURACY_LOGGER})
     * when {@code accuracyCheck}.
     */
    static FittedModel finish(LoadedProblem problem, FittedModel fitted, boolean rankWarning, boolean accuracyCheck) {
        if (rankWarning) {
            dev.downhill.internal.RankDeficiencyWarning.of(fitted, dev.downhill.internal.RankDeficiencyWarning.LIBRARY_ADVICE)
                    .ifPresent(RANK_LOG::warn);
        }
        if (accuracyCheck) { // a gradient fit's a-posteriori check: a Gram or sketch pass over X, still loaded
            dev.downhill.internal.AccuracyWarning.of(problem.problem(), fitted).ifPresent(ACCURACY_LOG::warn);
        }
        FittedModel model = problem.withTrainingWeightSum(fitted);
        dev.downhill.internal.direct.InverseGram g = model.pendingInverseGram();
        if (g != null) {
            return model.withInference(inference(problem, model, g));
        }
        if (model.config().standardErrors()) {
            LOG.warn("standard errors not computed: {}", notComputedReason(model));
        }
        return model;
    }

    /** Why a fit that was asked for standard errors has none (one clause). */
    private static String notComputedReason(FittedModel model) {
        FitConfig config = model.config();
        if (config.penalty().isActive()) {
            return "the fit is penalised (" + config.penalty().kind().cliName() + "): the penalty biases the coefficients and "
                    + "the least-squares formulas do not apply";
        }
        if (model.solver().isIterative()) {
            return "solver " + model.solver().cliName() + (model.report().solverChoice().isEmpty() ? "" : " (chosen automatically)")
                    + " does not compute them; only the exact solvers normal and svd do" + (model.report().solverChoice().isEmpty()
                    ? "" : ": name one (normal needs n² float64 on the host, svd a dense copy of X) to have them");
        }
        return "the fit was resumed from a finished checkpoint (its factorization is not saved); fit again without it";
    }

    /**
     * Completes the standard errors: ν = m − (rank + 1 with an intercept), Σwᵢrᵢ² from the answer's residuals (the
     * prediction pass, θ in float64, and the targets and weights on the host: {@link FittedModel#score(LoadedProblem)}), and
     * (X_cᵀWX_c)⁻¹ in the caller's weight scale — the backend's weights were wᵢ·2ᵏ ({@link LoadedProblem#weightExponent()}),
     * so its inverse Gram entries are 2⁻ᵏ times the caller's (exact).
     */
    private static CoefficientInference inference(LoadedProblem problem, FittedModel model, dev.downhill.internal.direct.InverseGram g) {
        int k = problem.weightExponent();
        long m = rowsOfPositiveWeight(problem);
        long parameters = g.rank() + (model.fitIntercept() ? 1 : 0);
        long freedom = m - parameters;
        if (freedom <= 0) {
            LOG.warn("standard errors are NaN: {} rows for {} fitted parameters (rank {}{}) leave no degrees of freedom for the "
                    + "residual variance", m, parameters, g.rank(), model.fitIntercept() ? " and the intercept" : "");
        }
        double weightSum = problem.problem().weighted() ? problem.trainingWeightSum() : m;
        double[] diagonal = g.diagonal();
        for (int j = 0; j < diagonal.length; j++) {
            diagonal[j] = Math.scalb(diagonal[j], k);
        }
        double squares = residualSquares(problem, model, weightSum, k);
        return CoefficientInference.of(model.coefficients(), model.intercept(), model.fitIntercept(), diagonal,
                Math.scalb(g.meanQuadraticForm(), k), weightSum, squares, freedom);
    }

    /**
     * m of ν = m − p: the rows of positive weight, as R's {@code lm} and Spark's summary count them — a row of weight 0
     * carries no information (950 such rows beside 50 real ones made ν 997 and a p-value of 5e-12 out of one of 0.14). The
     * weights are read from the dataset the problem was loaded from; a problem loaded without one ({@link LoadedProblem#of},
     * as the Spark estimator does) counts every row, and its caller corrects ν
     * ({@link CoefficientInference#withDegreesOfFreedom}).
     */
    private static long rowsOfPositiveWeight(LoadedProblem problem) {
        DoublePointer w = problem.data() != null ? problem.data().weightsPointer()
                : problem.sparse() != null ? problem.sparse().weightsPointer() : null;
        return w == null ? problem.rows() : positiveValues(w, problem.rows());
    }

    /**
     * How many of the first {@code count} values of {@code values} are &gt; 0, read in blocks; moves {@code values}'
     * position (the caller's own view: {@code weightsPointer()} makes a new one each call).
     */
    private static long positiveValues(DoublePointer values, long count) {
        double[] block = new double[(int) Math.min(count, 1 << 16)];
        long positive = 0;
        for (long start = 0; start < count; start += block.length) {
            int length = (int) Math.min(block.length, count - start);
            values.position(start).get(block, 0, length);
            for (int i = 0; i < length; i++) {
                if (block[i] > 0) {
                    positive++;
                }
            }
        }
        return positive;
    }

    /**
     * Σwᵢrᵢ² in the caller's weight scale: m·MSE or Σw·MSE from {@link FittedModel#score(LoadedProblem)} (θ in float64 in
     * every precision); for a problem loaded without its dataset ({@link LoadedProblem#of}) the backend's gradient pass,
     * whose θ is in the problem's precision (float32 X: θ rounded to float32 there).
     */
    private static double residualSquares(LoadedProblem problem, FittedModel model, double weightSum, int k) {
        if (problem.data() != null || problem.sparse() != null) {
            return model.score(problem).mse() * weightSum;
        }
        ResidentProblem p = problem.problem();
        try (dev.downhill.spi.BackendVector t = p.allocateVector(p.cols()); dev.downhill.spi.BackendVector out = p.allocateVector(p.cols())) {
            t.copyFromHost(model.coefficients());
            return Math.scalb(p.gradient(t, model.intercept(), 1, 1, dev.downhill.spi.RowSlice.all(), out).sumOfSquares(), -k);
        }
    }

    /**
     * {@code gram}, a fit of cd on the Gram matrix, with the last entry of its loss history — 2·P at the answer, from which
     * the model's objective is taken — made again from one residual pass over X: the Gram route's ‖R‖² = ‖y_c‖² − 2cᵀθ +
     * θᵀGθ loses about ε·‖y_c‖² to cancellation, all its digits where the fit nearly interpolates (R² ≈ 1), while the
     * pass sums the squares of residuals formed row by row (error ~ n·ε·|xᵢ||θ| each). One m·n pass after the m·n² Gram
     * pass; the sweeps' stopping tests keep the Gram values. Kept as it is without an active penalty (α = 0) and for float32
     * X (the pass would round in float32, ε₃₂ per row, more than G's float64 cancellation unless R² &gt; 1 − 1e-8).
     */
    private static IterativeResult atTheAnswer(ResidentProblem problem, FitConfig config, IterativeResult gram) {
        if (problem.precision() != Precision.FLOAT64) { // a float32 pass rounds more (ε₃₂ per row) than G's cancellation
            return gram;
        }
        double objective;
        try (CentredObjective o = new CentredObjective(problem, config.fitIntercept(), false, config.penalty())) {
            objective = objectiveValue(o, gram.coefficients());
        }
        if (!Double.isFinite(objective)) {
            return gram;
        }
        double[] losses = gram.lossHistory().clone();
        losses[losses.length - 1] = 2 * objective;
        return new IterativeResult(gram.coefficients(), gram.intercept(), gram.iterations(), gram.stopReason(), losses,
                gram.gradientNormHistory(), gram.learningRate(), gram.dualityGap(), gram.historyIterations());
    }

    /**
     * The model of one {@link Solver#CD} fit, its objective the last entry of its loss history (on the Gram route made
     * again from X by {@link #atTheAnswer}; over the columns ‖r‖² of the residuals cd keeps, a plain sum).
     */
    static FittedModel cdModel(String backend, Precision precision, long rows, double weightSum, FitConfig config,
                               IterativeResult r, long startNanos, int[] constantColumns) {
        return pathModel(Solver.CD, backend, precision, rows, weightSum, config, r, startNanos, constantColumns);
    }

    /** {@link #cdModel}'s model recording {@code solver} (a ridge path on the Gram matrix: normal). */
    static FittedModel pathModel(Solver solver, String backend, Precision precision, long rows, double weightSum, FitConfig config,
                                 IterativeResult r, long startNanos, int[] constantColumns) {
        double[] losses = r.lossHistory(); // 2·P at each full sweep's start; the last is at the answer
        FittedModel model = new FittedModel(r.coefficients(), r.intercept(), solver, backend, precision, rows,
                r.iterations(), r.stopReason(), losses, r.gradientNormHistory(), elapsed(startNanos), Double.NaN, -1, config,
                new ConvergenceReport(false, constantColumns, Double.NaN).withPenaltyResult(losses[losses.length - 1] / 2,
                r.dualityGap()), weightSum);
        long[] at = r.historyIterations();
        if (at == null || at.length == r.iterations() + 1) { // a state after every sweep: the complete history
            return model;
        }
        ThinnedHistory sweeps = new ThinnedHistory(at, r.iterations() + 1); // states at full sweeps only
        return model.withThinnedHistories(sweeps, sweeps);
    }

    /**
     * Λ = m·α(1−ρ)·p, the l2 term of {@link Penalty}'s objective in the direct solvers' units ((X_cᵀX_c + Λ)θ = X_cᵀy_c),
     * or null without one. m is {@link CentredObjective#weightSum}.
     */
    private static double[] ridgeDiagonal(ResidentProblem problem, Penalty penalty) {
        if (!(penalty.l2Strength() > 0)) {
            return null;
        }
        double[] p = penalty.l2Factors(Math.toIntExact(problem.cols()));
        double scale = CentredObjective.weightSum(problem) * penalty.l2Strength();
        for (int j = 0; j < p.length; j++) {
            p[j] *= scale;
        }
        return p;
    }

    /**
     * {@link Penalty}'s objective (1/(2m))‖r‖² + penalty at θ (one pass over X), or NaN without an active penalty (no
     * pass then). θ in the objective's units (internal for the gradient solvers); the value in the user's.
     */
    private static double objectiveValue(CentredObjective objective, double[] theta) {
        if (!objective.penalty().isActive()) {
            return Double.NaN;
        }
        ResidentProblem problem = objective.problem();
        try (dev.downhill.spi.BackendVector t = problem.allocateVector(theta.length);
             dev.downhill.spi.BackendVector g = problem.allocateVector(theta.length)) {
            t.copyFromHost(theta);
            double squares = objective.gradient(t, dev.downhill.spi.RowSlice.all(), g).sumOfSquares();
            return objective.userLoss(squares / (2 * objective.weightSum()) + objective.penaltyValue(theta));
        }
    }

    /** Σw recorded in the model: the problem's when it is weighted, else NaN. */
    static double weightSum(ResidentProblem problem) {
        return problem.weighted() ? problem.weightSum() : Double.NaN;
    }

    /** ‖[θ, b] − [θ*, b*]‖ / ‖[θ*, b*]‖ against the SVD solution of the same problem. */
    private static double distanceToExact(ResidentProblem problem, FitConfig config, CentredObjective objective,
                                          double[] theta, double intercept) {
        DirectSolution solution = DirectLeastSquares.svd(problem, config.fitIntercept(),
                config.rankCutoff(problem.rows(), problem.cols()), ridgeDiagonal(problem, config.penalty()));
        double[] exact = solution.coefficients();
        double exactIntercept = solution.intercept();
        double num = (intercept - exactIntercept) * (intercept - exactIntercept);
        double den = exactIntercept * exactIntercept;
        for (int j = 0; j < theta.length; j++) {
            num += (theta[j] - exact[j]) * (theta[j] - exact[j]);
            den += exact[j] * exact[j];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /**
     * Refuses a configuration whose backend, precision or thread count differs from the loaded problem's (threads: the
     * count the backend runs on, so that the default and the same count named explicitly agree).
     */
    static void checkMatches(LoadedProblem problem, FitConfig config) {
        if (config.backend() != null && !config.backend().equalsIgnoreCase(problem.backendName())) {
            throw new IllegalArgumentException("configuration names backend '" + config.backend()
                    + "' but the problem was loaded on '" + problem.backendName() + "'");
        }
        if (config.precision() != null && config.precision() != problem.precision()) {
            throw new IllegalArgumentException("configuration asks for " + config.precision()
                    + " but the problem was loaded as " + problem.precision());
        }
        int loaded = problem.options().threads();
        int effective = problem.problem().hostThreads(); // 0: the backend does not say
        if (config.threads() != 0 && config.threads() != loaded && config.threads() != effective) {
            throw new IllegalArgumentException("configuration asks for " + config.threads()
                    + " threads but the problem was loaded with " + (loaded == 0 ? "the default (all cores)" : loaded));
        }
    }

    /** More threads per core than this make a fit warn that it is oversubscribed (the CLI caps {@code --threads} here). */
    public static final int THREADS_PER_CORE = 4;
    private static final java.util.concurrent.atomic.AtomicBoolean WARNED_OVERSUBSCRIBED = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Warns once per JVM when a configuration asks for more than {@value #THREADS_PER_CORE} threads per core: the passes
     * then slow down instead of speeding up (3,000 × 4 gd on 2 cores: 64 ms at 1 thread, 2.1 s at 64, 52 s at 4,096).
     * The count is kept as asked — the result depends on it, so it is not capped silently to the machine's cores.
     */
    private static void warnIfOversubscribed(int threads) {
        String warning = oversubscribedWarning(threads, Runtime.getRuntime().availableProcessors());
        if (warning != null && WARNED_OVERSUBSCRIBED.compareAndSet(false, true)) {
            LOG.warn(warning);
        }
    }

    /** The warning for {@code threads} on {@code cores}, or null when they are at most {@value #THREADS_PER_CORE} per core. */
    static String oversubscribedWarning(int threads, int cores) {
        if (threads <= THREADS_PER_CORE * cores) {
            return null;
        }
        return String.format(java.util.Locale.ROOT, "threads %d is more than %d per core on this machine's %d cores: the passes are "
                + "slower oversubscribed, not faster (the command line caps --threads at %d); use 0 (every core) or at most the "
                + "cores", threads, THREADS_PER_CORE, cores, THREADS_PER_CORE * cores);
    }

    private static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
