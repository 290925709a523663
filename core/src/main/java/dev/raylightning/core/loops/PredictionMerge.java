package dev.raylightning.core.loops;

import dev.raylightning.core.Prediction;
import dev.raylightning.core.data.HostTensor;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Puts every rank's predictions back in dataset order. Each rank predicted its shard of a
 * distributed sampler, whose padding repeats a few samples: rows are keyed by dataset index,
 * duplicates dropped, and re-batched with the loader's batch size.
 */
final class PredictionMerge {

    private PredictionMerge() {}

    static List<Prediction> merge(List<List<Prediction>> perRank) {
        TreeMap<Integer, HostTensor[]> rows = new TreeMap<>();
        int batchSize = 1;
        for (List<Prediction> rank : perRank) {
            for (Prediction p : rank) {
                if (p.indices() == null) {
                    throw new IllegalStateException("predictions without dataset indices cannot be merged across ranks");
                }
                batchSize = Math.max(batchSize, p.indices().length);
                for (int r = 0; r < p.indices().length; r++) {
                    final int row = r;
                    rows.computeIfAbsent(p.indices()[r], k -> rowOf(p.outputs(), row));
                }
            }
        }
        List<Prediction> out = new ArrayList<>();
        List<Integer> keys = new ArrayList<>(rows.keySet());
        for (int from = 0, b = 0; from < keys.size(); from += batchSize, b++) {
            List<Integer> chunk = keys.subList(from, Math.min(keys.size(), from + batchSize));
            int outputs = rows.get(chunk.get(0)).length;
            HostTensor[] stacked = new HostTensor[outputs];
            for (int k = 0; k < outputs; k++) {
                HostTensor[] parts = new HostTensor[chunk.size()];
                for (int i = 0; i < parts.length; i++) {
                    parts[i] = rows.get(chunk.get(i))[k];
                }
                stacked[k] = HostTensor.stack(parts);
            }
            out.add(new Prediction(b, stacked, chunk.stream().mapToInt(Integer::intValue).toArray()));
        }
        return out;
    }

    private static HostTensor[] rowOf(HostTensor[] outputs, int row) {
        HostTensor[] out = new HostTensor[outputs.length];
        for (int k = 0; k < outputs.length; k++) {
            HostTensor t = outputs[k].gatherRows(new int[] {row});
            long[] shape = t.shape();
            long[] inner = java.util.Arrays.copyOfRange(shape, 1, shape.length);
            out[k] = t.isFloat() ? HostTensor.ofFloats(t.floats(), inner) : HostTensor.ofLongs(t.longs(), inner);
        }
        return out;
    }
}
