package dev.muster.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SrvRecordTest {

    @Test
    void parsesJndiTextAndDropsTheTrailingDot() {
        assertThat(SrvRecord.parse("10 60 7946 node-a.muster.test."))
                .isEqualTo(new SrvRecord(10, 60, 7946, "node-a.muster.test"));
    }

    @Test
    void theRootTargetOrPortZeroOffersNoService() {
        assertThat(SrvRecord.parse("0 0 7946 .").offersService()).isFalse();
        assertThat(SrvRecord.parse("0 0 0 node-a.muster.test").offersService()).isFalse();
        assertThat(SrvRecord.parse("0 0 7946 node-a.muster.test").offersService()).isTrue();
    }

    @Test
    void preferenceIsLowPriorityThenHighWeight() {
        var low = new SrvRecord(1, 0, 1, "c");
        var heavy = new SrvRecord(2, 90, 1, "b");
        var light = new SrvRecord(2, 10, 1, "a");

        assertThat(List.of(light, heavy, low).stream().sorted(SrvRecord.PREFERENCE))
                .containsExactly(low, heavy, light);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10 60 7946", "10 60 seven node", "10 60 70000 node", "-1 0 1 node", "1 2 3 4 5"})
    void malformedTextIsRejectedNamingIt(String text) {
        assertThatThrownBy(() -> SrvRecord.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SRV record '" + text + "' must be 'priority weight port target' with numbers in 0..65535");
    }
}
