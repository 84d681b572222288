package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.downhill.FitConfig;
import dev.downhill.InitialCoefficients;
import dev.downhill.LearningRate;
import dev.downhill.LearningRateSchedule;
import dev.downhill.Penalty;
import dev.downhill.Solver;
import dev.downhill.UnusedSettingsAccess;
import dev.downhill.internal.SolverSetting;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The library ({@code UnusedSettings}, settings that differ from their default) and {@code downhill fit} (options
 * given) read one table of which solver ignores which setting ({@link SolverSetting}): for every named solver and every
 * combination of the settings the rules read, the library warns about a setting set to a value other than its default
 * exactly when the command line warns about the same value given as an option — a fixed learning rate under an
 * inverse-time schedule included, which decides nothing in either (not the default standardization either:
 * {@code FitConfig.fixedLearningRateUsed}).
 */
class IgnoredSettingsAgreementTest {
    private static final Pattern LIBRARY = Pattern.compile("(\\w+) does nothing with solver (\\w+) \\(ignored\\)");
    private static final Pattern LIBRARY_SCHEDULE = Pattern.compile("learningRate does nothing with schedule invtime:\\S+ "
            + "\\(its steps t0/\\(t \\+ t1\\) are the step sizes\\) \\(ignored\\)");
    private static final Pattern CLI = Pattern.compile("downhill: warning: (--[\\w-]+) does nothing with --solver (\\w+) \\(ignored\\)");
    private static final String CLI_SCHEDULE = "downhill: warning: --lr does nothing with --schedule invtime (its rates T0/(t + T1) "
            + "are the step sizes) (ignored)";
    /** Stands for the learning rate ignored because of the schedule rather than the solver, in both front ends. */
    private static final String BY_SCHEDULE = "learningRate (schedule)";

    private static final FitCommand FIT = new FitCommand();
    private static final CommandLine COMMAND_LINE = new CommandLine(FIT);

    /** Every row has an option, and the command line warns about each of them. */
    @Test
    void theCommandLineWarnsAboutEveryRowThatHasAnOption() {
        Set<SolverSetting> withOption = Arrays.stream(SolverSetting.values()).filter(r -> r.cliOption().isPresent())
                .collect(Collectors.toSet());
        assertEquals(withOption, Set.copyOf(FitCommand.WARNING_ORDER));
        assertEquals(FitCommand.WARNING_ORDER.size(), Set.copyOf(FitCommand.WARNING_ORDER).size(), "each row once");
        assertEquals(List.of(), Arrays.stream(SolverSetting.values()).filter(r -> r.cliOption().isEmpty())
                .collect(Collectors.toList()));
    }

    @Test
    void theLibraryAndTheCommandLineWarnAboutTheSameSettings() {
        int cases = 0;
        int warned = 0;
        for (Solver s : Solver.values()) {
            if (s.isAuto()) {
                continue; // neither front end warns before auto has chosen
            }
            for (String lr : Arrays.asList(null, "0.1")) {
                for (String schedule : Arrays.asList(null, "adaptive", "invscaling:0.5", "invtime:5,50")) {
                    for (String standardize : Arrays.asList(null, "on", "off")) {
                        for (Integer batchSize : Arrays.asList(null, 1, 8)) {
                            String what = s.cliName() + " lr=" + lr + " schedule=" + schedule + " standardize=" + standardize
                                    + " batchSize=" + batchSize;
                            Set<String> library = library(s, lr, schedule, standardize, batchSize, what);
                            Set<String> cli = commandLine(s, lr, schedule, standardize, batchSize, what);
                            assertEquals(library, cli, what);
                            boolean bySchedule = s.isStochastic() && lr != null && "invtime:5,50".equals(schedule);
                            assertEquals(bySchedule, library.contains(BY_SCHEDULE), what + ": " + library);
                            cases++;
                            warned += library.size();
                        }
                    }
                }
            }
        }
        assertEquals(8 * 2 * 4 * 3 * 3, cases);
        assertTrue(warned > cases, "the settings all given, most cases warn: " + warned);
    }

