package dev.muster.services;

import dev.muster.Address;
import java.time.Duration;
import java.time.Instant;

/**
 * Who called a handler and until when the caller waits. A handler past its deadline may stop:
 * its answer would be dropped.
 *
 * @param service the service called
 * @param caller the calling node's name
 * @param callerAddress the calling node's gossip address
 * @param deadline when the caller stops waiting (this node's clock, from the remaining time the
 *     caller sent, so clocks need not agree)
 * @param oneWay true for a {@code send} (fire-and-forget): nobody reads the reply
 * @param node the name of the node serving the call (this one)
 */
public record CallContext(String service, String caller, Address callerAddress, Instant deadline, boolean oneWay,
                          String node) {

    /** Time left until the deadline; zero or negative once it passed. */
    public Duration remaining() {
        return Duration.between(Instant.now(), deadline);
    }

    public boolean expired() {
        return !Instant.now().isBefore(deadline);
    }
}
