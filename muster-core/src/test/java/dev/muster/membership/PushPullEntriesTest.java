package dev.muster.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Address;
import dev.muster.MemberState;
import dev.muster.Metadata;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PushPullEntriesTest {

    private static Message.Alive alive(String name, int inc) {
        return new Message.Alive(name, new Address("10.0.0.1", 7946), inc, Metadata.EMPTY);
    }

    @Test
    void isTheListOfEntriesItWasBuiltFrom() {
        List<Message.PushPull.Entry> expected = new ArrayList<>();
        PushPullEntries.Builder b = new PushPullEntries.Builder(2); // grows past the guess
        MemberState[] states = MemberState.values();
        for (int i = 0; i < 7; i++) {
            Message.Alive a = alive("n" + i, i);
            MemberState st = states[i % states.length];
            b.add(a, i + 1, st);
            expected.add(new Message.PushPull.Entry(a, i + 1, st));
        }
        PushPullEntries list = b.build();
        assertThat(list).containsExactlyElementsOf(expected);
        assertThat(list).isEqualTo(expected);
        assertThat(list.hashCode()).isEqualTo(expected.hashCode());
        assertThat(list.identity(3)).isSameAs(expected.get(3).identity());
        assertThat(list.state(6)).isEqualTo(expected.get(6).state());
        assertThatThrownBy(() -> list.get(7)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> list.identity(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> list.add(expected.get(0))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aPushPullKeepsSuchAListAndEqualsOneWithACopiedList() {
        PushPullEntries.Builder b = new PushPullEntries.Builder(1);
        b.add(alive("a", 1), 1, MemberState.ALIVE);
        PushPullEntries list = b.build();
        Message.PushPull flat = new Message.PushPull(false, true, list);
        Message.PushPull copied = new Message.PushPull(false, true, new ArrayList<>(list));
        assertThat(flat.entries()).isSameAs(list);
        assertThat(flat).isEqualTo(copied);
        assertThat(flat.encodedSize()).isEqualTo(copied.encodedSize());
    }
}
