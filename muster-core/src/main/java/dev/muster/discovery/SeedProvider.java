package dev.muster.discovery;

import dev.muster.Address;
import java.io.IOException;
import java.util.List;

/**
 * A source of seed addresses: the members a joining node contacts first.
 *
 * <p><b>Threads:</b> {@link #seeds()} may block for seconds (a DNS lookup waits for its
 * resolver), so the node runtime calls it on a blocking-friendly executor, never on its event
 * loop. Implementations are thread-safe and may be asked again on every join attempt; each call
 * looks again (nothing is cached here beyond what the JDK's resolver caches).
 */
public interface SeedProvider {

    /**
     * The seed addresses, in order of preference, without duplicates. An empty list means the
     * source answered but had no seeds (for DNS: the name does not exist or has no records of
     * the asked type); the caller retries later.
     *
     * @throws IOException when the source could not be asked (a DNS server that fails or does
     *     not answer); the message names what was asked
     */
    List<Address> seeds() throws IOException;

    /** What this source asks, for logs and errors: {@code DNS SRV records of '_muster._tcp.svc'}. */
    String describe();
}
