package dev.muster.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SSE line grammar of {@link EventStream.Parser}: what makes an event, what is skipped. */
class EventStreamTest {

    private static List<EventStream.Event> parse(String text) {
        EventStream.Parser p = new EventStream.Parser();
        List<EventStream.Event> out = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            p.line(line).ifPresent(out::add);
        }
        return out;
    }

    @Test
    void fieldsMakeAnEventAtTheBlankLine() {
        List<EventStream.Event> e = parse("""
                id: a.1
                event: member
                data: {"seq":1,"kind":"joined"}

                """);
        assertThat(e).hasSize(1);
        assertThat(e.get(0).id()).isEqualTo("a.1");
        assertThat(e.get(0).type()).isEqualTo("member");
        assertThat(e.get(0).data().path("kind").asText()).isEqualTo("joined");
    }

    @Test
    void commentsRetryAndDatalessBlocksAreSkipped() {
        List<EventStream.Event> e = parse("""
                : keepalive

                retry: 1000
                event: leader

                id:a.2
                event:leader
                data:{"leader":
                data: "node-1"}
                unknown: x

                """);
        assertThat(e).hasSize(1);
        assertThat(e.get(0).id()).as("no space after the colon is fine").isEqualTo("a.2");
        assertThat(e.get(0).type()).isEqualTo("leader");
        assertThat(e.get(0).data().path("leader").asText()).as("data lines join with a newline").isEqualTo("node-1");
    }

    @Test
    void anEventWithoutIdKeepsTheLastIdAndWithoutTypeIsAMessage() {
        List<EventStream.Event> e = parse("""
                id: a.3
                data: {}

                data: not json

                """);
        assertThat(e).hasSize(2);
        assertThat(e.get(1).id()).isEqualTo("a.3");
        assertThat(e.get(1).type()).isEqualTo("message");
        assertThat(e.get(1).data()).as("data that is not JSON").isNull();
    }
}
