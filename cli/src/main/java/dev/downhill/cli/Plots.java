package dev.downhill.cli;

import dev.downhill.FittedModel;
import dev.downhill.io.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The pictures of the CLI (XChart, headless): loss curve, fitted line, predicted vs actual, the cross-validation
 * curve and the coefficient path, as PNG
 * or JPEG ({@link Target}); each written atomically ({@link AtomicFile}).
 */
final class Plots {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 560;

    private Plots() {
    }

    /**
     * Where a plot goes and in which format: a name ending in {@code .png} is PNG, {@code .jpg} or
     * {@code .jpeg} JPEG (any case); a name without an extension gets {@code .png} appended; any
     * other extension is refused (IllegalArgumentException: the CLI reports it as a usage error).
     */
    record Target(Path path, BitmapEncoder.BitmapFormat format) {
        static Target of(Path given) {
            return of(given, "--plot");
        }

        /** As {@link #of(Path)}, the messages naming {@code option}. */
        static Target of(Path given, String option) {
            Path name = given.getFileName();
            String text = name == null ? "" : name.toString();
            int dot = text.lastIndexOf('.');
            if (text.isEmpty() || text.equals(".") || text.equals("..")) {
                throw new IllegalArgumentException(option + " needs a file name, got '" + given + "'");
            }
            if (dot <= 0) {
                return new Target(given.resolveSibling(text + ".png"), BitmapEncoder.BitmapFormat.PNG);
            }
            switch (text.substring(dot + 1).toLowerCase(Locale.ROOT)) {
                case "png": return new Target(given, BitmapEncoder.BitmapFormat.PNG);
                case "jpg": case "jpeg": return new Target(given, BitmapEncoder.BitmapFormat.JPG);
                default:
                    throw new IllegalArgumentException(option + " writes PNG (.png) or JPEG (.jpg, .jpeg), or PNG with .png "
                            + "appended to a name without an extension; got '" + given + "'");
            }
        }
    }

