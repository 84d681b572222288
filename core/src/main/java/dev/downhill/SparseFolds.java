package dev.downhill;

import dev.downhill.io.CsrMatrix;
import java.util.List;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The folds of a {@link SparseDataset} for {@link CrossValidation}: a fold's training rows as a new sparse dataset (a CSR
 * copy, values in the data's precision, X never densified) and its held-out rows as host arrays for the validation
 * errors. Reads the dataset, never changes it; the dataset must stay open while this is used.
 */
final class SparseFolds {
    private final SparseDataset data;
    private final double[] y;
    /** Per-row weights, or null (every weight 1). */
    private final double[] w;

    SparseFolds(SparseDataset data) {
        this.data = data;
        this.y = data.targets();
        if (data.isWeighted()) {
            this.w = new double[y.length];
            data.weightsPointer().get(w);
        } else {
            this.w = null;
        }
    }

    /**
     * The rows whose {@code held} flag is false, with their targets and weights, as a new dataset the caller closes.
     *
     * @throws IllegalArgumentException when the copy would pass 2³¹ − 1 stored entries, or every training weight is 0
     */
    SparseDataset training(boolean[] held) {
        Rows r = rows(held, false);
        CsrMatrix x = CsrMatrix.of(r.pointers, r.columns, r.values, data.cols(), data.precision());
        SparseDataset d = SparseDataset.of(x, r.y); // closes x when it throws
        if (r.w == null) {
            return d;
        }
        try {
            return d.withWeights(r.w);
        } catch (IllegalArgumentException e) {
            d.close();
            throw new IllegalArgumentException("cross-validation: every training row of a fold has weight 0: use fewer folds or "
                    + "give α explicitly");
        }
    }

    /** The rows whose {@code held} flag is true, for {@link Validation#errors}. */
    Validation validation(boolean[] held) {
        Rows r = rows(held, true);
        double[] w = r.w;
        if (w == null) {
            w = new double[r.y.length];
            java.util.Arrays.fill(w, 1);
        }
        double sum = 0;
        for (double v : w) {
            sum += v;
        }
        return new Validation(r.pointers, r.columns, r.values, r.y, w, sum);
    }

    /** CSR arrays of some rows (values widened to float64: exact) with their targets and weights (null when unweighted). */
    private record Rows(long[] pointers, int[] columns, double[] values, double[] y, double[] w) {
    }

    private Rows rows(boolean[] held, boolean take) {
        CsrMatrix x = data.x();
        LongPointer ptr = x.rowPointers();
        int count = 0;
        long stored = 0;
        for (int i = 0; i < held.length; i++) {
            if (held[i] == take) {
                count++;
                stored += ptr.get(i + 1) - ptr.get(i);
            }
        }
        if (stored > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cross-validation copies each fold's " + (take ? "held-out" : "training") + " rows: "
                    + stored + " stored entries are beyond a Java array (2^31 − 9)");
        }
        long[] pointers = new long[count + 1];
        int[] columns = new int[(int) stored];
        double[] values = new double[(int) stored];
        double[] ty = new double[count];
        double[] tw = w == null ? null : new double[count];
        // views of the matrix's arrays, so that moving their positions leaves the dataset's own pointers alone
        IntPointer indices = new IntPointer(x.columnIndices());
        Pointer v = x.values() instanceof DoublePointer d ? new DoublePointer(d) : new FloatPointer((FloatPointer) x.values());
        int row = 0;
        int at = 0;
        for (int i = 0; i < held.length; i++) {
            if (held[i] != take) {
                continue;
            }
            long from = ptr.get(i);
            int length = (int) (ptr.get(i + 1) - from);
            indices.position(from).get(columns, at, length);
            if (v instanceof DoublePointer d) {
                d.position(from).get(values, at, length);
            } else {
                FloatPointer f = (FloatPointer) v;
                for (int k = 0; k < length; k++) {
                    values[at + k] = f.get(from + k);
                }
            }
            at += length;
            pointers[row + 1] = at;
            ty[row] = y[i];
            if (tw != null) {
                tw[row] = w[i];
            }
            row++;
        }
        return new Rows(pointers, columns, values, ty, tw);
    }

    /** A fold's held-out rows (CSR, float64 values), targets, weights (1 when unweighted) and their sum Σw. */
    record Validation(long[] pointers, int[] columns, double[] values, double[] y, double[] w, double weightSum) {
        /** The model's Σᵢ wᵢ(yᵢ − xᵢᵀθ − b)² / Σw over these rows (the MSE when every weight is 1). */
        double error(FittedModel model) {
            double[] theta = model.coefficients();
            double b = model.intercept();
            double s = 0;
            for (int i = 0; i < y.length; i++) {
                double r = y[i] - b;
                for (long e = pointers[i]; e < pointers[i + 1]; e++) {
                    r -= theta[columns[(int) e]] * values[(int) e];
                }
                s += w[i] * r * r;
            }
            return s / weightSum;
        }
    }
}
