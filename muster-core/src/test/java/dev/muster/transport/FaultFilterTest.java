package dev.muster.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Address;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FaultFilterTest {

    private static final Address PEER = new Address("127.0.0.1", 7001);
    private static final Address OTHER = new Address("127.0.0.1", 7002);

    private static int drops(FaultFilter f, Address peer, int tries) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            if (f.decide(peer, FaultFilter.Direction.OUTBOUND) == FaultFilter.Verdict.DROP) {
                n++;
            }
        }
        return n;
    }

    @Test
    void withoutRulesEverythingPasses() {
        FaultFilter f = new FaultFilter();
        assertThat(drops(f, PEER, 1000)).isZero();
        assertThat(f.decide(PEER, FaultFilter.Direction.INBOUND)).isEqualTo(FaultFilter.Verdict.PASS);
    }

    @Test
    void dropTakesAboutItsShareAndOnlyForThatPeer() {
        FaultFilter f = new FaultFilter();
        f.drop(PEER, 0.3);
        assertThat(drops(f, PEER, 10_000)).isBetween(2_500, 3_500);
        assertThat(drops(f, OTHER, 1000)).isZero();
    }

    @Test
    void blackholeDropsEverythingAndHealRestores() {
        FaultFilter f = new FaultFilter();
        f.blackhole(PEER);
        assertThat(f.blackholed(PEER)).isTrue();
        assertThat(drops(f, PEER, 1000)).isEqualTo(1000);
        f.heal(PEER);
        assertThat(drops(f, PEER, 1000)).isZero();
        assertThat(f.rules()).isEmpty();
    }

    @Test
    void delayIsKeptAlongsideADropRate() {
        FaultFilter f = new FaultFilter();
        f.delay(PEER, Duration.ofMillis(250));
        assertThat(f.decide(PEER, FaultFilter.Direction.INBOUND)).isEqualTo(FaultFilter.Verdict.DELAY);
        assertThat(f.delayNanos(PEER, FaultFilter.Direction.OUTBOUND)).isEqualTo(250_000_000L);
        f.drop(PEER, 0.5);
        assertThat(f.rules().get(PEER)).isEqualTo(new FaultFilter.Rule(0.5, Duration.ofMillis(250), false));
        f.healAll();
        assertThat(f.delayNanos(PEER, FaultFilter.Direction.OUTBOUND)).isZero();
    }

    @Test
    void aDirectedRuleActsOnOneWayOnly() {
        FaultFilter f = new FaultFilter();
        f.blackhole(PEER);
        f.direct(PEER, FaultFilter.Direction.OUTBOUND);
        assertThat(f.decide(PEER, FaultFilter.Direction.OUTBOUND)).isEqualTo(FaultFilter.Verdict.DROP);
        assertThat(f.decide(PEER, FaultFilter.Direction.INBOUND)).as("what the peer sends still arrives")
                .isEqualTo(FaultFilter.Verdict.PASS);
        assertThat(f.blackholed(PEER)).as("no connection to it").isTrue();
        f.direct(PEER, FaultFilter.Direction.INBOUND);
        assertThat(f.decide(PEER, FaultFilter.Direction.OUTBOUND)).isEqualTo(FaultFilter.Verdict.PASS);
        assertThat(f.blackholed(PEER)).as("an inbound cut still connects out").isFalse();
        f.delay(PEER, Duration.ofMillis(100));
        assertThat(f.rules().get(PEER).direction()).as("a later change keeps the direction")
                .isEqualTo(FaultFilter.Direction.INBOUND);
        assertThat(f.delayNanos(PEER, FaultFilter.Direction.OUTBOUND)).isZero();
        f.direct(OTHER, FaultFilter.Direction.OUTBOUND);
        assertThat(f.rules()).as("directing a peer without a rule makes none").doesNotContainKey(OTHER);
        assertThatThrownBy(() -> FaultFilter.Direction.parse("up")).hasMessage("direction 'up' must be both, out or in");
    }

    @Test
    void jitterSpreadsTheDelayWithinItsBounds() {
        FaultFilter f = new FaultFilter();
        f.delay(PEER, Duration.ofMillis(200), Duration.ofMillis(50));
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 10_000; i++) {
            long d = f.delayNanos(PEER, FaultFilter.Direction.OUTBOUND);
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertThat(min).isBetween(150_000_000L, 160_000_000L);
        assertThat(max).isBetween(240_000_000L, 250_000_000L);
        assertThatThrownBy(() -> f.delay(PEER, Duration.ofMillis(10), Duration.ofMillis(20)))
                .hasMessageContaining("jitter (PT0.02S) must be between 0 and the delay (PT0.01S)");
        assertThat(f.rules().get(PEER).jitter()).as("the refused change left the rule").isEqualTo(Duration.ofMillis(50));
    }

    @Test
    void badRulesAreRefusedWithTheValueAndChangeNothing() {
        FaultFilter f = new FaultFilter();
        assertThatThrownBy(() -> f.drop(PEER, 1.5)).hasMessage("drop rate (1.5) must be between 0 and 1");
        assertThatThrownBy(() -> f.delay(PEER, Duration.ofMinutes(5))).hasMessageContaining("must be between 0 and PT1M");
        assertThatThrownBy(() -> f.drop(PEER, Double.NaN)).hasMessageContaining("NaN");
        assertThat(f.rules()).isEmpty();
    }

    @Test
    void onlyRefusedConnectsCountAsRefusals() {
        assertThat(Transport.isRefusal(new java.net.ConnectException("Connection refused"))).isTrue();
        assertThat(Transport.isRefusal(new io.netty.channel.ConnectTimeoutException("connection timed out"))).isFalse();
        assertThat(Transport.isRefusal(new java.net.NoRouteToHostException("No route to host"))).isFalse();
        assertThat(Transport.isRefusal(new java.io.IOException("Connection reset"))).isFalse();
    }
}
