package dev.muster.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.membership.MembershipConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SimScenarioTest {

    private static final long S = 1_000_000_000L;

    /** N = 50, 10% loss, 180 stalls of 2-5 s of single nodes spread over 30 simulated minutes. */
    private static SimReport stallRun(boolean lifeguard, long seed) {
        MembershipConfig config = MembershipConfig.lan().toBuilder().lifeguard(lifeguard).build();
        return new SimScenario(SimScenario.builder().nodes(50).seed(seed).loss(0.10).stalls(180)
                .stallNanos(2 * S, 5 * S).durationNanos(1800 * S).faultWindow(0.05, 0.95)
                .config("lan", config).build()).run();
    }

    @Test
    void sameSeedGivesTheSameTraceByteForByte() {
        SimScenario.Options o = SimScenario.builder().nodes(50).seed(9).loss(0.05).crashes(3).stalls(5)
                .durationNanos(90 * S).build();
        SimReport first = new SimScenario(o).run();
        SimReport second = new SimScenario(o).run();
        assertThat(first.membershipEvents()).isGreaterThan(100);
        assertThat(second.traceSha256()).isEqualTo(first.traceSha256());
        assertThat(second.detectionMs()).isEqualTo(first.detectionMs());
        assertThat(second.bytesPerNodePerS()).isEqualTo(first.bytesPerNodePerS());
        SimReport other = new SimScenario(SimScenario.builder().nodes(50).seed(10).loss(0.05).crashes(3).stalls(5)
                .durationNanos(90 * S).build()).run();
        assertThat(other.traceSha256()).as("another seed, another run").isNotEqualTo(first.traceSha256());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {3, 4})
    void lifeguardDeclaresNoLiveNodeDeadWherePlainSwimDoes(long seed) {
        SimReport on = stallRun(true, seed);
        SimReport off = stallRun(false, seed);
        assertThat(on.falsePositives())
                .as("seed %d, Lifeguard on: live nodes declared dead over 30 min, 10%% loss, 180 stalls", seed)
                .isZero();
        assertThat(off.falsePositives())
                .as("seed %d, Lifeguard off: plain SWIM in the same run", seed)
                .isGreaterThan(on.falsePositives());
    }

    @Test
    void reportsCrashDetectionForEveryCrash() {
        SimReport r = new SimScenario(SimScenario.builder().nodes(100).seed(7).crashes(5)
                .durationNanos(120 * S).build()).run();
        assertThat(r.joinConvergenceMs()).isNotNull();
        assertThat(r.crashes()).isEqualTo(5);
        assertThat(r.undetected()).isZero();
        assertThat(r.detectionMs().max()).as("seed 7: every node marks each crash dead within 8 s (simulated)")
                .isLessThanOrEqualTo(8_000L);
        assertThat(r.falsePositives()).isZero();
        assertThat(r.idleBytesPerNodePerS()).isNotNull().isPositive();
    }

    @Test
    void badOptionsNameTheSettingAndTheRule() {
        assertThatThrownBy(() -> SimScenario.builder().nodes(0).build())
                .hasMessage("nodes (0) must be between 1 and 20000");
        assertThatThrownBy(() -> SimScenario.builder().loss(1.5).build())
                .hasMessage("loss (1.5) must be at least 0 and below 1");
        assertThatThrownBy(() -> SimScenario.builder().nodes(10).crashes(6).build())
                .hasMessage("crash (6) must be between 0 and half the nodes (5)");
    }
}
