package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.internal.direct.JavaDenseKernels;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.DoubleBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The native kernels {@link OffHeapGramSystem} runs in place of core's Java defaults: the scaling gives the Java code's
 * bits (the same products in the same order) and 1-norm, dpotrs solves with the factor as the Java triangular
 * solves do, and dtrtri reads G⁻¹'s diagonal as the Java forward substitutions do (and as an exact inverse has it).
 */
class OffHeapGramSystemTest {

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 2, 7, 64, 201})
    void nativeScalingGivesTheJavaBitsAndNorm(int n) {
        assertTrue(GramKernels.available());
        double[] g = spd(n, n);
        double[] scales = new double[n];
        for (int j = 0; j < n; j++) {
            scales[j] = 1 / Math.sqrt(g[j + j * n]);
        }
        try (OffHeapGramSystem system = filled(g, n)) {
            double[] java = g.clone();
            double expected = JavaDenseKernels.scaleSymmetricLower(DoubleBuffer.wrap(java), n, scales);
            assertEquals(expected, system.scale(scales), 0);
            double[] scaled = lowerOf(system.lower(), n);
            assertArrayEquals(lowerOf(DoubleBuffer.wrap(java), n), scaled, 0);
            double norm = 0; // the 1-norm of the symmetric matrix, from both triangles
            for (int j = 0; j < n; j++) {
                double column = 0;
                for (int i = 0; i < n; i++) {
                    column += Math.abs(i >= j ? java[i + j * n] : java[j + i * n]);
                }
                norm = Math.max(norm, column);
            }
            assertEquals(norm, expected, 1e-13 * norm);
        }
    }

    @Test
    void scalingThatOverflowsReportsAnInfiniteNorm() {
        int n = 3;
        double[] g = spd(n, 3);
        try (OffHeapGramSystem system = filled(g, n)) {
            assertEquals(Double.POSITIVE_INFINITY, system.scale(new double[] {1e200, 1e200, 1}));
        }
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 5, 130})
    void dpotrsSolvesWithTheFactorInPlace(int n) {
        double[] g = spd(n, 7 * n);
        double[] x = new SplittableRandom(n).doubles(n, -1, 1).toArray();
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                b[i] += g[i + j * n] * x[j];
            }
        }
        try (OffHeapGramSystem system = filled(g, n)) {
            assertEquals(0, system.cholesky());
            double[] copy = b.clone();
            double[] solved = system.solve(b);
            assertArrayEquals(copy, b, 0, "b is not modified");
            double[] java = JavaDenseKernels.choleskySolve(system.lower(), n, b);
            for (int j = 0; j < n; j++) { // condition ≲ 1e4: both within 1e-10 of x and of each other
                assertEquals(x[j], solved[j], 1e-10, "x" + j);
                assertEquals(java[j], solved[j], 1e-11, "vs Java, x" + j);
            }
        }
    }

    /** u = 2⁻⁵³, float64's unit roundoff. */
    private static final double U = 0x1p-53;

    /**
     * dtrtri's reading of G⁻¹'s diagonal and ‖L⁻¹v‖² against core's Java forward substitutions on the same factor L, for
     * G of order 300 with eigenvalues spread over [1/κ, 1], four columns "constant" as the solver leaves them (row and
     * column zero, unit diagonal). Both compute column j of L⁻¹ (and L⁻¹v) by backward-stable triangular arithmetic —
     * each is the exact result for L + ΔL with ‖ΔL‖ ≲ n·u·‖L‖ (Higham, Accuracy and Stability, Thm 8.5 and §14.2) — so
     * each vector is within about n·u·κ₂(L) relative of the exact one, κ₂(L) = √κ₂(G) (the constant columns' deletion
     * leaves a principal submatrix, whose spectrum lies within [1/κ, 1]), and a squared norm within twice that: the two
     * readings agree to 4·n·u·√κ relative (1e-11 at κ = 100, 1.3e-8 at κ = 1e10). The constant columns of L⁻¹ are
     * exactly eⱼ in both.
     */
    @ParameterizedTest(name = "κ = {0}")
    @ValueSource(doubles = {1e2, 1e10})
    void dtrtriReadsTheInverseDiagonalAsTheJavaDefaultDoes(double kappa) {
        int n = 300;
        int[] constant = {0, 17, 150, n - 1};
        double[] g = withEigenvalues(n, kappa, 300 + (long) Math.log10(kappa));
        double[] v = new SplittableRandom(5).doubles(n, -1, 1).toArray();
        for (int j : constant) {
            makeConstant(g, n, j);
            v[j] = 0;
        }
        try (OffHeapGramSystem system = filled(g, n)) {
            assertEquals(0, system.cholesky());
            double[] java = new double[n];
            double javaForm = JavaDenseKernels.choleskyInverseDiagonal(system.lower(), n, v, java);
            double[] heapFactor = new double[n * n]; // the heap Gram system's route: LapackDenseKernels on a heap L
            system.lower().get(0, heapFactor);
            double[] heapCopy = heapFactor.clone();
            double[] heapDiagonal = new double[n];
            double heapForm = new LapackDenseKernels(2).choleskyInverseDiagonal(heapFactor, n, v, heapDiagonal);
            assertArrayEquals(heapCopy, heapFactor, 0, "the heap factor is not modified (an off-heap copy is inverted)");
            double[] copy = v.clone();
            double[] diagonal = new double[n];
            double form = system.inverseDiagonal(v, diagonal);
            assertArrayEquals(copy, v, 0, "v is not modified");
            double tolerance = 4 * n * U * Math.sqrt(kappa);
            for (int j = 0; j < n; j++) {
                if (Arrays.binarySearch(constant, j) >= 0) {
                    assertEquals(1, java[j], 0, "Java, constant column " + j);
                    assertEquals(1, diagonal[j], 0, "dtrtri, constant column " + j);
                    continue;
                }
                assertEquals(java[j], diagonal[j], tolerance * java[j], "column " + j);
                assertEquals(java[j], heapDiagonal[j], tolerance * java[j], "heap kernels, column " + j);
            }
            assertEquals(javaForm, form, tolerance * javaForm, "‖L⁻¹v‖²");
            assertEquals(javaForm, heapForm, tolerance * javaForm, "heap kernels, ‖L⁻¹v‖²");
        }
    }

    /**
     * The whole native path — dpotrf, then dtrtri's reading — against an independent reference: G⁻¹ of the very doubles
     * in G by Gauss–Jordan in 80-digit decimal arithmetic (its own error ~1e-70). n = 40, eigenvalues in [1e-6, 1], one
     * constant column. Cholesky gives the exact factor of G + ΔG, ‖ΔG‖₂ ≲ n·u·‖G‖₂ (Higham Thm 10.3), and
     * |eⱼᵀ(G⁻¹ΔG G⁻¹)eⱼ| ≤ ‖ΔG‖‖G⁻¹eⱼ‖² ≤ ‖ΔG‖‖G⁻¹‖·(G⁻¹)ⱼⱼ, so every diagonal entry — and likewise vᵀG⁻¹v — is within
     * about n·u·κ₂(G) relative (4.4e-9), plus the triangular inversion's n·u·√κ (smaller): 4·n·u·κ.
     */
    @Test
    void inverseDiagonalMatchesAnExactInverse() {
        int n = 40;
        double kappa = 1e6;
        double[] g = withEigenvalues(n, kappa, 40);
        makeConstant(g, n, 7);
        double[] v = new SplittableRandom(9).doubles(n, -1, 1).toArray();
        MathContext mc = new MathContext(80);
        BigDecimal[][] inverse = exactInverse(g, n, mc);
        try (OffHeapGramSystem system = filled(g, n)) {
            assertEquals(0, system.cholesky());
            double[] diagonal = new double[n];
            double form = system.inverseDiagonal(v, diagonal);
            double tolerance = 4 * n * U * kappa;
            BigDecimal quadratic = BigDecimal.ZERO;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    quadratic = quadratic.add(inverse[i][j].multiply(new BigDecimal(v[i]), mc)
                            .multiply(new BigDecimal(v[j]), mc), mc);
                }
                double exact = inverse[i][i].doubleValue();
                assertEquals(exact, diagonal[i], tolerance * exact, "(G⁻¹)" + i + i);
            }
            assertEquals(1, diagonal[7], 0, "the constant column");
            assertEquals(quadratic.doubleValue(), form, tolerance * quadratic.doubleValue(), "vᵀG⁻¹v");
        }
    }

    /**
     * A small exact case: the symmetric Pascal matrix Pᵢⱼ = C(i + j, i) (order 10) has the lower Pascal matrix Lᵢⱼ = C(i, j)
     * as its Cholesky factor and L⁻¹ᵢⱼ = (−1)^(i−j)·C(i, j), all integers (below 2⁵³, so every operation on them is
     * exact): (P⁻¹)ⱼⱼ = Σᵢ≥ⱼ C(i, j)², and with v = 1, L⁻¹1 = e₀ (Σⱼ (−1)^(i−j)C(i, j) = 0 for i &gt; 0), so 1ᵀP⁻¹1 = 1.
     * P is badly conditioned (κ ~ 1e10), which exact arithmetic does not mind.
     */
    @Test
    void inverseDiagonalOfPascalMatrixIsExact() {
        int n = 10;
        double[] p = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                p[i + j * n] = binomial(i + j, i);
            }
        }
        double[] ones = new double[n];
        Arrays.fill(ones, 1);
        try (OffHeapGramSystem system = filled(p, n)) {
            assertEquals(0, system.cholesky());
            double[] diagonal = new double[n];
            assertEquals(1, system.inverseDiagonal(ones, diagonal), 0);
            for (int j = 0; j < n; j++) {
                double expected = 0;
                for (int i = j; i < n; i++) {
                    expected += binomial(i, j) * binomial(i, j);
                }
                assertEquals(expected, diagonal[j], 0, "(P⁻¹)" + j + j);
            }
        }
        try (OffHeapGramSystem system = filled(p, n)) {
            assertEquals(0, system.cholesky());
            double[] diagonal = new double[n];
            assertEquals(0, system.inverseDiagonal(null, diagonal), 0, "no v: 0");
            assertEquals(1, diagonal[n - 1], 0, "(P⁻¹)ₙₙ = C(n − 1, n − 1)² = 1");
        }
    }

    private static double binomial(int n, int k) {
        double c = 1;
        for (int i = 1; i <= k; i++) {
            c = c * (n - k + i) / i; // exact: each partial product is C(n − k + i, i), an integer
        }
        return c;
    }

    /**
     * Q·diag(λ)·Qᵀ with λ log-spaced from 1 down to 1/κ and Q a product of three Householder reflections through Gaussian
     * directions (column-major, symmetric, dense): κ₂ = κ up to rounding.
     */
    static double[] withEigenvalues(int n, double kappa, long seed) {
        double[] a = new double[n * n];
        for (int j = 0; j < n; j++) {
            a[j + j * n] = Math.pow(kappa, -(double) j / Math.max(1, n - 1));
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int r = 0; r < 3; r++) { // A ← HAH, H = I − 2uuᵀ: A − 2uwᵀ − 2wuᵀ + 4(uᵀw)uuᵀ with w = Au
            double[] u = new double[n];
            double norm = 0;
            for (int i = 0; i < n; i++) {
                u[i] = random.nextGaussian();
                norm += u[i] * u[i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) {
                u[i] /= norm;
            }
            double[] w = new double[n];
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < n; i++) {
                    w[i] += a[i + j * n] * u[j];
                }
            }
            double alpha = 0;
            for (int i = 0; i < n; i++) {
                alpha += u[i] * w[i];
            }
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < n; i++) {
                    a[i + j * n] += -2 * u[i] * w[j] - 2 * w[i] * u[j] + 4 * alpha * u[i] * u[j];
                }
            }
            for (int j = 0; j < n; j++) { // exactly symmetric
                for (int i = j + 1; i < n; i++) {
                    a[j + i * n] = a[i + j * n];
                }
            }
        }
        return a;
    }

    /** What the solver does for a constant column: its row and column of G zero, its diagonal 1. */
    private static void makeConstant(double[] g, int n, int j) {
        for (int i = 0; i < n; i++) {
            g[i + j * n] = 0;
            g[j + i * n] = 0;
        }
        g[j + j * n] = 1;
    }

    /** A⁻¹ of the symmetric positive definite column-major a, by Gauss–Jordan (no pivoting) in {@code mc}. */
    private static BigDecimal[][] exactInverse(double[] a, int n, MathContext mc) {
        BigDecimal[][] m = new BigDecimal[n][2 * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                m[i][j] = new BigDecimal(a[i + j * n]);
                m[i][n + j] = i == j ? BigDecimal.ONE : BigDecimal.ZERO;
            }
        }
        for (int k = 0; k < n; k++) {
            BigDecimal pivot = m[k][k];
            for (int j = 0; j < 2 * n; j++) {
                m[k][j] = m[k][j].divide(pivot, mc);
            }
            for (int i = 0; i < n; i++) {
                if (i != k && m[i][k].signum() != 0) {
                    BigDecimal f = m[i][k];
                    for (int j = 0; j < 2 * n; j++) {
                        m[i][j] = m[i][j].subtract(f.multiply(m[k][j], mc), mc);
                    }
                }
            }
        }
        BigDecimal[][] inverse = new BigDecimal[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(m[i], n, inverse[i], 0, n);
        }
        return inverse;
    }

    /** A = BᵀB + (n/10 + 1)·I (column-major, symmetric), B (n + 3) × n Gaussian: SPD with a moderate condition. */
    private static double[] spd(int n, long seed) {
        return LapackDenseKernelsTest.gramPlusDiagonal(n, n + 3, seed, i -> 0.1 * n + 1);
    }

    /** A system holding the symmetric {@code a}. */
    private static OffHeapGramSystem filled(double[] a, int n) {
        OffHeapGramSystem system = new OffHeapGramSystem(n, 1);
        system.pointer().put(a);
        return system;
    }

    private static double[] lowerOf(DoubleBuffer a, int n) {
        double[] out = new double[n * (n + 1) / 2];
        int k = 0;
        for (int j = 0; j < n; j++) {
            for (int i = j; i < n; i++) {
                out[k++] = a.get(i + j * n);
            }
        }
        return out;
    }
}
