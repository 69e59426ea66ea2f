package dev.muster.transport;

import dev.muster.Address;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Faults injected into one node's transport, per peer, for partitions and chaos tests: drop a
 * share of the traffic, delay it, or black-hole it (everything dropped silently, and no
 * connection attempted, so the peer looks hung, not crashed). A rule applies in both directions:
 * to what this node sends to the peer and to what it receives from it.
 *
 * <p>Off unless {@code faults.enabled} is set in the config; a node without it has no filter at
 * all, so the hot path pays nothing. Thread-safe: rules change from any thread, the transport
 * reads them on its event loop.
 */
public final class FaultFilter {

    /** What to do with one packet or frame. */
    enum Verdict { PASS, DROP, DELAY }

    /**
     * One peer's rule.
     *
     * @param dropRate share of messages dropped, 0..1 (1 with {@code blackhole})
     * @param delay added to every message that is not dropped
     * @param blackhole drop everything and never connect
     */
    public record Rule(double dropRate, Duration delay, boolean blackhole) {
        public Rule {
            Objects.requireNonNull(delay, "delay");
            if (!(dropRate >= 0 && dropRate <= 1)) {
                throw new IllegalArgumentException("drop rate (" + dropRate + ") must be between 0 and 1");
            }
            if (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
                throw new IllegalArgumentException("delay (" + delay + ") must be between 0 and " + MAX_DELAY);
            }
        }
    }

    /** Longest delay a rule may add: long enough for any timeout, short enough to stay bounded. */
    public static final Duration MAX_DELAY = Duration.ofSeconds(60);
    private static final Rule CLEAR = new Rule(0, Duration.ZERO, false);

    private final Map<Address, Rule> rules = new ConcurrentHashMap<>();

    /** Drops this share (0..1) of the traffic with {@code peer}. */
    public void drop(Address peer, double rate) {
        update(peer, new Rule(rate, current(peer).delay(), false));
    }

    /** Delays the traffic with {@code peer}. */
    public void delay(Address peer, Duration delay) {
        Rule r = current(peer);
        update(peer, new Rule(r.dropRate(), delay, r.blackhole()));
    }

    /** Drops all traffic with {@code peer} silently, as a network partition does. */
    public void blackhole(Address peer) {
        update(peer, new Rule(1, current(peer).delay(), true));
    }

    /** Removes the rule for {@code peer}. */
    public void heal(Address peer) {
        rules.remove(Objects.requireNonNull(peer, "peer"));
    }

    /** Removes every rule. */
    public void healAll() {
        rules.clear();
    }

    /** The rules in force, by peer. */
    public Map<Address, Rule> rules() {
        return Map.copyOf(rules);
    }

    private Rule current(Address peer) {
        return rules.getOrDefault(Objects.requireNonNull(peer, "peer"), CLEAR);
    }

    private void update(Address peer, Rule rule) {
        if (rule.equals(CLEAR)) {
            rules.remove(peer);
        } else {
            rules.put(peer, rule);
        }
    }

    /** True when a rule drops this message to or from {@code peer} (remote calls ask it per frame). */
    public boolean drops(Address peer) {
        return decide(peer) == Verdict.DROP;
    }

    boolean blackholed(Address peer) {
        Rule r = rules.get(peer);
        return r != null && r.blackhole();
    }

    Verdict decide(Address peer) {
        Rule r = rules.get(peer);
        if (r == null) {
            return Verdict.PASS;
        }
        if (r.blackhole() || (r.dropRate() > 0 && ThreadLocalRandom.current().nextDouble() < r.dropRate())) {
            return Verdict.DROP;
        }
        return r.delay().isZero() ? Verdict.PASS : Verdict.DELAY;
    }

    long delayNanos(Address peer) {
        Rule r = rules.get(peer);
        return r == null ? 0 : r.delay().toNanos();
    }
}
