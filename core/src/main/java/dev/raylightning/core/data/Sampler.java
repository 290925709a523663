package dev.raylightning.core.data;

import java.io.Serializable;

/** Chooses the order of sample indices for one epoch. */
public interface Sampler extends Serializable {

    /** The indices of the current epoch, in order. */
    int[] indices();

    /** Number of indices one epoch yields. */
    int length();

    /** Sets the epoch, so that shuffling differs per epoch yet is reproducible. */
    default void setEpoch(int epoch) {}
}
