package dev.raylightning.core.data;

/**
 * torch's {@code TensorDataset}: row {@code i} of every tensor is sample {@code i}. Batches are
 * collated by copying rows, without building per-sample objects.
 */
public final class TensorDataset implements Dataset {

    private static final long serialVersionUID = 1L;

    private final HostTensor[] inputs;
    private final HostTensor[] labels;
    private final int size;

    /** One input tensor and one label tensor with the same number of rows. */
    public TensorDataset(HostTensor input, HostTensor label) {
        this(new HostTensor[] {input}, new HostTensor[] {label});
    }

    /** Any number of input and label tensors, all with the same number of rows. */
    public TensorDataset(HostTensor[] inputs, HostTensor[] labels) {
        if (inputs.length + labels.length == 0) {
            throw new IllegalArgumentException("a TensorDataset needs at least one tensor");
        }
        int n = inputs.length > 0 ? inputs[0].rows() : labels[0].rows();
        for (HostTensor t : inputs) {
            requireRows(t, n);
        }
        for (HostTensor t : labels) {
            requireRows(t, n);
        }
        this.inputs = inputs.clone();
        this.labels = labels.clone();
        this.size = n;
    }

    private static void requireRows(HostTensor t, int n) {
        if (t.rows() != n) {
            throw new IllegalArgumentException("all tensors need " + n + " rows; " + t + " has " + t.rows());
        }
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Sample get(int index) {
        int[] one = {index};
        HostTensor[] in = new HostTensor[inputs.length];
        for (int k = 0; k < in.length; k++) {
            in[k] = squeezeFirst(inputs[k].gatherRows(one));
        }
        HostTensor[] lab = new HostTensor[labels.length];
        for (int k = 0; k < lab.length; k++) {
            lab[k] = squeezeFirst(labels[k].gatherRows(one));
        }
        return new Sample(in, lab);
    }

    private static HostTensor squeezeFirst(HostTensor t) {
        long[] s = t.shape();
        long[] inner = java.util.Arrays.copyOfRange(s, 1, s.length);
        return t.isFloat() ? HostTensor.ofFloats(t.floats(), inner) : HostTensor.ofLongs(t.longs(), inner);
    }

    @Override
    public HostBatch collate(int[] indices) {
        HostTensor[] in = new HostTensor[inputs.length];
        for (int k = 0; k < in.length; k++) {
            in[k] = inputs[k].gatherRows(indices);
        }
        HostTensor[] lab = new HostTensor[labels.length];
        for (int k = 0; k < lab.length; k++) {
            lab[k] = labels[k].gatherRows(indices);
        }
        return new HostBatch(in, lab, indices.length);
    }

    /** A view of the first {@code n} samples (copying the rows), e.g. for quick runs. */
    public TensorDataset head(int n) {
        int[] idx = new int[Math.min(n, size)];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        HostBatch b = collate(idx);
        return new TensorDataset(b.inputs(), b.labels());
    }
}
