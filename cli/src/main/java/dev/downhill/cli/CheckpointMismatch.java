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
                return "the backend options (--threads, --memory-budget, --device-memory-budget, --cpu-kernel, --cuda-kernel) differ";
            case "fitIntercept":
                return "--no-intercept was " + (d.saved().equals("false") ? "given" : "not given") + when + ", now "
                        + (d.now().equals("false") ? "it is" : "it is not");
            default:
                return label(d.field()) + " was " + value(d.field(), d.saved()) + when + ", now " + value(d.field(), d.now());
        }
    }

    private static String label(String field) {
        switch (field) {
            case "rows": return "the number of rows";
            case "features": return "the number of features";
            case "precision": return "the precision (--precision)";
            case "weighted": return "sample weighting (--weights, --weight-column)";
            case "sparse": return "sparse X (--sparse, or an .npz --x)";
            case "checksum": return "the data (a checksum of a sample of X, y and the weights)";
            case "backend": return "--backend";
            case "cores": return "the core count (the default --threads 0 uses every core)";
            case "solver": return "--solver";
            case "learningRate": return "--lr";
            case "maxIterations": return "--iterations";
            case "batchSize": return "the batch size (--batch-size)";
            case "tolerance": return "--tol";
            case "patience": return "the patience (epochs without improvement before stopping)";
            case "initialCoefficients": return "the starting point (--init)";
            case "standardize": return "--standardize";
            case "seed": return "--seed";
            case "schedule": return "--schedule";
            case "validationFraction": return "--validation-fraction";
            case "rankCutoff": return "the svd rank cutoff (it follows the data's shape)";
            case "exactReference": return "the exact-reference setting (library only)";
            case "penalty": return "the penalty";
            case "directMemoryBudget": return "the direct solvers' memory budget (half the JVM's heap)";
            default: return field;
        }
    }

    private static String value(String field, String v) {
        if (v.equals("(absent)")) {
            return "not recorded";
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
