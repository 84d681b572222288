package dev.downhill.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the device benchmarks share: "--name value" options, medians, and a flat JSON object written to a file
 * ({@link Report}: rewritten after every figure, so a run killed half-way keeps what it measured) and printed.
 */
final class BenchmarkOutput {
    private BenchmarkOutput() {
    }

    /** "--name value" pairs, in order. */
    static Map<String, String> options(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", args));
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }

    /** ‖a − b‖ / ‖b‖ (the benchmarks' agreement figures). */
    static double relativeDifference(double[] a, double[] b) {
        double diff = 0;
        double norm = 0;
        for (int j = 0; j < a.length; j++) {
            diff += (a[j] - b[j]) * (a[j] - b[j]);
            norm += b[j] * b[j];
        }
        return Math.sqrt(diff / norm);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Writes {@code values} as one JSON object (strings, numbers, double arrays) to {@code out} and to standard output. */
    static void write(Map<String, Object> values, Path out) throws IOException {
        String json = json(values);
        replace(out, json);
        System.out.print(json);
    }

    /**
     * A JSON object that is on disk after every {@link #put}: the file is rewritten (a temporary file renamed over
     * it) each time, so a benchmark that fails or is killed leaves every figure it measured before. Each figure is
     * also printed as one line, {@code name: value}, as it comes.
     */
    static final class Report {
        private final Map<String, Object> values = new LinkedHashMap<>();
        private final Path out;

        Report(Path out) throws IOException {
            this.out = out;
            replace(out, json(values));
        }

        /** Adds (or replaces) one figure and rewrites the file. Returns {@code value}. */
        <T> T put(String name, T value) throws IOException {
            values.put(name, value);
            replace(out, json(values));
            System.out.println(name + ": " + value(value));
            return value;
        }

        Object get(String name) {
            return values.get(name);
        }

        /** Records {@code e} as {@code "error"} (the class and message; the first failure kept) and rewrites the file. */
        void fail(Throwable e) throws IOException {
            if (!values.containsKey("error")) {
                put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }

        /** Prints the whole object (the file already holds it). */
        void print() {
            System.out.print(json(values));
        }
    }

    private static String json(Map<String, Object> values) {
        StringBuilder sb = new StringBuilder("{\n");
        int k = 0;
        for (Map.Entry<String, Object> e : values.entrySet()) {
            sb.append("  \"").append(e.getKey()).append("\": ").append(value(e.getValue()));
            sb.append(++k < values.size() ? ",\n" : "\n");
        }
        return sb.append("}\n").toString();
    }

    private static void replace(Path out, String text) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        Path tmp = parent.resolve("." + out.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String value(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Double && !Double.isFinite((Double) v)) {
            return "\"" + v + "\"";   // JSON has no NaN or Infinity
        }
        if (v instanceof String) {
            return "\"" + ((String) v).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")
                    .replace("\r", "\\r").replace("\t", "\\t") + "\"";
        }
        if (v instanceof double[]) {
            StringBuilder sb = new StringBuilder("[");
            for (double d : (double[]) v) {
                sb.append(sb.length() > 1 ? ", " : "").append(value(d));
            }
            return sb.append("]").toString();
        }
        if (v instanceof Double) {
            return String.format(Locale.ROOT, "%.6g", (Double) v);
        }
        if (v instanceof java.util.List<?> list) {
            StringBuilder sb = new StringBuilder("[");
            for (Object o : list) {
                sb.append(sb.length() > 1 ? ", " : "").append(value(o));
            }
            return sb.append("]").toString();
        }
        if (v instanceof Map<?, ?> map) {
            StringBuilder sb = new StringBuilder("{");
            for (Map.Entry<?, ?> e : map.entrySet()) {
                sb.append(sb.length() > 1 ? ", " : "").append(value(String.valueOf(e.getKey()))).append(": ").append(value(e.getValue()));
            }
            return sb.append("}").toString();
        }
        return String.valueOf(v);
    }
}
