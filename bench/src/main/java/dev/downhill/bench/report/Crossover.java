package dev.downhill.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * Where full-batch GD starts to beat the SVD solution, read from the report's GD-vs-SVD cells: the
 * smallest n from which GD reached its target in less time than the SVD solve at every larger n of the
 * grid (an SVD over the cap or infeasible counts as slower). Immutable.
 *
 * @param features  that n, or -1 when there is none
 * @param sentence  the finding in words, with the times either side of it
 */
record Crossover(long features, String sentence) {

    /** Whether GD won at every size of the grid (the crossover lies below the smallest n). */
    boolean everywhere() {
        return sentence.startsWith("GD was faster than the SVD solution at every size");
    }

    static Crossover of(JsonNode cells) {
        int count = cells.size();
        int from = count;
        for (int i = count - 1; i >= 0; i--) {
            if (!gdWins(cells.get(i))) {
                break;
            }
            from = i;
        }
        if (count == 0) {
            return new Crossover(-1, "no cells");
        }
        if (from == count) {
            return new Crossover(-1, "the SVD solution was faster than GD at the largest size measured");
        }
        JsonNode first = cells.get(from);
        long n = first.path("features").asLong();
        if (from == 0) {
            return new Crossover(n, String.format(Locale.ROOT, "GD was faster than the SVD solution at every size measured (from n = %d)", n));
        }
        JsonNode before = cells.get(from - 1);
        return new Crossover(n, String.format(Locale.ROOT,
                "GD beats the SVD solution from n = %d on (there: GD %s s, SVD %s); at n = %d the SVD solution took %s s and GD %s",
                n, Outcome.fromJson(first.path("gd")).cell("seconds"), describe(first.path("svd")), before.path("features").asLong(),
                Outcome.fromJson(before.path("svd")).cell("seconds"), describe(before.path("gd"))));
    }

    private static String describe(JsonNode o) {
        Outcome out = Outcome.fromJson(o);
        return out.ok() ? out.cell("seconds") + " s" : out.cell("seconds");
    }

    private static boolean gdWins(JsonNode cell) {
        Outcome gd = Outcome.fromJson(cell.path("gd"));
        Outcome svd = Outcome.fromJson(cell.path("svd"));
        if (!gd.ok()) {
            return false;
        }
        return !svd.ok() || gd.number("seconds") < svd.number("seconds");
    }
}
