package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Checkpoint;
import dev.downhill.CrossValidation;
import dev.downhill.Dataset;
import dev.downhill.DivergenceException;
import dev.downhill.FitConfig;
import dev.downhill.FitInterruptedException;
import dev.downhill.FittedModel;
import dev.downhill.IterationListener;
import dev.downhill.LinearRegression;
import dev.downhill.LoadedProblem;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.testing.TestData;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an application embedding the library relies on, from a hostile embedder's review: the off-heap getters hand out
 * views (moving one's position moved X under every later fit), a fit waiting for a busy problem stops on an interrupt,
 * a cross-validation's listener is never called from two threads at once, a stop request is consumed by the fit it
 * stops, {@code CrossValidation.path} checks its configuration against the problem as a fit does (threads by the count
 * the backend runs on), a divergence keeps the solver's exception as its cause, and a float32 configuration reports
 * float32's default tolerance.
 */
class EmbeddingContractTest {
    @TempDir
    Path dir;

    private static double[][] x(int m, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[m][n];
        for (double[] row : x) {
            for (int j = 0; j < n; j++) {
                row[j] = r.nextGaussian();
            }
        }
        return x;
    }

    private static double[] y(double[][] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double s = 1;
            for (int j = 0; j < x[i].length; j++) {
                s += (j + 1) * x[i][j];
            }
            y[i] = s + 0.01 * Math.sin(i);
        }
        return y;
    }

    @Test
    void movingAGottenPointerMovesNothingElse() {
        double[][] x = x(200, 4, 1);
        double[] y = y(x);
        FitConfig svd = FitConfig.builder().backend("cpu").solver(Solver.SVD).threads(1).build();
        double[] w = new double[200];
        java.util.Arrays.fill(w, 1.5);
        try (Dataset d = Dataset.of(x, y, w)) {
            double[] before = LinearRegression.fit(d, svd).coefficients();
            d.xPointer().position(3);
            d.yPointer().position(1);
            d.weightsPointer().position(5);
            assertArrayEquals(before, LinearRegression.fit(d, svd).coefficients(), "the fit after moving the views");
            d.xPointer().close(); // a view owns nothing: closing it frees nothing (a JavaCPP copy would free X)
            d.yPointer().close();
            d.weightsPointer().close();
            assertArrayEquals(before, LinearRegression.fit(d, svd).coefficients(), "the fit after closing the views");
            assertEquals(x[0][0], d.x(0, 0));
            assertEquals(1.5, d.weight(0));
        }
        try (SparseDataset s = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            FitConfig cg = FitConfig.builder().backend("cpu").solver(Solver.CG).threads(1).build();
            double[] before = LinearRegression.fit(s, cg).coefficients();
            s.x().rowPointers().position(7);
            s.x().columnIndices().position(9);
            s.x().values().position(11);
            s.yPointer().position(2);
            assertArrayEquals(before, LinearRegression.fit(s, cg).coefficients(), "sparse: the fit after moving the views");
            s.x().rowPointers().close();
            s.x().values().close();
            s.yPointer().close();
            assertArrayEquals(before, LinearRegression.fit(s, cg).coefficients(), "sparse: the fit after closing the views");
        }
    }

    @Test
    void aFitWaitingForABusyProblemStopsOnAnInterrupt() throws Exception {
        double[][] x = x(2000, 8, 2);
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try (Dataset d = Dataset.of(x, y(x));
             LoadedProblem problem = LinearRegression.load(d, FitConfig.builder().backend("cpu").threads(1).build())) {
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch running = new CountDownLatch(1);
            Future<FittedModel> busy = runner.submit(() -> LinearRegression.fit(problem, FitConfig.builder().solver(Solver.GD)
                    .tolerance(0).maxIterations(100_000_000).listener((i, l, g) -> {
                        running.countDown();
                        return stop.get() ? IterationListener.Control.STOP : IterationListener.Control.CONTINUE;
                    }).build()));
            assertTrue(running.await(60, TimeUnit.SECONDS));
            AtomicBoolean flagSet = new AtomicBoolean();
            Throwable[] thrown = new Throwable[1];
            Thread waiter = new Thread(() -> {
                try {
                    LinearRegression.fit(problem, FitConfig.builder().solver(Solver.GD).build());
                } catch (Throwable t) {
                    thrown[0] = t;
                    flagSet.set(Thread.currentThread().isInterrupted());
                }
            });
            waiter.start();
            Thread.sleep(100);
            waiter.interrupt();
            waiter.join(10_000);
            boolean ended = !waiter.isAlive();
            stop.set(true);
            busy.get(60, TimeUnit.SECONDS);
            assertTrue(ended, "the waiting fit ended on its interrupt while the other fit still ran");
            assertTrue(thrown[0] instanceof FitInterruptedException, String.valueOf(thrown[0]));
            assertEquals(0, ((FitInterruptedException) thrown[0]).iteration());
            assertTrue(flagSet.get(), "the interrupt flag is set again");
        } finally {
            runner.shutdownNow();
        }
    }

    @Test
    void aCrossValidationsListenerIsNeverCalledFromTwoThreadsAtOnce() {
        double[][] x = x(300, 6, 3);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger calls = new AtomicInteger();
        IterationListener listener = (i, l, g) -> {
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            calls.incrementAndGet();
            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
            inside.decrementAndGet();
            return IterationListener.Control.CONTINUE;
        };
        try (Dataset d = Dataset.of(x, y(x))) {
            FittedModel model = CrossValidation.fit(d, FitConfig.builder().backend("cpu").penalty(Penalty.l1(0.1)).listener(listener)
                    .build(), 5, CrossValidation.Rule.MIN);
            assertTrue(model.report().solverChoice().startsWith("cd"), model.report().solverChoice()); // the Gram path
            assertTrue(model.config().listener() == listener, "the model records the caller's listener");
        }
        assertTrue(calls.get() > 100, calls.get() + " calls");
        assertEquals(1, most.get(), "calls at once");
    }

    @Test
    void aStopRequestIsConsumedByTheFitItStops() {
        double[][] x = x(200, 3, 4);
        Checkpoint checkpoint = Checkpoint.to(dir.resolve("ck"));
        FitConfig config = FitConfig.builder().backend("cpu").solver(Solver.GD).threads(1).checkpoint(checkpoint).build();
        try (Dataset d = Dataset.of(x, y(x))) {
            checkpoint.requestStop();
            FitInterruptedException stopped = assertThrows(FitInterruptedException.class, () -> LinearRegression.fit(d, config));
            assertEquals(0, stopped.iteration());
            assertFalse(checkpoint.stopRequested(), "consumed");
            FittedModel resumed = LinearRegression.fit(d, config.toBuilder().checkpoint(checkpoint.resumingFrom(dir.resolve("ck"))).build());
            FittedModel whole = LinearRegression.fit(d, config.toBuilder().checkpoint(Checkpoint.none()).build());
            assertArrayEquals(whole.coefficients(), resumed.coefficients());
            checkpoint.requestStop();
            checkpoint.withdrawStop();
            assertFalse(checkpoint.stopRequested());
        }
    }

    @Test
    void aPathOnALoadedProblemChecksItsConfigurationAsAFitDoes() {
        double[][] x = x(200, 5, 5);
        try (Dataset d = Dataset.of(x, y(x));
             LoadedProblem problem = LinearRegression.load(d, FitConfig.builder().backend("cpu").build())) {
            FitConfig elsewhere = FitConfig.builder().backend("nd4j-not-here").penalty(Penalty.l1(0.1)).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CrossValidation.path(problem, elsewhere, new double[] {0.1, 0.01}));
            assertTrue(e.getMessage().contains("was loaded on 'cpu'"), e.getMessage());
            // the default count and the same count named: one effective setting
            int cores = Runtime.getRuntime().availableProcessors(); // what the cpu backend's default runs on
            FittedModel named = LinearRegression.fit(problem, FitConfig.builder().threads(cores).solver(Solver.SVD).build());
            assertNotNull(named);
            assertEquals(2, CrossValidation.path(problem, FitConfig.builder().threads(cores).penalty(Penalty.l1(0.1)).build(),
                    new double[] {0.1, 0.01}).size());
        }
    }

    @Test
    void aDivergenceKeepsTheSolversExceptionAsItsCause() {
        double[][] x = x(200, 4, 6);
        try (Dataset d = Dataset.of(x, y(x))) {
            DivergenceException e = assertThrows(DivergenceException.class, () -> LinearRegression.fit(d,
                    FitConfig.builder().backend("cpu").solver(Solver.GD).learningRate(10).threads(1).build()));
            assertTrue(e.getCause() instanceof DivergenceException, String.valueOf(e.getCause()));
        }
    }

    @Test
    void aFloat32ConfigurationReportsFloat32sDefaultTolerance() {
        FitConfig f32 = FitConfig.builder().precision(Precision.FLOAT32).solver(Solver.GD).build();
        assertEquals(FitConfig.DEFAULT_GD_TOLERANCE_FLOAT32, f32.tolerance());
        assertTrue(f32.toString().contains("tolerance=" + FitConfig.DEFAULT_GD_TOLERANCE_FLOAT32), f32.toString());
        assertEquals(FitConfig.DEFAULT_GD_TOLERANCE, FitConfig.builder().solver(Solver.GD).build().tolerance());
    }
}
