package dev.downhill;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;

/**
 * A regularization path's models as a cross-validation keeps them until it has chosen one: each θ held compactly — its
 * non-zero entries (index and value, 12 bytes each) where at most a third of them are non-zero, as a lasso's θ mostly
 * is, else the array itself — its constant columns shared with the models before it that name the same, and the rest
 * of each model as fitted, except that it holds one zero array shared by all and no warm start (the chosen model's configuration gets the caller's starting point back: {@code CrossValidation}).
 * {@link #get} makes a model again, θ a fresh array. At n = 2²⁰ the full data's 100 lasso models held 800 MB as arrays;
 * held so, a few MB (a θ of 20,000 non-zeros is 240 kB). Read-only to callers; {@link #append} in path order.
 */
final class PathModels extends AbstractList<FittedModel> {
    /** The models with θ replaced by the shared zero array and no warm start. */
    private final List<FittedModel> shells = new ArrayList<>();
    /** Each θ: a {@code double[]} (dense), or a {@link SparseTheta}. */
    private final List<Object> thetas = new ArrayList<>();
    /**
     * Each model's constant columns, one array shared by the models that name the same ones (a path's all do: the data's
     * — with hashed features most columns, 840 kB a model at n = 2¹⁸, which each report held a copy of).
     */
    private final List<int[]> constants = new ArrayList<>();
    private double[] zeros;

    /** θ's non-zero entries. */
    private record SparseTheta(int[] indices, double[] values) {
    }

    /** Adds the next model of the path (a sink's {@code accept}). */
    void append(int k, FittedModel model) {
        if (k != shells.size()) {
            throw new IllegalStateException("path model " + k + " after " + shells.size());
        }
        double[] theta = model.coefficientsView();
        if (zeros == null || zeros.length != theta.length) {
            zeros = new double[theta.length];
        }
        int nonZeros = 0;
        for (double v : theta) {
            if (Double.doubleToRawLongBits(v) != 0) { // −0.0 kept as it is: the model comes back bit for bit
                nonZeros++;
            }
        }
        if (nonZeros <= theta.length / 3) {
            int[] indices = new int[nonZeros];
            double[] values = new double[nonZeros];
            for (int j = 0, e = 0; j < theta.length; j++) {
                if (Double.doubleToRawLongBits(theta[j]) != 0) {
                    indices[e] = j;
                    values[e++] = theta[j];
                }
            }
            thetas.add(new SparseTheta(indices, values));
        } else {
            thetas.add(theta);
        }
        int[] constant = model.report().constantColumns();
        int[] previous = constants.isEmpty() ? null : constants.get(constants.size() - 1);
        constants.add(previous != null && java.util.Arrays.equals(previous, constant) ? previous : constant);
        FittedModel shell = model.withCoefficientsKept(zeros).withReport(withConstantColumns(model.report(), NONE));
        shells.add(shell.withConfig(shell.config().toBuilder().initialCoefficients(InitialCoefficients.zeros()).build()));
    }

    private static final int[] NONE = new int[0];

    /** {@code report} naming {@code columns} as its constant ones (the record copies them). */
    private static ConvergenceReport withConstantColumns(ConvergenceReport r, int[] columns) {
        return new ConvergenceReport(r.standardized(), columns, r.distanceToExact(), r.solverChoice(), r.backendInitSeconds(),
                r.objective(), r.dualityGap(), r.crossValidation(), r.resumedFromIteration(), r.resumedRunSeconds(),
                r.validationHistory());
    }

    /** Model k, θ made again (a new array); its configuration starts from zeros (the path's warm start not kept). */
    @Override
    public FittedModel get(int k) {
        Object held = thetas.get(k);
        double[] theta;
        if (held instanceof SparseTheta s) {
            theta = new double[zeros.length];
            for (int e = 0; e < s.indices().length; e++) {
                theta[s.indices()[e]] = s.values()[e];
            }
        } else {
            theta = (double[]) held;
        }
        FittedModel shell = shells.get(k);
        return shell.withCoefficientsKept(theta).withReport(withConstantColumns(shell.report(), constants.get(k)));
    }

    @Override
    public int size() {
        return shells.size();
    }

    /** This path followed by {@code tail}'s models (a ridge path extended further down), held as they are. */
    PathModels followedBy(PathModels tail) {
        PathModels joined = new PathModels();
        joined.shells.addAll(shells);
        joined.shells.addAll(tail.shells);
        joined.thetas.addAll(thetas);
        joined.thetas.addAll(tail.thetas);
        joined.constants.addAll(constants);
        joined.constants.addAll(tail.constants);
        joined.zeros = zeros != null ? zeros : tail.zeros;
        return joined;
    }
}
