package dev.raylightning.core.optim;

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
            if (stepSize < 1) {
                throw new IllegalArgumentException("stepSize must be >= 1, got " + stepSize);
            }
            if (!(gamma > 0)) {
                throw new IllegalArgumentException("gamma must be > 0, got " + gamma);
            }
        }

        @Override
        public double learningRate(double baseLr, long count) {
            return baseLr * Math.pow(gamma, count / stepSize);
        }
    }

    record Cosine(int tMax, double minLr, Interval interval) implements LrScheduler {
        Cosine {
            if (tMax < 1) {
                throw new IllegalArgumentException("tMax must be >= 1, got " + tMax);
            }
        }

        @Override
        public double learningRate(double baseLr, long count) {
            double t = Math.min(count, tMax);
            return minLr + (baseLr - minLr) * (1 + Math.cos(Math.PI * t / tMax)) / 2;
        }
    }

    record Warmup(int warmupSteps) implements LrScheduler {
        Warmup {
            if (warmupSteps < 1) {
                throw new IllegalArgumentException("warmupSteps must be >= 1, got " + warmupSteps);
            }
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
