package dev.downhill.cli;

import java.io.PrintStream;

/**
 * The {@code downhill} command. For now: {@code demo}, {@code --help}, {@code --version}.
 * Exit codes: 0 on success, 1 on a failure while running, 2 on a usage error; errors are one
 * line on stderr (a stack trace only with {@code --verbose}).
 */
public final class Main {
    static final String VERSION = Main.class.getPackage().getImplementationVersion() == null
            ? "dev" : Main.class.getPackage().getImplementationVersion();

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        boolean verbose = false;
        String command = null;
        for (String a : args) {
            if (a.equals("--verbose") || a.equals("-v")) {
                verbose = true;
            } else if (command == null) {
                command = a;
            } else {
                err.println("downhill: unexpected argument '" + a + "' (try: downhill --help)");
                return 2;
            }
        }
        if (command == null || command.equals("--help") || command.equals("-h") || command.equals("help")) {
            out.println(usage());
            return command == null ? 2 : 0;
        }
        if (command.equals("--version")) {
            out.println("downhill " + VERSION);
            return 0;
        }
        if (!command.equals("demo")) {
            err.println("downhill: unknown command '" + command + "' (try: downhill --help)");
            return 2;
        }
        try {
            new Demo(out).run();
            return 0;
        } catch (RuntimeException e) {
            err.println("downhill: " + e.getMessage());
            if (verbose) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    static String usage() {
        return String.join(System.lineSeparator(),
                "usage: downhill <command> [--verbose]",
                "",
                "commands:",
                "  demo        fit y = 4 + 3x + noise (and a two-feature set) with every solver; print a table",
                "  --version   print the version",
                "  --help      print this help");
    }
}
