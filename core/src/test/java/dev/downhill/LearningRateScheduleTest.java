package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LearningRateScheduleTest {
    @ParameterizedTest
    @ValueSource(strings = {"invtime:1,2,abc", "invtime:1,2,", "invtime:1,2,3", "invtime:1", "invtime:", "invtime:,2", "invtime:1,,2",
        "invtime:1d,2", "invtime:1,0x10", "invtime:1,nan", "invtime:1,infinity", "invtime:1,2 3", "invscaling:0.5,",
        "invscaling:0.5,1", "invscaling:", "invscaling:half", "invscaling:0.5f", "constant:1", "adaptive,", "sometimes"})
    void malformedSchedulesAreRefusedSayingWhatIsWrong(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
        assertTrue(e.getMessage().matches(".*(not a number|is empty|values? after the colon|unknown schedule).*"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"invtime:5,50; invtime:5.0,50.0", "INVTIME: 0.1 , 4e1; invtime:0.1,40.0",
        "invscaling:.25; invscaling:0.25", "invscaling:1E-1; invscaling:0.1", " constant ; constant", "adaptive; adaptive"})
    void wellFormedSchedulesParseAndTheirTextParsesBack(String text, String expected) {
        LearningRateSchedule s = LearningRateSchedule.parse(text);
        assertEquals(expected, s.toString());
        assertEquals(expected, LearningRateSchedule.parse(s.toString()).toString());
        assertEquals(s.at(7, 0.3), LearningRateSchedule.parse(s.toString()).at(7, 0.3), 0.0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"invtime:5,50", "invscaling:0.5"})
    void theStepFollowsTheFormula(String text) {
        LearningRateSchedule s = LearningRateSchedule.parse(text);
        double expected = text.startsWith("invtime") ? 5.0 / (3 + 50) : 0.2 / Math.pow(4, 0.5);
        assertEquals(expected, s.at(3, 0.2), 1e-15);
    }
}
