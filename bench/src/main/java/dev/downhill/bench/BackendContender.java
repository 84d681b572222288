package dev.downhill.bench;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.LinearRegression;
import dev.downhill.spi.Availability;
import dev.downhill.spi.Backend;
import dev.downhill.spi.Backends;
import java.util.ArrayList;
import java.util.List;

/**
 * A backend and gradient strategy as a benchmark parameter: {@code cpu/native}, {@code cpu/blas},
 * {@code cpu/two-pass}, {@code nd4j}, {@code cuda/fused}, {@code cuda/cublas}. The strategy goes
 * to the backend's system property ({@code downhill.cpu.kernel}, {@code downhill.cuda.kernel}) for
 * the load; {@code two-pass} is the BLAS baseline ({@link TwoPassSgemv}) on the cpu backend's data.
 * The cuda backend is referred to by name only: when it is not on the class path or cannot run, the
 * contender is skipped with the backend's reason.
 */
public record BackendContender(String backend, String strategy) {
    public static final List<String> ALL = List.of("cpu/native", "cpu/blas", "cpu/two-pass", "nd4j", "cuda/fused", "cuda/cublas");

    public static BackendContender parse(String text) {
        int slash = text.indexOf('/');
        return slash < 0 ? new BackendContender(text, "") : new BackendContender(text.substring(0, slash), text.substring(slash + 1));
    }

    public boolean twoPass() {
        return strategy.equals("two-pass");
    }

    /** Null when the backend can run here, else "name: reason". */
    public String unavailableReason() {
        for (Backend b : Backends.all()) {
            if (b.name().equals(backend)) {
                Availability a = b.availability();
                return a.available() ? null : backend + ": " + a.reason();
            }
        }
        return backend + ": not on the class path (module downhill-" + backend + " not built into the bench)";
    }

    /** The contenders of {@code names} that can run here; prints one line per skipped one. */
    public static List<String> available(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            String why = parse(n).unavailableReason();
            if (why == null) {
                out.add(n);
            } else {
                System.out.println("skipped " + n + " — " + why);
            }
        }
        return out;
    }

    /** Loads {@code data} into this contender's backend with its strategy selected. */
    public dev.downhill.spi.ResidentProblem load(Dataset data, int threads) {
        dev.downhill.spi.BackendOptions.Builder options = dev.downhill.spi.BackendOptions.builder().threads(threads);
        if (!strategy.isEmpty() && !twoPass()) {
            options.set(backend + ".kernel", strategy);
        }
        return dev.downhill.spi.Backends.load(backend, data, null, options.build());
    }
}
