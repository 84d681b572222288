package dev.downhill.spi;

/**
 * Statistics of the data from one pass over X and y, accumulated in float64.
 *
 * @param means              column means x̄ⱼ = (1/m)Σᵢ Xᵢⱼ (a host copy; callers must not modify it)
 * @param targetMean         ȳ = (1/m)Σᵢ yᵢ
 * @param meanSquaredRowNorm (1/m)Σᵢ ‖xᵢ‖² (uncentred)
 */
public record ColumnStatistics(double[] means, double targetMean, double meanSquaredRowNorm) {

    /** (1/m)Σᵢ ‖xᵢ − x̄‖² = (1/m)Σ‖xᵢ‖² − ‖x̄‖², the trace of the column covariance (clamped at 0). */
    public double meanSquaredCentredRowNorm() {
        double s = 0;
        for (double v : means) {
            s += v * v;
        }
        return Math.max(0, meanSquaredRowNorm - s);
    }
}
