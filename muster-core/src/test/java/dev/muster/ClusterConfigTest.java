package dev.muster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.muster.membership.MembershipConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClusterConfigTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        ClusterConfig c = ClusterConfig.builder().build();
        assertThat(c.clusterName()).isEqualTo("muster");
        assertThat(c.nodeName()).isEqualTo("node-1");
        assertThat(c.bindHost()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(7946);
        assertThat(c.advertiseHost()).isNull();
        assertThat(c.advertisePort()).isZero();
        assertThat(c.seeds()).isEmpty();
        assertThat(c.dnsName()).isNull();
        assertThat(c.dnsSrv()).isFalse();
        assertThat(c.dnsPort()).isZero();
        assertThat(c.multicast()).isFalse();
        assertThat(c.multicastGroup()).isEqualTo("239.255.77.46");
        assertThat(c.multicastPort()).isEqualTo(7947);
        assertThat(c.joinTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.clusterSize()).isZero();
        assertThat(c.nodeIndex()).isZero();
        assertThat(c.metadata()).isEqualTo(Metadata.EMPTY);
        assertThat(c.membership()).isEqualTo(MembershipConfig.lan());
        assertThat(c.faultInjection()).isFalse();
        assertThat(c.httpPort()).isEqualTo(8151);
        assertThat(c.leaveTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    static Stream<Arguments> brokenSettings() {
        return Stream.of(
                bad(b -> b.clusterName("my cluster"),
                        "cluster: 'my cluster' must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'"),
                bad(b -> b.clusterName(""), "cluster: '' must be 1 to 64 characters"),
                bad(b -> b.clusterName("x".repeat(65)), "cluster: '" + "x".repeat(65) + "' must be 1 to 64"),
                bad(b -> b.clusterName(null), "cluster: is missing"),
                bad(b -> b.nodeName("node/1"), "node: 'node/1' must be 1 to 128 characters of A-Z"),
                bad(b -> b.nodeName("n".repeat(129)), "node: '" + "n".repeat(129) + "' must be 1 to 128 characters"),
                bad(b -> b.bindHost("not a host"),
                        "bind: 'not a host' must be an IP address (IPv6 without brackets) or a host name"),
                bad(b -> b.bindHost("[::1]"), "bind: '[::1]' must be an IP address (IPv6 without brackets)"),
                bad(b -> b.bindHost("300.1.1.1"), "bind: '300.1.1.1' must be an IP address"),
                bad(b -> b.bindHost(null), "bind: is missing"),
                bad(b -> b.port(70000), "port: 70000 must be between 0 and 65535"),
                bad(b -> b.port(-1), "port: -1 must be between 0 and 65535"),
                bad(b -> b.advertiseHost("0.0.0.0"),
                        "advertise: '0.0.0.0' is a wildcard; give an address other nodes can reach"),
                bad(b -> b.advertiseHost("a..b"), "advertise: 'a..b' must be an IP address"),
                bad(b -> b.advertisePort(70000),
                        "advertise: port 70000 must be between 0 and 65535 (0 means the bound port)"),
                bad(b -> b.seeds(List.of(new Address("no such host!", 1))),
                        "seeds: 'no such host!:1' must have an IP address or a host name as its host"),
                bad(b -> b.seeds(Arrays.asList((Address) null)), "seeds: the list holds a null"),
                bad(b -> b.seeds(manySeeds(257)), "seeds: 257 seeds are more than 256"),
                bad(b -> b.dnsName("bad name"), "discovery.dns.name: 'bad name' must be a host name"),
                bad(b -> b.dnsSrv(true), "discovery.dns.srv: true needs discovery.dns.name"),
                bad(b -> b.dnsPort(65536), "discovery.dns.port: 65536 must be between 0 and 65535"),
                bad(b -> b.multicastGroup("10.0.0.1"), "discovery.multicast.group: '10.0.0.1' must be a multicast IP"),
                bad(b -> b.multicastGroup("group"), "discovery.multicast.group: 'group' must be a multicast IP"),
                bad(b -> b.multicastPort(0), "discovery.multicast.port: 0 must be between 1 and 65535"),
                bad(b -> b.joinTimeout(Duration.ZERO), "join-timeout: 0s must be positive"),
                bad(b -> b.joinTimeout(null), "join-timeout: is missing"),
                bad(b -> b.leaveTimeout(Duration.ofSeconds(-1)), "leave-timeout: -1s must not be negative"),
                bad(b -> b.clusterSize(-1), "cluster-size: -1 must be 0 (unknown) or more"),
                bad(b -> b.nodeIndex(-2), "node-index: -2 must be 0 (unset) or more"),
                bad(b -> b.metadata(null), "metadata: is missing"),
                bad(b -> b.membership(null), "membership: is missing"),
                bad(b -> b.httpPort(-2),
                        "http-port: -2 must be between -1 and 65535 (-1 turns the HTTP server off, 0 picks a free port)"),
                // rules between settings
                bad(b -> b.httpPort(7946), "http-port (7946) must differ from port (7946)"),
                bad(b -> b.multicast(true).multicastPort(7946),
                        "discovery.multicast.port (7946) must differ from port (7946)"),
                bad(b -> b.clusterSize(5).nodeIndex(6), "node-index (6) must be at most cluster-size (5)"),
                bad(b -> b.metadata(Metadata.of(Map.of("k", "v".repeat(600)))),
                        "metadata: 609 bytes must be at most membership.max-metadata-bytes (512)"));
    }

    private static Arguments bad(UnaryOperator<ClusterConfig.Builder> change, String expected) {
        return arguments(expected, change);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenSettings")
    void eachBrokenRuleIsNamedWithItsKeyValueAndRule(String expected, UnaryOperator<ClusterConfig.Builder> change) {
        ClusterConfig.Builder b = change.apply(ClusterConfig.builder());
        assertThatThrownBy(b::build)
                .isInstanceOf(ConfigException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .as("exactly one problem, starting with the file key")
                        .singleElement().asString().startsWith(expected));
    }

    @Test
    void listsEveryProblemAtOnce() {
        ClusterConfig.Builder b = ClusterConfig.builder().port(70000).clusterName("a b").joinTimeout(Duration.ZERO);
        assertThatThrownBy(b::build)
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(3))
                .hasMessageStartingWith("3 configuration problems:")
                .hasMessageContaining("\n  cluster: 'a b'")
                .hasMessageContaining("\n  port: 70000")
                .hasMessageContaining("\n  join-timeout: 0s");
    }

    @Test
    void acceptsTheDocumentedForms() {
        ClusterConfig c = ClusterConfig.builder()
                .clusterName("prod.eu-1_a").nodeName("n.1_x-2")
                .bindHost("::").port(0).advertiseHost("fd00::5").advertisePort(9000)
                .seeds(List.of(Address.parse("[::1]:7956"), Address.parse("node-2.muster.svc:7946")))
                .dnsName("_gossip._tcp.muster.default.svc.cluster.local.").dnsSrv(true)
                .multicast(true).multicastGroup("ff15::4d")
                .httpPort(-1).clusterSize(3).nodeIndex(3).leaveTimeout(Duration.ZERO)
                .build();
        assertThat(c.bindHost()).isEqualTo("::");
        assertThat(c.nodeName()).isEqualTo("n.1_x-2");
    }

    @Test
    void nodeNameDefaultsToTheNodeIndex() {
        assertThat(ClusterConfig.builder().nodeIndex(4).build().nodeName()).isEqualTo("node-4");
        assertThat(ClusterConfig.builder().nodeIndex(4).nodeName("db").build().nodeName()).isEqualTo("db");
        assertThat(ClusterConfig.builder().nodeName("db").nodeName(null).build().nodeName()).isEqualTo("node-1");
    }

    @Test
    void aFailedBuildLeavesTheBuilderAsItWas() {
        ClusterConfig.Builder b = ClusterConfig.builder().clusterName("c1").port(70000).httpPort(9000);
        assertThatThrownBy(b::build).isInstanceOf(ConfigException.class);
        ClusterConfig fixed = b.port(9001).build();
        assertThat(fixed.clusterName()).isEqualTo("c1");
        assertThat(fixed.httpPort()).isEqualTo(9000);
    }

    @Test
    void isImmutableAndRoundTripsThroughItsBuilder() {
        List<Address> seeds = new ArrayList<>(List.of(Address.parse("10.0.0.1:7946")));
        ClusterConfig.Builder b = ClusterConfig.builder().seeds(seeds).nodeIndex(2).port(0);
        seeds.add(Address.parse("10.0.0.2:7946"));
        ClusterConfig c = b.build();
        assertThat(c.seeds()).as("the builder copied the list").hasSize(1);
        assertThatThrownBy(() -> c.seeds().add(Address.parse("10.0.0.3:7946")))
                .isInstanceOf(UnsupportedOperationException.class);
        b.clusterName("changed");
        assertThat(c.clusterName()).isEqualTo("muster");
        assertThat(c.toBuilder().build()).isEqualTo(c);
    }

    @Test
    void aMembershipConfigMadeWithoutItsBuilderIsCheckedUnderItsFileKeys() {
        MembershipConfig lan = MembershipConfig.lan();
        MembershipConfig broken = new MembershipConfig(lan.probeInterval(), Duration.ofSeconds(2), lan.indirectChecks(),
                lan.gossipInterval(), 0, lan.retransmitMultiplier(), lan.suspicionMultiplier(),
                lan.suspicionMaxTimeoutMultiplier(), lan.pushPullInterval(), lan.deadMemberRetention(),
                lan.tombstoneTtl(), lan.joinRetryInterval(), lan.maxPacketBytes(), lan.maxMessageBytes(),
                lan.maxMetadataBytes(), lan.awarenessMax(), lan.maxQueuedBroadcasts(), lan.maxPendingRelays(),
                lan.refusedSuspicionTimeout(), lan.lifeguard());
        assertThatThrownBy(() -> ClusterConfig.builder().membership(broken).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "membership.probe-timeout: 2s must be shorter than the probe interval (1s)",
                        "membership.gossip-fanout: 0 must be between 1 and 16 (members per gossip round)"));
    }

    @Test
    void advertisesTheAdvertiseHostOrTheBindHost() {
        assertThat(ClusterConfig.builder().build().advertiseAddress(7946)).isEqualTo(new Address("127.0.0.1", 7946));
        assertThat(ClusterConfig.builder().bindHost("10.1.2.3").port(0).build().advertiseAddress(40123))
                .as("port 0 advertises the port actually bound")
                .isEqualTo(new Address("10.1.2.3", 40123));
        assertThat(ClusterConfig.builder().bindHost("0.0.0.0").advertiseHost("node-1.example").advertisePort(17946)
                .build().advertiseAddress(7946)).isEqualTo(new Address("node-1.example", 17946));
    }

    @Test
    void aWildcardBindAdvertisesAPrivateAddressOfTheMachine() {
        ClusterConfig v4 = ClusterConfig.builder().bindHost("0.0.0.0").build();
        ClusterConfig any = ClusterConfig.builder().bindHost("::").build();
        List<InetAddress> machine = addresses("127.0.0.1", "::1", "fe80::1", "203.0.113.7", "fd00::7", "192.168.1.20");
        assertThat(v4.advertiseAddress(7946, () -> machine)).isEqualTo(new Address("192.168.1.20", 7946));
        assertThat(any.advertiseAddress(7946, () -> addresses("127.0.0.1", "203.0.113.7", "fd00::7")))
                .as("a private IPv6 address beats a public one, written as the JDK writes it")
                .isEqualTo(new Address("fd00:0:0:0:0:0:0:7", 7946));
        assertThat(v4.advertiseAddress(7946, () -> addresses("127.0.0.1", "fd00::7", "203.0.113.7")))
                .as("an IPv4 wildcard only considers IPv4; without a private one, a public one")
                .isEqualTo(new Address("203.0.113.7", 7946));
        assertThat(v4.advertiseAddress(7946, () -> addresses("127.0.0.1", "fe80::1")))
                .as("only loopback and link-local: fall back to loopback")
                .isEqualTo(new Address("127.0.0.1", 7946));
        assertThat(v4.advertiseAddress(7946).port()).as("the real machine gives some address").isEqualTo(7946);
    }

    @Test
    void advertiseNeedsTheBoundPort() {
        assertThatThrownBy(() -> ClusterConfig.builder().port(0).build().advertiseAddress(0))
                .hasMessageContaining("bound port 0 must be the port actually bound");
    }

    private static List<InetAddress> addresses(String... literals) {
        List<InetAddress> out = new ArrayList<>();
        for (String s : literals) {
            try {
                out.add(InetAddress.getByName(s));
            } catch (UnknownHostException e) {
                throw new AssertionError(s, e);
            }
        }
        return out;
    }

    private static List<Address> manySeeds(int n) {
        List<Address> seeds = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            seeds.add(new Address("10.0." + (i / 256) + "." + (i % 256), 7946));
        }
        return seeds;
    }
}
