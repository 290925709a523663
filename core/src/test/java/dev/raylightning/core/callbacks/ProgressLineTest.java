package dev.raylightning.core.callbacks;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The progress line reads well at 80 columns: bar, count, times and rate first, then what fits. */
class ProgressLineTest {

    private static final List<String> METRICS = List.of("loss=0.3612", "ptl/train_loss=0.3597",
            "ptl/val_loss=0.4120", "ptl/val_accuracy=0.8520");

    @Test
    void eightyColumnsKeepABarTheRateApartAndOnlyWholeMetrics() {
        String line = ProgressLine.layout("Epoch 1/4", 215, 430, 215, 430, Duration.ofSeconds(5), METRICS, 80);
        assertTrue(line.length() <= 80, line.length() + ": " + line);
        assertTrue(line.startsWith("Epoch 1/4:  50%|"), line);
        int bar = line.indexOf('|', line.indexOf('|') + 1) - line.indexOf('|') - 1;
        assertTrue(bar >= ProgressLine.MIN_BAR, "bar of " + bar + ": " + line);
        assertTrue(line.contains("| 215/430 [00:05<00:05, 43.00it/s, loss=0.3612"), line);
        assertTrue(line.endsWith("]"), line);
        // a metric is shown whole or not at all
        for (String m : METRICS) {
            String name = m.substring(0, m.indexOf('='));
            assertTrue(!line.contains(name + "=") || line.contains(m), m + " cut in: " + line);
        }
        assertFalse(line.contains("ptl/val_accuracy"), "more metrics than fit: " + line);
    }

    @Test
    void aWideTerminalShowsEveryMetricAndAFullBarAtTheEnd() {
        String line = ProgressLine.layout("Epoch 3/4", 430, 430, 430, 430, Duration.ofSeconds(10), METRICS, 200);
        assertTrue(line.length() <= 200, line);
        for (String m : METRICS) {
            assertTrue(line.contains(m), m + " missing: " + line);
        }
        assertTrue(line.contains("100%|" + "=".repeat(40) + "| 430/430 [00:10<00:00, 43.00it/s"), line);
    }

    @Test
    void beforeTheFirstStepTheRateAndRemainingTimeAreUnknown() {
        String line = ProgressLine.layout("Epoch 0/0", 0, 430, 0, 430, Duration.ZERO, List.of(), 80);
        assertTrue(line.contains("| 0/430 [00:00<?, ?it/s]"), line);
        assertTrue(line.startsWith("Epoch 0/0:   0%|" + " ".repeat(10)), line);
    }

    @Test
    void slowStepsShowSecondsPerStepAndLongRunsHours() {
        String line = ProgressLine.layout("Epoch 0/0", 2, 10_000, 2, 10_000, Duration.ofSeconds(5), List.of(), 80);
        assertTrue(line.contains("[00:05<6:56:35, 2.50s/it]"), line);
    }
}
