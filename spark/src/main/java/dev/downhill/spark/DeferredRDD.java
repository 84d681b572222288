package dev.downhill.spark;

import org.apache.spark.Partition;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import scala.reflect.ClassTag;

/**
 * The input rows, one to one with their RDD, computed only when read. A pass zips the persisted partition handles with
 * the rows so that a task on an executor without its partition loaded can load it; Spark computes both parents of a zip
 * when the task starts, and computing a partition of rows may start work (a shuffled input starts fetching its blocks).
 * Here the parent's iterator is made on the first {@code hasNext}: a pass on a loaded partition never touches the input.
 */
final class DeferredRDD<T> extends RDD<T> {
    private static final long serialVersionUID = 1L;
    private final ClassTag<T> tag;

    DeferredRDD(RDD<T> parent, ClassTag<T> tag) {
        super(parent, tag);
        this.tag = tag;
    }

    @Override
    public scala.collection.Iterator<T> compute(Partition split, TaskContext context) {
        RDD<T> parent = firstParent(tag);
        return new scala.collection.AbstractIterator<T>() {
            private scala.collection.Iterator<T> rows;

            private scala.collection.Iterator<T> rows() {
                if (rows == null) {
                    rows = parent.iterator(split, context);
                }
                return rows;
            }

            @Override
            public boolean hasNext() {
                return rows().hasNext();
            }

            @Override
            public T next() {
                return rows().next();
            }
        };
    }

    @Override
    public Partition[] getPartitions() {
        return firstParent(tag).partitions();
    }

    @Override
    public scala.collection.immutable.Seq<String> getPreferredLocations(Partition split) {
        return firstParent(tag).preferredLocations(split);
    }
}
