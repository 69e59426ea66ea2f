package dev.muster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.muster.membership.MembershipConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The file format: every key, its types and its errors. Environment overrides: EnvironmentOverridesTest. */
class ClusterConfigLoaderTest {

    @TempDir
    Path dir;

    /** Every key of the format, each with a value that differs from its default and from the local profile. */
    static final String EVERY_KEY = """
            cluster: prod
            node: db-3
            node-index: 3
            cluster-size: 5
            bind: 0.0.0.0
            port: 7966
            advertise: 10.0.0.5:17966
            http-port: 8171
            seeds: [127.0.0.1:7946, "[::1]:7956", node-2.muster]
            join-timeout: 1m30s
            leave-timeout: 2s
            metadata: {zone: a, rack: "7", weight: 3}
            discovery:
              dns: {name: muster.default.svc.cluster.local, srv: true, port: 7000}
              multicast: {enabled: true, group: 239.255.77.50, port: 7950}
            membership:
              profile: local
              probe-interval: 2s
              probe-timeout: 700ms
              indirect-checks: 5
              gossip-interval: 300ms
              gossip-fanout: 6
              retransmit-multiplier: 7
              suspicion-multiplier: 8
              suspicion-max-timeout-multiplier: 9
              push-pull-interval: 45s
              dead-member-retention: 50s
              tombstone-ttl: 12h
              join-retry-interval: 3s
              max-packet-bytes: 1200
              max-message-bytes: 2097152
              max-metadata-bytes: 400
              awareness-max: 10
              max-queued-broadcasts: 2048
              max-pending-relays: 128
              refused-suspicion-timeout: 750ms
              lifeguard: false
            rpc:
              max-message-bytes: 65536
              max-in-flight: 64
              connections-per-node: 2
              compression: deflate
              compress-above-bytes: 512
              default-timeout: 2s
              retry-budget: 20
              strategy: least-agents
            content:
              budget-bytes: 33554432
              max-content-bytes: 32768
              fanout: 4
              energy: 6
              dir: /var/lib/muster/content
            faults: {enabled: true}
            """;

    static ClusterConfig everyKeyExpected() {
        MembershipConfig membership = MembershipConfig.builder()
                .probeInterval(Duration.ofSeconds(2)).probeTimeout(Duration.ofMillis(700)).indirectChecks(5)
                .gossipInterval(Duration.ofMillis(300)).gossipFanout(6).retransmitMultiplier(7).suspicionMultiplier(8)
                .suspicionMaxTimeoutMultiplier(9).pushPullInterval(Duration.ofSeconds(45))
                .deadMemberRetention(Duration.ofSeconds(50)).tombstoneTtl(Duration.ofHours(12))
                .joinRetryInterval(Duration.ofSeconds(3)).maxPacketBytes(1200).maxMessageBytes(2 << 20)
                .maxMetadataBytes(400).awarenessMax(10).maxQueuedBroadcasts(2048).maxPendingRelays(128)
                .refusedSuspicionTimeout(Duration.ofMillis(750)).lifeguard(false)
                .build();
        return ClusterConfig.builder()
                .clusterName("prod").nodeName("db-3").nodeIndex(3).clusterSize(5)
                .bindHost("0.0.0.0").port(7966).advertiseHost("10.0.0.5").advertisePort(17966).httpPort(8171)
                .seeds(List.of(new Address("127.0.0.1", 7946), new Address("::1", 7956), new Address("node-2.muster", 7946)))
                .joinTimeout(Duration.ofSeconds(90)).leaveTimeout(Duration.ofSeconds(2))
                .metadata(Metadata.of(Map.of("zone", "a", "rack", "7", "weight", "3")))
                .dnsName("muster.default.svc.cluster.local").dnsSrv(true).dnsPort(7000)
                .multicast(true).multicastGroup("239.255.77.50").multicastPort(7950)
                .membership(membership)
                .rpc(new RpcConfig(65536, 64, 2, RpcConfig.Compression.DEFLATE, 512, Duration.ofSeconds(2), 20,
                        dev.muster.balance.BalancingStrategy.LEAST_AGENTS))
                .content(new ContentConfig(32L << 20, 32768, 4, 6, java.nio.file.Path.of("/var/lib/muster/content")))
                .faultInjection(true)
                .build();
    }

    @Test
    void readsEveryKeyFromYaml() {
        ClusterConfig c = ClusterConfigLoader.fromFile(write("node.yaml", EVERY_KEY)).build();
        assertThat(c).isEqualTo(everyKeyExpected());
    }

    @Test
    void readsEveryKeyFromJson() throws IOException {
        String json = new JsonMapper().writeValueAsString(new YAMLMapper().readTree(EVERY_KEY));
        ClusterConfig c = ClusterConfigLoader.fromFile(write("node.json", json)).build();
        assertThat(c).isEqualTo(everyKeyExpected());
    }

