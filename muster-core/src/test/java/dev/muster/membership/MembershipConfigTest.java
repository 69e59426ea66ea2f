package dev.muster.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MembershipConfigTest {

    @Test
    void lanDefaultsMatchTheArchitecture() {
        MembershipConfig c = MembershipConfig.lan();
        assertThat(c.probeInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.probeTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.indirectChecks()).isEqualTo(3);
        assertThat(c.gossipInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(c.gossipFanout()).isEqualTo(3);
        assertThat(c.retransmitMultiplier()).isEqualTo(4);
        assertThat(c.suspicionMultiplier()).isEqualTo(4);
        assertThat(c.pushPullInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.deadMemberRetention()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.tombstoneTtl()).isEqualTo(Duration.ofHours(24));
        assertThat(c.maxMessageBytes()).isEqualTo(1 << 20);
        assertThat(c.maxMetadataBytes()).isEqualTo(512);
        assertThat(c.lifeguard()).isTrue();
        assertThat(MembershipConfig.local().probeInterval()).isLessThan(c.probeInterval());
        assertThat(MembershipConfig.wan().probeInterval()).isGreaterThan(c.probeInterval());
    }

    @ParameterizedTest(name = "N = {0}")
    @CsvSource({
        // n, retransmit limit, suspicion min ms, push-pull ms
        "1, 4, 4000, 30000",
        "9, 4, 4000, 30000",
        "10, 8, 4000, 30000",
        "100, 12, 8000, 90000",
        "1000, 16, 12000, 180000",
        "10000, 20, 16000, 300000"})
    void formulasScaleWithClusterSize(int n, int retransmits, long suspicionMinMs, long pushPullMs) {
        MembershipConfig c = MembershipConfig.lan();
        assertThat(c.retransmitLimit(n)).isEqualTo(retransmits);
        assertThat(c.suspicionMinNanos(n) / 1_000_000).isEqualTo(suspicionMinMs);
        assertThat(c.pushPullNanos(n) / 1_000_000).isEqualTo(pushPullMs);
    }

    @Test
    void errorsNameTheSettingTheValueAndTheRule() {
        assertThatThrownBy(() -> MembershipConfig.builder().probeTimeout(Duration.ofSeconds(2)).build())
                .hasMessageContaining("probe timeout (2s) must be shorter than the probe interval (1s)");
        assertThatThrownBy(() -> MembershipConfig.builder().gossipFanout(0).build())
                .hasMessageContaining("gossip fanout (0) must be between 1 and 16");
        assertThatThrownBy(() -> MembershipConfig.builder().probeInterval(Duration.ZERO).build())
                .hasMessageContaining("probe interval (0s) must be positive");
        assertThatThrownBy(() -> MembershipConfig.builder().maxMetadataBytes(1000).build())
                .hasMessageContaining("max metadata bytes (1000) must be between 0 and 700");
    }

    @Test
    void reportsEveryBrokenRuleAtOnce() {
        assertThatThrownBy(() -> MembershipConfig.builder().indirectChecks(-1).awarenessMax(0).build())
                .hasMessageContaining("indirect checks (-1)")
                .hasMessageContaining("awareness max (0)");
    }

    @Test
    void unknownPresetIsNamed() {
        assertThatThrownBy(() -> MembershipConfig.preset("fast"))
                .hasMessage("profile 'fast' is unknown; use lan, local or wan");
    }
}
