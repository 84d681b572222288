package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.ModelFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code predict --data} on CSV tables: the features alone (no target: predictions only), columns found by the model's
 * names in any order with extra ones ignored, the weight column the model was fitted with, headerless files by their
 * width, and {@code --header}.
 */
class PredictCommandTest {
    private static final int M = 40;

    @TempDir
    Path dir;

    private final double[] a = new double[M];
    private final double[] b = new double[M];
    private final double[] c = new double[M];
    private final double[] w = new double[M];
    private final double[] y = new double[M];

    PredictCommandTest() {
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < M; i++) {
            a[i] = r.nextGaussian();
            b[i] = r.nextGaussian();
            c[i] = r.nextGaussian();
            w[i] = 0.5 + r.nextInt(4);
            y[i] = 2 * a[i] - b[i] + 0.5 * c[i] + 3 + 0.1 * r.nextGaussian();
        }
    }

    /** A CSV of the named columns (a, b, c, y, w; id and date are text), with the header line when {@code header}. */
    private Path table(String name, boolean header, String... columns) throws IOException {
        StringBuilder sb = new StringBuilder();
        if (header) {
            sb.append(String.join(",", columns)).append('\n');
        }
        for (int i = 0; i < M; i++) {
            for (int k = 0; k < columns.length; k++) {
                sb.append(k == 0 ? "" : ",").append(switch (columns[k]) {
                    case "a" -> Double.toString(a[i]);
                    case "b" -> Double.toString(b[i]);
                    case "c" -> Double.toString(c[i]);
                    case "y" -> Double.toString(y[i]);
                    case "w" -> Double.toString(w[i]);
                    case "id" -> "row" + i;
                    case "date" -> "2024-01-" + (10 + i % 20);
                    default -> throw new IllegalArgumentException(columns[k]);
                });
            }
            sb.append('\n');
        }
        return Files.writeString(dir.resolve(name), sb);
    }

    private Path fit(Path data, String model, String... more) {
        Path out = dir.resolve(model);
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("fit", "--data", data.toString(), "--solver", "svd",
                "--out", out.toString(), "--quiet"));
        args.addAll(java.util.List.of(more));
        CliRun fit = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, fit.code(), fit.err());
        return out;
    }

    /** predict --out a .csv: its run, and the predictions read back. */
    private record Predicted(CliRun run, double[] values) {
    }

    private Predicted predict(Path model, Path data, String... more) throws IOException {
        Path out = dir.resolve("p-" + data.getFileName() + "-" + more.length + ".csv");
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("predict", "--model", model.toString(), "--data",
                data.toString(), "--out", out.toString()));
        args.addAll(java.util.List.of(more));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, run.code(), run.err());
        double[] values = Files.readAllLines(out).stream().skip(1).mapToDouble(Double::parseDouble).toArray();
        return new Predicted(run, values);
    }

    /** Rule 1: a table with the model's features and no target column: predictions (the full file's), no score, one note. */
    @Test
    void aTableOfTheFeaturesAloneIsPredictedWithoutAScore() throws IOException {
        Path full = table("full.csv", true, "a", "b", "c", "y");
        Path model = fit(full, "m.json");
        Predicted scored = predict(model, full);
        assertTrue(scored.run().err().contains("MSE "), scored.run().err());
        Predicted alone = predict(model, table("feat.csv", true, "a", "b", "c"));
        assertArrayEquals(scored.values(), alone.values(), 0.0);
        assertFalse(alone.run().err().contains("MSE"), alone.run().err());
        assertEquals("downhill: note: no target column 'y' in " + dir.resolve("feat.csv") + ": predictions only, no score",
                alone.run().err().strip());
        // --quiet drops the note
        assertEquals("", predict(model, dir.resolve("feat.csv"), "--quiet").run().err());
        // --target still names the target
        Path renamed = table("renamed.csv", true, "a", "b", "c", "y");
        Files.writeString(renamed, Files.readString(renamed).replaceFirst("a,b,c,y", "a,b,c,cost"));
        Predicted named = predict(model, renamed, "--target", "cost");
        assertTrue(named.run().err().contains("MSE "), named.run().err());
        assertArrayEquals(scored.values(), named.values(), 0.0);
    }

    /**
     * Rule 1 without a header: n columns (the model's coefficients) are the features alone, n + 1 the features and the
     * target (the last); another width is one line, in the singular where it is one (rule 4).
     */
    @Test
    void aHeaderlessFileOfOneColumnPerCoefficientIsTheFeaturesAlone() throws IOException {
        Path model = fit(table("full.csv", true, "a", "b", "c", "y"), "m.json");
        Predicted scored = predict(model, table("full-noheader.csv", false, "a", "b", "c", "y"));
        assertTrue(scored.run().err().contains("MSE "), scored.run().err());
        Predicted alone = predict(model, table("feat-noheader.csv", false, "a", "b", "c"));
        assertArrayEquals(scored.values(), alone.values(), 0.0);
        assertTrue(alone.run().err().contains("no target column in") && alone.run().err().contains("(3 columns, one per "
                + "coefficient): predictions only, no score"), alone.run().err());
        // a model of one coefficient: a one-column file is its feature (the reader needed two columns)
        Path one = fit(table("one.csv", true, "a", "y"), "one.json");
        Predicted single = predict(one, table("a-noheader.csv", false, "a"));
        assertEquals(M, single.values().length);
        assertEquals(single.values()[0], predict(one, table("one-noheader.csv", false, "a", "y")).values()[0], 0.0);
        CliRun wide = CliRun.of("predict", "--model", one.toString(), "--data", table("three.csv", false, "a", "b", "c").toString());
        assertEquals(1, wide.code(), wide.err());
        assertEquals(1, wide.err().strip().lines().count(), wide.err());
        assertTrue(wide.err().contains("has 3 columns but the model has 1 coefficient: give 1 feature column, or 1 and the "
                + "target"), wide.err());
        assertFalse(wide.err().contains("1 feature columns") || wide.err().contains("1 coefficients"), wide.err());
    }

    /** Rule 2: columns by the model's names, in any order, extra ones (text too) ignored with one note naming them. */
    @Test
    void columnsAreFoundByNameInAnyOrderAndOthersIgnored() throws IOException {
        Path full = table("full.csv", true, "a", "b", "c", "y");
        Path model = fit(full, "m.json");
        Predicted inOrder = predict(model, full);
        Predicted moved = predict(model, table("moved.csv", true, "id", "c", "y", "a", "date", "b"));
        assertArrayEquals(inOrder.values(), moved.values(), 0.0);
        assertTrue(moved.run().err().contains("downhill: note: ignored columns of " + dir.resolve("moved.csv")
                + " the model does not use: 'id', 'date'"), moved.run().err());
        assertEquals(inOrder.run().err().lines().filter(l -> l.startsWith("MSE")).findFirst(),
                moved.run().err().lines().filter(l -> l.startsWith("MSE")).findFirst(), "the same score");
        Predicted featuresMoved = predict(model, table("feat-moved.csv", true, "c", "id", "b", "a"));
        assertArrayEquals(inOrder.values(), featuresMoved.values(), 0.0);
        assertTrue(featuresMoved.run().err().contains("ignored column of " + dir.resolve("feat-moved.csv")
                + " the model does not use: 'id'"), featuresMoved.run().err());
    }

    /** Rule 2: a table without one of the model's features is one line naming it. */
    @Test
    void aMissingFeatureColumnIsOneLineNamingIt() throws IOException {
        Path model = fit(table("full.csv", true, "a", "b", "c", "y"), "m.json");
        for (String[] columns : new String[][] {{"a", "c", "y"}, {"c", "a"}, {"id", "a", "c", "y"}}) {
            CliRun run = CliRun.of("predict", "--model", model.toString(), "--data", table("miss.csv", true, columns).toString());
            assertEquals(1, run.code(), run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().contains("has no column 'b': the model was fitted on the features 'a', 'b', 'c'"), run.err());
            assertEquals("", run.out());
        }
        CliRun two = CliRun.of("predict", "--model", model.toString(), "--data", table("two.csv", true, "a", "y").toString());
        assertEquals(1, two.code(), two.err());
        assertTrue(two.err().contains("has no columns 'b', 'c'"), two.err());
        // a typo: the table's other columns are named, to compare
        Path typo = table("typo.csv", true, "a", "b", "c", "y");
        Files.writeString(typo, Files.readString(typo).replaceFirst("a,b,c,y", "A,bb,c,y"));
        CliRun typed = CliRun.of("predict", "--model", model.toString(), "--data", typo.toString());
        assertTrue(typed.err().contains("has no columns 'a', 'b': the model was fitted on the features 'a', 'b', 'c' "
                + "(data.featureNames); give a table with those columns, in any order (other columns are ignored); its other "
                + "columns: 'A', 'bb'"), typed.err());
        // a feature given as the target: the role, not "no column"
        CliRun role = CliRun.of("predict", "--model", model.toString(), "--data", table("role.csv", true, "c", "a", "b").toString(),
                "--target", "a");
        assertEquals(1, role.code(), role.err());
        assertTrue(role.err().contains("column 'a' is a feature of the model (data.featureNames) but is read as the target "
                + "(--target a)"), role.err());
    }

    /**
     * Rule 3: a model fitted with --weight-column records the column (data.weightColumn) and scores its own file without
     * the flag again, weighted as with it; a table of the features alone with or without that column predicts alike.
     */
    @Test
    void aModelFittedWithAWeightColumnScoresItsOwnFile() throws IOException {
        Path file = table("weighted.csv", true, "a", "b", "w", "c", "y");
        Path model = fit(file, "mw.json", "--weight-column", "w");
        assertEquals(java.util.Optional.of("w"), ModelFile.read(model).columns().get().weights());
        assertTrue(Files.readString(model).contains("\"weightColumn\" : \"w\""));
        Predicted repeated = predict(model, file, "--weight-column", "w");
        Predicted own = predict(model, file);
        assertArrayEquals(repeated.values(), own.values(), 0.0);
        assertTrue(own.run().err().contains("(weighted)"), own.run().err());
        assertEquals(repeated.run().err(), own.run().err());
        // a table with the target but not the weights: scored unweighted, and a note says why it differs from the model's
        Predicted unweighted = predict(model, table("noweights.csv", true, "a", "b", "c", "y"));
        assertTrue(unweighted.run().err().contains("downhill: note: the model was fitted with sample weights (column 'w'), "
                + "which " + dir.resolve("noweights.csv") + " lacks: the score is unweighted"), unweighted.run().err());
        Predicted features = predict(model, table("wfeat.csv", true, "w", "c", "b", "a"));
        assertArrayEquals(own.values(), features.values(), 0.0);
        assertFalse(features.run().err().contains("ignored"), features.run().err()); // the model's weight column is expected
        // an unweighted fit records no weight column
        Path plain = fit(table("full.csv", true, "a", "b", "c", "y"), "m.json");
        assertFalse(Files.readString(plain).contains("weightColumn"));
    }

    /**
     * --header yes|no|auto: a first line of numbers is data under no, the model's names (numeric, as a header forced on fit
     * would record them) under yes and, since it names every one of the model's features, under auto, found in any order.
     */
    @Test
    void headerOptionSaysWhetherTheFirstLineIsAHeader() throws IOException {
        Path model = fit(table("full.csv", true, "a", "b", "c", "y"), "m.json");
        Path numeric = dir.resolve("numeric.json");
        Files.writeString(numeric, Files.readString(model).replace("[ \"a\", \"b\", \"c\" ]", "[ \"2019\", \"2020\", \"2021\" ]"));
        Path inOrder = table("feat.csv", false, "a", "b", "c");
        double[] expected = predict(model, inOrder).values();
        // the features in the order c, a, b under the names 2021, 2019, 2020
        Path named = dir.resolve("named.csv");
        StringBuilder sb = new StringBuilder("2021,2019,2020\n");
        for (int i = 0; i < M; i++) {
            sb.append(c[i]).append(',').append(a[i]).append(',').append(b[i]).append('\n');
        }
        Files.writeString(named, sb);
        Predicted yes = predict(numeric, named, "--header", "yes");
        assertArrayEquals(expected, yes.values(), 0.0);
        Predicted no = predict(numeric, named, "--header", "no");
        Predicted auto = predict(numeric, named);
        assertEquals(M + 1, no.values().length, "the first line is a row");
        // auto: a first line that names every one of the model's features is its header, numbers or not
        assertArrayEquals(expected, auto.values(), 0.0);
        CliRun bad = CliRun.of("predict", "--model", model.toString(), "--data", named.toString(), "--header", "maybe");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--header must be auto, yes or no"), bad.err());
    }

    /**
     * A second review: a header of numbers the model recorded ("2019,2020,2021", fitted with --header yes) was read by predict
     * as a row (51 predictions for 50 rows, silently); a model without names took a reordered header's columns by position
     * with no word; a model whose names repeat could not score its own file; "0" or "0,1" lines lost a row to the pandas
     * rule; predict's copy of standard input was world-readable and outlived SIGTERM (now TextLines.Spool).
     */
    @Test
    void theModelsOwnNamesMakeAHeaderAndNamesThatCannotFindColumnsSaySo() throws IOException {
        Path years = table("years.csv", true, "a", "b", "c", "y");
        Files.writeString(years, Files.readString(years).replaceFirst("a,b,c,y", "2019,2020,2021,2022"));
        Path model = fit(years, "years.json", "--header", "yes");
        Predicted own = predict(model, years);
        assertEquals(M, own.values().length, "the header is the model's names: not a row");
        assertTrue(own.run().err().contains("MSE "), own.run().err());
        Path reordered = table("years-cab.csv", true, "c", "a", "b");
        Files.writeString(reordered, Files.readString(reordered).replaceFirst("c,a,b", "2021,2019,2020"));
        assertArrayEquals(own.values(), predict(model, reordered).values(), 0.0, "found by name, in any order");

        Path positional = fit(table("noheader.csv", false, "a", "b", "c", "y"), "positional.json");
        Predicted byPosition = predict(positional, table("cab.csv", true, "c", "a", "b"));
        assertTrue(byPosition.run().err().contains("downhill: warning: the model records no column names (fitted on .npy or "
                + "svmlight data, or a table without a header): " + dir.resolve("cab.csv") + "'s columns are taken by position, "
                + "its header's names unused"), byPosition.run().err());

        Path twice = table("twice.csv", true, "a", "b", "c", "y");
        Files.writeString(twice, Files.readString(twice).replaceFirst("a,b,c,y", "a,a,c,y"));
        CliRun fitTwice = CliRun.of("fit", "--data", twice.toString(), "--solver", "svd", "--out", dir.resolve("twice.json").toString());
        assertEquals(0, fitTwice.code(), fitTwice.err());
        assertTrue(fitTwice.err().contains("downhill: warning: " + twice + " names a column twice ('a'): the model records the "
                + "names, but predict cannot find the columns by them and takes a table's columns by position"), fitTwice.err());
        Predicted ownTwice = predict(dir.resolve("twice.json"), twice);
        assertEquals(M, ownTwice.values().length);
        assertTrue(ownTwice.run().err().contains("the model's column names repeat"), ownTwice.run().err());

        // one or two columns of 0 and 1 on line 1 are data (a 0/1 target, x from 0); three or more are pandas' labels
        Path small = fit(table("one.csv", true, "a", "y"), "one.json");
        Path zero = Files.writeString(dir.resolve("zero.csv"), "0\n1\n2\n");
        assertEquals(3, predict(small, zero).values().length);
    }
}
