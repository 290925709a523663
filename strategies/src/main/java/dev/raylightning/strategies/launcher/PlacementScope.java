package dev.raylightning.strategies.launcher;

import java.io.Serializable;
import java.util.Map;
import java.util.Optional;

/**
 * Bundles of a placement group that someone else already reserved for the Ray strategies run
 * by one thread (and the threads it starts), such as a Tune trial's worker bundles. While a scope
 * is open, a Ray strategy created without an explicit reservation puts its workers into those
 * bundles instead of reserving a group of its own, and leaves the group in place afterwards.
 */
public final class PlacementScope implements AutoCloseable {

    /**
     * @param groupName the name of the reserved placement group
     * @param firstBundle the index of the first bundle workers may use
     * @param bundleCount how many bundles, from {@code firstBundle} on, workers may use
     * @param bundle the resources of each of those bundles
     */
    public record Reservation(String groupName, int firstBundle, int bundleCount, Map<String, Double> bundle)
            implements Serializable {
        public Reservation {
            bundle = Map.copyOf(bundle);
        }
    }

    private static final InheritableThreadLocal<Reservation> CURRENT = new InheritableThreadLocal<>();

    private final Reservation previous;

    private PlacementScope(Reservation previous) {
        this.previous = previous;
    }

    /** Opens a scope on this thread; close it when the reserved bundles go away. */
    public static PlacementScope open(Reservation reservation) {
        PlacementScope scope = new PlacementScope(CURRENT.get());
        CURRENT.set(reservation);
        return scope;
    }

    /** The reservation of this thread's open scope, if any. */
    public static Optional<Reservation> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    @Override
    public void close() {
        CURRENT.set(previous);
    }
}
