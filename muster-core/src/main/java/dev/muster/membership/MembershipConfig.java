package dev.muster.membership;

import dev.muster.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of the SWIM + Lifeguard membership protocol. Immutable; build one with
 * {@link #builder()} or start from a preset: {@link #lan()} (the default), {@link #local()} (many
 * nodes on one machine: tighter timing) or {@link #wan()} (looser timing for high latency).
 * {@link Builder#build()} checks every field and names the setting, the value and the rule.
 *
 * @param probeInterval time between two failure-detection probes of this node (SWIM's protocol
 *     period). Each probe checks one member; every member is probed once per round of N probes.
 *     Scaled by the local-health multiplier (Lifeguard): {@code interval * (score + 1)}.
 *     Shorter detects failures sooner and costs proportionally more packets. LAN 1s.
 * @param probeTimeout how long to wait for the direct ack before asking {@code indirectChecks}
 *     peers to probe for us. Should exceed the network round trip (p99). Scaled like the interval.
 *     LAN 500ms; must be shorter than the probe interval.
 * @param indirectChecks peers asked to probe a member that missed its direct ack (SWIM's k).
 *     More peers make a false suspicion from one bad link less likely. LAN 3.
 * @param gossipInterval how often queued membership changes are sent to {@code gossipFanout}
 *     random members, on top of those piggybacked on probes. Sent only when there is news. LAN 200ms.
 * @param gossipFanout members each gossip round sends to. LAN 3.
 * @param retransmitMultiplier how often each change is retransmitted:
 *     {@code mult * ceil(log10(N + 1))} times. Higher is more robust to loss, costs bandwidth. LAN 4.
 * @param suspicionMultiplier sets the suspicion timeout:
 *     {@code min = mult * max(1, log10(N)) * probeInterval}. A suspect is declared dead after the
 *     timeout unless it refutes. LAN 4 (8 s at N = 100).
 * @param suspicionMaxTimeoutMultiplier Lifeguard: a suspicion starts at {@code max = this * min}
 *     and shrinks towards min as independent confirmations arrive, so a lone (possibly wrong)
 *     suspicion waits longer. LAN 6.
 * @param pushPullInterval how often a full state exchange runs with one random member over TCP,
 *     which repairs anything gossip missed and heals partitions (one random dead member is
 *     also tried each time). Scaled up past 32 members: {@code interval * (ceil(log2 N - 5) + 1)}.
 *     LAN 30s.
 * @param deadMemberRetention how long a dead or left member stays listed (members(), push-pull,
 *     gossip to the dead so it can refute) before it becomes a tombstone. LAN 30s.
 * @param tombstoneTtl how long a tombstone remembers a dead member's incarnation so stale gossip
 *     cannot resurrect it. LAN 24h.
 * @param joinRetryInterval first pause between join attempts to the seeds; doubles up to 8x. LAN 1s.
 * @param maxPacketBytes largest UDP payload the node sends: one probe plus piggybacked gossip.
 *     Keep below the path MTU (1500) minus headers. LAN 1400.
 * @param maxMessageBytes largest stream (TCP) message, such as a push-pull of the whole member
 *     list; larger ones are refused before they are read. LAN 1 MiB.
 * @param maxMetadataBytes largest metadata a member may publish; it rides in every alive message.
 *     LAN 512.
 * @param awarenessMax Lifeguard local-health multiplier ceiling: the score runs 0..max-1 and
 *     multiplies probe interval and timeout by score+1. LAN 8.
 * @param maxQueuedBroadcasts bound of the gossip queue; past it the most-sent entries are
 *     dropped (push-pull repairs what they carried). LAN 1024.
 * @param maxPendingRelays bound of indirect probes this node runs for others at once; more
 *     requests are ignored. LAN 256.
 * @param refusedSuspicionTimeout when a probe's target refused a stream connection (nothing
 *     listens there: the process is gone) and no indirect probe reached it either, this node's
 *     suspicion of it runs out after this instead of the formula's timeout. Refusal is strong
 *     evidence but not proof, so the member still gets this long to refute. A stalled or
 *     partitioned process does not refuse, so this never shortens their suspicion. LAN 500ms.
 * @param lifeguard the three Lifeguard refinements (local health, dynamic suspicion timeout,
 *     buddy system, plus nacks); off gives plain SWIM with a fixed timeout of min, for comparison.
 */
public record MembershipConfig(
        Duration probeInterval,
        Duration probeTimeout,
        int indirectChecks,
        Duration gossipInterval,
        int gossipFanout,
        int retransmitMultiplier,
        int suspicionMultiplier,
        int suspicionMaxTimeoutMultiplier,
        Duration pushPullInterval,
        Duration deadMemberRetention,
        Duration tombstoneTtl,
        Duration joinRetryInterval,
        int maxPacketBytes,
        int maxMessageBytes,
        int maxMetadataBytes,
        int awarenessMax,
        int maxQueuedBroadcasts,
        int maxPendingRelays,
        Duration refusedSuspicionTimeout,
        boolean lifeguard) {

    /** Defaults for a LAN, as in ARCHITECTURE.md. */
    public static MembershipConfig lan() {
        return builder().build();
    }

    /** Many nodes on one machine: round trips are tiny, so probe and react faster. */
    public static MembershipConfig local() {
        return builder()
                .probeInterval(Duration.ofMillis(500))
                .probeTimeout(Duration.ofMillis(200))
                .indirectChecks(2)
                .gossipInterval(Duration.ofMillis(100))
                .retransmitMultiplier(3)
                .suspicionMultiplier(3)
                .pushPullInterval(Duration.ofSeconds(15))
                .deadMemberRetention(Duration.ofSeconds(15))
                .refusedSuspicionTimeout(Duration.ofMillis(250))
                .build();
    }

    /** High latency between members: probe less often and wait longer. */
    public static MembershipConfig wan() {
        return builder()
                .probeInterval(Duration.ofSeconds(5))
                .probeTimeout(Duration.ofSeconds(3))
                .gossipInterval(Duration.ofMillis(500))
                .gossipFanout(4)
                .suspicionMultiplier(6)
                .pushPullInterval(Duration.ofSeconds(60))
                .deadMemberRetention(Duration.ofSeconds(60))
                .refusedSuspicionTimeout(Duration.ofSeconds(2))
                .build();
    }

    /** A preset by name: lan, local or wan. */
    public static MembershipConfig preset(String name) {
        return switch (name) {
            case "lan" -> lan();
            case "local" -> local();
            case "wan" -> wan();
            default -> throw new IllegalArgumentException("profile '" + name + "' is unknown; use lan, local or wan");
        };
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.probeInterval = probeInterval;
        b.probeTimeout = probeTimeout;
        b.indirectChecks = indirectChecks;
        b.gossipInterval = gossipInterval;
        b.gossipFanout = gossipFanout;
        b.retransmitMultiplier = retransmitMultiplier;
        b.suspicionMultiplier = suspicionMultiplier;
        b.suspicionMaxTimeoutMultiplier = suspicionMaxTimeoutMultiplier;
        b.pushPullInterval = pushPullInterval;
        b.deadMemberRetention = deadMemberRetention;
        b.tombstoneTtl = tombstoneTtl;
        b.joinRetryInterval = joinRetryInterval;
        b.maxPacketBytes = maxPacketBytes;
        b.maxMessageBytes = maxMessageBytes;
        b.maxMetadataBytes = maxMetadataBytes;
        b.awarenessMax = awarenessMax;
        b.maxQueuedBroadcasts = maxQueuedBroadcasts;
        b.maxPendingRelays = maxPendingRelays;
        b.refusedSuspicionTimeout = refusedSuspicionTimeout;
        b.lifeguard = lifeguard;
        return b;
    }

    /** Times each change is retransmitted in a cluster of {@code n} members. */
    public int retransmitLimit(int n) {
        return retransmitMultiplier * (int) Math.ceil(Math.log10(n + 1.0));
    }

    /** The minimum suspicion timeout in a cluster of {@code n} members, in nanoseconds. */
    public long suspicionMinNanos(int n) {
        double nodeScale = Math.max(1.0, Math.log10(Math.max(1, n)));
        return (long) (suspicionMultiplier * nodeScale * probeInterval.toNanos());
    }

    /** The push-pull interval scaled to a cluster of {@code n} members, in nanoseconds. */
    public long pushPullNanos(int n) {
        long base = pushPullInterval.toNanos();
        if (n <= 32) {
            return base;
        }
        double log2 = Math.log(n) / Math.log(2);
        return base * ((long) Math.ceil(log2 - 5.0) + 1);
    }

    /** Collects values and checks them in {@link #build()}. Defaults are the LAN profile. */
    public static final class Builder {
        private Duration probeInterval = Duration.ofSeconds(1);
        private Duration probeTimeout = Duration.ofMillis(500);
        private int indirectChecks = 3;
        private Duration gossipInterval = Duration.ofMillis(200);
        private int gossipFanout = 3;
        private int retransmitMultiplier = 4;
        private int suspicionMultiplier = 4;
        private int suspicionMaxTimeoutMultiplier = 6;
        private Duration pushPullInterval = Duration.ofSeconds(30);
        private Duration deadMemberRetention = Duration.ofSeconds(30);
        private Duration tombstoneTtl = Duration.ofHours(24);
        private Duration joinRetryInterval = Duration.ofSeconds(1);
        private int maxPacketBytes = 1400;
        private int maxMessageBytes = 1 << 20;
        private int maxMetadataBytes = 512;
        private int awarenessMax = 8;
        private int maxQueuedBroadcasts = 1024;
        private int maxPendingRelays = 256;
        private Duration refusedSuspicionTimeout = Duration.ofMillis(500);
        private boolean lifeguard = true;

        private Builder() {}

        public Builder probeInterval(Duration v) { probeInterval = v; return this; }
        public Builder probeTimeout(Duration v) { probeTimeout = v; return this; }
        public Builder indirectChecks(int v) { indirectChecks = v; return this; }
        public Builder gossipInterval(Duration v) { gossipInterval = v; return this; }
        public Builder gossipFanout(int v) { gossipFanout = v; return this; }
        public Builder retransmitMultiplier(int v) { retransmitMultiplier = v; return this; }
        public Builder suspicionMultiplier(int v) { suspicionMultiplier = v; return this; }
        public Builder suspicionMaxTimeoutMultiplier(int v) { suspicionMaxTimeoutMultiplier = v; return this; }
        public Builder pushPullInterval(Duration v) { pushPullInterval = v; return this; }
        public Builder deadMemberRetention(Duration v) { deadMemberRetention = v; return this; }
        public Builder tombstoneTtl(Duration v) { tombstoneTtl = v; return this; }
        public Builder joinRetryInterval(Duration v) { joinRetryInterval = v; return this; }
        public Builder maxPacketBytes(int v) { maxPacketBytes = v; return this; }
        public Builder maxMessageBytes(int v) { maxMessageBytes = v; return this; }
        public Builder maxMetadataBytes(int v) { maxMetadataBytes = v; return this; }
        public Builder awarenessMax(int v) { awarenessMax = v; return this; }
        public Builder maxQueuedBroadcasts(int v) { maxQueuedBroadcasts = v; return this; }
        public Builder maxPendingRelays(int v) { maxPendingRelays = v; return this; }
        public Builder refusedSuspicionTimeout(Duration v) { refusedSuspicionTimeout = v; return this; }
        public Builder lifeguard(boolean v) { lifeguard = v; return this; }

        /**
         * Checks every field; the exception lists each broken rule with the setting and its value.
         */
        public MembershipConfig build() {
            List<String> errors = new ArrayList<>();
            positive(errors, "probe interval", probeInterval);
            positive(errors, "probe timeout", probeTimeout);
            positive(errors, "gossip interval", gossipInterval);
            positive(errors, "push-pull interval", pushPullInterval);
            positive(errors, "dead member retention", deadMemberRetention);
            positive(errors, "tombstone TTL", tombstoneTtl);
            positive(errors, "join retry interval", joinRetryInterval);
            positive(errors, "refused suspicion timeout", refusedSuspicionTimeout);
            if (errors.isEmpty()) {
                if (probeTimeout.compareTo(probeInterval) >= 0) {
                    errors.add("probe timeout (" + fmt(probeTimeout) + ") must be shorter than the probe interval ("
                            + fmt(probeInterval) + ")");
                }
                if (tombstoneTtl.compareTo(deadMemberRetention) < 0) {
                    errors.add("tombstone TTL (" + fmt(tombstoneTtl) + ") must be at least the dead member retention ("
                            + fmt(deadMemberRetention) + ")");
                }
                if (gossipInterval.compareTo(probeInterval) > 0) {
                    errors.add("gossip interval (" + fmt(gossipInterval) + ") must not exceed the probe interval ("
                            + fmt(probeInterval) + ")");
                }
            }
            range(errors, "indirect checks", indirectChecks, 0, 16, "peers asked to probe for us");
            range(errors, "gossip fanout", gossipFanout, 1, 16, "members per gossip round");
            range(errors, "retransmit multiplier", retransmitMultiplier, 1, 16, "");
            range(errors, "suspicion multiplier", suspicionMultiplier, 1, 32, "");
            range(errors, "suspicion max timeout multiplier", suspicionMaxTimeoutMultiplier, 1, 32, "");
            range(errors, "max packet bytes", maxPacketBytes, 512, 65_507, "UDP payload");
            range(errors, "max message bytes", maxMessageBytes, 64 * 1024, 64 << 20, "");
            range(errors, "max metadata bytes", maxMetadataBytes, 0, maxPacketBytes / 2,
                    "at most half of max packet bytes so an alive message fits a packet");
            range(errors, "awareness max", awarenessMax, 1, 64, "");
            range(errors, "max queued broadcasts", maxQueuedBroadcasts, 16, 1 << 20, "");
            range(errors, "max pending relays", maxPendingRelays, 1, 1 << 16, "");
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException("invalid membership config: " + String.join("; ", errors));
            }
            return new MembershipConfig(probeInterval, probeTimeout, indirectChecks, gossipInterval, gossipFanout,
                    retransmitMultiplier, suspicionMultiplier, suspicionMaxTimeoutMultiplier, pushPullInterval,
                    deadMemberRetention, tombstoneTtl, joinRetryInterval, maxPacketBytes, maxMessageBytes,
                    maxMetadataBytes, awarenessMax, maxQueuedBroadcasts, maxPendingRelays, refusedSuspicionTimeout,
                    lifeguard);
        }

        private static void positive(List<String> errors, String setting, Duration d) {
            if (d == null) {
                errors.add(setting + " is missing");
            } else if (d.isNegative() || d.isZero()) {
                errors.add(setting + " (" + fmt(d) + ") must be positive");
            }
        }

        private static void range(List<String> errors, String setting, int v, int min, int max, String why) {
            if (v < min || v > max) {
                errors.add(setting + " (" + v + ") must be between " + min + " and " + max
                        + (why.isEmpty() ? "" : " (" + why + ")"));
            }
        }

        private static String fmt(Duration d) {
            return Durations.format(d);
        }
    }
}
