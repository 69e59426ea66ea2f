package dev.muster;

import dev.muster.membership.MembershipConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.ObjIntConsumer;

/**
 * The file keys of the {@code membership} section: one kebab-case key per
 * {@link MembershipConfig} component, each mapped by hand to its builder setter, and the
 * rewording of MembershipConfig's errors so they name those keys. Stateless and thread-safe.
 */
final class MembershipKeys {

    /** How a key's value is read, and the builder setter it goes to. */
    sealed interface Setting {}

    record DurationSetting(BiConsumer<MembershipConfig.Builder, Duration> set) implements Setting {}

    record WholeSetting(ObjIntConsumer<MembershipConfig.Builder> set) implements Setting {}

    record FlagSetting(BiConsumer<MembershipConfig.Builder, Boolean> set) implements Setting {}

    /** Key (without the {@code membership.} prefix) to setting, in MembershipConfig's order. */
    static final Map<String, Setting> SETTINGS;

    static {
        Map<String, Setting> m = new LinkedHashMap<>();
        m.put("probe-interval", new DurationSetting(MembershipConfig.Builder::probeInterval));
        m.put("probe-timeout", new DurationSetting(MembershipConfig.Builder::probeTimeout));
        m.put("indirect-checks", new WholeSetting(MembershipConfig.Builder::indirectChecks));
        m.put("gossip-interval", new DurationSetting(MembershipConfig.Builder::gossipInterval));
        m.put("gossip-fanout", new WholeSetting(MembershipConfig.Builder::gossipFanout));
        m.put("retransmit-multiplier", new WholeSetting(MembershipConfig.Builder::retransmitMultiplier));
        m.put("suspicion-multiplier", new WholeSetting(MembershipConfig.Builder::suspicionMultiplier));
        m.put("suspicion-max-timeout-multiplier",
                new WholeSetting(MembershipConfig.Builder::suspicionMaxTimeoutMultiplier));
        m.put("push-pull-interval", new DurationSetting(MembershipConfig.Builder::pushPullInterval));
        m.put("dead-member-retention", new DurationSetting(MembershipConfig.Builder::deadMemberRetention));
        m.put("tombstone-ttl", new DurationSetting(MembershipConfig.Builder::tombstoneTtl));
        m.put("join-retry-interval", new DurationSetting(MembershipConfig.Builder::joinRetryInterval));
        m.put("max-packet-bytes", new WholeSetting(MembershipConfig.Builder::maxPacketBytes));
        m.put("max-message-bytes", new WholeSetting(MembershipConfig.Builder::maxMessageBytes));
        m.put("max-metadata-bytes", new WholeSetting(MembershipConfig.Builder::maxMetadataBytes));
        m.put("awareness-max", new WholeSetting(MembershipConfig.Builder::awarenessMax));
        m.put("max-queued-broadcasts", new WholeSetting(MembershipConfig.Builder::maxQueuedBroadcasts));
        m.put("max-pending-relays", new WholeSetting(MembershipConfig.Builder::maxPendingRelays));
        m.put("refused-suspicion-timeout", new DurationSetting(MembershipConfig.Builder::refusedSuspicionTimeout));
        m.put("lifeguard", new FlagSetting(MembershipConfig.Builder::lifeguard));
        SETTINGS = Collections.unmodifiableMap(m);
    }

    private static final String PREFIX = "invalid membership config: ";

    private MembershipKeys() {}

    /**
     * Rewords the error of {@link MembershipConfig.Builder#build()}, whose problems read
     * {@code probe timeout (2s) must be shorter than the probe interval (1s)}, into one problem per
     * rule naming the file key: {@code membership.probe-timeout: 2s must be shorter than the probe
     * interval (1s)}. A problem that names no known setting keeps its words under {@code membership}.
     */
    static List<String> problems(IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage());
        String body = message.startsWith(PREFIX) ? message.substring(PREFIX.length()) : message;
        List<String> out = new ArrayList<>();
        for (String problem : body.split("; ")) {
            out.add(keyed(problem));
        }
        return out;
    }

    private static String keyed(String problem) {
        String words = problem.toLowerCase(Locale.ROOT).replace('-', ' ');
        String key = null;
        for (String k : SETTINGS.keySet()) {
            String phrase = k.replace('-', ' ');
            boolean whole = words.length() == phrase.length() || words.startsWith(phrase + " ");
            if (whole && words.startsWith(phrase) && (key == null || k.length() > key.length())) {
                key = k;
            }
        }
        if (key == null) {
            return "membership: " + problem;
        }
        String rest = problem.substring(key.length()).strip();
        int close = rest.indexOf(')');
        if (rest.startsWith("(") && close > 0) {
            rest = rest.substring(1, close) + rest.substring(close + 1); // "(2s) must" -> "2s must"
        }
        return "membership." + key + ": " + rest;
    }
}
