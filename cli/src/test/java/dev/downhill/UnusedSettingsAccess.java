package dev.downhill;

import java.util.List;

/**
 * The library's warnings about settings a solver ignores ({@link UnusedSettings}, package-private), for the command
 * line's tests that compare them with its own (a test class: not part of any jar).
 */
public final class UnusedSettingsAccess {
    private UnusedSettingsAccess() {
    }

    /** {@link UnusedSettings#warnings(FitConfig)}: what {@link LinearRegression} logs before fitting {@code config}. */
    public static List<String> warnings(FitConfig config) {
        return UnusedSettings.warnings(config);
    }
}
