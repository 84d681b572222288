package dev.downhill.spark;

/**
 * The weight column a fit or an evaluation uses. weightCol has no default, as Spark's: unset or empty, every row has
 * weight 1 (Spark's {@code !isDefined(weightCol) || $(weightCol).isEmpty}).
 */
final class WeightColumn {
    private WeightColumn() {
    }

    /** The name of the weight column, or null when weightCol is unset or empty (unweighted). */
    static String of(DownhillRegressionParams params) {
        if (!params.isDefined(params.weightCol())) {
            return null;
        }
        String name = params.getWeightCol();
        return name == null || name.isEmpty() ? null : name;
    }
}
