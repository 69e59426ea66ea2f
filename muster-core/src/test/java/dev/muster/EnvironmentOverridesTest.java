package dev.muster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link ClusterConfig.Builder#applyEnvironment(Map)}: defaults < file < environment < flags. */
class EnvironmentOverridesTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "file [{0}] env [{1}]")
    @CsvSource(delimiter = '|', textBlock = """
            # file                           | environment                                                     | node   | port  | http-port
                                             |                                                                 | node-1 | 7946  | 8151
                                             | NODE_INDEX=3                                                    | node-3 | 7966  | 8171
            port: 9000                       | NODE_INDEX=3                                                    | node-3 | 9000  | 8171
            port: 9000\\nhttp-port: 9100     | NODE_INDEX=3                                                    | node-3 | 9000  | 9100
            http-port: -1                    | NODE_INDEX=2                                                    | node-2 | 7956  | -1
            port: 9000                       | NODE_INDEX=3 BASE_PORT=10000                                    | node-3 | 10020 | 8171
                                             | NODE_INDEX=2 BASE_PORT=10000 PORT_SPACING=5 HTTP_BASE_PORT=20000 | node-2 | 10005 | 20005
                                             | NODE_INDEX=4 CLUSTER_PORT=7000 HTTP_PORT=7001 BASE_PORT=10000   | node-4 | 7000  | 7001
                                             | BASE_PORT=9000                                                  | node-1 | 9000  | 8151
            node-index: 5                    | BASE_PORT=9000                                                  | node-5 | 9040  | 8191
                                             | NODE_INDEX=3 PORT_SPACING=0                                     | node-3 | 7946  | 8151
            node: db                         | NODE_INDEX=3                                                    | db     | 7966  | 8171
            node: db                         | NODE_INDEX=3 NODE_NAME=web                                      | web    | 7966  | 8171
            port: 9000                       | CLUSTER_PORT=9100                                               | node-1 | 9100  | 8151
            http-port: 9100                  | HTTP_BASE_PORT=9200                                             | node-1 | 7946  | 9200
            """)
    void nodeNameAndPortsFollowTheIndexUnlessSetExplicitly(String file, String environment, String node, int port,
            int httpPort) {
        ClusterConfig.Builder b = file == null ? ClusterConfig.builder() : fromYaml(file.replace("\\n", "\n"));
        ClusterConfig c = b.applyEnvironment(env(environment)).build();
        assertThat(c.nodeName()).as("node name").isEqualTo(node);
        assertThat(c.port()).as("port").isEqualTo(port);
        assertThat(c.httpPort()).as("http-port").isEqualTo(httpPort);
    }

    @Test
    void theEnvironmentOverridesTheFileAndFlagsOverrideTheEnvironment() {
        ClusterConfig.Builder b = fromYaml("""
                cluster: from-file
                bind: 10.0.0.1
                advertise: 10.0.0.2:9000
                seeds: [10.0.0.3:7946]
                cluster-size: 3
                node-index: 1
                """);
        b.applyEnvironment(env("CLUSTER_NAME=from-env CLUSTER_BIND=0.0.0.0 CLUSTER_ADVERTISE=node-2.example "
                + "CLUSTER_SEEDS=a:1,[::1]:2,b CLUSTER_SIZE=5 NODE_INDEX=2"));
        ClusterConfig env = b.build();
        assertThat(env.clusterName()).isEqualTo("from-env");
        assertThat(env.bindHost()).isEqualTo("0.0.0.0");
        assertThat(env.advertiseHost()).isEqualTo("node-2.example");
        assertThat(env.advertisePort()).as("CLUSTER_ADVERTISE without a port replaces the file's port too").isZero();
        assertThat(env.seeds()).containsExactly(new Address("a", 1), new Address("::1", 2), new Address("b", 7946));
        assertThat(env.clusterSize()).isEqualTo(5);
        assertThat(env.nodeIndex()).isEqualTo(2);

        ClusterConfig flags = b.clusterName("from-flag").port(7500).build();
        assertThat(flags.clusterName()).isEqualTo("from-flag");
        assertThat(flags.port()).isEqualTo(7500);
    }

    @Test
    void blankVariablesAreUnset() {
        ClusterConfig c = ClusterConfig.builder().clusterName("kept")
                .applyEnvironment(env("CLUSTER_NAME= CLUSTER_PORT= CLUSTER_SEEDS=")).build();
        assertThat(c).isEqualTo(ClusterConfig.builder().clusterName("kept").build());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            CLUSTER_PORT=x            | CLUSTER_PORT: 'x' must be a whole number
            HTTP_PORT=80.5            | HTTP_PORT: '80.5' must be a whole number
            CLUSTER_SIZE=five         | CLUSTER_SIZE: 'five' must be a whole number
            NODE_INDEX=0              | NODE_INDEX: '0' must be 1 or more
            BASE_PORT=0               | BASE_PORT: '0' must be 1 or more
            PORT_SPACING=-1           | PORT_SPACING: '-1' must be 0 or more
            CLUSTER_SEEDS=a:1,b:c     | CLUSTER_SEEDS: address 'b:c' must look like host:port or [ipv6]:port
            CLUSTER_ADVERTISE=[::1    | CLUSTER_ADVERTISE: address '[::1' must look like host:port
            NODE_INDEX=6000           | HTTP_BASE_PORT 8151 + (node index 6000 - 1) * PORT_SPACING 10 = 68141 is above 65535
            """)
    void aBadVariableIsNamedAndChangesNothing(String environment, String expected) {
        ClusterConfig.Builder b = fromYaml("cluster: before\nport: 7000");
        ClusterConfig before = b.build();
        Map<String, String> vars = env(environment + " CLUSTER_NAME=after NODE_NAME=after");
        assertThatThrownBy(() -> b.applyEnvironment(vars))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .singleElement().asString().startsWith(expected));
        assertThat(b.build()).as("the builder is as it was before the failed call").isEqualTo(before);
    }

    @Test
    void everyBadVariableIsListed() {
        assertThatThrownBy(() -> ClusterConfig.builder().applyEnvironment(env("CLUSTER_PORT=x HTTP_PORT=y")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "CLUSTER_PORT: 'x' must be a whole number", "HTTP_PORT: 'y' must be a whole number"));
    }

    @Test
    void valuesFromTheEnvironmentAreCheckedByBuild() {
        ClusterConfig.Builder b = ClusterConfig.builder().applyEnvironment(env("CLUSTER_PORT=8151"));
        assertThatThrownBy(b::build).hasMessage("http-port (8151) must differ from port (8151)");
    }

    /** "K=V K=V", values without spaces. */
    private static Map<String, String> env(String text) {
        Map<String, String> vars = new LinkedHashMap<>();
        if (text != null) {
            for (String pair : text.trim().split("\\s+")) {
                if (!pair.isEmpty()) {
                    int eq = pair.indexOf('=');
                    vars.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
        }
        return vars;
    }

    private ClusterConfig.Builder fromYaml(String yaml) {
        try {
            return ClusterConfigLoader.fromFile(Files.writeString(dir.resolve("node.yaml"), yaml));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
