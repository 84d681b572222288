package dev.downhill.cli;

import dev.downhill.Checkpoint;
import dev.downhill.CrossValidation;
import dev.downhill.CoefficientInference;
import dev.downhill.CrossValidationReport;
import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FitInterruptedException;
import dev.downhill.FittedModel;
import dev.downhill.LearningRate;
import dev.downhill.LearningRateSchedule;
import dev.downhill.LinearRegression;
import dev.downhill.ModelFile;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.Score;
import dev.downhill.Solver;
import dev.downhill.internal.SolverSetting;
import dev.downhill.spi.Backends;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code downhill fit}: fits a model to data files and prints (and optionally saves and plots) it. */
@Command(name = "fit", description = "Fit y ≈ Xθ + b to data files.", sortOptions = false, mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class)
final class FitCommand implements Callable<Integer> {
    /** Coefficients printed in full up to this many; beyond, the first and last few. */
    static final int FULL_LISTING = 12;

    @Mixin
    InputOptions input;

    @Option(names = "--solver", description = "auto, gd, nesterov, cg, sgd, minibatch, normal, svd or cd (coordinate descent, "
            + "lasso / elastic net: on the Gram matrix, or over the columns of sparse or wide X) (default: ${DEFAULT-VALUE}: "
            + "chosen per problem, the choice and its reason printed and recorded).", defaultValue = "auto")
    String solver;

    @Option(names = "--lr", description = "Learning rate: a number > 0 or auto (default: ${DEFAULT-VALUE}).", defaultValue = "auto")
    String learningRate;

    @Option(names = "--iterations", description = "Max iterations (gd, nesterov, cg, cd; default 10000) or epochs (sgd, minibatch; default 1000).")
    Long iterations;

    @Option(names = "--batch-size", description = "Rows per mini-batch (default: min(32, rows)).")
    Integer batchSize;

    @Option(names = "--tol", description = "Tolerance in [0, 1) (gd: ‖∇‖ ≤ tol·‖∇₀‖; with an l1 penalty: relative duality gap; sgd/minibatch: relative epoch-loss improvement).")
    Double tolerance;

    @Option(names = "--schedule", description = "SGD/minibatch step schedule: constant, adaptive, invtime:T0,T1 or invscaling:P (default: ${DEFAULT-VALUE}).",
            defaultValue = "constant")
    String schedule;

    @Option(names = "--validation-fraction", description = "SGD/minibatch early stopping: hold out this fraction of rows (default: off).")
    Double validationFraction;

    @Option(names = "--patience", paramLabel = "EPOCHS", description = "SGD/minibatch: epochs without improvement "
            + "(relative, --tol) before stopping, or before adaptive divides η by 5 (scikit-learn's n_iter_no_change; default: "
            + FitConfig.DEFAULT_PATIENCE + ").")
    Integer patience;

    @Option(names = "--average", arity = "0..1", fallbackValue = "1", paramLabel = "STEP", description = "SGD/minibatch: "
            + "return the mean of the iterates from step STEP on (counted from 1; alone: from the first step, scikit-learn's "
            + "average=True; 0, the default: off, the last iterate).")
    Long average;

    @Option(names = "--standardize", description = "Implicit standardization: auto, on or off (default: ${DEFAULT-VALUE}).",
            defaultValue = "auto")
    String standardize;

    @Option(names = "--seed", description = "Seed of the SGD row order, the power iteration of --lr auto and the folds of --alpha "
            + "auto (default: ${DEFAULT-VALUE}).",
            defaultValue = "0")
    long seed;

    @Option(names = "--penalty", description = "none, l2, l1 or elasticnet: minimise (1/(2m))‖r‖² + α·ρ·‖θ‖₁ + (α(1−ρ)/2)·‖θ‖² "
            + "(scikit-learn's ElasticNet; intercept unpenalised) (default: ${DEFAULT-VALUE}).", defaultValue = "none")
    String penalty;

    @Option(names = "--alpha", description = "Penalty strength α ≥ 0, or auto: K-fold cross-validation over 100 values from "
            + "α_max down to 1e-3·α_max (required with --penalty other than none).")
    String alpha;

    @Option(names = "--cv", description = "Folds of the cross-validation of --alpha auto (default: 5).")
    Integer cvFolds;

    @Option(names = "--alpha-rule", description = "--alpha auto chooses min (least mean validation MSE) or 1se (the largest α "
            + "within one standard error of it) (default: min).")
    String alphaRule;

    @Option(names = "--l1-ratio", description = "Penalty mix ρ in [0, 1] for --penalty elasticnet (default 0.5); l1 means 1, l2 means 0.")
    Double l1Ratio;

    @Option(names = "--no-intercept", description = "Fit y ≈ Xθ without an intercept.")
    boolean noIntercept;

    @Option(names = "--standard-errors", description = "Also compute the coefficients' and intercept's standard errors, "
            + "t-values and two-sided p-values (unpenalised normal or svd fits, auto when it picks one; other fits warn and "
            + "leave them out): a table after the summary, and result.standardErrors, tValues, pValues… in the model file. "
            + "Costs O(n³/6) more host work on one thread (seconds at 2,500 columns) and one pass over X.")
    boolean standardErrors;

    @Option(names = "--backend", description = "auto, cpu, cuda or nd4j (default: ${DEFAULT-VALUE}).", defaultValue = "auto")
    String backend;

    @Option(names = "--threads", description = "CPU threads, 0 = all cores (default: ${DEFAULT-VALUE}); at most 4 per core "
            + "and one per row. A CSV/TSV or svmlight --data file is read on as many.", defaultValue = "0")
    int threads;

    @Option(names = "--cpu-kernel", paramLabel = "native|blas|auto", description = "cpu backend's gradient pass: native "
            + "(downhill's fused kernel), blas (OpenBLAS, two gemv) or auto (default: auto, or -Ddownhill.cpu.kernel).")
    String cpuKernel;

    @Option(names = "--cuda-kernel", paramLabel = "KERNEL", description = "cuda backend's gradient pass: fused, staged or cublas "
            + "for dense X; fused, atomic or cusparse for sparse X (default: staged for dense, fused for sparse X, or -Ddownhill.cuda.kernel).")
    String cudaKernel;

    @Option(names = "--out", converter = Outputs.FileName.class, description = "Write the model as JSON to this file (atomically; checked before the fit).")
    Path out;

    @Option(names = "--plot", converter = Outputs.FileName.class, description = "Write the loss curve (gradient solvers), the cross-validation curve (--alpha auto) or predicted-vs-actual (direct solvers): "
            + ".png or .jpg/.jpeg; no extension writes NAME.png.")
    Path plot;

    @Option(names = "--checkpoint", paramLabel = "DIR", description = "Save the solver's state in DIR (created if needed): before "
            + "the first iteration, every --checkpoint-every seconds, at the end and on SIGINT/SIGTERM (which then exit 130/143 "
            + "without writing --out). Resume with --resume DIR.")
    Path checkpoint;

    @Option(names = "--checkpoint-every", paramLabel = "SECONDS", description = "Seconds between checkpoints, ≥ 0 (default: "
            + "10; 0 saves at every iteration or epoch).")
    Double checkpointEvery;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the fit saved in DIR by --checkpoint (same data and "
            + "options, checked; a finished checkpoint gives its final model). With --checkpoint DIR it keeps saving.")
    Path resume;

