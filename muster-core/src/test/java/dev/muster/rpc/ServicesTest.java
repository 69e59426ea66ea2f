package dev.muster.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.RpcConfig;
import dev.muster.services.Reply;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Services across real nodes on loopback in this JVM. */
class ServicesTest {

    private final List<Cluster> started = new ArrayList<>();

    private Cluster start(String name, List<Address> seeds, RpcConfig rpc) {
        Cluster c = Cluster.start(ClusterConfig.builder().clusterName("services-test").nodeName(name)
                .bindHost("127.0.0.1").port(0).httpPort(-1).seeds(seeds).joinTimeout(Duration.ofSeconds(10))
                .rpc(rpc).build());
        started.add(c);
        return c;
    }

    private List<Cluster> cluster(int n, RpcConfig rpc) throws InterruptedException {
        Cluster first = start("node-1", List.of(), rpc);
        for (int i = 2; i <= n; i++) {
            start("node-" + i, List.of(first.address()), rpc);
        }
        for (Cluster c : started) {
            assertThat(c.awaitMembers(n, Duration.ofSeconds(20))).isTrue();
        }
        return started;
    }

    @AfterEach
    void closeAll() {
        started.forEach(Cluster::close);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aServiceRegisteredOnOneNodeIsCalledFromTheOthers() throws Exception {
        List<Cluster> nodes = cluster(3, RpcConfig.DEFAULTS);
        nodes.get(0).services().register("echo", (request, ctx) ->
                Reply.of(bytes(new String(request.payload(), StandardCharsets.UTF_8) + " from " + ctx.caller())));
        for (Cluster c : nodes) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> c.services().resolve("echo").size() == 1);
        }
        byte[] back = nodes.get(2).services().callBlocking("echo", bytes("hi"), Duration.ofSeconds(5));
        assertThat(new String(back, StandardCharsets.UTF_8)).isEqualTo("hi from node-3");
        assertThat(nodes.get(2).services().stats().get("echo").calls()).isEqualTo(1);
        assertThat(nodes.get(0).services().stats().get("echo").served()).isEqualTo(1);
    }
}
