package dev.muster.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MulticastConfigTest {

    private static final Address ADVERTISED = Address.parse("10.0.0.5:7946");

    @Test
    void defaults() {
        MulticastConfig config = MulticastConfig.builder("blue", "node-1", ADVERTISED).build();

        assertThat(config.group()).isEqualTo(new InetSocketAddress("239.255.77.46", 7947));
        assertThat(config.networkInterface()).isEqualTo(Optional.empty());
        assertThat(config.announceInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.ttl()).isEqualTo(1);
        assertThat(config.loopback()).isTrue();
    }

    @Test
    void everyBrokenRuleIsNamedWithItsValue() {
        var builder = MulticastConfig.builder("blue", "node-1", ADVERTISED)
                .group("10.0.0.1", 0)
                .networkInterface(" ")
                .announceInterval(Duration.ofMillis(10))
                .ttl(256);

        assertThatThrownBy(builder::build).hasMessage("invalid multicast discovery config: "
                + "multicast group '10.0.0.1' must be a multicast IP address (IPv4 224.0.0.0/4, IPv6 ff00::/8),"
                + " for example 239.255.77.46; "
                + "multicast port (0) must be between 1 and 65535; "
                + "network interface name must not be blank; leave it unset for the interface of the advertised"
                + " address; "
                + "announce interval (10ms) must be between 100ms and 10m (every node sends one datagram per"
                + " interval); "
                + "multicast TTL (256) must be between 0 and 255 (1 keeps announcements on the subnet)");
    }

    @Test
    void namesMustFitTheAnnouncement() {
        assertThatThrownBy(() -> MulticastConfig.builder("", "node-1", ADVERTISED).build())
                .hasMessage("invalid multicast discovery config: cluster name '' must be 1 to 255 bytes of UTF-8");
        assertThatThrownBy(() -> MulticastConfig.builder("c".repeat(255), "n".repeat(255), ADVERTISED).build())
                .hasMessageContaining("more than the 512-byte limit");
    }

    @Test
    void aGroupNameIsNotLookedUp() {
        assertThatThrownBy(() -> MulticastConfig.builder("blue", "node-1", ADVERTISED).group("mcast.example", 7947)
                .build()).hasMessageContaining("multicast group 'mcast.example' must be a multicast IP address");
    }

    @Test
    void anIpv6GroupIsAccepted() {
        MulticastConfig config = MulticastConfig.builder("blue", "node-1", ADVERTISED).group("ff02::4d", 7947).build();

        assertThat(config.group().getAddress().isMulticastAddress()).isTrue();
    }
}
