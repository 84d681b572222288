package dev.downhill.cli;

import dev.downhill.io.NpzWriter;
import dev.downhill.sampling.PowerLawColumns;
import java.util.SplittableRandom;

/**
 * The rows of {@code gen --density}: sparse X with text-like column frequencies and y = Xθ + b + σ·N(0,1).
 *
 * <p>Row i draws from its own generator seeded by (seed, i) ({@link GenCommand#rowRandom}), so it is the same whenever it is asked for (the .npz
 * writer asks three times). It holds k = ⌊d·n⌋ non-zeros, plus one with probability frac(d·n). Their columns are drawn
 * without replacement with probability ∝ (j + 1)^−{@value #EXPONENT} (column 0 the most frequent, like word
 * frequencies in a tf-idf matrix; E2006-tfidf's columns fall off about so), or uniformly when k > n/4 (where rejecting
 * repeats of a power law would take too long); values sⱼ·N(0,1) with the dense generator's column scales. Not
 * thread-safe (one per thread).
 */
final class SparseRows implements NpzWriter.RowSource {
    static final double EXPONENT = 0.8;

    private final int n;
    private final double density;
    private final long seed;
    private final double[] theta;
    private final double[] scale;
    private final double intercept;
    private final double noise;
    private final boolean float32;
    private final PowerLawColumns.Row columnsOfARow;
    private double lastTarget;

    /** @param float32 whether values are rounded to float32 (y is then computed from the rounded values, as stored) */
    SparseRows(int n, double density, long seed, double[] theta, double[] scale, double intercept, double noise, boolean float32) {
        this.float32 = float32;
        this.n = n;
        this.density = density;
        this.seed = seed;
        this.theta = theta;
        this.scale = scale;
        this.intercept = intercept;
        this.noise = noise;
        this.columnsOfARow = new PowerLawColumns(n, EXPONENT).row();
    }

    @Override
    public int row(long i, int[] columns, double[] values) {
        SplittableRandom r = GenCommand.rowRandom(seed, i);
        double expected = density * n;
        int k = (int) Math.min(n, Math.floor(expected) + (r.nextDouble() < expected - Math.floor(expected) ? 1 : 0));
        columnsOfARow.draw(r, k, columns, 0);
        double y = intercept;
        for (int e = 0; e < k; e++) {
            double v = scale[columns[e]] * r.nextGaussian();
            if (float32) {
                v = (float) v;
            }
            values[e] = v;
            y += v * theta[columns[e]];
        }
        lastTarget = y + noise * r.nextGaussian();
        GenCommand.checkTarget(lastTarget, i, float32); // before any byte of the first file: the .npz writer counts every row first
        return k;
    }

    /** y of the row {@link #row} made last. */
    double lastTarget() {
        return lastTarget;
    }
}
