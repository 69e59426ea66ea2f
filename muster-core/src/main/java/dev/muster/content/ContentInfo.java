package dev.muster.content;

import java.time.Instant;

/**
 * What one node knows of a piece of content it holds.
 *
 * @param digest its SHA-256
 * @param size its length in bytes
 * @param origin the node it was injected at
 * @param injectedAt when the origin injected it (the origin's clock)
 * @param firstSeenAt when this node first stored it (this node's clock)
 * @param hops hops from the origin to this node; 0 at the origin
 * @param pinned pinned entries are never evicted
 * @param duplicates times this node was offered it again (injected or pushed) and kept one copy
 * @param pushesSent diffusion messages this node sent for it
 */
public record ContentInfo(Digest digest, int size, String origin, Instant injectedAt, Instant firstSeenAt, int hops,
                          boolean pinned, long duplicates, long pushesSent) {}
