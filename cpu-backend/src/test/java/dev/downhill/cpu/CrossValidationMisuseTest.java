package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.CrossValidation;
import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.IterationListener;
import dev.downhill.LinearRegression;
import dev.downhill.LoadedProblem;
import dev.downhill.Penalty;
import dev.downhill.Solver;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What an embedding program may get wrong around a cross-validation, and what the library does instead: the dataset
 * cannot be closed while the folds still read it (as during a fit); a bad α grid or path is refused before any work.
 */
class CrossValidationMisuseTest {

    private static Dataset data(int m, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[m][n];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                x[i][j] = r.nextGaussian();
            }
            y[i] = 1 + x[i][0] + r.nextGaussian();
        }
        return Dataset.of(x, y);
    }

    /**
     * The dense cross-validation released its use of the dataset after the full-data path, so a close during the folds
     * (here from a listener of a fold's fit; another thread alike) freed X while the next fold copied its rows from it,
     * and the cross-validation died with "dataset is closed". Every close during it must be refused, as during a fit.
     */
    @Test
    void theDatasetCannotBeClosedWhileTheFoldsReadIt() {
        try (Dataset d = data(60, 3, 3)) {
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger closed = new AtomicInteger();
            IterationListener closer = (iteration, loss, gradientNorm) -> {
                if (iteration == 1) {
                    try {
                        d.close();
                        closed.incrementAndGet();
                    } catch (IllegalStateException expected) {
                        refused.incrementAndGet();
                    }
                }
                return IterationListener.Control.CONTINUE;
            };
            FitConfig config = FitConfig.builder().backend("cpu").solver(Solver.GD).penalty(Penalty.l2(0.1)).listener(closer).build();
            FittedModel model = CrossValidation.fit(d, config, 3, CrossValidation.Rule.MIN, 4, 0.1);
            assertEquals(0, closed.get(), "a close during the cross-validation went through");
            assertEquals(4 * 4, refused.get(), "one refused close per fit: 4 α on the full data and on each of 3 folds");
            assertTrue(d.isOpen());
            assertEquals(3, model.features());
        }
    }

    /**
     * A grid of one value or a ratio outside (0, 1) was refused only after the dataset had been loaded and α_max found
     * by a pass over X: here the backend that cannot load is reached first unless the grid is checked before any work.
     */
    @Test
    void aBadGridIsRefusedBeforeAnyWork() {
        try (Dataset d = data(30, 2, 5)) {
            FitConfig unloadable = FitConfig.builder().backend("no-such-backend").penalty(Penalty.l1(0.1)).build();
            IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                    () -> CrossValidation.fit(d, unloadable, 3, CrossValidation.Rule.MIN, 1, 0.1));
            assertEquals("an α grid needs ≥ 2 values and 0 < ratio < 1; got 1 and 0.1", one.getMessage());
            IllegalArgumentException ratio = assertThrows(IllegalArgumentException.class,
                    () -> CrossValidation.fit(d, unloadable, 3, CrossValidation.Rule.MIN, 5, 2));
            assertEquals("an α grid needs ≥ 2 values and 0 < ratio < 1; got 5 and 2.0", ratio.getMessage());
        }
    }

    /** A negative or non-finite α in a path was refused at its turn, after the fits of the α's before it. */
    @Test
    void aBadAlphaInAPathIsRefusedBeforeTheFirstFit() {
        try (Dataset d = data(30, 2, 7);
             LoadedProblem p = LinearRegression.load(d, FitConfig.builder().backend("cpu").build())) {
            AtomicInteger iterations = new AtomicInteger();
            FitConfig config = FitConfig.builder().backend("cpu").solver(Solver.GD).penalty(Penalty.l1(0.1))
                    .listener((iteration, loss, gradientNorm) -> {
                        iterations.incrementAndGet();
                        return IterationListener.Control.CONTINUE;
                    }).build();
            for (double bad : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> CrossValidation.path(p, config, new double[] {0.1, 0.01, bad}));
                assertEquals("α 2 of the path is " + bad + ": every α must be a finite number ≥ 0", e.getMessage());
            }
            assertEquals(0, iterations.get(), "fits ran before the bad α was refused");
            assertEquals("alphas", assertThrows(NullPointerException.class, () -> CrossValidation.path(p, config, null)).getMessage());
        }
    }
}
