package dev.downhill.bench;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Solver;
import dev.downhill.LoadedProblem;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The closed forms on the cpu backend, one solve per measured call (single-shot: a solve is long and
 * allocates its own float64 workspace): {@code svd} (dgelsd with column scaling and refinement) and
 * {@code normal} (Cholesky of the scaled XᵀX, refined), on seeded X of rows × cols float32; with {@code standardErrors}
 * the fit also computes the coefficients' standard errors (for normal, G⁻¹'s diagonal off the Cholesky factor), e.g.
 * {@code -p solver=normal -p shape=5000x2500 -p standardErrors=false,true}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 2, jvmArgsAppend = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=0", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0"})
public class DirectSolveBenchmark {
    @Param({"svd", "normal"})
    public String solver;

    @Param({"20000x200", "20000x1000"})
    public String shape;

    @Param({"false"})
    public boolean standardErrors;

    private Dataset data;
    private LoadedProblem problem;
    private FitConfig config;

    @Setup(Level.Trial)
    public void setUp() {
        String[] s = shape.split("x");
        data = SyntheticMatrix.float32(Integer.parseInt(s[0]), Integer.parseInt(s[1]), 42);
        problem = LinearRegression.load(data, FitConfig.builder().backend("cpu").build());
        config = FitConfig.builder().solver(Solver.parse(solver)).standardErrors(standardErrors).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        problem.close();
        data.close();
    }

    @Benchmark
    public FittedModel solve() {
        return LinearRegression.fit(problem, config);
    }
}
