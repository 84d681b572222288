package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The fit summary lists at most ten constant columns and says how many more the model file holds. */
class ConstantColumnsTextTest {
    @Test
    void aFewAreListedAndManyAreCut() {
        assertEquals("1 constant column (coefficient 0): [7]", FitCommand.constantColumns(new int[] {7}));
        assertEquals("3 constant columns (coefficient 0): [0, 4, 9]", FitCommand.constantColumns(new int[] {0, 4, 9}));
        assertEquals("700 constant columns (coefficient 0): [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … 690 more: result.constantColumns in "
                + "the model file]", FitCommand.constantColumns(IntStream.range(0, 700).toArray()));
    }
}
