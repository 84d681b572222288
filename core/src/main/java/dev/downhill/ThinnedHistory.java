package dev.downhill;

/**
 * Where the points of a thinned history came from: the history a model file keeps of a long fit holds at most
 * {@link ModelFile#MAX_HISTORY_POINTS} of its {@code length} points, point k being the one of iteration
 * {@code iterations[k]} (increasing, below {@code length}). A model read from such a file carries it, so that writing
 * the model again records the same iterations instead of presenting the kept points as a complete history.
 *
 * @param iterations the iteration of each kept point (not copied: the holder never writes it)
 * @param length     the full history's length
 */
record ThinnedHistory(long[] iterations, long length) {
}
