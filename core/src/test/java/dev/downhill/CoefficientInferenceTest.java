package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The record's arithmetic and its place in the model file (the statistics themselves: CoefficientInferenceCpuTest). */
class CoefficientInferenceTest {
    @TempDir
    Path dir;

    @Test
    void theFormulasOnHandValues() {
        // θ = (2, −1), b = 3; (G⁻¹)ⱼⱼ = (0.25, 4), x̄ᵀG⁻¹x̄ = 0.5, Σw = 8, Σwr² = 18, ν = 9 → σ̂² = 2
        CoefficientInference s = CoefficientInference.of(new double[] {2, -1}, 3, true, new double[] {0.25, 4}, 0.5, 8, 18, 9);
        assertEquals(2, s.residualVariance(), 0);
        assertEquals(Math.sqrt(0.5), s.standardErrors()[0], 1e-16);
        assertEquals(Math.sqrt(8), s.standardErrors()[1], 1e-15);
        assertEquals(2 / Math.sqrt(0.5), s.tValues()[0], 1e-15);
        assertEquals(Math.sqrt(2 * (1.0 / 8 + 0.5)), s.interceptStandardError(), 1e-15); // σ̂²(1/Σw + x̄ᵀG⁻¹x̄)
        // SciPy: 2*t.sf(2/sqrt(0.5), 9) = 0.019765…; 2*t.sf(1/sqrt(8), 9) = 0.73182…
        assertEquals(new dev.downhill.internal.inference.StudentT(9).twoSidedPValue(2 / Math.sqrt(0.5)), s.pValues()[0], 0);
        assertTrue(s.pValues()[0] > 0.0197 && s.pValues()[0] < 0.0198, "" + s.pValues()[0]);
        assertTrue(s.pValues()[1] > 0.7318 && s.pValues()[1] < 0.7319, "" + s.pValues()[1]);
        // no intercept: its statistics are NaN; ν ≤ 0: everything is
        CoefficientInference origin = CoefficientInference.of(new double[] {2}, 0, false, new double[] {1}, 0, 8, 18, 9);
        assertTrue(Double.isNaN(origin.interceptStandardError()) && Double.isNaN(origin.interceptPValue()));
        CoefficientInference none = CoefficientInference.of(new double[] {2}, 1, true, new double[] {1}, 0, 8, 18, 0);
        assertTrue(Double.isNaN(none.standardErrors()[0]) && Double.isNaN(none.pValues()[0]) && Double.isNaN(none.interceptPValue()));
        assertThrows(IllegalArgumentException.class,
                () -> new CoefficientInference(new double[2], new double[1], new double[2], true, 0, 0, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, // no intercept, yet its statistics
                () -> new CoefficientInference(new double[1], new double[1], new double[1], false, 0.5, 1, 0.3, 1, 1));
    }

    @Test
    void theModelFileCarriesThemOnlyWhenComputed() throws Exception {
        FitConfig config = FitConfig.builder().solver(Solver.NORMAL).standardErrors(true).build();
        FittedModel plain = new FittedModel(new double[] {1.5, 0}, 0.25, Solver.NORMAL, "cpu", Precision.FLOAT64, 10, 0,
                StopReason.DIRECT_SOLUTION, new double[0], new double[0], Duration.ofMillis(3), Double.NaN, -1, config,
                new ConvergenceReport(false, new int[] {1}, Double.NaN));
        CoefficientInference s = new CoefficientInference(new double[] {0.5, Double.NaN}, new double[] {3, Double.NaN},
                new double[] {0.0171, Double.NaN}, true, 0.125, 2, 0.0805, 7, 0.875);
        FittedModel model = plain.withInference(s);
        Path f = dir.resolve("m.json");
        ModelFile.write(f, model, null);
        String json = Files.readString(f);
        assertTrue(json.contains("\"standardErrors\" : [ 0.5, null ]") && json.contains("\"degreesOfFreedom\" : 7"), json);
        FittedModel back = ModelFile.read(f).model();
        assertEquals(s, back.inference().orElseThrow());
        assertTrue(back.config().standardErrors());

        Path g = dir.resolve("p.json");
        ModelFile.write(g, plain.withConfig(FitConfig.builder().solver(Solver.NORMAL).build()), null);
        String without = Files.readString(g);
        assertFalse(without.contains("standardErrors") || without.contains("degreesOfFreedom") || without.contains("pValues"), without);
        assertFalse(ModelFile.read(g).model().inference().isPresent());

        Files.writeString(f, json.replace("\"pValues\" : [ 0.0171, null ]", "\"pValues\" : [ 0.0171 ]"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFile.read(f));
        assertTrue(e.getMessage().contains("result.pValues"), e.getMessage());
    }
}
