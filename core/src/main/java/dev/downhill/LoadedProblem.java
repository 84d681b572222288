package dev.downhill;

import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.ResidentProblem;
import java.util.Objects;

/**
 * A dataset loaded into a backend once, for any number of fits ({@link LinearRegression#fit(LoadedProblem, FitConfig)})
 * and predictions ({@link FittedModel#predict(LoadedProblem, org.bytedeco.javacpp.DoublePointer)}); made by
 * {@link LinearRegression#load}. It says what was loaded where, and nothing more: the backend's passes stay
 * behind it.
 *
 * <p>Lifecycle: {@link #close()} frees what the backend allocated (closing twice is harmless). A backend may
 * use the {@link Dataset}'s memory without copying it, so the dataset must stay open while this is used.
 * Thread-safety: one fit or prediction at a time — calls from several threads are safe and run one after the other
 * (a fit, path or prediction holds the problem until it returns; {@link #close()} from another thread waits for it,
 * while from the fitting thread itself, a listener say, it would free the problem under the running fit: don't). A
 * thread waiting for another's fit stops waiting when it is interrupted ({@link FitInterruptedException} at iteration 0,
 * its interrupt flag set again), as a running fit stops. Load one problem per thread to fit in parallel.
 */
public final class LoadedProblem implements AutoCloseable {
    private final ResidentProblem problem;
    private final Dataset data;
    private final BackendOptions options;
    /** The sparse dataset it was loaded from (for a checkpoint's fingerprint), or null. */
    private final SparseDataset sparse;
    /** Held by the fit or prediction running on the problem (reentrant: a listener may predict during a fit). */
    private final java.util.concurrent.locks.ReentrantLock busy = new java.util.concurrent.locks.ReentrantLock();

    /**
     * The view of {@link #data} or {@link #sparse} with rescaled weights that the backend loaded
     * ({@link dev.downhill.internal.WeightScale}; owned, closed with this problem), or null when it loaded the caller's.
     */
    private final AutoCloseable weightView;
    /** k of {@link #weightView}'s weights, wᵢ·2ᵏ; 0 without one. */
    private final int weightExponent;

    LoadedProblem(ResidentProblem problem, Dataset data, BackendOptions options) {
        this(problem, data, null, options, null, 0);
    }

    /**
     * @param data       the caller's dense dataset, or null
     * @param sparse     the caller's sparse dataset, or null
     * @param weightView a {@link Dataset} or {@link SparseDataset} view of the caller's with rescaled weights, which the
     *                   backend loaded instead (closed with this problem); or null
     * @param weightExponent k of the view's weights, wᵢ·2ᵏ (0 without a view)
     */
    LoadedProblem(ResidentProblem problem, Dataset data, SparseDataset sparse, BackendOptions options, AutoCloseable weightView,
                  int weightExponent) {
        this.data = data;
        this.sparse = sparse;
        this.options = options;
        this.weightView = weightView;
        this.weightExponent = weightView == null ? 0 : weightExponent;
        this.problem = dev.downhill.internal.CheckedProblem.of(Objects.requireNonNull(problem, "problem"), data(), sparse());
    }

    /**
     * A handle over a problem loaded through the SPI ({@link dev.downhill.spi.Backends#load}): for backend modules'
     * tests and benchmarks that drive the passes themselves and then fit with the public API. The handle takes
     * ownership (closing it closes {@code problem}; closing both is harmless) and exposes none of the passes.
     *
     * @param data    the dataset the problem was loaded from (needed by {@link FittedModel#score(LoadedProblem)}), or null
     * @param options the options it was loaded with
     * @throws NullPointerException when {@code problem} or {@code options} is null
     */
    public static LoadedProblem of(ResidentProblem problem, Dataset data, BackendOptions options) {
        Objects.requireNonNull(problem, "problem");
        return new LoadedProblem(problem, data, Objects.requireNonNull(options, "options"));
    }

