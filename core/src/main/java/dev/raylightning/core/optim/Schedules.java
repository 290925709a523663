package dev.raylightning.core.optim;

import static dev.raylightning.core.util.Checks.checkArgument;

/** The built-in {@link LrScheduler}s. */
final class Schedules {

    private Schedules() {}

    record Constant() implements LrScheduler {
        @Override
        public Interval interval() {
            return Interval.EPOCH;
        }

        @Override
        public double learningRate(double baseLr, long count) {
            return baseLr;
        }
    }

    record StepDecay(int stepSize, double gamma, Interval interval) implements LrScheduler {
        StepDecay {
            checkArgument(stepSize >= 1, "stepSize must be >= 1, got " + stepSize);
            checkArgument(gamma > 0, "gamma must be > 0, got " + gamma);
        }

        @Override
        public double learningRate(double baseLr, long count) {
            return baseLr * Math.pow(gamma, count / stepSize);
        }
    }

    record Cosine(int tMax, double minLr, Interval interval) implements LrScheduler {
        Cosine {
            checkArgument(tMax >= 1, "tMax must be >= 1, got " + tMax);
        }

        @Override
        public double learningRate(double baseLr, long count) {
            double t = Math.min(count, tMax);
            return minLr + (baseLr - minLr) * (1 + Math.cos(Math.PI * t / tMax)) / 2;
        }
    }

    record Warmup(int warmupSteps) implements LrScheduler {
        Warmup {
            checkArgument(warmupSteps >= 1, "warmupSteps must be >= 1, got " + warmupSteps);
        }

        @Override
        public Interval interval() {
            return Interval.STEP;
        }

        @Override
        public double learningRate(double baseLr, long count) {
            return baseLr * Math.min(1.0, (count + 1) / (double) warmupSteps);
        }
    }
}
