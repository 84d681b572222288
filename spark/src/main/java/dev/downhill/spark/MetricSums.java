package dev.downhill.spark;

/**
 * The float64 partial sums behind {@link DownhillRegressionMetrics}, one array per partition, combined in a fixed order
 * by {@link OrderedTreeSum#MOMENTS}. Layout ({@link #SIZE} values):
 * <pre>
 *   [W = Σwᵢ, N = #{i : wᵢ &gt; 0}, Σwᵢrᵢ², Σwᵢ|rᵢ|, Σwᵢyᵢ², ȳ, Σwᵢ(yᵢ − ȳ)², ŷ̄, Σwᵢ(ŷᵢ − ŷ̄)², rows read]
 * </pre>
 * with rᵢ = yᵢ − ŷᵢ and ȳ, ŷ̄ the weighted means of the rows added. The means and squared deviations are accumulated
 * as Welford's running mean and M2 row by row, and two partials are combined with Chan's parallel update
 * (M2 = M2ₐ + M2_b + δ²·WₐW_b/W, δ = mean_b − meanₐ), so a label mean far from zero costs no cancellation. Rows of weight 0
 * add nothing and are not counted in N (as Spark's summarizer skips them); the last slot counts every row read.
 */
final class MetricSums {
    static final int WEIGHT = 0;
    static final int COUNT = 1;
    static final int SQUARED_ERROR = 2;
    static final int ABSOLUTE_ERROR = 3;
    static final int LABEL_SQUARES = 4;
    static final int LABEL_MEAN = 5;
    static final int LABEL_DEVIATIONS = 6;
    static final int PREDICTION_MEAN = 7;
    static final int PREDICTION_DEVIATIONS = 8;
    static final int ROWS = 9;
    static final int SIZE = 10;

    private MetricSums() {
    }

    /** Adds one row (label y, prediction p, weight w ≥ 0) to {@code s}. */
    static void add(double[] s, double y, double p, double w) {
        s[ROWS] += 1;
        if (w == 0) {
            return;
        }
        double total = s[WEIGHT] + w;
        double r = y - p;
        s[SQUARED_ERROR] += w * r * r;
        s[ABSOLUTE_ERROR] += w * Math.abs(r);
        s[LABEL_SQUARES] += w * y * y;
        double dy = y - s[LABEL_MEAN];
        s[LABEL_MEAN] += dy * (w / total);
        s[LABEL_DEVIATIONS] += w * dy * (y - s[LABEL_MEAN]);
        double dp = p - s[PREDICTION_MEAN];
        s[PREDICTION_MEAN] += dp * (w / total);
        s[PREDICTION_DEVIATIONS] += w * dp * (p - s[PREDICTION_MEAN]);
        s[WEIGHT] = total;
        s[COUNT] += 1;
    }

    /** The partial of the rows of {@code a} and {@code b} together (new array). */
    static double[] combine(double[] a, double[] b) {
        double[] out;
        if (b[WEIGHT] == 0) {
            out = a.clone();
        } else if (a[WEIGHT] == 0) {
            out = b.clone();
        } else {
            out = new double[SIZE];
            merge(a, b, out);
        }
        out[ROWS] = a[ROWS] + b[ROWS];
        return out;
    }

    private static void merge(double[] a, double[] b, double[] out) {
        double w = a[WEIGHT] + b[WEIGHT];
        out[WEIGHT] = w;
        out[COUNT] = a[COUNT] + b[COUNT];
        out[SQUARED_ERROR] = a[SQUARED_ERROR] + b[SQUARED_ERROR];
        out[ABSOLUTE_ERROR] = a[ABSOLUTE_ERROR] + b[ABSOLUTE_ERROR];
        out[LABEL_SQUARES] = a[LABEL_SQUARES] + b[LABEL_SQUARES];
        moments(a, b, LABEL_MEAN, LABEL_DEVIATIONS, w, out);
        moments(a, b, PREDICTION_MEAN, PREDICTION_DEVIATIONS, w, out);
    }

    private static void moments(double[] a, double[] b, int mean, int m2, double w, double[] out) {
        double d = b[mean] - a[mean];
        double share = b[WEIGHT] / w;
        out[mean] = a[mean] + d * share;
        out[m2] = a[m2] + b[m2] + d * d * a[WEIGHT] * share;
    }
}
