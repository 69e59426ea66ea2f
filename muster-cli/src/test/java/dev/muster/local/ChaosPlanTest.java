package dev.muster.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A monkey's schedule: the same inputs give the same plan, and its file gives it back exactly. */
class ChaosPlanTest {

    private static final Set<ChaosPlan.Kind> ALL = EnumSet.allOf(ChaosPlan.Kind.class);

    @TempDir
    Path dir;

    @Test
    void theSameSeedGivesTheSameScheduleAndAnotherSeedAnother() {
        ChaosPlan a = ChaosPlan.generate(42, Duration.ofSeconds(30), Duration.ofMinutes(30), 5, ALL);
        ChaosPlan b = ChaosPlan.generate(42, Duration.ofSeconds(30), Duration.ofMinutes(30), 5, ALL);
        ChaosPlan c = ChaosPlan.generate(43, Duration.ofSeconds(30), Duration.ofMinutes(30), 5, ALL);
        assertThat(a).isEqualTo(b);
        assertThat(a.events()).hasSize(60).isNotEqualTo(c.events());
        assertThat(a.events()).extracting(ChaosPlan.Event::kind).as("30 minutes draw every kind").containsAll(ALL);
    }

    @Test
    void faultsStayInsideTheirSlotAndTheRunAndHitRealNodes() {
        ChaosPlan p = ChaosPlan.generate(7, Duration.ofSeconds(2), Duration.ofSeconds(11), 5, ALL);
        assertThat(p.events()).hasSize(5); // slots 0-2, .., 8-10 s; 10-12 s does not fit in 11 s
        for (int k = 0; k < p.events().size(); k++) {
            ChaosPlan.Event e = p.events().get(k);
            assertThat(e.atMs() + e.holdMs()).as("event %s ends in its slot", e).isLessThanOrEqualTo((k + 1) * 2000L);
            assertThat(e.nodes()).isNotEmpty().allSatisfy(n -> assertThat(n).isBetween(1, 5));
            if (e.kind() == ChaosPlan.Kind.PARTITION) {
                assertThat(e.nodes()).as("a partition cuts a minority").hasSizeLessThanOrEqualTo(2);
            }
            if (e.kind() == ChaosPlan.Kind.LOSS) {
                assertThat(e.dropRate()).isBetween(0.05, 0.5);
            }
            if (e.kind() == ChaosPlan.Kind.DELAY) {
                assertThat(e.delayMs()).isBetween(50L, 500L);
                assertThat(e.jitterMs()).isLessThanOrEqualTo(e.delayMs());
            }
        }
        assertThat(ChaosPlan.generate(7, Duration.ofSeconds(2), Duration.ofSeconds(11), 5,
                EnumSet.of(ChaosPlan.Kind.LOSS)).events()).allSatisfy(e -> assertThat(e.kind()).isEqualTo(ChaosPlan.Kind.LOSS));
    }

    @Test
    void theFileRoundTripsToTheIdenticalSchedule() throws Exception {
        ChaosPlan p = ChaosPlan.generate(-9_000_000_000L, Duration.ofSeconds(3), Duration.ofMinutes(10), 7, ALL);
        Path file = dir.resolve("chaos/monkey.jsonl");
        p.write(file);
        assertThat(ChaosPlan.read(file)).isEqualTo(p);
        assertThat(Files.readAllLines(file)).hasSize(1 + p.events().size());
        assertThat(Files.readAllLines(file).get(0)).contains("\"seed\":-9000000000").contains("\"period_ms\":3000");
    }

    @Test
    void aSeedsPlanIsPinned() throws Exception {
        // docs/chaos.md shows this file: java.util.Random's algorithm is specified, so it holds on every JDK
        Path file = dir.resolve("monkey-64.jsonl");
        ChaosPlan.generate(64, Duration.ofSeconds(2), Duration.ofSeconds(10), 5, ALL).write(file);
        assertThat(Files.readAllLines(file)).containsExactly(
                "{\"muster_chaos_plan\":1,\"seed\":64,\"period_ms\":2000,\"duration_ms\":10000,\"size\":5,"
                        + "\"faults\":[\"kill\",\"pause\",\"partition\",\"delay\",\"loss\"]}",
                "{\"at_ms\":301,\"fault\":\"kill\",\"nodes\":[3],\"hold_ms\":970}",
                "{\"at_ms\":2115,\"fault\":\"delay\",\"nodes\":[2],\"hold_ms\":626,\"delay_ms\":270,\"jitter_ms\":10}",
                "{\"at_ms\":4030,\"fault\":\"pause\",\"nodes\":[4],\"hold_ms\":879}",
                "{\"at_ms\":6414,\"fault\":\"loss\",\"nodes\":[1],\"hold_ms\":872,\"drop_rate\":0.3}",
                "{\"at_ms\":8009,\"fault\":\"partition\",\"nodes\":[1,4],\"hold_ms\":954}");
    }

    @Test
    void rateAndDurationAreBounded() {
        assertThat(ChaosPlan.parseRate("1/30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(ChaosPlan.parseRate("2/1m")).isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> ChaosPlan.parseRate("30s")).hasMessageContaining("--rate: '30s' must be N/DURATION");
        assertThatThrownBy(() -> ChaosPlan.parseRate("0/30s")).hasMessageContaining("N at least 1");
        assertThatThrownBy(() -> ChaosPlan.generate(1, Duration.ofMillis(100), Duration.ofMinutes(1), 5, ALL))
                .hasMessageContaining("--rate: one fault every 100ms is too often").hasMessageContaining("at least 1s");
        assertThatThrownBy(() -> ChaosPlan.generate(1, Duration.ofSeconds(30), Duration.ofSeconds(10), 5, ALL))
                .hasMessageContaining("starts none within --duration 10s");
        assertThatThrownBy(() -> ChaosPlan.generate(1, Duration.ofSeconds(30), Duration.ofHours(25), 5, ALL))
                .hasMessageContaining("--duration (1d1h) must be more than 0 and at most 1d");
        assertThatThrownBy(() -> ChaosPlan.generate(1, Duration.ofSeconds(30), Duration.ofHours(1), 1, ALL))
                .hasMessageContaining("2 to 100 nodes");
        assertThatThrownBy(() -> ChaosPlan.generate(1, Duration.ofSeconds(30), Duration.ofHours(1), 5, Set.of()))
                .hasMessageContaining("--faults");
    }

    @Test
    void aFileThatIsNoPlanIsRefusedWithItsLine() throws Exception {
        Path file = dir.resolve("bad.jsonl");
        ChaosPlan.generate(1, Duration.ofSeconds(2), Duration.ofSeconds(10), 3, ALL).write(file);
        Files.writeString(file, Files.readString(file) + "{\"at_ms\": 1, \"fault\": \"explode\", \"hold_ms\": 1}\n");
        assertThatThrownBy(() -> ChaosPlan.read(file)).hasMessageContaining("--replay: " + file + " line 7")
                .hasMessageContaining("'explode' is no fault kind");
        Files.writeString(file, "hello\n");
        assertThatThrownBy(() -> ChaosPlan.read(file)).hasMessageContaining("line 1");
    }
}
