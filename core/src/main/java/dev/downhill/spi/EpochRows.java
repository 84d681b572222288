package dev.downhill.spi;

import dev.downhill.sampling.CounterBasedSampler;

/**
 * The rows one SGD or mini-batch epoch visits, as a pure function of position (no m-length array anywhere): with
 * {@code held} = m − {@code train} rows held out for validation (0 without early stopping),
 * <pre>
 *   split(q)        = rowAt(validationSeed, 0, q, m)                 a seeded permutation of [0, m), fixed for the fit
 *   validation row q = split(q),                        0 ≤ q &lt; held
 *   training row p   = split(held + rowAt(seed, epoch, p, train)),   0 ≤ p &lt; train
 * </pre>
 * and without validation rows simply training row p = rowAt(seed, epoch, p, m) ({@link CounterBasedSampler#rowAt}).
 * Backends that run an epoch natively compute the same rows from the same Feistel network (their tests compare
 * against {@link #training}). Immutable.
 */
public final class EpochRows {
    private final long seed;
    private final long epoch;
    private final long rows;
    private final long train;
    private final long validationSeed;

    private EpochRows(long seed, long epoch, long rows, long train, long validationSeed) {
        this.seed = seed;
        this.epoch = epoch;
        this.rows = rows;
        this.train = train;
        this.validationSeed = validationSeed;
    }

    /**
     * @param rows           m, the rows of X (≤ 2⁶²)
     * @param train          the training rows, 1 ≤ train ≤ m; m − train are held out
     * @param validationSeed the key of the split (unused when train = m)
     */
    public static EpochRows of(long seed, long epoch, long rows, long train, long validationSeed) {
        if (rows < 1 || rows > CounterBasedSampler.MAX_ROWS) {
            throw new IllegalArgumentException("an epoch needs 1 ≤ rows ≤ 2⁶², got " + rows);
        }
        if (train < 1 || train > rows) {
            throw new IllegalArgumentException("training rows " + train + " outside [1, " + rows + "]");
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch " + epoch + " is negative");
        }
        return new EpochRows(seed, epoch, rows, train, validationSeed);
    }

    public long seed() {
        return seed;
    }

    public long epoch() {
        return epoch;
    }

    /** m. */
    public long rows() {
        return rows;
    }

    /** The training rows (the positions of an epoch). */
    public long train() {
        return train;
    }

    /** m − train, the validation rows. */
    public long held() {
        return rows - train;
    }

    public long validationSeed() {
        return validationSeed;
    }

    /** Training row at position p (0 ≤ p &lt; train). */
    public long training(long p) {
        long v = CounterBasedSampler.rowAt(seed, epoch, p, train);
        return train == rows ? v : CounterBasedSampler.rowAt(validationSeed, 0, held() + v, rows);
    }

    /** Validation row q (0 ≤ q &lt; held). */
    public long validation(long q) {
        return CounterBasedSampler.rowAt(validationSeed, 0, q, rows);
    }

    /** Training rows of positions [from, from + count) into out[offset..]. Writes {@code out}. */
    public void training(long from, long[] out, int offset, int count) {
        CounterBasedSampler.fill(seed, epoch, train, from, out, offset, count);
        if (train != rows) {
            long held = held();
            for (int k = 0; k < count; k++) {
                out[offset + k] = CounterBasedSampler.rowAt(validationSeed, 0, held + out[offset + k], rows);
            }
        }
    }

    /** Validation rows [from, from + count) into out[offset..]. Writes {@code out}. */
    public void validation(long from, long[] out, int offset, int count) {
        if (from < 0 || count < 0 || from > held() - count) {
            throw new IllegalArgumentException("validation positions [" + from + ", " + from + " + " + count + ") outside [0, "
                    + held() + ")");
        }
        CounterBasedSampler.fill(validationSeed, 0, rows, from, out, offset, count);
    }

    /** The same rows in another epoch. */
    public EpochRows withEpoch(long e) {
        return of(seed, e, rows, train, validationSeed);
    }
}
