package dev.downhill.io;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Parses one svmlight / libsvm line, {@code <label> [qid:<n>] <index>:<value> ... [# comment]},
 * into a label and (column, value text) pairs. Tokens are separated by spaces or tabs; a
 * {@code #} starts a comment that runs to the end of the line; a line with nothing before its
 * comment is skipped. The label and values must be decimal numbers ({@link DecimalText}); indices
 * are integers, 1-based (or 0-based when so configured), strictly increasing along a line; a
 * {@code qid} token may only follow the label and is ignored. Errors name the 1-based line and
 * token (the label is token 1). Reuses its arrays: not thread-safe.
 */
final class SvmLightLine {
    private final Path file;
    private final boolean zeroBased;

    private String line;
    private long number;
    private int labelFrom;
    private int labelTo;
    private int count;
    private long[] columns = new long[16];
    private int[] valueFrom = new int[16];
    private int[] valueTo = new int[16];
    private int[] tokens = new int[16];

    SvmLightLine(Path file, boolean zeroBased) {
        this.file = file;
        this.zeroBased = zeroBased;
    }

    /**
     * Parses {@code text}, line {@code lineNumber}, checking its syntax (not yet the values'
     * range). Returns false for a line with no data (blank or comment only).
     */
    boolean parse(String text, long lineNumber) {
        this.line = text;
        this.number = lineNumber;
        this.count = 0;
        int hash = text.indexOf('#');
        int end = hash < 0 ? text.length() : hash;
        int token = 0;
        long previous = -1;
        int i = skipSpace(text, 0, end);
        if (i == end) {
            return false;
        }
        while (i < end) {
            int from = i;
            while (i < end && !isSpace(text.charAt(i))) {
                i++;
            }
            token++;
            if (token == 1) {
                labelFrom = from;
                labelTo = i;
                if (!DecimalText.isDecimal(text, from, i)) {
                    String t = text.substring(from, i);
                    boolean pairs = text.indexOf(':', from) >= 0 && text.indexOf(':', from) < end;
                    throw error(1, "label: " + DecimalText.problem(t) + (!pairs && (t.indexOf(',') >= 0 || t.indexOf(';') >= 0)
                            ? " (the line holds no index:value pairs: a CSV file? give --format csv)"
                            : t.indexOf(',') >= 0 ? " (multi-label lines are not supported)" : ""));
                }
            } else {
                previous = feature(text, from, i, token, previous);
            }
            i = skipSpace(text, i, end);
        }
        return true;
    }

    private long feature(String text, int from, int to, int token, long previous) {
        int colon = text.indexOf(':', from);
        if (colon < 0 || colon >= to) {
            throw error(token, "expected index:value, got " + MalformedFileException.quote(text.substring(from, to)));
        }
        if (text.startsWith("qid", from) && colon == from + 3) {
            if (token != 2) {
                throw error(token, "qid must directly follow the label");
            }
            if (!isDigits(text, colon + 1, to)) {
                throw error(token, "qid " + MalformedFileException.quote(text.substring(colon + 1, to)) + " is not a non-negative integer");
            }
            return previous;
        }
        if (!isDigits(text, from, colon)) {
            throw error(token, "index " + MalformedFileException.quote(text.substring(from, colon)) + " is not a non-negative integer");
        }
        long index;
        try {
            index = Long.parseLong(text, from, colon, 10);
        } catch (NumberFormatException e) {
            throw error(token, "index " + MalformedFileException.quote(text.substring(from, colon)) + " is too large");
        }
        long column = zeroBased ? index : index - 1;
        if (column < 0) {
            throw error(token, "index 0, but indices are 1-based (for a file with 0-based indices, as scikit-learn's "
                    + "dump_svmlight_file writes by default, read it zero-based: --zero-based; in the library, IndexBase.ZERO)");
        }
        if (column <= previous) {
            throw error(token, "index " + index + " does not increase along the line (the previous one was "
                    + (zeroBased ? previous : previous + 1) + ")");
        }
        if (!DecimalText.isDecimal(text, colon + 1, to)) {
            throw error(token, "value: " + DecimalText.problem(text.substring(colon + 1, to)));
        }
        add(column, colon + 1, to, token);
        return column;
    }

    private void add(long column, int from, int to, int token) {
        if (count == columns.length) {
            int n = count * 2;
            columns = Arrays.copyOf(columns, n);
            valueFrom = Arrays.copyOf(valueFrom, n);
            valueTo = Arrays.copyOf(valueTo, n);
            tokens = Arrays.copyOf(tokens, n);
        }
        columns[count] = column;
        valueFrom[count] = from;
        valueTo[count] = to;
        tokens[count] = token;
        count++;
    }

    /** The line last parsed. */
    String line() {
        return line;
    }

    /** Where the label starts in {@link #line()}. */
    int labelFrom() {
        return labelFrom;
    }

    /** Where the label ends in {@link #line()}. */
    int labelTo() {
        return labelTo;
    }

    /** Where the value of pair k starts in {@link #line()}. */
    int valueFrom(int k) {
        return valueFrom[k];
    }

    /** Where the value of pair k ends in {@link #line()}. */
    int valueTo(int k) {
        return valueTo[k];
    }

    /** Number of index:value pairs. */
    int count() {
        return count;
    }

    /** Zero-based column of pair k. */
    long column(int k) {
        return columns[k];
    }

    /** 1-based token number of pair k. */
    int token(int k) {
        return tokens[k];
    }

    /** Largest column on the line, or -1 when it has no pairs. */
    long maxColumn() {
        return count == 0 ? -1 : columns[count - 1];
    }

    /** An error at token {@code token} of the current line. */
    MalformedFileException error(int token, String detail) {
        return MalformedFileException.atToken(file, number, token, detail);
    }

    private static int skipSpace(String s, int i, int end) {
        while (i < end && isSpace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\f' || c == 0x0B;
    }

    private static boolean isDigits(String s, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
