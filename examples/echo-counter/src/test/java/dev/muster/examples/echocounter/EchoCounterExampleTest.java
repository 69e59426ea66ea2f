package dev.muster.examples.echocounter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The example's tour, run as {@code bin/muster example echo-counter} runs it, on loopback in this JVM. */
class EchoCounterExampleTest {

    @Test
    void theTourCountsEveryAddAndShowsEachStep() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long total;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            total = EchoCounterExample.run(out);
        }
        String transcript = bytes.toString(StandardCharsets.UTF_8);
        long expected = (long) EchoCounterExample.NODES * EchoCounterExample.ADDS_PER_NODE;
        assertThat(total).as(transcript).isEqualTo(expected);
        assertThat(transcript)
                .contains("every node resolves echo on node-1, node-2, node-3 and counter on node-2")
                .contains("counter total " + expected + " on node-2")
                .contains("node-3 broadcasts ping to echo: 3 replies (from node-1, node-2, node-3), 0 failures")
                .contains("node-3 unregisters echo; node-1's watch: REMOVED node-3")
                .contains("node-1 now resolves echo on node-1, node-2")
                .contains("every node left; done");
        for (String caller : new String[] {"node-1", "node-2", "node-3"}) {
            String line = transcript.lines().filter(l -> l.startsWith(caller + " calls echo")).findFirst().orElse("");
            assertThat(line).as("round-robin from %s reaches every instance, in %s", caller, transcript)
                    .contains("node-1 (\"hello", "node-2 (\"hello", "node-3 (\"hello");
        }
    }
}
