package dev.downhill;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A checkpoint given to resume from is of another fit: its fingerprint (see {@link Checkpoint}) differs from this fit's.
 * The message names every field that differs ({@code learningRate: checkpoint auto, now 0.01}); {@link #differences()}
 * gives them one by one, so that a front end (the CLI) can name its own options instead.
 */
public final class CheckpointMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * One field of the fingerprint that differs: its name ({@code rows}, {@code learningRate}, {@code maxIterations},
     * {@code standardize}, …) and its texts in the checkpoint and now ({@code "(absent)"} where one lacks it).
     */
    public record Difference(String field, String saved, String now) {
        /** Throws {@link NullPointerException} naming the argument when one is null ({@code "(absent)"} says absent). */
        public Difference {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(saved, "saved");
            Objects.requireNonNull(now, "now");
        }
    }

    private final transient Path checkpoint;
    /** The fields that differ, in the fingerprint's order (an unmodifiable copy). */
    private final List<Difference> differences;

    /**
     * A mismatch whose message names the checkpoint and every difference.
     *
     * @param checkpoint  the checkpoint folder given to resume from
     * @param differences the fields that differ, in the fingerprint's order, at least one; copied
     * @throws NullPointerException when {@code checkpoint}, {@code differences} or one of them is null
     */
    public CheckpointMismatchException(Path checkpoint, List<Difference> differences) {
        super("checkpoint " + Objects.requireNonNull(checkpoint, "checkpoint") + " is of another fit: "
                + describe(Objects.requireNonNull(differences, "differences")));
        this.checkpoint = checkpoint;
        this.differences = List.copyOf(differences);
    }

    /** The checkpoint folder. */
    public Path checkpoint() {
        return checkpoint;
    }

    /** The fields that differ, in the fingerprint's order; never empty. */
    public List<Difference> differences() {
        return differences;
    }

    private static String describe(List<Difference> differences) {
        StringBuilder sb = new StringBuilder();
        for (Difference d : differences) {
            sb.append(sb.length() == 0 ? "" : "; ").append(d.field()).append(": checkpoint ").append(shown(d.field(), d.saved()))
                    .append(", now ").append(shown(d.field(), d.now()));
        }
        return sb.toString();
    }

    /** {@code standardize} is recorded as true, false or null (automatic): said as on, off and auto. */
    private static String shown(String field, String value) {
        if (field.equals("standardize")) {
            switch (value) {
                case "true": return "on";
                case "false": return "off";
                case "null": return "auto";
                default: return value;
            }
        }
        return value;
    }
}