    @Test
    void theFormatHasAKeyForEveryMembershipSetting() {
        String expected = Arrays.stream(MembershipConfig.class.getRecordComponents())
                .map(RecordComponent::getName)
                .map(name -> name.replaceAll("([A-Z])", "-$1").toLowerCase())
                .collect(Collectors.joining(", "));
        assertThat(String.join(", ", MembershipKeys.SETTINGS.keySet()))
                .as("a MembershipConfig component without a file key; add it to MembershipKeys")
                .isEqualTo(expected);
        for (String key : MembershipKeys.SETTINGS.keySet()) {
            assertThat(EVERY_KEY).as("EVERY_KEY sets membership.%s", key).contains("\n  " + key + ": ");
        }
    }

    @Test
    void aMembershipProfileIsTheBaseOfTheKeysBesideIt() {
        ClusterConfig c = ClusterConfigLoader.fromFile(write("node.yml", """
                membership:
                  probe-interval: 8s
                  profile: wan
                """)).build();
        assertThat(c.membership()).as("wan, whatever the order of the keys, then the key")
                .isEqualTo(MembershipConfig.wan().toBuilder().probeInterval(Duration.ofSeconds(8)).build());
        assertThat(ClusterConfigLoader.fromFile(write("lan.yaml", "membership: {gossip-fanout: 5}")).build().membership())
                .as("without a profile, lan")
                .isEqualTo(MembershipConfig.lan().toBuilder().gossipFanout(5).build());
    }

    @Test
    void seedsMayBeOneCommaSeparatedText() {
        ClusterConfig c = ClusterConfigLoader.fromFile(write("node.json", """
                {"seeds": "10.0.0.1:7946, [fd00::2]:8000,10.0.0.3,", "port": "7950"}
                """)).build();
        assertThat(c.seeds()).containsExactly(
                new Address("10.0.0.1", 7946), new Address("fd00::2", 8000), new Address("10.0.0.3", 7946));
        assertThat(c.port()).as("a quoted number").isEqualTo(7950);
    }

    @ParameterizedTest
    @MethodSource("advertiseForms")
    void advertiseIsAHostOrAHostAndPort(String written, String host, int port) {
        ClusterConfig c = ClusterConfigLoader.fromFile(write("node.yaml", "advertise: \"" + written + "\"")).build();
        assertThat(c.advertiseHost()).isEqualTo(host);
        assertThat(c.advertisePort()).isEqualTo(port);
    }

    static Stream<Arguments> advertiseForms() {
        return Stream.of(
                arguments("10.0.0.5", "10.0.0.5", 0),
                arguments("10.0.0.5:9000", "10.0.0.5", 9000),
                arguments("node-1.example", "node-1.example", 0),
                arguments("fd00::5", "fd00::5", 0),
                arguments("[fd00::5]", "fd00::5", 0),
                arguments("[fd00::5]:9000", "fd00::5", 9000));
    }

    @Test
    void anEmptyFileOrNullValuesKeepTheDefaults() {
        ClusterConfig defaults = ClusterConfig.builder().build();
        assertThat(ClusterConfigLoader.fromFile(write("empty.yaml", "")).build()).isEqualTo(defaults);
        assertThat(ClusterConfigLoader.fromFile(write("comments.yaml", "# nothing set yet\n")).build()).isEqualTo(defaults);
        assertThat(ClusterConfigLoader.fromFile(write("nulls.yaml", """
                advertise:
                port: ~
                seeds:
                membership:
                discovery: {dns: {name: null}}
                """)).build()).isEqualTo(defaults);
    }

