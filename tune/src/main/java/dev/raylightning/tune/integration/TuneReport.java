package dev.raylightning.tune.integration;

import java.io.Serializable;
import java.util.Map;

/**
 * A Tune callback's report on its way from rank zero to the trial's driver.
 *
 * @param metrics the values by Tune name
 * @param checkpoint checkpoint bytes, or null
 * @param filename the checkpoint's file name, or null
 */
record TuneReport(Map<String, Double> metrics, byte[] checkpoint, String filename) implements Serializable {}
