package dev.muster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.Member;
import dev.muster.examples.echocounter.EchoService;
import dev.muster.examples.echocounter.SlowService;
import dev.muster.services.CallOptions;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import dev.muster.services.RpcException;
import dev.muster.services.ServiceInstance;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code muster serve --service echo=... --service slow=...} processes and a node in this
 * JVM that joins them: it resolves and calls every instance; then one process is killed with
 * SIGKILL while a slow call to it is pending with a long deadline, and the call must fail as
 * unavailable (its connection closed, or its node declared dead), not wait for the deadline; the
 * dead instance leaves the view. Every process is ended by pid in {@link #stopAll()}.
 */
class ServicesProcessesTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The pending call's deadline: far longer than it takes to notice a killed node. */
    private static final Duration LONG_DEADLINE = Duration.ofSeconds(30);
    private static final List<String> SERVICES = List.of("--service", "echo=" + EchoService.class.getName(),
            "--service", "slow=" + SlowService.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path logs;

    private final List<ServeProcess> processes = new ArrayList<>();
    private Cluster tester;

    @AfterEach
    void stopAll() throws InterruptedException {
        if (tester != null) {
            tester.close();
        }
        for (ServeProcess p : processes) {
            p.close();
        }
    }

    private ServeProcess serve(String name, String... join) throws Exception {
        List<String> more = new ArrayList<>(SERVICES);
        more.addAll(List.of(join));
        ServeProcess p = ServeProcess.start(logs, "services-processes", name, more);
        processes.add(p);
        return p;
    }

    private List<String> nodesOf(String service) {
        return tester.services().resolve(service).stream().map(ServiceInstance::node).toList();
    }

    /** What {@code p}'s own handlers served of {@code service}, from its /api/cluster/stats; -1 when it does not answer. */
    private static long served(ServeProcess p, String service) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.httpPort()
                    + "/api/cluster/stats")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body()).path("services").path(service).path("served").asLong(0);
        } catch (Exception e) {
            return -1;
        }
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void everyInstanceAnswersAndACallPendingOnAKilledNodeFailsBeforeItsDeadline() throws Exception {
        ServeProcess one = serve("node-1");
        assertThat(one.servingLine()).as("the serving line names the services").endsWith("; serves echo, slow, wordcount");
        serve("node-2", "--join", one.gossip());
        ServeProcess victim = serve("node-3", "--join", one.gossip());
        tester = Cluster.start(ClusterConfig.builder().clusterName("services-processes").nodeName("tester")
                .bindHost("127.0.0.1").port(0).httpPort(-1).seeds(List.of(Address.parse(one.gossip())))
                .joinTimeout(WAIT).build());

        Awaitility.await("the tester resolves echo and slow on all three processes").atMost(WAIT)
                .pollInterval(Duration.ofMillis(100)).until(() -> nodesOf("echo").equals(List.of("node-1", "node-2", "node-3"))
                        && nodesOf("slow").size() == 3);
        for (String node : List.of("node-1", "node-2", "node-3")) {
            Member m = tester.member(node).orElseThrow();
            Reply r = tester.services().call(m, "echo", Request.of(("hi " + node).getBytes(StandardCharsets.UTF_8)),
                    CallOptions.timeout(WAIT)).get();
            assertThat(text(r.payload())).isEqualTo("hi " + node);
            assertThat(r.headers()).as("the reply names the node that served it").containsEntry(EchoService.NODE_HEADER, node);
        }
        Set<String> servedBy = new HashSet<>();
        for (int k = 0; k < 3; k++) {
            servedBy.add(tester.services().call("echo", Request.of(new byte[] {(byte) k}), CallOptions.timeout(WAIT)).get()
                    .headers().get(EchoService.NODE_HEADER));
        }
        assertThat(servedBy).as("round-robin reaches each instance").containsExactlyInAnyOrder("node-1", "node-2", "node-3");

        CompletableFuture<Reply> pending = tester.services().call(tester.member("node-3").orElseThrow(), "slow",
                Request.of("60s".getBytes(StandardCharsets.UTF_8)), CallOptions.timeout(LONG_DEADLINE));
        Awaitility.await("node-3's slow handler runs the call").atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> served(victim, "slow") >= 1);
        assertThat(pending).as("the call waits for the sleeping handler").isNotDone();
        victim.kill();

        Throwable failure = catchThrowable(() -> pending.get(LONG_DEADLINE.toSeconds() - 5, TimeUnit.SECONDS));
        assertThat(failure).as("the call ends before its deadline, failed, once node-3 is gone")
                .isNotInstanceOf(TimeoutException.class).isInstanceOf(ExecutionException.class);
        assertThat(failure.getCause()).isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.kind())
                .as("kind of '%s'", e.getMessage()).isEqualTo(RpcException.Kind.UNAVAILABLE));
        assertThat(tester.services().stats().get("slow").inFlight()).as("nothing stays in flight").isZero();

        Awaitility.await("node-3's instances leave the tester's view").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> nodesOf("echo").equals(List.of("node-1", "node-2")) && nodesOf("slow").size() == 2);
        for (int k = 0; k < 4; k++) {
            assertThat(tester.services().callBlocking("echo", new byte[] {1}, WAIT)).as("the survivors answer")
                    .containsExactly(1);
        }
    }
}
