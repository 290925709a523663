package dev.raylightning.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.*;

class TrainerArgumentsTest {

    private static void assertNames(String argument, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(argument), "message should name " + argument + ": " + e.getMessage());
    }

    @Test
    void invalidArgumentsNameTheArgument() {
        assertNames("maxEpochs", () -> Trainer.builder().maxEpochs(-5));
        assertNames("minEpochs", () -> Trainer.builder().minEpochs(-1));
        assertNames("maxSteps", () -> Trainer.builder().maxSteps(-2));
        assertNames("limitTrainBatches", () -> Trainer.builder().limitTrainBatches(1.5));
        assertNames("limitTrainBatches", () -> Trainer.builder().limitTrainBatches(-1));
        assertNames("limitValBatches", () -> Trainer.builder().limitValBatches(-0.1));
        assertNames("limitTestBatches", () -> Trainer.builder().limitTestBatches(-3));
        assertNames("valCheckInterval", () -> Trainer.builder().valCheckInterval(0));
        assertNames("valCheckInterval", () -> Trainer.builder().valCheckInterval(1.2));
        assertNames("checkValEveryNEpoch", () -> Trainer.builder().checkValEveryNEpoch(0));
        assertNames("numSanityValSteps", () -> Trainer.builder().numSanityValSteps(-1));
        assertNames("accumulateGradBatches", () -> Trainer.builder().accumulateGradBatches(0));
        assertNames("gradientClipVal", () -> Trainer.builder().gradientClipVal(-1));
        assertNames("gradientClipVal", () -> Trainer.builder().gradientClipVal(Double.NaN));
        assertNames("logEveryNSteps", () -> Trainer.builder().logEveryNSteps(0));
        assertNames("strategy", () -> Trainer.builder().strategy(null));
        assertNames("callbacks", () -> Trainer.builder().callbacks((java.util.List<dev.raylightning.core.callbacks.Callback>) null));
        assertNames("minEpochs", () -> Trainer.builder().maxEpochs(2).minEpochs(3).logger(false).build());
        assertNames("maxEpochs", () -> Trainer.builder().maxEpochs(-1).logger(false).build());
        assertNames("enableCheckpointing", () -> Trainer.builder().enableCheckpointing(false).logger(false)
                .callbacks(dev.raylightning.core.callbacks.ModelCheckpoint.builder().build()).build());
    }

    @Test
    void optimizerArgumentsAreChecked() {
        assertNames("lr", () -> dev.raylightning.core.optim.OptimizerConfig.adam(0));
        assertNames("momentum", () -> dev.raylightning.core.optim.OptimizerConfig.sgd(0.1).momentum(1.0));
        assertNames("momentum", () -> dev.raylightning.core.optim.OptimizerConfig.adam(0.1).momentum(0.5));
        assertNames("weightDecay", () -> dev.raylightning.core.optim.OptimizerConfig.adamW(0.1).weightDecay(-1));
        assertNames("betas", () -> dev.raylightning.core.optim.OptimizerConfig.adam(0.1).betas(1.0, 0.9));
    }

    @Test
    void defaultsFollowLightning() {
        Trainer t = Trainer.builder().logger(false).build();
        assertEquals(1000, t.maxEpochs());
        assertEquals(TrainerStatus.INITIALIZING, t.status());
        assertTrue(t.checkpointCallback().isPresent(), "checkpointing is on by default");
        Trainer steps = Trainer.builder().maxSteps(10).logger(false).build();
        assertEquals(-1, steps.maxEpochs());
    }
}
