package dev.downhill.spark;

/**
 * Bad input found while a partition was loaded: a null, NaN or infinite value, a negative weight, or a feature vector of
 * another length. The message names the column, the partition and the row within it (zero-based), e.g.
 * {@code column 'label': row 17 of partition 3 is NaN (every value must be finite)}. The fit fails with it (re-thrown on
 * the driver from Spark's task failure), never drops the row.
 */
public final class InvalidRowException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidRowException(String message) {
        super(message);
    }

    static InvalidRowException of(String column, int partition, long row, String what) {
        return new InvalidRowException("column '" + column + "': row " + row + " of partition " + partition + " " + what);
    }
}
