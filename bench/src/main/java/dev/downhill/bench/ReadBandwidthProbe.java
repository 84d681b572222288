package dev.downhill.bench;

import static org.bytedeco.openblas.global.openblas_full.cblas_sasum;

import dev.downhill.cpu.ReadProbe;
import dev.downhill.internal.OffHeapViews;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The machine's own read bandwidth: {@code threads} threads each read a contiguous share of a
 * buffer much larger than the last-level cache, once. Three loops, the fastest counts: our native
 * AVX2 sum ({@link ReadProbe}, C), OpenBLAS's {@code cblas_sasum}, and a Java loop of 64-bit loads
 * into eight independent accumulators. Each reads every byte exactly once.
 */
public final class ReadBandwidthProbe implements AutoCloseable {
    private static final int CHUNK = 1 << 24;
    private final FloatPointer buffer;
    private final long elements;
    private final int threads;
    private final ExecutorService pool;

    public ReadBandwidthProbe(long bytes, int threads, ExecutorService pool) {
        this.elements = bytes / 4;
        this.buffer = new FloatPointer(elements);
        this.threads = threads;
        this.pool = pool;
        for (long start = 0; start < elements; start += CHUNK) {
            int len = (int) Math.min(CHUNK, elements - start);
            java.nio.FloatBuffer b = OffHeapViews.floats(buffer, start, len);
            for (int i = 0; i < len; i++) {
                b.put(i, (i & 1023) * 1e-3f);
            }
        }
    }

    public long bytes() {
        return elements * 4;
    }

    /** Σ|xᵢ| over the buffer by cblas_sasum on each thread's share (OpenBLAS must be single-threaded). */
    public double sasum() {
        return parallel((start, end) -> {
            double s = 0;
            FloatPointer p = new FloatPointer(buffer);
            for (long i = start; i < end; i += CHUNK) {
                p.position(i);
                s += cblas_sasum((int) Math.min(CHUNK, end - i), p, 1);
            }
            return s;
        });
    }

    /** Σ xᵢ by the native AVX2 loop ({@link ReadProbe}) on each thread's share. */
    public double nativeSum() {
        return parallel((start, end) -> ReadProbe.sum(new FloatPointer(buffer).position(start), end - start));
    }

    /** Sum of the buffer's 64-bit words (as longs) with eight accumulators per thread. */
    public double javaLongSum() {
        return parallel((start, end) -> {
            long a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
            for (long i = start; i < end; i += CHUNK) {
                int len = (int) Math.min(CHUNK, end - i) / 2;
                LongBuffer b = longs(buffer, i, len);
                int k = 0;
                for (; k + 8 <= len; k += 8) {
                    a0 += b.get(k);
                    a1 += b.get(k + 1);
                    a2 += b.get(k + 2);
                    a3 += b.get(k + 3);
                    a4 += b.get(k + 4);
                    a5 += b.get(k + 5);
                    a6 += b.get(k + 6);
                    a7 += b.get(k + 7);
                }
                for (; k < len; k++) {
                    a0 += b.get(k);
                }
            }
            return (double) (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
        });
    }

    private static LongBuffer longs(Pointer base, long floatOffset, int longCount) {
        FloatPointer p = new FloatPointer(base).getPointer(floatOffset); // moves the address: windows past 2 GiB work
        p.position(0).limit(2L * longCount);
        return p.asByteBuffer().order(ByteOrder.nativeOrder()).asLongBuffer();
    }

    private interface RangeSum {
        double sum(long start, long end);
    }

    private double parallel(RangeSum body) {
        long per = (elements / threads) & ~15L;
        List<Future<Double>> parts = new ArrayList<>();
        for (int t = 1; t < threads; t++) {
            long start = per * t;
            long end = t == threads - 1 ? elements : per * (t + 1);
            parts.add(pool.submit(() -> body.sum(start, end)));
        }
        double s = body.sum(0, threads == 1 ? elements : per);
        for (Future<Double> f : parts) {
            try {
                s += f.get();
            } catch (InterruptedException | ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
        return s;
    }

    @Override
    public void close() {
        buffer.close();
    }
}
