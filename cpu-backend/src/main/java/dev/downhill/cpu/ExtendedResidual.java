package dev.downhill.cpu;

import dev.downhill.Dataset;
import dev.downhill.internal.DoubleDouble;

/**
 * Residuals of the (centred) least-squares problem computed in double-double arithmetic, for
 * iterative refinement of the direct solvers: rᵢ = (yᵢ − ȳ) − Σⱼ (Xᵢⱼ − x̄ⱼ)θⱼ with the means and every
 * product and sum carried to ~106 bits, then rounded once. Reads X, y (host memory) and θ.
 */
final class ExtendedResidual {
    private final Dataset data;
    private final boolean centred;
    private final DoubleDouble[] means;
    private final DoubleDouble targetMean;

    ExtendedResidual(Dataset data, boolean centred) {
        this.data = data;
        this.centred = centred;
        int n = Math.toIntExact(data.cols());
        long m = data.rows();
        this.means = new DoubleDouble[n];
        this.targetMean = new DoubleDouble();
        for (int j = 0; j < n; j++) {
            means[j] = new DoubleDouble();
        }
        if (centred) {
            for (long i = 0; i < m; i++) {
                double[] row = data.row(i);
                for (int j = 0; j < n; j++) {
                    means[j].add(row[j]);
                }
                targetMean.add(data.y(i));
            }
            for (int j = 0; j < n; j++) {
                means[j].divide(m);
            }
            targetMean.divide(m);
        }
    }

    /** r (m values, rounded to double) for the given θ. */
    double[] residual(double[] theta) {
        int m = Math.toIntExact(data.rows());
        DoubleDouble offset = new DoubleDouble();
        if (centred) {
            for (int j = 0; j < theta.length; j++) {
                offset.addProduct(means[j], theta[j]);
            }
            offset.add(new DoubleDouble(targetMean.hi(), targetMean.lo()).negate());
        }
        double[] r = new double[m];
        DoubleDouble acc = new DoubleDouble();
        for (int i = 0; i < m; i++) {
            double[] row = data.row(i);
            acc.set(offset.hi(), offset.lo()).add(data.y(i));
            for (int j = 0; j < theta.length; j++) {
                acc.addProduct(row[j], -theta[j]);
            }
            r[i] = acc.value();
        }
        return r;
    }

    /** X_cᵀr (n values, rounded to double) with every product and sum in double-double. */
    double[] transposedTimes(double[] r) {
        int n = means.length;
        DoubleDouble[] sums = new DoubleDouble[n];
        for (int j = 0; j < n; j++) {
            sums[j] = new DoubleDouble();
        }
        DoubleDouble total = new DoubleDouble();
        for (int i = 0; i < r.length; i++) {
            double[] row = data.row(i);
            for (int j = 0; j < n; j++) {
                sums[j].addProduct(row[j], r[i]);
            }
            total.add(r[i]);
        }
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            if (centred) {
                DoubleDouble shift = new DoubleDouble();
                shift.addProduct(means[j], total.hi());
                shift.addProduct(means[j], total.lo());
                sums[j].add(shift.negate());
            }
            out[j] = sums[j].value();
        }
        return out;
    }
}
