package dev.downhill.bench;

import dev.downhill.Dataset;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidentProblem;
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
 * Transfers, measured apart from compute: {@code upload} loads X (rows × cols float32) into a backend
 * and frees it again (host→device for a GPU; the cpu backend wraps the dataset's memory, so it measures
 * the bookkeeping); {@code deviceCopy} copies one 256 MiB vector into another inside the backend and
 * reads back their dot product (a host scalar: the copy has finished) — device memory bandwidth,
 * 3 × 256 MiB moved (copy read + write, dot read). The vectors belong to a second problem of one row
 * and 64 Mi columns (a backend's vectors have its problem's column count).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=0", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0"})
public class TransferBenchmark {
    static final long COPY_BYTES = 256L << 20;

    @Param({"cpu/native", "nd4j"})
    public String contender;

    @Param({"20000x5000"})
    public String shape;

    private Dataset data;
    private Dataset row;
    private ResidentProblem resident;
    private BackendVector from;
    private BackendVector to;
    private BackendContender backend;

    @Setup(Level.Trial)
    public void setUp() {
        backend = BackendContender.parse(contender);
        String why = backend.unavailableReason();
        if (why != null) {
            throw new IllegalStateException(why);
        }
        String[] s = shape.split("x");
        data = SyntheticMatrix.float32(Integer.parseInt(s[0]), Integer.parseInt(s[1]), 42);
        row = SyntheticMatrix.float32(1, (int) (COPY_BYTES / 4), 7);
        resident = backend.load(row, Runtime.getRuntime().availableProcessors());
        from = resident.allocateVector(COPY_BYTES / 4);
        to = resident.allocateVector(COPY_BYTES / 4);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        to.close();
        from.close();
        resident.close();
        row.close();
        data.close();
    }

    @Benchmark
    public long upload() {
        try (ResidentProblem p = backend.load(data, Runtime.getRuntime().availableProcessors())) {
            return p.rows();
        }
    }

    @Benchmark
    public double deviceCopy() {
        resident.copy(from, to);
        return resident.dot(to, to);
    }
}
