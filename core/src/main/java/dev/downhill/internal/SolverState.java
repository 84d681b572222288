package dev.downhill.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * A solver's state at an iteration boundary, captured exactly (doubles bit for bit), for a checkpoint: the solver
 * that made it ({@code gd}, {@code ista}, {@code nesterov}, {@code fista}, {@code cg}, {@code sgd}, {@code minibatch},
 * or a direct solver for a finished fit), the iteration the solver resumes at, whether the fit had finished, and named
 * parts — integers, doubles, vectors and texts — that each solver defines for itself (θ, momentum and CG vectors, the
 * step size, the schedule position, the histories, the progress rule's memory). Immutable.
 *
 * <p>Binary form ({@link #encode}/{@link #decode}): the magic {@code DHSTATE1}, the solver (modified UTF-8), the
 * iteration (int64), the finished flag, the number of parts, then each part as a tag byte ({@code J} int64,
 * {@code D} float64 bits, {@code V} int32 length + float64 bits, {@code S} modified UTF-8), its name and its value;
 * big-endian; a CRC-32 of everything before it at the end.
 */
public final class SolverState {
    private static final byte[] MAGIC = "DHSTATE1".getBytes(StandardCharsets.US_ASCII);

    private final String solver;
    private final long iteration;
    private final boolean finished;
    private final Map<String, Object> parts;

    private SolverState(String solver, long iteration, boolean finished, Map<String, Object> parts) {
        this.solver = solver;
        this.iteration = iteration;
        this.finished = finished;
        this.parts = Collections.unmodifiableMap(parts);
    }

    /** A new state of {@code solver} at {@code iteration}. */
    public static Builder builder(String solver, long iteration, boolean finished) {
        return new Builder(solver, iteration, finished);
    }

    public String solver() {
        return solver;
    }

    /** The iteration the solver resumes at (for a finished fit: the iterations taken). */
    public long iteration() {
        return iteration;
    }

    public boolean finished() {
        return finished;
    }

    public boolean has(String name) {
        return parts.containsKey(name);
    }

    public long integer(String name) {
        return get(name, Long.class);
    }

    public double real(String name) {
        return get(name, Double.class);
    }

    /** A copy of a vector part. */
    public double[] vector(String name) {
        return get(name, double[].class).clone();
    }

    public String text(String name) {
        return get(name, String.class);
    }

    private <T> T get(String name, Class<T> type) {
        Object v = parts.get(name);
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException("the checkpoint's " + solver + " state " + (v == null ? "lacks"
                    : "has the wrong type for") + " '" + name + "' (written by another version?)");
        }
        return type.cast(v);
    }

    /** Checks that a vector part has {@code length} values (a state of another problem is refused before any use). */
    public double[] vector(String name, int length) {
        double[] v = vector(name);
        if (v.length != length) {
            throw new IllegalArgumentException("the checkpoint's " + solver + " state has " + v.length + " values in '" + name
                    + "', expected " + length);
        }
        return v;
    }

    /** The binary form (see the class comment). */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + estimate());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeUTF(solver);
            out.writeLong(iteration);
            out.writeBoolean(finished);
            out.writeInt(parts.size());
            for (Map.Entry<String, Object> e : parts.entrySet()) {
                Object v = e.getValue();
                if (v instanceof Long) {
                    out.writeByte('J');
                    out.writeUTF(e.getKey());
                    out.writeLong((Long) v);
                } else if (v instanceof Double) {
                    out.writeByte('D');
                    out.writeUTF(e.getKey());
                    out.writeLong(Double.doubleToRawLongBits((Double) v));
                } else if (v instanceof double[]) {
                    double[] a = (double[]) v;
                    out.writeByte('V');
                    out.writeUTF(e.getKey());
                    out.writeInt(a.length);
                    for (double d : a) {
                        out.writeLong(Double.doubleToRawLongBits(d));
                    }
                } else {
                    out.writeByte('S');
                    out.writeUTF(e.getKey());
                    out.writeUTF((String) v);
                }
            }
            out.flush();
            CRC32 crc = new CRC32();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does not fail
        }
        return bytes.toByteArray();
    }

    private int estimate() {
        int n = 0;
        for (Object v : parts.values()) {
            n += 32 + (v instanceof double[] ? 8 * ((double[]) v).length : 8);
        }
        return n;
    }

    /** Reads {@link #encode}'s form; a damaged or foreign file is an {@link IllegalArgumentException} naming {@code what}. */
    public static SolverState decode(byte[] data, String what) {
        if (data.length < MAGIC.length + 4 || !Arrays.equals(Arrays.copyOf(data, MAGIC.length), MAGIC)) {
            throw new IllegalArgumentException(what + " is not a downhill solver state (no DHSTATE1 header)");
        }
        CRC32 crc = new CRC32();
        crc.update(data, 0, data.length - 4);
        int stored = ((data[data.length - 4] & 0xff) << 24) | ((data[data.length - 3] & 0xff) << 16)
                | ((data[data.length - 2] & 0xff) << 8) | (data[data.length - 1] & 0xff);
        if (stored != (int) crc.getValue()) {
            throw new IllegalArgumentException(what + " is damaged (its CRC-32 does not match)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, MAGIC.length, data.length - 4 - MAGIC.length))) {
            Builder b = new Builder(in.readUTF(), in.readLong(), in.readBoolean());
            int count = in.readInt();
            for (int k = 0; k < count; k++) {
                int tag = in.readUnsignedByte();
                String name = in.readUTF();
                switch (tag) {
                    case 'J': b.put(name, in.readLong()); break;
                    case 'D': b.put(name, Double.longBitsToDouble(in.readLong())); break;
                    case 'V': {
                        int length = in.readInt();
                        if (length < 0 || 8L * length > data.length) {
                            throw new IllegalArgumentException(what + " is damaged (vector '" + name + "' of length " + length + ")");
                        }
                        double[] v = new double[length];
                        for (int i = 0; i < length; i++) {
                            v[i] = Double.longBitsToDouble(in.readLong());
                        }
                        b.put(name, v);
                        break;
                    }
                    case 'S': b.put(name, in.readUTF()); break;
                    default: throw new IllegalArgumentException(what + " is damaged (unknown part tag " + tag + ")");
                }
            }
            return b.build();
        } catch (EOFException e) {
            throw new IllegalArgumentException(what + " is damaged (truncated)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + what + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "SolverState[" + solver + " at " + iteration + (finished ? ", finished" : "") + ", parts " + parts.keySet() + "]";
    }

    /** Collects the parts of a state. */
    public static final class Builder {
        private final String solver;
        private final long iteration;
        private final boolean finished;
        private final Map<String, Object> parts = new LinkedHashMap<>();

        private Builder(String solver, long iteration, boolean finished) {
            this.solver = solver;
            this.iteration = iteration;
            this.finished = finished;
        }

        public Builder put(String name, long value) {
            parts.put(name, value);
            return this;
        }

        public Builder put(String name, double value) {
            parts.put(name, value);
            return this;
        }

        /** Stores a copy of {@code value}. */
        public Builder put(String name, double[] value) {
            parts.put(name, value.clone());
            return this;
        }

        public Builder put(String name, String value) {
            parts.put(name, value);
            return this;
        }

        public SolverState build() {
            return new SolverState(solver, iteration, finished, new LinkedHashMap<>(parts));
        }
    }
}
