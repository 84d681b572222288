package dev.downhill.cli;

import dev.downhill.CheckpointMismatchException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A checkpoint of another fit, said in the command line's terms: each field of the fingerprint that differs as the
 * option that sets it and its values then and now ({@code --standardize was off when the checkpoint was saved, now auto}).
 */
final class CheckpointMismatch {
    private static final Pattern PENALTY = Pattern.compile("(\\w+)\\(alpha=([^,)]+)(?:, l1Ratio=([^,)]+))?([^)]*)\\)(.*)");

    private CheckpointMismatch() {
    }

    /** The one-line message for {@code e}. */
    static String message(CheckpointMismatchException e) {
        StringBuilder sb = new StringBuilder("checkpoint " + e.checkpoint() + " is of another fit: ");
        boolean first = true;
        for (CheckpointMismatchException.Difference d : e.differences()) {
            sb.append(first ? "" : "; ").append(describe(d, first));
            first = false;
        }
        return sb.toString();
    }

    private static String describe(CheckpointMismatchException.Difference d, boolean first) {
        String when = first ? " when the checkpoint was saved" : "";
        switch (d.field()) {
            case "backendOptions":
                return backendOptions(d.saved(), d.now(), when);
            case "fitIntercept":
                return "--no-intercept was " + (d.saved().equals("false") ? "given" : "not given") + when + ", now "
                        + (d.now().equals("false") ? "it is" : "it is not");
            default:
                return label(d.field()) + " was " + value(d.field(), d.saved()) + when + ", now " + value(d.field(), d.now());
        }
    }

    /**
     * The backend options that differ, each as its option: the fingerprints hold {@code BackendOptions[threads=default,
     * hostMemoryBudget=…, …]} (without {@code threads=} where the backend's effective thread count is a field of its own,
     * {@code threads}); a key one side lacks is the option's default.
     */
    static String backendOptions(String saved, String now, String when) {
        java.util.Map<String, String> a = options(saved);
        java.util.Map<String, String> b = options(now);
        if (a == null || b == null) {
            return "the backend options (--threads, --memory-budget, --device-memory-budget, --cpu-kernel, --cuda-kernel) differ";
        }
        java.util.Set<String> keys = new java.util.TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        StringBuilder sb = new StringBuilder();
        for (String k : keys) {
            String then = a.getOrDefault(k, "default");
            String later = b.getOrDefault(k, "default");
            if (!then.equals(later)) {
                boolean firstOne = sb.length() == 0;
                sb.append(firstOne ? "" : "; ").append(optionName(k)).append(" was ").append(optionValue(k, then))
                        .append(firstOne ? when : "").append(", now ").append(optionValue(k, later));
            }
        }
        return sb.length() > 0 ? sb.toString() : "the backend options differ (" + saved + " then, " + now + " now)";
    }

    /** The key=value pairs of a {@code BackendOptions[…]} string, or null when it is not one. */
    private static java.util.Map<String, String> options(String s) {
        if (!s.startsWith("BackendOptions[") || !s.endsWith("]")) {
            return null;
        }
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        String body = s.substring("BackendOptions[".length(), s.length() - 1);
        for (String pair : body.isEmpty() ? new String[0] : body.split(", ")) {
            int eq = pair.indexOf('=');
            if (eq < 0) {
                return null;
            }
            m.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return m;
    }

    private static String optionName(String key) {
        switch (key) {
            case "threads": return "--threads";
            case "hostMemoryBudget": return "--memory-budget";
            case "deviceMemoryBudget": return "--device-memory-budget";
            case dev.downhill.spi.BackendOptions.CPU_KERNEL: return "--cpu-kernel";
            case dev.downhill.spi.BackendOptions.CUDA_KERNEL: return "--cuda-kernel";
            default: return "the backend setting " + key;
        }
    }

    private static String optionValue(String key, String v) {
        if (key.equals("threads") && v.equals("default")) {
            return "not given (every core)";
        }
        if ((key.equals("hostMemoryBudget") || key.equals("deviceMemoryBudget")) && !v.equals("default")) {
            try {
                return String.format(java.util.Locale.ROOT, "%.3g GB", Long.parseLong(v) / 1e9);
            } catch (NumberFormatException e) {
                return v;
            }
        }
        return v.equals("default") ? "not given" : v;
    }

    private static String label(String field) {
        switch (field) {
            case "rows": return "the number of rows";
            case "features": return "the number of features";
            case "precision": return "the precision (--precision)";
            case "weighted": return "sample weighting (--weights, --weight-column)";
            case "sparse": return "sparse X (--sparse or --dense, an svmlight file read as its shape says, or an .npz --x)";
            case "checksum": return "the data (a checksum of a sample of X, y and the weights)";
            case "backend": return "--backend";
            case "cores": return "the core count (the default --threads 0 uses every core)";
            case "threads": return "the thread count the backend ran on (--threads, capped; without it, every core)";
            case "sumsLayout": return "the device and its kernels' grid (they decide the order of the sums)";
            case "solver": return "--solver";
            case "learningRate": return "--lr";
            case "maxIterations": return "--iterations";
            case "batchSize": return "the batch size (--batch-size)";
            case "tolerance": return "--tol";
            case "patience": return "--patience";
            case "initialCoefficients": return "the starting point (--init)";
            case "standardize": return "--standardize";
            case "seed": return "--seed";
            case "schedule": return "--schedule";
            case "validationFraction": return "--validation-fraction";
            case "averageFrom": return "--average";
            case "rankCutoff": return "the svd rank cutoff (it follows the data's shape)";
            case "exactReference": return "the exact-reference setting (library only)";
            case "penalty": return "the penalty";
            case "directMemoryBudget": return "the direct solvers' memory budget (half the JVM's heap)";
            case "invtimeStandardization":
                return "the default standardization under --schedule invtime (until 2026-12-02 a fixed learning rate given to "
                        + "the library turned it off on tall X; --lr decides nothing there now)";
            default: return field;
        }
    }

    private static String value(String field, String v) {
        if (v.equals("(absent)")) { // averageFrom is recorded only when averaging is on
            return field.equals("averageFrom") ? "off" : "not recorded";
        }
        switch (field) {
            case "standardize":
                return v.equals("true") ? "on" : v.equals("false") ? "off" : v.equals("null") ? "auto" : v;
            case "weighted":
            case "sparse":
                return v.equals("true") ? "yes" : v.equals("false") ? "no" : v;
            case "initialCoefficients": {
                if (v.equals("zeros")) {
                    return "zeros (no --init)";
                }
                Matcher given = Pattern.compile("given\\((\\d+) values, checksum (\\w+)\\)").matcher(v);
                return given.matches() ? "a model's " + given.group(1) + " coefficients (checksum " + given.group(2) + ")" : v;
            }
            case "penalty": {
                if (v.equals("none")) {
                    return "none";
                }
                Matcher p = PENALTY.matcher(v);
                if (!p.matches()) {
                    return v;
                }
                return "--penalty " + p.group(1) + " --alpha " + p.group(2) + (p.group(3) == null ? "" : " --l1-ratio " + p.group(3))
                        + (p.group(4).isEmpty() && p.group(5).isEmpty() ? "" : " with per-feature penalty factors");
            }
            default:
                return v;
        }
    }
}
