/**
 * Ray clusters as seen from a Java driver: finding the wheel's {@code ray} command
 * ({@link dev.raylightning.strategies.cluster.RayBinaries}), starting and stopping a private local
 * cluster ({@link dev.raylightning.strategies.cluster.LocalRayCluster}) and connecting this JVM to
 * a cluster ({@link dev.raylightning.strategies.cluster.RayDriver}).
 *
 * <p>Nothing here ever runs {@code ray stop}: it stops every Ray cluster on the host.
 */
package dev.raylightning.strategies.cluster;
