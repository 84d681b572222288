package dev.downhill.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the Python literal an .npy header holds, e.g.
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }}, into Java values: strings,
 * {@link Boolean}s, {@link Long}s, {@code null} for None, {@link Tuple}s and {@link List}s. It
 * accepts what {@code ast.literal_eval} accepts for such headers: single or double quotes, optional
 * trailing commas, the Python 2 long suffix ({@code 3L}), whitespace anywhere between tokens, and
 * nothing but whitespace after the closing brace. {@code (5)} is the integer 5, as in Python; a
 * one-element tuple needs its comma: {@code (5,)}.
 */
final class NpyHeaderParser {
    /** A Python tuple (distinct from a list, which only structured dtypes use). */
    record Tuple(List<Object> items) {
        /** As Python writes it: (4, 5), a one-element tuple with its comma (5,), strings quoted. */
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("(");
            for (int k = 0; k < items.size(); k++) {
                Object item = items.get(k);
                b.append(k > 0 ? ", " : "").append(item instanceof String str ? "'" + str + "'" : String.valueOf(item));
            }
            return b.append(items.size() == 1 ? ",)" : ")").toString();
        }
    }

    private final String text;
    private final Path file;
    private int pos;

    private NpyHeaderParser(String text, Path file) {
        this.text = text;
        this.file = file;
    }

    /** The header dict, keys in file order; duplicate keys are an error. */
    static Map<String, Object> parseDict(String text, Path file) {
        NpyHeaderParser p = new NpyHeaderParser(text, file);
        p.skipSpace();
        if (!p.peek('{')) {
            throw p.error("the header must be a Python dict starting with '{'");
        }
        Object value = p.value();
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("unexpected text after the closing '}'");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> dict = (Map<String, Object>) value;
        return dict;
    }

    private Object value() {
        skipSpace();
        if (pos >= text.length()) {
            throw error("the header ends where a value was expected");
        }
        char c = text.charAt(pos);
        switch (c) {
            case '{': return dict();
            case '(': return tupleOrParenthesised();
            case '[': return list();
            case '\'': case '"': return string();
            default:
                if (c == '-' || c == '+' || Character.isDigit(c)) {
                    return integer();
                }
                if (Character.isLetter(c)) {
                    return name();
                }
                throw error("unexpected character '" + c + "'");
        }
    }

    private Map<String, Object> dict() {
        expect('{');
        Map<String, Object> map = new LinkedHashMap<>();
        skipSpace();
        while (!peek('}')) {
            int keyAt = pos;
            Object key = value();
            if (!(key instanceof String)) {
                pos = keyAt;
                throw error("dict keys must be strings");
            }
            skipSpace();
            expect(':');
            Object v = value();
            if (map.containsKey(key)) {
                pos = keyAt;
                throw error("key " + MalformedFileException.quote(String.valueOf(key)) + " appears twice");
            }
            map.put((String) key, v);
            if (!commaOr('}')) {
                break;
            }
        }
        expect('}');
        return map;
    }

    private Object tupleOrParenthesised() {
        expect('(');
        List<Object> items = new ArrayList<>();
        boolean sawComma = false;
        skipSpace();
        while (!peek(')')) {
            items.add(value());
            boolean comma = commaOr(')');
            sawComma |= comma;
            if (!comma) {
                break;
            }
        }
        expect(')');
        if (items.size() == 1 && !sawComma) {
            return items.get(0); // (5) is 5, as in Python
        }
        return new Tuple(List.copyOf(items));
    }

    private List<Object> list() {
        expect('[');
        List<Object> items = new ArrayList<>();
        skipSpace();
        while (!peek(']')) {
            items.add(value());
            if (!commaOr(']')) {
                break;
            }
        }
        expect(']');
        return items;
    }

    /** After an item: consumes a comma and returns true, or returns false if {@code close} follows. */
    private boolean commaOr(char close) {
        skipSpace();
        if (peek(',')) {
            pos++;
            skipSpace();
            return true;
        }
        if (peek(close)) {
            return false;
        }
        throw error("expected ',' or '" + close + "'");
    }

    private String string() {
        char quote = text.charAt(pos++);
        StringBuilder sb = new StringBuilder();
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == quote) {
                return sb.toString();
            }
            if (c == '\\' && pos < text.length()) {
                c = text.charAt(pos++);
            } else if (c == '\n') {
                break;
            }
            sb.append(c);
        }
        throw error("unterminated string");
    }

    private Long integer() {
        int start = pos;
        if (peek('-') || peek('+')) {
            pos++;
        }
        int digits = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        if (pos == digits) {
            pos = start;
            throw error("expected a number");
        }
        String literal = text.substring(start, pos);
        if (pos < text.length() && (text.charAt(pos) == 'L' || text.charAt(pos) == 'l')) {
            pos++; // Python 2 long suffix
        }
        if (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
            pos = start;
            throw error("expected an integer");
        }
        try {
            return Long.parseLong(literal);
        } catch (NumberFormatException e) {
            pos = start;
            // a literal of any length: its first digits and how many there are, so that the line stays short
            String shown = literal.length() <= 24 ? literal : literal.substring(0, 20) + "… (" + literal.length() + " digits)";
            throw error("integer " + shown + " is out of range");
        }
    }

    private Object name() {
        int start = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
            pos++;
        }
        String name = text.substring(start, pos);
        switch (name) {
            case "True": return Boolean.TRUE;
            case "False": return Boolean.FALSE;
            case "None": return null;
            default:
                pos = start;
                throw error("unexpected name " + MalformedFileException.quote(name) + " (expected True, False or None)");
        }
    }

    private void expect(char c) {
        skipSpace();
        if (!peek(c)) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private boolean peek(char c) {
        return pos < text.length() && text.charAt(pos) == c;
    }

    private void skipSpace() {
        while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t'
                || text.charAt(pos) == '\n' || text.charAt(pos) == '\r')) {
            pos++;
        }
    }

    private MalformedFileException error(String what) {
        int from = Math.max(0, pos - 20);
        int to = Math.min(text.length(), pos + 20);
        String near = text.substring(from, to).replace("\n", "\\n");
        return new MalformedFileException(file, "malformed .npy header: " + what + " at header character " + pos
                + " (near \"" + near + "\")");
    }
}
