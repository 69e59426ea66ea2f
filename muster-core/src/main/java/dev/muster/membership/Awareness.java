package dev.muster.membership;

/**
 * Lifeguard's local health multiplier (LHM, Dadgar et al. 2018, section 4.3). A node that misses
 * acks it should have got, or has to refute suspicions about itself, is probably the slow one: it
 * raises its score and stretches its own probe interval and timeout, so it accuses others less
 * hastily. A successful probe lowers the score again.
 *
 * <p>Score deltas, as in memberlist: +1 for each nack that did not arrive when a probe failed
 * (or +1 when no nack was expected), +1 for each refutation, -1 for each direct ack.
 *
 * <p>Confined to the node's loop thread.
 */
final class Awareness {

    private final int max;
    private int score;

    /** @param max scores run from 0 to max - 1; 1 disables awareness. */
    Awareness(int max) {
        this.max = max;
    }

    void apply(int delta) {
        score = Math.max(0, Math.min(max - 1, score + delta));
    }

    int score() {
        return score;
    }

    /** {@code nanos * (score + 1)}. */
    long scale(long nanos) {
        return nanos * (score + 1);
    }
}
