package dev.downhill.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The threads of a cpu problem's passes: {@code ranges} contiguous row ranges, range 0 on the calling thread and the
 * others on a fixed pool of daemon threads. {@link #run} waits for every range before it returns or throws — even when
 * interrupted, since the workers read memory the caller may free next — and rethrows the first failure. Closing waits
 * for the pool to stop. One pass at a time. A worker idle for {@value #IDLE_SECONDS} s ends (a later pass starts it
 * again): a problem its caller forgot to close then leaves no thread behind (1,000 unclosed problems had held 1,000
 * threads for good, in a review). A range no worker can take (a thread that cannot be started) runs on the caller.
 */
final class RangePool implements AutoCloseable {
    /** Seconds a worker waits for the next pass before it ends. */
    static final int IDLE_SECONDS = 5;

    private final int ranges;
    private final ExecutorService pool;

    RangePool(int ranges, String threadName) {
        this.ranges = ranges;
        if (ranges == 1) {
            this.pool = null;
        } else {
            java.util.concurrent.ThreadPoolExecutor p = new java.util.concurrent.ThreadPoolExecutor(ranges - 1, ranges - 1,
                    IDLE_SECONDS, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                        Thread th = new Thread(r, threadName);
                        th.setDaemon(true);
                        return th;
                    });
            p.allowCoreThreadTimeOut(true);
            this.pool = p;
        }
    }

    int ranges() {
        return ranges;
    }

    /** Runs body(k) for every range k, range 0 on the calling thread; waits for all before returning or throwing. */
    void run(IntConsumer body) {
        if (pool == null) {
            body.accept(0);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(ranges);
        List<Integer> inline = new ArrayList<>(); // ranges no worker took: a thread that could not be started (its limit)
        for (int t = 1; t < ranges; t++) {
            int k = t;
            try {
                futures.add(pool.submit(() -> body.accept(k)));
            } catch (OutOfMemoryError | java.util.concurrent.RejectedExecutionException e) {
                inline.add(k); // a worker ended idle and none could start again: this thread runs the range
            }
        }
        Throwable failure = null;
        try {
            body.accept(0);
            for (int k : inline) {
                body.accept(k);
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        boolean interrupted = false;
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // keep waiting: the workers read memory the caller may free next
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    /** Stops the pool and waits for its threads (however long an interrupted wait takes). */
    @Override
    public void close() {
        if (pool == null) {
            return;
        }
        pool.shutdown();
        boolean done = false;
        boolean interrupted = false;
        while (!done) {
            try {
                done = pool.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
