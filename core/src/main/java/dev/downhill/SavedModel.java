package dev.downhill;

import java.util.Optional;

/**
 * A model read back from a model file, with what the file recorded besides the model.
 *
 * @param model          the fitted model (predicts exactly as the one that was written)
 * @param training       MSE and R² on the training data, when the writer recorded them
 * @param libraryVersion the downhill version that wrote the file
 */
public record SavedModel(FittedModel model, Optional<Score> training, String libraryVersion) {
}
