package dev.downhill.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** core's test class path holds no backend (the CPU one lives in downhill-cpu). */
class BackendsTest {
    private String savedProperty;

    @BeforeEach
    void clearProperty() {
        savedProperty = System.getProperty(Backends.PROPERTY);
        System.clearProperty(Backends.PROPERTY);
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
    void noBackendOnTheClassPath() {
        assertEquals(List.of(), Backends.all());
        assertEquals("No backend is on the class path (add downhill-cpu).", Backends.describe(List.of()));
    }

    @Test
    void automaticSelectionFailsNamingTheMissingModule() {
        assumeNoEnvironmentChoice();
        for (String requested : new String[] {null, "auto", "AUTO", "  "}) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.select(requested));
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
            assertTrue(m.contains("downhill-cpu"), m);
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
    }

    @Test
    void exceptionIsAnIllegalStateException() {
        assertTrue(IllegalStateException.class.isAssignableFrom(BackendUnavailableException.class));
    }
}
