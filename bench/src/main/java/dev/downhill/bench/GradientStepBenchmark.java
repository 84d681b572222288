package dev.downhill.bench;


import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.LinearRegression;
import dev.downhill.Solver;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * One full-batch gradient g = (2/m)Xᵀ(Xθ + b − y) on X of rows × cols float32, three ways, in
 * the same run as the machine's read bandwidth:
 * <ul>
 *   <li>{@code fusedGradient}: the CPU backend's fused kernel, X read once from memory: the native
 *       single-pass kernel ({@code kernel=native}) or the OpenBLAS blocked one ({@code kernel=blas});</li>
 *   <li>{@code twoPassSgemv}: two full {@code cblas_sgemv} calls, OpenBLAS on the same thread count
 *       (X read twice);</li>
 *   <li>{@code readProbeNative} / {@code readProbeSasum} / {@code readProbeJava}: one read of a
 *       {@value #PROBE_BYTES}-byte buffer with the same thread count (the fastest is the machine's read
 *       bandwidth).</li>
 * </ul>
 * bytes(X)/time of the fused step divided by the probe's bytes/time is the fraction of the
 * machine's read bandwidth the step achieves ({@link CpuStepReport} computes it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=6g", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0"})
public class GradientStepBenchmark {
    static final long PROBE_BYTES = 1L << 30;

    @Param({"20000"})
    public int rows;

    @Param({"5000"})
    public int cols;

    /** The CPU backend's full-pass kernel: native (single pass) or blas (blocked sgemv pairs). */
    @Param({"native", "blas"})
    public String kernel;

    /** 0: all cores. */
    @Param({"0"})
    public int threads;

    private Dataset data;
    private ResidentProblem problem;
    private BackendVector theta;
    private BackendVector gradient;
    private TwoPassSgemv twoPass;
    private ReadBandwidthProbe probe;
    private ExecutorService pool;
    private int threadCount;

    @Setup(Level.Trial)
    public void setUp() {
        threadCount = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        data = SyntheticMatrix.float32(rows, cols, 42);
        problem = dev.downhill.spi.Backends.load("cpu", data, null, dev.downhill.spi.BackendOptions.builder().threads(threadCount).cpuKernel(kernel).build());
        theta = problem.allocateVector(cols);
        gradient = problem.allocateVector(cols);
        double[] t = new double[cols];
        for (int j = 0; j < cols; j++) {
            t[j] = 1.0 / cols;
        }
        theta.copyFromHost(t);
        twoPass = new TwoPassSgemv(data, t, threadCount);
        pool = Executors.newFixedThreadPool(threadCount);
        probe = new ReadBandwidthProbe(PROBE_BYTES, threadCount, pool);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        probe.close();
        pool.shutdownNow();
        twoPass.close();
        gradient.close();
        theta.close();
        problem.close();
        data.close();
    }

    @Benchmark
    public ResidualSums fusedGradient() {
        return problem.gradient(theta, 0.1, 1.0, 2.0 / rows, RowSlice.all(), gradient);
    }

    /** r = Xθ + b − y (sgemv), then g = (2/m)Xᵀr (sgemv): OpenBLAS threaded over {@code threads}. */
    @Benchmark
    public float twoPassSgemv() {
        return twoPass.step(0.1f);
    }

    @Benchmark
    public double readProbeSasum() {
        return probe.sasum();
    }

    @Benchmark
    public double readProbeNative() {
        return probe.nativeSum();
    }

    @Benchmark
    public double readProbeJava() {
        return probe.javaLongSum();
    }
}
