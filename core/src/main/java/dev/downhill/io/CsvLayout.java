package dev.downhill.io;

import java.util.ArrayList;
import java.util.List;

/**
 * How a CSV file is laid out, as {@link CsvReader} sees it from its first non-blank line: the
 * delimiter, whether that line is a header, the column names (empty when there is no header),
 * the number of columns and the zero-based index of the target column. Immutable.
 *
 * @param delimiter   the cell separator
 * @param hasHeader   whether the first non-blank line holds column names
 * @param columnNames the names from the header, one per column; empty without a header
 * @param columns     cells per line
 * @param targetIndex zero-based index of the target (y) column; the others are the features, in file order; −1 when
 *                    there is no target ({@link CsvReader#withoutTarget()}: every column is a feature)
 * @param hashHeader  whether the header is a line that starts with {@code #} (NumPy's {@code savetxt(…, header=…)})
 */
public record CsvLayout(char delimiter, boolean hasHeader, List<String> columnNames, int columns, int targetIndex,
                        boolean hashHeader) {
    /** A layout whose header, if any, does not start with {@code #}. */
    public CsvLayout(char delimiter, boolean hasHeader, List<String> columnNames, int columns, int targetIndex) {
        this(delimiter, hasHeader, columnNames, columns, targetIndex, false);
    }

    public CsvLayout {
        columnNames = List.copyOf(columnNames);
        if (hasHeader && columnNames.size() != columns) {
            throw new IllegalArgumentException(columnNames.size() + " names for " + columns + " columns");
        }
        if (targetIndex < -1 || targetIndex >= columns) {
            throw new IllegalArgumentException("target index " + targetIndex + " outside 0.." + (columns - 1));
        }
    }

    /** Number of features: columns − 1 (columns without a target). */
    public int features() {
        return targetIndex < 0 ? columns : columns - 1;
    }

    /** The target column's name, or {@code "column k"} (1-based k) without a header; null without a target. */
    public String targetName() {
        return targetIndex < 0 ? null : name(targetIndex);
    }

    /** The features' names in X's column order (header names, or {@code "column k"} with 1-based k). */
    public List<String> featureNames() {
        List<String> names = new ArrayList<>(columns);
        for (int k = 0; k < columns; k++) {
            if (k != targetIndex) {
                names.add(name(k));
            }
        }
        return List.copyOf(names);
    }

    /** The name of zero-based column {@code k}: its header name, or {@code "column k+1"}. */
    public String name(int k) {
        return hasHeader ? columnNames.get(k) : "column " + (k + 1);
    }
}
