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

    private JsonErrors() {
    }

    /** " at line L, column C", or "" when Jackson gives no location. */
    public static String where(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }

    /**
     * What is wrong: for NaN and infinities, "the non-numeric value NaN (JSON numbers are finite)"; otherwise
     * Jackson's own description without its parser-setting hints.
     */
    public static String what(JsonProcessingException e) {
        String m = String.valueOf(e.getOriginalMessage());
        Matcher nonStandard = NON_STANDARD.matcher(m);
        if (nonStandard.find()) {
            return "it holds the non-numeric value " + nonStandard.group(1) + " (JSON numbers are finite)";
        }
        return FEATURE_HINT.matcher(m).replaceAll("").trim();
    }
}