    /**
     * log₁₀(MSE) per iteration (GD: per step; SGD variants: per epoch) on a linear axis, so that every
     * tick is labelled even when the loss spans less than a decade.
     */
    static XYChart lossCurve(FittedModel model) {
        double[] loss = model.lossHistory();
        if (loss.length == 0) {
            throw new IllegalArgumentException("the " + model.solver().cliName() + " solver has no loss history to plot");
        }
        double floor = Arrays.stream(loss).filter(v -> v > 0).min().orElse(1e-300);
        double[] x = new double[loss.length];
        double[] y = new double[loss.length];
        long[] at = model.lossHistoryIterations(); // 0, 1, 2, … or, for cd, its full sweeps' counts
        for (int i = 0; i < loss.length; i++) {
            x[i] = at[i];
            y[i] = Math.log10(Math.max(loss[i], floor));
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Training loss — " + model.solver().cliName() + " on " + model.backend())
                .xAxisTitle(model.solver().isStochastic() ? "epoch" : model.solver() == dev.downhill.Solver.CD ? "sweep" : "step")
                .yAxisTitle(model.config().penalty().isActive() ? "log10 (MSE + 2·penalty)" : "log10 MSE").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setMarkerSize(loss.length > 60 ? 0 : 5);
        chart.addSeries("log10 MSE", x, y);
        return chart;
    }

    /**
     * The cross-validation curve of {@code --alpha auto}: mean validation MSE against log₁₀ α with ± one standard
     * error bars, and the α chosen by the min and 1se rules as vertical lines.
     */
    static XYChart crossValidationCurve(dev.downhill.CrossValidationReport cv) {
        double[] alphas = cv.alphas();
        double[] x = new double[alphas.length];
        for (int k = 0; k < x.length; k++) {
            x[k] = Math.log10(alphas[k]);
        }
        double[] mean = cv.meanMse();
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(String.format(Locale.ROOT, "%d-fold cross-validation — α = %.4g (%s)", cv.folds(), cv.chosenAlpha(), cv.rule()))
                .xAxisTitle("log10 α").yAxisTitle("validation MSE (mean ± s.e.)").build();
        chart.getStyler().setMarkerSize(4);
        chart.addSeries("mean MSE", x, mean, cv.standardError());
        double lo = Arrays.stream(mean).min().orElse(0);
        double hi = Arrays.stream(mean).max().orElse(1);
        boolean same = cv.alphaMin() == cv.alpha1se(); // one line, named for both (the second hid the first)
        for (String rule : same ? new String[] {"min = 1se"} : new String[] {"min", "1se"}) {
            double a = Math.log10(rule.equals("1se") ? cv.alpha1se() : cv.alphaMin());
            XYSeries line = chart.addSeries("α " + rule, new double[] {a, a}, new double[] {lo, hi});
            line.setMarker(SeriesMarkers.NONE);
            line.setLineStyle(rule.equals("1se") ? SeriesLines.DASH_DASH : SeriesLines.SOLID);
            line.setLineWidth(2f);
        }
        return chart;
    }

    /** Coefficients drawn at most on a coefficient-path plot (the largest along the path; more would be unreadable). */
    static final int PATH_PLOT_MAX_COEFFICIENTS = 20;

    /**
     * The regularization path: each coefficient θⱼ of the full-data fits against log₁₀ α, with the chosen α marked — the
     * {@value #PATH_PLOT_MAX_COEFFICIENTS} coefficients of largest max_α |θⱼ| when there are more (the title says so;
     * ties by index).
     *
     * @throws IllegalArgumentException when the report carries no path (one read back from a model file)
     */
    static XYChart coefficientPath(dev.downhill.CrossValidationReport cv) {
        double[][] path = cv.coefficientPath();
        if (path == null || path.length == 0) {
            throw new IllegalArgumentException("no coefficient path to plot (it is kept only by the cross-validation run itself)");
        }
        double[] alphas = cv.alphas();
        double[] x = new double[alphas.length];
        for (int k = 0; k < x.length; k++) {
            x[k] = Math.log10(alphas[k]);
        }
        int n = path[0].length;
        double[] size = new double[n];
        for (double[] theta : path) {
            for (int j = 0; j < n; j++) {
                size[j] = Math.max(size[j], Math.abs(theta[j]));
            }
        }
        Integer[] order = new Integer[n];
        for (int j = 0; j < n; j++) {
            order[j] = j;
        }
        Arrays.sort(order, (a, b) -> size[a] != size[b] ? Double.compare(size[b], size[a]) : Integer.compare(a, b));
        int shown = Math.min(n, PATH_PLOT_MAX_COEFFICIENTS);
        Integer[] drawn = Arrays.copyOf(order, shown);
        Arrays.sort(drawn);
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(String.format(Locale.ROOT, "Coefficient path — α = %.4g (%s)%s", cv.chosenAlpha(), cv.rule(),
                        shown < n ? String.format(Locale.ROOT, "; the %d largest of %d", shown, n) : ""))
                .xAxisTitle("log10 α").yAxisTitle("θⱼ").build();
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setLegendVisible(shown <= PATH_PLOT_MAX_COEFFICIENTS);
        double lo = 0;
        double hi = 0;
        for (int j : drawn) {
            double[] y = new double[alphas.length];
            for (int k = 0; k < y.length; k++) {
                y[k] = path[k][j];
                lo = Math.min(lo, y[k]);
                hi = Math.max(hi, y[k]);
            }
            chart.addSeries("θ" + j, x, y).setMarker(SeriesMarkers.NONE);
        }
        double a = Math.log10(cv.chosenAlpha());
        XYSeries line = chart.addSeries("chosen α", new double[] {a, a}, new double[] {lo, hi == lo ? lo + 1 : hi});
        line.setMarker(SeriesMarkers.NONE);
        line.setLineStyle(SeriesLines.SOLID); // black and solid: a faint dotted default was nearly invisible among 20 paths
        line.setLineColor(java.awt.Color.BLACK);
        line.setLineWidth(2f);
        return chart;
    }

    /** The data as points and the fitted line ŷ = θx + b over their x range (one feature). */
    static XYChart fittedLine(double[] x, double[] y, FittedModel model) {
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
        return chart;
    }

    /** Predicted against actual targets, with the diagonal ŷ = y (any number of features). */
    static XYChart predictedVsActual(double[] actual, double[] predicted, String title) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("actual y")
                .yAxisTitle("predicted ŷ").build();
        XYSeries points = chart.addSeries("rows", actual, predicted);
        points.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        double lo = Math.min(Arrays.stream(actual).min().orElse(0), Arrays.stream(predicted).min().orElse(0));
        double hi = Math.max(Arrays.stream(actual).max().orElse(1), Arrays.stream(predicted).max().orElse(1));
        XYSeries diagonal = chart.addSeries("ŷ = y", new double[] {lo, hi}, new double[] {lo, hi});
        diagonal.setMarker(SeriesMarkers.NONE);
        return chart;
    }

    /** Draws {@code chart} into {@code out} (a staged file the caller commits) in {@code target}'s format. */
    static void draw(XYChart chart, Target target, AtomicFile out) {
        try {
            if (target.format() == BitmapEncoder.BitmapFormat.JPG) {
                // JPEG has no alpha channel: draw on an opaque image
                java.awt.image.BufferedImage rgb = new java.awt.image.BufferedImage(chart.getWidth(), chart.getHeight(),
                        java.awt.image.BufferedImage.TYPE_INT_RGB);
                java.awt.Graphics2D g = rgb.createGraphics();
                try {
                    chart.paint(g, chart.getWidth(), chart.getHeight());
                } finally {
                    g.dispose();
                }
                if (!javax.imageio.ImageIO.write(rgb, "jpg", out.stream())) {
                    throw new IOException("no JPEG writer in this JVM");
                }
            } else {
                BitmapEncoder.saveBitmap(chart, out.stream(), target.format());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write plot " + target.path() + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code chart} to {@code target} atomically. */
    static void write(XYChart chart, Target target) {
        try (AtomicFile out = AtomicFile.create(target.path())) {
            draw(chart, target, out);
            out.commit();
        }
    }
}
