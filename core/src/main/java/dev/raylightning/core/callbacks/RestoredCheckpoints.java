package dev.raylightning.core.callbacks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A {@link ModelCheckpoint}'s saved state, checked before it is loaded. A value of the wrong type
 * refuses the state. A path is kept only when the callback recognises it as a checkpoint of its
 * own (in its directory, with a name its template gives); any other path (elsewhere, {@code ..},
 * another run's directory, a file it does not write) is dropped, so pruning after a resume never
 * deletes a file the callback did not write there.
 *
 * @param bestKModels kept checkpoints by this callback's own spelling of their path
 * @param dropped the paths the state named that were not kept
 */
record RestoredCheckpoints(Map<String, Double> bestKModels, String bestModelPath, Double bestModelScore,
        String lastModelPath, String savedDirpath, List<String> dropped) {

    /**
     * @param ownBest this callback's path for a best-k entry, empty when it is not one of its own
     * @param ownLast this callback's path for a last checkpoint, empty when it is not its own
     */
    static RestoredCheckpoints of(Map<String, Object> state, Function<String, Optional<String>> ownBest,
            Function<String, Optional<String>> ownLast) {
        SavedState s = new SavedState("ModelCheckpoint", state);
        String savedDir = s.string("dirpath", null);
        List<String> dropped = new ArrayList<>();
        Map<String, Double> best = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : s.map("bestKModels").entrySet()) {
            String path = String.valueOf(e.getKey());
            double score = s.number("bestKModels." + path, e.getValue());
            Optional<String> own = ownBest.apply(path);
            if (own.isPresent()) {
                best.put(own.get(), score);
            } else {
                dropped.add(path);
            }
        }
        String bestPath = s.string("bestModelPath", "");
        Double bestScore = s.number("bestModelScore", null);
        Optional<String> ownBestPath = bestPath.isEmpty() ? Optional.empty() : ownBest.apply(bestPath);
        if (ownBestPath.isEmpty() || !best.containsKey(ownBestPath.get())) {
            if (!bestPath.isEmpty() && !dropped.contains(bestPath)) {
                dropped.add(bestPath);
            }
            ownBestPath = Optional.empty();
            bestScore = null;
        } else if (bestScore != null) {
            bestScore = best.get(ownBestPath.get()); // the score it was kept with
        }
        String lastPath = s.string("lastModelPath", "");
        Optional<String> ownLastPath = lastPath.isEmpty() ? Optional.empty() : ownLast.apply(lastPath);
        if (!lastPath.isEmpty() && ownLastPath.isEmpty()) {
            dropped.add(lastPath);
        }
        return new RestoredCheckpoints(best, ownBestPath.orElse(""), bestScore, ownLastPath.orElse(""), savedDir,
                dropped);
    }
}
