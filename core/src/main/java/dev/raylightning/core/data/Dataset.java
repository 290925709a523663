package dev.raylightning.core.data;

import java.io.Serializable;

/** A map-style dataset, torch's {@code Dataset}: random access to samples by index. */
public interface Dataset extends Serializable {

    /** Number of samples. */
    int size();

    /** The sample at {@code index}, {@code 0 <= index < size()}. */
    Sample get(int index);

    /** Collates samples into one batch; datasets backed by arrays override this to copy rows. */
    default HostBatch collate(int[] indices) {
        Sample first = get(indices[0]);
        int nIn = first.inputs().length;
        int nLab = first.labels().length;
        HostTensor[][] ins = new HostTensor[nIn][indices.length];
        HostTensor[][] labs = new HostTensor[nLab][indices.length];
        for (int i = 0; i < indices.length; i++) {
            Sample s = i == 0 ? first : get(indices[i]);
            for (int k = 0; k < nIn; k++) {
                ins[k][i] = s.inputs()[k];
            }
            for (int k = 0; k < nLab; k++) {
                labs[k][i] = s.labels()[k];
            }
        }
        HostTensor[] in = new HostTensor[nIn];
        for (int k = 0; k < nIn; k++) {
            in[k] = HostTensor.stack(ins[k]);
        }
        HostTensor[] lab = new HostTensor[nLab];
        for (int k = 0; k < nLab; k++) {
            lab[k] = HostTensor.stack(labs[k]);
        }
        return new HostBatch(in, lab, indices.length);
    }
}