    /**
     * The settings the library warns about for solver {@code s} given these values and every other setting of the table
     * set to other than its default, named as the library names them.
     */
    private static Set<String> library(Solver s, String lr, String schedule, String standardize, Integer batchSize, String what) {
        FitConfig.Builder b = FitConfig.builder().solver(s).validationFraction(0.2).maxIterations(5).tolerance(1e-3)
                .initialCoefficients(InitialCoefficients.given(new double[] {1})).seed(5).averageFrom(10).patience(3);
        if (s == Solver.CD) {
            b.penalty(Penalty.l1(0.1));
        }
        if (lr != null) {
            b.learningRate(LearningRate.parse(lr));
        }
        if (schedule != null) {
            b.schedule(LearningRateSchedule.parse(schedule));
        }
        if (standardize != null) {
            b.standardize(standardize.equals("on"));
        }
        if (batchSize != null) {
            b.batchSize(batchSize);
        }
        Set<String> names = new LinkedHashSet<>();
        for (String warning : UnusedSettingsAccess.warnings(b.build())) {
            Matcher m = LIBRARY.matcher(warning);
            if (m.matches() && m.group(2).equals(s.cliName())) {
                assertTrue(names.add(m.group(1)), what + ": twice: " + warning);
            } else if (LIBRARY_SCHEDULE.matcher(warning).matches()) {
                assertTrue(names.add(BY_SCHEDULE), what + ": twice: " + warning);
            } else {
                fail(what + ": unexpected library warning: " + warning);
            }
        }
        return names;
    }

    /**
     * The settings {@code downhill fit} warns about for solver {@code s} given these options and every other option of the
     * table, named as the library names them (its warnings before a fit, without fitting).
     */
    private static Set<String> commandLine(Solver s, String lr, String schedule, String standardize, Integer batchSize, String what) {
        List<String> args = new ArrayList<>(List.of("--x", "X.npy", "--y", "y.npy", "--solver", s.cliName(), "--validation-fraction",
                "0.2", "--iterations", "5", "--tol", "1e-3", "--init", "warm.json", "--seed", "5", "--average", "10",
                "--patience", "3"));
        if (s == Solver.CD) {
            args.addAll(List.of("--penalty", "l1", "--alpha", "0.1"));
        }
        if (lr != null) {
            args.addAll(List.of("--lr", lr));
        }
        if (schedule != null) {
            args.addAll(List.of("--schedule", schedule));
        }
        if (standardize != null) {
            args.addAll(List.of("--standardize", standardize));
        }
        if (batchSize != null) {
            args.addAll(List.of("--batch-size", batchSize.toString()));
        }
        StringWriter err = new StringWriter();
        COMMAND_LINE.setErr(new PrintWriter(err, true));
        COMMAND_LINE.parseArgs(args.toArray(new String[0])); // (each parse starts from the options' initial values)
        FIT.warnIgnored(s, "");
        Set<String> names = new LinkedHashSet<>();
        for (String line : err.toString().lines().collect(Collectors.toList())) {
            Matcher m = CLI.matcher(line);
            if (m.matches() && m.group(2).equals(s.cliName())) {
                String option = m.group(1);
                SolverSetting row = Arrays.stream(SolverSetting.values()).filter(r -> r.cliOption().orElse("").equals(option))
                        .findFirst().orElseThrow(() -> new AssertionError(what + ": an option not in the table: " + line));
                assertTrue(names.add(row.libraryName()), what + ": twice: " + line);
            } else if (line.equals(CLI_SCHEDULE)) {
                assertTrue(names.add(BY_SCHEDULE), what + ": twice: " + line);
            } else {
                fail(what + ": unexpected command-line warning: " + line);
            }
        }
        return names;
    }
}
