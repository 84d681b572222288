package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fit --checkpoint/--resume/--init} on the command line. Every gradient solver is killed (SIGKILL) in a child JVM
 * once its checkpoint has passed iteration 0, resumed in this JVM, and checked against an uninterrupted fit: the model
 * files' coefficients, intercept, iterations, stop reason and histories are equal; SIGTERM saves a checkpoint at the next
 * boundary, exits 143 and writes no model.
 */
class CliCheckpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static String x;
    private static String y;

    @BeforeAll
    static void data() {
        CliRun gen = CliRun.of("gen", "--rows", "6000", "--features", "12", "--noise", "0.5", "--seed", "5", "--precision", "float64",
                "--out-dir", dir.toString(), "--quiet");
        assertEquals(0, gen.code(), gen.err());
        x = dir.resolve("X.npy").toString();
        y = dir.resolve("y.npy").toString();
    }

    private static List<String> fit(String... more) {
        List<String> args = new ArrayList<>(List.of("fit", "--x", x, "--y", y, "--threads", "1", "--quiet"));
        args.addAll(List.of(more));
        return args;
    }

    private static CliRun run(List<String> args) {
        return CliRun.of(args.toArray(new String[0]));
    }

    private static List<String> with(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    /** Starts {@code main args} in a child JVM with this test's class path; stderr goes to {@code err}. */
    private static Process child(Class<?> main, List<String> args, Path err) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dorg.bytedeco.javacpp.maxbytes=0", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
    }

    /**
     * A child JVM's main that runs several {@code downhill} command lines (separated by {@code --next}) at once, each on its
     * own thread through {@link Main#run} — one JVM start-up for all the solvers killed together.
     */
    static final class ManyFits {
        public static void main(String[] args) throws InterruptedException {
            List<List<String>> lines = new ArrayList<>(List.of(new ArrayList<>()));
            for (String a : args) {
                if (a.equals("--next")) {
                    lines.add(new ArrayList<>());
                } else {
                    lines.get(lines.size() - 1).add(a);
                }
            }
            List<Thread> threads = new ArrayList<>();
            for (List<String> line : lines) {
                Thread t = new Thread(() -> CliRun.of(line.toArray(new String[0])));
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    private static void assertSameModel(Path expected, Path actual) throws IOException {
        JsonNode a = JSON.readTree(expected.toFile());
        JsonNode b = JSON.readTree(actual.toFile());
        assertEquals(a.get("coefficients"), b.get("coefficients"), "coefficients");
        assertEquals(a.get("intercept"), b.get("intercept"), "intercept");
        for (String field : List.of("iterations", "stopReason", "learningRateUsed", "lossHistory", "gradientNormHistory",
                "lossHistoryIterations", "dualityGap")) {
            assertEquals(a.get("result").get(field), b.get("result").get(field), field);
        }
    }

    /**
     * A child fit: its options, and the signal it gets in a JVM of its own ({@code TERM} or {@code INT}, 0.1 s after its first
     * checkpoint), or none: then it shares a JVM killed with SIGKILL once every such checkpoint is past iteration 0.
     */
    private record Case(String name, List<String> args, String signal) {
        Path folder() {
            return dir.resolve("ck-" + name);
        }

        Path err() {
            return dir.resolve("err-" + name + ".txt");
        }

        Path never() {
            return dir.resolve("never-" + name + ".json");
        }

        boolean signalled() {
            return !signal.isEmpty();
        }

        List<String> line() {
            return with(args, "--checkpoint", folder().toString(), "--checkpoint-every", signalled() ? "3600" : "0.05",
                    "--out", never().toString());
        }
    }

    /**
     * Every gradient solver fits in a child JVM (all at once, one thread each: a JVM's start-up is most of the cost), killed
     * with SIGKILL once every checkpoint is past iteration 0; two gd fits in JVMs of their own get SIGTERM and SIGINT 0.1 s
     * after their first checkpoint (iteration 0; the interval is an hour, so only the signal can make the next one). Each
     * is then resumed here and compared with the uninterrupted fit. Each fit would run ~0.3–0.5 s alone. (Run the build
     * in the foreground: a shell starts background jobs with SIGINT ignored, and a JVM keeps it ignored.)
     */
    @Test
    void everyGradientSolverKilledMidFitResumesToTheUninterruptedModel() throws Exception {
        List<Case> cases = List.of(
                new Case("gd", fit("--solver", "gd", "--lr", "0.002", "--tol", "0", "--iterations", "3000"), ""),
                new Case("nesterov", fit("--solver", "nesterov", "--lr", "0.0002", "--tol", "0", "--iterations", "3000"), ""),
                new Case("cg", fit("--solver", "cg", "--tol", "0", "--iterations", "3000"), ""),
                // epochs of 6,000 rows take milliseconds in the native loop: enough of them to outlast the first checkpoints
                new Case("sgd", fit("--solver", "sgd", "--lr", "0.0005", "--tol", "0", "--iterations", "300"), ""),
                new Case("minibatch", fit("--solver", "minibatch", "--batch-size", "8", "--tol", "0", "--iterations", "300"), ""),
                new Case("fista", fit("--solver", "nesterov", "--penalty", "l1", "--alpha", "0.01", "--tol", "0", "--iterations", "3000"), ""),
                new Case("ista", fit("--solver", "gd", "--penalty", "l1", "--alpha", "0.01", "--tol", "0", "--iterations", "3000"), ""),
                new Case("term", fit("--solver", "gd", "--lr", "0.002", "--tol", "0", "--iterations", "8000"), "TERM"),
                new Case("int", fit("--solver", "gd", "--lr", "0.001", "--tol", "0", "--iterations", "8000"), "INT"));
        List<String> many = new ArrayList<>();
        java.util.Map<Case, Process> own = new java.util.LinkedHashMap<>();
        for (Case c : cases) {
            if (c.signalled()) {
                own.put(c, child(Main.class, c.line(), c.err()));
            } else {
                many.addAll(many.isEmpty() ? c.line() : with(List.of("--next"), c.line().toArray(new String[0])));
            }
        }
        Path manyErr = dir.resolve("err-many.txt");
        Process killed = child(ManyFits.class, many, manyErr);
        java.util.Map<Case, Long> seen = new java.util.HashMap<>();
        java.util.Set<Case> signalled = new java.util.HashSet<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (killed.isAlive() || signalled.size() < own.size()) {
                assertTrue(System.nanoTime() < deadline, "no checkpoints past iteration 0 within 120 s");
                int past = 0;
                for (Case c : cases) {
                    Path manifest = c.folder().resolve("checkpoint.json");
                    if (!Files.exists(manifest) || signalled.contains(c) || !c.signalled() && !killed.isAlive()) {
                        continue;
                    }
                    JsonNode m = JSON.readTree(manifest.toFile());
                    assertFalse(m.get("finished").asBoolean(), c.name() + " ended before it could be stopped: make it longer");
                    if (c.signalled()) {
                        assertTrue(own.get(c).isAlive(), Files.readString(c.err()));
                        seen.putIfAbsent(c, System.nanoTime());
                        if (System.nanoTime() - seen.get(c) > 100_000_000L) {
                            Process kill = new ProcessBuilder("kill", "-" + c.signal(), Long.toString(own.get(c).pid())).start();
                            assertEquals(0, kill.waitFor());
                            signalled.add(c);
                        }
                    } else if (m.get("iteration").asLong() > 0) {
                        past++;
                    }
                }
                if (killed.isAlive() && past == cases.size() - own.size()) {
                    killed.destroyForcibly(); // SIGKILL
                    assertTrue(killed.waitFor(60, TimeUnit.SECONDS));
                }
                assertTrue(killed.isAlive() || killed.exitValue() == 137, "the fits ended early: " + Files.readString(manyErr));
                Thread.sleep(5);
            }
            for (Process p : own.values()) {
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            }
        } finally {
            killed.destroyForcibly();
            own.values().forEach(Process::destroyForcibly);
        }
        for (Case c : cases) {
            assertFalse(Files.exists(c.never()), c.name() + ": a killed or interrupted fit writes no model");
            long at = JSON.readTree(c.folder().resolve("checkpoint.json").toFile()).get("iteration").asLong();
            assertTrue(at > 0, c.name() + " checkpoint at " + at);
            if (c.signalled()) {
                String err = Files.readString(c.err(), StandardCharsets.UTF_8);
                assertEquals(c.signal().equals("TERM") ? 143 : 130, own.get(c).exitValue(), err);
                assertEquals("downhill: interrupted at iteration " + at + "; checkpoint saved in " + c.folder() + " (continue with --resume "
                        + c.folder() + "); no model written", err.strip());
            }
            Path resumed = dir.resolve("resumed-" + c.name() + ".json");
            // the signalled cases resume without --checkpoint (saving nothing); the others keep saving into their folder
            List<String> resume = c.signalled() ? with(c.args(), "--resume", c.folder().toString())
                    : with(c.args(), "--resume", c.folder().toString(), "--checkpoint", c.folder().toString());
            CliRun r = run(with(resume, "--out", resumed.toString()));
            assertEquals(0, r.code(), r.err());
            JsonNode result = JSON.readTree(resumed.toFile()).get("result");
            assertEquals(at, result.get("resumedFromIteration").asLong(), "the resumed run started at the checkpoint, past 0");
            assertTrue(result.get("wallTimeSeconds").asDouble() >= result.get("resumedRunSeconds").asDouble());
            assertEquals(!c.signalled(), JSON.readTree(c.folder().resolve("checkpoint.json").toFile()).get("finished").asBoolean(),
                    c.name());

            Path full = dir.resolve("full-" + c.name() + ".json");
            CliRun u = run(with(c.args(), "--out", full.toString()));
            assertEquals(0, u.code(), u.err());
            assertSameModel(full, resumed);
        }
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    /**
     * A checkpoint the library saved before 2026-12-02 under invtime with a fixed rate and standardize auto (tall X left
     * unstandardized; no invtimeStandardization in its fingerprint) is refused, the difference named in the command
     * line's words; the same checkpoint with an automatic rate (what fit always saved there, dropping --lr) resumes.
     */
    @Test
    void anInvtimeCheckpointOfTheOldUnstandardizedDefaultIsRefused() throws IOException {
        Path folder = dir.resolve("ck-invtime");
        List<String> args = fit("--solver", "sgd", "--schedule", "invtime:0.05,50", "--iterations", "3", "--tol", "0");
        assertEquals(0, run(with(args, "--checkpoint", folder.toString())).code());
        Path manifest = folder.resolve("checkpoint.json");
        com.fasterxml.jackson.databind.node.ObjectNode m = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(manifest.toFile());
        com.fasterxml.jackson.databind.node.ObjectNode fingerprint = (com.fasterxml.jackson.databind.node.ObjectNode) m.get("fingerprint");
        assertEquals("on", fingerprint.remove("invtimeStandardization").asText());
        assertEquals("auto", fingerprint.get("learningRate").asText(), "fit does not pass --lr on under invtime");
        Files.write(manifest, JSON.writeValueAsBytes(m));
        CliRun saved = run(with(args, "--lr", "0.01", "--resume", folder.toString()));
        assertEquals(0, saved.code(), saved.err());

        fingerprint.put("learningRate", "0.01"); // as the library recorded a fixed rate
        Files.write(manifest, JSON.writeValueAsBytes(m));
        CliRun old = run(with(args, "--resume", folder.toString()));
        assertEquals(1, old.code());
        assertEquals("downhill: checkpoint " + folder + " is of another fit: the default standardization under --schedule invtime "
                + "(until 2026-12-02 a fixed learning rate given to the library turned it off on tall X; --lr decides nothing "
                + "there now) was off when the checkpoint was saved, now on", old.err().strip());
    }

    @Test
    void aFinishedCheckpointWritesTheFinalModelAndTheFingerprintNamesWhatDiffers() throws IOException {
        Path folder = dir.resolve("ck-normal");
        Path first = dir.resolve("normal.json");
        List<String> args = fit("--solver", "normal", "--penalty", "l2", "--alpha", "0.1");
        assertEquals(0, run(with(args, "--checkpoint", folder.toString(), "--out", first.toString())).code());
        Path again = dir.resolve("normal-again.json");
        CliRun r = run(with(args, "--resume", folder.toString(), "--out", again.toString()));
        assertEquals(0, r.code(), r.err());
        assertSameModel(first, again);

        CliRun other = run(fit("--solver", "normal", "--penalty", "l2", "--alpha", "0.2", "--resume", folder.toString()));
        assertEquals(1, other.code());
        assertEquals("downhill: checkpoint " + folder + " is of another fit: the penalty was --penalty l2 --alpha 0.1 when the checkpoint "
                + "was saved, now --penalty l2 --alpha 0.2",
                other.err().strip());
        // without --quiet: the "resuming from" note comes once the fit has accepted the checkpoint, never before a refusal
        List<String> loud = new ArrayList<>(fit("--solver", "normal", "--penalty", "l2", "--alpha", "0.2", "--resume", folder.toString()));
        loud.remove("--quiet");
        CliRun refused = run(loud);
        assertEquals(1, refused.code());
        assertEquals(other.err().strip(), refused.err().strip(), "the refusal alone, one line");
        List<String> accepted = new ArrayList<>(with(args, "--resume", folder.toString(), "--out", dir.resolve("normal-loud.json").toString()));
        accepted.remove("--quiet");
        CliRun loudRun = run(accepted);
        assertEquals(0, loudRun.code(), loudRun.err());
        assertTrue(loudRun.err().contains("downhill: note: resuming from " + folder + ": "), loudRun.err());

        CliRun missing = run(fit("--resume", dir.resolve("nowhere").toString()));
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("checkpoint " + dir.resolve("nowhere") + " does not exist"), missing.err());

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        CliRun notFolder = run(fit("--checkpoint", file.toString()));
        assertEquals(1, notFolder.code());
        assertTrue(notFolder.err().contains("cannot create checkpoint folder " + file + ": it exists and is not a folder"), notFolder.err());

        CliRun cv = run(fit("--penalty", "l2", "--alpha", "auto", "--checkpoint", folder.toString()));
        assertEquals(2, cv.code());
        assertTrue(cv.err().contains("--checkpoint does not work with --alpha auto yet"), cv.err());

        CliRun every = run(fit("--solver", "svd", "--checkpoint-every", "5"));
        assertEquals(0, every.code());
        assertTrue(every.err().contains("--checkpoint-every does nothing without --checkpoint"), every.err());
    }

    /**
     * Equivalent options resume: a checkpoint saved with {@code --threads C} (C: the machine's cores) resumes without
     * {@code --threads} (every core: the same threads) to the uninterrupted fit's model; so do checkpoints that recorded
     * the count asked for (as saved before the effective count was recorded, with {@code default} and the cores too) and an
     * option the solver ignores ({@code --seed} with cg, recorded before it was dropped); another thread count is refused,
     * naming it.
     */
    @Test
    void equalEffectiveThreadsAndIgnoredOptionsResume() throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        List<String> cg = List.of("fit", "--x", x, "--y", y, "--quiet", "--solver", "cg", "--tol", "0", "--iterations", "40");
        Path folder = dir.resolve("ck-threads");
        Path full = dir.resolve("threads-full.json");
        assertEquals(0, run(with(cg, "--threads", Integer.toString(cores), "--checkpoint", folder.toString(), "--out",
                dir.resolve("threads-saved.json").toString())).code());
        assertEquals(0, run(with(cg, "--out", full.toString())).code());
        Path resumed = dir.resolve("threads-resumed.json");
        CliRun r = run(with(cg, "--resume", folder.toString(), "--out", resumed.toString()));
        assertEquals(0, r.code(), r.err());
        assertSameModel(full, resumed);

        Path manifest = folder.resolve("checkpoint.json");
        com.fasterxml.jackson.databind.node.ObjectNode m = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(manifest.toFile());
        com.fasterxml.jackson.databind.node.ObjectNode f = (com.fasterxml.jackson.databind.node.ObjectNode) m.get("fingerprint");
        assertEquals(Integer.toString(cores), f.get("threads").asText());
        String options = f.get("backendOptions").asText();
        assertTrue(options.startsWith("BackendOptions[") && !options.contains("threads"), options);
        java.util.function.Function<String, String> asked = t -> options.replace("BackendOptions[", "BackendOptions[threads=" + t
                + (options.equals("BackendOptions[]") ? "" : ", "));
        f.remove("threads");
        f.put("seed", "7");
        for (String[] old : new String[][] {{Integer.toString(cores), null}, {"default", Integer.toString(cores)}}) {
            f.put("backendOptions", asked.apply(old[0]));
            if (old[1] != null) {
                f.put("cores", old[1]);
            }
            JSON.writeValue(manifest.toFile(), m);
            Path back = dir.resolve("threads-old-" + old[0] + ".json");
            CliRun o = run(with(cg, "--resume", folder.toString(), "--out", back.toString()));
            assertEquals(0, o.code(), o.err());
            assertSameModel(full, back);
        }
        f.put("backendOptions", asked.apply(Integer.toString(cores + 1)));
        f.remove("cores");
        JSON.writeValue(manifest.toFile(), m);
        CliRun other = run(with(cg, "--resume", folder.toString()));
        assertEquals(1, other.code());
        assertEquals("downhill: checkpoint " + folder + " is of another fit: the thread count the backend ran on (--threads, capped; "
                + "without it, every core) was " + (cores + 1) + " when the checkpoint was saved, now " + cores, other.err().strip());
    }

    /** --init does nothing with normal: a checkpoint saved with it resumes without it, and the reverse. */
    @Test
    void anInitialPointTheSolverIgnoresDoesNotDecideAResume() throws IOException {
        Path warm = dir.resolve("warm.json");
        assertEquals(0, run(fit("--solver", "gd", "--iterations", "3", "--out", warm.toString())).code());
        List<String> normal = fit("--solver", "normal");
        Path full = dir.resolve("normal-full.json");
        assertEquals(0, run(with(normal, "--out", full.toString())).code());
        Path with = dir.resolve("ck-normal-init");
        Path without = dir.resolve("ck-normal-no-init");
        assertEquals(0, run(with(normal, "--init", warm.toString(), "--checkpoint", with.toString())).code());
        assertEquals(0, run(with(normal, "--checkpoint", without.toString())).code());
        Path a = dir.resolve("normal-resumed-without-init.json");
        CliRun r = run(with(normal, "--resume", with.toString(), "--out", a.toString()));
        assertEquals(0, r.code(), r.err());
        assertSameModel(full, a);
        Path b = dir.resolve("normal-resumed-with-init.json");
        r = run(with(normal, "--init", warm.toString(), "--resume", without.toString(), "--out", b.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("--init does nothing with --solver normal"), r.err());
        assertSameModel(full, b);
    }

    @Test
    void initWarmStartsFromAModelFile() throws IOException {
        // gd with a fixed step: 5 steps, then 7 from their answer, are the 12 steps from 0 exactly (θ alone decides a step)
        Path five = dir.resolve("five.json");
        Path seven = dir.resolve("seven.json");
        Path twelve = dir.resolve("twelve.json");
        List<String> gd = fit("--solver", "gd", "--lr", "0.01", "--tol", "0");
        assertEquals(0, run(with(gd, "--iterations", "5", "--out", five.toString())).code());
        CliRun w = run(with(gd, "--iterations", "7", "--init", five.toString(), "--out", seven.toString()));
        assertEquals(0, w.code(), w.err());
        assertEquals(0, run(with(gd, "--iterations", "12", "--out", twelve.toString())).code());
        JsonNode continued = JSON.readTree(seven.toFile());
        JsonNode straight = JSON.readTree(twelve.toFile());
        assertEquals(straight.get("coefficients"), continued.get("coefficients"));
        assertEquals(straight.get("intercept"), continued.get("intercept"));
        assertTrue(!straight.get("coefficients").equals(JSON.readTree(five.toFile()).get("coefficients")));
        JsonNode init = continued.get("hyperparameters").get("initialCoefficients");
        assertEquals("given", init.get("kind").asText());
        assertEquals(JSON.readTree(five.toFile()).get("coefficients"), init.get("values"));
        Path exact = five;

        Files.writeString(dir.resolve("X3.csv"), "a,b,c\n1,2,3\n2,3,5\n3,5,7\n4,4,9\n");
        CliRun wrong = CliRun.of("fit", "--data", dir.resolve("X3.csv").toString(), "--init", exact.toString());
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().contains("--init " + exact + " has 12 coefficients but X has 2 columns"), wrong.err());

        CliRun direct = run(fit("--solver", "normal", "--init", exact.toString()));
        assertEquals(0, direct.code());
        assertTrue(direct.err().contains("--init does nothing with --solver normal"), direct.err());
    }
}
