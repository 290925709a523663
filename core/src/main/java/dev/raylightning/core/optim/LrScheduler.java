package dev.raylightning.core.optim;

import java.io.Serializable;

/**
 * A learning-rate schedule, Lightning's {@code lr_scheduler} entry: a multiplier of the base
 * rate as a function of completed epochs or completed optimizer steps.
 */
public interface LrScheduler extends Serializable {

    /** Whether the schedule advances per epoch or per optimizer step, as Lightning's "interval". */
    enum Interval { EPOCH, STEP }

    Interval interval();

    /** Learning rate after {@code count} completed intervals. */
    double learningRate(double baseLr, long count);

    /** Constant rate. */
    static LrScheduler constant() {
        return new Schedules.Constant();
    }

    /** torch's StepLR: multiply by {@code gamma} every {@code stepSize} epochs. */
    static LrScheduler step(int stepSize, double gamma) {
        return new Schedules.StepDecay(stepSize, gamma, Interval.EPOCH);
    }

    /** torch's ExponentialLR: multiply by {@code gamma} every epoch. */
    static LrScheduler exponential(double gamma) {
        return new Schedules.StepDecay(1, gamma, Interval.EPOCH);
    }

    /** torch's CosineAnnealingLR over {@code tMax} epochs down to {@code minLr}. */
    static LrScheduler cosine(int tMax, double minLr) {
        return new Schedules.Cosine(tMax, minLr, Interval.EPOCH);
    }

    /** Linear warm-up from 0 over {@code warmupSteps} optimizer steps, then constant. */
    static LrScheduler linearWarmup(int warmupSteps) {
        return new Schedules.Warmup(warmupSteps);
    }
}
