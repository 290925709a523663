package dev.raylightning.core.loggers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PythonFloatsTest {

    // Expected strings are Python 3's repr(float(x)).
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0.0 | 0.0", "-0.0 | -0.0", "1.0 | 1.0", "0.1 | 0.1", "-2.5 | -2.5",
        "0.0001 | 0.0001", "0.00001 | 1e-05", "0.000123 | 0.000123", "1.5e-7 | 1.5e-07",
        "1234567.0 | 1234567.0", "1.0E7 | 10000000.0", "1e15 | 1000000000000000.0",
        "1e16 | 1e+16", "1.2345678901234568E17 | 1.2345678901234568e+17", "1e100 | 1e+100",
        "5e-324 | 5e-324", "NaN | nan", "Infinity | inf", "-Infinity | -inf"})
    void matchesPythonRepr(String javaLiteral, String python) {
        assertEquals(python, PythonFloats.repr(Double.parseDouble(javaLiteral)));
    }
}
