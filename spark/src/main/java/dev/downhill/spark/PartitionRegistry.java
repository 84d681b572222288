package dev.downhill.spark;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.sql.Row;

/**
 * The executor-side cache of loaded partitions, keyed by (fit id, partition index): each partition is loaded once per
 * fit on the executor that runs its first task, reused by every later pass that runs there, rebuilt from the
 * partition's rows where it is missing (a retried task on another executor, an executor that was lost), and closed by
 * the fit's clean-up job ({@link #closeFit}). One per executor JVM (in local mode, the driver's).
 */
final class PartitionRegistry {
    private record Key(long fit, int partition) {
    }

    private static final Map<Key, PartitionProblem> LOADED = new ConcurrentHashMap<>();

    private PartitionRegistry() {
    }

    /** The loaded partition, or the one loaded now from {@code rows} (which is not read when it is already loaded). */
    static PartitionProblem getOrBuild(long fit, int partition, Iterator<Row> rows, PartitionProblem.Layout layout) {
        // two partitions load side by side (different keys); a key's second caller waits for the first's load
        return LOADED.computeIfAbsent(new Key(fit, partition), k -> PartitionProblem.build(partition, rows, layout));
    }

    /** Closes and forgets one partition (tests: a lost executor's copy). */
    static void evict(long fit, int partition) {
        PartitionProblem p = LOADED.remove(new Key(fit, partition));
        if (p != null) {
            p.close();
        }
    }

    /** Closes every partition of {@code fit} held in this JVM; returns how many. */
    static int closeFit(long fit) {
        int closed = 0;
        for (Key k : LOADED.keySet()) {
            if (k.fit() == fit) {
                PartitionProblem p = LOADED.remove(k);
                if (p != null) {
                    p.close();
                    closed++;
                }
            }
        }
        return closed;
    }

    /** How many partitions of {@code fit} this JVM holds (tests: nothing is left after a fit). */
    static int count(long fit) {
        int c = 0;
        for (Key k : LOADED.keySet()) {
            if (k.fit() == fit) {
                c++;
            }
        }
        return c;
    }
}
