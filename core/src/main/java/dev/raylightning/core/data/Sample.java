package dev.raylightning.core.data;

import java.io.Serializable;

/** One example: its input tensors and its label tensors (either list may be empty). */
public record Sample(HostTensor[] inputs, HostTensor[] labels) implements Serializable {

    /** A sample with one input and one label. */
    public static Sample of(HostTensor input, HostTensor label) {
        return new Sample(new HostTensor[] {input}, new HostTensor[] {label});
    }
}
