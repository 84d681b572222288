package dev.downhill.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Selection rules. core's test class path holds only the {@link CountingBackends} (the real backends live in
 * their own modules); the "no backend" cases select among an empty list.
 */
class BackendsTest {
    private String savedProperty;

    @BeforeEach
    void clearProperty() {
        savedProperty = System.getProperty(Backends.PROPERTY);
        System.clearProperty(Backends.PROPERTY);
        CountingBackends.reset();
    }

    @AfterEach
    void restoreProperty() {
        if (savedProperty == null) {
            System.clearProperty(Backends.PROPERTY);
        } else {
            System.setProperty(Backends.PROPERTY, savedProperty);
        }
    }

    private static void assumeNoEnvironmentChoice() {
        String env = System.getenv(Backends.ENVIRONMENT);
        assumeTrue(env == null || env.isBlank() || env.trim().equalsIgnoreCase("auto"),
                Backends.ENVIRONMENT + " is set to '" + env + "'");
    }

    @Test
    void theTestBackendsAreFoundHighestPriorityFirst() {
        assertEquals(List.of("test-gpu", "test-host", "test-baseline"), Backends.all().stream().map(Backend::name).toList());
        assertEquals("No backend is on the class path (add downhill-cpu).", Backends.describe(List.of()));
    }

    @Test
    void automaticSelectionWithNoBackendFailsNamingTheMissingModule() {
        assumeNoEnvironmentChoice();
        for (String requested : new String[] {null, "auto", "AUTO", "  "}) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.select(requested, List.of()));
            String m = e.getMessage();
            assertTrue(m.contains("no backend"), m);
            assertTrue(m.contains("downhill-cpu"), m);
        }
    }

    @Test
    void namedBackendIsUnknown() {
        for (String requested : new String[] {"cpu", " CPU ", "cuda"}) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.select(requested));
            String m = e.getMessage();
            assertTrue(m.contains("unknown backend '" + requested.trim().toLowerCase() + "'"), m);
            assertTrue(m.contains("test-host (available)"), m);
        }
    }

    @Test
    void systemPropertyIsConsultedWhenNoNameIsGiven() {
        System.setProperty(Backends.PROPERTY, "nd4j");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.select(null));
        assertTrue(e.getMessage().contains("unknown backend 'nd4j'"), e.getMessage());
        // an explicit name wins over the property
        e = assertThrows(BackendUnavailableException.class, () -> Backends.select("cpu"));
        assertTrue(e.getMessage().contains("unknown backend 'cpu'"), e.getMessage());
        System.setProperty(Backends.PROPERTY, "test-baseline");
        assertEquals("test-baseline", Backends.select(null).name());
    }

    @Test
    void automaticSelectionProbesInPriorityOrderAndStopsAtTheFirstThatRuns() {
        assumeNoEnvironmentChoice();
        assertEquals("test-host", Backends.select(null).name());
        assertEquals(1, CountingBackends.probes("test-gpu"));
        assertEquals(1, CountingBackends.probes("test-host"));
        assertEquals(0, CountingBackends.probes("test-baseline"), "a lower-priority backend is not probed");
    }

    @Test
    void passedOverAsksOnlyTheBackendsPreferredOverTheChoice() {
        assertEquals("test-gpu: no test device", Backends.passedOver("test-host"));
        assertEquals(0, CountingBackends.probes("test-baseline"));
        assertEquals(0, CountingBackends.probes("test-host"));
        assertEquals("", Backends.passedOver("test-gpu"));
        assertEquals("", Backends.passedOver("no-such-backend"));
        assertEquals(0, CountingBackends.probes("test-baseline"));
    }

    @Test
    void namedSelectionProbesOnlyTheNamedBackend() {
        assertEquals("test-baseline", Backends.select("test-baseline").name());
        assertEquals(0, CountingBackends.probes("test-gpu"));
        assertEquals(0, CountingBackends.probes("test-host"));
        assertEquals(1, CountingBackends.probes("test-baseline"));
    }

    @Test
    void exceptionIsAnIllegalStateException() {
        assertTrue(IllegalStateException.class.isAssignableFrom(BackendUnavailableException.class));
    }
}
