package dev.downhill.spark.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.ModelFile;
import dev.downhill.SavedModel;
import dev.downhill.Solver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example end to end in local[2]: CSV and Parquet in, the model file out, against downhill's single-machine fit. */
class FitTest {

    @Test
    void fitsCsvAndParquetAndWritesTheModelFile(@TempDir Path dir) throws IOException {
        Random r = new Random(11);
        int m = 120;
        double[][] x = new double[m][3];
        double[] y = new double[m];
        StringBuilder csv = new StringBuilder("u,target,v,w\n");
        List<org.apache.spark.sql.Row> rows = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < 3; j++) {
                x[i][j] = r.nextGaussian() * (j + 1);
            }
            y[i] = 2 * x[i][0] - x[i][1] + 0.5 * x[i][2] + 1 + 0.01 * r.nextGaussian();
            csv.append(x[i][0]).append(',').append(y[i]).append(',').append(x[i][1]).append(',').append(x[i][2]).append('\n');
            rows.add(RowFactory.create(x[i][0], y[i], x[i][1], x[i][2]));
        }
        Path data = dir.resolve("data.csv");
        Files.writeString(data, csv);
        FittedModel reference;
        try (dev.downhill.Dataset local = dev.downhill.Dataset.of(x, y)) {
            reference = LinearRegression.fit(local, FitConfig.builder().solver(Solver.SVD).build());
        }
        // one session for every run: the example uses the session it finds and leaves it running
        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
        StructType schema = new StructType(new StructField[] {
            DataTypes.createStructField("u", DataTypes.DoubleType, false),
            DataTypes.createStructField("target", DataTypes.DoubleType, false),
            DataTypes.createStructField("v", DataTypes.DoubleType, false),
            DataTypes.createStructField("w", DataTypes.DoubleType, false)});
        Path parquet = dir.resolve("data.parquet");
        spark.createDataFrame(rows, schema).repartition(2).write().parquet(parquet.toString());
        for (Path in : new Path[] {parquet, data}) {
            Path out = dir.resolve(in.getFileName() + ".model.json");
            Fit.run(new String[] {"--master", "local[2]", "--data", in.toString(), "--label", "target", "--solver", "normal",
                "--partitions", "3", "--out", out.toString()});
            SavedModel saved = ModelFile.read(out);
            double[] c = saved.model().coefficients();
            for (int j = 0; j < 3; j++) {
                assertEquals(reference.coefficients()[j], c[j], 1e-10, in + ": coefficient " + j);
            }
            assertEquals(reference.intercept(), saved.model().intercept(), 1e-10);
            assertEquals("spark/cpu", saved.model().backend());
            assertTrue(saved.training().orElseThrow().r2() > 0.999);
            // the header's names, for downhill predict (u, v, w are the features, target the label)
            assertEquals(java.util.Optional.of(new dev.downhill.TableColumns(java.util.List.of("u", "v", "w"), "target")),
                    saved.columns());
        }
        // names Spark's column resolution or the assembler's output took for its own: dots, backticks, "features"
        Path odd = dir.resolve("odd.csv");
        StringBuilder oddText = new StringBuilder("x.0,`b`,features,y\n");
        java.util.Random random = new java.util.Random(5);
        for (int i = 0; i < 40; i++) {
            double a = random.nextGaussian();
            double b = random.nextGaussian();
            double f = random.nextGaussian();
            oddText.append(a).append(',').append(b).append(',').append(f).append(',').append(1 + a - 2 * b + 0.5 * f).append('\n');
        }
        Files.writeString(odd, oddText);
        Path oddOut = dir.resolve("odd.json");
        Fit.run(new String[] {"--master", "local[2]", "--data", odd.toString(), "--label", "y", "--solver", "svd", "--out",
            oddOut.toString()});
        // the iteration-limit line in this program's option names, the solver as asked (l-bfgs, run as cg)
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            Fit.run(new String[] {"--master", "local[2]", "--data", data.toString(), "--label", "target", "--solver", "l-bfgs",
                "--max-iter", "1"});
        } finally {
            System.setErr(err);
        }
        String warning = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(warning.contains("warning: l-bfgs (run as cg) stopped"), warning);
        assertTrue(warning.contains("--max-iter"), warning);
        double[] oc = ModelFile.read(oddOut).model().coefficients();
        assertEquals(1, oc[0], 1e-9);
        assertEquals(-2, oc[1], 1e-9);
        assertEquals(0.5, oc[2], 1e-9);
        // arguments checked before the fit, in one line
        assertEquals("--max-iter needs a whole number, got '2.7'", assertThrows(IllegalArgumentException.class, () -> Fit.run(
                new String[] {"--data", odd.toString(), "--label", "y", "--max-iter", "2.7"})).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Fit.run(new String[] {"--data", odd.toString(), "--label", "y",
                "--out", dir.resolve("missing").resolve("m.json").toString()})).getMessage().contains("its folder does not exist"));
        // a malformed cell is refused naming its column and row
        Files.writeString(data, "u,target,v,w\n1,2,3,4\n1,2,oops,4\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fit.run(new String[] {
            "--master", "local[2]", "--data", data.toString(), "--label", "target", "--partitions", "1"}));
        assertEquals("column 'v': row 1 of partition 0 has NaN (a missing or non-numeric cell, or NaN: every value must be a finite number)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Fit.run(new String[] {"--data", data.toString(), "--label", "nope",
            "--master", "local[2]"}));
        assertTrue(!spark.sparkContext().isStopped(), "the example left the caller's session running");
        spark.stop();
    }
}
