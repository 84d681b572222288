package dev.downhill.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The params of Spark's {@code LinearRegression} that downhill has so that a pipeline can swap one for the other, but
 * that do nothing here: {@code loss} (downhill fits squared error, Spark's default; its huber loss is refused),
 * {@code epsilon} (the huber loss's shape) and {@code maxBlockSizeInMB} (the size of the blocks Spark's own solvers stack
 * rows into; downhill loads each partition whole). Checked when a fit starts: a loss other than squared error fails
 * the fit before any work; the others, set away from Spark's defaults, are warned about and never fail it.
 */
final class SparkOnlyParams {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SparkOnlyParams.class);

    private SparkOnlyParams() {
    }

    /** Refuses a loss other than squared error, in one line naming it. */
    static void refuseUnsupported(DownhillRegressionParams params) {
        String loss = params.getLoss();
        if (!DownhillRegressionParams.SQUARED_ERROR.equalsIgnoreCase(loss.trim())) {
            throw new IllegalArgumentException("loss " + loss + " is not supported: downhill fits squared error (loss "
                    + DownhillRegressionParams.SQUARED_ERROR + ")");
        }
    }

    /** One line for each of these params set away from its default, which it ignores; empty when none is. */
    static List<String> ignored(DownhillRegressionParams params) {
        List<String> out = new ArrayList<>();
        double epsilon = params.getEpsilon();
        if (epsilon != DownhillRegressionParams.DEFAULT_EPSILON) {
            out.add(String.format(Locale.ROOT, "epsilon %s has no effect: it shapes Spark's huber loss, and downhill fits "
                    + "squared error", epsilon));
        }
        double block = params.getMaxBlockSizeInMB();
        if (block != 0) {
            out.add(String.format(Locale.ROOT, "maxBlockSizeInMB %s has no effect: it sizes the blocks Spark's own solvers "
                    + "stack rows into; downhill loads each partition whole", block));
        }
        return out;
    }

    /** {@link #refuseUnsupported}, then a warning in the log for each of {@link #ignored}. */
    static void check(DownhillRegressionParams params) {
        refuseUnsupported(params);
        for (String line : ignored(params)) {
            LOG.warn(line);
        }
    }
}
