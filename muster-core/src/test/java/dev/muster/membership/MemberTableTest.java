package dev.muster.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muster.Address;
import dev.muster.MemberState;
import dev.muster.Metadata;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class MemberTableTest {

    private static Message.Alive alive(String name) {
        return new Message.Alive(name, new Address("127.0.0.1", 7946), 1, Metadata.EMPTY);
    }

    /** Random adds and removes keep the table equal to a HashMap model (backward-shift deletion). */
    @Property(tries = 200)
    void behavesLikeAMap(@ForAll @Size(max = 400) java.util.List<@IntRange(min = 0, max = 60) Integer> ops) {
        MemberTable t = new MemberTable();
        Map<String, Integer> model = new HashMap<>();
        for (int op : ops) {
            String name = "n" + (op % 40);
            int slot = t.find(name);
            assertThat(slot >= 0).isEqualTo(model.containsKey(name));
            if (slot >= 0 && op >= 40) {
                t.remove(slot);
                model.remove(name);
            } else if (slot < 0) {
                model.put(name, t.add(alive(name), 1, MemberState.ALIVE, 0));
            }
        }
        assertThat(t.size()).isEqualTo(model.size());
        assertThat(t.aliveCount()).isEqualTo(model.size());
        model.forEach((name, slot) -> assertThat(t.find(name)).isEqualTo(slot));
    }

    @Test
    void countsAliveAndTombstones() {
        MemberTable t = new MemberTable();
        int a = t.add(alive("a"), 1, MemberState.ALIVE, 0);
        int b = t.add(alive("b"), 1, MemberState.ALIVE, 0);
        t.setState(b, MemberState.DEAD, 5);
        assertThat(t.aliveCount()).isEqualTo(1);
        t.markTombstone(b);
        t.markTombstone(b);
        assertThat(t.listedCount()).isEqualTo(1);
        t.setState(b, MemberState.ALIVE, 6);
        assertThat(t.listedCount()).isEqualTo(2);
        assertThat(t.aliveCount()).isEqualTo(2);
        assertThat(t.state(a)).isEqualTo(MemberState.ALIVE);
        assertThat(t.changedAtNanos(b)).isEqualTo(6);
    }

    @Test
    void probeOrderVisitsEveryEligibleMemberOncePerRound() {
        MemberTable t = new MemberTable();
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 50; i++) {
            t.addToProbeOrder(t.add(alive("n" + i), 1, MemberState.ALIVE, 0), r);
        }
        t.setState(t.find("n7"), MemberState.DEAD, 0);
        Set<Integer> round = new HashSet<>();
        for (int i = 0; i < 49; i++) {
            int s = t.nextProbeTarget(slot -> t.state(slot) == MemberState.ALIVE, r);
            assertThat(round.add(s)).as("no member twice in a round").isTrue();
        }
        assertThat(round).doesNotContain(t.find("n7")).hasSize(49);
    }
}
