package dev.muster.discovery;

import dev.muster.Address;
import dev.muster.Durations;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of {@link MulticastDiscovery}. Immutable; build one with
 * {@link #builder(String, String, Address)}, which checks every field and names the setting, the
 * value and the rule.
 *
 * @param clusterName announced, and compared with what others announce: only peers of the same
 *     cluster are reported. 1..255 bytes of UTF-8.
 * @param nodeName this node's name in the cluster; announcements carrying it are this node's own
 *     and ignored. 1..255 bytes of UTF-8. Cluster name, node name and host together must fit the
 *     512-byte announcement.
 * @param advertised the address peers should join: this node's membership (gossip) address, not
 *     the multicast port.
 * @param group the multicast group and port every node of the LAN announces to and listens on.
 *     Default {@code 239.255.77.46:7947}: an IPv4 organisation-local address (239.255.0.0/16,
 *     RFC 2365) next to the default gossip port 7946. An IPv6 group (ff00::/8) works too.
 * @param networkInterface the interface to send and listen on, by name ({@code eth0}, {@code lo}).
 *     Default: the interface that holds the advertised address, so a node advertising
 *     {@code 10.0.0.5} announces on the LAN that address is on, and one advertising
 *     {@code 127.0.0.1} stays on loopback (local clusters and tests). Name one when the advertised
 *     host is a DNS name or an address of no local interface (NAT, containers).
 * @param announceInterval time between two announcements of this node (the first goes out at
 *     start). A new node is found within one interval of the others; the LAN carries
 *     {@code N / interval} datagrams per second. Default 1s; 100ms..10m.
 * @param ttl IP time-to-live (IPv6 hop limit) of announcements: 1 keeps them on the local subnet,
 *     0 on this host. Default 1; 0..255.
 * @param loopback whether this host's own sockets receive the announcements it sends, which
 *     nodes sharing one machine need to find each other. Default true. On the loopback interface
 *     itself announcements may come back even when false (they are sent to this host).
 */
public record MulticastConfig(
        String clusterName,
        String nodeName,
        Address advertised,
        InetSocketAddress group,
        Optional<String> networkInterface,
        Duration announceInterval,
        int ttl,
        boolean loopback) {

    public static final String DEFAULT_GROUP = "239.255.77.46";
    public static final int DEFAULT_PORT = 7947;
    public static final Duration DEFAULT_ANNOUNCE_INTERVAL = Duration.ofSeconds(1);
    private static final Duration MIN_ANNOUNCE_INTERVAL = Duration.ofMillis(100);
    private static final Duration MAX_ANNOUNCE_INTERVAL = Duration.ofMinutes(10);

    public MulticastConfig {
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(advertised, "advertised");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(networkInterface, "networkInterface");
        Objects.requireNonNull(announceInterval, "announceInterval");
    }

    /** A builder with the defaults above, for this node of this cluster. */
    public static Builder builder(String clusterName, String nodeName, Address advertised) {
        return new Builder(clusterName, nodeName, advertised);
    }

    /** The announcement this node sends. */
    Announcement announcement() {
        return new Announcement(clusterName, nodeName, advertised);
    }

    /** Collects values and checks them in {@link #build()}. */
    public static final class Builder {
        private final String clusterName;
        private final String nodeName;
        private final Address advertised;
        private String groupHost = DEFAULT_GROUP;
        private int groupPort = DEFAULT_PORT;
        private String networkInterface;
        private Duration announceInterval = DEFAULT_ANNOUNCE_INTERVAL;
        private int ttl = 1;
        private boolean loopback = true;

        private Builder(String clusterName, String nodeName, Address advertised) {
            this.clusterName = Objects.requireNonNull(clusterName, "clusterName");
            this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
            this.advertised = Objects.requireNonNull(advertised, "advertised");
        }

        /** The multicast group as an IP literal, and its port. */
        public Builder group(String ip, int port) { groupHost = ip; groupPort = port; return this; }
        /** An interface name such as {@code eth0}; null for the one holding the advertised address. */
        public Builder networkInterface(String name) { networkInterface = name; return this; }
        public Builder announceInterval(Duration v) { announceInterval = v; return this; }
        public Builder ttl(int v) { ttl = v; return this; }
        public Builder loopback(boolean v) { loopback = v; return this; }

        /** Checks every field; the exception lists each broken rule with the setting and its value. */
        public MulticastConfig build() {
            List<String> errors = new ArrayList<>();
            try {
                new Announcement(clusterName, nodeName, advertised).encode();
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage());
            }
            InetAddress groupIp = groupHost == null ? null : IpLiterals.parse(groupHost);
            if (groupIp == null || !groupIp.isMulticastAddress()) {
                errors.add("multicast group '" + groupHost + "' must be a multicast IP address (IPv4 224.0.0.0/4,"
                        + " IPv6 ff00::/8), for example " + DEFAULT_GROUP);
            }
            if (groupPort < 1 || groupPort > 65_535) {
                errors.add("multicast port (" + groupPort + ") must be between 1 and 65535");
            }
            if (networkInterface != null && networkInterface.isBlank()) {
                errors.add("network interface name must not be blank; leave it unset for the interface"
                        + " of the advertised address");
            }
            if (announceInterval == null) {
                errors.add("announce interval is missing");
            } else if (announceInterval.compareTo(MIN_ANNOUNCE_INTERVAL) < 0
                    || announceInterval.compareTo(MAX_ANNOUNCE_INTERVAL) > 0) {
                errors.add("announce interval (" + Durations.format(announceInterval) + ") must be between "
                        + Durations.format(MIN_ANNOUNCE_INTERVAL) + " and " + Durations.format(MAX_ANNOUNCE_INTERVAL)
                        + " (every node sends one datagram per interval)");
            }
            if (ttl < 0 || ttl > 255) {
                errors.add("multicast TTL (" + ttl + ") must be between 0 and 255 (1 keeps announcements on the subnet)");
            }
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException("invalid multicast discovery config: " + String.join("; ", errors));
            }
            return new MulticastConfig(clusterName, nodeName, advertised, new InetSocketAddress(groupIp, groupPort),
                    Optional.ofNullable(networkInterface), announceInterval, ttl, loopback);
        }
    }
}
