package dev.raylightning.core.util;

/** Waiting between polls without throwing: an interrupt ends the wait and stays set for the caller to see. */
public final class Pause {

    private Pause() {}

    /** Sleeps {@code millis}, or less when the thread is interrupted (its flag stays set). */
    public static void millis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
