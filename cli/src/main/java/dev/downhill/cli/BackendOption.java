package dev.downhill.cli;

import dev.downhill.spi.Availability;
import dev.downhill.spi.Backend;
import dev.downhill.spi.Backends;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The {@code --backend NAME|auto} of fit, predict and demo: the names it takes, and whether a backend can run here. */
final class BackendOption {
    private BackendOption() {
    }

    /**
     * Refuses a {@code --backend} that is neither auto nor the name of a backend on the class path (an
     * IllegalArgumentException; the command makes it a usage error). Probes no backend.
     */
    static void check(String backend) {
        String wanted = backend.trim().toLowerCase(Locale.ROOT);
        List<String> names = Backends.all().stream().map(Backend::name).toList();
        if (!wanted.equals("auto") && !names.contains(wanted)) {
            throw new IllegalArgumentException("--backend must be auto or one of " + String.join(", ", names) + ", got "
                    + dev.downhill.io.MalformedFileException.quote(backend));
        }
    }

    /** Why the backend named {@code name} cannot run here (probing it), or empty when it can. */
    static Optional<String> unavailable(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (Backend b : Backends.all()) {
            if (b.name().equals(wanted)) {
                Availability a = b.availability();
                return a.available() ? Optional.empty() : Optional.of(a.reason());
            }
        }
        return Optional.of("no backend of that name is installed");
    }
}
