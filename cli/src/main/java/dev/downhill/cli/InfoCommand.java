package dev.downhill.cli;

import dev.downhill.Version;
import dev.downhill.spi.Availability;
import dev.downhill.spi.Backend;
import dev.downhill.spi.Backends;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code downhill info}: version, Java, each backend with why it is unavailable, and what it runs on. */
@Command(name = "info", description = "Print the version, the backends (and why any is unavailable), devices and BLAS threads.",
        mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class)
final class InfoCommand implements Callable<Integer> {
    @Mixin
    VerboseOption verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("downhill " + Version.VERSION);
        out.println("Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), "
                + Runtime.getRuntime().availableProcessors() + " processors, max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        List<Backend> all = Backends.all();
        if (all.isEmpty()) {
            out.println("backends: none on the class path");
            return 0;
        }
        String selected;
        try {
            selected = Backends.select(null).name();
        } catch (RuntimeException e) {
            selected = "none (" + Main.oneLine(e) + ")";
        }
        out.println("backends (automatic choice: " + selected + "):");
        for (Backend b : all) {
            Availability a = b.availability();
            out.println("  " + b.name() + " (priority " + b.priority() + "): " + (a.available() ? "available" : "unavailable — " + a.reason()));
            String details = a.available() ? b.details() : "";
            if (!details.isEmpty()) {
                out.println("    " + details);
            }
        }
        return 0;
    }
}
