package dev.downhill.bench;

import java.util.List;

/** Order statistics of repeated measurements (seconds, ratios) for the paired-round reports. */
final class Samples {
    private Samples() {
    }

    /** The median (the mean of the middle two for an even count). */
    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static double min(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
