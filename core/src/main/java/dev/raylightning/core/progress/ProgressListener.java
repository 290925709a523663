package dev.raylightning.core.progress;

/**
 * Receives {@link ProgressEvent}s. Callbacks that implement it get events of local runs and, on
 * the driver, the streamed events of distributed runs.
 */
public interface ProgressListener {

    void onProgress(ProgressEvent event);
}
