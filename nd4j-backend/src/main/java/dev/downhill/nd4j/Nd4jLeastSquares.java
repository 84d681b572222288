package dev.downhill.nd4j;

import dev.downhill.FitConfig;
import dev.downhill.SingularMatrixException;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.LeastSquaresSolution;
import java.util.Locale;
import org.nd4j.linalg.api.blas.BlasException;
import org.nd4j.linalg.api.blas.Lapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.custom.TriangularSolve;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The direct solvers on ND4J, always in float64: ND4J's LAPACK wrapper
 * ({@code Nd4j.getBlasWrapper().lapack()}: potrf, geqrf + orgqr, gesvd) and its
 * {@code triangular_solve} op. ND4J 1.0.0-M2.1 has neither a condition estimate (pocon), a
 * Cholesky solve (potrs) nor a least-squares driver (gelsd) in that wrapper, so:
 * <ul>
 * <li>the normal equations form G = X_cᵀX_c and c = X_cᵀy_c from float64 row blocks (gemm with
 * transposeA, β = 1), factor G = LLᵀ (potrf), estimate ‖G⁻¹‖₁ with Hager's method as refined by
 * Higham (what LAPACK's dlacon/dpocon do) using triangular solves, and solve with two triangular
 * solves;
 * <li>the SVD reduces X_c to a k × k triangle by QR (k = min(m, n); of X_c when m ≥ n, of X_cᵀ when
 * m &lt; n) and takes the SVD of that triangle (gesvd; its singular values are X_c's), then forms
 * the minimum-norm solution θ = V·Σ⁺·Uᵀ·(Qᵀ)y_c from the factors, zeroing singular values at or
 * below cutoff·σ_max (the gelsd rule). A full-U gesvd of X_c itself would need an m × m U.
 * </ul>
 * Centring (when {@code stats} is given) is done on the float64 copies; X is never modified.
 */
final class Nd4jLeastSquares {
    private Nd4jLeastSquares() {
    }

    /**
     * θ solving (X_cᵀX_c)θ = X_cᵀy_c; memory n² + a block of {@code blockRows} rows.
     *
     * @throws SingularMatrixException when Cholesky breaks down or the estimated 1-norm condition number
     *         of X_cᵀX_c exceeds {@link FitConfig#NORMAL_EQUATIONS_MAX_CONDITION}
     */
    static double[] normalEquations(INDArray x, INDArray y, ColumnStatistics stats, long blockRows) {
        long m = x.size(0);
        int n = lapackSize(x.size(1), "columns");
        INDArray gram = Nd4j.zeros(DataType.DOUBLE, n, n);
        INDArray rhs = Nd4j.zeros(DataType.DOUBLE, n, 1);
        INDArray means = stats == null ? null : Nd4j.createFromArray(stats.means()).reshape(1, n);
        try {
            for (long r0 = 0; r0 < m; r0 += blockRows) {
                long r1 = Math.min(m, r0 + blockRows);
                INDArray block = centredRows(x, means, r0, r1);
                INDArray targets = centredTargets(y, stats, r0, r1);
                Nd4j.gemm(block, block, gram, true, false, 1.0, 1.0);
                Nd4j.gemm(block, targets, rhs, true, false, 1.0, 1.0);
                Nd4jRuntime.release(targets, block);
            }
            INDArray columnNorms = gram.norm1(0);
            double anorm = columnNorms.maxNumber().doubleValue();
            Nd4jRuntime.release(columnNorms);
            try {
                lapack().potrf(gram, true); // gram := L (upper triangle zeroed by ND4J)
            } catch (BlasException e) {
                if (e.getErrorCode() > 0) {
                    throw new SingularMatrixException("XᵀX" + (stats != null ? " (centred)" : "")
                            + " is singular: Cholesky broke down at column " + (e.getErrorCode() - 1)
                            + " (linearly dependent columns" + (stats != null ? ", a constant column" : "")
                            + (m < n ? ", or fewer rows than columns" : "") + ")", Double.POSITIVE_INFINITY);
                }
                throw new IllegalStateException("potrf failed: " + e.getMessage(), e);
            }
            double condition = anorm * inverseNormEstimate(gram, n);
            if (!(condition <= FitConfig.NORMAL_EQUATIONS_MAX_CONDITION)) {
                throw new SingularMatrixException(String.format(Locale.ROOT,
                        "XᵀX is too badly conditioned for the normal equations: estimated condition number %.3g > %.0e",
                        condition, FitConfig.NORMAL_EQUATIONS_MAX_CONDITION), condition);
            }
            INDArray z = triangularSolve(gram, rhs, false);
            INDArray theta = triangularSolve(gram, z, true);
            double[] out = theta.toDoubleVector();
            Nd4jRuntime.release(theta, z);
            return out;
        } finally {
            Nd4jRuntime.release(means, rhs, gram);
        }
    }

    /** Minimum-norm θ of min‖X_cθ − y_c‖ via QR then the SVD of the k × k triangle; memory m·n + 3k² doubles. */
    static LeastSquaresSolution svd(INDArray x, INDArray y, ColumnStatistics stats, double rankCutoff) {
        int m = lapackSize(x.size(0), "rows");
        int n = lapackSize(x.size(1), "columns");
        int k = Math.min(m, n);
        boolean tall = m >= n;
        INDArray a = null;
        INDArray yc = null;
        INDArray r = null;
        INDArray triangle = null;
        INDArray s = null;
        INDArray u = null;
        INDArray vt = null;
        INDArray means = null;
        INDArray[] temps = new INDArray[5];
        try {
            // a: X_c (m × n) when tall, X_cᵀ (n × m) when wide; column-major so LAPACK copies nothing
            a = Nd4j.createUninitialized(DataType.DOUBLE, tall ? new long[] {m, n} : new long[] {n, m}, 'f');
            a.assign(tall ? x : x.transpose());
            if (stats != null) {
                means = Nd4j.createFromArray(stats.means());
                if (tall) {
                    a.subiRowVector(means.reshape(1, n));
                } else {
                    a.subiColumnVector(means.reshape(n, 1));
                }
            }
            yc = centredTargets(y, stats, 0, m);
            r = Nd4j.create(DataType.DOUBLE, new long[] {k, k}, 'f'); // zero-filled
            lapack().geqrf(a, r); // a := Q (its first k columns), r := R, upper triangular
            triangle = tall ? r : r.transpose().dup('f');
            s = Nd4j.create(DataType.DOUBLE, k);
            u = Nd4j.create(DataType.DOUBLE, new long[] {k, k}, 'f');
            vt = Nd4j.create(DataType.DOUBLE, new long[] {k, k}, 'f');
            try {
                lapack().gesvd(triangle, s, u, vt); // triangle = U·diag(s)·Vᵀ (triangle overwritten)
            } catch (BlasException e) {
                if (e.getErrorCode() > 0) {
                    throw new ArithmeticException("SVD did not converge (gesvd info " + e.getErrorCode() + ")");
                }
                throw new IllegalStateException("gesvd failed: " + e.getMessage(), e);
            }
            // tall: X_c = Q·U·S·Vᵀ → θ = V·S⁺·Uᵀ·Qᵀy_c;  wide: X_c = Rᵀ·Qᵀ = U·S·(Q·V)ᵀ → θ = Q·V·S⁺·Uᵀ·y_c
            INDArray qty = tall ? Nd4j.gemm(a, yc, Nd4j.create(DataType.DOUBLE, k, 1), true, false, 1.0, 0.0) : yc;
            temps[0] = tall ? qty : null;
            INDArray w = Nd4j.gemm(u, qty, Nd4j.create(DataType.DOUBLE, k, 1), true, false, 1.0, 0.0);
            temps[1] = w;
            double[] sigma = s.toDoubleVector();
            double cutoff = rankCutoff * sigma[0];
            long rank = 0;
            for (int i = 0; i < k; i++) {
                if (sigma[i] > cutoff) {
                    w.putScalar(i, 0, w.getDouble(i, 0) / sigma[i]);
                    rank++;
                } else {
                    w.putScalar(i, 0, 0.0);
                }
            }
            INDArray v = Nd4j.gemm(vt, w, Nd4j.create(DataType.DOUBLE, k, 1), true, false, 1.0, 0.0);
            temps[2] = v;
            INDArray theta = tall ? v : Nd4j.gemm(a, v, Nd4j.create(DataType.DOUBLE, n, 1), false, false, 1.0, 0.0);
            temps[3] = tall ? null : theta;
            return new LeastSquaresSolution(theta.toDoubleVector(), rank, sigma);
        } finally {
            Nd4jRuntime.release(temps);
            Nd4jRuntime.release(means, vt, u, s, triangle == r ? null : triangle, r, yc, a);
        }
    }

    /**
     * Estimate of ‖G⁻¹‖₁ for G = LLᵀ (L in {@code chol}): Hager's method with Higham's refinements as in
     * LAPACK's dlacon (at most 5 iterations and the alternating-sign test vector), each step two
     * triangular solves. G⁻¹ is symmetric, so the transposed solves are the same solves.
     */
    static double inverseNormEstimate(INDArray chol, int n) {
        double[] v = new double[n];
        java.util.Arrays.fill(v, 1.0 / n);
        double[] w = solve(chol, v);
        if (n == 1) {
            return Math.abs(w[0]);
        }
        double estimate = norm1(w);
        double[] sign = signs(w);
        double[] z = solve(chol, sign);
        int j = argmaxAbs(z);
        for (int iteration = 2; iteration <= 5; iteration++) {
            java.util.Arrays.fill(v, 0.0);
            v[j] = 1.0;
            w = solve(chol, v);
            double previous = estimate;
            estimate = norm1(w);
            double[] newSign = signs(w);
            if (java.util.Arrays.equals(newSign, sign) || estimate <= previous) {
                estimate = Math.max(estimate, previous);
                break;
            }
            sign = newSign;
            z = solve(chol, sign);
            int jNew = argmaxAbs(z);
            if (Math.abs(z[j]) == Math.abs(z[jNew])) {
                break;
            }
            j = jNew;
        }
        double alternating = 1;
        for (int i = 0; i < n; i++) {
            v[i] = alternating * (1 + (double) i / (n - 1));
            alternating = -alternating;
        }
        double other = 2 * norm1(solve(chol, v)) / (3.0 * n);
        return Math.max(estimate, other);
    }

    /** G⁻¹v = L⁻ᵀ(L⁻¹v) by two triangular solves. */
    static double[] solve(INDArray chol, double[] v) {
        INDArray b = Nd4j.createFromArray(v).reshape(v.length, 1);
        INDArray z = triangularSolve(chol, b, false);
        INDArray out = triangularSolve(chol, z, true);
        double[] result = out.toDoubleVector();
        Nd4jRuntime.release(out, z, b);
        return result;
    }

    /** L⁻¹b, or L⁻ᵀb when {@code transposed} (L lower triangular), as a new array. */
    private static INDArray triangularSolve(INDArray lower, INDArray b, boolean transposed) {
        return Nd4j.exec(new TriangularSolve(lower, b, true, transposed))[0];
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

    private static Lapack lapack() {
        return Nd4j.getBlasWrapper().lapack();
    }

    private static double norm1(double[] v) {
        double s = 0;
        for (double e : v) {
            s += Math.abs(e);
        }
        return s;
    }

    private static double[] signs(double[] v) {
        double[] s = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            s[i] = v[i] >= 0 ? 1 : -1;
        }
        return s;
    }

    private static int argmaxAbs(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (Math.abs(v[i]) > Math.abs(v[best])) {
                best = i;
            }
        }
        return best;
    }

    private static int lapackSize(long size, String what) {
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(size + " " + what + " exceed LAPACK's 32-bit sizes; use a gradient solver");
        }
        return (int) size;
    }
}
