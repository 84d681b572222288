package dev.downhill.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jackson's parse errors in words for a person reading a model file or checkpoint: where, and what is wrong, without
 * the parser settings Jackson suggests enabling ({@code JsonReadFeature.…}, {@code Feature '…'}) — downhill enables
 * none of them, and a file that needs one is not a valid downhill file.
 */
public final class JsonErrors {
    private static final Pattern NON_STANDARD = Pattern.compile("^Non-standard token '([^']*)'");
    /** Jackson's advice to enable a parser feature, in its two spellings. */
    private static final Pattern FEATURE_HINT = Pattern.compile(
            "\\s*\\(not recognized as one since Feature '[A-Za-z_]+' not enabled for parser\\)|[:;,]?\\s*enable `[^`]*`[^;)\\n]*");

    /** Jackson's own location inside a message, "[Source: …; line: L, column: C]" (the source is redacted anyway). */
    private static final Pattern SOURCE_LOCATION = Pattern.compile("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]");
    /** Any other "[Source: …]" left in a message. */
    private static final Pattern SOURCE = Pattern.compile("\\s*\\[Source: [^\\]]*\\]");

    private JsonErrors() {
    }

    /** Whether the text ended before the JSON was complete (a truncated file), not a wrong character inside it. */
    public static boolean truncated(JsonProcessingException e) {
        return e instanceof com.fasterxml.jackson.core.io.JsonEOFException
                || String.valueOf(e.getOriginalMessage()).startsWith("Unexpected end-of-input");
    }

    /** " at line L, column C", or "" when Jackson gives no location. */
    public static String where(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }

    /**
     * What is wrong: for NaN and infinities, "the non-numeric value NaN (JSON numbers are finite)"; otherwise
     * Jackson's own description on one line, without its parser-setting hints and with its "[Source: …; line: L, column:
     * C]" locations as "line L, column C".
     */
    public static String what(JsonProcessingException e) {
        String m = String.valueOf(e.getOriginalMessage());
        Matcher nonStandard = NON_STANDARD.matcher(m);
        if (nonStandard.find()) {
            return "it holds the non-numeric value " + nonStandard.group(1) + " (JSON numbers are finite)";
        }
        if (m.startsWith("Trailing token")) {
            return "more follows the value's closing bracket or brace (one JSON value per file)";
        }
        m = FEATURE_HINT.matcher(m).replaceAll("");
        m = SOURCE_LOCATION.matcher(m).replaceAll("line $1, column $2");
        m = SOURCE.matcher(m).replaceAll("");
        return m.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
