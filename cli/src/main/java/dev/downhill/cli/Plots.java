package dev.downhill.cli;

import dev.downhill.FittedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The PNG pictures of the CLI (XChart, headless): loss curve, fitted line, predicted vs actual. */
final class Plots {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 560;

    private Plots() {
    }

    /**
     * log₁₀(MSE) per iteration (GD: per step; SGD variants: per epoch) on a linear axis, so that every
     * tick is labelled even when the loss spans less than a decade.
     */
    static void lossCurve(FittedModel model, Path png) {
        double[] loss = model.lossHistory();
        if (loss.length == 0) {
            throw new IllegalArgumentException("the " + model.solver().cliName() + " solver has no loss history to plot");
        }
        double floor = Arrays.stream(loss).filter(v -> v > 0).min().orElse(1e-300);
        double[] x = new double[loss.length];
        double[] y = new double[loss.length];
        for (int i = 0; i < loss.length; i++) {
            x[i] = i;
            y[i] = Math.log10(Math.max(loss[i], floor));
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Training loss — " + model.solver().cliName() + " on " + model.backend())
                .xAxisTitle(model.solver().isStochastic() ? "epoch" : "step").yAxisTitle("log10 MSE").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setMarkerSize(loss.length > 60 ? 0 : 5);
        chart.addSeries("log10 MSE", x, y);
        save(chart, png);
    }

    /** The data as points and the fitted line ŷ = θx + b over their x range (one feature). */
    static void fittedLine(double[] x, double[] y, FittedModel model, Path png) {
        if (model.features() != 1) {
            throw new IllegalArgumentException("a fitted-line plot needs one feature; the model has " + model.features());
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(String.format(java.util.Locale.ROOT, "ŷ = %.4g·x + %.4g (%s)", model.coefficient(0), model.intercept(),
                        model.solver().cliName()))
                .xAxisTitle("x").yAxisTitle("y").build();
        XYSeries points = chart.addSeries("data", x, y);
        points.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        double lo = Arrays.stream(x).min().orElse(0);
        double hi = Arrays.stream(x).max().orElse(1);
        XYSeries line = chart.addSeries("fit", new double[] {lo, hi},
                new double[] {model.predict(new double[] {lo}), model.predict(new double[] {hi})});
        line.setMarker(SeriesMarkers.NONE);
        save(chart, png);
    }

    /** Predicted against actual targets, with the diagonal ŷ = y (any number of features). */
    static void predictedVsActual(double[] actual, double[] predicted, String title, Path png) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("actual y")
                .yAxisTitle("predicted ŷ").build();
        XYSeries points = chart.addSeries("rows", actual, predicted);
        points.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        double lo = Math.min(Arrays.stream(actual).min().orElse(0), Arrays.stream(predicted).min().orElse(0));
        double hi = Math.max(Arrays.stream(actual).max().orElse(1), Arrays.stream(predicted).max().orElse(1));
        XYSeries diagonal = chart.addSeries("ŷ = y", new double[] {lo, hi}, new double[] {lo, hi});
        diagonal.setMarker(SeriesMarkers.NONE);
        save(chart, png);
    }

    private static void save(XYChart chart, Path png) {
        try {
            BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write plot " + png + ": " + e.getMessage(), e);
        }
    }
}