    static Stream<Arguments> brokenFiles() {
        return Stream.of(
                arguments("port: abc", "port: 'abc' must be a whole number"),
                arguments("port: 1.5", "port: 1.5 must be a whole number"),
                arguments("port: [1]", "port: a list must be a whole number"),
                arguments("port: 99999999999", "port: 99999999999 must be a whole number"),
                arguments("cluster: {a: 1}", "cluster: a mapping must be a text"),
                arguments("faults: {enabled: maybe}", "faults.enabled: 'maybe' must be true or false"),
                arguments("faults: true", "faults: true must be a mapping of settings"),
                arguments("join-timeout: 60", "join-timeout: '60' is not a duration; write a number with a unit"),
                arguments("leave-timeout: [1s]", "leave-timeout: a list must be a duration with a unit"),
                arguments("metadata: [a]", "metadata: a list must be a mapping of names to values"),
                arguments("metadata: {zone: [a]}", "metadata.zone: a list must be a text, number or true/false"),
                arguments("seeds: {a: b}", "seeds: a mapping must be a list of host:port, or one comma-separated text"),
                arguments("seeds: [1]", "seeds: 1 must be a host:port text"),
                arguments("seeds: [\"host:port\"]", "seeds: address 'host:port' must look like host:port"),
                arguments("advertise: \"host:port\"", "advertise: address 'host:port' must look like host:port"),
                arguments("discovery: {dns: true}", "discovery.dns: true must be a mapping of settings"),
                arguments("membership: 5", "membership: 5 must be a mapping of settings"),
                arguments("membership: {profile: fast}", "membership.profile: 'fast' must be lan, local or wan"),
                arguments("membership: {probe-timeout: 2s}",
                        "membership.probe-timeout: 2s must be shorter than the probe interval (1s)"),
                arguments("membership: {lifeguard: 1}", "membership.lifeguard: 1 must be true or false"),
                arguments("membership: {probe-intervl: 1s}",
                        "unknown setting 'membership.probe-intervl'; did you mean 'membership.probe-interval'?"),
                arguments("rpc: {max-in-flight: 0}", "rpc.max-in-flight: 0 must be between 1 and 65536"),
                arguments("rpc: {compression: zstd}", "rpc.compression: 'zstd' is not a compression; use none or deflate"),
                arguments("rpc: {strategy: fastest}", "rpc.strategy: strategy 'fastest' does not exist; use one of"),
                arguments("rpc: {default-timeout: 0s}", "rpc.default-timeout: 0s must be positive"),
                arguments("rpc: {max-message-bytes: 10}", "rpc.max-message-bytes: 10 must be between 1024 and 67108864"),
                arguments("rpc: {retries: 3}", "unknown setting 'rpc.retries'"),
                arguments("content: {fanout: 0}", "content.fanout: 0 must be between 1 and 32"),
                arguments("content: {budget-bytes: 10}", "content.budget-bytes: 10 must be at least 1048576"),
                arguments("prot: 7946", "unknown setting 'prot'; did you mean 'port'?"),
                arguments("colour: red", "unknown setting 'colour'"),
                arguments("discovery: {dns: {nmae: x}}",
                        "unknown setting 'discovery.dns.nmae'; did you mean 'discovery.dns.name'?"),
                arguments("- a\n- b", "the file must be a mapping of settings, not a list"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenFiles")
    void eachFileErrorNamesTheFileTheKeyTheValueAndTheRule(String yaml, String expected) {
        Path file = write("node.yaml", yaml);
        assertThatThrownBy(() -> ClusterConfigLoader.fromFile(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .singleElement().asString().startsWith(file + ": " + expected));
    }

    @Test
    void listsEveryErrorOfAFileAtOnce() {
        Path file = write("node.yaml", """
                port: abc
                colour: red
                membership: {gossip-fanout: 0, awareness-max: 0}
                """);
        assertThatThrownBy(() -> ClusterConfigLoader.fromFile(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        file + ": port: 'abc' must be a whole number",
                        file + ": unknown setting 'colour'",
                        file + ": membership.gossip-fanout: 0 must be between 1 and 16 (members per gossip round)",
                        file + ": membership.awareness-max: 0 must be between 1 and 64"));
    }

    @Test
    void valueRulesAreCheckedByBuildAfterEveryOverride() {
        ClusterConfig.Builder b = ClusterConfigLoader.fromFile(write("node.yaml", "port: 70000"));
        assertThatThrownBy(b::build).hasMessage("port: 70000 must be between 0 and 65535");
        assertThat(b.port(7000).build().port()).as("a flag can still fix it").isEqualTo(7000);
    }

    @Test
    void aMissingFileIsNamed() {
        Path file = dir.resolve("nowhere.yaml");
        assertThatThrownBy(() -> ClusterConfigLoader.fromFile(file)).isInstanceOf(ConfigException.class)
                .hasMessage(file + ": no such file");
    }

    @Test
    void brokenYamlOrJsonIsNamedWithTheLine() {
        Path yaml = write("node.yaml", "cluster: a\nport: [1, 2\n");
        assertThatThrownBy(() -> ClusterConfigLoader.fromFile(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(yaml + ": not valid YAML at line ");
        Path json = write("node.json", "{\"port\": 7946,}");
        assertThatThrownBy(() -> ClusterConfigLoader.fromFile(json)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(json + ": not valid JSON at line 1");
    }

    @Test
    void aDuplicateKeyIsAnError() {
        Path file = write("node.yaml", "port: 7946\nport: 7956\n");
        assertThatThrownBy(() -> ClusterConfigLoader.fromFile(file))
                .hasMessageStartingWith(file + ": not valid YAML")
                .hasMessageContaining("'port'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"node.toml", "node", "node.yaml.bak"})
    void anUnknownFileTypeIsNamed(String name) {
        Path file = write(name, "port: 7946");
        assertThatThrownBy(() -> ClusterConfigLoader.fromFile(file))
                .hasMessage(file + ": unknown file type; name the file .yaml, .yml or .json");
    }

    @Test
    void aDirectoryIsNotAFile() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("conf.yaml"));
        assertThatThrownBy(() -> ClusterConfigLoader.fromFile(sub)).hasMessage(sub + ": is a directory, not a YAML file");
    }

    @Test
    void parseSeedsIsThereForFlags() {
        assertThat(ClusterConfigLoader.parseSeeds("a:1,b")).containsExactly(new Address("a", 1), new Address("b", 7946));
        assertThatThrownBy(() -> ClusterConfigLoader.parseSeeds("a:1,b:x,c:70000"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "seeds: address 'b:x' must look like host:port or [ipv6]:port, for example 127.0.0.1:7946",
                        "seeds: 'c:70000': address port 70000 must be between 1 and 65535"));
    }

    private Path write(String name, String content) {
        try {
            return Files.writeString(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
