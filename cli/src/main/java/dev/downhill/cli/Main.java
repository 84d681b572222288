package dev.downhill.cli;

import dev.downhill.Version;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code downhill} command: fit, predict, gen, info, demo.
 * Exit codes: 0 on success (a fit that stopped at the iteration limit or for want of progress included); 1 when a
 * command fails (bad data, divergence, unavailable backend, I/O); 2 on a usage error. Errors are
 * one line on stderr; {@code --verbose} adds the stack trace.
 */
@Command(name = "downhill", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Linear regression by gradient descent and closed forms, on CPUs and GPUs.",
        subcommands = {FitCommand.class, PredictCommand.class, GenCommand.class, InfoCommand.class, DemoCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams; returns the exit code. */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean verbose = parseResult.originalArgs().contains("--verbose");
            commandLine.getErr().println("downhill: " + oneLine(e));
            if (verbose) {
                e.printStackTrace(commandLine.getErr());
            }
            commandLine.getErr().flush();
            return 1;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            CommandLine c = e.getCommandLine();
            c.getErr().println("downhill: " + e.getMessage() + " (try: downhill " + (c.getCommandName().equals("downhill")
                    ? "" : c.getCommandName() + " ") + "--help)");
            c.getErr().flush();
            return 2;
        });
        return cl.execute(args);
    }

    /** The message of an exception as one line (class name when it has none). */
    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replace('\n', ' ');
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
