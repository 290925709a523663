package dev.raylightning.strategies;

import ai.djl.nn.Parameter;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.strategy.OptimizerStep;
import dev.raylightning.core.strategy.ProcessGroupStrategy;
import dev.raylightning.core.strategy.RankInfo;
import dev.raylightning.core.strategy.Strategy;
import dev.raylightning.strategies.launcher.WorkerStrategyFactory;

/**
 * Local SGD, a test-only strategy that proves the launcher seam: each rank steps on its own
 * gradients, and every {@code k} optimizer steps the ranks average their weights. Written on
 * the generic pieces alone: {@link RayStrategy}, a {@link WorkerStrategyFactory} and
 * {@link ProcessGroupStrategy}.
 */
final class LocalSgdStrategy extends RayStrategy {

    private static final long serialVersionUID = 1L;

    private final int averageEvery;

    LocalSgdStrategy(int numWorkers, int averageEvery) {
        super(new Builder(numWorkers));
        this.averageEvery = averageEvery;
    }

    @Override
    protected WorkerStrategyFactory workerStrategyFactory() {
        return new Factory(averageEvery);
    }

    private record Factory(int averageEvery) implements WorkerStrategyFactory {
        @Override
        public Strategy create(RankInfo rank, ProcessGroup group) {
            return new Worker(rank, group, averageEvery);
        }
    }

    /** One rank: local updates, weights averaged in place every {@code averageEvery} steps. */
    private static final class Worker extends ProcessGroupStrategy {
        private static final long serialVersionUID = 1L;
        private final int averageEvery;
        private long steps;

        Worker(RankInfo rank, ProcessGroup group, int averageEvery) {
            super(rank, group);
            this.averageEvery = averageEvery;
        }

        @Override
        public void optimizerStep(OptimizerStep step) {
            step.clipAndUpdate();
            if (++steps % averageEvery == 0) {
                for (Parameter p : step.parameters().trainable()) {
                    group().allReduce(p.getArray().toByteBuffer(true), ReduceOp.AVG);
                }
            }
        }
    }

    private static final class Builder extends RayStrategyBuilder<Builder> {
        Builder(int numWorkers) {
            super(numWorkers);
        }

        @Override
        protected Builder self() {
            return this;
        }
    }
}
