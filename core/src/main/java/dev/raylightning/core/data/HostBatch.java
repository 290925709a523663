package dev.raylightning.core.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * A collated batch still in Java memory; {@link #toBatch} moves it into native memory.
 * {@code indices} are the dataset indices of its rows when the loader knows them, else null.
 */
public record HostBatch(HostTensor[] inputs, HostTensor[] labels, int size, int[] indices) {

    /** A batch without recorded dataset indices. */
    public HostBatch(HostTensor[] inputs, HostTensor[] labels, int size) {
        this(inputs, labels, size, null);
    }

    /** The same batch, recording which dataset rows it holds. */
    public HostBatch withIndices(int[] rows) {
        return new HostBatch(inputs, labels, size, rows);
    }

    /** Creates the batch's NDArrays in {@code manager}; closing the manager frees them. */
    public Batch toBatch(NDManager manager) {
        NDList in = new NDList(inputs.length);
        for (HostTensor t : inputs) {
            in.add(t.toNDArray(manager));
        }
        NDList lab = new NDList(labels.length);
        for (HostTensor t : labels) {
            lab.add(t.toNDArray(manager));
        }
        return new Batch(in, lab, size);
    }
}
