package dev.muster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
        "200ms, 200000000",
        "1s, 1000000000",
        "1.5s, 1500000000",
        "1m30s, 90000000000",
        "24h, 86400000000000",
        "500us, 500000",
        "7ns, 7"})
    void parsesDurationsWithUnits(String text, long nanos) {
        assertThat(Durations.parse("probe interval", text)).isEqualTo(Duration.ofNanos(nanos));
    }

    @ParameterizedTest
    @ValueSource(strings = {"200", "ms", "1x", "-1s", "1s 2s", " "})
    void rejectsTextWithoutAUnitAndNamesTheSetting(String text) {
        assertThatThrownBy(() -> Durations.parse("probe interval", text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("probe interval");
    }

    @ParameterizedTest
    @CsvSource({"200000000, 200ms", "90000000000, 1m30s", "0, 0s", "86400000000000, 1d"})
    void formatsCompactly(long nanos, String text) {
        assertThat(Durations.format(Duration.ofNanos(nanos))).isEqualTo(text);
    }
}
