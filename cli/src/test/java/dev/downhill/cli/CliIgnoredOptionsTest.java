package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.Precision;
import dev.downhill.io.NpyWriter;
import java.io.IOException;
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

    /** 200 × 3 float64, y = 2x₀ − x₁ + 0.5x₂ + 1 + 0.1·N(0,1). */
    @BeforeEach
    void data() {
        int m = 200;
        double[] xs = new double[3 * m];
        double[] ys = new double[m];
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

    private static List<String> warnings(CliRun r) {
        return r.err().lines().filter(l -> l.startsWith("downhill: warning: ")).collect(Collectors.toList());
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
        CliRun scaling = fit("--solver", "sgd", "--schedule", "invscaling:0.5", "--lr", "0.001", "--iterations", "3", "--quiet");
        assertEquals(0, scaling.code(), scaling.err());
        assertEquals("", scaling.err(), "invscaling's steps are η₀/(t + 1)^P: --lr is used");
    }

    /**
     * A divergence under invtime names the schedule's T0/T1 and advises on them — not a smaller --lr, nor --lr auto, which
     * do nothing there — with or without --lr given.
     */
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
}
