package dev.downhill.spi;

import dev.downhill.internal.ByteSizes;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The settings a backend is loaded with ({@link Backend#load(dev.downhill.Dataset, dev.downhill.Precision, BackendOptions)}):
 * immutable, made with {@link #builder()}. Typed fields hold the settings several backends share; a
 * per-backend key/value map holds the rest. A field left unset means "the backend's own default"; a
 * backend ignores the fields it has no use for.
 *
 * <table>
 * <caption>Settings, who reads them, and the system property that gives their default</caption>
 * <tr><th>setting</th><th>backends</th><th>meaning</th><th>default from</th></tr>
 * <tr><td>{@link #threads()}</td><td>cpu, nd4j</td><td>host threads, 0 = all cores</td><td>—</td></tr>
 * <tr><td>{@link #device()}</td><td>cuda</td><td>device ordinal</td><td>{@code downhill.cuda.device}</td></tr>
 * <tr><td>{@link #hostMemoryBudget()}</td><td>(data loading)</td><td>host bytes X may take before a .npy X is
 *     memory-mapped instead ({@link dev.downhill.io.HostMemoryBudget})</td><td>{@code downhill.memoryBudget}</td></tr>
 * <tr><td>{@link #deviceMemoryBudget()}</td><td>cuda</td><td>device bytes a problem may use (X beyond it is streamed)</td>
 *     <td>{@code downhill.cuda.memoryBudget}</td></tr>
 * <tr><td>{@link #chunkBytes()}</td><td>cuda</td><td>bytes of X per streamed chunk (fixes the order of the sums)</td>
 *     <td>{@code downhill.cuda.chunkBytes}</td></tr>
 * <tr><td>{@value #CPU_KERNEL}</td><td>cpu</td><td>{@code native}, {@code blas} or {@code auto}</td><td>{@code downhill.cpu.kernel}</td></tr>
 * <tr><td>{@value #CPU_BLOCK_BYTES}, {@value #CPU_FLUSH_ROWS}</td><td>cpu</td><td>row-block bytes, float32 flush rows</td>
 *     <td>{@code downhill.cpu.blockBytes}, {@code downhill.cpu.flushRows}</td></tr>
 * <tr><td>{@value #CUDA_KERNEL}</td><td>cuda</td><td>{@code fused}, {@code staged} (the default) or {@code cublas}; sparse X: {@code fused} (the default), {@code atomic} or {@code cusparse}</td><td>{@code downhill.cuda.kernel}</td></tr>
 * <tr><td>{@value #ND4J_COPY}</td><td>nd4j</td><td>{@code true}: copy X into ND4J memory instead of wrapping the
 *     dataset's (the path of a non-host ND4J backend)</td><td>{@code downhill.nd4j.copy}</td></tr>
 * </table>
 *
 * <p>System properties and environment variables are read in one place only, {@link #defaults()} (and
 * {@link #defaultBackend()} for the backend's name); {@link dev.downhill.LinearRegression#load} fills the
 * fields a caller left unset from them ({@link #orElse}). A backend loaded directly through the SPI sees
 * exactly the options it is given.
 */
public final class BackendOptions {
    /** cpu: the gradient kernel, {@code native} (the single-pass kernel), {@code blas} or {@code auto}. */
    public static final String CPU_KERNEL = "cpu.kernel";
    /** cpu: bytes of X per row block of the OpenBLAS kernel (default 524288). */
    public static final String CPU_BLOCK_BYTES = "cpu.blockBytes";
    /** cpu: float32 partial sums are flushed to float64 every this many rows (default 512). */
    public static final String CPU_FLUSH_ROWS = "cpu.flushRows";
    /** cuda: the gradient kernel, {@code fused} or {@code cublas} (dense X); {@code fused}, {@code atomic} or {@code cusparse} (sparse X). */
    public static final String CUDA_KERNEL = "cuda.kernel";
    /** nd4j: {@code true} copies X and y into ND4J memory instead of wrapping the dataset's (default false). */
    public static final String ND4J_COPY = "nd4j.copy";

    /** System property naming the backend when none is configured. */
    public static final String BACKEND_PROPERTY = "downhill.backend";
    /** Environment variable naming the backend when neither the configuration nor the property does. */
    public static final String BACKEND_ENVIRONMENT = "DOWNHILL_BACKEND";
    /** Prefix of every system property {@link #defaults()} reads. */
    public static final String PROPERTY_PREFIX = "downhill.";

    private static final String[] SETTING_KEYS = {CPU_KERNEL, CPU_BLOCK_BYTES, CPU_FLUSH_ROWS, CUDA_KERNEL, ND4J_COPY};
    private static final BackendOptions NONE = new Builder().build();

    private final int threads;
    private final int device;
    private final long hostMemoryBudget;
    private final long deviceMemoryBudget;
    private final long chunkBytes;
    private final Map<String, String> settings;

    private BackendOptions(Builder b) {
        this.threads = b.threads;
        this.device = b.device;
        this.hostMemoryBudget = b.hostMemoryBudget;
        this.deviceMemoryBudget = b.deviceMemoryBudget;
        this.chunkBytes = b.chunkBytes;
        this.settings = Collections.unmodifiableMap(new TreeMap<>(b.settings));
    }

    /** No setting made: every backend uses its own defaults (system properties are not read). */
    public static BackendOptions none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.threads = threads;
        b.device = device;
        b.hostMemoryBudget = hostMemoryBudget;
        b.deviceMemoryBudget = deviceMemoryBudget;
        b.chunkBytes = chunkBytes;
        b.settings.putAll(settings);
        return b;
    }

    /**
     * The defaults given by system properties, read now: {@code downhill.cuda.device},
     * {@code downhill.memoryBudget}, {@code downhill.cuda.memoryBudget}, {@code downhill.cuda.chunkBytes}
     * and {@code downhill.<key>} for every key of the table above. The one place in the library that reads
     * them (besides {@link #defaultBackend()}).
     *
     * @throws IllegalArgumentException naming the property when one holds a value that cannot be parsed
     */
    public static BackendOptions defaults() {
        Builder b = new Builder();
        String device = property("cuda.device");
        if (device != null) {
            try {
                b.device(Integer.parseInt(device.trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(PROPERTY_PREFIX + "cuda.device must be a device ordinal ≥ 0, got '" + device + "'");
            }
        }
        String host = property("memoryBudget");
        if (host != null) {
            b.hostMemoryBudget(ByteSizes.parse(host, PROPERTY_PREFIX + "memoryBudget"));
        }
        String budget = property("cuda.memoryBudget");
        if (budget != null) {
            b.deviceMemoryBudget(ByteSizes.parse(budget, PROPERTY_PREFIX + "cuda.memoryBudget"));
        }
        String chunk = property("cuda.chunkBytes");
        if (chunk != null) {
            b.chunkBytes(ByteSizes.parse(chunk, PROPERTY_PREFIX + "cuda.chunkBytes"));
        }
        for (String key : SETTING_KEYS) {
            String v = property(key);
            if (v != null) {
                b.set(key, v);
            }
        }
        return b.build();
    }

    /**
     * The backend name given by system property {@value #BACKEND_PROPERTY}, else environment variable
     * {@value #BACKEND_ENVIRONMENT}, else null (automatic selection).
     */
    public static String defaultBackend() {
        String name = System.getProperty(BACKEND_PROPERTY);
        if (name == null || name.isBlank()) {
            name = System.getenv(BACKEND_ENVIRONMENT);
        }
        return name == null || name.isBlank() ? null : name.trim();
    }

    private static String property(String key) {
        String v = System.getProperty(PROPERTY_PREFIX + key);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** These options, with every field left unset here taken from {@code fallback} (map keys likewise). */
    public BackendOptions orElse(BackendOptions fallback) {
        Objects.requireNonNull(fallback, "fallback");
        Builder b = fallback.toBuilder();
        if (threads != 0) {
            b.threads = threads;
        }
        if (device >= 0) {
            b.device = device;
        }
        if (hostMemoryBudget > 0) {
            b.hostMemoryBudget = hostMemoryBudget;
        }
        if (deviceMemoryBudget > 0) {
            b.deviceMemoryBudget = deviceMemoryBudget;
        }
        if (chunkBytes > 0) {
            b.chunkBytes = chunkBytes;
        }
        b.settings.putAll(settings);
        return b.build();
    }

    /** Host threads, 0 for the backend's default (all cores). Results are bit-identical for the same count. */
    public int threads() {
        return threads;
    }

    /** The device ordinal (GPU backends); 0 when unset. */
    public int device() {
        return Math.max(0, device);
    }

    /** Whether {@link #device()} was set. */
    public boolean deviceSet() {
        return device >= 0;
    }

    /** Host memory X may take (bytes), if set. */
    public OptionalLong hostMemoryBudget() {
        return hostMemoryBudget > 0 ? OptionalLong.of(hostMemoryBudget) : OptionalLong.empty();
    }

    /** Device memory a problem may use (bytes), if set; the cuda backend's default is 0.9 of the free memory. */
    public OptionalLong deviceMemoryBudget() {
        return deviceMemoryBudget > 0 ? OptionalLong.of(deviceMemoryBudget) : OptionalLong.empty();
    }

    /** Bytes of X per streamed chunk (cuda), if set; default 1 GiB. */
    public OptionalLong chunkBytes() {
        return chunkBytes > 0 ? OptionalLong.of(chunkBytes) : OptionalLong.empty();
    }

    /** A per-backend setting ("cpu.kernel", ...), if set. */
    public Optional<String> setting(String key) {
        return Optional.ofNullable(settings.get(key));
    }

    /** Every per-backend setting, sorted by key (unmodifiable). */
    public Map<String, String> settings() {
        return settings;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof BackendOptions)) {
            return false;
        }
        BackendOptions b = (BackendOptions) o;
        return threads == b.threads && device == b.device && hostMemoryBudget == b.hostMemoryBudget
                && deviceMemoryBudget == b.deviceMemoryBudget && chunkBytes == b.chunkBytes && settings.equals(b.settings);
    }

    @Override
    public int hashCode() {
        return Objects.hash(threads, device, hostMemoryBudget, deviceMemoryBudget, chunkBytes, settings);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("BackendOptions[");
        sb.append("threads=").append(threads == 0 ? "default" : Integer.toString(threads));
        if (device >= 0) {
            sb.append(", device=").append(device);
        }
        if (hostMemoryBudget > 0) {
            sb.append(", hostMemoryBudget=").append(hostMemoryBudget);
        }
        if (deviceMemoryBudget > 0) {
            sb.append(", deviceMemoryBudget=").append(deviceMemoryBudget);
        }
        if (chunkBytes > 0) {
            sb.append(", chunkBytes=").append(chunkBytes);
        }
        settings.forEach((k, v) -> sb.append(", ").append(k).append('=').append(v));
        return sb.append(']').toString();
    }

    /** Mutable builder; every setter validates its argument and throws {@link IllegalArgumentException} naming the problem. */
    public static final class Builder {
        private int threads;
        private int device = -1;
        private long hostMemoryBudget;
        private long deviceMemoryBudget;
        private long chunkBytes;
        private final Map<String, String> settings = new TreeMap<>();

        private Builder() {
        }

        /** Host threads ≥ 0 (0: the backend's default, all cores). */
        public Builder threads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be ≥ 0 (0 = all cores), got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** Device ordinal ≥ 0 (GPU backends). */
        public Builder device(int device) {
            if (device < 0) {
                throw new IllegalArgumentException("device must be an ordinal ≥ 0, got " + device);
            }
            this.device = device;
            return this;
        }

        /** Host memory budget in bytes (&gt; 0). */
        public Builder hostMemoryBudget(long bytes) {
            this.hostMemoryBudget = positive(bytes, "host memory budget");
            return this;
        }

        /** Host memory budget as a size such as "8g" (k/m/g/t: powers of 1024). */
        public Builder hostMemoryBudget(String size) {
            return hostMemoryBudget(ByteSizes.parse(size, "host memory budget"));
        }

        /** Device memory budget in bytes (&gt; 0). */
        public Builder deviceMemoryBudget(long bytes) {
            this.deviceMemoryBudget = positive(bytes, "device memory budget");
            return this;
        }

        /** Device memory budget as a size such as "16g". */
        public Builder deviceMemoryBudget(String size) {
            return deviceMemoryBudget(ByteSizes.parse(size, "device memory budget"));
        }

        /** Bytes of X per streamed device chunk (&gt; 0). */
        public Builder chunkBytes(long bytes) {
            this.chunkBytes = positive(bytes, "chunk size");
            return this;
        }

        /** Chunk size as a size such as "1g". */
        public Builder chunkBytes(String size) {
            return chunkBytes(ByteSizes.parse(size, "chunk size"));
        }

        /** The cpu backend's gradient kernel: native, blas or auto. */
        public Builder cpuKernel(String kernel) {
            return set(CPU_KERNEL, kernel);
        }

        /**
         * The cuda backend's gradient kernel: fused, staged or cublas (dense X; unset: staged), fused, atomic or cusparse
         * (sparse X; unset: fused).
         */
        public Builder cudaKernel(String kernel) {
            return set(CUDA_KERNEL, kernel);
        }

        /**
         * A per-backend setting, "backend.name" (see the class Javadoc for the keys backends read); the value
         * is trimmed and lower-cased for the kernel keys. A null value removes the key.
         */
        public Builder set(String key, String value) {
            Objects.requireNonNull(key, "key");
            if (!key.matches("[a-z0-9]+\\.[A-Za-z0-9.]+")) {
                throw new IllegalArgumentException("backend setting keys look like 'cpu.kernel', got '" + key + "'");
            }
            if (value == null) {
                settings.remove(key);
            } else {
                String v = value.trim();
                settings.put(key, key.endsWith(".kernel") ? v.toLowerCase(Locale.ROOT) : v);
            }
            return this;
        }

        public BackendOptions build() {
            return new BackendOptions(this);
        }

        private static long positive(long bytes, String what) {
            if (bytes <= 0) {
                throw new IllegalArgumentException(what + " must be > 0 bytes, got " + bytes);
            }
            return bytes;
        }
    }
}
