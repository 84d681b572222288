package dev.downhill.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.downhill.Checkpoint;
import dev.downhill.FitInterruptedException;
import dev.downhill.Version;
import dev.downhill.io.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.zip.CRC32;

/**
 * One fit's side of a {@link Checkpoint}: restores the saved state (after checking the fingerprint) and saves new ones at
 * the solvers' boundaries. A checkpoint folder holds
 * <ul>
 *   <li>{@value #MANIFEST}: JSON — {@code format} ({@value #FORMAT}), {@code formatVersion}, {@code libraryVersion},
 *       {@code solver}, {@code iteration}, {@code finished}, {@code state} (the state file's name), {@code stateBytes},
 *       {@code stateCrc32}, {@code wallTimeSeconds} (of all runs so far) and {@code fingerprint} ({@link Fingerprint});</li>
 *   <li>{@code state-<iteration>-<random>.bin}: the {@link SolverState} in its binary form.</li>
 * </ul>
 * A save writes a new state file, then the manifest naming it (each all or nothing, {@link AtomicFile}), then deletes the
 * older state files: the manifest's rename is the commit, so a kill at any moment leaves a complete checkpoint (the new
 * one or the previous one). Used by one thread, the fit's; {@link Checkpoint#requestStop()} comes from any.
 */
