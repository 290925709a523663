package dev.raylightning.strategies.fusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class GradientFusionTest {

    /** Gradients of 3, 5, 100 and 2 floats holding 1, 2, 3, ...; with a 64-byte threshold: [3, 5], [100] alone, [2]. */
    private static List<NDArray> gradients(NDManager manager) {
        List<NDArray> out = new ArrayList<>();
        float v = 1;
        for (int n : new int[] {3, 5, 100, 2}) {
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                values[i] = v++;
            }
            out.add(manager.create(values));
        }
        return out;
    }

    private static void doubleIn(ByteBuffer data) {
        ByteBuffer b = data.duplicate().order(ByteOrder.nativeOrder());
        for (int i = b.position(); i < b.limit(); i += 4) {
            b.putFloat(i, 2 * b.getFloat(i));
        }
    }

    /** Doubles every value of a fused buffer and records its gradients' lengths in {@code calls}. */
    private static GradientFusion.FusedReduce doubling(List<String> calls) {
        return (data, floats) -> {
            calls.add(Arrays.toString(floats));
            doubleIn(data);
        };
    }

    private static void assertDoubled(List<NDArray> grads) {
        float v = 1;
        for (NDArray g : grads) {
            for (float x : g.toFloatArray()) {
                assertEquals(2 * v++, x);
            }
        }
    }

    @Test
    void smallGradientsShareTheFusionBufferAndLargeOnesGoAlone() {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<NDArray> grads = gradients(manager);
            List<String> calls = new ArrayList<>();
            new GradientFusion(64).reduce(grads, doubling(calls));
            assertEquals(List.of("[3, 5]", "[100]", "[2]"), calls);
            assertDoubled(grads);
        }
    }

    @Test
    void aGroupThatCanReducesFusedGradientsInTheirOwnMemoryWithoutTheBuffer() {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<NDArray> grads = gradients(manager);
            List<String> fused = new ArrayList<>();
            List<String> parts = new ArrayList<>();
            new GradientFusion(64).reduce(grads, doubling(fused), views -> {
                parts.add(Arrays.toString(Arrays.stream(views).mapToInt(ByteBuffer::remaining).toArray()));
                for (ByteBuffer v : views) {
                    doubleIn(v);
                }
                return true;
            });
            assertEquals(List.of("[12, 20]", "[8]"), parts);
            assertEquals(List.of("[100]"), fused, "only the gradient that goes alone");
            assertDoubled(grads); // the writes went into the tensors
        }
    }

    @Test
    void aGroupThatDeclinesLeavesTheGradientsToTheFusionBuffer() {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<NDArray> grads = gradients(manager);
            List<String> fused = new ArrayList<>();
            new GradientFusion(64).reduce(grads, doubling(fused), views -> false);
            assertEquals(List.of("[3, 5]", "[100]", "[2]"), fused);
            assertDoubled(grads);
        }
    }
}
