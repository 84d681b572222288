package dev.downhill.io;

import java.nio.file.Path;

/**
 * A data file whose content breaks its format: a bad .npy header, a truncated file, a cell that is
 * not a finite number, a ragged CSV row, a malformed svmlight token. The message names the file
 * and, for text formats, the 1-based line and column; the same facts are available as fields so
 * that a caller (the CLI) can format them itself.
 *
 * <p>It is an {@link IllegalArgumentException}: the file is bad input. Failures of the file system
 * itself (missing file, read error) are reported as {@link java.io.UncheckedIOException} instead.
 */
public final class MalformedFileException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long line;
    private final long column;
    private final String unit;
    private final String detail;

    /** A problem with the file as a whole (binary formats): no line or column. */
    public MalformedFileException(Path file, String detail) {
        this(file, 0, 0, detail);
    }

    /**
     * A problem at a place in a text file.
     *
     * @param line   1-based line number, or 0 when not applicable
     * @param column 1-based column (CSV field number), or 0 when not applicable
     */
    public MalformedFileException(Path file, long line, long column, String detail) {
        this(file, line, column, "column", detail);
    }

    private MalformedFileException(Path file, long line, long column, String unit, String detail) {
        super(format(file, line, column, unit, detail));
        this.file = file;
        this.line = line;
        this.column = column;
        this.unit = unit;
        this.detail = detail;
    }

    /** A problem with the {@code token}-th whitespace-separated token (1-based) of a line (svmlight). */
    public static MalformedFileException atToken(Path file, long line, long token, String detail) {
        return new MalformedFileException(file, line, token, "token", detail);
    }

    /** Longest excerpt of file content an error message echoes (see {@link #quote}). */
    public static final int MAX_ECHO = 60;

    /**
     * {@code text} in single quotes for an error message, cut to its first {@value #MAX_ECHO}
     * characters followed by "…" and the full length when longer (a 1 MB cell must not become a
     * 1 MB error line).
     */
    public static String quote(CharSequence text) {
        if (text.length() <= MAX_ECHO) {
            return "'" + printable(text) + "'";
        }
        int end = MAX_ECHO;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return "'" + printable(text.subSequence(0, end)) + "…' (" + text.length() + " characters)";
    }

    /**
     * {@code text} with control characters written as escapes ({@code \x1b}, {@code \x00}): a cell of a binary file or
     * of text with terminal escapes must not put NULs, bells or escape sequences into the one-line message.
     */
    private static String printable(CharSequence text) {
        StringBuilder b = null;
        for (int k = 0; k < text.length(); k++) {
            char c = text.charAt(k);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                if (b == null) {
                    b = new StringBuilder(text.length() + 16).append(text, 0, k);
                }
                b.append(c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? text.toString() : b.toString();
    }

    /** The file, as given to the reader. */
    public Path file() {
        return file;
    }

    /** 1-based line number, or 0 when the problem has no line (binary formats, whole-file problems). */
    public long line() {
        return line;
    }

    /** 1-based column (CSV field / svmlight token number), or 0 when the problem has no column. */
    public long column() {
        return column;
    }

    /** What {@link #column()} counts: {@code "column"} (CSV fields) or {@code "token"} (svmlight). */
    public String columnUnit() {
        return unit;
    }

    /** The message without the file, line and column prefix. */
    public String detail() {
        return detail;
    }

    private static String format(Path file, long line, long column, String unit, String detail) {
        StringBuilder sb = new StringBuilder().append(file);
        if (line > 0) {
            sb.append(": line ").append(line);
            if (column > 0) {
                sb.append(", ").append(unit).append(' ').append(column);
            }
        }
        return sb.append(": ").append(detail).toString();
    }
}
