package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.FitInterruptedException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The JVM-wide turn of the OpenBLAS solves ({@link OpenBlas#withThreads}): a fit waiting behind another's solve stops
 * when its thread is interrupted — a FitInterruptedException at once, the interrupt flag kept — not when the solve ahead
 * ends (before, a cancelled fit queued behind a 1.46 s svd fit threw only when that fit finished); the turn is then
 * still usable.
 */
class OpenBlasTurnTest {
    @Test
    void aFitWaitingForItsTurnStopsWhenInterrupted() throws Exception {
        OpenBlas.probe();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> OpenBlas.withThreads(2, () -> {
            holding.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        holder.start();
        assertTrue(holding.await(30, TimeUnit.SECONDS));
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flagKept = new AtomicReference<>();
        CountDownLatch waiting = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            waiting.countDown();
            try {
                OpenBlas.withThreads(2, () -> "ran");
            } catch (Throwable e) {
                thrown.set(e);
                flagKept.set(Thread.currentThread().isInterrupted());
            }
        });
        try {
            waiter.start();
            assertTrue(waiting.await(30, TimeUnit.SECONDS));
            Thread.sleep(100); // the waiter is now in its wait for the turn (the holder keeps it for up to 30 s)
            long start = System.nanoTime();
            waiter.interrupt();
            waiter.join(10_000);
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(holder.isAlive(), "the solve ahead has not ended");
            assertInstanceOf(FitInterruptedException.class, thrown.get());
            assertTrue(((FitInterruptedException) thrown.get()).threadInterrupted());
            assertEquals(Boolean.TRUE, flagKept.get(), "the interrupt flag is kept");
            assertTrue(seconds < 5, "stopped after " + seconds + " s, while the turn was held for up to 30 s");
        } finally {
            release.countDown();
            holder.join(30_000);
        }
        assertEquals("free again", OpenBlas.withThreads(1, () -> "free again"));
    }
}
