package dev.raylightning.tune.results;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CellsTest {

    @Test
    void floatsLookLikePythonsFiveDigitG() {
        assertEquals("0.0001", Cells.general(1e-4, 5));
        assertEquals("1.234e-05", Cells.general(1.234e-5, 5));
        assertEquals("0.00012346", Cells.general(0.000123456, 5));
        assertEquals("1.2346e+05", Cells.general(123456, 5));
        assertEquals("12346", Cells.general(12345.6, 5));
        assertEquals("1e+05", Cells.general(99999.5, 5));
        assertEquals("1e+100", Cells.general(1e100, 5));
        assertEquals("0.1", Cells.general(0.1, 5));
        assertEquals("1", Cells.general(1.0, 5));
        assertEquals("-2.5", Cells.general(-2.5, 5));
        assertEquals("0", Cells.general(0.0, 5));
        assertEquals("nan", Cells.general(Double.NaN, 5));
        assertEquals("-inf", Cells.general(Double.NEGATIVE_INFINITY, 5));
    }

    @Test
    void compactKeepsWholeNumbersAndShortensText() {
        assertEquals("", Cells.compact(null));
        assertEquals("123456789", Cells.compact(123456789L));
        assertEquals("1.2346e+08", Cells.compact(123456789.0));
        assertEquals("true", Cells.compact(true));
        assertEquals("[1, 2]", Cells.compact(List.of(1L, 2L)));
        assertEquals("...jklmnopqrstuvwxyz", Cells.compact("abcdefghijklmnopqrstuvwxyz"));
        assertEquals("exactly-twenty-chars", Cells.compact("exactly-twenty-chars"));
    }

    @Test
    void elapsedTimeLikeRay() {
        assertEquals("00:01:23", Cells.elapsed(Duration.ofSeconds(83)));
        assertEquals("1 days, 01:01:01", Cells.elapsed(Duration.ofSeconds(90061)));
        assertEquals("00:00:00", Cells.elapsed(Duration.ofSeconds(-5)));
    }
}
