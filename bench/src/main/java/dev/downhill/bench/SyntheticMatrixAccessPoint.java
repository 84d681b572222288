package dev.downhill.bench;

import dev.downhill.Dataset;

/** Public access to {@link SyntheticMatrix} for the report's tasks: one seeded float32 row of {@code cols} values. */
public final class SyntheticMatrixAccessPoint {
    private SyntheticMatrixAccessPoint() {
    }

    public static Dataset row(int cols) {
        return SyntheticMatrix.float32(1, cols, 7);
    }
}
