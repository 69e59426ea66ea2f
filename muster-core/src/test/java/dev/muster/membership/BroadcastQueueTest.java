package dev.muster.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BroadcastQueueTest {

    private static Message.Suspect fact(int i) {
        return new Message.Suspect("node-" + i, 1, "x");
    }

    private static List<Message> fill(BroadcastQueue q, int budget, int limit) {
        List<Message> out = new ArrayList<>();
        q.fill(out, budget, 3, limit, (slot, version) -> true);
        return out;
    }

    @Test
    void sendsLeastSentFirstThenNewestFirst() {
        BroadcastQueue q = new BroadcastQueue(100);
        q.add(fact(1), 1, 0);
        q.add(fact(2), 2, 0);
        int one = fact(1).encodedSize() + 3;
        assertThat(fill(q, one, 3)).containsExactly(fact(2));
        assertThat(fill(q, one, 3)).as("the unsent one goes before the once-sent one").containsExactly(fact(1));
        q.add(fact(3), 3, 0);
        // equally sent entries keep the order they were last sent in (approximately newest first)
        assertThat(fill(q, 10 * one, 3)).startsWith(fact(3)).containsExactlyInAnyOrder(fact(3), fact(2), fact(1));
    }

    @Test
    void forgetsAnEntryAfterItsTransmitLimit() {
        BroadcastQueue q = new BroadcastQueue(100);
        q.add(fact(1), 1, 0);
        for (int i = 0; i < 4; i++) {
            assertThat(fill(q, 1000, 4)).hasSize(1);
        }
        assertThat(fill(q, 1000, 4)).isEmpty();
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void dropsEntriesThatAreNoLongerCurrent() {
        BroadcastQueue q = new BroadcastQueue(100);
        q.add(fact(1), 1, 0);
        q.add(fact(2), 2, 0);
        List<Message> out = new ArrayList<>();
        q.fill(out, 1000, 3, 5, (slot, version) -> slot != 1);
        assertThat(out).containsExactly(fact(2));
        assertThat(q.size()).isEqualTo(1);
    }

    @Test
    void staysBoundedByDroppingTheMostSent() {
        BroadcastQueue q = new BroadcastQueue(16);
        q.add(fact(0), 0, 0);
        fill(q, 1000, 10); // fact 0 sent once
        for (int i = 1; i <= 16; i++) {
            q.add(fact(i), i, 0);
        }
        assertThat(q.size()).isEqualTo(16);
        assertThat(q.dropped()).isEqualTo(1);
        assertThat(fill(q, 100_000, 10)).doesNotContain(fact(0)).hasSize(16);
    }

    @Test
    void packsNoMoreThanTheBudget() {
        BroadcastQueue q = new BroadcastQueue(1000);
        for (int i = 0; i < 200; i++) {
            q.add(fact(i), i, 0);
        }
        List<Message> out = new ArrayList<>();
        int used = q.fill(out, 1400, 3, 5, (slot, version) -> true);
        int sum = out.stream().mapToInt(m -> m.encodedSize() + 3).sum();
        assertThat(used).isEqualTo(sum).isLessThanOrEqualTo(1400).isGreaterThan(1400 - 30);
    }
}
