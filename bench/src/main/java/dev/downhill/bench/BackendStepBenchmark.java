package dev.downhill.bench;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.RowSlice;
import java.util.Arrays;
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
 * One full-batch gradient g = (2/m)Xᵀ(Xθ + b − y) for every backend and strategy
 * ({@link BackendContender}: cpu fused native, cpu fused BLAS, cpu two sgemv/dgemv passes, nd4j, cuda
 * fused, cuda cuBLAS) over a grid of shapes (tall, square-ish, wide) in float32 and float64. X is
 * seeded ({@link SyntheticMatrix}, seed 42) and uploaded once per trial, outside the measurement
 * ({@link TransferBenchmark} times the upload). The fused operation returns ‖r‖² and Σr to the host,
 * so on a GPU the measured call includes the synchronisation that ends the step. Run through
 * {@link BenchmarkSuite}, which leaves out contenders that cannot run here and says why.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=0", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0"})
public class BackendStepBenchmark {
    @Param({"cpu/native", "cpu/blas", "cpu/two-pass", "nd4j"})
    public String contender;

    /** rows x cols. */
    @Param({"20000x5000", "200000x500", "2000x50000"})
    public String shape;

    @Param({"float32", "float64"})
    public String precision;

    private Dataset data;
    private ResidentProblem problem;
    private BackendVector theta;
    private BackendVector gradient;
    private TwoPassSgemv twoPass;
    private double scale;

    @Setup(Level.Trial)
    public void setUp() {
        BackendContender c = BackendContender.parse(contender);
        String why = c.unavailableReason();
        if (why != null) {
            throw new IllegalStateException(why);
        }
        String[] s = shape.split("x");
        int rows = Integer.parseInt(s[0]);
        int cols = Integer.parseInt(s[1]);
        Dataset generated = SyntheticMatrix.float32(rows, cols, 42);
        data = precision.equals("float64") ? generated.toPrecision(Precision.FLOAT64) : generated;
        if (data != generated) {
            generated.close();
        }
        double[] t = new double[cols];
        Arrays.fill(t, 1.0 / cols);
        int threads = Runtime.getRuntime().availableProcessors();
        scale = 2.0 / rows;
        if (c.twoPass()) {
            twoPass = new TwoPassSgemv(data, t, threads);
            return;
        }
        problem = c.load(data, threads);
        theta = problem.allocateVector(cols);
        gradient = problem.allocateVector(cols);
        theta.copyFromHost(t);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (twoPass != null) {
            twoPass.close();
        }
        if (problem != null) {
            gradient.close();
            theta.close();
            problem.close();
        }
        data.close();
    }

    @Benchmark
    public double gradientStep() {
        if (twoPass != null) {
            return twoPass.step(0.1f);
        }
        return problem.gradient(theta, 0.1, 1.0, scale, RowSlice.all(), gradient).sumOfSquares();
    }
}
