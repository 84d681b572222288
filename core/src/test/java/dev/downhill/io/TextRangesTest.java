package dev.downhill.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** {@link TextRanges#onEachRange}: what it throws, and that no task outlives it (they write memory the caller frees next). */
class TextRangesTest {
    private static final long[] THREE_RANGES = {0, 10, 20, 30};

    /** A task that ignores interrupts for {@code millis}, then marks {@code done}. */
    private static void busy(long millis, AtomicBoolean done) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        done.set(true);
    }

    @Test
    void noTaskOutlivesTheCallEvenWhenTheCallerIsInterrupted() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        CountDownLatch running = new CountDownLatch(1);
        Thread caller = Thread.currentThread();
        Thread interrupter = new Thread(() -> {
            try {
                running.await();
                for (int k = 0; k < 20; k++) { // once for the wait on the results, then during the wait for the tasks
                    Thread.sleep(50);
                    caller.interrupt();
                }
            } catch (InterruptedException e) {
                // ends the interrupter
            }
        });
        interrupter.start();
        try {
            assertThrows(Exception.class, () -> TextRanges.onEachRange(THREE_RANGES, (k, from, to) -> {
                if (k == 0) {
                    running.countDown();
                    busy(1500, done);
                }
                return k;
            }));
            assertTrue(done.get(), "a task was still running when onEachRange returned");
        } finally {
            interrupter.interrupt();
            interrupter.join();
            Thread.interrupted(); // clear what the interrupter left
        }
    }

    @Test
    void anErrorOfATaskIsThrownAsItIs() {
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
        OutOfMemoryError thrown = assertThrows(OutOfMemoryError.class, () -> TextRanges.onEachRange(THREE_RANGES, (k, from, to) -> {
            if (k == 1) {
                throw oom;
            }
            return k;
        }));
        assertEquals(oom, thrown);
        IOException io = new IOException("bad");
        assertEquals(io, assertThrows(IOException.class, () -> TextRanges.onEachRange(THREE_RANGES, (k, from, to) -> {
            if (k == 2) {
                throw io;
            }
            return k;
        })));
    }
}
