package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The kernels' logic, checked on the host: g++ compiles the very same {@code downhill_kernels.cu}
 * under {@code src/test/cpp/host_emulation.h} (every thread of a block a real thread, barriers,
 * per-block and distributed shared memory, the device's block-sum order) into
 * {@code src/test/cpp/kernel_harness.cpp}, which checks every kernel against float64 references and
 * exits non-zero on any failure. One build and run per kernel shape below (compiled in parallel);
 * needs no GPU; skipped without g++.
 */
class HostEmulationTest {
    /** The module directory: surefire runs in it; an IDE may run from the repository root. */
    private static final Path MODULE = Files.isDirectory(Path.of("src", "test", "cpp")) ? Path.of("") : Path.of("cuda-backend");
    private static final Path KERNELS = MODULE.resolve(Path.of("src", "main", "resources", "dev", "downhill", "cuda", "downhill_kernels.cu"));
    private static final Path HEADER = MODULE.resolve(Path.of("src", "test", "cpp", "host_emulation.h"));
    private static final Path HARNESS = MODULE.resolve(Path.of("src", "test", "cpp", "kernel_harness.cpp"));
    private static final Path OUT = MODULE.resolve(Path.of("target", "host-emulation"));

    private static final long COMPILE_TIMEOUT_S = 180;
    private static final long RUN_TIMEOUT_S = 120;

    /** One compilation of the kernels: the macros KernelCompiler sets. */
    record Shape(String real, int threads, int kpt, int cluster, int rows, int stages) {
        Shape(String real, int threads, int kpt, int cluster, int rows) {
            this(real, threads, kpt, cluster, rows, 0);
        }

        String name() {
            return real + "-t" + threads + "-k" + kpt + "-c" + cluster + "-r" + rows + (stages > 0 ? "-s" + stages : "");
        }

        List<String> defines() {
            return List.of("-DREAL=" + real, "-DTHREADS=" + threads, "-DKPT=" + kpt, "-DCLUSTER=" + cluster, "-DROWS=" + rows,
                    "-DSTAGES=" + stages);
        }

        /** The register path's shape of a staged one. */
        Shape unstaged() {
            return new Shape(real, threads, kpt, cluster, rows, 0);
        }
    }

    /**
     * Every (CLUSTER, ROWS) pair once (cluster double-buffering against row groups), with REAL float
     * and double, THREADS 32 and 64 (one and two warps), KPT 1 to 3 spread over them. Blocks stay small
     * so that the emulation's thread counts do (at most 4 × 64 = 256 threads per cluster).
     */
    static final List<Shape> SHAPES = List.of(
            new Shape("float", 32, 1, 1, 1),
            new Shape("double", 64, 2, 1, 2),
            new Shape("float", 64, 3, 1, 3),
            new Shape("double", 32, 3, 2, 1),
            new Shape("float", 32, 2, 2, 2),
            new Shape("double", 64, 1, 2, 3),
            new Shape("float", 64, 2, 4, 1),
            new Shape("double", 32, 1, 4, 2),
            new Shape("float", 32, 3, 4, 3),
            // X staged through shared memory (cp.async emulated as deferred copies): 2, 3 and 4 stages, with and without
            // clusters; each must give its register shape's bits (the BITS lines of the harness)
            new Shape("double", 64, 2, 1, 2, 2),
            new Shape("float", 32, 3, 4, 3, 3),
            new Shape("double", 32, 3, 2, 1, 4));

    /** Exit status and output of one process. */
    record Outcome(int exit, String output) {}

    @TestFactory
    Stream<DynamicTest> everyKernelMatchesItsReferenceOnTheHost() throws IOException {
        Assumptions.assumeTrue(available("g++"), "g++ not found");
        assertTrue(Files.isRegularFile(KERNELS), KERNELS.toAbsolutePath() + " missing");
        Files.createDirectories(OUT);

        int parallel = Math.max(1, Math.min(SHAPES.size(), Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "host-emulation");
            t.setDaemon(true);
            return t;
        });
        List<Future<Outcome[]>> results = new ArrayList<>();
        for (Shape shape : SHAPES) {
            results.add(pool.submit(() -> buildAndRun(shape)));
        }
        pool.shutdown();   // the submitted builds still run

        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < SHAPES.size(); i++) {
            Shape shape = SHAPES.get(i);
            Future<Outcome[]> result = results.get(i);
            tests.add(DynamicTest.dynamicTest(shape.name(), () -> {
                Outcome[] outcome;
                try {
                    outcome = result.get(COMPILE_TIMEOUT_S + RUN_TIMEOUT_S + 60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    throw new AssertionError(shape.name() + ": " + e.getCause(), e.getCause());
                } catch (TimeoutException e) {
                    result.cancel(true);
                    throw new AssertionError(shape.name() + ": no result in time", e);
                }
                Outcome compile = outcome[0];
                assertEquals(0, compile.exit(), () -> "g++ failed for " + shape.name() + ":\n" + compile.output());
                Outcome run = outcome[1];
                assertEquals(0, run.exit(), () -> "kernel harness failed for " + shape.name() + " (exit " + run.exit()
                        + "):\n" + run.output());
                assertTrue(run.output().contains("OK:"), () -> "no summary line from the harness:\n" + run.output());
                if (shape.stages() > 0) {
                    int plain = SHAPES.indexOf(shape.unstaged());
                    assertTrue(plain >= 0, shape.name() + " needs its register shape in SHAPES");
                    List<String> staged = bits(run.output());
                    List<String> registers = bits(results.get(plain).get()[1].output());
                    assertFalse(staged.isEmpty(), "no BITS lines:\n" + run.output());
                    assertEquals(registers, staged, shape.name() + ": the staged kernel's bits differ from the register path's");
                }
            }));
        }
        return tests.stream();
    }

    /** The harness's "BITS …" lines (hashes of the fused kernel's outputs), in order. */
    private static List<String> bits(String output) {
        return output.lines().filter(l -> l.startsWith("BITS ")).toList();
    }

    /** Compiles the harness for {@code shape} into target/host-emulation and runs it: {compile, run}. */
    private static Outcome[] buildAndRun(Shape shape) throws IOException, InterruptedException {
        Path binary = OUT.resolve("kernel_harness-" + shape.name());
        List<String> compile = new ArrayList<>(List.of("g++", "-O1", "-std=c++20", "-pthread", "-DDOWNHILL_HOST_EMULATION",
                "-include", HEADER.toString()));
        compile.addAll(shape.defines());
        compile.addAll(List.of("-DDH_KERNELS_FILE=\"" + KERNELS.toAbsolutePath() + "\"",
                HARNESS.toString(), "-o", binary.toString()));
        Files.deleteIfExists(binary);
        Outcome built = run(compile, OUT.resolve("compile-" + shape.name() + ".log"), COMPILE_TIMEOUT_S);
        if (built.exit() != 0) {
            return new Outcome[] {
                new Outcome(built.exit(), String.join(" ", compile) + "\n" + built.output()), null};
        }
        Outcome ran = run(List.of(binary.toAbsolutePath().toString()), OUT.resolve("run-" + shape.name() + ".log"), RUN_TIMEOUT_S);
        return new Outcome[] {built, ran};
    }

    /** Runs a command, its output (stdout and stderr) to {@code log}; exit 124 if it ran past the timeout. */
    private static Outcome run(List<String> command, Path log, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("DH_HARNESS_TIMEOUT_S", Long.toString(timeoutSeconds - 10));
        Process process = builder.start();
        int exit;
        if (process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            exit = process.exitValue();
        } else {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            exit = 124;
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        return new Outcome(exit, exit == 124 ? output + "\n(timed out after " + timeoutSeconds + " s)" : output);
    }

    private static boolean available(String program) {
        try {
            Process p = new ProcessBuilder(program, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
