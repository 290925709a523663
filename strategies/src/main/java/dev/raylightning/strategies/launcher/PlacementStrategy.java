package dev.raylightning.strategies.launcher;

/** How a Ray strategy's workers are placed over nodes. */
public enum PlacementStrategy {
    /** As few nodes as possible (default): cheaper collectives. */
    PACK,
    /** One worker per node where possible. */
    SPREAD
}
