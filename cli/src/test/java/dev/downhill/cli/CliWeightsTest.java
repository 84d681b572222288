package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.FittedModel;
import dev.downhill.ModelFile;
import dev.downhill.Precision;
import dev.downhill.io.NpyWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fit --weights} and {@code --weight-column}: weighted fits, the model file's record, and the errors. */
class CliWeightsTest {
    private static final int M = 30;

    @TempDir
    Path dir;

    private final double[][] x = new double[M][2];
    private final double[] y = new double[M];
    private final double[] w = new double[M];

    CliWeightsTest() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < M; i++) {
            x[i][0] = r.nextGaussian();
            x[i][1] = r.nextGaussian();
            y[i] = 2 * x[i][0] - x[i][1] + 0.5 + 0.3 * r.nextGaussian();
            w[i] = i == 0 ? 1 : r.nextInt(4);
        }
    }

    private void writeNpy(Path xFile, Path yFile, double[][] xs, double[] ys) {
        double[] flat = new double[xs.length * 2];
        for (int i = 0; i < xs.length; i++) {
            flat[2 * i] = xs[i][0];
            flat[2 * i + 1] = xs[i][1];
        }
        try (NpyWriter writer = NpyWriter.create(xFile, Precision.FLOAT64, xs.length, 2)) {
            writer.write(flat);
        }
        NpyWriter.writeVector(yFile, ys, Precision.FLOAT64);
    }

    @Test
    void weightsFromNpyFitLikeDuplicatedRowsAndAreRecorded() throws IOException {
        writeNpy(dir.resolve("X.npy"), dir.resolve("y.npy"), x, y);
        NpyWriter.writeVector(dir.resolve("w.npy"), w, Precision.FLOAT32); // integers: exact in float32
        int total = 0;
        for (double v : w) {
            total += (int) v;
        }
        double[][] dx = new double[total][];
        double[] dy = new double[total];
        int k = 0;
        for (int i = 0; i < M; i++) {
            for (int c = 0; c < (int) w[i]; c++) {
                dx[k] = x[i];
                dy[k++] = y[i];
            }
        }
        writeNpy(dir.resolve("DX.npy"), dir.resolve("dy.npy"), dx, dy);
        Path weightedModel = dir.resolve("weighted.json");
        CliRun fit = CliRun.of("fit", "--x", dir.resolve("X.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--weights", dir.resolve("w.npy").toString(), "--solver", "normal", "--backend", "cpu", "--out",
                weightedModel.toString(), "--quiet");
        assertEquals(0, fit.code(), fit.err());
        assertTrue(fit.out().contains("weighted (Σw = " + total), fit.out());
        assertTrue(fit.out().contains("R²:") && fit.out().contains("(weighted)"), fit.out());
        Path duplicatedModel = dir.resolve("duplicated.json");
        CliRun dup = CliRun.of("fit", "--x", dir.resolve("DX.npy").toString(), "--y", dir.resolve("dy.npy").toString(),
                "--solver", "normal", "--backend", "cpu", "--out", duplicatedModel.toString(), "--quiet");
        assertEquals(0, dup.code(), dup.err());
        FittedModel a = ModelFile.read(weightedModel).model();
        FittedModel b = ModelFile.read(duplicatedModel).model();
        assertArrayEquals(b.coefficients(), a.coefficients(), 1e-10);
        assertEquals(b.intercept(), a.intercept(), 1e-10);
        assertTrue(a.trainingWeighted());
        assertEquals(total, a.trainingWeightSum(), 0);
        assertTrue(!b.trainingWeighted());
        String json = Files.readString(weightedModel);
        assertTrue(json.contains("\"weighted\" : true") && json.contains("\"weightSum\" : " + total + ".0"), json);
        // the training score is the weighted one: equal to the duplicated rows' score
        assertEquals(ModelFile.read(duplicatedModel).training().orElseThrow().r2(),
                ModelFile.read(weightedModel).training().orElseThrow().r2(), 1e-12);
    }

    @Test
    void weightColumnFromCsvIsNotAFeature() throws IOException {
        StringBuilder csv = new StringBuilder("a,weight,b,target\n");
        for (int i = 0; i < M; i++) {
            csv.append(x[i][0]).append(',').append(w[i]).append(',').append(x[i][1]).append(',').append(y[i]).append('\n');
        }
        Path file = dir.resolve("d.csv");
        Files.writeString(file, csv.toString());
        writeNpy(dir.resolve("X.npy"), dir.resolve("y.npy"), x, y);
        NpyWriter.writeVector(dir.resolve("w.npy"), w, Precision.FLOAT64);
        Path fromCsv = dir.resolve("csv.json");
        Path fromNpy = dir.resolve("npy.json");
        CliRun a = CliRun.of("fit", "--data", file.toString(), "--target", "target", "--weight-column", "weight", "--solver", "svd",
                "--backend", "cpu", "--out", fromCsv.toString(), "--quiet");
        assertEquals(0, a.code(), a.err());
        CliRun b = CliRun.of("fit", "--x", dir.resolve("X.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--weights",
                dir.resolve("w.npy").toString(), "--solver", "svd", "--backend", "cpu", "--out", fromNpy.toString(), "--quiet");
        assertEquals(0, b.code(), b.err());
        FittedModel ma = ModelFile.read(fromCsv).model();
        FittedModel mb = ModelFile.read(fromNpy).model();
        assertEquals(2, ma.features(), "the weight column is not a feature");
        assertArrayEquals(mb.coefficients(), ma.coefficients(), 1e-12);
        assertEquals(mb.intercept(), ma.intercept(), 1e-12);
        // predict on the same file: the weight column is skipped, the score weighted
        CliRun predict = CliRun.of("predict", "--model", fromCsv.toString(), "--data", file.toString(), "--target", "target",
                "--weight-column", "weight");
        assertEquals(0, predict.code(), predict.err());
        assertTrue(predict.err().contains("(weighted)"), predict.err());
        assertEquals(M, predict.out().lines().count());
        // by index too
        CliRun c = CliRun.of("fit", "--data", file.toString(), "--weight-column", "1", "--solver", "svd", "--backend", "cpu",
                "--quiet");
        assertEquals(0, c.code(), c.err());
    }

    @Test
    void badWeightsAreErrorsThatSayWhy() throws IOException {
        writeNpy(dir.resolve("X.npy"), dir.resolve("y.npy"), x, y);
        String xs = dir.resolve("X.npy").toString();
        String ys = dir.resolve("y.npy").toString();
        NpyWriter.writeVector(dir.resolve("short.npy"), new double[M - 1], Precision.FLOAT64);
        CliRun shortRun = CliRun.of("fit", "--x", xs, "--y", ys, "--weights", dir.resolve("short.npy").toString(), "--quiet");
        assertEquals(1, shortRun.code(), shortRun.err());
        assertTrue(shortRun.err().contains((M - 1) + " weights") && shortRun.err().contains(M + " rows"), shortRun.err());
        double[] negative = w.clone();
        negative[4] = -1;
        NpyWriter.writeVector(dir.resolve("neg.npy"), negative, Precision.FLOAT64);
        CliRun neg = CliRun.of("fit", "--x", xs, "--y", ys, "--weights", dir.resolve("neg.npy").toString(), "--quiet");
        assertEquals(1, neg.code(), neg.err());
        assertTrue(neg.err().contains("row 4") && neg.err().contains("-1.0"), neg.err());
        NpyWriter.writeVector(dir.resolve("zero.npy"), new double[M], Precision.FLOAT64);
        CliRun zero = CliRun.of("fit", "--x", xs, "--y", ys, "--weights", dir.resolve("zero.npy").toString(), "--quiet");
        assertEquals(1, zero.code(), zero.err());
        assertTrue(zero.err().contains("every weight is 0"), zero.err());
        CliRun column = CliRun.of("fit", "--x", xs, "--y", ys, "--weight-column", "w", "--quiet");
        assertEquals(2, column.code(), column.err()); // a usage error, found before any file is read
        assertTrue(column.err().contains("--weight-column applies to --data CSV"), column.err());
        Path svm = dir.resolve("d.svm"); // sparse reads refuse it too (they once dropped it and fitted unweighted)
        Files.writeString(svm, "2 1:1 3:2\n4 2:1\n5 1:3 2:1\n");
        CliRun sparseColumn = CliRun.of("fit", "--data", svm.toString(), "--sparse", "--weight-column", "0", "--quiet");
        assertEquals(2, sparseColumn.code(), sparseColumn.err());
        assertTrue(sparseColumn.err().contains("--weight-column applies to --data CSV"), sparseColumn.err());
        CliRun sparseTarget = CliRun.of("fit", "--data", svm.toString(), "--sparse", "--target", "0", "--quiet");
        assertEquals(2, sparseTarget.code(), sparseTarget.err()); // a usage error, as --target with --x
        assertTrue(sparseTarget.err().contains("--target applies to CSV files"), sparseTarget.err());
        // predict too (it exited 0, --target silently ignored, and wrote the predictions)
        Path svmModel = dir.resolve("svm.json");
        CliRun svmFit = CliRun.of("fit", "--data", svm.toString(), "--sparse", "--solver", "cg", "--out", svmModel.toString(), "--quiet");
        assertEquals(0, svmFit.code(), svmFit.err());
        Path svmOut = dir.resolve("p.npy");
        CliRun predictTarget = CliRun.of("predict", "--model", svmModel.toString(), "--data", svm.toString(), "--target", "2",
                "--out", svmOut.toString());
        assertEquals(2, predictTarget.code(), predictTarget.err());
        assertTrue(predictTarget.err().contains("--target applies to CSV files") && predictTarget.err().contains("(try: downhill predict --help)")
                && predictTarget.err().strip().lines().count() == 1, predictTarget.err());
        assertTrue(!Files.exists(svmOut), "nothing written");
        Path csv = dir.resolve("d.csv");
        Files.writeString(csv, "a,w,y\n1,1,2\n2,-3,4\n3,1,5\n");
        CliRun negativeCell = CliRun.of("fit", "--data", csv.toString(), "--weight-column", "w", "--quiet");
        assertEquals(1, negativeCell.code(), negativeCell.err());
        assertTrue(negativeCell.err().contains("line 3") && negativeCell.err().contains("negative"), negativeCell.err());
        CliRun same = CliRun.of("fit", "--data", csv.toString(), "--weight-column", "y", "--quiet");
        assertEquals(1, same.code(), same.err());
        assertTrue(same.err().contains("also the target"), same.err());
        CliRun missing = CliRun.of("fit", "--data", csv.toString(), "--weight-column", "nope", "--quiet");
        assertEquals(1, missing.code(), missing.err());
        assertTrue(missing.err().contains("nope"), missing.err());
        // early stopping that leaves all the weight on one side (29 of 30 rows held out, one weighted row: whichever side
        // it falls on, the other has none); the advice names the options
        double[] one = new double[M];
        one[0] = 1;
        NpyWriter.writeVector(dir.resolve("one.npy"), one, Precision.FLOAT64);
        CliRun split = CliRun.of("fit", "--x", xs, "--y", ys, "--weights", dir.resolve("one.npy").toString(), "--solver", "sgd",
                "--validation-fraction", "0.97", "--quiet");
        assertEquals(1, split.code(), split.err());
        assertTrue(split.err().startsWith("downhill: early stopping: every one of the ") && split.err().contains("has weight 0")
                && split.err().contains("another seed (--seed)") && split.err().contains("(--validation-fraction 0)"), split.err());
        assertEquals(1, split.err().strip().lines().count(), split.err());
    }
}
