package dev.downhill.cli;

import picocli.CommandLine.Option;

/** {@code --verbose}: stack traces on errors (read by Main's exception handler from the raw arguments). */
final class VerboseOption {
    @Option(names = "--verbose", description = "Print the stack trace on errors.")
    boolean verbose;
}
