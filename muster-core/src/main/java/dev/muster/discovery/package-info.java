/**
 * How a node finds the first members to join: seed addresses from a static list, from DNS (a
 * Kubernetes headless service: A/AAAA or SRV records), or heard on a LAN through UDP multicast.
 *
 * <p>Discovery only suggests addresses; the membership protocol decides who is in the cluster.
 * A wrong or stale seed costs one failed join attempt, nothing more.
 *
 * <p>Threads: a {@link dev.muster.discovery.SeedProvider} may block (DNS), so it is called on a
 * blocking-friendly executor, never on an event loop. {@link dev.muster.discovery.MulticastDiscovery}
 * runs on an event loop its caller lends it and owns no threads.
 */
package dev.muster.discovery;