    @Option(names = "--init", paramLabel = "MODEL", description = "Warm start: the gradient solvers and cd start from the "
            + "coefficients of this model file (the intercept follows from them).")
    Path init;

    @Option(names = "--path-plot", converter = Outputs.FileName.class, description = "With --alpha auto: write the coefficient path (each coefficient of the "
            + "full-data fits against log10 α, the chosen α marked; the 20 largest when there are more): .png or .jpg/.jpeg; "
            + "no extension writes NAME.png.")
    Path pathPlot;

    @Option(names = "--quiet", description = "No progress output and no notes on stderr (warnings stay); the summary and the "
            + "lines naming the files written (model, plot, coefficient path) stay on stdout.")
    boolean quiet;

    @Mixin
    VerboseOption verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Seconds a SIGINT/SIGTERM waits for the fit to reach an iteration boundary and save its checkpoint. */
    static final int SIGNAL_WAIT_SECONDS = 30;

    /** Whether --solver is auto (set by {@link #call}): its "does nothing" warnings wait for the fit's choice. */
    private boolean solverIsAuto;

    /** --path-plot's file and format, once checked. */
    private Plots.Target pathTarget;

    /** At most this many CPU threads per core ({@code --threads} above it is capped, with a note). */
    static final int THREADS_PER_CORE = dev.downhill.LinearRegression.THREADS_PER_CORE;

