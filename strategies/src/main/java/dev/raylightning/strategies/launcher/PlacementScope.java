package dev.raylightning.strategies.launcher;

import io.ray.api.placementgroup.PlacementGroup;

import java.util.Map;
import java.util.Optional;

/**
 * Bundles of a placement group that someone else already reserved for the Ray strategies of this
 * process, such as a Tune trial's worker bundles. While a scope is open, {@link RayLauncher}
 * schedules its workers into those bundles instead of reserving a group of its own, and leaves
 * the group in place afterwards. A process holds at most one scope at a time.
 */
public final class PlacementScope implements AutoCloseable {

    /**
     * @param group the reserved placement group
     * @param firstBundle the index of the first bundle workers may use
     * @param bundleCount how many bundles, from {@code firstBundle} on, workers may use
     * @param bundle the resources of each of those bundles
     */
    public record Reservation(PlacementGroup group, int firstBundle, int bundleCount, Map<String, Double> bundle) {
        public Reservation {
            bundle = Map.copyOf(bundle);
        }
    }

    private static volatile Reservation current;

    private PlacementScope() {}

    /** Opens a scope for this process; close it when the reserved bundles go away. */
    public static synchronized PlacementScope open(Reservation reservation) {
        if (current != null) {
            throw new IllegalStateException("a placement scope is already open in this process: " + current);
        }
        current = reservation;
        return new PlacementScope();
    }

    /** The open reservation, if any. */
    public static Optional<Reservation> current() {
        return Optional.ofNullable(current);
    }

    @Override
    public void close() {
        synchronized (PlacementScope.class) {
            current = null;
        }
    }
}
