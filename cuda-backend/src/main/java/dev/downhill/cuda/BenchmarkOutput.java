package dev.downhill.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What the device benchmarks share: "--name value" options, medians, and a flat JSON object written to a file and printed. */
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

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Writes {@code values} as one JSON object (strings, numbers, double arrays) to {@code out} and to standard output. */
    static void write(Map<String, Object> values, Path out) throws IOException {
        StringBuilder sb = new StringBuilder("{\n");
        int k = 0;
        for (Map.Entry<String, Object> e : values.entrySet()) {
            sb.append("  \"").append(e.getKey()).append("\": ").append(value(e.getValue()));
            sb.append(++k < values.size() ? ",\n" : "\n");
        }
        sb.append("}\n");
        Files.writeString(out, sb, StandardCharsets.UTF_8);
        System.out.print(sb);
    }

    private static String value(Object v) {
        if (v instanceof String) {
            return "\"" + ((String) v).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        if (v instanceof double[]) {
            StringBuilder sb = new StringBuilder("[");
            for (double d : (double[]) v) {
                sb.append(sb.length() > 1 ? ", " : "").append(String.format(Locale.ROOT, "%.6g", d));
            }
            return sb.append("]").toString();
        }
        if (v instanceof Double) {
            return String.format(Locale.ROOT, "%.6g", (Double) v);
        }
        return String.valueOf(v);
    }
}
