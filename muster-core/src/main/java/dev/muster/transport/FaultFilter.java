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
 * connection attempted, so the peer looks hung, not crashed). A rule applies in both directions
 * (to what this node sends to the peer and to what it receives from it) unless it names one:
 * an {@link Direction#OUTBOUND} black hole at A for B and nothing at B is the asymmetric cut
 * "A cannot reach B, B still reaches A".
 *
 * <p>Off unless {@code faults.enabled} is set in the config; a node without it has no filter at
 * all, so the hot path pays nothing. Thread-safe: rules change from any thread, the transport
 * reads them on its event loop.
 */
public final class FaultFilter {

    /** What to do with one packet or frame. */
    enum Verdict { PASS, DROP, DELAY }

    /** Which traffic a rule acts on, seen from the node that holds it. */
    public enum Direction {
        /** What it sends to the peer and what it receives from it. */
        BOTH,
        /** Only what it sends to the peer (and its connections to it). */
        OUTBOUND,
        /** Only what it receives from the peer. */
        INBOUND;

        /** {@code both}, {@code out} or {@code in}. */
        public String jsonName() {
            return switch (this) {
                case BOTH -> "both";
                case OUTBOUND -> "out";
                case INBOUND -> "in";
            };
        }

        /** The direction of that name; the error lists the names. */
        public static Direction parse(String name) {
            for (Direction d : values()) {
                if (d.jsonName().equals(name)) {
                    return d;
                }
            }
            throw new IllegalArgumentException("direction '" + name + "' must be both, out or in");
        }

        boolean covers(Direction traffic) {
            return this == BOTH || this == traffic;
        }
    }

    /**
     * One peer's rule.
     *
     * @param dropRate share of messages dropped, 0..1 (1 with {@code blackhole})
     * @param delay added to every message that is not dropped
     * @param blackhole drop everything and never connect
     * @param direction the traffic it acts on
     * @param jitter each delayed message waits {@code delay} plus or minus up to this, drawn
     *     uniformly (never below 0); at most {@code delay}
     */
    public record Rule(double dropRate, Duration delay, boolean blackhole, Direction direction, Duration jitter) {

        /** A rule on both directions, without jitter. */
        public Rule(double dropRate, Duration delay, boolean blackhole) {
            this(dropRate, delay, blackhole, Direction.BOTH, Duration.ZERO);
        }

        public Rule {
            Objects.requireNonNull(delay, "delay");
            Objects.requireNonNull(direction, "direction");
            Objects.requireNonNull(jitter, "jitter");
            if (jitter.isNegative() || jitter.compareTo(delay) > 0) {
                throw new IllegalArgumentException("jitter (" + jitter + ") must be between 0 and the delay (" + delay + ")");
            }
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
        Rule r = current(peer);
        update(peer, new Rule(rate, r.delay(), false, r.direction(), r.jitter()));
    }

    /** Delays the traffic with {@code peer}, without jitter. */
    public void delay(Address peer, Duration delay) {
        delay(peer, delay, Duration.ZERO);
    }

    /** Delays the traffic with {@code peer} by {@code delay} plus or minus up to {@code jitter}. */
    public void delay(Address peer, Duration delay, Duration jitter) {
        Rule r = current(peer);
        update(peer, new Rule(r.dropRate(), delay, r.blackhole(), r.direction(), jitter));
    }

    /** Drops all traffic with {@code peer} silently, as a network partition does. */
    public void blackhole(Address peer) {
        Rule r = current(peer);
        update(peer, new Rule(1, r.delay(), true, r.direction(), r.jitter()));
    }

    /** Makes {@code peer}'s rule act on {@code direction} only (or both); no rule yet: nothing to direct. */
    public void direct(Address peer, Direction direction) {
        Rule r = rules.get(Objects.requireNonNull(peer, "peer"));
        if (r != null) {
            update(peer, new Rule(r.dropRate(), r.delay(), r.blackhole(), Objects.requireNonNull(direction, "direction"),
                    r.jitter()));
        }
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

    /**
     * True when a rule drops this message to ({@code OUTBOUND}) or from ({@code INBOUND})
     * {@code peer}; remote calls ask it per frame.
     */
    public boolean drops(Address peer, Direction traffic) {
        return decide(peer, traffic) == Verdict.DROP;
    }

    /** True when no connection to {@code peer} may be made. */
    boolean blackholed(Address peer) {
        Rule r = rules.get(peer);
        return r != null && r.blackhole() && r.direction().covers(Direction.OUTBOUND);
    }

    /** What to do with a message of {@code traffic} (OUTBOUND or INBOUND) to or from {@code peer}. */
    Verdict decide(Address peer, Direction traffic) {
        Rule r = rules.get(peer);
        if (r == null || !r.direction().covers(traffic)) {
            return Verdict.PASS;
        }
        if (r.blackhole() || (r.dropRate() > 0 && ThreadLocalRandom.current().nextDouble() < r.dropRate())) {
            return Verdict.DROP;
        }
        return r.delay().isZero() ? Verdict.PASS : Verdict.DELAY;
    }

    long delayNanos(Address peer, Direction traffic) {
        Rule r = rules.get(peer);
        if (r == null || !r.direction().covers(traffic) || r.delay().isZero()) {
            return 0;
        }
        long j = r.jitter().toNanos();
        long d = r.delay().toNanos() + (j == 0 ? 0 : ThreadLocalRandom.current().nextLong(-j, j + 1));
        return Math.max(0, d);
    }
}
