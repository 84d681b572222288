package dev.downhill.testing;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.internal.direct.HouseholderQr;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.ExtendedResidual;
import dev.downhill.spi.HostExtendedResidual;
import dev.downhill.spi.QrReduction;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;

/**
 * The direct solvers' passes in plain loops over a host dataset, with core's plain-Java dense kernels: an
 * independent implementation of the SPI's direct-solver half, so the contract can check that a backend
 * reaches the same decisions (condition estimate, rank) as this reference. Of the gradient half only the full pass
 * (plain loops, for core's scaling probes); the prediction pass too. Float64 data only.
 */
public class ReferenceProblem implements ResidentProblem {
    private final Dataset data;
    private final int m;
    private final int n;

    public ReferenceProblem(Dataset data) {
        this.data = data;
        this.m = Math.toIntExact(data.rows());
        this.n = Math.toIntExact(data.cols());
    }

    @Override
    public String backendName() {
        return "reference";
    }

    @Override
    public long rows() {
        return m;
    }

    @Override
    public long cols() {
        return n;
    }

    @Override
    public Precision precision() {
        return data.precision();
    }

    /** ŷᵢ = Σⱼ xᵢⱼθⱼ + b in plain float64 loops. */
    @Override
    public void predict(double[] theta, double intercept, org.bytedeco.javacpp.DoublePointer out) {
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int j = 0; j < n; j++) {
                s += data.x(i, j) * theta[j];
            }
            out.put((long) i, s + intercept); // relative to out's position
        }
    }

    @Override
    public ColumnStatistics columnStatistics() {
        double[] means = new double[n];
        double yMean = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                means[j] += data.x(i, j);
            }
            yMean += data.y(i);
        }
        for (int j = 0; j < n; j++) {
            means[j] /= m;
        }
        return new ColumnStatistics(means, yMean / m);
    }

    @Override
    public double[] columnMeanSquaredDeviations(boolean centred) {
        double[] c = centred ? columnStatistics().means() : new double[n];
        double[] s = new double[n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double d = data.x(i, j) - c[j];
                s[j] += d * d;
            }
        }
        for (int j = 0; j < n; j++) {
            s[j] /= m;
        }
        return s;
    }

    @Override
    public CrossProducts crossProducts(boolean centred) {
        ColumnStatistics st = columnStatistics();
        double[] g = new double[n * n];
        double[] c = new double[n];
        for (int i = 0; i < m; i++) {
            double yi = data.y(i) - (centred ? st.targetMean() : 0);
            for (int a = 0; a < n; a++) {
                double xa = data.x(i, a) - (centred ? st.means()[a] : 0);
                c[a] += xa * yi;
                for (int b = 0; b < n; b++) {
                    g[a + b * n] += xa * (data.x(i, b) - (centred ? st.means()[b] : 0));
                }
            }
        }
        return new CrossProducts(g, c);
    }

    @Override
    public QrReduction qrReduction(boolean centred, double[] columnScales) {
        ColumnStatistics st = columnStatistics();
        double[] a = new double[m * (n + 1)];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                a[i + j * m] = (data.x(i, j) - (centred ? st.means()[j] : 0)) * columnScales[j];
            }
            a[i + n * m] = data.y(i) - (centred ? st.targetMean() : 0);
        }
        return HouseholderQr.reduce(a, m, n + 1);
    }

    @Override
    public ExtendedResidual extendedResidual(boolean centred) {
        return new HostExtendedResidual(data, centred);
    }

    /** Plain Java arrays (the solvers' bookkeeping vectors; the gradient pass itself is not implemented). */
    @Override
    public BackendVector allocateVector(long length) {
        return new HostVector(Math.toIntExact(length));
    }

    private static final class HostVector implements BackendVector {
        final double[] v;

        HostVector(int n) {
            v = new double[n];
        }

        @Override
        public long length() {
            return v.length;
        }

        @Override
        public void copyFromHost(double[] values) {
            System.arraycopy(values, 0, v, 0, v.length);
        }

        @Override
        public double[] copyToHost() {
            return v.clone();
        }

        @Override
        public void close() {
        }
    }

    /**
     * The fused gradient over all rows in plain float64 loops (rᵢ = xᵢᵀθ + b − τyᵢ, out = s·Σᵢ wᵢxᵢrᵢ): what core's scaling
     * decisions ask of a problem (a probe pass); slices are the solvers' business and not implemented.
     */
    @Override
    public ResidualSums gradient(BackendVector theta, double intercept, double targetWeight, double scale, RowSlice rows,
                                 BackendVector out) {
        if (!rows.isAll()) {
            throw new UnsupportedOperationException("the reference problem's gradient visits all rows only");
        }
        double[] t = ((HostVector) theta).v;
        double[] g = new double[n];
        double ss = 0;
        double sum = 0;
        for (int i = 0; i < m; i++) {
            double r = intercept - targetWeight * data.y(i);
            for (int j = 0; j < n; j++) {
                r += data.x(i, j) * t[j];
            }
            double wr = data.isWeighted() ? data.weight(i) * r : r;
            ss += wr * r;
            sum += wr;
            for (int j = 0; j < n; j++) {
                g[j] += data.x(i, j) * wr;
            }
        }
        for (int j = 0; j < n; j++) {
            g[j] *= scale;
        }
        out.copyFromHost(g);
        return new ResidualSums(ss, sum);
    }

    @Override
    public void axpy(double alpha, BackendVector x, BackendVector y) {
        double[] a = ((HostVector) x).v;
        double[] b = ((HostVector) y).v;
        for (int j = 0; j < b.length; j++) {
            b[j] += alpha * a[j];
        }
    }

    @Override
    public void scale(double alpha, BackendVector x) {
        double[] a = ((HostVector) x).v;
        for (int j = 0; j < a.length; j++) {
            a[j] *= alpha;
        }
    }

    @Override
    public double dot(BackendVector x, BackendVector y) {
        double[] a = ((HostVector) x).v;
        double[] b = ((HostVector) y).v;
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }

    @Override
    public void close() {
    }
}
