package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The penalty value: its kinds, validation, value, and its round trip through FitConfig and the model file. */
class PenaltyTest {

    @Test
    void kindsFixTheMix() {
        assertEquals(0, Penalty.l2(0.3).l1Ratio());
        assertEquals(1, Penalty.l1(0.3).l1Ratio());
        assertEquals(0.25, Penalty.elasticNet(2, 0.25).l1Ratio());
        assertEquals(1.5, Penalty.elasticNet(2, 0.25).l2Strength(), 0);
        assertFalse(Penalty.none().isActive());
        assertFalse(Penalty.l1(0).hasL1(), "α = 0 is ordinary least squares");
        assertTrue(Penalty.elasticNet(1, 0.1).hasL1());
        assertEquals(Penalty.Kind.ELASTIC_NET, Penalty.Kind.parse("Elastic-Net"));
        assertEquals("elasticnet", Penalty.Kind.ELASTIC_NET.cliName());
        assertEquals(Penalty.none(), FitConfig.builder().build().penalty());
    }

    @Test
    void badValuesAreRefusedWithOneClearMessage() {
        assertEquals("penalty alpha must be a finite number ≥ 0, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> Penalty.l2(-1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Penalty.l1(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Penalty.l1(Double.POSITIVE_INFINITY));
        assertEquals("penalty l1 ratio must be in [0, 1], got 1.5",
                assertThrows(IllegalArgumentException.class, () -> Penalty.elasticNet(1, 1.5)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Penalty.elasticNet(1, Double.NaN));
        assertEquals("penalty factor 1 must be a finite number ≥ 0, got -2.0", assertThrows(IllegalArgumentException.class,
                () -> Penalty.l1(1).withPenaltyFactors(new double[] {1, -2})).getMessage());
        assertEquals("penalty factors: 2 given for 3 features", assertThrows(IllegalArgumentException.class,
                () -> Penalty.l1(1).withPenaltyFactors(new double[] {1, 2}).factors(3)).getMessage());
        for (Solver s : new Solver[] {Solver.CG, Solver.NORMAL, Solver.SVD}) {
            String m = assertThrows(IllegalArgumentException.class,
                    () -> FitConfig.builder().solver(s).penalty(Penalty.elasticNet(1, 0.5)).build()).getMessage();
            assertTrue(m.contains("cannot fit an l1 penalty") && m.contains("gd or nesterov"), m);
        }
        FitConfig.builder().solver(Solver.SVD).penalty(Penalty.l2(1)).build(); // l2 is fine everywhere
        FitConfig.builder().solver(Solver.CG).penalty(Penalty.l1(0)).build(); // α = 0: nothing to refuse
    }

    @Test
    void withAlphaKeepsTheKindAndRefusesNone() {
        double[] p = {0, 1, 2};
        assertEquals(Penalty.l2(0.5), Penalty.l2(3).withAlpha(0.5));
        assertEquals(Penalty.l1(0.5).withPenaltyFactors(p), Penalty.l1(3).withPenaltyFactors(p).withAlpha(0.5));
        assertEquals(Penalty.elasticNet(0.5, 0.25), Penalty.elasticNet(3, 0.25).withAlpha(0.5));
        assertEquals(Penalty.Kind.L1, Penalty.l1(1).withAlpha(0).kind());
        for (double alpha : new double[] {0, 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Penalty.none().withAlpha(alpha));
            assertEquals("the penalty none has no strength α to set: choose l2, l1 or elasticnet to give it one", e.getMessage());
        }
    }

    @Test
    void valueIsTheScikitLearnPenaltyTerm() {
        double[] theta = {1, -2, 0.5};
        // αρ‖θ‖₁ + α(1−ρ)/2‖θ‖² with α = 2, ρ = 0.25: 0.5·3.5 + 0.75·5.25
        assertEquals(0.5 * 3.5 + 0.75 * 5.25, Penalty.elasticNet(2, 0.25).value(theta), 1e-15);
        double[] p = {0, 1, 2};
        assertEquals(0.5 * (2 + 1) + 0.75 * (4 + 0.5), Penalty.elasticNet(2, 0.25).withPenaltyFactors(p).value(theta), 1e-15);
        assertArrayEquals(p, Penalty.l1(1).withPenaltyFactors(p).penaltyFactors(), 0);
    }

    @Test
    void modelFileRoundTripKeepsThePenaltyAndTheObjective() throws Exception {
        Penalty penalty = Penalty.elasticNet(0.1, 0.3).withPenaltyFactors(new double[] {1, 0, 2});
        FitConfig c = FitConfig.builder().solver(Solver.NESTEROV).penalty(penalty).build();
        FittedModel m = new FittedModel(new double[] {1.5, -2, 0}, 0.5, Solver.NESTEROV, "cpu", Precision.FLOAT64, 10, 3,
                StopReason.DUALITY_GAP, new double[] {3, 2, 1}, new double[] {1, 0.5, 0.1}, Duration.ofMillis(12), 0.1, -1, c,
                new ConvergenceReport(true, new int[0], Double.NaN).withPenaltyResult(0.25, 3e-11));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelFile.write(out, m, new Score(0.1, 0.9));
        String json = out.toString(java.nio.charset.StandardCharsets.UTF_8).replace(" ", "");
        assertTrue(json.contains("\"penalty\":\"elasticnet\"") && json.contains("\"alpha\":0.1")
                && json.contains("\"l1Ratio\":0.3") && json.contains("\"stopReason\":\"duality_gap\""), json);
        java.nio.file.Path file = java.nio.file.Files.createTempFile("penalty", ".json");
        java.nio.file.Files.write(file, out.toByteArray());
        FittedModel back = ModelFile.read(file).model();
        java.nio.file.Files.delete(file);
        assertEquals(penalty, back.config().penalty());
        assertEquals(StopReason.DUALITY_GAP, back.stopReason());
        assertEquals(0.25, back.report().objective());
        assertEquals(3e-11, back.report().dualityGap());
    }

    /** −0.0 is 0 in α, ρ and the factors: one value, one equality (as FitConfig folds it), and printed as 0.0. */
    @Test
    void negativeZeroIsZero() {
        assertEquals(Penalty.l2(0.0), Penalty.l2(-0.0));
        assertEquals(Penalty.l2(0.0).hashCode(), Penalty.l2(-0.0).hashCode());
        assertEquals("l2(alpha=0.0)", Penalty.l2(-0.0).toString().replace(" ", ""));
        assertEquals(Penalty.l1(1).withAlpha(0.0), Penalty.l1(1).withAlpha(-0.0));
        assertEquals(Penalty.elasticNet(1, 0.5).withPenaltyFactors(new double[] {0.0, 1}),
                Penalty.elasticNet(1, 0.5).withPenaltyFactors(new double[] {-0.0, 1}));
        assertEquals(FitConfig.builder().penalty(Penalty.l2(0.0)).build(), FitConfig.builder().penalty(Penalty.l2(-0.0)).build());
    }
}
