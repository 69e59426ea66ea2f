package dev.muster.content;

import dev.muster.Subscription;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * This node's content-addressable store and the diffusion that fills every node's:
 * {@code cluster.content()}.
 *
 * <p>{@link #inject} stores content under its SHA-256 and pushes it to {@code fanout} peers with one
 * unit of energy less. The peers are chosen at random, but not independently: each content orders the
 * members on a ring of its own (a hash of digest and name), each holder is responsible for a slice of
 * it and hands {@code fanout} disjoint parts of its slice to their first members, so every node is
 * reached once. A receiver that holds the digest already answers so and does not forward; a new
 * holder forwards while energy is left. A push that fails or meets a holder is replaced by one to the
 * next member of the same part (at most {@link #ATTEMPTS_PER_FANOUT} tries per part). Identical
 * content injected at several nodes is one entry everywhere; the offers it absorbed are counted as
 * duplicates.
 *
 * <p>Thread-safe.
 */
public interface Content {

    /** Pushes a forwarder may try per part of its slice (per unit of fanout). */
    int ATTEMPTS_PER_FANOUT = 4;

    /** Injects with the configured energy and fanout ({@code content.energy}, {@code content.fanout}). */
    Injected inject(byte[] content);

    /**
     * Stores {@code content} here and spreads it.
     *
     * @param energy hops it may travel: 0 keeps it on this node, 1 reaches {@code fanout} peers, ...
     * @param fanout parts each forwarder cuts its slice into, one push each, 1 to 32
     * @throws IllegalArgumentException when the content is over {@code content.max-content-bytes},
     *     the energy is not 0 to 64 or the fanout not 1 to 32; nothing is stored then
     * @throws IllegalStateException when the store cannot make room (the budget is full of pinned entries)
     */
    Injected inject(byte[] content, int energy, int fanout);

    /** The content of {@code digest}, if this node holds it. */
    Optional<byte[]> get(Digest digest);

    /**
     * The content of {@code digest} from this node or, failing that, from the live nodes in
     * turn; what is fetched is checked against the digest and kept here.
     */
    CompletableFuture<byte[]> fetch(Digest digest);

    /** What this node knows of {@code digest}, if it holds it. */
    Optional<ContentInfo> info(Digest digest);

    /** Every entry this node holds, most recently used last. */
    List<ContentInfo> list();

    /** Pins or unpins an entry held here: pinned entries are never evicted. False when not held. */
    boolean pin(Digest digest, boolean pinned);

    /** Removes an entry from this node only; false when it was not held. */
    boolean remove(Digest digest);

    ContentStats stats();

    /** The largest content this node stores ({@code content.max-content-bytes}). */
    int maxContentBytes();

    /** Calls {@code listener} with each entry this node stores from now on (injected or received). */
    Subscription subscribe(Consumer<ContentInfo> listener);
}
