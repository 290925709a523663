package dev.raylightning.tune.schedulers;

import dev.raylightning.tune.TrialResult;

/** Lets every trial run until it ends by itself or a stopper ends it (Ray Tune's default). */
public final class FifoScheduler implements TrialScheduler {

    @Override
    public Decision onTrialResult(String trialId, TrialResult result) {
        return Decision.CONTINUE;
    }

    @Override
    public String describe() {
        return "FIFO";
    }

    @Override
    public String toString() {
        return "FifoScheduler";
    }
}