    /**
     * {@code model} with the caller's Σw when the backend was given rescaled weights (its Σw is then 2ᵏ times the
     * caller's); {@code model} itself otherwise.
     */
    FittedModel withTrainingWeightSum(FittedModel model) {
        return weightView == null || !model.trainingWeighted() ? model : model.withTrainingWeightSum(trainingWeightSum());
    }

    /** k of the weights the backend holds, wᵢ·2ᵏ ({@link dev.downhill.internal.WeightScale}); 0 when they are the caller's. */
    int weightExponent() {
        return weightExponent;
    }

    /** The caller's Σw when the problem is weighted (what the models record), else NaN. */
    double trainingWeightSum() {
        if (!problem.weighted()) {
            return Double.NaN;
        }
        return Math.scalb(problem.weightSum(), -weightExponent); // the backend's sum, in the caller's scale (exact)
    }

    /** Name of the backend that holds the problem ("cpu", "cuda", "nd4j"; the automatic choice is recorded here). */
    public String backendName() {
        return problem.backendName();
    }

    /** m, the number of rows. */
    public long rows() {
        return problem.rows();
    }

    /** n, the number of features. */
    public long cols() {
        return problem.cols();
    }

    /** The working precision X was loaded in. */
    public Precision precision() {
        return problem.precision();
    }

    /** The options the backend was loaded with (the configuration's, unset fields filled from the system-property defaults). */
    public BackendOptions options() {
        return options;
    }

    /** What runs the problem, in the backend's words (threads and kernel on cpu; device and streaming on cuda); may be empty. */
    public String description() {
        return problem.description();
    }

    /** The resident problem (for core's solvers). */
    ResidentProblem problem() {
        return problem;
    }

    /** The checksum of the host data's sample for a checkpoint's fingerprint, or null when they are not known. */
    String checksum() {
        return data != null ? dev.downhill.internal.Fingerprint.checksum(data)
                : sparse != null ? dev.downhill.internal.Fingerprint.checksum(sparse) : null;
    }

    /** The host dataset the backend loaded (the caller's, or its view with rescaled weights), or null. */
    Dataset data() {
        return weightView instanceof Dataset view ? view : data;
    }

    /** The caller's sparse dataset this problem was loaded from (its weights as given), or null. */
    SparseDataset sparseSource() {
        return sparse;
    }

    /** The sparse dataset the backend loaded (the caller's, or its view with rescaled weights), or null. */
    SparseDataset sparse() {
        return weightView instanceof SparseDataset view ? view : sparse;
    }

    /** A hold on the problem for one fit or prediction (released by closing it). */
    interface Hold extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Holds the problem for one fit or prediction: waits while another thread's runs (their passes share the problem's
     * buffers: two at once would mix their sums). Close the hold when done.
     *
     * @throws FitInterruptedException (at iteration 0, nothing saved, the interrupt flag set again) when the thread is
     *                                 interrupted while it waits — as a running fit stops on an interrupt, a waiting one
     *                                 does too (a free problem is taken whatever the flag: an interrupted caller's pass
     *                                 runs whole, and its fit stops at its first boundary)
     */
    Hold hold() {
        if (busy.tryLock()) {
            return busy::unlock;
        }
        try {
            busy.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FitInterruptedException(0, null, true);
        }
        return busy::unlock;
    }

    /** Frees what the backend allocated, after any fit or prediction running on another thread has returned. */
    @Override
    public void close() {
        busy.lock();
        try {
            problem.close();
        } finally {
            try {
                closeWeightView(); // also when the backend's close threw (its exception goes on, unchanged)
            } finally {
                busy.unlock();
            }
        }
    }

    /** Frees the rescaled weights' view (a dataset view: its close throws nothing checked). */
    private void closeWeightView() {
        if (weightView instanceof Dataset view) {
            view.close();
        } else if (weightView instanceof SparseDataset view) {
            view.close();
        }
    }

    @Override
    public String toString() {
        String d = problem.description();
        return "LoadedProblem[" + problem.rows() + " × " + problem.cols() + " " + problem.precision() + " on " + problem.backendName()
                + (d.isEmpty() ? "" : ": " + d) + "]";
    }
}
