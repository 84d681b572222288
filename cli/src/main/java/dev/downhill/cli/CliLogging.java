package dev.downhill.cli;

import dev.downhill.LinearRegression;
import java.io.PrintWriter;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The command line's SLF4J provider: the libraries' warnings and errors (downhill's own, a backend's) printed as the CLI
 * prints its own, one line {@code downhill: warning: …} (or {@code downhill: error: …}) on the command's error stream;
 * nothing below WARN. The svd solver's rank-deficiency warning ({@link LinearRegression#RANK_LOGGER}) is off: it names a
 * library setting, and the fit's summary says the same in the command line's terms; so are the warnings about settings
 * the solver ignores ({@link LinearRegression#IGNORED_SETTING_LOGGER}), which the command line gives for its options,
 * and the iteration-limit warning ({@link LinearRegression#CONVERGENCE_LOGGER}), which {@code fit} gives naming
 * {@code --iterations}.
 */
public final class CliLogging implements SLF4JServiceProvider {
    /** Loggers whose messages the command line leaves out. */
    static final Set<String> SILENT = Set.of(LinearRegression.RANK_LOGGER, LinearRegression.IGNORED_SETTING_LOGGER,
            LinearRegression.CONVERGENCE_LOGGER);

    private static volatile PrintWriter sink;

    private final ILoggerFactory loggers = new Loggers();
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    /**
     * Where the messages go from now on: the running command's error stream ({@code null}: {@code System.err} as it is
     * when a message is printed).
     */
    static void printTo(PrintWriter err) {
        sink = err;
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
    }

    private static final class Loggers implements ILoggerFactory {
        private final ConcurrentMap<String, Logger> byName = new ConcurrentHashMap<>();

        @Override
        public Logger getLogger(String name) {
            return byName.computeIfAbsent(name, LineLogger::new);
        }
    }

    /** WARN and ERROR as one line each; the throwable, when given, by its own one-line message. */
    private static final class LineLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;
        private final boolean silent;

        LineLogger(String name) {
            this.name = name;
            this.silent = SILENT.contains(name);
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public boolean isInfoEnabled() {
            return false;
        }

        @Override
        public boolean isWarnEnabled() {
            return !silent;
        }

        @Override
        public boolean isErrorEnabled() {
            return !silent;
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                                   Throwable throwable) {
            if (silent || (level != Level.WARN && level != Level.ERROR)) {
                return;
            }
            String text = MessageFormatter.basicArrayFormat(pattern, arguments);
            if (throwable != null) {
                text += ": " + Main.oneLine(throwable);
            }
            String line = "downhill: " + (level == Level.ERROR ? "error: " : "warning: ") + text;
            PrintWriter err = sink;
            if (err != null) {
                synchronized (err) {
                    err.println(line);
                    err.flush();
                }
            } else {
                System.err.println(line);
            }
        }
    }
}
