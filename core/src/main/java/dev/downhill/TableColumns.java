package dev.downhill;

import java.util.List;
import java.util.Objects;

/**
 * The names of the columns of a table (a CSV file with a header) a model was fitted on: its features in X's column
 * order and its target. Recorded in the model file ({@code data.featureNames}, {@code data.targetName}) so that a table
 * read for prediction can be checked against them — the same features in the same order, the target found by its name
 * ({@link SavedModel#columns()}). Immutable.
 *
 * @param features the features' names, one per coefficient, in order (a defensive copy)
 * @param target   the target column's name
 */
public record TableColumns(List<String> features, String target) {
    /**
     * Copies {@code features} into an unmodifiable list; throws {@link NullPointerException} when {@code features}, one of
     * its names, or {@code target} is null.
     */
    public TableColumns {
        features = List.copyOf(Objects.requireNonNull(features, "features"));
        Objects.requireNonNull(target, "target");
    }
}
