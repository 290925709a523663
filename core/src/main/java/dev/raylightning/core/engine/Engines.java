package dev.raylightning.core.engine;

import ai.djl.engine.Engine;

/** Starts DJL's PyTorch engine the way this library needs it: offline, and seeded on request. */
public final class Engines {

    private Engines() {}

    /**
     * Returns the PyTorch engine, first forcing DJL offline unless the user chose otherwise:
     * its start-up telemetry and hub look-ups must never leave the machine.
     */
    public static Engine pytorch() {
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        NativeAllocator.tune();
        return Engine.getEngine("PyTorch");
    }

    /** Seeds torch's global generator (weight initialisation, dropout, random ops). */
    public static void seed(long seed) {
        pytorch().setRandomSeed((int) (seed ^ (seed >>> 32)));
    }
}
