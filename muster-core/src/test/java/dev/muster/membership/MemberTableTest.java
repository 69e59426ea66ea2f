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

    /**
     * The one-array duplicate check agrees with the identities through adds, removes (which
     * shift index entries back), identity changes, growth and rehashing: it holds exactly the
     * current identity objects, not an equal copy and not a replaced one.
     */
    @Property(tries = 200)
    void holdsExactlyTheCurrentIdentities(@ForAll @Size(max = 400) java.util.List<@IntRange(min = 0, max = 99) Integer> ops) {
        MemberTable t = new MemberTable();
        Map<String, Message.Alive> model = new HashMap<>();
        Set<Message.Alive> replaced = new HashSet<>();
        for (int op : ops) {
            String name = "n" + (op % 30);
            int slot = t.find(name);
            if (op >= 90) {
                t.ensureCapacity(t.size() + op);
            } else if (slot >= 0 && op >= 60) {
                replaced.add(model.remove(name));
                t.remove(slot);
            } else if (slot >= 0 && op >= 30) {
                Message.Alive next = alive(name);
                replaced.add(model.put(name, next));
                t.setIdentity(slot, next);
            } else if (slot < 0) {
                Message.Alive a = alive(name);
                model.put(name, a);
                t.add(a, 1, MemberState.ALIVE, 0);
            }
        }
        model.values().forEach(a -> {
            assertThat(t.holdsIdentity(a)).as("current identity of %s", a.name()).isTrue();
            assertThat(t.holdsIdentity(alive(a.name()))).as("an equal copy for %s", a.name()).isFalse();
            assertThat(t.identity(t.find(a.name()))).isSameAs(a);
        });
        replaced.forEach(a -> assertThat(t.holdsIdentity(a)).as("replaced identity of %s", a.name()).isFalse());
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
