package dev.downhill.cli;

import dev.downhill.io.AtomicFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files one command writes, committed together: each is written to a temporary file beside
 * its target ({@link AtomicFile}); {@link #commit()} renames them all once every one is complete,
 * and {@link #close()} deletes whatever was not committed. So a command that fails part-way
 * (a plot that cannot be drawn, a full disk) leaves every previous output intact and no
 * temporary file behind.
 */
final class Outputs implements AutoCloseable {
    private final List<AtomicFile> files = new ArrayList<>();

    /**
     * Reads an output file option ({@code --out}, {@code --plot}): a path, refusing one that ends in a separator — it
     * names a folder, and {@link Path} would drop the separator and write a file of that name.
     */
    static final class FileName implements picocli.CommandLine.ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            if (value.isEmpty()) {
                throw new picocli.CommandLine.TypeConversionException("an empty file name");
            }
            if (value.endsWith("/") || value.endsWith(java.io.File.separator)) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' ends in '/', so it names a folder: "
                        + "give a file name");
            }
            return Path.of(value);
        }
    }

    /** Checks, before any work, that every target can be written (null entries are skipped). */
    static void check(Path... targets) {
        for (Path t : targets) {
            if (t != null) {
                AtomicFile.checkWritable(t);
            }
        }
    }

    /**
     * Refuses, before any work, an output that is one of the command's input files (the same file, however named):
     * writing it would replace the data. {@code outputs} and {@code inputs} map option names to paths (null paths
     * skipped); a usage error names both options.
     */
    static void checkNotInputs(picocli.CommandLine.Model.CommandSpec spec, java.util.Map<String, Path> outputs,
                               java.util.Map<String, Path> inputs) {
        for (java.util.Map.Entry<String, Path> o : outputs.entrySet()) {
            if (o.getValue() == null || !java.nio.file.Files.exists(o.getValue())) {
                continue;
            }
            for (java.util.Map.Entry<String, Path> i : inputs.entrySet()) {
                if (i.getValue() != null && sameFile(o.getValue(), i.getValue())) {
                    throw Main.usage(spec, o.getKey() + " " + o.getValue() + " is the " + i.getKey() + " file: writing it would "
                            + "replace that input; give another name");
                }
            }
        }
    }

    /**
     * Refuses, before any work, two outputs that name the same file (however named: links followed as far as the path
     * exists): the second written would replace the first, and both success lines would still print. Null paths skipped.
     */
    static void checkDistinct(picocli.CommandLine.Model.CommandSpec spec, java.util.Map<String, Path> outputs) {
        List<java.util.Map.Entry<String, Path>> given = new ArrayList<>();
        for (java.util.Map.Entry<String, Path> o : outputs.entrySet()) {
            if (o.getValue() != null) {
                given.add(o);
            }
        }
        for (int a = 0; a < given.size(); a++) {
            for (int b = a + 1; b < given.size(); b++) {
                Path first = given.get(a).getValue();
                Path second = given.get(b).getValue();
                if (resolved(first).equals(resolved(second)) || java.nio.file.Files.exists(first) && sameFile(first, second)) {
                    throw Main.usage(spec, given.get(b).getKey() + " " + second + " is the " + given.get(a).getKey()
                            + " file: one would replace the other; give another name");
                }
            }
        }
    }

    /** The absolute path of a file that may not exist yet, its folder's links resolved as far as they exist. */
    private static Path resolved(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        return absolute.getParent() == null ? absolute : real(absolute.getParent()).resolve(absolute.getFileName());
    }

    /**
     * Refuses, before any work, an output inside one of {@code folders} (option name → folder; null skipped): a
     * checkpoint folder's files are the checkpoint's (a model written over its manifest destroyed it).
     */
    static void checkNotInside(picocli.CommandLine.Model.CommandSpec spec, java.util.Map<String, Path> outputs,
                               java.util.Map<String, Path> folders) {
        for (java.util.Map.Entry<String, Path> o : outputs.entrySet()) {
            if (o.getValue() == null) {
                continue;
            }
            Path file = real(o.getValue().toAbsolutePath().normalize().getParent()).resolve(o.getValue().getFileName());
            for (java.util.Map.Entry<String, Path> f : folders.entrySet()) {
                if (f.getValue() != null && !f.getValue().toString().isEmpty()
                        && file.startsWith(real(f.getValue().toAbsolutePath().normalize()))) {
                    throw Main.usage(spec, o.getKey() + " " + o.getValue() + " is inside the " + f.getKey() + " folder "
                            + f.getValue() + ", whose files are the checkpoint's; write it elsewhere");
                }
            }
        }
    }

    /** The path with its links resolved as far as it exists. */
    private static Path real(Path p) {
        if (p == null) {
            return Path.of("/");
        }
        try {
            return p.toRealPath();
        } catch (java.io.IOException e) {
            Path parent = p.getParent();
            return parent == null ? p : real(parent).resolve(p.getFileName());
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return java.nio.file.Files.exists(b) && java.nio.file.Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false; // unreadable: the read or the write reports it
        }
    }

    /** A new staged file for {@code target}. */
    AtomicFile open(Path target) {
        AtomicFile f = AtomicFile.create(target);
        files.add(f);
        return f;
    }

    /**
     * Renames every staged file over its target, all or none ({@link AtomicFile#commitAll}), once standard output has
     * been written without error ({@link Main#checkStandardOutput}).
     */
    void commit() {
        if (!files.isEmpty()) {
            Main.checkStandardOutput(); // what went to standard output is an output too: if it failed, no file is replaced
            AtomicFile.commitAll(files);
        }
    }

    @Override
    public void close() {
        for (AtomicFile f : files) {
            f.close();
        }
    }
}
