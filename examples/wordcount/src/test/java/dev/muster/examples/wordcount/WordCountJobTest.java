package dev.muster.examples.wordcount;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.content.Digest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The job across 5 real nodes on loopback in this JVM. */
class WordCountJobTest {

    private final List<Cluster> nodes = new ArrayList<>();

    private void cluster(int n) throws InterruptedException {
        Address seed = null;
        for (int i = 1; i <= n; i++) {
            Cluster c = Cluster.start(ClusterConfig.builder().clusterName("wordcount-test").nodeName("node-" + i)
                    .bindHost("127.0.0.1").port(0).httpPort(-1).seeds(seed == null ? List.of() : List.of(seed))
                    .joinTimeout(Duration.ofSeconds(10)).build());
            nodes.add(c);
            seed = seed == null ? c.address() : seed;
            c.services().register(MapService.SERVICE, new MapService());
        }
        for (Cluster c : nodes) {
            assertThat(c.awaitMembers(n, Duration.ofSeconds(20))).isTrue();
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> c.services().resolve(MapService.SERVICE).size() == n);
        }
    }

    @AfterEach
    void closeAll() {
        nodes.forEach(Cluster::close);
    }

    @Test
    void aSmallTextGivesItsKnownCountsAndTheResultIsStoredUnderItsDigest() throws Exception {
        cluster(5);
        byte[] text = "to be or not to be that is the question\nto be".getBytes(StandardCharsets.UTF_8);
        WordCountJob.Result r = WordCountJob.run(nodes.get(0), text, WordCountJob.Options.DEFAULTS.withChunks(4));
        assertThat(r.counts()).isEqualTo(Map.of("to", 3L, "be", 3L, "or", 1L, "not", 1L, "that", 1L, "is", 1L,
                "the", 1L, "question", 1L));
        assertThat(r.totalWords()).isEqualTo(12);
        assertThat(r.chunks()).hasSizeGreaterThanOrEqualTo(4);
        byte[] stored = nodes.get(0).content().get(Digest.parse(r.resultDigest())).orElseThrow();
        assertThat(new String(stored, StandardCharsets.UTF_8)).isEqualTo(WordCountJob.format(r.counts()));
        assertThat(r.top(2)).extracting(Map.Entry::getKey).containsExactly("be", "to");
    }

    @Test
    void fiftyMegabytesCountTheSameAsOneProcessEvenWhenANodeIsKilledMidJob() throws Exception {
        cluster(5);
        byte[] text = Texts.generate(50 << 20, 2026);
        Map<String, Long> expected = Words.count(text);
        List<WordCountJob.ChunkRun> order = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch killed = new java.util.concurrent.CountDownLatch(1);
        Cluster victim = nodes.get(2);
        WordCountJob.Options o = WordCountJob.Options.DEFAULTS.withChunks(64).withOnChunk(run -> {
            order.add(run);
            if (order.size() == 10) {
                // a crash, off the event loop: its calls in flight fail, and those chunks run elsewhere
                Thread.ofVirtual().start(() -> {
                    victim.close();
                    killed.countDown();
                });
            }
        });
        WordCountJob.Result r = WordCountJob.run(nodes.get(0), text, o);
        assertThat(r.counts()).isEqualTo(expected);
        assertThat(r.inputBytes()).isEqualTo(text.length);
        assertThat(r.chunks()).hasSizeGreaterThanOrEqualTo(64);
        assertThat(killed.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(r.chunks()).extracting(WordCountJob.ChunkRun::node).contains("node-1", "node-2", "node-4", "node-5");
        assertThat(order.subList(20, order.size())).extracting(WordCountJob.ChunkRun::node)
                .as("once it is gone, node-3 runs nothing more").doesNotContain("node-3");
    }
}
