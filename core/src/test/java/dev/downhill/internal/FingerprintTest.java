package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.CheckpointMismatchException.Difference;
import dev.downhill.FitConfig;
import dev.downhill.InitialCoefficients;
import dev.downhill.LearningRateSchedule;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.ResidentProblem;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the fingerprint compares: the thread count a backend runs on (not the count asked for; checkpoints that recorded
 * the count asked for still load), and only the settings the checkpoint's solver uses.
 */
class FingerprintTest {
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    /** A problem of {@code rows} × {@code cols} on a backend that runs on {@code hostThreads} threads (0: does not say). */
    private static ResidentProblem problem(long rows, long cols, int hostThreads) {
        return problem(rows, cols, hostThreads, Precision.FLOAT64);
    }

    private static ResidentProblem problem(long rows, long cols, int hostThreads, Precision precision) {
        return problem(rows, cols, hostThreads, precision, "");
    }

    private static ResidentProblem problem(long rows, long cols, int hostThreads, Precision precision, String layout) {
        return (ResidentProblem) Proxy.newProxyInstance(FingerprintTest.class.getClassLoader(), new Class<?>[] {ResidentProblem.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "rows": return rows;
                        case "cols": return cols;
                        case "precision": return precision;
                        case "weighted":
                        case "isSparse": return false;
                        case "backendName": return "cpu";
                        case "hostThreads": return hostThreads;
                        case "sumsLayout": return layout;
                        default: throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    /** The fingerprint of {@code config} on a 400 × 6 problem run on the threads the cpu backend resolves its options to. */
    private static Map<String, String> of(FitConfig config) {
        BackendOptions options = config.backendOptions();
        int threads = options.threads() == 0 ? CORES : options.threads();
        return Fingerprint.of(problem(400, 6, threads), options, "0123456789abcdef", config);
    }

    private static FitConfig.Builder base(Solver s) {
        return FitConfig.builder().backend("cpu").solver(s);
    }

    private static List<String> fields(List<Difference> differences) {
        return differences.stream().map(Difference::field).toList();
    }

    private static void assertEquivalent(FitConfig saved, FitConfig now) {
        assertEquals(List.of(), Fingerprint.differences(of(saved), of(now)), saved + " / " + now);
        assertEquals(List.of(), Fingerprint.differences(of(now), of(saved)), now + " / " + saved);
    }

    private static void assertDiffer(FitConfig saved, FitConfig now, String... fields) {
        assertEquals(List.of(fields), fields(Fingerprint.differences(of(saved), of(now))), saved + " / " + now);
        assertEquals(List.of(fields), fields(Fingerprint.differences(of(now), of(saved))), now + " / " + saved);
    }

    @Test
    void theEffectiveThreadCountIsCompared() {
        // threads(cores) and the default run on as many threads: the same sums
        assertEquivalent(base(Solver.GD).threads(CORES).build(), base(Solver.GD).build());
        Map<String, String> f = of(base(Solver.GD).threads(CORES).build());
        assertEquals(Integer.toString(CORES), f.get("threads"));
        assertEquals("BackendOptions[]", f.get("backendOptions"));
        assertFalse(f.containsKey("cores"));
        assertDiffer(base(Solver.GD).threads(CORES + 1).build(), base(Solver.GD).build(), "threads");
        // the other backend options are still compared
        assertDiffer(base(Solver.GD).threads(CORES).backendOptions(BackendOptions.builder().cpuKernel("blas").build()).build(),
                base(Solver.GD).threads(CORES).build(), "backendOptions");
        assertEquals("BackendOptions[cpu.kernel=blas]", of(base(Solver.GD).threads(3).backendOptions(BackendOptions.builder()
                .threads(3).cpuKernel("blas").build()).build()).get("backendOptions"));
    }

    @Test
    void aBackendThatDoesNotSayItsThreadsKeepsTheCountAskedForAndTheCores() {
        BackendOptions two = BackendOptions.builder().threads(2).build();
        Map<String, String> f = Fingerprint.of(problem(400, 6, 0), two, null, base(Solver.GD).build());
        assertEquals("BackendOptions[threads=2]", f.get("backendOptions"));
        assertFalse(f.containsKey("threads") || f.containsKey("cores"));
        Map<String, String> d = Fingerprint.of(problem(400, 6, 0), BackendOptions.none(), null, base(Solver.GD).build());
        assertEquals("BackendOptions[threads=default]", d.get("backendOptions"));
        assertEquals(Integer.toString(CORES), d.get("cores"));
        assertEquals(List.of("backendOptions", "cores"), fields(Fingerprint.differences(f, d)));
    }

    /** A fingerprint as checkpoints saved before the effective count recorded it: the count asked for, and the cores. */
    private static Map<String, String> old(Map<String, String> now, String options, String cores) {
        Map<String, String> f = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : now.entrySet()) {
            if (e.getKey().equals("backendOptions")) {
                f.put("backendOptions", options);
                if (cores != null) {
                    f.put("cores", cores);
                }
            } else if (!e.getKey().equals("threads")) {
                f.put(e.getKey(), e.getValue());
            }
        }
        return f;
    }

    @Test
    void checkpointsThatRecordedTheCountAskedForAreReadAsItsEffectiveCount() {
        Map<String, String> now = of(base(Solver.GD).threads(2).build()); // 2 threads, asked for or by default on 2 cores
        assertEquals(List.of(), Fingerprint.differences(old(now, "BackendOptions[threads=2]", null), now));
        assertEquals(List.of(), Fingerprint.differences(old(now, "BackendOptions[threads=default]", "2"), now));
        assertEquals(List.of(), Fingerprint.differences(now, old(now, "BackendOptions[threads=default]", "2")));
        assertEquals(List.of(new Difference("threads", "3", "2")),
                Fingerprint.differences(old(now, "BackendOptions[threads=3]", null), now));
        assertEquals(List.of(new Difference("threads", "4", "2")),
                Fingerprint.differences(old(now, "BackendOptions[threads=default]", "4"), now));
        // the default without the cores (a checkpoint older still): not known, a difference
        assertEquals(List.of(new Difference("threads", "(absent)", "2")),
                Fingerprint.differences(old(now, "BackendOptions[threads=default]", null), now));
        // the rest of the options is compared as before
        Map<String, String> blas = of(base(Solver.GD).backendOptions(BackendOptions.builder().threads(2).cpuKernel("blas").build()).build());
        assertEquals("BackendOptions[cpu.kernel=blas]", blas.get("backendOptions"));
        assertEquals(List.of(), Fingerprint.differences(old(blas, "BackendOptions[threads=2, cpu.kernel=blas]", null), blas));
        assertEquals(List.of(new Difference("backendOptions", "BackendOptions[cpu.kernel=native]", "BackendOptions[cpu.kernel=blas]")),
                Fingerprint.differences(old(blas, "BackendOptions[threads=2, cpu.kernel=native]", null), blas));
    }

    @Test
    void optionsTheSolverIgnoresDoNotDecide() {
        InitialCoefficients given = InitialCoefficients.given(new double[] {1, 2, 3, 4, 5, 6});
        for (Solver s : new Solver[] {Solver.CG, Solver.NORMAL, Solver.SVD}) {
            assertEquivalent(base(s).seed(7).build(), base(s).build());
            assertEquivalent(base(s).learningRate(0.01).build(), base(s).build());
            assertEquivalent(base(s).schedule(LearningRateSchedule.adaptive()).validationFraction(0.2).patience(9).batchSize(7).build(),
                    base(s).build());
        }
        assertEquivalent(base(Solver.CD).penalty(dev.downhill.Penalty.l1(0.1)).seed(7).standardize(true).learningRate(0.1).build(),
                base(Solver.CD).penalty(dev.downhill.Penalty.l1(0.1)).build());
        for (Solver s : new Solver[] {Solver.NORMAL, Solver.SVD}) {
            assertEquivalent(base(s).initialCoefficients(given).maxIterations(5).tolerance(0.1).standardize(false)
                    .exactReference(true).build(), base(s).build());
        }
        assertEquivalent(base(Solver.NORMAL).rankCutoff(1e-3).build(), base(Solver.NORMAL).build());
        // gd and nesterov with a fixed step draw nothing from the seed
        assertEquivalent(base(Solver.GD).learningRate(0.01).seed(7).build(), base(Solver.GD).learningRate(0.01).build());
        assertEquivalent(base(Solver.NESTEROV).learningRate(0.01).seed(7).build(), base(Solver.NESTEROV).learningRate(0.01).build());
        assertEquivalent(base(Solver.GD).rankCutoff(1e-3).batchSize(9).build(), base(Solver.GD).build());
        // an inverse-time schedule's steps are t0/(t + t1): the rate decides nothing, the default standardization included
        LearningRateSchedule invtime = LearningRateSchedule.inverseTime(0.5, 100);
        assertEquivalent(base(Solver.SGD).schedule(invtime).standardize(true).learningRate(0.01).build(),
                base(Solver.SGD).schedule(invtime).standardize(true).build());
        assertEquivalent(base(Solver.MINIBATCH).schedule(invtime).learningRate(0.01).build(),
                base(Solver.MINIBATCH).schedule(invtime).learningRate(0.02).build());
        assertEquivalent(base(Solver.SGD).schedule(invtime).learningRate(0.01).build(), base(Solver.SGD).schedule(invtime).build());
        Map<String, String> wide = Fingerprint.of(problem(6, 6, 2), BackendOptions.none(), null,
                base(Solver.SGD).schedule(invtime).learningRate(0.01).build());
        assertEquals(List.of(), Fingerprint.differences(wide, Fingerprint.of(problem(6, 6, 2), BackendOptions.none(), null,
                base(Solver.SGD).schedule(invtime).build())), "X not tall: standardize auto is off either way");
    }

    @Test
    void optionsTheSolverUsesStillDecide() {
        assertDiffer(base(Solver.GD).seed(7).build(), base(Solver.GD).build(), "seed"); // --lr auto's power iteration
        assertDiffer(base(Solver.GD).learningRate(0.01).seed(7).build(), base(Solver.GD).seed(3).build(), "learningRate", "seed");
        assertDiffer(base(Solver.SGD).seed(7).build(), base(Solver.SGD).build(), "seed");
        assertDiffer(base(Solver.MINIBATCH).batchSize(7).build(), base(Solver.MINIBATCH).build(), "batchSize");
        assertDiffer(base(Solver.SGD).validationFraction(0.2).build(), base(Solver.SGD).build(), "validationFraction");
        assertDiffer(base(Solver.CG).maxIterations(5).build(), base(Solver.CG).build(), "maxIterations");
        assertDiffer(base(Solver.CG).standardize(false).build(), base(Solver.CG).build(), "standardize");
        assertDiffer(base(Solver.CD).penalty(dev.downhill.Penalty.l1(0.1)).tolerance(0.1).build(),
                base(Solver.CD).penalty(dev.downhill.Penalty.l1(0.1)).build(), "tolerance");
        assertDiffer(base(Solver.SVD).rankCutoff(1e-3).build(), base(Solver.SVD).build(), "rankCutoff");
        assertDiffer(base(Solver.GD).exactReference(true).rankCutoff(1e-3).build(), base(Solver.GD).exactReference(true).build(),
                "rankCutoff");
        assertDiffer(base(Solver.SGD).learningRate(0.01).build(), base(Solver.SGD).build(), "learningRate");
        // another schedule uses the rate: invtime's field is not compared with a fingerprint that lacks it
        LearningRateSchedule invtime = LearningRateSchedule.inverseTime(0.5, 100);
        assertDiffer(base(Solver.SGD).schedule(invtime).learningRate(0.01).build(), base(Solver.SGD).build(), "learningRate",
                "schedule");
        // auto chooses later: everything decides
        assertDiffer(base(Solver.AUTO).seed(7).build(), base(Solver.AUTO).build(), "seed");
        // another solver: its fields are compared as either side uses them
        assertDiffer(base(Solver.CG).seed(7).build(), base(Solver.SGD).build(), "solver", "maxIterations", "tolerance", "seed");
    }

    @Test
    void theDifferenceNamesTheValuesAsRecorded() {
        List<Difference> d = Fingerprint.differences(of(base(Solver.SGD).learningRate(0.01).build()), of(base(Solver.SGD).build()));
        assertEquals(List.of(new Difference("learningRate", "0.01", "auto")), d);
        assertTrue(Fingerprint.decides("learningRate", of(base(Solver.GD).build())));
    }

    /** {@code f} as a checkpoint saved before {@value Fingerprint#INVTIME_STANDARDIZATION} was recorded holds it. */
    private static Map<String, String> beforeInvtimeStandardization(Map<String, String> f) {
        Map<String, String> old = new LinkedHashMap<>(f);
        assertTrue(old.remove(Fingerprint.INVTIME_STANDARDIZATION) != null, "recorded: " + f);
        return old;
    }

    /**
     * sgd and minibatch under invtime with standardize auto record the default standardization's rule: on for tall X
     * whatever the rate (a fixed one decides nothing there), off for wide. A checkpoint saved before, when a fixed rate
     * turned it off on tall X, is read by its own rule: a fixed rate's (unstandardized state) is refused whatever the
     * rate now, an automatic rate's resumes with either; wide X was off either way.
     */
    @Test
    void checkpointsSavedWhenAFixedRateTurnedStandardizationOffUnderInvtimeAreRefused() {
        LearningRateSchedule invtime = LearningRateSchedule.inverseTime(0.5, 100);
        FitConfig auto = base(Solver.SGD).schedule(invtime).build();
        FitConfig fixed = auto.toBuilder().learningRate(0.01).build();
        assertEquals("on", of(auto).get(Fingerprint.INVTIME_STANDARDIZATION));
        assertEquals("on", of(fixed).get(Fingerprint.INVTIME_STANDARDIZATION));
        for (FitConfig now : new FitConfig[] {auto, fixed}) {
            assertEquals(List.of(new Difference(Fingerprint.INVTIME_STANDARDIZATION, "off", "on")),
                    Fingerprint.differences(beforeInvtimeStandardization(of(fixed)), of(now)), now.toString());
            assertEquals(List.of(), Fingerprint.differences(beforeInvtimeStandardization(of(auto)), of(now)), now.toString());
        }
        FitConfig minibatch = fixed.toBuilder().solver(Solver.MINIBATCH).build();
        assertEquals(List.of(new Difference(Fingerprint.INVTIME_STANDARDIZATION, "off", "on")),
                Fingerprint.differences(beforeInvtimeStandardization(of(minibatch)), of(minibatch)));
        // standardize given: not recorded, the rate does not count
        assertFalse(of(fixed.toBuilder().standardize(false).build()).containsKey(Fingerprint.INVTIME_STANDARDIZATION));
        assertFalse(of(base(Solver.SGD).learningRate(0.01).build()).containsKey(Fingerprint.INVTIME_STANDARDIZATION));
        // wide X: off by the rule, then and now
        Map<String, String> wide = Fingerprint.of(problem(6, 6, 2), BackendOptions.none(), null, fixed);
        assertEquals("off", wide.get(Fingerprint.INVTIME_STANDARDIZATION));
        assertEquals(List.of(), Fingerprint.differences(beforeInvtimeStandardization(wide), wide));
        // without an intercept, 7 × 6 is tall
        FitConfig through0 = fixed.toBuilder().fitIntercept(false).build();
        Map<String, String> narrow = Fingerprint.of(problem(7, 6, 2), BackendOptions.none(), null, through0);
        assertEquals("on", narrow.get(Fingerprint.INVTIME_STANDARDIZATION));
        assertEquals(List.of(new Difference(Fingerprint.INVTIME_STANDARDIZATION, "off", "on")),
                Fingerprint.differences(beforeInvtimeStandardization(narrow), narrow));
    }

    /** {@code config}'s fingerprint at {@code precision}, the data's checksum {@code checksum}. */
    private static Map<String, String> of(FitConfig config, Precision precision, String checksum) {
        return Fingerprint.of(problem(400, 6, CORES, precision), config.backendOptions(), checksum, config);
    }

    @Test
    void anotherPrecisionIsThatDifferenceNotAlsoTheChecksumAndTheDefaultTolerance() {
        FitConfig gd = base(Solver.GD).build();
        // the same file read at another precision: its sample's values (so the checksum) and the default --tol follow it
        assertEquals(List.of("precision"), fields(Fingerprint.differences(of(gd, Precision.FLOAT64, "aaaa"), of(gd, Precision.FLOAT32, "bbbb"))));
        assertEquals(List.of("precision"), fields(Fingerprint.differences(of(gd, Precision.FLOAT32, "bbbb"), of(gd, Precision.FLOAT64, "aaaa"))));
        // a --tol given on one side only is still named
        FitConfig tol = base(Solver.GD).tolerance(1e-8).build();
        assertEquals(List.of("precision", "tolerance"),
                fields(Fingerprint.differences(of(tol, Precision.FLOAT64, "aaaa"), of(gd, Precision.FLOAT32, "bbbb"))));
        // at one precision, other data is other data, and another --tol another --tol
        assertEquals(List.of("checksum"), fields(Fingerprint.differences(of(gd, Precision.FLOAT32, "aaaa"), of(gd, Precision.FLOAT32, "bbbb"))));
        assertEquals(List.of("tolerance"), fields(Fingerprint.differences(of(tol, Precision.FLOAT64, "aaaa"), of(gd, Precision.FLOAT64, "aaaa"))));
    }

    /** {@code config}'s fingerprint on a GPU-like problem: no host threads, sums laid out as {@code layout}. */
    private static Map<String, String> onDevice(FitConfig config, String layout) {
        return Fingerprint.of(problem(400, 6, 0, Precision.FLOAT32, layout), config.backendOptions(), "aaaa", config);
    }

    @Test
    void whereTheDeviceDecidesTheSumsItIsComparedAndTheThreadsAreNot() {
        FitConfig gd = base(Solver.GD).build();
        FitConfig twoThreads = base(Solver.GD).threads(2).build();
        String h200 = "NVIDIA H200 (compute capability 9.0, 132 multiprocessors, runtime 13.0), fused kernel: up to 66 clusters";
        String h100 = "NVIDIA H100 (compute capability 9.0, 114 multiprocessors, runtime 13.0), fused kernel: up to 57 clusters";
        assertEquals(h200, onDevice(gd, h200).get(Fingerprint.SUMS_LAYOUT));
        assertFalse(onDevice(gd, h200).containsKey(Fingerprint.CORES), "the machine's cores decide nothing there");
        assertEquals(List.of(), Fingerprint.differences(onDevice(gd, h200), onDevice(twoThreads, h200)));
        assertEquals(List.of(new Difference(Fingerprint.SUMS_LAYOUT, h200, h100)), Fingerprint.differences(onDevice(gd, h200), onDevice(gd, h100)));
        // a checkpoint saved before layouts were recorded (the count asked for and the cores, no layout) still resumes
        Map<String, String> old = new LinkedHashMap<>(Fingerprint.of(problem(400, 6, 0, Precision.FLOAT32), twoThreads.backendOptions(), "aaaa", twoThreads));
        assertTrue(old.get("backendOptions").startsWith("BackendOptions[threads=2"), old.toString());
        assertEquals(List.of(), Fingerprint.differences(old, onDevice(gd, h200)));
        assertEquals(List.of(), Fingerprint.differences(onDevice(gd, h200), old));
    }

    /**
     * Wide X with a ridge on every column is standardized by default since 2026-12-02: the fingerprint marks the fits that
     * are, so a state saved in the other coordinates (before the change, or with a fixed η that left it off — also
     * sgd's under invtime until that η stopped deciding anything there) is not resumed.
     */
    @Test
    void wideRidgeFitsStandardizedByDefaultAreMarked() {
        ResidentProblem wide = problem(6, 400, CORES);
        FitConfig cg = FitConfig.builder().solver(Solver.CG).penalty(dev.downhill.Penalty.l2(0.1)).build();
        assertEquals("wide", Fingerprint.of(wide, BackendOptions.none(), "c", cg).get("ridgeStandardization"));
        assertFalse(Fingerprint.of(wide, BackendOptions.none(), "c", cg.toBuilder().standardize(false).build())
                .containsKey("ridgeStandardization"), "explicitly off");
        assertFalse(Fingerprint.of(wide, BackendOptions.none(), "c", cg.toBuilder().penalty(dev.downhill.Penalty.none()).build())
                .containsKey("ridgeStandardization"), "no ridge");
        assertFalse(of(cg).containsKey("ridgeStandardization"), "tall X: standardized by the rule itself");
        FitConfig sgd = FitConfig.builder().solver(Solver.SGD).penalty(dev.downhill.Penalty.l2(0.1))
                .schedule(LearningRateSchedule.inverseTime(1, 10)).build();
        Map<String, String> automatic = Fingerprint.of(wide, BackendOptions.none(), "c", sgd);
        Map<String, String> fixed = Fingerprint.of(wide, BackendOptions.none(), "c", sgd.toBuilder().learningRate(0.01).build());
        assertEquals("wide", fixed.get("ridgeStandardization"), "under invtime a fixed η does not turn it off");
        assertEquals(List.of(), Fingerprint.differences(fixed, automatic));
        // saved before, a fixed η under invtime left it unstandardized: unmarked, refused
        Map<String, String> before = new LinkedHashMap<>(fixed);
        before.remove("ridgeStandardization");
        before.remove(Fingerprint.INVTIME_STANDARDIZATION);
        assertEquals(List.of(new Difference("ridgeStandardization", "(absent)", "wide")), Fingerprint.differences(before, automatic));
        Map<String, String> constant = Fingerprint.of(wide, BackendOptions.none(), "c", sgd.toBuilder().learningRate(0.01)
                .schedule(LearningRateSchedule.constant()).build());
        assertFalse(constant.containsKey("ridgeStandardization"), "a fixed η the steps use still turns it off");
    }
}
