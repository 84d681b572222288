package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.Precision;
import dev.downhill.io.NpyWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Options that do nothing for the solver, schedule or command chosen: one warning line each, and truly nothing done. */
class CliIgnoredOptionsTest {
    @TempDir
    Path dir;
    private String x;
    private String y;

    /** The data of {@link #data}, for the library's fits. */
    private double[] xs;
    private double[] ys;

    /** 200 × 3 float64, y = 2x₀ − x₁ + 0.5x₂ + 1 + 0.1·N(0,1). */
    @BeforeEach
    void data() {
        int m = 200;
        xs = new double[3 * m];
        ys = new double[m];
        java.util.Random r = new java.util.Random(11);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < 3; j++) {
                xs[3 * i + j] = r.nextGaussian();
            }
            ys[i] = 2 * xs[3 * i] - xs[3 * i + 1] + 0.5 * xs[3 * i + 2] + 1 + 0.1 * r.nextGaussian();
        }
        Path xFile = dir.resolve("X.npy");
        Path yFile = dir.resolve("y.npy");
        try (NpyWriter w = NpyWriter.create(xFile, Precision.FLOAT64, m, 3)) {
            w.write(xs);
        }
        NpyWriter.writeVector(yFile, ys, Precision.FLOAT64);
        x = xFile.toString();
        y = yFile.toString();
    }

    private CliRun fit(String... more) {
        List<String> args = new ArrayList<>(List.of("fit", "--x", x, "--y", y));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(new String[0]));
    }

    /** The warnings about options, without the iteration-limit warning (the short fits here stop at their limit). */
    private static List<String> warnings(CliRun r) {
        return r.err().lines().filter(l -> l.startsWith("downhill: warning: ") && !l.contains(LIMIT)).collect(Collectors.toList());
    }

    private static final String LIMIT = "stopped at its iteration limit";

    private static List<String> limitWarnings(CliRun r) {
        return r.err().lines().filter(l -> l.startsWith("downhill: warning: ") && l.contains(LIMIT)).collect(Collectors.toList());
    }

    private static JsonNode model(Path file) throws IOException {
        return new ObjectMapper().readTree(file.toFile());
    }

    /**
     * --schedule invtime:T0,T1 takes the steps T0/(t + T1) in the user's units: --lr does nothing there. It draws one
     * warning, and the fit with it is the fit without it bit for bit (coefficients, η₀ recorded); the summary's η line
     * says η is not used; sgd and minibatch alike. Another schedule uses --lr: no warning.
     */
    @Test
    void lrWithAnInverseTimeScheduleWarnsAndDoesNothing() throws IOException {
        for (String solver : List.of("sgd", "minibatch")) {
            Path with = dir.resolve(solver + "-with.json");
            Path without = dir.resolve(solver + "-without.json");
            CliRun a = fit("--solver", solver, "--schedule", "invtime:5,50", "--lr", "0.001", "--iterations", "5", "--tol", "0",
                    "--out", with.toString());
            assertEquals(0, a.code(), a.err());
            assertEquals(List.of("downhill: warning: --lr does nothing with --schedule invtime (its rates T0/(t + T1) are the step "
                    + "sizes) (ignored)"), warnings(a), a.err());
            String eta = a.out().lines().filter(l -> l.startsWith("η:")).findFirst().orElseThrow();
            assertTrue(eta.contains("not used: --schedule invtime:5.0,50.0 takes the steps T0/(t + T1), 0.100000 at the first"), eta);
            CliRun b = fit("--solver", solver, "--schedule", "invtime:5,50", "--iterations", "5", "--tol", "0", "--out",
                    without.toString(), "--quiet");
            assertEquals(0, b.code(), b.err());
            assertEquals("", b.err());
            JsonNode ma = model(with);
            JsonNode mb = model(without);
            assertEquals(mb.get("coefficients"), ma.get("coefficients"), solver);
            assertEquals(mb.get("intercept"), ma.get("intercept"), solver);
            assertEquals(mb.get("result").get("learningRateUsed"), ma.get("result").get("learningRateUsed"), solver);
            assertTrue(ma.get("result").get("learningRateUsed").asDouble() != 0.001, "η₀ is the automatic step, not the ignored --lr");
        }
        CliRun scaling = fit("--solver", "sgd", "--schedule", "invscaling:0.5", "--lr", "0.001", "--iterations", "3", "--tol", "0", "--quiet");
        assertEquals(0, scaling.code(), scaling.err());
        assertEquals("", scaling.err(), "invscaling's steps are η₀/(t + 1)^P: --lr is used");
    }

    /**
     * The command line and the library fit alike under invtime with a fixed rate: {@code fit --lr 0.001} (which the command
     * line drops there) and {@code FitConfig…learningRate(0.001)} (which the library keeps, and which decides nothing there,
     * not the default standardization either: on for this tall X) give the same coefficients and intercept, bit for bit,
     * sgd and minibatch; so does the library with an automatic rate. The library fit unstandardized (what a fixed rate gave
     * before 2026-12-02) is another fit, so the comparison can tell.
     */
    @Test
    void theCommandLineAndTheLibraryFitAlikeUnderInvtimeWithAFixedRate() throws IOException {
        double[][] rows = new double[ys.length][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = java.util.Arrays.copyOfRange(xs, 3 * i, 3 * i + 3);
        }
        for (String solver : List.of("sgd", "minibatch")) {
            Path out = dir.resolve(solver + "-invtime.json");
            CliRun cli = fit("--backend", "cpu", "--threads", "2", "--solver", solver, "--schedule", "invtime:5,50", "--lr", "0.001",
                    "--batch-size", solver.equals("sgd") ? "1" : "16", "--iterations", "6", "--tol", "0", "--seed", "7", "--out",
                    out.toString(), "--quiet");
            assertEquals(0, cli.code(), cli.err());
            JsonNode model = model(out);
            double[] cliCoefficients = new double[3];
            for (int j = 0; j < 3; j++) {
                cliCoefficients[j] = model.get("coefficients").get(j).asDouble();
            }
            double cliIntercept = model.get("intercept").asDouble();
            dev.downhill.FitConfig config = dev.downhill.FitConfig.builder().solver(dev.downhill.Solver.parse(solver))
                    .backend("cpu").threads(2).schedule(dev.downhill.LearningRateSchedule.inverseTime(5, 50))
                    .learningRate(0.001).batchSize(solver.equals("sgd") ? 1 : 16).maxIterations(6).tolerance(0).seed(7).build();
            try (dev.downhill.Dataset d = dev.downhill.Dataset.of(rows, ys)) {
                for (dev.downhill.FitConfig c : List.of(config, config.toBuilder().learningRate(dev.downhill.LearningRate.auto()).build())) {
                    dev.downhill.FittedModel library = dev.downhill.LinearRegression.fit(d, c);
                    assertTrue(library.report().standardized(), solver + " " + c.learningRate());
                    org.junit.jupiter.api.Assertions.assertArrayEquals(library.coefficients(), cliCoefficients, solver + " " + c.learningRate());
                    assertEquals(library.intercept(), cliIntercept, 0, solver + " " + c.learningRate());
                }
                dev.downhill.FittedModel unscaled = dev.downhill.LinearRegression.fit(d, config.toBuilder().standardize(false).build());
                assertFalse(java.util.Arrays.equals(unscaled.coefficients(), cliCoefficients), solver + ": unstandardized differs");
            }
        }
    }

    /**
     * A divergence under invtime names the schedule's T0/T1 and advises on them — not a smaller --lr, nor --lr auto, which
     * do nothing there — with or without --lr given.
     */
    /**
     * A fit that stops at --iterations short of --tol succeeds (exit 0: the model is written) with one warning in the
     * command line's terms, saying how far it got; with --tol 0 (a fixed number of steps, asked for) or a converged fit,
     * none. The library's own warning (naming maxIterations) is not printed besides.
     */
    @Test
    void aFitAtItsIterationLimitWarnsOnceInTheCommandLinesTerms() {
        CliRun limited = fit("--solver", "gd", "--iterations", "3");
        assertEquals(0, limited.code(), limited.err());
        assertTrue(limited.out().contains("stop reason: iteration limit"), limited.out());
        List<String> w = limitWarnings(limited);
        assertEquals(1, w.size(), limited.err());
        assertEquals(List.of(), warnings(limited), "nothing else");
        assertTrue(w.get(0).matches("downhill: warning: gd stopped at its iteration limit \\(--iterations 3 steps\\) before meeting "
                + "--tol 1e-10 \\(‖∇‖/‖∇₀‖ = \\S+\\): the coefficients may be far from the minimiser; raise --iterations, or use "
                + "an exact --solver \\(normal, svd\\)"), w.get(0));
        CliRun fixed = fit("--solver", "gd", "--iterations", "3", "--tol", "0");
        assertEquals(0, fixed.code(), fixed.err());
        assertEquals(List.of(), limitWarnings(fixed));
        CliRun converged = fit("--solver", "gd");
        assertTrue(converged.out().contains("stop reason: converged"), converged.out());
        assertEquals(List.of(), limitWarnings(converged));
    }

    @Test
    void aDivergenceUnderInverseTimeNamesTheSchedule() {
        for (List<String> lr : List.of(List.<String>of(), List.of("--lr", "0.001"))) {
            List<String> args = new ArrayList<>(List.of("--solver", "sgd", "--schedule", "invtime:100,1", "--iterations", "5"));
            args.addAll(lr);
            CliRun r = fit(args.toArray(new String[0]));
            assertEquals(1, r.code(), r.out() + r.err());
            List<String> errors = r.err().lines().filter(l -> !l.startsWith("downhill: warning: ")).collect(Collectors.toList());
            assertEquals(1, errors.size(), r.err());
            String line = errors.get(0);
            assertTrue(line.startsWith("downhill: sgd diverged at epoch "), line);
            assertTrue(line.contains("the inverse-time schedule invtime:100.0,1.0, whose steps T0/(t + T1) start at T0/T1 = 100.000; "
                    + "lower T0 or raise T1 so that T0/T1 is below "), line);
            assertFalse(line.contains("--lr"), line);
            assertFalse(line.contains("learning rate 0"), line);
            assertFalse(line.contains("smaller learning rate"), line);
        }
    }

    private static String seedWarning(String solver) {
        return "downhill: warning: --seed does nothing with --solver " + solver + " (ignored)";
    }

    /**
     * --seed seeds the stochastic solvers' row order, the power iteration of --lr auto (gd, nesterov) and the folds of
     * --alpha auto. Where nothing draws from it — cg, normal, svd, cd, and gd/nesterov with a fixed --lr — it warns once
     * and is dropped: the fit is the one without it and the model records seed 0. Where something does, no warning, and
     * the seed is recorded; under --alpha auto the folds, and so the cross-validation curve, follow it.
     */
    @Test
    void seedWarnsWhereNothingDrawsFromItAndOnlyThere() throws IOException {
        List<List<String>> unused = List.of(List.of("--solver", "cg"), List.of("--solver", "normal"), List.of("--solver", "svd"),
                List.of("--solver", "gd", "--lr", "0.1"), List.of("--solver", "nesterov", "--lr", "0.1"),
                List.of("--solver", "cd", "--penalty", "l1", "--alpha", "0.01"));
        int k = 0;
        for (List<String> options : unused) {
            Path with = dir.resolve("seed-" + k + ".json");
            Path without = dir.resolve("noseed-" + k++ + ".json");
            List<String> args = new ArrayList<>(options);
            args.addAll(List.of("--seed", "5", "--quiet", "--out", with.toString()));
            CliRun a = fit(args.toArray(new String[0]));
            assertEquals(0, a.code(), a.err());
            assertEquals(List.of(seedWarning(options.get(1))), warnings(a), options + ": " + a.err());
            args = new ArrayList<>(options);
            args.addAll(List.of("--quiet", "--out", without.toString()));
            CliRun b = fit(args.toArray(new String[0]));
            assertEquals(0, b.code(), b.err());
            JsonNode ma = model(with);
            JsonNode mb = model(without);
            assertEquals(mb.get("coefficients"), ma.get("coefficients"), options.toString());
            assertEquals(0, ma.get("hyperparameters").get("seed").asLong(), "dropped: " + options);
        }
        CliRun auto = fit("--seed", "5", "--quiet"); // auto picks normal for 200 × 3
        assertEquals(0, auto.code(), auto.err());
        assertEquals(List.of(seedWarning("normal") + " — chosen by --solver auto; name a solver that uses it"), warnings(auto),
                auto.err());

        List<List<String>> used = List.of(List.of("--solver", "gd"), List.of("--solver", "nesterov"),
                List.of("--solver", "sgd", "--iterations", "3", "--tol", "0"), List.of("--solver", "minibatch", "--iterations", "3", "--tol", "0"),
                List.of("--solver", "sgd", "--lr", "0.01", "--iterations", "3", "--tol", "0")); // 3 epochs, asked for: no limit warning
        for (List<String> options : used) {
            Path out = dir.resolve("used-" + k++ + ".json");
            List<String> args = new ArrayList<>(options);
            args.addAll(List.of("--seed", "5", "--quiet", "--out", out.toString()));
            CliRun r = fit(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.err());
            assertEquals("", r.err(), options.toString());
            assertEquals(5, model(out).get("hyperparameters").get("seed").asLong(), options.toString());
        }
        for (List<String> options : List.of(List.of("--solver", "cd", "--penalty", "l1"), List.of("--solver", "normal", "--penalty", "l2"))) {
            JsonNode[] curves = new JsonNode[2];
            for (int s = 0; s < 2; s++) {
                Path out = dir.resolve("cv-" + k++ + ".json");
                List<String> args = new ArrayList<>(options);
                args.addAll(List.of("--alpha", "auto", "--seed", Integer.toString(5 * s), "--quiet", "--out", out.toString()));
                CliRun r = fit(args.toArray(new String[0]));
                assertEquals(0, r.code(), r.err());
                assertFalse(r.err().contains("does nothing"), options + ": the folds are drawn from --seed: " + r.err());
                curves[s] = model(out).get("result").get("crossValidation").get("meanMse");
            }
            assertFalse(curves[0].equals(curves[1]), options + ": other folds, another cross-validation curve");
        }
    }

    /**
     * normal and svd save their checkpoint at the start and the end only: --checkpoint-every does nothing there (one
     * warning); without --checkpoint it draws the one warning that says so, not a second; the gradient solvers and cd
     * (before its full sweeps, since 2026-12-03) use it.
     */
    @Test
    void checkpointEveryWarnsWithTheSolversThatSaveOnlyAtTheEnds() {
        int k = 0;
        for (List<String> options : List.of(List.of("--solver", "normal"), List.of("--solver", "svd"))) {
            List<String> args = new ArrayList<>(options);
            args.addAll(List.of("--checkpoint", dir.resolve("ck" + k++).toString(), "--checkpoint-every", "5", "--quiet"));
            CliRun r = fit(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.err());
            List<String> w = warnings(r).stream().filter(l -> l.contains("--checkpoint-every")).collect(Collectors.toList());
            assertEquals(List.of("downhill: warning: --checkpoint-every does nothing with --solver " + options.get(1) + " (ignored)"),
                    w, r.err());
            args = new ArrayList<>(options);
            args.addAll(List.of("--checkpoint-every", "5", "--quiet"));
            r = fit(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.err());
            assertEquals(List.of("downhill: warning: --checkpoint-every does nothing without --checkpoint (ignored)"),
                    warnings(r), r.err());
        }
        CliRun gd = fit("--solver", "gd", "--checkpoint", dir.resolve("ck-gd").toString(), "--checkpoint-every", "5", "--quiet");
        assertEquals(0, gd.code(), gd.err());
        assertEquals("", gd.err());
        // cd saves before its full sweeps on --checkpoint-every's clock (before 2026-12-03 only its finished fit)
        CliRun cd = fit("--solver", "cd", "--penalty", "l1", "--alpha", "0.01", "--checkpoint", dir.resolve("ck-cd").toString(),
                "--checkpoint-every", "5", "--quiet");
        assertEquals(0, cd.code(), cd.err());
        assertEquals("", cd.err());
    }

    /** gen --density generates its rows on one thread: --threads warns and changes nothing; dense data use it silently. */
    @Test
    void genThreadsWithDensityWarnsAndChangesNothing() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        CliRun with = CliRun.of("gen", "--rows", "50", "--features", "8", "--density", "0.5", "--format", "svmlight", "--threads", "2",
                "--out-dir", a.toString(), "--quiet");
        assertEquals(0, with.code(), with.err());
        assertEquals(List.of("downhill: warning: --threads does nothing with --density (sparse rows are generated on one thread) "
                + "(ignored)"), warnings(with), with.err());
        CliRun without = CliRun.of("gen", "--rows", "50", "--features", "8", "--density", "0.5", "--format", "svmlight",
                "--out-dir", b.toString(), "--quiet");
        assertEquals(0, without.code(), without.err());
        assertEquals(Files.readString(b.resolve("data.svm")), Files.readString(a.resolve("data.svm")));
        CliRun dense = CliRun.of("gen", "--rows", "50", "--features", "8", "--threads", "2", "--out-dir", dir.resolve("c").toString(),
                "--quiet");
        assertEquals(0, dense.code(), dense.err());
        assertEquals("", dense.err());
    }

    /**
     * demo --no-plots writes no plots: --out-dir warns and no folder is made. An empty --out-dir is a usage error (exit 2)
     * as gen's and fit's are — it wrote the plots into the current folder — with or without --no-plots.
     */
    @Test
    void demoOutDirWithNoPlotsWarnsAndAnEmptyOneIsAUsageError() {
        CliRun empty = CliRun.of("demo", "--no-plots", "--out-dir", "");
        assertEquals(2, empty.code(), empty.out() + empty.err());
        assertEquals("downhill: --out-dir needs a folder name, got '' (try: downhill demo --help)", empty.err().strip());
        assertEquals("", empty.out(), "refused before any work");
        CliRun plots = CliRun.of("demo", "--out-dir", "");
        assertEquals(2, plots.code(), plots.out() + plots.err());
        assertEquals("downhill: --out-dir needs a folder name, got '' (try: downhill demo --help)", plots.err().strip());
        Path folder = dir.resolve("plots");
        CliRun none = CliRun.of("demo", "--no-plots", "--out-dir", folder.toString());
        assertEquals(0, none.code(), none.err());
        assertEquals(List.of("downhill: warning: --out-dir does nothing with --no-plots (no plots are written) (ignored)"),
                warnings(none), none.err());
        assertFalse(Files.exists(folder));
    }

    /** --cpu-kernel picks the dense gradient pass: with sparse X it warns, once, rather than being silently ignored. */
    @Test
    void cpuKernelWithSparseXWarns() throws IOException {
        Path npz = dir.resolve("X.npz");
        dev.downhill.io.NpzWriter.write(npz, 6, 2, Precision.FLOAT64, (i, columns, values) -> {
            columns[0] = 0;
            columns[1] = 1;
            values[0] = i + 1;
            values[1] = (i * 7) % 5;
            return 2;
        });
        Path y = dir.resolve("y.npy");
        NpyWriter.writeVector(y, new double[] {1, 3, 2, 5, 4, 7}, Precision.FLOAT64);
        CliRun fit = CliRun.of("fit", "--x", npz.toString(), "--y", y.toString(), "--backend", "cpu", "--cpu-kernel", "blas",
                "--quiet");
        assertEquals(0, fit.code(), fit.err());
        assertEquals(List.of("downhill: warning: --cpu-kernel does nothing with sparse X (ignored)"),
                fit.err().lines().filter(l -> l.contains("--cpu-kernel")).collect(Collectors.toList()), fit.err());
    }

    /** --memory-budget with a sparse svmlight read says once that it does nothing (two different lines said it); --sparse's help is true. */
    @Test
    void memoryBudgetWithASparseSvmLightFileWarnsOnce() throws IOException {
        Path svm = dir.resolve("d.svm");
        Files.writeString(svm, "1 1:1 2:3\n3 1:2\n2 2:1\n5 1:4 2:2\n");
        CliRun fit = CliRun.of("fit", "--data", svm.toString(), "--sparse", "--memory-budget", "1g", "--quiet");
        assertEquals(0, fit.code(), fit.err());
        assertEquals(1, fit.err().lines().filter(l -> l.contains("--memory-budget does nothing")).count(), fit.err());
        CliRun help = CliRun.of("fit", "--help");
        assertTrue(help.out().replaceAll("\\s+", " ").contains("(cpu and cuda backends; an .npz --x is always sparse)"), help.out());
    }

    /**
     * --lr reaches the solver auto chooses (it was dropped before the choice, and --seed was then said to do nothing):
     * nesterov for an l1 term on wide dense X; on these tall 200 × 3 data auto picks cd on the Gram matrix, which has no
     * step: --lr and --seed are then said to do nothing, as chosen by auto.
     */
    @Test
    void aLearningRateReachesTheSolverAutoChooses() throws IOException {
        Path tall = dir.resolve("auto-l1-tall.json");
        CliRun cd = fit("--penalty", "l1", "--alpha", "0.01", "--lr", "0.001", "--seed", "5", "--iterations", "20", "--tol", "0",
                "--out", tall.toString());
        assertEquals(0, cd.code(), cd.err());
        assertEquals("cd", model(tall).get("solver").asText(), cd.out());
        assertEquals(List.of("downhill: warning: --lr does nothing with --solver cd (ignored) — chosen by --solver auto; name "
                + "a solver that uses it", seedWarning("cd") + " — chosen by --solver auto; name a solver that uses it"),
                warnings(cd), cd.err());

        Path wideX = dir.resolve("wide-X.npy");
        Path wideY = dir.resolve("wide-y.npy");
        java.util.Random g = new java.util.Random(12);
        double[] wx = new double[10 * 30];
        double[] wy = new double[10];
        for (int i = 0; i < wx.length; i++) {
            wx[i] = g.nextGaussian();
        }
        for (int i = 0; i < wy.length; i++) {
            wy[i] = wx[30 * i] - wx[30 * i + 1] + 0.1 * g.nextGaussian();
        }
        try (NpyWriter w = NpyWriter.create(wideX, Precision.FLOAT64, 10, 30)) {
            w.write(wx);
        }
        NpyWriter.writeVector(wideY, wy, Precision.FLOAT64);
        Path out = dir.resolve("auto-l1.json");
        CliRun r = CliRun.of("fit", "--x", wideX.toString(), "--y", wideY.toString(), "--penalty", "l1", "--alpha", "0.01",
                "--lr", "0.001", "--seed", "5", "--iterations", "20", "--tol", "0", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode m = model(out);
        assertEquals("nesterov", m.get("solver").asText(), r.out());
        assertEquals(0.001, m.get("hyperparameters").get("learningRate").asDouble(), 0.0, r.out());
        assertEquals(List.of(seedWarning("nesterov") + " — chosen by --solver auto; name a solver that uses it"), warnings(r),
                "nesterov with a fixed η draws nothing: " + r.err());
        Path cg = dir.resolve("auto-cg.json");
        CliRun ridge = fit("--penalty", "l2", "--alpha", "0.01", "--lr", "0.001", "--quiet", "--out", cg.toString());
        assertEquals(0, ridge.code(), ridge.err());
        assertFalse(warnings(ridge).isEmpty(), "auto picks normal: --lr does nothing there");
        assertTrue(warnings(ridge).stream().allMatch(w -> w.contains("--lr does nothing with --solver")
                && w.contains("chosen by --solver auto")), ridge.err());
    }

    /**
     * --average and --patience: used by sgd (the model records averageFrom and patience, the averaged coefficients differ
     * from the last iterate's), warned about and dropped by gd (its model is the one without them, bit for bit); bad
     * values are usage errors naming the option.
     */
    @Test
    void averageAndPatienceAreUsedByTheStochasticSolversAndWarnedAboutElsewhere() throws IOException {
        Path averaged = dir.resolve("averaged.json");
        CliRun a = fit("--solver", "sgd", "--lr", "0.01", "--iterations", "3", "--tol", "0", "--average", "--patience", "7",
                "--out", averaged.toString());
        assertEquals(0, a.code(), a.err());
        assertTrue(warnings(a).isEmpty(), a.err());
        JsonNode h = model(averaged).get("hyperparameters");
        assertEquals(1, h.get("averageFrom").asLong());
        assertEquals(7, h.get("patience").asInt());
        Path last = dir.resolve("last.json");
        assertEquals(0, fit("--solver", "sgd", "--lr", "0.01", "--iterations", "3", "--tol", "0", "--out", last.toString()).code());
        assertFalse(model(last).get("coefficients").equals(model(averaged).get("coefficients")), "averaged ≠ last iterate");
        assertFalse(model(last).get("hyperparameters").has("averageFrom"), "written only when asked");

        Path gd = dir.resolve("gd.json");
        Path plain = dir.resolve("plain.json");
        CliRun g = fit("--solver", "gd", "--average", "5", "--patience", "2", "--out", gd.toString());
        assertEquals(0, g.code(), g.err());
        assertEquals(List.of("downhill: warning: --patience does nothing with --solver gd (ignored)",
                "downhill: warning: --average does nothing with --solver gd (ignored)").stream().sorted().collect(Collectors.toList()),
                warnings(g).stream().sorted().collect(Collectors.toList()));
        assertEquals(0, fit("--solver", "gd", "--out", plain.toString()).code());
        assertEquals(model(plain).get("coefficients"), model(gd).get("coefficients"));

        CliRun bad = fit("--solver", "sgd", "--average", "-2");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--average must be a step ≥ 1"), bad.err());
        CliRun badPatience = fit("--solver", "sgd", "--patience", "0");
        assertEquals(2, badPatience.code(), badPatience.err());
        assertTrue(badPatience.err().contains("--patience must be at least 1 epoch, got 0"), badPatience.err());
    }
}
