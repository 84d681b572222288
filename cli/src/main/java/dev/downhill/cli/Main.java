package dev.downhill.cli;

import dev.downhill.Version;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code downhill} command: fit, predict, gen, info, demo.
 * Exit codes: 0 on success (a fit that stopped at the iteration limit or for want of progress included, and
 * {@code --help}/{@code --version}); 1 when a command fails (bad data, divergence, unavailable
 * backend, I/O, out of memory); 2 on a usage error (unknown option, bad option value, missing
 * or conflicting options). Errors are one line on stderr (at most {@value #MAX_MESSAGE}
 * characters); {@code --verbose} adds the stack trace.
 */
@Command(name = "downhill", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Linear regression by gradient descent and closed forms, on CPUs and GPUs.",
        subcommands = {FitCommand.class, PredictCommand.class, GenCommand.class, InfoCommand.class, DemoCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Longest error line printed (a message echoing huge input is cut). */
    static final int MAX_MESSAGE = 1000;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        StandardOutput stdout = new StandardOutput(new java.io.FileOutputStream(java.io.FileDescriptor.out),
                StandardOutput.standardOutputIsPipe());
        java.nio.charset.Charset charset = java.nio.charset.Charset.defaultCharset(); // System.out's: stdout.encoding (JDK 19+),
        for (String property : new String[] {"stdout.encoding", "sun.stdout.encoding"}) { // sun.stdout.encoding (a terminal, 17)
            String encoding = System.getProperty(property);
            if (encoding != null && java.nio.charset.Charset.isSupported(encoding)) {
                charset = java.nio.charset.Charset.forName(encoding);
                break;
            }
        }
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(stdout, charset), true);
        PrintWriter err = new PrintWriter(System.err, true);
        STANDARD_OUTPUT = new StandardOutput.Watch(stdout, out);
        int code = run(args, out, err);
        out.flush();
        System.exit(withOutputChecked(code, stdout.failure() != null, err));
    }

    /** The process's standard output, watched for write errors (null where a test runs commands with its own writers). */
    private static volatile StandardOutput.Watch STANDARD_OUTPUT;

    /**
     * Flushes standard output and throws, failing the command (exit 1), when writing it failed other than by its reader
     * closing it (a full disk, an I/O error): the commands call it before replacing their output files, so such a
     * command leaves its files as they were. A reader that stopped reading (a pipe into {@code head}) is not a failure.
     */
    static void checkStandardOutput() {
        StandardOutput.Watch watch = STANDARD_OUTPUT;
        if (watch == null) {
            return;
        }
        watch.writer().flush();
        IOException failure = watch.stream().failure();
        if (failure != null) {
            throw new java.io.UncheckedIOException("could not write to standard output (" + failure.getMessage()
                    + "): no file written", failure);
        }
    }

    /**
     * The exit code once standard output has been flushed: a command that succeeded but whose output could not all be
     * written ({@code outputFailed}: no space left, a closed pipe — Java's print streams keep such errors to themselves)
     * fails, exit 1, with one line saying so.
     */
    static int withOutputChecked(int code, boolean outputFailed, PrintWriter err) {
        if (!outputFailed || code != 0) {
            return code;
        }
        err.println("downhill: could not write all of the output to standard output (no space left on its device, or "
                + "an I/O error)");
        err.flush();
        return 1;
    }

    /** Runs the command line with the given streams; returns the exit code. */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOverwrittenOptionsAllowed(true); // an option given twice: the last one counts (a script's default, then an override)
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean verbose = parseResult.originalArgs().contains("--verbose");
            commandLine.getErr().println("downhill: " + withOptions(e, oneLine(e)));
            if (verbose) {
                e.printStackTrace(commandLine.getErr());
            }
            commandLine.getErr().flush();
            return 1;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            CommandLine c = e.getCommandLine();
            String message = oneLine(e);
            if (e instanceof CommandLine.UnmatchedArgumentException u && c.getCommandName().equals("downhill")
                    && !u.getUnmatched().isEmpty() && a.length > 0 && a[0].equals(u.getUnmatched().get(0))
                    && !a[0].startsWith("-")) { // picocli's "Unmatched argument at index 0: 'frobnicate'"
                message = "unknown command '" + a[0] + "': expected fit, predict, gen, info or demo";
            }
            c.getErr().println("downhill: " + message + " (try: downhill " + (c.getCommandName().equals("downhill")
                    ? "" : c.getCommandName() + " ") + "--help)");
            c.getErr().flush();
            return 2;
        });
        CliLogging.printTo(err);
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // picocli passes Errors through; an allocation failure is a failed command, not a crash
            err.println("downhill: out of memory: " + oneLine(e) + " (raise the JVM's limits through DOWNHILL_JAVA_OPTS, "
                    + "e.g. -Xmx8g, or use less data or --precision float32)");
            if (java.util.Arrays.asList(args).contains("--verbose")) {
                e.printStackTrace(err);
            }
            err.flush();
            return 1;
        } finally {
            CliLogging.printTo(null);
        }
    }

    /** A usage error (exit 2) of {@code spec}'s command with {@code message}. */
    static CommandLine.ParameterException usage(CommandLine.Model.CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Runs {@code body}, turning an {@link IllegalArgumentException} (a bad option value) into a usage error. */
    static <T> T option(CommandLine.Model.CommandSpec spec, java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (IllegalArgumentException e) {
            throw usage(spec, oneLine(e));
        }
    }

    /** A one-line warning on stderr (never an error). */
    static void warn(CommandLine.Model.CommandSpec spec, String message) {
        spec.commandLine().getErr().println("downhill: warning: " + message);
        spec.commandLine().getErr().flush();
    }

    /**
     * {@code message} (of {@code e}) with the command line's options beside the library's advice, which names the remedy in
     * words both the API and the command line read: "the svd solver" (or cg, for sparse X) of a
     * {@link dev.downhill.SingularMatrixException} gains {@code (--solver svd)}, "the automatic step size" of a
     * {@link dev.downhill.DivergenceException} gains {@code (--lr auto)}.
     */
    static String withOptions(Throwable e, String message) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof dev.downhill.SingularMatrixException s) {
                String solver = "the " + s.suggestedSolver().cliName() + " solver";
                return message.replace(solver, solver + " (--solver " + s.suggestedSolver().cliName() + ")");
            }
            if (t instanceof dev.downhill.DivergenceException) {
                return message.replace("the automatic step size", "the automatic step size (--lr auto)");
            }
        }
        if (message.startsWith("early stopping: ")) { // a weighted split with no weight on one side
            return message.replace("validation fraction", "validation fraction (--validation-fraction)")
                    .replace("another seed", "another seed (--seed)")
                    .replace("turn early stopping off", "turn early stopping off (--validation-fraction 0)");
        }
        return message;
    }

    /** The message of an exception as one line (class name when it has none). */
    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        m = m.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
        return m.length() <= MAX_MESSAGE ? m : m.substring(0, MAX_MESSAGE) + "… (" + m.length() + " characters)";
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: fit, predict, gen, info or demo");
    }

    /** Prints the library version. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"downhill " + Version.VERSION};
        }
    }
}
