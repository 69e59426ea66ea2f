package dev.muster.membership;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Lifeguard's timeout curve, table-driven: min 8 s, max 48 s (N = 100, LAN). */
class SuspicionTest {

    private static final long S = 1_000_000_000L;

    @ParameterizedTest(name = "{0} of {1} confirmations -> {2} ms")
    @CsvSource({
        "0, 2, 48000",   // a lone accuser waits the maximum
        "1, 2, 22762",   // 48 - 40 * log(2)/log(3) = 22.7628 s, floored to ms
        "2, 2, 8000",    // k confirmations reach the minimum
        "3, 2, 8000",    // never below the minimum
        "0, 0, 8000",    // no confirmations expected: the minimum at once
        "0, 1, 48000",
        "1, 1, 8000"})
    void timeoutShrinksAlongTheLogCurve(int n, int k, long expectedMs) {
        assertThat(Suspicion.timeoutNanos(n, k, 8 * S, 48 * S) / 1_000_000).isEqualTo(expectedMs);
    }

    @Test
    void onlyNewIndependentConfirmationsCount() {
        Suspicion s = new Suspicion("a", 3, 2, 8 * S, 48 * S, 100 * S);
        assertThat(s.deadlineNanos()).isEqualTo(148 * S);
        assertThat(s.confirm("a")).as("the first accuser does not confirm itself").isFalse();
        assertThat(s.confirm("b")).isTrue();
        assertThat(s.confirm("b")).as("a repeated confirmation changes nothing").isFalse();
        assertThat(s.deadlineNanos()).isEqualTo(100 * S + 22_762_000_000L);
        assertThat(s.confirm("c")).isTrue();
        assertThat(s.deadlineNanos()).isEqualTo(108 * S);
        assertThat(s.confirm("d")).as("past k nothing more is counted or re-gossiped").isFalse();
        assertThat(s.confirmations()).isEqualTo(2);
    }

    @Test
    void aConfirmationNeverUndoesARefusal() {
        Suspicion s = new Suspicion("a", 3, 2, 8 * S, 48 * S, 100 * S);
        s.refusedUntil(100 * S + S / 2);
        assertThat(s.confirm("b")).as("still counted and re-gossiped").isTrue();
        assertThat(s.deadlineNanos()).as("the refusal deadline stands").isEqualTo(100 * S + S / 2);
    }

    @Test
    void aConfirmationDuringTheLastChanceLeavesItsDeadline() {
        Suspicion s = new Suspicion("a", 3, 2, 8 * S, 48 * S, 100 * S);
        s.lastChance(148 * S + S / 2);
        s.confirm("b");
        assertThat(s.deadlineNanos()).isEqualTo(148 * S + S / 2);
    }

    @Test
    void awarenessScalesAndStaysInRange() {
        Awareness a = new Awareness(8);
        assertThat(a.scale(S)).isEqualTo(S);
        a.apply(3);
        assertThat(a.scale(S)).isEqualTo(4 * S);
        a.apply(100);
        assertThat(a.score()).isEqualTo(7);
        a.apply(-100);
        assertThat(a.score()).isZero();
        Awareness off = new Awareness(1);
        off.apply(5);
        assertThat(off.scale(S)).as("max 1 disables awareness").isEqualTo(S);
    }
}
