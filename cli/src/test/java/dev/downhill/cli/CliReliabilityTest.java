package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.IterationListener;
import dev.downhill.LinearRegression;
import dev.downhill.ModelFile;
import dev.downhill.Solver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16: help, exit codes, outputs checked first and written atomically, warnings, caps, memory and close safety. */
class CliReliabilityTest {
    @TempDir
    Path dir;
    private String x;
    private String y;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(new String[0]);
    }

    private String[] fit(String... more) {
        return concat(new String[] {"fit", "--x", x, "--y", y}, more);
    }

    private List<String> names() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @BeforeEach
    void data() {
        CliRun gen = run("gen", "--rows", "120", "--features", "3", "--noise", "0.1", "--seed", "3", "--out-dir", dir.toString(), "--quiet");
        assertEquals(0, gen.code(), gen.err());
        x = dir.resolve("X.npy").toString();
        y = dir.resolve("y.npy").toString();
    }

    @Test
    void everyHelpExitsZeroWithTheUsageAndNoWarningOnEitherStream() {
        PrintStream saved = System.err;
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        System.setErr(new PrintStream(raw, true, StandardCharsets.UTF_8)); // picocli's own warnings go to System.err
        try {
            for (String command : List.of("fit", "predict", "gen", "info", "demo")) {
                for (String[] args : List.of(new String[] {command, "--help"}, new String[] {command, "-h"}, new String[] {"help", command})) {
                    CliRun r = run(args);
                    assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
                    assertTrue(r.out().contains("Usage: downhill " + command), r.out());
                    assertEquals("", r.err(), String.join(" ", args));
                }
            }
            CliRun fit = run("fit", "--help");
            for (String option : List.of("--solver", "--lr", "--iterations", "--batch-size", "--tol", "--memory-budget",
                    "--device-memory-budget", "--threads", "--out", "--plot", "--target")) {
                assertTrue(fit.out().contains(option), option + " in\n" + fit.out());
            }
            assertTrue(fit.out().contains("80% of available memory"), "% printed, not a format error: " + fit.out());
        } finally {
            System.setErr(saved);
        }
        assertEquals("", raw.toString(StandardCharsets.UTF_8), "no picocli warning");
    }

    @Test
    void everyBadOptionValueIsAUsageErrorWithExitTwo() throws IOException {
        Path csv = Files.writeString(dir.resolve("d.csv"), "a,b\n1,2\n3,4\n5,7\n");
        List<String[]> bad = List.of(fit("--lr", "abc"), fit("--lr", "-1"), fit("--lr", "0"), fit("--tol", "1"), fit("--tol", "5"),
                fit("--tol", "-1"), fit("--tol", "x"), fit("--iterations", "0"), fit("--batch-size", "0", "--solver", "minibatch"),
                fit("--threads", "-1"), fit("--solver", "nope"), fit("--standardize", "maybe"), fit("--precision", "float16"),
                fit("--memory-budget", "lots"), fit("--schedule", "sometimes"), fit("--validation-fraction", "2", "--solver", "sgd"),
                fit("--plot", "loss.svg"), fit("--lr", "-1", "--solver", "svd"), fit("--backend", "quantum"),
                new String[] {"fit", "--data", csv.toString(), "--target", "99999999999"},
                new String[] {"predict", "--model", "m.json", "--x", x, "--out", "p.parquet"},
                new String[] {"predict", "--model", "m.json"},
                new String[] {"gen", "--rows", "0", "--features", "2", "--out-dir", dir.toString()},
                new String[] {"gen", "--rows", "5", "--features", "2", "--precision", "int8", "--out-dir", dir.toString()});
        for (String[] args : bad) {
            CliRun r = run(args);
            assertEquals(2, r.code(), String.join(" ", args) + " → " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("downhill: ") && !r.err().contains("Exception"), r.err());
            assertFalse(r.out().contains("coefficients"), "no fit ran: " + r.out());
        }
        CliRun target = run("fit", "--data", csv.toString(), "--target", "99999999999");
        assertTrue(target.err().contains("--target") && target.err().contains("too large"), target.err());
    }

    @Test
    void compressedTextFilesAreReadAsTheirText() throws Exception {
        // d.svm.gz and d.csv.gz: the format is the inner name's, the text is read decompressed (both were "cannot tell
        // the format"; a .gz with --sparse was parsed as text garbage)
        StringBuilder svm = new StringBuilder();
        StringBuilder csv = new StringBuilder("a,b,y\n");
        for (int i = 0; i < 60; i++) {
            double a = i % 7 - 3;
            double b = (i * i) % 11 - 5;
            double t = 2 * a - b + 1;
            svm.append(t).append(" 1:").append(a).append(" 2:").append(b).append('\n');
            csv.append(a).append(',').append(b).append(',').append(t).append('\n');
        }
        for (String[] file : new String[][] {{"d.svm.gz", svm.toString()}, {"d.csv.gz", csv.toString()}}) {
            Path gz = dir.resolve(file[0]);
            try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(java.nio.file.Files.newOutputStream(gz))) {
                out.write(file[1].getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            CliRun r = run("fit", "--data", gz.toString(), "--solver", "normal", "--quiet");
            assertEquals(0, r.code(), file[0] + ": " + r.err());
            assertTrue(r.out().contains("coefficients: [2.000000000, -1.000000000]"), file[0] + ": " + r.out());
        }
        CliRun sparse = run("fit", "--data", dir.resolve("d.svm.gz").toString(), "--sparse", "--solver", "cg", "--quiet");
        assertEquals(0, sparse.code(), sparse.err());
        assertTrue(sparse.out().contains("coefficients: [2.000000000, -1.000000000]"), sparse.out());
        // bzip2 likewise (LIBSVM's files come as .bz2), from standard input too (the text is spooled decompressed)
        for (String[] file : new String[][] {{"d.svm.bz2", svm.toString()}, {"d.csv.bz2", csv.toString()}}) {
            Path bz2 = dir.resolve(file[0]);
            try (java.io.OutputStream out = new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(
                    java.nio.file.Files.newOutputStream(bz2))) {
                out.write(file[1].getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            CliRun r = run("fit", "--data", bz2.toString(), "--solver", "normal", "--quiet");
            assertEquals(0, r.code(), file[0] + ": " + r.err());
            assertTrue(r.out().contains("coefficients: [2.000000000, -1.000000000]"), file[0] + ": " + r.out());
        }
        Path fifo = dir.resolve("pipe");
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0);
        byte[] bz2 = Files.readAllBytes(dir.resolve("d.svm.bz2"));
        Thread writer = new Thread(() -> {
            try {
                Files.write(fifo, bz2);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.setDaemon(true);
        writer.start();
        CliRun piped = run("fit", "--data", fifo.toString(), "--format", "svmlight", "--sparse", "--solver", "cg", "--quiet");
        assertEquals(0, piped.code(), piped.err());
        assertTrue(piped.out().contains("coefficients: [2.000000000, -1.000000000]"), piped.out());
    }

    @Test
    void optionsTheSolverIgnoresGetAOneLineWarningAndNeverFail() {
        CliRun svd = run(fit("--solver", "svd", "--lr", "0.1", "--iterations", "5", "--tol", "1e-3", "--batch-size", "8", "--quiet"));
        assertEquals(0, svd.code(), svd.err());
        for (String option : List.of("--lr", "--iterations", "--tol", "--batch-size")) {
            assertTrue(svd.err().contains("warning: " + option + " does nothing with --solver svd"), svd.err());
        }
        assertEquals(4, svd.err().lines().count(), svd.err());
        CliRun sgd = run(fit("--solver", "sgd", "--batch-size", "8", "--iterations", "3", "--quiet"));
        assertEquals(0, sgd.code(), "one row per step; the batch size is ignored, not an error: " + sgd.err());
        assertTrue(sgd.err().contains("--batch-size does nothing with --solver sgd"), sgd.err());
        CliRun sgdOne = run(fit("--solver", "sgd", "--batch-size", "1", "--iterations", "3", "--tol", "0", "--quiet"));
        assertEquals("", sgdOne.err(), "--batch-size 1 is what sgd does: no warning");
        CliRun cg = run(fit("--solver", "cg", "--lr", "0.5", "--quiet"));
        assertEquals(0, cg.code(), cg.err());
        assertTrue(cg.err().contains("--lr does nothing with --solver cg"), cg.err());
        CliRun gd = run(fit("--solver", "gd", "--lr", "0.1", "--quiet"));
        assertEquals("", gd.err(), "options the solver uses draw no warning");
    }

    @Test
    void outputPathsAreCheckedBeforeTheFit() {
        for (String[] args : List.of(fit("--out", dir.resolve("nodir").resolve("m.json").toString()),
                fit("--plot", dir.resolve("nodir").resolve("loss.png").toString()),
                fit("--out", dir.toString()))) {
            CliRun r = run(args);
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().startsWith("downhill: cannot write"), r.err());
            assertEquals("", r.out(), "nothing was fitted or printed");
        }
        CliRun predict = run("predict", "--model", dir.resolve("absent.json").toString(), "--x", x, "--out",
                dir.resolve("nodir").resolve("p.npy").toString());
        assertEquals(1, predict.code());
        assertTrue(predict.err().contains("nodir"), "the output is checked before the model is read: " + predict.err());
        Path file = dir.resolve("X.npy");
        CliRun gen = run("gen", "--rows", "5", "--features", "2", "--out-dir", file.toString(), "--quiet");
        assertEquals(1, gen.code());
        assertTrue(gen.err().contains("cannot create --out-dir"), gen.err());
    }

    @Test
    void plotNamesSayWhatIsWritten() throws IOException {
        CliRun bare = run(fit("--plot", dir.resolve("out").toString(), "--quiet"));
        assertEquals(0, bare.code(), bare.err());
        assertTrue(Files.size(dir.resolve("out.png")) > 1000);
        assertFalse(Files.exists(dir.resolve("out")));
        assertTrue(bare.out().contains("plot written to " + dir.resolve("out.png") + " (PNG)"), bare.out());
        CliRun jpg = run(fit("--plot", dir.resolve("loss.jpg").toString(), "--quiet"));
        assertEquals(0, jpg.code(), jpg.err());
        byte[] bytes = Files.readAllBytes(dir.resolve("loss.jpg"));
        assertEquals((byte) 0xFF, bytes[0], "a JPEG, not a PNG under a .jpg name");
        assertEquals((byte) 0xD8, bytes[1]);
        assertFalse(Files.exists(dir.resolve("loss.jpg.png")));
        assertTrue(jpg.out().contains("(JPEG)"), jpg.out());
        CliRun svd = run(fit("--solver", "svd", "--plot", dir.resolve("pva.PNG").toString(), "--quiet"));
        assertEquals(0, svd.code(), svd.err());
        assertTrue(Files.size(dir.resolve("pva.PNG")) > 1000);
    }

    @Test
    void aFailedFitLeavesTheOldModelAndNoTemporaryFiles() throws IOException {
        Path model = dir.resolve("m.json");
        CliRun ok = run(fit("--out", model.toString(), "--quiet"));
        assertEquals(0, ok.code(), ok.err());
        byte[] before = Files.readAllBytes(model);
        List<String> files = names();
        CliRun diverged = run(fit("--solver", "gd", "--lr", "50", "--out", model.toString(), "--plot", dir.resolve("p.png").toString(), "--quiet"));
        assertEquals(1, diverged.code());
        assertTrue(diverged.err().contains("diverged"), diverged.err());
        assertArrayEquals(before, Files.readAllBytes(model), "--out untouched");
        assertEquals(files, names(), "no plot, no temporary file");
    }

    @Test
    void aFailingSecondOutputLeavesTheFirstUnwritten() throws IOException {
        Path a = Files.writeString(dir.resolve("a.json"), "old a");
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path b = sub.resolve("b.png");
        try (Outputs outputs = new Outputs()) {
            outputs.open(a).stream().write("new a".getBytes(StandardCharsets.UTF_8));
            Files.delete(sub); // the plot's folder vanishes after the check: the plot cannot be staged
            assertThrows(java.io.UncheckedIOException.class, () -> outputs.open(b));
        }
        assertEquals("old a", Files.readString(a), "the model is not written when the plot fails");
        assertFalse(names().stream().anyMatch(n -> n.endsWith(".tmp")), names().toString());
    }

    @Test
    void genAndPredictWriteCompleteFilesOnly() throws IOException {
        List<String> before = names();
        assertFalse(before.stream().anyMatch(n -> n.startsWith(".")), before.toString());
        Path model = dir.resolve("m.json");
        assertEquals(0, run(fit("--out", model.toString(), "--quiet")).code());
        Path p = dir.resolve("p.csv");
        CliRun predict = run("predict", "--model", model.toString(), "--x", x, "--out", p.toString());
        assertEquals(0, predict.code(), predict.err());
        assertEquals(121, Files.readAllLines(p).size());
        assertFalse(names().stream().anyMatch(n -> n.endsWith(".tmp")), names().toString());
    }

    @Test
    void threadsAreCappedAndTheCapIsRecorded() throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals(Math.min(4 * cores, 120), FitCommand.cappedThreads(10_000, 120));
        assertEquals(3, FitCommand.cappedThreads(10_000, 3), "never more workers than rows");
        assertEquals(2, FitCommand.cappedThreads(2, 1000));
        assertEquals(0, FitCommand.cappedThreads(0, 1000), "0 = all cores, unchanged");
        Path model = dir.resolve("m.json");
        CliRun r = run(fit("--threads", "10000", "--out", model.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("--threads 10000 capped at " + Math.min(4 * cores, 120)), r.err());
        JsonNode json = new ObjectMapper().readTree(model.toFile());
        assertEquals(Math.min(4 * cores, 120), json.get("hyperparameters").get("threads").asInt());
    }

    @Test
    void aHugeBadCellIsEchoedShortAndAPipeDoesNotHang() throws Exception {
        Path csv = Files.writeString(dir.resolve("bad.csv"), "a,b\n1,2\n" + "9".repeat(5) + "q".repeat(1_000_000) + ",3\n");
        CliRun r = run("fit", "--data", csv.toString());
        assertEquals(1, r.code());
        assertEquals(1, r.err().lines().count());
        assertTrue(r.err().length() < 300 && r.err().contains("(1000005 characters)"), r.err().length() + ": " + r.err());
        Path fifo = dir.resolve("pipe.csv");
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0);
        Thread writer = new Thread(() -> {
            try {
                Files.writeString(fifo, "a,y\n1,3\n2,5\n3,7.5\n");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.setDaemon(true);
        writer.start();
        ExecutorService pool = Executors.newSingleThreadExecutor(t -> {
            Thread th = new Thread(t);
            th.setDaemon(true);
            return th;
        });
        try {
            Future<CliRun> fit = pool.submit(() -> run("fit", "--data", fifo.toString(), "--solver", "svd"));
            CliRun piped = fit.get(30, TimeUnit.SECONDS);
            assertEquals(0, piped.code(), piped.err());
            assertTrue(piped.out().contains("3 rows × 1 features"), piped.out());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void longHistoriesKeepTheModelFileSmall() throws IOException {
        Path model = dir.resolve("long.json");
        CliRun r = run(fit("--solver", "gd", "--iterations", "20000", "--tol", "0", "--lr", "0.01", "--out", model.toString(), "--quiet"));
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.size(model) < 150_000, "20,001-point histories thinned: " + Files.size(model) + " bytes");
        JsonNode result = new ObjectMapper().readTree(model.toFile()).get("result");
        assertEquals(20_001, result.get("lossHistoryLength").asInt());
        assertEquals("iteration_limit", result.get("stopReason").asText());
        assertEquals(result.get("lossHistory").size(), result.get("lossHistoryIterations").size());
        FittedModel back = ModelFile.read(model).model();
        assertEquals(20_000, back.iterations());
    }

    /**
     * A SIGTERM while {@code fit --data -} is still copying standard input (the reader's two passes need a file) leaves no
     * copy behind, and the copy was never readable by others: a child JVM whose standard input stays open, so the copy is
     * unfinished when the signal comes.
     */
    @Test
    void aSignalWhileStandardInputIsCopiedLeavesNoCopy() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "fit", "--data", "-", "--format", "csv", "--quiet")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(dir.resolve("err.txt").toFile()).start();
        try {
            p.getOutputStream().write("a,y\n1,2\n2,4\n".getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().flush(); // and not closed: the copy waits for more
            Path copy = null;
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); copy == null; Thread.sleep(20)) {
                assertTrue(System.nanoTime() < deadline && p.isAlive(), "no copy of standard input appeared in " + tmp + ": "
                        + Files.readString(dir.resolve("err.txt")));
                copy = spools(tmp).stream().filter(f -> f.toFile().length() > 0).findFirst().orElse(null);
            }
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)));
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the child ended");
            assertEquals(143, p.exitValue(), Files.readString(dir.resolve("err.txt")));
            assertEquals(List.of(), spools(tmp), "the copy of standard input is deleted");
        } finally {
            p.destroyForcibly();
        }
    }

    /** The copies of standard input in {@code tmp}. */
    private static List<Path> spools(Path tmp) throws IOException {
        try (var s = Files.list(tmp)) {
            return s.filter(f -> f.getFileName().toString().startsWith("downhill-")).collect(Collectors.toList());
        }
    }

    /** An allocation failure while loading is one line and exit 1 (run in a child JVM with a small off-heap cap). */
    @Test
    void runningOutOfMemoryWhileLoadingIsOneLine() throws Exception {
        Path svm = Files.writeString(dir.resolve("wide.svm"), "1 1:1\n2 4000000:1\n3 2:2\n"); // densified: 3 × 4e6 × 8 B = 96 MB
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-Dorg.bytedeco.javacpp.maxbytes=32m",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=0", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "fit", "--data", svm.toString(), "--dense", "--quiet").redirectErrorStream(false).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child finished");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), err);
        assertEquals(1, err.lines().filter(l -> !l.isBlank()).count(), "one line: " + err);
        assertTrue(err.startsWith("downhill: out of memory") && err.contains("wide.svm"), err);
    }

    @Test
    void closingADatasetWhileAnotherThreadFitsOnItThrowsInsteadOfCrashing() throws Exception {
        double[][] xs = new double[2000][8];
        double[] ys = new double[2000];
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < xs.length; i++) {
            for (int j = 0; j < 8; j++) {
                xs[i][j] = r.nextGaussian();
                ys[i] += (j + 1) * xs[i][j];
            }
        }
        Dataset data = Dataset.of(xs, ys);
        CountDownLatch fitting = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        IterationListener pause = (iteration, loss, grad) -> {
            if (iteration == 3) {
                fitting.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return IterationListener.Control.CONTINUE;
        };
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<FittedModel> fit = pool.submit(() -> LinearRegression.fit(data, FitConfig.builder().solver(Solver.GD)
                    .backend("cpu").threads(2).maxIterations(50).tolerance(0).listener(pause).build()));
            assertTrue(fitting.await(30, TimeUnit.SECONDS));
            IllegalStateException e = assertThrows(IllegalStateException.class, data::close);
            assertTrue(e.getMessage().contains("cannot close") && e.getMessage().contains("1 fit or prediction (or other use) still reads it"), e.getMessage());
            release.countDown();
            FittedModel m = fit.get(60, TimeUnit.SECONDS);
            assertEquals(1.0, m.coefficient(0), 1e-6, "the fit finished on intact memory");
            data.close(); // the fit is over: closing works now
            assertFalse(data.isOpen());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }
}
