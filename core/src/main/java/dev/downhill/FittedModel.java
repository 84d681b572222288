package dev.downhill;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * An immutable fitted linear model ŷ = xᵀθ + b, with the record of how it was made.
 * Accessors return copies; instances are thread-safe.
 */
public final class FittedModel {
    private final double[] coefficients;
    private final double intercept;
    private final Solver solver;
    private final String backend;
    private final Precision precision;
    private final long rows;
    private final long iterations;
    private final StopReason stopReason;
    private final double[] lossHistory;
    private final double[] gradientNormHistory;
    private final Duration wallTime;
    private final double learningRate;
    private final long rank;
    private final FitConfig config;
    private final ConvergenceReport report;

    FittedModel(double[] coefficients, double intercept, Solver solver, String backend, Precision precision, long rows,
                long iterations, StopReason stopReason, double[] lossHistory, double[] gradientNormHistory, Duration wallTime,
                double learningRate, long rank, FitConfig config, ConvergenceReport report) {
        this.report = report;
        this.coefficients = coefficients.clone();
        this.intercept = intercept;
        this.solver = solver;
        this.backend = backend;
        this.precision = precision;
        this.rows = rows;
        this.iterations = iterations;
        this.stopReason = stopReason;
        this.lossHistory = lossHistory.clone();
        this.gradientNormHistory = gradientNormHistory.clone();
        this.wallTime = wallTime;
        this.learningRate = learningRate;
        this.rank = rank;
        this.config = config;
    }

    /** This model with another report (the automatic solver choice recorded after the fit). */
    FittedModel withReport(ConvergenceReport newReport) {
        return new FittedModel(coefficients, intercept, solver, backend, precision, rows, iterations, stopReason, lossHistory,
                gradientNormHistory, wallTime, learningRate, rank, config, newReport);
    }

    /** θ, a copy. */
    public double[] coefficients() {
        return coefficients.clone();
    }

    /** θⱼ. */
    public double coefficient(int j) {
        return coefficients[j];
    }

    /** Number of features n. */
    public int features() {
        return coefficients.length;
    }

    /** b; exactly 0 when the intercept was not fitted (see {@link #fitIntercept()}). */
    public double intercept() {
        return intercept;
    }

    public boolean fitIntercept() {
        return config.fitIntercept();
    }

    public Solver solver() {
        return solver;
    }

    /** Name of the backend that ran the fit (the automatic choice is recorded here). */
    public String backend() {
        return backend;
    }

    /** The working precision of the fit. */
    public Precision precision() {
        return precision;
    }

    /** Rows of the training data. */
    public long trainingRows() {
        return rows;
    }

    /** Steps (GD) or epochs (SGD variants) taken; 0 for direct solvers. */
    public long iterations() {
        return iterations;
    }

    public StopReason stopReason() {
        return stopReason;
    }

    /** MSE at each iteration, starting point first (SGD variants: one mean batch loss per epoch); a copy. */
    public double[] lossHistory() {
        return lossHistory.clone();
    }

    /** ‖∇θ‖ at each iteration (GD) or of each epoch's last batch (SGD variants); a copy. */
    public double[] gradientNormHistory() {
        return gradientNormHistory.clone();
    }

    /** Final training MSE as recorded by the solver (NaN for direct solvers: use {@link #score}). */
    public double finalLoss() {
        return lossHistory.length == 0 ? Double.NaN : lossHistory[lossHistory.length - 1];
    }

    /** Wall-clock time of the fit, including loading into the backend when {@code fit(Dataset)} was used. */
    public Duration wallTime() {
        return wallTime;
    }

    /** The η used (the chosen value when the configuration said auto); NaN for direct solvers. */
    public double learningRate() {
        return learningRate;
    }

    /** Effective rank found by the SVD solver; −1 for other solvers. */
    public long rank() {
        return rank;
    }

    /** Standardization, constant columns and the distance to the exact solution (when computed). */
    public ConvergenceReport report() {
        return report;
    }

    /** ‖∇ₖ‖/‖∇₀‖ at the end of a gradient fit (the quantity the GD stopping rule compares with tol); NaN for direct solvers. */
    public double finalRelativeGradient() {
        if (gradientNormHistory.length == 0) {
            return Double.NaN;
        }
        double first = gradientNormHistory[0];
        double last = gradientNormHistory[gradientNormHistory.length - 1];
        return first == 0 ? 0 : last / first;
    }

