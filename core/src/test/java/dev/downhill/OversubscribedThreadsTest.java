package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** A configuration with more than four threads per core gets one warning (kept as asked: the result depends on it). */
class OversubscribedThreadsTest {
    @Test
    void moreThanFourThreadsPerCoreAreWarnedAboutNamingTheCap() {
        assertNull(LinearRegression.oversubscribedWarning(0, 2), "0: every core");
        assertNull(LinearRegression.oversubscribedWarning(8, 2), "4 per core is allowed, as on the command line");
        assertEquals("threads 9 is more than 4 per core on this machine's 2 cores: the passes are slower oversubscribed, not "
                + "faster (the command line caps --threads at 8); use 0 (every core) or at most the cores",
                LinearRegression.oversubscribedWarning(9, 2));
        assertEquals(4, LinearRegression.THREADS_PER_CORE);
    }
}
