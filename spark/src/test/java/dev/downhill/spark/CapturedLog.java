package dev.downhill.spark;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * The WARN-and-above lines logged on some loggers while it is open ("logger: message"), through Log4j 2, Spark's logging
 * backend (SLF4J's calls reach it through log4j-slf4j2-impl).
 */
final class CapturedLog implements AutoCloseable {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final AbstractAppender appender;
    private final LoggerContext context = LoggerContext.getContext(false);
    private final String[] names;

    CapturedLog(String... names) {
        this.names = names.clone();
        appender = new AbstractAppender("captured-" + System.identityHashCode(this), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                lines.add(event.getLoggerName() + ": " + event.getMessage().getFormattedMessage());
            }
        };
        appender.start();
        Configuration configuration = context.getConfiguration();
        for (String name : names) { // a logger of its own per name, WARN and above, to this appender only
            LoggerConfig logger = new LoggerConfig(name, Level.WARN, false);
            logger.addAppender(appender, null, null);
            configuration.addLogger(name, logger);
        }
        context.updateLoggers();
    }

    /** The lines so far. */
    List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        Configuration configuration = context.getConfiguration();
        for (String name : names) {
            configuration.removeLogger(name);
        }
        context.updateLoggers();
        appender.stop();
    }
}
