package dev.downhill;

import dev.downhill.io.SvmLightReader;

import java.util.Optional;

/**
 * A model read back from a model file, with what the file recorded besides the model.
 *
 * @param model                 the fitted model (predicts exactly as the one that was written)
 * @param training              MSE and R² on the training data, when the writer recorded them
 * @param libraryVersion        the downhill version that wrote the file
 * @param lossHistoryIterations the iteration number of each value of {@code model.lossHistory()}:
 *                              0, 1, 2, … for a complete history, the kept iterations of one the
 *                              writer thinned (see {@link ModelFile#write}); a copy is returned
 * @param indexBase             for a model fitted to an svmlight file, where that file's indices started
 *                              ({@code data.indexBase}: ZERO or ONE); empty for other data and older files
 * @param columns               for a model fitted to a table with a header, its feature and target names
 *                              ({@code data.featureNames}, {@code data.targetName}); empty for other data and older files
 */
public record SavedModel(FittedModel model, Optional<Score> training, String libraryVersion, long[] lossHistoryIterations,
                         Optional<SvmLightReader.IndexBase> indexBase, Optional<TableColumns> columns) {
    /**
     * Copies {@code lossHistoryIterations}; throws {@link NullPointerException} naming the argument when one is null (an
     * absent training score, index base or columns is an empty {@link Optional}), {@link IllegalArgumentException} when
     * {@code columns} names another number of features than the model has coefficients.
     */
    public SavedModel {
        java.util.Objects.requireNonNull(model, "model");
        java.util.Objects.requireNonNull(training, "training");
        java.util.Objects.requireNonNull(libraryVersion, "libraryVersion");
        lossHistoryIterations = java.util.Objects.requireNonNull(lossHistoryIterations, "lossHistoryIterations").clone();
        java.util.Objects.requireNonNull(indexBase, "indexBase");
        java.util.Objects.requireNonNull(columns, "columns");
        if (columns.isPresent() && columns.get().features().size() != model.coefficients().length) {
            throw new IllegalArgumentException(columns.get().features().size() + " feature names for "
                    + model.coefficients().length + " coefficients");
        }
    }

    /** A saved model that records no table columns. */
    public SavedModel(FittedModel model, Optional<Score> training, String libraryVersion, long[] lossHistoryIterations,
                      Optional<SvmLightReader.IndexBase> indexBase) {
        this(model, training, libraryVersion, lossHistoryIterations, indexBase, Optional.empty());
    }

    /** A saved model that records no svmlight index base. */
    public SavedModel(FittedModel model, Optional<Score> training, String libraryVersion, long[] lossHistoryIterations) {
        this(model, training, libraryVersion, lossHistoryIterations, Optional.empty());
    }

    /** A saved model whose loss history iterations are the model's ({@link FittedModel#lossHistoryIterations()}). */
    public SavedModel(FittedModel model, Optional<Score> training, String libraryVersion) {
        this(model, training, libraryVersion, model.lossHistoryIterations());
    }

    /**
     * The iteration number of each value of {@code model().lossHistory()} (see the record's parameters).
     *
     * @return a copy
     */
    @Override
    public long[] lossHistoryIterations() {
        return lossHistoryIterations.clone();
    }

    /**
     * The model and what the file recorded; the iteration numbers by their count and range (the record's default printed
     * the array's identity).
     */
    @Override
    public String toString() {
        int k = lossHistoryIterations.length;
        return "SavedModel[model=" + model + ", training=" + training + ", libraryVersion=" + libraryVersion
                + ", lossHistoryIterations=" + (k == 0 ? "[]" : k + " from " + lossHistoryIterations[0] + " to "
                + lossHistoryIterations[k - 1]) + ", indexBase=" + indexBase + ", columns=" + columns + "]";
    }
}
