package dev.downhill.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SymmetricPackingTest {

    @Test
    void aSymmetricMatrixComesBackWholeFromItsLowerTriangle() {
        int n = 5;
        double[] full = new double[n * n];
        for (int k = 0; k < n; k++) {
            for (int j = k; j < n; j++) {
                full[k * n + j] = 10 * j + k + 0.5;
                full[j * n + k] = 10 * j + k + 0.5;
            }
        }
        double[] packed = SymmetricPacking.pack(full, n, new double[] {7, 8});
        assertEquals(15 + 2, packed.length);
        assertArrayEquals(new double[] {0.5, 10.5, 20.5, 30.5, 40.5, 11.5, 21.5}, java.util.Arrays.copyOf(packed, 7)); // column 0, then 1
        assertArrayEquals(new double[] {7, 8}, java.util.Arrays.copyOfRange(packed, 15, 17));
        assertArrayEquals(full, SymmetricPacking.unpack(packed, n));
        assertEquals(0, SymmetricPacking.triangle(0));
        assertEquals(500_500, SymmetricPacking.triangle(1000));
    }
}
