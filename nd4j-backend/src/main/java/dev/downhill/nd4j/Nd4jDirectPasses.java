package dev.downhill.nd4j;

import dev.downhill.internal.direct.HouseholderQr;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.QrReduction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The passes over X that core's direct solvers need, made of ND4J ops, always in float64: the Gram pass
 * (gemm with transposeA over float64 row blocks, β = 1) and the QR pass (ND4J's LAPACK wrapper
 * {@code geqrf} on a column-major float64 copy of [X_c·D | y_c] when it is tall; ND4J 1.0.0-M2.1's wrapper
 * wants an n × n R, so a wide one — fewer rows than columns + 1 — is reduced by core's Householder QR).
 * Centring and scaling are done on the float64 copies; X is never modified. Sample weights: the copied rows of
 * [X_c | y_c] are multiplied by √wᵢ ({@code rootWeights}, float64 [m, 1]; null when unweighted).
 */
final class Nd4jDirectPasses {
    private Nd4jDirectPasses() {
    }

    /** G = X_cᵀX_c and c = X_cᵀy_c from float64 blocks of {@code blockRows} rows. */
    static CrossProducts crossProducts(INDArray x, INDArray y, INDArray rootWeights, ColumnStatistics stats, long blockRows) {
        long m = x.size(0);
        int n = Math.toIntExact(x.size(1));
        INDArray gram = Nd4j.zeros(DataType.DOUBLE, n, n);
        INDArray rhs = Nd4j.zeros(DataType.DOUBLE, n, 1);
        INDArray means = stats == null ? null : Nd4j.createFromArray(stats.means()).reshape(1, n);
        try {
            for (long r0 = 0; r0 < m; r0 += blockRows) {
                long r1 = Math.min(m, r0 + blockRows);
                INDArray block = centredRows(x, means, r0, r1);
                INDArray targets = centredTargets(y, stats, r0, r1);
                if (rootWeights != null) {
                    INDArray root = rootWeights.get(NDArrayIndex.interval(r0, r1), NDArrayIndex.all());
                    block.muliColumnVector(root);
                    targets.muliColumnVector(root);
                }
                Nd4j.gemm(block, block, gram, true, false, 1.0, 1.0);
                Nd4j.gemm(block, targets, rhs, true, false, 1.0, 1.0);
                Nd4jRuntime.release(targets, block);
            }
            return new CrossProducts(gram.data().asDouble(), rhs.toDoubleVector());
        } finally {
            Nd4jRuntime.release(means, rhs, gram);
        }
    }

    /** R of [X_c·D | y_c]. */
    static QrReduction qrReduction(INDArray x, INDArray y, INDArray rootWeights, ColumnStatistics stats, double[] scales) {
        int m = Math.toIntExact(x.size(0));
        int n = Math.toIntExact(x.size(1));
        int w = n + 1;
        INDArray a = Nd4j.createUninitialized(DataType.DOUBLE, new long[] {m, w}, 'f');
        INDArray r = null;
        INDArray scale = Nd4j.createFromArray(scales).reshape(1, n);
        INDArray means = stats == null ? null : Nd4j.createFromArray(stats.means()).reshape(1, n);
        INDArray yc = centredTargets(y, stats, 0, m);
        try {
            INDArray left = a.get(NDArrayIndex.all(), NDArrayIndex.interval(0, n));
            left.assign(x);
            if (means != null) {
                left.subiRowVector(means);
            }
            left.muliRowVector(scale);
            a.get(NDArrayIndex.all(), NDArrayIndex.point(n)).assign(yc.reshape(m));
            if (rootWeights != null) {
                a.muliColumnVector(rootWeights);
            }
            if (m < w) {
                return HouseholderQr.reduce(a.data().asDouble(), m, w);
            }
            r = Nd4j.create(DataType.DOUBLE, new long[] {w, w}, 'f'); // zero-filled
            Nd4j.getBlasWrapper().lapack().geqrf(a, r); // r := R (upper triangular); a := Q
            double[] out = new double[w * w];
            for (int j = 0; j < w; j++) {
                for (int i = 0; i <= j; i++) {
                    out[i + j * w] = r.getDouble(i, j);
                }
            }
            return new QrReduction(out, w, w);
        } finally {
            Nd4jRuntime.release(yc, means, scale, r, a);
        }
    }

    /** Rows [r0, r1) of X as a new float64 array (always a copy, so the caller may close it), minus the means when given. */
    private static INDArray centredRows(INDArray x, INDArray means, long r0, long r1) {
        INDArray view = x.get(NDArrayIndex.interval(r0, r1), NDArrayIndex.all());
        INDArray d = view.dataType() == DataType.DOUBLE ? view.dup('c') : view.castTo(DataType.DOUBLE);
        return means == null ? d : d.subiRowVector(means);
    }

    /** y[r0, r1) as a new float64 [rows, 1] array, minus ȳ when stats are given. */
    private static INDArray centredTargets(INDArray y, ColumnStatistics stats, long r0, long r1) {
        INDArray view = y.get(NDArrayIndex.interval(r0, r1), NDArrayIndex.all());
        INDArray d = view.dataType() == DataType.DOUBLE ? view.dup('c') : view.castTo(DataType.DOUBLE);
        return stats == null ? d : d.subi(stats.targetMean());
    }
}
