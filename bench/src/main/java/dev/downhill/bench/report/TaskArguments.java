package dev.downhill.bench.report;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** A task's {@code key=value} arguments, immutable. */
final class TaskArguments {
    private final Map<String, String> values;

    private TaskArguments(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    static TaskArguments parse(String[] args, int from) {
        Map<String, String> m = new HashMap<>();
        for (int i = from; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got " + args[i]);
            }
            m.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        return new TaskArguments(m);
    }

    boolean has(String key) {
        return values.containsKey(key) && !values.get(key).isEmpty();
    }

    String text(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing argument " + key + "=");
        }
        return v;
    }

    String text(String key, String fallback) {
        return has(key) ? values.get(key) : fallback;
    }

    Path path(String key) {
        return Path.of(text(key));
    }

    double number(String key) {
        return Double.parseDouble(text(key));
    }

    double number(String key, double fallback) {
        return has(key) ? Double.parseDouble(values.get(key)) : fallback;
    }
}
