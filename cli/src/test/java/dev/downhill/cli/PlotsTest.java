package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.downhill.CrossValidationReport;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;

/** The cross-validation plots' rule lines: one line where the rules agree (the second hid the first), drawn to be seen. */
class PlotsTest {
    private static CrossValidationReport report(double alphaMin, double alpha1se) {
        double[] alphas = {1, 0.1, 0.01};
        return new CrossValidationReport(5, "min", alphas, new double[] {3, 1, 2}, new double[] {0.1, 0.1, 0.1}, alphaMin,
                alpha1se, alphaMin, new double[][] {{0, 0}, {1, 0.5}, {2, 1}});
    }

    @Test
    void rulesThatAgreeDrawOneLineNamedForBoth() {
        XYChart same = Plots.crossValidationCurve(report(0.1, 0.1));
        assertEquals(List.of("mean MSE", "α min = 1se"), List.copyOf(same.getSeriesMap().keySet()));
        XYChart apart = Plots.crossValidationCurve(report(0.1, 1));
        assertEquals(List.of("mean MSE", "α min", "α 1se"), List.copyOf(apart.getSeriesMap().keySet()));
        assertEquals(Math.log10(1), apart.getSeriesMap().get("α 1se").getXData()[0], 0);
    }

    @Test
    void theChosenAlphaOnThePathIsASolidBlackLine() {
        XYChart path = Plots.coefficientPath(report(0.1, 0.1));
        var line = path.getSeriesMap().get("chosen α");
        assertEquals(java.awt.Color.BLACK, line.getLineColor());
        assertEquals(2f, line.getLineWidth(), 0);
    }
}