    /** The configuration the model was fitted with. */
    public FitConfig config() {
        return config;
    }

    /** ŷᵢ = xᵢᵀθ + b for each row. */
    public double[] predict(double[][] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = predictRow(x[i], i);
        }
        return out;
    }

    /** ŷ = xᵀθ + b for one row. */
    public double predict(double[] x) {
        return predictRow(x, 0);
    }

    /** ŷᵢ for every row of {@code data} (m must be below 2³¹). */
    public double[] predict(Dataset data) {
        checkColumns(data.cols());
        try (Dataset.Use use = data.use()) {
            return predict(data.xPointer(), data.rows());
        }
    }

    /**
     * ŷᵢ for every row of a row-major matrix in host off-heap memory: {@code x} is a
     * {@link org.bytedeco.javacpp.FloatPointer} or {@link org.bytedeco.javacpp.DoublePointer} holding
     * rows × {@link #features()} values from its position (m must be below 2³¹). Reads x only.
     */
    public double[] predict(org.bytedeco.javacpp.Pointer x, long rows) {
        double[] out = new double[Math.toIntExact(rows)];
        int n = coefficients.length;
        for (int i = 0; i < out.length; i++) {
            double s = 0;
            if (x instanceof org.bytedeco.javacpp.DoublePointer) {
                java.nio.DoubleBuffer row = dev.downhill.internal.OffHeapViews.doubles(x, (long) i * n, n);
                for (int j = 0; j < n; j++) {
                    s += coefficients[j] * row.get(j);
                }
            } else if (x instanceof org.bytedeco.javacpp.FloatPointer) {
                java.nio.FloatBuffer row = dev.downhill.internal.OffHeapViews.floats(x, (long) i * n, n);
                for (int j = 0; j < n; j++) {
                    s += coefficients[j] * row.get(j);
                }
            } else {
                throw new IllegalArgumentException("x must be a FloatPointer or DoublePointer, got " + x.getClass().getName());
            }
            out[i] = s + intercept;
        }
        return out;
    }

    /** MSE and R² of the predictions on {@code data}. */
    public Score score(Dataset data) {
        return score(predict(data), data.targets());
    }

    /** MSE and R² of the predictions on ({@code x}, {@code y}). */
    public Score score(double[][] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("X has " + x.length + " rows but y has " + y.length + " values");
        }
        return score(predict(x), y);
    }

    private static Score score(double[] predicted, double[] y) {
        if (y.length == 0) {
            throw new IllegalArgumentException("cannot score zero rows");
        }
        double mean = 0;
        for (double v : y) {
            mean += v;
        }
        mean /= y.length;
        double ssRes = 0;
        double ssTot = 0;
        for (int i = 0; i < y.length; i++) {
            double r = predicted[i] - y[i];
            ssRes += r * r;
            double d = y[i] - mean;
            ssTot += d * d;
        }
        return new Score(ssRes / y.length, ssTot == 0 ? Double.NaN : 1 - ssRes / ssTot);
    }

    private double predictRow(double[] row, int index) {
        if (row.length != coefficients.length) {
            throw new IllegalArgumentException("row " + index + " has " + row.length + " values but the model has "
                    + coefficients.length + " coefficients");
        }
        return dot(row) + intercept;
    }

    private double dot(double[] row) {
        double s = 0;
        for (int j = 0; j < coefficients.length; j++) {
            s += coefficients[j] * row[j];
        }
        return s;
    }

    private void checkColumns(long cols) {
        if (cols != coefficients.length) {
            throw new IllegalArgumentException("data has " + cols + " columns but the model has " + coefficients.length + " coefficients");
        }
    }

    @Override
    public String toString() {
        String theta = coefficients.length <= 8 ? Arrays.toString(coefficients) : "[" + coefficients.length + " coefficients]";
        return String.format(Locale.ROOT, "FittedModel[%s on %s, θ=%s, b=%.9g, iterations=%d, %s]",
                solver.cliName(), backend, theta, intercept, iterations, stopReason);
    }
}