public final class Checkpointer implements AutoCloseable {
    public static final String MANIFEST = "checkpoint.json";
    public static final String FORMAT = "downhill-checkpoint";
    public static final int FORMAT_VERSION = 1;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Checkpointer.class);
    /** Made on first use (a holder class): a fit without a checkpoint does not pay Jackson's start-up in its wall time. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** No checkpoint: every call does nothing. */
    public static final Checkpointer NONE = new Checkpointer(Checkpoint.none(), Map.of(), System.nanoTime(), null, 0);

    private final Checkpoint policy;
    private final Path directory;
    private final long intervalNanos;
    private final Map<String, String> fingerprint;
    private final long startNanos;
    private final double priorSeconds;
    private final boolean active;
    private SolverState restored;
    private final long resumedAt;
    private long lastSave;
    private boolean saved;
    /** The folder's lock ({@value #LOCK}), held from {@link #open} to {@link #close}; null without a folder to save in. */
    private java.nio.channels.FileChannel lockChannel;

    private Checkpointer(Checkpoint policy, Map<String, String> fingerprint, long startNanos, SolverState restored, double priorSeconds) {
        this.policy = policy;
        this.directory = policy.directory().orElse(null);
        this.intervalNanos = policy.interval().toNanos();
        this.fingerprint = fingerprint;
        this.startNanos = startNanos;
        this.restored = restored;
        this.resumedAt = restored == null ? -1 : restored.iteration();
        this.priorSeconds = priorSeconds;
        this.active = policy.isActive();
    }

    /**
     * Opens {@code policy} for one fit whose fingerprint is {@code fingerprint}: reads and checks the checkpoint to resume
     * (an {@link IllegalArgumentException} naming the folder and what is wrong or different), creates the folder to save in.
     */
    public static Checkpointer open(Checkpoint policy, Map<String, String> fingerprint, long startNanos) {
        if (!policy.isActive()) {
            return NONE;
        }
        Path from = policy.resumeFrom().orElse(null);
        Path dir = policy.directory().orElse(null);
        // resuming from the folder it saves in: locked first, so that no other fit saving there meanwhile replaces what
        // is read; from another folder: read under that folder's shared lock, and the folder to save in made after
        boolean same = from != null && dir != null && sameFolder(from, dir);
        java.nio.channels.FileChannel lock = same ? lockFolder(dir) : null;
        SolverState state = null;
        double prior = 0;
        try {
            if (from != null) {
                java.nio.channels.FileChannel reading = same ? null : lockForReading(from);
                try {
                    JsonNode manifest = readManifest(from);
                    Map<String, String> saved = new LinkedHashMap<>();
                    manifest.get("fingerprint").fields().forEachRemaining(e -> saved.put(e.getKey(), e.getValue().asText()));
                    java.util.List<dev.downhill.CheckpointMismatchException.Difference> diff = Fingerprint.differences(saved, fingerprint);
                    if (!diff.isEmpty()) {
                        throw new dev.downhill.CheckpointMismatchException(from, diff);
                    }
                    state = readState(from, manifest);
                    prior = manifest.path("wallTimeSeconds").asDouble(0);
                } finally {
                    release(reading);
                }
            }
            if (dir != null && !same) {
                lock = lockFolder(dir);
            }
        } catch (RuntimeException | Error e) {
            release(lock);
            throw e;
        }
        Checkpointer c = new Checkpointer(policy, fingerprint, startNanos, state, prior);
        c.lockChannel = lock;
        if (from != null) {
            try {
                policy.resumedAction().accept(from);
            } catch (RuntimeException | Error e) { // the caller's action failed: no fit runs, so the folder's lock goes
                release(lock);
                throw e;
            }
        }
        return c;
    }

    /** Creates {@code dir} and locks it for this fit ({@link #lock}). */
    private static java.nio.channels.FileChannel lockFolder(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create checkpoint folder " + dir + ": " + describe(e), e);
        }
        return lock(dir);
    }

    private static boolean sameFolder(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }

    /**
     * A shared lock on {@code from}'s {@value #LOCK} while its checkpoint is read, so that a fit saving there at the
     * same time (it holds the exclusive lock) is named in one line instead of its files changing under the reader
     * (which then said the manifest's state file was missing). Null where there is nothing to lock: no lock file (no
     * fit ever saved there with one), a folder that cannot be opened for it, or a file system without locks.
     */
    private static java.nio.channels.FileChannel lockForReading(Path from) {
        java.nio.channels.FileChannel ch;
        try {
            ch = java.nio.channels.FileChannel.open(from.resolve(LOCK), java.nio.file.StandardOpenOption.READ);
        } catch (IOException e) {
            return null;
        }
        java.nio.channels.FileLock held;
        try {
            held = ch.tryLock(0, Long.MAX_VALUE, true);
        } catch (java.nio.channels.OverlappingFileLockException e) {
            held = null; // this process holds it: a fit here is saving in it
        } catch (IOException e) {
            return ch;
        }
        if (held == null) {
            release(ch);
            throw new IllegalStateException("checkpoint folder " + from + " is in use by another fit saving there: resume "
                    + "from it when that fit has stopped");
        }
        return ch;
    }

    private static void release(java.nio.channels.FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the lock goes with the channel, or with the process
            }
        }
    }

    /** The lock file in a checkpoint folder: one fit saves in a folder at a time. */
    public static final String LOCK = ".lock";

    /**
     * Locks {@code dir} for this fit (an OS file lock on its {@value #LOCK}, released when the process ends, however it
     * ends): another fit saving there at the same time, in this process or another, is refused in one line.
     */
    private static java.nio.channels.FileChannel lock(Path dir) {
        java.nio.channels.FileChannel ch;
        try {
            ch = java.nio.channels.FileChannel.open(dir.resolve(LOCK), java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock checkpoint folder " + dir + ": " + describe(e), e);
        }
        java.nio.channels.FileLock held;
        try {
            held = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            held = null; // this process holds it: another fit here
        } catch (IOException e) { // a file system without locks (some network ones): go on unguarded, and say so
            LOG.warn("checkpoint folder {} cannot be locked ({}): nothing keeps another fit from saving there too", dir,
                    describe(e));
            return ch;
        }
        if (held == null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // refusing anyway
            }
            throw new IllegalStateException("checkpoint folder " + dir + " is in use by another fit saving there: give each "
                    + "fit a folder of its own");
        }
        return ch;
    }

    /** Releases the folder's lock (closing its channel); a second call does nothing. */
    @Override
    public void close() {
        java.nio.channels.FileChannel ch = lockChannel;
        lockChannel = null;
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the lock goes with the channel, or with the process
            }
        }
    }

    /** Checks, before any work, that {@code dir} holds a readable checkpoint; returns its manifest's summary line. */
    public static String describe(Path dir) {
        JsonNode m = readManifest(dir);
        return m.get("solver").asText() + (m.get("finished").asBoolean() ? ", finished after " + m.get("iteration").asLong()
                + " iterations" : " at iteration " + m.get("iteration").asLong());
    }

    /** The state to resume from, if any (finished or not), without taking it. */
    public SolverState restored() {
        return restored;
    }

    /**
     * The unfinished state of {@code solver} to resume from, taken (a second call returns null), or null when there is none.
     * A state of another solver is an {@link IllegalArgumentException}.
     */
    public SolverState take(String solver) {
        SolverState s = restored;
        if (s == null || s.finished()) {
            return null;
        }
        if (!s.solver().equals(solver)) {
            throw new IllegalArgumentException("checkpoint " + policy.resumeFrom().orElse(null) + " holds a " + s.solver()
                    + " state, but this fit runs " + solver);
        }
        restored = null;
        return s;
    }

    /** The iteration the fit resumed at, −1 when it did not resume. */
    public long resumedAt() {
        return resumedAt;
    }

    /** Seconds of the earlier runs of a resumed fit (0 otherwise). */
    public double priorSeconds() {
        return priorSeconds;
    }

    /**
     * An iteration boundary at {@code iteration}: saves {@code state} when this is the run's first boundary, when the
     * interval has passed since the last save, or when a stop was requested or the thread interrupted; then, on a stop
     * request or an interrupt, throws {@link FitInterruptedException} (an interrupt leaves the thread's flag set). Every
     * fit's boundaries come here, with or without a checkpoint ({@link #NONE} checks the interrupt only). Costs a read of
     * the interrupt flag, and a clock read when checkpointing and nothing is due.
     */
    public void boundary(long iteration, Supplier<SolverState> state) {
        boolean interrupted = Thread.currentThread().isInterrupted();
        if (!active && !interrupted) {
            return;
        }
        boolean stop = interrupted || policy.stopRequested();
        boolean wrote = false;
        if (directory != null && (stop || !saved || System.nanoTime() - lastSave >= intervalNanos)) {
            if (interrupted) {
                Thread.interrupted(); // an interrupted thread's file channels close at once: save first, flag it again after
            }
            try {
                wrote = save(state.get(), stop);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (stop) {
            if (!interrupted) {
                policy.withdrawStop(); // this fit acts on the request: the next one (a resume) runs
            }
            throw new FitInterruptedException(iteration, wrote ? directory : null, interrupted);
        }
    }

    /** The checkpoint of the fit running on each thread (see {@link #running()}), whose stop requests {@link #stopIfInterrupted} honours. */
    private static final ThreadLocal<Checkpoint> RUNNING = new ThreadLocal<>();

    /**
     * Marks this checkpointer's fit as the one running on the calling thread until the handle is closed: meanwhile
     * {@link #stopIfInterrupted} there (cd's sweeps, the direct solvers' passes between their blocks) also stops on this
     * fit's {@link Checkpoint#requestStop()}, not only on an interrupt. Handles nest (a fit within a fit restores the
     * outer one's on close).
     */
    public Running running() {
        return new Running(active ? policy : null); // an inactive checkpoint has nothing to stop (its flag may be shared)
    }

    /** The calling thread's running fit, from {@link #running()} to {@link #close()}. */
    public static final class Running implements AutoCloseable {
        private final Checkpoint previous;

        private Running(Checkpoint policy) {
            previous = RUNNING.get();
            if (policy == null) {
                RUNNING.remove();
            } else {
                RUNNING.set(policy);
            }
        }

        @Override
        public void close() {
            if (previous == null) {
                RUNNING.remove();
            } else {
                RUNNING.set(previous);
            }
        }
    }

    /**
     * Where a solver without checkpoints has a boundary (cd's sweeps, the direct solvers' passes between blocks): a
     * {@link FitInterruptedException} at {@code iteration} when the thread is interrupted (its flag left set) or the
     * fit running on it ({@link #running()}) was asked to stop ({@link Checkpoint#requestStop()}; nothing is saved),
     * else nothing. Costs a read of the interrupt flag and of a thread-local.
     */
    public static void stopIfInterrupted(long iteration) {
        boolean interrupted = Thread.currentThread().isInterrupted();
        Checkpoint running = RUNNING.get();
        if (interrupted || (running != null && running.stopRequested())) {
            if (!interrupted) {
                running.withdrawStop(); // acted on: the next fit with this checkpoint runs
            }
            throw new FitInterruptedException(iteration, null, interrupted);
        }
    }

    /**
     * Saves the finished fit's state (when saving). {@code state} is made only then: it copies the coefficients (n values,
     * twice), which a fit without a checkpoint never needs.
     */
    public void finish(Supplier<SolverState> state) {
        if (directory != null) {
            save(state.get(), true);
        }
    }

    /** Writes the state file and the manifest; returns whether it succeeded (failures of later periodic saves are logged). */
    private boolean save(SolverState state, boolean mustTry) {
        RuntimeException failure = null;
        for (int attempt = 0; attempt < (mustTry ? 2 : 1); attempt++) { // a second try: a shutdown hook may delete temporary files
            try {
                write(state);
                lastSave = System.nanoTime();
                saved = true;
                return true;
            } catch (UncheckedIOException e) {
                failure = e;
            }
        }
        if (!saved) {
            throw failure; // the first save: a folder that cannot take a checkpoint fails the fit before its work
        }
        LOG.warn("checkpoint at iteration {} not saved: {}", state.iteration(), failure.getMessage());
        lastSave = System.nanoTime();
        return false;
    }

    private void write(SolverState state) {
        byte[] bytes = state.encode();
        String name = String.format(Locale.ROOT, "state-%d-%08x.bin", state.iteration(),
                java.util.concurrent.ThreadLocalRandom.current().nextInt());
        AtomicFile.write(directory.resolve(name), bytes);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("format", FORMAT);
        m.put("formatVersion", FORMAT_VERSION);
        m.put("libraryVersion", Version.VERSION);
        m.put("solver", state.solver());
        m.put("iteration", state.iteration());
        m.put("finished", state.finished());
        m.put("state", name);
        m.put("stateBytes", bytes.length);
        m.put("stateCrc32", String.format(Locale.ROOT, "%08x", crc.getValue()));
        m.put("wallTimeSeconds", priorSeconds + (System.nanoTime() - startNanos) / 1e9);
        ObjectNode f = m.putObject("fingerprint");
        fingerprint.forEach(f::put);
        try {
            AtomicFile.write(directory.resolve(MANIFEST), Json.MAPPER.writeValueAsBytes(m));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the checkpoint manifest: " + e.getMessage(), e);
        }
        // older states, and the temporary files of saves a kill -9 interrupted (this one's are renamed by now)
        try (DirectoryStream<Path> old = Files.newDirectoryStream(directory, "{state-*.bin,.state-*.tmp,.checkpoint.json.*.tmp}")) {
            for (Path p : old) {
                if (!p.getFileName().toString().equals(name)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            LOG.debug("old checkpoint state files not deleted: {}", e.toString());
        }
    }

    private static JsonNode readManifest(Path dir) {
        Path file = dir.resolve(MANIFEST);
        JsonNode m;
        try {
            m = Json.MAPPER.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("checkpoint " + dir + " does not exist or holds no " + MANIFEST
                    + (Files.isDirectory(dir) ? "" : " (no such folder)"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("checkpoint " + file + " is not valid JSON" + JsonErrors.where(e) + ": "
                    + JsonErrors.what(e));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + file + ": " + describe(e), e);
        }
        if (m == null || !FORMAT.equals(m.path("format").asText())) {
            throw new IllegalArgumentException("checkpoint " + file + " is not a downhill checkpoint (format is not '" + FORMAT + "')");
        }
        if (m.path("formatVersion").asInt(-1) != FORMAT_VERSION) {
            throw new IllegalArgumentException("checkpoint " + file + " has format version " + m.path("formatVersion")
                    + "; this downhill reads version " + FORMAT_VERSION);
        }
        for (String field : new String[] {"solver", "iteration", "finished", "state", "stateBytes", "stateCrc32", "fingerprint"}) {
            if (!m.hasNonNull(field)) {
                throw new IllegalArgumentException("checkpoint " + file + " lacks the field '" + field + "'");
            }
        }
        if (!m.get("fingerprint").isObject()) {
            throw new IllegalArgumentException("checkpoint " + file + ": 'fingerprint' is not an object");
        }
        return m;
    }

    private static SolverState readState(Path dir, JsonNode manifest) {
        String name = manifest.get("state").asText();
        if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("checkpoint " + dir.resolve(MANIFEST) + " names a state file outside its folder: " + name);
        }
        Path file = dir.resolve(name);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("checkpoint " + dir + " lacks its state file " + name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint state " + file + ": " + describe(e), e);
        }
        CRC32 crc = new CRC32();
        crc.update(bytes);
        if (bytes.length != manifest.get("stateBytes").asLong()
                || !String.format(Locale.ROOT, "%08x", crc.getValue()).equals(manifest.get("stateCrc32").asText())) {
            throw new IllegalArgumentException("checkpoint state " + file + " does not match its manifest (size or CRC-32): damaged");
        }
        SolverState s = SolverState.decode(bytes, "checkpoint state " + file);
        if (!s.solver().equals(manifest.get("solver").asText()) || s.iteration() != manifest.get("iteration").asLong()
                || s.finished() != manifest.get("finished").asBoolean()) {
            throw new IllegalArgumentException("checkpoint state " + file + " does not match its manifest (solver or iteration)");
        }
        return s;
    }

    private static String describe(IOException e) {
        return e instanceof java.nio.file.FileAlreadyExistsException ? "a file of that name exists" : dev.downhill.io.IoErrors.reason(e);
    }
}
