package dev.downhill.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * What one cell of a report measured: a status, why (when it is not {@code ok}), and the task's
 * measurements (seconds, iterations, errors, ...) as JSON. Immutable: {@link #json()} returns a copy.
 *
 * @param status "ok", "over-cap", "infeasible", "not-applicable", "not-run" or "failed"
 * @param reason a short sentence for anything but ok (empty for ok)
 */
public record Outcome(String status, String reason, ObjectNode values) {
    public static final String OK = "ok";
    public static final String OVER_CAP = "over-cap";
    public static final String INFEASIBLE = "infeasible";
    public static final String NOT_APPLICABLE = "not-applicable";
    public static final String NOT_RUN = "not-run";
    public static final String FAILED = "failed";

    public Outcome {
        values = values == null ? JsonNodeFactory.instance.objectNode() : values.deepCopy();
        reason = reason == null ? "" : reason;
    }

    public static Outcome of(String status, String reason) {
        return new Outcome(status, reason, null);
    }

    /** Reads what {@link #json()} wrote (or a task printed). */
    public static Outcome fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            return of(NOT_RUN, "not run");
        }
        ObjectNode values = node.deepCopy();
        String status = values.path("status").asText(FAILED);
        String reason = values.path("reason").asText("");
        values.remove("status");
        values.remove("reason");
        return new Outcome(status, reason, values);
    }

    public boolean ok() {
        return OK.equals(status);
    }

    /** A measurement (NaN when absent). */
    public double number(String key) {
        JsonNode v = values.get(key);
        return v == null || !v.isNumber() ? Double.NaN : v.asDouble();
    }

    @Override
    public ObjectNode values() {
        return values.deepCopy();
    }

    /** {"status": …, "reason": …, measurements…}. */
    public ObjectNode json() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("status", status);
        if (!reason.isEmpty()) {
            o.put("reason", reason);
        }
        o.setAll(values.deepCopy());
        return o;
    }

    /** Seconds as a table cell: "12.3" when ok, else the status and reason. */
    public String cell(String key) {
        if (ok()) {
            double s = number(key);
            return Double.isNaN(s) ? "–" : String.format(Locale.ROOT, s >= 100 ? "%.0f" : s >= 10 ? "%.1f" : s >= 0.1 ? "%.2f" : "%.3f", s);
        }
        return switch (status) {
            case OVER_CAP -> reason.isEmpty() ? "over the time cap" : reason;
            case INFEASIBLE, NOT_APPLICABLE, NOT_RUN, FAILED -> reason.isEmpty() ? status : reason;
            default -> status;
        };
    }
}