    @Override
    public Integer call() {
        FitConfig.Builder b = configure();
        Solver chosen = Main.option(spec, () -> Solver.parse(solver));
        solverIsAuto = chosen.isAuto();
        if (!chosen.isAuto()) {
            warnIgnored(chosen, ""); // with auto: once the fit has chosen (warnIgnoredByAuto)
        }
        Plots.Target plotTarget = plot == null ? null : Main.option(spec, () -> Plots.Target.of(plot));
        pathTarget = pathPlot == null ? null : Main.option(spec, () -> {
            if (!crossValidated()) {
                throw new IllegalArgumentException("--path-plot needs --alpha auto (the path is the cross-validation's)");
            }
            return Plots.Target.of(pathPlot, "--path-plot");
        });
        // before any work: a bad path fails now, not after the fit
        java.util.Map<String, Path> outputs = new java.util.LinkedHashMap<>();
        outputs.put("--out", out);
        outputs.put("--plot", plotTarget == null ? null : plotTarget.path());
        outputs.put("--path-plot", pathTarget == null ? null : pathTarget.path());
        java.util.Map<String, Path> inputs = input.files();
        inputs.put("--init", init);
        Outputs.checkNotInputs(spec, outputs, inputs);
        Outputs.checkDistinct(spec, outputs);
        java.util.Map<String, Path> folders = new java.util.LinkedHashMap<>();
        folders.put("--checkpoint", checkpoint);
        folders.put("--resume", resume);
        Outputs.checkNotInside(spec, outputs, folders);
        Outputs.check(out, plotTarget == null ? null : plotTarget.path(), pathTarget == null ? null : pathTarget.path());
        if (!backend.trim().equalsIgnoreCase("auto")) {
            Backends.select(backend); // a named backend that cannot run fails now (exit 1), before the data are read
        }
        Checkpoint saving = checkpointing(b); // the folders are checked and the warm start read before the data
        double[] warmStart = init == null ? null : readInit();
        PrintWriter o = spec.commandLine().getOut();
        input.notes = quiet ? null : spec.commandLine().getErr();
        input.warnings = spec.commandLine().getErr();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        Thread hook = saving.directory().isPresent() ? stopOnSignal(saving, done) : null;
        try {
            if (input.isSparse()) {
                return fitSparse(b, o, plotTarget, warmStart, input::loadSparse);
            }
            if (input.readsAsShaped() && sparseWelcome()) { // an svmlight file: dense or sparse as its shape says
                input.readThreads(cappedThreads(threads, Long.MAX_VALUE));
                dev.downhill.io.SvmLightReader.Read read = input.loadSvmLight();
                return read.isSparse() ? fitSparse(b, o, plotTarget, warmStart, () -> dev.downhill.SparseDataset.adopt(read.sparse()))
                        : fitDense(b, o, plotTarget, warmStart, read::dense);
            }
            return fitDense(b, o, plotTarget, warmStart, input::load);
        } catch (dev.downhill.CheckpointMismatchException e) {
            throw new IllegalArgumentException(CheckpointMismatch.message(e), e);
        } catch (FitInterruptedException e) {
            String kept = e.directory().isPresent() ? "; checkpoint saved in " + e.directory().get() + " (continue with --resume "
                    + e.directory().get() + ")" : "; no checkpoint saved";
            // a direct solve stops between passes, saving nothing new: the folder still holds what was saved before
            String held = e.directory().isEmpty() && saving.directory().isPresent() ? heldCheckpoint(saving.directory().get()) : null;
            if (held != null && !held.isEmpty()) {
                Path folder = saving.directory().get();
                kept = "; the checkpoint in " + folder + " holds " + held + " (continue with --resume " + folder + ")";
            }
            spec.commandLine().getErr().println("downhill: interrupted at " + (b.build().solver().isStochastic() ? "epoch " : "iteration ")
                    + e.iteration() + kept + "; no model written");
            spec.commandLine().getErr().flush();
            return INTERRUPTED;
        } finally {
            done.countDown();
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it has been told the fit is done
                }
            }
        }
    }

    /**
     * What the checkpoint in {@code folder} holds ({@link Checkpoint#describe}: "gd at iteration 12"), "" when its manifest
     * is there but damaged, null when there is none.
     */
    private static String heldCheckpoint(Path folder) {
        if (!java.nio.file.Files.exists(folder.resolve(dev.downhill.internal.Checkpointer.MANIFEST))) {
            return null;
        }
        try {
            return Checkpoint.describe(folder);
        } catch (IllegalArgumentException damaged) {
            return "";
        }
    }

    /** The exit code of a fit interrupted by a stop request (SIGINT's shell convention; the JVM exits 143 on SIGTERM). */
    static final int INTERRUPTED = 130;

    /**
     * The checkpoint from --checkpoint, --checkpoint-every and --resume (set on {@code b}): the folder to save in is
     * created and the one to resume from read now, before any work.
     */
    private Checkpoint checkpointing(FitConfig.Builder b) {
        if (checkpointEvery != null && !(checkpointEvery >= 0 && checkpointEvery <= 1e9)) { // checked even where ignored
            throw Main.usage(spec, "--checkpoint-every must be a number of seconds ≥ 0, got " + checkpointEvery);
        }
        for (Path folder : new Path[] {checkpoint, resume}) {
            if (folder != null && folder.toString().isEmpty()) {
                throw Main.usage(spec, (folder == checkpoint ? "--checkpoint" : "--resume") + " needs a folder name, got ''");
            }
        }
        if (checkpointEvery != null && checkpoint == null) {
            Main.warn(spec, "--checkpoint-every does nothing without --checkpoint (ignored)");
        }
        if ((checkpoint != null || resume != null) && crossValidated()) {
            throw Main.usage(spec, (checkpoint != null ? "--checkpoint" : "--resume") + " does not work with --alpha auto yet "
                    + "(cross-validation is many fits): give --alpha A");
        }
        Checkpoint c = Checkpoint.none();
        if (checkpoint != null) {
            try {
                java.nio.file.Files.createDirectories(checkpoint);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot create checkpoint folder " + checkpoint + ": "
                        + (java.nio.file.Files.exists(checkpoint) ? "it exists and is not a folder" : dev.downhill.io.IoErrors.reason(e)));
            }
            String held = resume == null ? heldCheckpoint(checkpoint) : null;
            if (held != null) {
                Main.warn(spec, "--checkpoint " + checkpoint + " holds " + (held.isEmpty() ? "a damaged checkpoint" : held)
                        + ", which this fit replaces from its first save; to continue that fit instead, give --resume " + checkpoint);
            }
            c = Checkpoint.to(checkpoint);
            if (checkpointEvery != null) {
                c = c.every(java.time.Duration.ofNanos(Math.round(checkpointEvery * 1e9)));
            }
        }
        if (resume != null) {
            String what = Checkpoint.describe(resume);
            c = checkpoint == null ? Checkpoint.resume(resume) : c.resumingFrom(resume);
            if (!quiet) { // said once the fit has accepted the checkpoint: a refused resume prints its one-line error alone
                java.io.PrintWriter err = spec.commandLine().getErr();
                c = c.whenResumed(folder -> err.println("downhill: note: resuming from " + resume + ": " + what));
            }
        }
        b.checkpoint(c);
        return c;
    }

    /** The coefficients of the --init model file. */
    private double[] readInit() {
        dev.downhill.SavedModel saved = ModelFile.read(init);
        return saved.model().coefficients();
    }

    /**
     * Asks the fit to stop at its next boundary on SIGINT/SIGTERM (the JVM's shutdown) and waits, at most
     * {@value #SIGNAL_WAIT_SECONDS} s, for it to save its checkpoint and say so.
     */
    private static Thread stopOnSignal(Checkpoint c, java.util.concurrent.CountDownLatch done) {
        Thread hook = new Thread(() -> {
            c.requestStop();
            try {
                done.await(SIGNAL_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "downhill-checkpoint-on-signal");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    /** Sets the --init warm start after checking its length against X's columns. */
    private void warmStart(FitConfig.Builder b, double[] warmStart, long cols) {
        if (warmStart == null) {
            return;
        }
        if (warmStart.length != cols) {
            throw new IllegalArgumentException("--init " + init + " has " + warmStart.length + " coefficients but X has " + cols
                    + " columns");
        }
        b.initialCoefficients(dev.downhill.InitialCoefficients.given(warmStart));
    }

    /**
     * Whether an svmlight file may be read sparse by its shape: the backend named takes sparse X (nd4j does not) and no
     * kernel option names a dense-only kernel ({@code --cpu-kernel}, which sparse X ignores; {@code --cuda-kernel staged}
     * or {@code cublas}, refused for sparse X) — those commands read it dense, as before the shape decided.
     */
    private boolean sparseWelcome() {
        if (!Backends.isAuto(backend.trim()) && !Backends.select(backend.trim()).takesSparse()) {
            return false;
        }
        String cuda = cudaKernel == null ? "" : cudaKernel.trim().toLowerCase(Locale.ROOT);
        return cpuKernel == null && !cuda.equals("staged") && !cuda.equals("cublas");
    }

    /** {@code source} gives the data when called (once, first thing: the caller owns nothing until then). */
    private int fitDense(FitConfig.Builder b, PrintWriter o, Plots.Target plotTarget, double[] warmStart,
                         java.util.function.Supplier<Dataset> source) {
        input.readThreads(cappedThreads(threads, Long.MAX_VALUE)); // text is read on the fit's threads
        try (Dataset loaded = source.get(); Dataset data = input.weighted(loaded)) {
            warmStart(b, warmStart, data.cols());
            Progress progress = threadsAndProgress(b, data.rows());
            FittedModel model;
            if (crossValidated()) {
                int folds = announceFolds(b.build(), data.rows());
                try (CrossValidationProgress cv = crossValidationProgress(folds)) {
                    model = CrossValidation.fit(data, b.listener(cv == null ? dev.downhill.IterationListener.NONE : cv).build(),
                            folds, alphaRule());
                }
            } else {
                try {
                    model = LinearRegression.fit(data, b.build());
                } finally {
                    if (progress != null) {
                        progress.finish(); // ends the bar's line, also before an interruption's message
                    }
                }
            }
            warnIgnoredByAuto(model);
            warnPathEnd(model);
            warnUnconverged(model);
            warnInterpolation(model);
            warnKernelOptions(model, false);
            Score score = model.score(data);
            print(o, model, score, data.rows(), data.cols(), data.isWeighted() ? String.format(Locale.ROOT,
                    ", weighted (Σw = %.10g)", data.weightSum()) : "", coefficientLabels(model));
            writeOutputs(o, model, score, plotTarget, () -> new double[][] {data.targets(), model.predict(data)});
        }
        return 0;
    }

    /**
     * "constant columns (coefficient 0): [..]" with at most {@value #LISTED_COLUMNS} indices and how many more (the model
     * file lists them all, {@code result.constantColumns}).
     */
    static String constantColumns(int[] columns) {
        StringBuilder s = new StringBuilder().append(columns.length).append(columns.length == 1 ? " constant column" : " constant columns")
                .append(" (coefficient 0): [");
        for (int k = 0; k < Math.min(columns.length, LISTED_COLUMNS); k++) {
            s.append(k > 0 ? ", " : "").append(columns[k]);
        }
        if (columns.length > LISTED_COLUMNS) {
            s.append(", … ").append(columns.length - LISTED_COLUMNS).append(" more: result.constantColumns in the model file");
        }
        return s.append(']').toString();
    }

    private static final int LISTED_COLUMNS = 10;

    /**
     * The folds of --alpha auto, said on stderr with the number of fits (unless --quiet); refused in the options' words
     * when the rows are fewer than the folds.
     */
    private int announceFolds(FitConfig config, long rows) {
        int folds = cvFolds == null ? CrossValidation.DEFAULT_FOLDS : cvFolds;
        if (folds > rows) { // the library's "cross-validation needs 2 ≤ folds ≤ rows", in the options' words
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--alpha auto: %d-fold cross-validation (--cv%s) "
                    + "needs at least as many rows as folds, and the data have %d: %s", folds,
                    cvFolds == null ? ", default " + folds : " " + folds, rows,
                    rows >= 2 ? "give --cv between 2 and " + rows + ", or a fixed --alpha" : "give a fixed --alpha"));
        }
        if (!quiet) {
            spec.commandLine().getErr().printf(Locale.ROOT, "downhill: note: --alpha auto: %d-fold cross-validation over "
                    + "%d values of α (%d fits%s)%n", folds, CrossValidation.DEFAULT_PATH_LENGTH,
                    (folds + 1) * CrossValidation.DEFAULT_PATH_LENGTH, config.penalty().l1Ratio() == 0
                            ? "; a ridge path whose least error lies at its end continues to smaller α" : "");
        }
        return folds;
    }

    /** The clock that says how --alpha auto goes, every few seconds on stderr; null under --quiet. */
    private CrossValidationProgress crossValidationProgress(int folds) {
        return quiet ? null : new CrossValidationProgress(spec.commandLine().getErr(), (folds + 1L) * CrossValidation.DEFAULT_PATH_LENGTH);
    }

    private CrossValidation.Rule alphaRule() {
        return alphaRule == null ? CrossValidation.Rule.MIN : CrossValidation.Rule.parse(alphaRule);
    }

    /**
     * The fit of sparse data ({@code --sparse} svmlight, or an .npz {@code --x}): X is not densified (but for
     * {@code --solver svd}, whose QR reduction reads every entry: the library densifies X within the direct solvers'
     * memory budget, and the data line says so); the score comes from the backend's prediction pass over the CSR problem.
     */
    /** {@code source} gives the data when called (once, first thing), as for {@link #fitDense}. */
    private int fitSparse(FitConfig.Builder b, PrintWriter o, Plots.Target plotTarget, double[] warmStart,
                          java.util.function.Supplier<dev.downhill.SparseDataset> source) {
        input.readThreads(cappedThreads(threads, Long.MAX_VALUE)); // text is read on the fit's threads
        try (dev.downhill.SparseDataset data = input.weighted(source.get())) {
            warmStart(b, warmStart, data.cols());
            Progress progress = threadsAndProgress(b, data.rows());
            FitConfig config = b.build();
            FittedModel model;
            if (crossValidated()) {
                int folds = announceFolds(config, data.rows());
                try (CrossValidationProgress cv = crossValidationProgress(folds)) {
                    model = CrossValidation.fit(data, config.toBuilder().listener(cv == null ? dev.downhill.IterationListener.NONE
                            : cv).build(), folds, alphaRule());
                }
            } else {
                try {
                    model = LinearRegression.fit(data, config);
                } finally {
                    if (progress != null) {
                        progress.finish();
                    }
                }
            }
            warnIgnoredByAuto(model);
            warnPathEnd(model);
            warnUnconverged(model);
            warnInterpolation(model);
            warnKernelOptions(model, true);
            double[] predicted;
            try (dev.downhill.LoadedProblem loaded = LinearRegression.load(data, config.toBuilder().listener(dev.downhill.IterationListener.NONE)
                    .checkpoint(Checkpoint.none()).build())) {
                predicted = model.predict(loaded);
            }
            double[] actual = data.targets();
            double[] w = null;
            if (data.isWeighted()) {
                w = new double[actual.length];
                data.weightsPointer().get(w);
            }
            Score score = score(actual, predicted, w);
            // svd's QR reduction reads every entry: the library densified X for it, within the direct solvers' budget
            String densified = model.solver() == dev.downhill.Solver.SVD ? String.format(Locale.ROOT, ", densified for svd (%s)",
                    dev.downhill.internal.ByteSizes.format((double) data.rows() * data.cols() * data.precision().bytes())) : "";
            print(o, model, score, data.rows(), data.cols(), String.format(Locale.ROOT, ", CSR (%,d non-zeros)%s%s", data.x().nonZeros(),
                    densified, data.isWeighted() ? String.format(Locale.ROOT, ", weighted (Σw = %.10g)", data.weightSum()) : ""),
                    coefficientLabels(model));
            writeOutputs(o, model, score, plotTarget, () -> new double[][] {actual, predicted});
        }
        return 0;
    }

    /** Caps --threads (saying so), sets them, and adds a progress bar for an iterative solver (null otherwise). */
    private Progress threadsAndProgress(FitConfig.Builder b, long rows) {
        int workers = cappedThreads(threads, rows);
        if (workers != threads && !quiet) {
            spec.commandLine().getErr().printf(Locale.ROOT, "downhill: note: --threads %d capped at %d (at most %d per core "
                    + "on %d cores and one per row)%n", threads, workers, THREADS_PER_CORE,
                    Runtime.getRuntime().availableProcessors());
        }
        b.threads(workers);
        FitConfig probe = b.build();
        if (!probe.solver().isIterative() || quiet) {
            return null;
        }
        Progress progress = new Progress(spec.commandLine().getErr(), probe.maxIterations(), System.console() != null,
                probe.solver().isStochastic() ? "epoch" : "step");
        b.listener(progress);
        return progress;
    }

    /**
     * Writes --out and --plot, each staged beside its target and renamed only when all are complete, then says so.
     * {@code actualAndPredicted} gives {y, ŷ} for a direct solver's predicted-vs-actual plot (asked only then).
     */
    private void writeOutputs(PrintWriter o, FittedModel model, Score score, Plots.Target plotTarget,
                              java.util.function.Supplier<double[][]> actualAndPredicted) {
        // the coefficient path is drawn when the report kept it (wide X: beyond 10M values it is not, and a warning says so)
        boolean pathWritten = pathTarget != null && model.report().crossValidation() != null
                && model.report().crossValidation().hasCoefficientPath();
        try (Outputs outputs = new Outputs()) {
            if (out != null) {
                try {
                    dev.downhill.TableColumns columns = input.tableColumns(); // a CSV header's names, checked by predict
                    if (columns != null && columns.features().size() != model.coefficients().length) {
                        columns = null;
                    }
                    ModelFile.write(outputs.open(out).stream(), model, score, input.svmLightIndexBase(), columns);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("cannot write model file " + out + ": " + e.getMessage(), e);
                }
            }
            if (plotTarget != null) {
                XYChart chart;
                if (model.report().crossValidation() != null) {
                    chart = Plots.crossValidationCurve(model.report().crossValidation());
                } else if (model.solver().isIterative()) {
                    chart = Plots.lossCurve(model);
                } else {
                    double[][] ya = actualAndPredicted.get();
                    chart = Plots.predictedVsActual(ya[0], ya[1], "Predicted vs actual — " + model.solver().cliName());
                }
                Plots.draw(chart, plotTarget, outputs.open(plotTarget.path()));
            }
            if (pathWritten) {
                Plots.draw(Plots.coefficientPath(model.report().crossValidation()), pathTarget, outputs.open(pathTarget.path()));
            } else if (pathTarget != null && model.report().crossValidation() != null) { // wide X: not kept
                Main.warn(spec, String.format(Locale.ROOT, "--path-plot: the coefficient path (%,d α's × %,d features) is "
                        + "beyond the %,d values a cross-validation keeps: no plot written",
                        model.report().crossValidation().alphas().length, model.coefficients().length,
                        dev.downhill.CrossValidation.MAX_COEFFICIENT_PATH_VALUES));
            }
            outputs.commit();
        }
        if (out != null) {
            o.println("model written to " + out);
        }
        if (plotTarget != null) {
            o.println("plot written to " + plotTarget.path() + " (" + (plotTarget.format() == BitmapEncoder.BitmapFormat.JPG
                    ? "JPEG" : "PNG") + ")");
        }
        if (pathWritten) {
            o.println("coefficient path written to " + pathTarget.path() + " (" + (pathTarget.format()
                    == BitmapEncoder.BitmapFormat.JPG ? "JPEG" : "PNG") + ")");
        }
    }

    /** MSE and R² of {@code predicted} against {@code actual}, weighted by {@code w} (null: all ones) as scikit-learn's score. */
    static Score score(double[] actual, double[] predicted, double[] w) {
        double total = 0;
        double mean = 0;
        for (int i = 0; i < actual.length; i++) {
            double wi = w == null ? 1 : w[i];
            mean += wi * actual[i];
            total += wi;
        }
        mean /= total;
        double ssRes = 0;
        double ssTot = 0;
        for (int i = 0; i < actual.length; i++) {
            double wi = w == null ? 1 : w[i];
            double r = predicted[i] - actual[i];
            ssRes += wi * r * r;
            ssTot += wi * (actual[i] - mean) * (actual[i] - mean);
        }
        return new Score(ssRes / total, ssTot == 0 ? Double.NaN : 1 - ssRes / ssTot);
    }

    /** Accepted --cpu-kernel and --cuda-kernel values (each backend checks the combination with X when it loads). */
    private static final java.util.List<String> CPU_KERNELS = java.util.List.of("native", "blas", "auto");
    private static final java.util.List<String> CUDA_KERNELS = java.util.List.of("fused", "staged", "cublas", "atomic", "cusparse");

    /** {@code options} with --cpu-kernel and --cuda-kernel when given (checked: a usage error names the values). */
    private dev.downhill.spi.BackendOptions kernels(dev.downhill.spi.BackendOptions options) {
        if (cpuKernel == null && cudaKernel == null) {
            return options;
        }
        dev.downhill.spi.BackendOptions.Builder b = options.toBuilder();
        if (cpuKernel != null) {
            String k = cpuKernel.trim().toLowerCase(Locale.ROOT);
            if (!CPU_KERNELS.contains(k)) {
                throw new IllegalArgumentException("--cpu-kernel must be native, blas or auto, got "
                        + dev.downhill.io.MalformedFileException.quote(cpuKernel));
            }
            b.cpuKernel(k);
        }
        if (cudaKernel != null) {
            String k = cudaKernel.trim().toLowerCase(Locale.ROOT);
            if (!CUDA_KERNELS.contains(k)) {
                throw new IllegalArgumentException("--cuda-kernel must be fused, staged or cublas (dense X), or fused, atomic or cusparse "
                        + "(sparse X), got " + dev.downhill.io.MalformedFileException.quote(cudaKernel));
            }
            b.cudaKernel(k);
        }
        return b.build();
    }

    /**
     * After a fit: --cpu-kernel or --cuda-kernel given for a backend that did not run says so (never an error); so does
     * --cpu-kernel with sparse X (it picks the dense gradient pass; the cpu backend's sparse passes have one kernel).
     */
    private void warnKernelOptions(FittedModel model, boolean sparse) {
        String ran = model.backend();
        if (cpuKernel != null && !ran.startsWith("cpu")) {
            Main.warn(spec, "--cpu-kernel does nothing on the " + ran + " backend (ignored)");
        } else if (cpuKernel != null && sparse) {
            Main.warn(spec, "--cpu-kernel does nothing with sparse X (ignored)");
        }
        if (cudaKernel != null && !ran.startsWith("cuda")) {
            Main.warn(spec, "--cuda-kernel does nothing on the " + ran + " backend (ignored)");
        }
        if (input.deviceMemoryBudget != null && !ran.startsWith("cuda")) {
            Main.warn(spec, "--device-memory-budget does nothing on the " + ran + " backend (ignored)");
        }
    }

    /** The configuration from the options; a bad value is a usage error (exit 2), whichever solver ignores it. */
    private FitConfig.Builder configure() {
        return Main.option(spec, () -> {
            Solver s = Solver.parse(solver);
            LearningRate eta = LearningRate.parse(learningRate);
            FitConfig.Builder b = FitConfig.builder().solver(s).fitIntercept(!noIntercept)
                    .standardErrors(standardErrors).backend(backend).backendOptions(kernels(input.backendOptions()));
            LearningRateSchedule sched = LearningRateSchedule.parse(schedule);
            b.seed(usesSeed(s) ? seed : 0); // (usesSeed reads --lr and --schedule, parsed above)
            if (threads < 0) {
                throw new IllegalArgumentException("--threads must be ≥ 0 (0 = all cores), got " + threads);
            }
            BackendOption.check(backend);
            Boolean standardized;
            switch (standardize.toLowerCase(Locale.ROOT)) {
                case "auto": standardized = null; break;
                case "on": case "true": standardized = true; break;
                case "off": case "false": standardized = false; break;
                default: throw new IllegalArgumentException("--standardize must be auto, on or off, got '" + standardize + "'");
            }
            if (tolerance != null && !(tolerance >= 0 && tolerance < 1)) { // NaN, negative, 1 or more: one message
                throw new IllegalArgumentException("--tol must lie in [0, 1) (it is relative: the full-batch solvers stop when "
                        + "‖∇‖ ≤ tol·‖∇₀‖, which tol ≥ 1 satisfies before the first step; sgd and minibatch when the epoch loss "
                        + "stops falling below (1 − tol)·best), got " + tolerance);
            }
            // validate every value even where the solver ignores it, then pass on only what the solver uses
            FitConfig.builder().learningRate(eta).schedule(sched);
            if (validationFraction != null) {
                FitConfig.builder().validationFraction(validationFraction);
            }
            if (patience != null && patience < 1) {
                throw new IllegalArgumentException("--patience must be at least 1 epoch, got " + patience);
            }
            if (average != null && average < 0) {
                throw new IllegalArgumentException("--average must be a step ≥ 1 (the first averaged; 0 for none), got " + average);
            }
            if (iterations != null) {
                FitConfig.builder().maxIterations(iterations);
            }
            if (batchSize != null) {
                FitConfig.builder().batchSize(batchSize);
            }
            if (tolerance != null) {
                FitConfig.builder().tolerance(tolerance);
            }
            input.validate();
            input.validateSources();
            // invtime's steps are T0/(t + T1): --lr does nothing there (the library fits alike with or without it, the
            // default standardization included: FitConfig.fixedLearningRateUsed), so it is not passed on and the model
            // records the automatic step as η₀, a yardstick for T0/T1; auto may choose gd or nesterov (an l1 term on
            // dense X: always), which use --lr
            if ((s.usesLearningRate() || s.isAuto()) && !(s.isStochastic() && inverseTime(sched))) {
                b.learningRate(eta);
            }
            if (s.isStochastic()) {
                b.schedule(sched);
                if (validationFraction != null) {
                    b.validationFraction(validationFraction);
                }
                if (average != null) {
                    b.averageFrom(average);
                }
                if (patience != null) {
                    b.patience(patience);
                }
            }
            if (s.isIterative() || s.isAuto()) { // auto may choose cg, which uses these
                b.standardize(standardized);
                if (iterations != null) {
                    b.maxIterations(iterations);
                }
                if (tolerance != null) {
                    b.tolerance(tolerance);
                }
            }
            if (batchSize != null && s == Solver.MINIBATCH) {
                b.batchSize(batchSize);
            }
            Precision precision = input.precision();
            if (precision != null) {
                b.precision(precision);
            }
            b.penalty(penalty());
            b.build(); // a solver that cannot fit the penalty (cg, normal, svd with l1) is a usage error too
            return b;
        });
    }

    /** Whether --alpha auto asks for cross-validation. */
    private boolean crossValidated() {
        return alpha != null && alpha.trim().equalsIgnoreCase("auto");
    }

    /**
     * The penalty from --penalty, --alpha and --l1-ratio (an IllegalArgumentException names a conflict or bad value); with
     * --alpha auto its α is a placeholder (1) that the path replaces.
     */
    private Penalty penalty() {
        Penalty.Kind kind = Penalty.Kind.parse(penalty);
        if (!crossValidated() && (cvFolds != null || alphaRule != null)) {
            throw new IllegalArgumentException((cvFolds != null ? "--cv" : "--alpha-rule") + " needs --alpha auto");
        }
        if (cvFolds != null && cvFolds < 2) {
            throw new IllegalArgumentException("--cv must be ≥ 2 folds, got " + cvFolds);
        }
        if (alphaRule != null) {
            CrossValidation.Rule.parse(alphaRule);
        }
        if (kind == Penalty.Kind.NONE) {
            if (alpha != null || l1Ratio != null) {
                throw new IllegalArgumentException((alpha != null ? "--alpha" : "--l1-ratio")
                        + " needs --penalty l2, l1 or elasticnet (the penalty is none)");
            }
            return Penalty.none();
        }
        if (alpha == null) {
            throw new IllegalArgumentException("--penalty " + kind.cliName() + " needs --alpha (the penalty strength α ≥ 0, or auto)");
        }
        double alpha;
        if (crossValidated()) {
            alpha = 1;
        } else {
            try {
                alpha = Double.parseDouble(this.alpha.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--alpha must be a number ≥ 0 or auto, got '" + this.alpha + "'");
            }
        }
        double implied = kind == Penalty.Kind.L1 ? 1 : 0;
        if (kind != Penalty.Kind.ELASTIC_NET && l1Ratio != null && l1Ratio != implied) {
            throw new IllegalArgumentException("--l1-ratio " + l1Ratio + " contradicts --penalty " + kind.cliName() + " (which means "
                    + "--l1-ratio " + (int) implied + "); use --penalty elasticnet for a mix");
        }
        switch (kind) {
            case L2: return Penalty.l2(alpha);
            case L1: return Penalty.l1(alpha);
            default: return Penalty.elasticNet(alpha, l1Ratio == null ? 0.5 : l1Ratio);
        }
    }

    /**
     * A warning when the fit (or, with --alpha auto, the chosen α's fit) stopped at its iteration limit before meeting
     * --tol: the library's {@link dev.downhill.LinearRegression#CONVERGENCE_LOGGER} warning in the command line's terms
     * (that logger is silent here).
     */
    private void warnUnconverged(FittedModel model) {
        dev.downhill.internal.ConvergenceWarning.of(model, "--iterations", "--tol", "--solver").ifPresent(w -> Main.warn(spec, w));
        dev.downhill.internal.AveragingWarning.of(model, "--average").ifPresent(w -> Main.warn(spec, w));
    }

    /**
     * A warning when an unpenalised fit has as many unknowns as rows or more (n features, plus the intercept, ≥ m): it
     * passes through every training row, so its R² of 1 says nothing about new data, and beyond m unknowns infinitely
     * many coefficient vectors do so (the answer is one of them). A review found a 30 × 5,000 fit, and a 1-row one, said
     * nothing of it.
     */
    private void warnInterpolation(FittedModel model) {
        long rows = model.trainingRows();
        long unknowns = model.coefficients().length + (model.fitIntercept() ? 1 : 0);
        boolean heldOut = model.solver().isStochastic() && model.config().validationFraction() > 0; // the library's warning
        if (model.config().penalty().isActive() || rows <= 0 || unknowns < rows || heldOut) {
            return;
        }
        Main.warn(spec, String.format(Locale.ROOT, "%,d feature%s%s for %,d row%s: without a penalty the least-squares answer "
                + "fits the training rows exactly (unless rows repeat), so R² = 1 there says nothing about new data%s; a penalty "
                + "chooses by a criterion (--penalty l2 or l1 with --alpha A, or --alpha auto)", model.coefficients().length,
                model.coefficients().length == 1 ? "" : "s", model.fitIntercept() ? " and the intercept" : "", rows,
                rows == 1 ? "" : "s", unknowns > rows ? ", and infinitely many coefficient vectors do so: this is one of them" : ""));
    }

    /**
     * A warning when cross-validation's least error came at the end of its α path, still falling; or when the error was the
     * same all along the path ({@link CrossValidationReport#flat()}: a ridge on badly scaled X chose α_max from a curve
     * that said nothing, in silence).
     */
    private void warnPathEnd(FittedModel model) {
        CrossValidationReport cv = model.report().crossValidation();
        if (cv != null && cv.flat()) {
            Main.warn(spec, String.format(Locale.ROOT, "the cross-validation error is the same at every α of the path (%.10g, "
                    + "from %.6g to %.6g), so the chosen α says nothing: %s; give --alpha A to fit one", cv.meanMse()[0],
                    cv.alphas()[0], cv.alphas()[cv.alphas().length - 1], model.config().penalty().l1Ratio() == 0
                    ? "the path's α's scale with X (the lasso's α_max = max|Xᵀy|/m) while a ridge's penalty acts at X's squared "
                    + "scale, so on columns far from unit scale it shrinks θ to 0 at every α, or at none; rescale X's columns"
                    : "no α of the path let a column in, or y is unrelated to every column"));
        } else if (cv != null && cv.minimumAtPathEnd()) {
            Main.warn(spec, String.format(Locale.ROOT, "the cross-validation error was least at the smallest α of the path "
                    + "(%.6g, still falling there): a smaller α may fit better; give --alpha A to fit one", cv.alphas()[cv.alphas().length - 1]));
        }
    }

    /**
     * After a fit with {@code --solver auto}: the warnings of {@link #warnIgnored} for the solver it chose, saying so and
     * how to have the options used.
     */
    private void warnIgnoredByAuto(FittedModel model) {
        if (solverIsAuto) {
            warnIgnored(model.solver(), " — chosen by --solver auto; name a solver that uses it");
        }
    }

    /**
     * The rows of {@link SolverSetting}'s table that have an option, in the order {@link #warnIgnored} warns about them
     * (the library warns in the table's order).
     */
    static final java.util.List<SolverSetting> WARNING_ORDER = java.util.List.of(SolverSetting.LEARNING_RATE,
            SolverSetting.BATCH_SIZE, SolverSetting.SCHEDULE, SolverSetting.VALIDATION_FRACTION, SolverSetting.AVERAGE,
            SolverSetting.PATIENCE,
            SolverSetting.INITIAL_COEFFICIENTS, SolverSetting.MAX_ITERATIONS, SolverSetting.TOLERANCE, SolverSetting.STANDARDIZE,
            SolverSetting.SEED);

    /**
     * One warning line per option given that solver {@code s} does not use (never an error: scripts pass a common set),
     * ending with {@code suffix}: the options of {@link SolverSetting}'s table that it says {@code s} ignores
     * ({@link #WARNING_ORDER}), except --seed under --alpha auto ({@link #usesSeed}); then the command line's own:
     * --checkpoint-every with a solver that saves only at the start and the end, --lr under an inverse-time schedule
     * ({@link SolverSetting#learningRateIgnoredBySchedule}).
     */
    void warnIgnored(Solver s, String suffix) {
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        SolverSetting.Context context = settingContext();
        java.util.List<String> ignored = new java.util.ArrayList<>();
        for (SolverSetting setting : WARNING_ORDER) {
            if (setting == SolverSetting.SEED ? !usesSeed(s) : setting.ignoredBy(s, context)) {
                ignored.add(setting.cliOption().orElseThrow());
            }
        }
        // saves at the start and the end only (--checkpoint-every without --checkpoint has its own warning); auto's choice
        // of normal or svd may have followed a cg trial, which saved on that clock
        if (!s.isIterative() && !s.isAuto() && checkpoint != null && !solverIsAuto) {
            ignored.add("--checkpoint-every");
        }
        for (String name : ignored) {
            // --lr auto given explicitly is the default, which asks for nothing a solver could ignore (scripts pass it)
            if (pr.hasMatchedOption(name) && !(name.equals("--lr") && "auto".equalsIgnoreCase(learningRate.trim()))) {
                Main.warn(spec, SolverSetting.doesNothing(name, "--solver", s) + suffix);
            }
        }
        if (pr.hasMatchedOption("--lr") && SolverSetting.learningRateIgnoredBySchedule(s, LearningRateSchedule.parse(schedule).kind())) {
            Main.warn(spec, "--lr does nothing with --schedule invtime (its rates T0/(t + T1) are the step sizes) (ignored)");
        }
    }

    /** What {@link SolverSetting}'s rules read, from the options (once {@link #configure} has checked them). */
    private SolverSetting.Context settingContext() {
        return new SolverSetting.Context(LearningRate.parse(learningRate).isAuto(), batchSize == null ? 0 : batchSize);
    }

    /**
     * Whether solver {@code s} draws from --seed: where {@link SolverSetting#SEED} says so — the stochastic solvers (the
     * row order, the held-out rows), gd and nesterov with --lr auto (the power iteration's start; a fixed --lr needs
     * none), auto (decided once it has chosen; it keeps the seed until then) — and any solver under --alpha auto (the
     * folds). cg, normal, svd and cd draw nothing.
     */
    private boolean usesSeed(Solver s) {
        return crossValidated() || !SolverSetting.SEED.ignoredBy(s, settingContext());
    }

    /** Whether {@code s} is {@code invtime:T0,T1}, whose steps T0/(t + T1) do not use --lr. */
    private static boolean inverseTime(LearningRateSchedule s) {
        return s.kind() == LearningRateSchedule.Kind.INVERSE_TIME;
    }

    /**
     * The worker threads to use for {@code requested} ({@code 0} = all cores): at most
     * {@value #THREADS_PER_CORE} per core and never more than one per row.
     */
    static int cappedThreads(int requested, long rows) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (requested == 0) {
            return 0;
        }
        long cap = Math.min((long) THREADS_PER_CORE * cores, Math.max(1, rows));
        return (int) Math.min(requested, cap);
    }

    static void print(PrintWriter o, FittedModel m, Score score, Dataset data) {
        print(o, m, score, data.rows(), data.cols(),
                data.isWeighted() ? String.format(Locale.ROOT, ", weighted (Σw = %.10g)", data.weightSum()) : "");
    }

    /** The fit summary for data of {@code rows} × {@code cols}; {@code layout} follows the precision (e.g. ", CSR …"). */
    static void print(PrintWriter o, FittedModel m, Score score, long rows, long cols, String layout) {
        print(o, m, score, rows, cols, layout, j -> "x" + j);
    }

    /**
     * The inference table's row names for the data read: a CSV header's feature names, an svmlight file's own indices
     * ("index 1" for coefficient 0 of a one-based file), else x0, x1, … (only looked up when the table will be printed).
     */
    private java.util.function.IntFunction<String> coefficientLabels(FittedModel model) {
        if (model.inference().isEmpty()) {
            return j -> "x" + j;
        }
        dev.downhill.TableColumns columns = input.tableColumns();
        if (columns != null && columns.features().size() == model.features()) {
            java.util.List<String> names = columns.features();
            return names::get;
        }
        if (input.svmLightIndexBase() != null) {
            int first = input.svmLightIndexBase() == dev.downhill.io.SvmLightReader.IndexBase.ONE ? 1 : 0;
            return j -> "index " + (j + first);
        }
        return j -> "x" + j;
    }

    /**
     * The summary's words for the preferred backends that could not run ({@link dev.downhill.spi.Backends#passedOver}):
     * the common case, a machine without an NVIDIA driver, in a few words (two reviews found the loader's full reason on
     * every fit clutter); any other reason in full, since it is what someone expecting the GPU needs to see.
     */
    static String notAvailable(String passedOver) {
        String noDriver = "(no NVIDIA driver on this machine)";
        StringBuilder sb = new StringBuilder();
        for (String entry : passedOver.split("; ")) { // "name: reason; …"
            int colon = entry.indexOf(':');
            boolean plain = colon > 0 && entry.endsWith(noDriver);
            sb.append(sb.length() == 0 ? "" : "; ").append(plain ? "no NVIDIA driver for " + entry.substring(0, colon)
                    : "not available: " + entry);
        }
        return sb.toString();
    }

    /** {@link #print(PrintWriter, FittedModel, Score, long, long, String)} naming the inference table's rows by {@code label}. */
    static void print(PrintWriter o, FittedModel m, Score score, long rows, long cols, String layout,
                      java.util.function.IntFunction<String> label) {
        o.printf(Locale.ROOT, "data:        %d rows × %d features, %s%s%n", rows, cols,
                m.precision().name().toLowerCase(Locale.ROOT), layout);
        String backendConfig = m.config().backend();
        boolean automatic = backendConfig == null || backendConfig.equalsIgnoreCase("auto");
        String fromEnvironment = automatic ? dev.downhill.spi.BackendOptions.defaultBackend() : "auto";
        boolean named = fromEnvironment != null && !fromEnvironment.trim().equalsIgnoreCase("auto"); // DOWNHILL_BACKEND, -Ddownhill.backend
        String passedOver = automatic && !named ? Backends.passedOver(m.backend()) : "";
        o.printf(Locale.ROOT, "solver:      %s on %s%s%n", m.solver().cliName(), m.backend(), named
                ? " (named by " + dev.downhill.spi.BackendOptions.BACKEND_ENVIRONMENT + " or -D" + dev.downhill.spi.BackendOptions.BACKEND_PROPERTY + ")"
                : passedOver.isEmpty() ? "" : " (the backend chosen automatically; " + notAvailable(passedOver) + ")");
        if (!m.report().solverChoice().isEmpty()) {
            o.printf(Locale.ROOT, "auto:        %s%n", m.report().solverChoice());
        }
        o.println("coefficients: " + listing(m.features(), m::coefficient));
        o.printf(Locale.ROOT, "intercept:   %.10g%s%n", m.intercept(), m.fitIntercept() ? "" : " (not fitted)");
        o.printf(Locale.ROOT, "MSE:         %.10g%s%n", score.mse(), m.trainingWeighted() ? " (weighted: Σw·r²/Σw)" : "");
        o.printf(Locale.ROOT, "R²:          %.10g%s%s%n", score.r2(), m.trainingWeighted() ? " (weighted)" : "",
                Double.isNaN(score.r2()) ? " (y is constant: R² is undefined)" : "");
        o.printf(Locale.ROOT, "iterations:  %d%s%n", m.iterations(), m.solver().isStochastic() ? " epochs" : "");
        o.printf(Locale.ROOT, "stop reason: %s%n", m.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' '));
        double[] validation = m.report().validationHistory();
        if (validation.length > 0) { // early stopping: what its rule watched (the MSE above includes the held-out rows)
            long best = m.report().bestValidationEpoch();
            o.printf(Locale.ROOT, "validation:  held-out MSE %.6g after the last epoch, best %.6g at epoch %d%s%n",
                    validation[validation.length - 1], validation[(int) best - 1], best,
                    m.config().averageFrom() > 0 && dev.downhill.internal.AveragingWarning.of(m, "--average").isEmpty()
                            ? " (of the iterates; the model is their average)" : "");
        }
        if (m.config().penalty().kind() != Penalty.Kind.NONE) {
            o.printf(Locale.ROOT, "penalty:     %s, α = %s, ρ = %s%n", m.config().penalty().kind().cliName(),
                    m.config().penalty().alpha(), m.config().penalty().l1Ratio());
        }
        if (m.config().penalty().hasL1()) { // what an l1 term is for: the coefficients line shows a few of them only
            long nonZero = java.util.stream.IntStream.range(0, m.features()).filter(j -> m.coefficient(j) != 0).count();
            o.printf(Locale.ROOT, "non-zeros:   %d of %d coefficients%n", nonZero, m.features());
        }
        CrossValidationReport cv = m.report().crossValidation();
        if (cv != null) {
            o.printf(Locale.ROOT, "alpha:       %.6g chosen by %d-fold cross-validation (rule %s; α_min %.6g, α_1se %.6g, "
                    + "α_max %.6g; %d values of α%s)%n", cv.chosenAlpha(), cv.folds(), cv.rule(), cv.alphaMin(), cv.alpha1se(),
                    cv.alphas()[0], cv.alphas().length, cv.alphas().length > CrossValidation.DEFAULT_PATH_LENGTH
                            ? ", the ridge path extended to " + String.format(Locale.ROOT, "%.3g", cv.alphas()[cv.alphas().length - 1] / cv.alphas()[0]) + "·α_max" : "");
        }
        if (!Double.isNaN(m.report().objective())) {
            o.printf(Locale.ROOT, "objective:   %.10g (%s + penalty)%n", m.report().objective(),
                    m.trainingWeighted() ? "(1/(2Σw))Σwᵢrᵢ²" : "(1/(2m))‖r‖²");
        }
        if (!Double.isNaN(m.report().dualityGap())) {
            o.printf(Locale.ROOT, "duality gap: %.3g (relative)%n", m.report().dualityGap());
        }
        if (!Double.isNaN(m.learningRate())) {
            LearningRateSchedule schedule = m.config().schedule();
            String note = m.config().learningRate().isAuto() ? "auto" : "";
            if (m.solver().isStochastic() && inverseTime(schedule)) { // η₀ is computed but the steps are T0/(t + T1)
                note += String.format(Locale.ROOT, "%snot used: --schedule %s takes the steps T0/(t + T1), %.6g at the first",
                        note.isEmpty() ? "" : "; ", schedule, schedule.at(0, m.learningRate()));
            }
            o.printf(Locale.ROOT, "η:           %.6g%s%n", m.learningRate(), note.isEmpty() ? "" : " (" + note + ")");
        }
        if (m.report().standardized()) {
            o.printf(Locale.ROOT, "standardized: yes%s%n", m.report().constantColumns().length == 0 ? ""
                    : ", " + constantColumns(m.report().constantColumns()));
        } else if (m.report().constantColumns().length > 0) { // the normal equations set constant columns aside too
            o.printf(Locale.ROOT, "constant:    %s%n", constantColumns(m.report().constantColumns()));
        }
        if (m.rank() >= 0) {
            // the library's own warning (which names its rank-cutoff setting) is off in the CLI: this line says it
            long full = m.config().penalty().l2Strength() > 0 ? cols : Math.min(rows - (m.fitIntercept() ? 1 : 0), cols);
            o.printf(Locale.ROOT, "rank:        %d%s%n", m.rank(), m.rank() < full ? " of " + full + " (X is rank deficient: this is "
                    + "the minimum-norm solution; if columns differ greatly in scale, rescale them, or real signal may be dropped)" : "");
        }
        m.inference().ifPresent(s -> inferenceTable(o, m, s, label));
        if (m.report().resumed()) {
            o.printf(Locale.ROOT, "resumed:     at %s %d (this run %.3f s; the time below is of all runs)%n",
                    m.solver().isStochastic() ? "epoch" : "iteration", m.report().resumedFromIteration(), m.report().resumedRunSeconds());
        }
        o.printf(Locale.ROOT, "time:        %.3f s%n", m.wallTime().toNanos() / 1e9);
    }

    /**
     * The coefficients' standard errors, t- and p-values as a table (R's {@code summary.lm} columns), the intercept first:
     * every row when there are at most {@value #FULL_LISTING} coefficients, else the first and last five with the count in
     * between (the model file has them all). NaN — not estimable, or no degrees of freedom — prints as NA, as R does.
     */
    static void inferenceTable(PrintWriter o, FittedModel m, CoefficientInference s, java.util.function.IntFunction<String> label) {
        o.printf(Locale.ROOT, "inference:   %d degrees of freedom, residual variance σ̂² = %s%s%n", s.degreesOfFreedom(),
                number(s.residualVariance(), "%.10g"), m.trainingWeighted() ? " (Σwᵢrᵢ²/ν; weights as inverse variances)" : "");
        o.printf(Locale.ROOT, "  %-12s %17s %12s %10s %10s%n", "", "estimate", "std. error", "t value", "Pr(>|t|)");
        if (m.fitIntercept()) {
            inferenceRow(o, "intercept", m.intercept(), s.interceptStandardError(), s.interceptTValue(), s.interceptPValue());
        }
        double[] theta = m.coefficients();
        double[] se = s.standardErrors();
        double[] t = s.tValues();
        double[] p = s.pValues();
        int n = theta.length;
        for (int j = 0; j < n; j++) {
            if (n > FULL_LISTING && j == 5) {
                o.printf(Locale.ROOT, "  … %d more: result.standardErrors, tValues, pValues in the model file (--out)%n", n - 10);
                j = n - 6;
                continue;
            }
            inferenceRow(o, label.apply(j), theta[j], se[j], t[j], p[j]);
        }
    }

    private static void inferenceRow(PrintWriter o, String name, double estimate, double se, double t, double p) {
        o.printf(Locale.ROOT, "  %-12s %17s %12s %10s %10s%n", name, number(estimate, "%.10g"), number(se, "%.6g"),
                number(t, "%.4g"), number(p, "%.4g"));
    }

    private static String number(double v, String format) {
        return Double.isNaN(v) ? "NA" : String.format(Locale.ROOT, format, v);
    }

    /**
     * All n values when there are few, else the first and last five with the count in between; {@code v} gives the value
     * at an index (a model's coefficients are read in place, not copied).
     */
    static String listing(int n, java.util.function.IntToDoubleFunction v) {
        StringBuilder sb = new StringBuilder("[");
        for (int j = 0; j < n; j++) {
            if (n > FULL_LISTING && j == 5) {
                sb.append("… ").append(n - 10).append(" more …, ");
                j = n - 6;
                continue;
            }
            sb.append(String.format(Locale.ROOT, "%.10g", v.applyAsDouble(j))).append(j < n - 1 ? ", " : "");
        }
        return sb.append("]").toString();
    }
}
