package dev.downhill.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Runs one report task in its own process under a wall-clock cap: the task prints its result as
 * one JSON line on stdout (the last line starting with '{' counts); stderr goes to a log file.
 * A process still running at the cap is killed with its descendants and reported as over the cap.
 */
final class ChildProcess {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChildProcess() {
    }

    /** A Java task: {@code java <jvmOptions> -cp <this class path> ReportTask args…}. */
    static List<String> javaTask(List<String> jvmOptions, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ReportTask.class.getName());
        command.addAll(args);
        return command;
    }

    /**
     * Runs {@code command}; kills it after {@code capSeconds} (its own cap check should have ended it
     * earlier, this is the backstop).
     */
    static Outcome run(List<String> command, double capSeconds, Path log) {
        long start = System.nanoTime();
        Process p;
        try {
            Files.createDirectories(log.getParent());
            p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            return Outcome.of(Outcome.NOT_RUN, "cannot start " + command.get(0) + ": " + e.getMessage());
        }
        try {
            p.getOutputStream().close();
        } catch (IOException e) {
            // nothing to send anyway
        }
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the process was killed
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor((long) (capSeconds * 1000), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
                return Outcome.of(Outcome.OVER_CAP, String.format(Locale.ROOT, "over the time cap (killed after %.0f s)",
                        (System.nanoTime() - start) / 1e9));
            }
            reader.join(10_000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return Outcome.of(Outcome.FAILED, "interrupted");
        }
        String text;
        synchronized (out) {
            text = out.toString();
        }
        String json = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("{")) {
                json = line;
            }
        }
        if (json != null) {
            try {
                JsonNode node = JSON.readTree(json);
                return Outcome.fromJson(node);
            } catch (IOException e) {
                return Outcome.of(Outcome.FAILED, "unreadable result: " + e.getMessage());
            }
        }
        return Outcome.of(Outcome.FAILED, "exit " + p.exitValue() + ": " + lastLine(log));
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (!lines.get(i).isBlank()) {
                    String l = lines.get(i).trim();
                    return l.length() > 200 ? l.substring(0, 200) + "…" : l;
                }
            }
        } catch (IOException e) {
            // no log
        }
        return "no output (see " + log + ")";
    }
}
