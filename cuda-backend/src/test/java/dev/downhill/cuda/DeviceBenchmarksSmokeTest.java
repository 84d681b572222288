package dev.downhill.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU benchmarks' code paths at toy sizes (events, device-generated data, both strategies, the
 * device copy, streaming with a small budget, the fit): not measurements — those need a real GPU.
 * Skipped without a device; runs under the fake device.
 */
class DeviceBenchmarksSmokeTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void requireDevice() {
        CudaDevice.assume();
    }

    @AfterEach
    void clear() {
        System.clearProperty(CudaMemoryBudget.PROPERTY);
        System.clearProperty(CudaMemoryBudget.CHUNK_PROPERTY);
    }

    @Test
    void stepBenchmarkRunsAndReportsBothStrategiesAndTheirAgreement() throws Exception {
        Path out = dir.resolve("step.json");
        DeviceStepBenchmark.main(new String[] {"--rows", "96", "--cols", "300", "--steps", "2", "--warmup", "1",
            "--repeats", "1", "--copy-gib", "0.001", "--staged", "2x2,9x1", "--out", out.toString()});
        String json = Files.readString(out);
        for (String key : new String[] {"fusedMsPerStep", "cublasMsPerStep", "copyGBps", "fusedFractionOfCopy", "fusedShape",
            "stagedMsPerStep", "stagedFractionOfCopy", "staged2x2MsPerStep", "staged2x2Shape", "staged9x1Error"}) {
            assertTrue(json.contains("\"" + key + "\""), key + " in " + json);
        }
        // the staged kernel is the fused kernel's arithmetic: the same gradient bits on the same grid
        assertTrue(json.contains("\"stagedSameBitsAsFused\": true"), json);
        assertTrue(json.contains("\"staged2x2SameBitsAsFused\": true"), json);
        double difference = Double.parseDouble(json.replaceAll("(?s).*\"gradientRelativeDifference\": ([^,\\n]+).*", "$1"));
        assertTrue(difference < 1e-4, "fused vs cuBLAS gradient on the device (float32): " + difference);
    }

    @Test
    void streamBenchmarkStreamsAndFits() throws Exception {
        // the work buffers scale with the device's cluster count: a real GPU needs a larger budget than the fake
        System.setProperty(CudaMemoryBudget.CHUNK_PROPERTY, "16k");
        System.setProperty(CudaMemoryBudget.PROPERTY, CudaDevice.FAKE ? "160k" : "4m");
        String rows = CudaDevice.FAKE ? "4000" : "40000";
        Path out = dir.resolve("stream.json");
        DeviceStreamBenchmark.main(new String[] {"--rows", rows, "--cols", "24", "--steps", "1", "--repeats", "1",
            "--copy-gib", "0.001", "--iterations", "5", "--out", out.toString()});
        String json = Files.readString(out);
        assertTrue(json.contains("\"fractionOfHostToDevice\""), json);
        assertTrue(json.contains("\"fitIterations\""), json);
        long resident = Long.parseLong(json.replaceAll("(?s).*\"residentChunks\": (\\d+).*", "$1"));
        long chunks = Long.parseLong(json.replaceAll("(?s).*\"chunks\": (\\d+).*", "$1"));
        assertTrue(resident < chunks, "streams: " + resident + " of " + chunks + " chunks resident");
        assertTrue(json.contains("\"pinned\": true"), "the streamed rows are page-locked: " + json);
        assertTrue(json.contains("\"hostToDevicePinned\": true"), json);
    }

    @Test
    void epochBenchmarkTimesBothLoopsAndFindsTheSameBits() throws Exception {
        Path out = dir.resolve("epochs.json");
        DeviceEpochBenchmark.main(new String[] {"--shapes", "300x6", "--batches", "1,7", "--positions", "70",
            "--per-batch-positions", "30", "--repeats", "1", "--out", out.toString()});
        String json = Files.readString(out);
        for (String key : new String[] {"deviceSecondsPerEpoch", "perBatchSecondsPerEpoch", "speedupOverPerBatch"}) {
            assertTrue(json.contains("\"" + key + "\""), key + " in " + json);
        }
        assertTrue(!json.contains("\"bitIdenticalToPerBatch\": false") && json.contains("\"bitIdenticalToPerBatch\": true"), json);
        assertTrue(json.contains("\"deviceEpoch\": true"), json);
    }

    @Test
    void csrBenchmarkTimesEveryStrategyAndComparesTheirGradients() throws Exception {
        Path out = dir.resolve("csr.json");
        DeviceCsrBenchmark.main(new String[] {"--shapes", "200x500x0.02", "--passes", "1", "--repeats", "1",
            "--copy-gib", "0.001", "--out", out.toString()});
        String json = Files.readString(out);
        for (String s : new String[] {"fused", "atomic", "cusparse"}) {
            assertTrue(json.contains("\"strategy\": \"" + s + "\""), s + " in " + json);
        }
        assertTrue(!json.contains("\"error\"") && json.contains("\"speedupOver_cusparse\"") && json.contains("\"fractionOfCopy\""),
                json);
        for (String d : json.split("\"gradientRelativeDifferenceToFused\": ")) {
            if (Character.isDigit(d.charAt(0))) {
                double difference = Double.parseDouble(d.replaceAll("(?s)^([0-9.eE+-]+).*", "$1"));
                assertTrue(difference < 1e-12, "float64 strategies agree with the fused kernel: " + difference);
            }
        }
    }

    @Test
    void preflightCompilesAndRunsBothStrategiesInBothPrecisions() throws Exception {
        Path out = dir.resolve("preflight.json");
        // 1000 columns: the kernels CudaAgreementTest compiles too (the fake device caches them on disk)
        DevicePreflight.main(new String[] {"--rows", "64", "--cols", "1000", "--out", out.toString()});
        String json = Files.readString(out);
        assertTrue(json.contains("\"available\": true"), json);
        assertTrue(json.contains("\"float64FusedVsCublas\""), json);
        assertTrue(json.contains("\"ok\": true"), json);
    }
}
