package dev.muster.membership;

/**
 * The timer of one suspected member, with Lifeguard's dynamic timeout (LHA-Suspicion, Dadgar et
 * al. 2018, section 4.2).
 *
 * <p>A suspicion starts at {@code max}. Each independent confirmation (another member that
 * suspects the same incarnation) shrinks it along a log curve, reaching {@code min} at {@code k}
 * confirmations:
 * <pre>
 *   timeout(n) = max(min, max - (max - min) * log(n + 1) / log(k + 1))
 * </pre>
 * so a lone accuser, which may be the slow one, waits long, while a suspicion confirmed by
 * several members fails the member quickly. With {@code k == 0} (too few members to confirm)
 * the timeout is {@code min}. Plain SWIM is {@code k == 0} too.
 *
 * <p>When the timer runs out without refusal evidence, the node gives the member one last chance
 * (see {@code Membership}): the suspicion goes to it over a stream and the timer runs one more
 * probe timeout.
 *
 * <p>Confined to the node's loop thread.
 */
final class Suspicion {

    /** Bound on remembered confirmers: only the first k count, the rest change nothing. */
    private final String[] confirmers;
    private final int k;
    private final long startNanos;
    private final long minNanos;
    private final long maxNanos;
    final int incarnation;
    private int confirmations;
    private long deadlineNanos;
    private boolean refused;
    private boolean lastChanceSent;

    /**
     * @param from the first accuser; it is not counted as a confirmation
     * @param k confirmations expected to reach the min timeout
     */
    Suspicion(String from, int incarnation, int k, long minNanos, long maxNanos, long nowNanos) {
        this.incarnation = incarnation;
        this.k = k;
        this.startNanos = nowNanos;
        this.minNanos = minNanos;
        this.maxNanos = maxNanos;
        this.confirmers = new String[k + 1];
        this.confirmers[0] = from;
        this.deadlineNanos = nowNanos + timeoutNanos(0, k, minNanos, maxNanos);
    }

    /**
     * Records that {@code from} also suspects the member. Returns true if it was a new,
     * counted confirmation (worth re-gossiping so others count it too).
     */
    boolean confirm(String from) {
        if (confirmations >= k) {
            return false;
        }
        for (int i = 0; i <= confirmations; i++) {
            if (confirmers[i].equals(from)) {
                return false;
            }
        }
        confirmations++;
        confirmers[confirmations] = from;
        if (!refused && !lastChanceSent) {
            // Never later than it was: a refusal may already have brought the deadline forward.
            deadlineNanos = Math.min(deadlineNanos, startNanos + timeoutNanos(confirmations, k, minNanos, maxNanos));
        }
        return true;
    }

    /**
     * Brings the deadline forward to {@code deadline} if that is sooner: the member refused a
     * connection, strong evidence that it is gone, so no last-chance check follows.
     */
    void refusedUntil(long deadline) {
        deadlineNanos = Math.min(deadlineNanos, deadline);
        refused = true;
    }

    /** Whether the member refused a connection during this suspicion. */
    boolean refused() {
        return refused;
    }

    /** Whether the last-chance check has been sent (it is sent at most once). */
    boolean lastChanceSent() {
        return lastChanceSent;
    }

    /** The timer ran out: give the member until {@code deadline} to answer a direct check. */
    void lastChance(long deadline) {
        lastChanceSent = true;
        deadlineNanos = deadline;
    }

    long deadlineNanos() {
        return deadlineNanos;
    }

    int confirmations() {
        return confirmations;
    }

    /** The timeout after {@code n} of {@code k} confirmations; see the class comment. */
    static long timeoutNanos(int n, int k, long minNanos, long maxNanos) {
        if (k < 1) {
            return minNanos;
        }
        double fraction = Math.log(n + 1.0) / Math.log(k + 1.0);
        double raw = maxNanos - fraction * (maxNanos - minNanos);
        // Round down to whole milliseconds, as memberlist does, so traces read cleanly.
        long timeout = (long) Math.floor(raw / 1e6) * 1_000_000L;
        return Math.max(minNanos, timeout);
    }
}
