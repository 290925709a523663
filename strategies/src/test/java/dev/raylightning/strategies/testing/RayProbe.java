package dev.raylightning.strategies.testing;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.strategies.launcher.RayLauncher;
import dev.raylightning.core.callbacks.TrainerView;
import io.ray.api.Ray;
import io.ray.api.runtimecontext.ActorInfo;
import io.ray.api.runtimecontext.ActorState;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A callback that runs on the workers and reports, through its state (which returns to the
 * driver from rank zero), what the workers saw: alive worker actors and the nodes they run on,
 * ranks (global, node, local), process ids and
 * rank zero's own callback metrics at the end of fit.
 */
public final class RayProbe implements Callback {

    private static final long serialVersionUID = 1L;

    private final Map<String, Object> seen = new LinkedHashMap<>();

    @Override
    public void onTrainEpochStart(TrainerView trainer, LightningModule module) {
        if (!Ray.isInitialized()) {
            return;
        }
        long alive = 0;
        java.util.Set<String> nodes = new java.util.HashSet<>();
        for (ActorInfo a : Ray.getRuntimeContext().getAllActorInfo()) {
            if (a.state == ActorState.ALIVE && String.valueOf(a.name).startsWith(RayLauncher.NAME_PREFIX)) {
                alive++;
                nodes.add(String.valueOf(a.address == null ? null : a.address.nodeId));
            }
        }
        seen.put("aliveActors", (double) alive);
        seen.put("workerNodes", (double) nodes.size());
        seen.put("nodeRank", (double) trainer.strategy().nodeRank());
        seen.put("localRank", (double) trainer.strategy().localRank());
        seen.put("worldSize", (double) trainer.strategy().worldSize());
        seen.put("globalRank", (double) trainer.strategy().globalRank());
        seen.put("pid", (double) ProcessHandle.current().pid());
        seen.put("torchThreads", String.valueOf(System.getProperty("ai.djl.pytorch.num_threads")));
        seen.put("initHook", String.valueOf(System.getProperty("ray.lightning.test.init-hook")));
        seen.put("enginePreloaded", String.valueOf(System.getProperty("ray.lightning.engine-preloaded")));
        seen.put("strategy", trainer.strategy().toString());
    }

    @Override
    public void onFitEnd(TrainerView trainer, LightningModule module) {
        seen.put("rankZeroCallbackMetrics", new LinkedHashMap<>(trainer.callbackMetrics()));
    }

    @Override
    public Map<String, Object> stateDict() {
        return new LinkedHashMap<>(seen);
    }

    @Override
    public void loadStateDict(Map<String, Object> state) {
        seen.clear();
        seen.putAll(state);
    }

    public Map<String, Object> seen() {
        return seen;
    }
}
