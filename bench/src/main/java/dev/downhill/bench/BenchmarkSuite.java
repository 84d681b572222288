package dev.downhill.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks of issue 5 with the contenders that can run on this machine (one "skipped
 * contender — backend: reason" line for each that cannot, e.g. cuda without a GPU):
 * {@link BackendStepBenchmark} (every backend and strategy × shapes × float32/float64),
 * {@link TransferBenchmark} (upload and device copy), {@link DirectSolveBenchmark} (SVD, normal
 * equations) and the read-bandwidth probes of {@link GradientStepBenchmark}. Each group writes JMH's
 * JSON into the output folder.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.downhill.bench.BenchmarkSuite [--smoke] [outDir]}.
 * {@code --smoke}: tiny shapes, one fork, no warm-up, one short iteration — it checks that every
 * benchmark still runs, it measures nothing worth keeping.
 */
public final class BenchmarkSuite {
    private BenchmarkSuite() {
    }

    public static void main(String[] args) throws RunnerException, java.io.IOException {
        boolean smoke = Arrays.asList(args).contains("--smoke");
        Path out = Path.of(Arrays.stream(args).filter(a -> !a.startsWith("--")).findFirst().orElse("bench/results/jmh"));
        Files.createDirectories(out);
        List<String> steps = BackendContender.available(BackendContender.ALL);
        List<String> transfers = BackendContender.available(List.of("cpu/native", "nd4j", "cuda/fused"));
        run(options(smoke, out.resolve("jmh-backend-step.json")).include(BackendStepBenchmark.class.getName())
                .param("contender", steps.toArray(String[]::new))
                .param("shape", smoke ? new String[] {"400x100", "100x400"} : new String[] {"20000x5000", "200000x500", "2000x50000"}));
        run(options(smoke, out.resolve("jmh-transfer.json")).include(TransferBenchmark.class.getName())
                .param("contender", transfers.toArray(String[]::new)).param("shape", smoke ? "400x100" : "20000x5000"));
        run(options(smoke, out.resolve("jmh-direct-solve.json")).include(DirectSolveBenchmark.class.getName())
                .param("shape", smoke ? new String[] {"400x20"} : new String[] {"20000x200", "20000x1000"}));
        ChainedOptionsBuilder probe = options(smoke, out.resolve("jmh-read-probe.json"))
                .include(GradientStepBenchmark.class.getName() + ".readProbe").param("kernel", "native");
        if (smoke) {
            probe.param("rows", "400").param("cols", "100");
        }
        run(probe);
    }

    private static ChainedOptionsBuilder options(boolean smoke, Path json) {
        ChainedOptionsBuilder b = new OptionsBuilder().resultFormat(ResultFormatType.JSON).result(json.toString()).shouldFailOnError(true);
        if (smoke) {
            b.forks(1).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(100));
        }
        return b;
    }

    private static void run(ChainedOptionsBuilder options) throws RunnerException {
        new Runner(options.build()).run();
    }
}
