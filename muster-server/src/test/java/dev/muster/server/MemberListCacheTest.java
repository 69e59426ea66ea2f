package dev.muster.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muster.Cluster;
import dev.muster.MemberEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The cached member list: the same bytes while nothing changes, new ones as soon as a member event is delivered. */
class MemberListCacheTest {

    @Test
    void servesTheSameBytesUntilAMemberEventThenShowsTheChange() throws Exception {
        Cluster one = Loopback.node("cache-test", "node-1", List.of());
        Cluster two = Loopback.node("cache-test", "node-2", List.of(one.address()));
        try (MemberListCache cache = new MemberListCache(one, null)) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> tree(cache.body()).size() == 2);
            byte[] first = cache.body();
            assertThat(cache.body()).as("nothing changed: the cached bytes").isSameAs(first);

            CountDownLatch seen = new CountDownLatch(1);
            try (var s = one.subscribe(e -> {
                if (e.type() == MemberEvent.Type.UPDATED && e.member().name().equals("node-2")
                        && "blue".equals(e.member().metadata().get("colour"))) {
                    seen.countDown();
                }
            })) {
                two.updateMetadata(two.localMember().metadata().with("colour", "blue"));
                assertThat(seen.await(20, TimeUnit.SECONDS)).isTrue();
                // the cache's listener ran before this one: the next body shows the new metadata
                JsonNode list = tree(cache.body());
                JsonNode node2 = list.get(0).path("name").asText().equals("node-2") ? list.get(0) : list.get(1);
                assertThat(node2.path("metadata").path("colour").asText()).isEqualTo("blue");
            }
        } finally {
            Closing.all(two, one);
        }
    }

    private static JsonNode tree(byte[] body) throws Exception {
        return new ObjectMapper().readTree(body);
    }
}
