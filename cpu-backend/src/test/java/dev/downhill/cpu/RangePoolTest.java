package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The pass threads of a cpu problem end when idle ({@link RangePool#IDLE_SECONDS}), so that a problem never closed holds
 * no thread and can be collected; a pass after that starts them again.
 */
class RangePoolTest {
    private static long alive(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name) && t.isAlive()).count();
    }

    @Test
    void idleWorkersEndAndALaterPassStartsThemAgain() throws InterruptedException {
        String name = "range-pool-test-" + System.nanoTime();
        RangePool pool = new RangePool(3, name); // never closed, as a forgotten problem's
        AtomicInteger ranges = new AtomicInteger();
        pool.run(k -> ranges.incrementAndGet());
        assertEquals(3, ranges.get());
        assertEquals(2, alive(name), "two workers after a pass");
        long deadline = System.nanoTime() + (RangePool.IDLE_SECONDS + 10) * 1_000_000_000L;
        while (alive(name) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(0, alive(name), "no worker left once idle");
        pool.run(k -> ranges.incrementAndGet());
        assertEquals(6, ranges.get(), "a later pass runs every range");
    }
}
