package dev.downhill.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits one CSV line into cells: cells are separated by the delimiter and stripped of
 * surrounding whitespace; a cell may be enclosed in double quotes (RFC 4180), inside which the
 * delimiter is literal and {@code ""} stands for one quote. Quoted cells cannot span lines. A
 * line ending in a delimiter has an empty last cell. With the delimiter {@link #WHITESPACE}, cells are separated by runs
 * of spaces and tabs instead (NumPy's {@code savetxt} and {@code loadtxt} default): leading and trailing whitespace
 * separates nothing, and no cell is empty. Reuses one list: not thread-safe.
 */
final class CsvLineSplitter {
    /** The delimiter that stands for any run of whitespace. */
    static final char WHITESPACE = ' ';

    private final char delimiter;
    private final List<String> cells = new ArrayList<>();
    private final StringBuilder quoted = new StringBuilder();

    CsvLineSplitter(char delimiter) {
        this.delimiter = delimiter;
    }

    char delimiter() {
        return delimiter;
    }

    /**
     * The cells of {@code line}, in a list that the next call reuses.
     *
     * @throws MalformedFileException naming {@code file}, {@code lineNumber} and the cell for an
     *                                unterminated quote or text after a closing quote
     */
    List<String> split(String line, Path file, long lineNumber) {
        cells.clear();
        if (delimiter == WHITESPACE) {
            return splitOnWhitespace(line, file, lineNumber);
        }
        int n = line.length();
        int i = 0;
        while (true) {
            int start = i;
            while (i < n && line.charAt(i) != delimiter && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            if (i < n && line.charAt(i) == '"') {
                i = quotedCell(line, i + 1, file, lineNumber);
            } else {
                int end = line.indexOf(delimiter, start);
                if (end < 0) {
                    end = n;
                }
                cells.add(line.substring(start, end).strip());
                i = end;
            }
            if (i >= n) {
                return cells;
            }
            i++; // the delimiter
            if (i == n) {
                cells.add("");
                return cells;
            }
        }
    }

    private List<String> splitOnWhitespace(String line, Path file, long lineNumber) {
        int n = line.length();
        int i = 0;
        while (true) {
            while (i < n && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            if (i >= n) {
                return cells;
            }
            if (line.charAt(i) == '"') {
                i = quotedCell(line, i + 1, file, lineNumber);
            } else {
                int start = i;
                while (i < n && !Character.isWhitespace(line.charAt(i))) {
                    i++;
                }
                cells.add(line.substring(start, i));
            }
        }
    }

    /** Reads a quoted cell whose text starts at {@code i}; returns the index of the delimiter after it, or n. */
    private int quotedCell(String line, int i, Path file, long lineNumber) {
        int n = line.length();
        int column = cells.size() + 1;
        quoted.setLength(0);
        while (true) {
            if (i >= n) {
                throw new MalformedFileException(file, lineNumber, column,
                        "unterminated quote (quoted cells cannot span lines)");
            }
            char c = line.charAt(i++);
            if (c == '"') {
                if (i < n && line.charAt(i) == '"') {
                    quoted.append('"');
                    i++;
                    continue;
                }
                break;
            }
            quoted.append(c);
        }
        boolean separated = false;
        while (i < n && line.charAt(i) != delimiter && Character.isWhitespace(line.charAt(i))) {
            i++;
            separated = true;
        }
        if (i < n && line.charAt(i) != delimiter && !(delimiter == WHITESPACE && separated)) {
            throw new MalformedFileException(file, lineNumber, column, "unexpected text after the closing quote: '"
                    + line.substring(i, Math.min(n, i + 20)) + "'");
        }
        cells.add(quoted.toString().strip());
        return i;
    }

    /**
     * The delimiter of a first line: tab if it holds a tab outside quotes, else ';' if it holds
     * one (files that use ';' do so because ',' is their decimal mark), else ',' if it holds one, else
     * {@link #WHITESPACE} if spaces separate two or more cells (NumPy's {@code savetxt}), else ','.
     */
    static char detect(String firstLine) {
        boolean inQuotes = false;
        boolean tab = false;
        boolean semicolon = false;
        boolean comma = false;
        boolean spaceBetween = false;
        boolean text = false;
        boolean afterSpace = false;
        for (int i = 0; i < firstLine.length(); i++) {
            char c = firstLine.charAt(i);
            if (c == '"') {
                inQuotes = !inQuotes;
            } else if (!inQuotes) {
                tab |= c == '\t';
                semicolon |= c == ';';
                comma |= c == ',';
                if (Character.isWhitespace(c)) {
                    afterSpace = text;
                    continue;
                }
            }
            spaceBetween |= afterSpace;
            text = true;
            afterSpace = false;
        }
        return tab ? '\t' : semicolon ? ';' : comma ? ',' : spaceBetween ? WHITESPACE : ',';
    }
}
