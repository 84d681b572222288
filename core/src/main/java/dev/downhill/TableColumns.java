package dev.downhill;

import java.util.List;
import java.util.Objects;

/**
 * The names of the columns of a table (a CSV file with a header) a model was fitted on: its features in X's column
 * order and its target. Recorded in the model file ({@code data.featureNames}, {@code data.targetName}) so that a table
 * read for prediction can be checked against them — the same features in the same order, the target found by its name
 * ({@link SavedModel#columns()}), and the column of sample weights when the fit took one ({@code data.weightColumn}),
 * so that predict can leave it out of X (and weight the score by it). Immutable.
 *
 * @param features     the features' names, one per coefficient, in order (a defensive copy)
 * @param target       the target column's name
 * @param weightColumn the name of the column of sample weights the fit read, or null when it read none (or it had no
 *                     name)
 */
public record TableColumns(List<String> features, String target, String weightColumn) {
    /**
     * Copies {@code features} into an unmodifiable list; throws {@link NullPointerException} when {@code features}, one of
     * its names, or {@code target} is null ({@code weightColumn} may be).
     */
    public TableColumns {
        features = List.copyOf(Objects.requireNonNull(features, "features"));
        Objects.requireNonNull(target, "target");
    }

    /** A table without a column of sample weights. */
    public TableColumns(List<String> features, String target) {
        this(features, target, null);
    }

    /** The column of sample weights, when the fit read one by a name. */
    public java.util.Optional<String> weights() {
        return java.util.Optional.ofNullable(weightColumn);
    }
}
