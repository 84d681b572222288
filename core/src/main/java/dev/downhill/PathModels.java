package dev.downhill;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;

/**
 * A regularization path's models as a cross-validation keeps them until it has chosen one: each θ held compactly — its
 * non-zero entries (index and value, 12 bytes each) where at most a third of them are non-zero, as a lasso's θ mostly
 * is, else the array itself — and the rest of each model as fitted, except that it holds one zero array shared by all
 * and no warm start (the chosen model's configuration gets the caller's starting point back: {@code CrossValidation}).
 * {@link #get} makes a model again, θ a fresh array. At n = 2²⁰ the full data's 100 lasso models held 800 MB as arrays;
 * held so, a few MB (a θ of 20,000 non-zeros is 240 kB). Read-only to callers; {@link #append} in path order.
 */
final class PathModels extends AbstractList<FittedModel> {
    /** The models with θ replaced by the shared zero array and no warm start. */
    private final List<FittedModel> shells = new ArrayList<>();
    /** Each θ: a {@code double[]} (dense), or a {@link SparseTheta}. */
    private final List<Object> thetas = new ArrayList<>();
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
        FittedModel shell = model.withCoefficientsKept(zeros);
        shells.add(shell.withConfig(shell.config().toBuilder().initialCoefficients(InitialCoefficients.zeros()).build()));
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
        return shells.get(k).withCoefficientsKept(theta);
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
        joined.zeros = zeros != null ? zeros : tail.zeros;
        return joined;
    }
}
