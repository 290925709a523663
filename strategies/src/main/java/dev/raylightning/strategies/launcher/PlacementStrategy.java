package dev.raylightning.strategies.launcher;

/** How a Ray strategy's workers are placed over nodes. */
public enum PlacementStrategy {
    /** As few nodes as possible (default): cheaper collectives. */
    PACK,
    /** One worker per node where possible. */
    SPREAD,
    /**
     * Every bundle on its own node, or no placement at all: Horovod's hosts, each bundle holding
     * one host's slots.
     */
    STRICT_SPREAD;

    /** Ray's placement strategy of the same name. */
    public io.ray.api.placementgroup.PlacementStrategy toRay() {
        return io.ray.api.placementgroup.PlacementStrategy.valueOf(name());
    }
}
