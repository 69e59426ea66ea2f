package dev.muster.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Address;
import dev.muster.MemberEvent;
import dev.muster.MemberState;
import dev.muster.Metadata;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The state machine driven by hand, etcd-raft style: messages are delivered one by one over an
 * in-memory wire, time is passed in. The simulator covers the same behaviour at scale.
 */
class MembershipTest {

    private static final long MS = 1_000_000L;

    /** Every node's outbox, delivering on request. */
    private final class Wire {
        final Map<Address, Membership> nodes = new HashMap<>();
        final Map<Address, List<MemberEvent>> events = new HashMap<>();
        final ArrayDeque<Object[]> inFlight = new ArrayDeque<>();
        final List<Address> dropTo = new ArrayList<>();

        Membership add(String name, int port, List<Address> seeds) {
            Address a = new Address("127.0.0.1", port);
            List<MemberEvent> ev = new ArrayList<>();
            events.put(a, ev);
            Membership m = new Membership(MembershipConfig.lan(), name, a, Metadata.EMPTY, 0,
                    new SplittableRandom(port), new Outbox() {
                        @Override public void sendPacket(Address to, List<Message> msgs, int bytes) {
                            for (Message msg : msgs) {
                                inFlight.add(new Object[] {a, to, msg});
                            }
                        }

                        @Override public void sendStream(Address to, Message msg) {
                            inFlight.add(new Object[] {a, to, msg});
                        }

                        @Override public void event(MemberEvent e) {
                            ev.add(e);
                        }
                    }, now);
            nodes.put(a, m);
            m.start(seeds, now);
            return m;
        }

        void deliverAll() {
            for (int guard = 0; guard < 10_000 && !inFlight.isEmpty(); guard++) {
                Object[] p = inFlight.poll();
                Membership to = nodes.get((Address) p[1]);
                if (to != null && !dropTo.contains((Address) p[1])) {
                    to.receive((Address) p[0], (Message) p[2], now);
                }
            }
        }

        void tickAll() {
            for (Membership m : nodes.values()) {
                m.tick(now);
            }
        }
    }

    private long now;
    private Wire wire;
    private Membership a;
    private Membership b;

    @BeforeEach
    void twoNodes() {
        now = 1_000 * MS;
        wire = new Wire();
        a = wire.add("a", 7001, List.of());
        b = wire.add("b", 7002, List.of(new Address("127.0.0.1", 7001)));
        assertThat(a.localState()).as("a node without other seeds is a cluster of one").isEqualTo(MemberState.ALIVE);
        assertThat(b.localState()).isEqualTo(MemberState.JOINING);
        wire.deliverAll();
    }

    @Test
    void joinThroughASeedTeachesBothSides() {
        assertThat(b.localState()).isEqualTo(MemberState.ALIVE);
        assertThat(a.member("b").state()).isEqualTo(MemberState.ALIVE);
        assertThat(b.member("a").state()).isEqualTo(MemberState.ALIVE);
        assertThat(wire.events.get(a.address())).extracting(MemberEvent::type).containsExactly(MemberEvent.Type.JOINED);
        assertThat(a.aliveCount()).isEqualTo(2);
    }

    @Test
    void aPingIsAckedWithItsSequenceNumberAndAPingForAnotherNameIsIgnored() {
        List<Message> sent = new ArrayList<>();
        Membership c = new Membership(MembershipConfig.lan(), "c", new Address("127.0.0.1", 7003), Metadata.EMPTY, 0,
                new SplittableRandom(1), new Outbox() {
                    @Override public void sendPacket(Address to, List<Message> msgs, int bytes) { sent.addAll(msgs); }
                    @Override public void sendStream(Address to, Message m) { }
                    @Override public void event(MemberEvent e) { }
                }, now);
        c.start(List.of(), now);
        c.receive(a.address(), new Message.Ping(42, "c", "a", a.address()), now);
        assertThat(sent).first().isEqualTo(new Message.Ack(42, "c"));
        sent.clear();
        c.receive(a.address(), new Message.Ping(43, "old-owner", "a", a.address()), now);
        assertThat(sent).isEmpty();
        assertThat(c.stats().rejectedMessages()).isEqualTo(1);
    }

    @Test
    void aSuspicionAboutItselfIsRefutedWithAHigherIncarnation() {
        int before = b.incarnation();
        b.receive(a.address(), new Message.Suspect("b", before, "a"), now);
        assertThat(b.incarnation()).isEqualTo(before + 1);
        assertThat(b.stats().refutations()).isEqualTo(1);
        assertThat(b.stats().awarenessScore()).as("refuting raises the local health score").isEqualTo(1);
        a.receive(b.address(), new Message.Suspect("b", before, "a"), now);
        assertThat(a.member("b").state()).isEqualTo(MemberState.SUSPECT);
        // b's refutation reaches a piggybacked on the next packet it sends
        b.receive(a.address(), new Message.Ping(7, "b", "a", a.address()), now);
        wire.deliverAll();
        assertThat(a.member("b").state()).isEqualTo(MemberState.ALIVE);
        assertThat(a.member("b").incarnation()).isEqualTo(before + 1);
        assertThat(wire.events.get(a.address())).extracting(MemberEvent::type)
                .containsExactly(MemberEvent.Type.JOINED, MemberEvent.Type.SUSPECT, MemberEvent.Type.ALIVE);
        assertThat(a.stats().suspicionsRefuted()).as("a's suspicion of b ended with b alive: a false positive")
                .isEqualTo(1);
        assertThat(b.stats().suspicionsRefuted()).as("b suspected nobody").isZero();
    }

    @Test
    void gossipAndPushPullTrafficIsCounted() {
        assertThat(b.stats().pushPullsSent()).as("b's join is a push-pull with its seed").isEqualTo(1);
        assertThat(a.stats().pushPullsAnswered()).isEqualTo(1);
        assertThat(b.stats().pushPullRepliesReceived()).isEqualTo(1);
        assertThat(a.stats().pushPullRepliesReceived()).as("a asked nobody").isZero();
        long sentBefore = a.stats().gossipSent();
        long receivedBefore = b.stats().gossipReceived();
        // a learned of b from the join and queued b's alive message: its next gossip round sends it
        long until = now + 2_000 * MS;
        while (now < until && a.stats().gossipSent() == sentBefore) {
            now = Math.max(now + MS, Math.min(a.nextDeadlineNanos(), b.nextDeadlineNanos()));
            wire.tickAll();
            wire.deliverAll();
        }
        assertThat(a.stats().gossipSent()).as("a's queued facts went out").isGreaterThan(sentBefore);
        assertThat(b.stats().gossipReceived()).as("and reached b").isGreaterThan(receivedBefore);
        long pushPulls = a.stats().pushPullsSent() + b.stats().pushPullsSent();
        until = now + 60_000 * MS;
        while (now < until && a.stats().pushPullsSent() + b.stats().pushPullsSent() == pushPulls) {
            now = Math.max(now + MS, Math.min(a.nextDeadlineNanos(), b.nextDeadlineNanos()));
            wire.tickAll();
            wire.deliverAll();
        }
        assertThat(a.stats().pushPullsSent() + b.stats().pushPullsSent()).as("a periodic state sync ran")
                .isGreaterThan(pushPulls);
        assertThat(a.stats().pushPullsAnswered() + b.stats().pushPullsAnswered())
                .as("over a lossless wire every request is answered once")
                .isEqualTo(a.stats().pushPullRepliesReceived() + b.stats().pushPullRepliesReceived());
    }

    @Test
    void staleAliveIsIgnoredAndASecondLiveOwnerOfANameIsRefused() {
        a.receive(b.address(), new Message.Alive("b", b.address(), -1 + b.incarnation(), Metadata.EMPTY), now);
        assertThat(a.member("b").incarnation()).isEqualTo(b.incarnation());
        a.receive(b.address(), new Message.Alive("b", new Address("127.0.0.1", 9999), 50, Metadata.EMPTY), now);
        assertThat(a.member("b").address()).isEqualTo(b.address());
        assertThat(a.stats().nameConflicts()).isEqualTo(1);
    }

    @Test
    void aDeadMemberRestartedAtANewAddressIsAcceptedAtOnce() {
        a.receive(b.address(), new Message.Dead("b", b.incarnation(), "a"), now);
        assertThat(a.member("b").state()).isEqualTo(MemberState.DEAD);
        Address moved = new Address("127.0.0.1", 7010);
        a.receive(moved, new Message.Alive("b", moved, 0, Metadata.EMPTY), now);
        assertThat(a.member("b").state()).isEqualTo(MemberState.ALIVE);
        assertThat(a.member("b").address()).isEqualTo(moved);
        // stale gossip about the old life cannot take the name back
        a.receive(b.address(), new Message.Alive("b", b.address(), 5, Metadata.EMPTY), now);
        assertThat(a.member("b").address()).isEqualTo(moved);
    }

    @Test
    void staleGossipCannotResurrectADeadMember() {
        int inc = b.incarnation();
        a.receive(b.address(), new Message.Dead("b", inc, "a"), now);
        a.receive(b.address(), new Message.Alive("b", b.address(), inc, Metadata.EMPTY), now);
        assertThat(a.member("b").state()).isEqualTo(MemberState.DEAD);
        now += 31_000 * MS;
        a.tick(now);
        assertThat(a.member("b")).as("after the retention the dead member becomes a tombstone").isNull();
        a.receive(b.address(), new Message.Alive("b", b.address(), inc, Metadata.EMPTY), now);
        assertThat(a.member("b")).as("the tombstone still blocks the stale incarnation").isNull();
        a.receive(b.address(), new Message.Alive("b", b.address(), inc + 1, Metadata.EMPTY), now);
        assertThat(a.member("b").state()).isEqualTo(MemberState.ALIVE);
    }

    @Test
    void gracefulLeaveIsSeenAsLeftNotDead() {
        b.leave(now);
        assertThat(b.localState()).isIn(MemberState.LEAVING, MemberState.LEFT);
        wire.deliverAll();
        assertThat(a.member("b").state()).isEqualTo(MemberState.LEFT);
        assertThat(wire.events.get(a.address())).extracting(MemberEvent::type).contains(MemberEvent.Type.LEFT)
                .doesNotContain(MemberEvent.Type.DEAD);
    }

    @Test
    void anUnansweredProbeLeadsToSuspicionThenDeath() {
        wire.dropTo.add(b.address());
        for (int i = 0; i < 80 && a.member("b").state() != MemberState.DEAD; i++) {
            now = Math.max(now + MS, a.nextDeadlineNanos());
            a.tick(now);
            wire.deliverAll();
        }
        assertThat(a.member("b").state()).isEqualTo(MemberState.DEAD);
        assertThat(a.stats().probeFailures()).isPositive();
        assertThat(a.stats().deathsDeclared()).isEqualTo(1);
    }

    /** Ticks {@code a} while b is unreachable; returns {suspected at, dead at} in ns. */
    private long[] failB(boolean reportRefusal) {
        wire.dropTo.add(b.address());
        long suspectedAt = -1;
        for (int i = 0; i < 200 && a.member("b").state() != MemberState.DEAD; i++) {
            now = Math.max(now + MS, a.nextDeadlineNanos());
            a.tick(now);
            if (reportRefusal) {
                a.refused(b.address(), now); // what the driver reports when the stream ping is refused
            }
            wire.deliverAll();
            if (suspectedAt < 0 && a.member("b").state() == MemberState.SUSPECT) {
                suspectedAt = now;
            }
        }
        return new long[] {suspectedAt, now};
    }

    @Test
    void aRefusedConnectionShortensTheProbersSuspicionToTheRefusedTimeout() {
        long[] t = failB(true);
        assertThat(a.member("b").state()).isEqualTo(MemberState.DEAD);
        assertThat(t[1] - t[0]).as("suspicion with refusal evidence, ns")
                .isLessThanOrEqualTo(MembershipConfig.lan().refusedSuspicionTimeout().toNanos() + MS);
    }

    @Test
    void withoutRefusalTheSuspicionRunsItsFullMinimum() {
        long[] t = failB(false);
        assertThat(a.member("b").state()).isEqualTo(MemberState.DEAD);
        assertThat(t[1] - t[0]).as("suspicion without refusal, ns")
                .isGreaterThanOrEqualTo(MembershipConfig.lan().suspicionMinNanos(2));
    }

    @Test
    void anExpiredSuspicionGetsALastChanceOverAStreamBeforeDeath() {
        List<Object[]> streamsToB = new ArrayList<>();
        wire.dropTo.add(b.address());
        for (int i = 0; i < 200 && a.member("b").state() != MemberState.DEAD; i++) {
            now = Math.max(now + MS, a.nextDeadlineNanos());
            a.tick(now);
            for (Object[] p : wire.inFlight) {
                if (p[1].equals(b.address()) && p[2] instanceof Message.Suspect) {
                    streamsToB.add(new Object[] {now, p[2]});
                }
            }
            wire.deliverAll();
        }
        assertThat(streamsToB).as("the suspicion was sent to b itself before b was declared dead").isNotEmpty();
        assertThat(a.member("b").state()).isEqualTo(MemberState.DEAD);
    }

    @Test
    void aLiveSuspectAnswersTheLastChanceOnTheStream() {
        List<Message> streams = new ArrayList<>();
        Membership c = new Membership(MembershipConfig.lan(), "c", new Address("127.0.0.1", 7003), Metadata.EMPTY, 5,
                new SplittableRandom(1), new Outbox() {
                    @Override public void sendPacket(Address to, List<Message> msgs, int bytes) { }
                    @Override public void sendStream(Address to, Message m) { streams.add(m); }
                    @Override public void event(MemberEvent e) { }
                }, now);
        c.start(List.of(), now);
        c.receiveStream(a.address(), new Message.Suspect("c", 5, "a"), now);
        assertThat(streams).as("a current suspicion is refuted directly")
                .containsExactly(new Message.Alive("c", c.address(), 6, Metadata.EMPTY));
        streams.clear();
        c.receiveStream(a.address(), new Message.Suspect("c", 5, "a"), now);
        assertThat(streams).as("a stale one is answered with the current alive message")
                .containsExactly(new Message.Alive("c", c.address(), 6, Metadata.EMPTY));
    }

    @Test
    void aRefusalAboutAnotherAddressChangesNothing() {
        a.refused(new Address("127.0.0.1", 9), now);
        long[] t = failB(false);
        assertThat(t[1] - t[0]).isGreaterThanOrEqualTo(MembershipConfig.lan().suspicionMinNanos(2));
    }

    @Test
    void metadataOverTheCapIsRefusedWithTheNumbers() {
        String big = "x".repeat(600);
        assertThatThrownBy(() -> a.updateMetadata(Metadata.of(Map.of("k", big)), now))
                .hasMessageContaining("metadata is 6")
                .hasMessageContaining("the limit (max metadata bytes) is 512");
        a.updateMetadata(Metadata.of(Map.of("role", "worker")), now);
        wire.deliverAll();
        a.tick(now + 300 * MS);
        wire.deliverAll();
        assertThat(b.member("a").metadata().get("role")).isEqualTo("worker");
        assertThat(wire.events.get(b.address())).extracting(MemberEvent::type).contains(MemberEvent.Type.UPDATED);
    }

    @Test
    void aJoinUnderANameALiveMemberHoldsElsewhereIsNotAcceptedAndSaysWho() {
        Membership dup = wire.add("b", 7003, List.of(a.address()));
        wire.deliverAll();
        assertThat(dup.localState()).as("the duplicate stays joining").isEqualTo(MemberState.JOINING);
        assertThat(dup.nameClaimedBy()).isEqualTo(b.address());
        assertThat(dup.members()).as("it merged nothing").hasSize(1);
        assertThat(a.member("b").address()).as("the first owner keeps the name").isEqualTo(b.address());
    }

    @Test
    void aRestartUnderTheSameNameJoinsOnceTheOldOwnerIsDead() {
        wire.nodes.remove(b.address()); // b crashed
        Membership again = wire.add("b", 7003, List.of(a.address()));
        wire.deliverAll();
        assertThat(again.localState()).isEqualTo(MemberState.JOINING);
        for (int i = 0; i < 60 && a.member("b").state() != MemberState.DEAD; i++) {
            now += 500 * MS;
            wire.tickAll();
            wire.deliverAll();
        }
        assertThat(a.member("b").state()).as("a declares the crashed b dead").isEqualTo(MemberState.DEAD);
        for (int i = 0; i < 40 && again.localState() == MemberState.JOINING; i++) {
            now += 500 * MS;
            wire.tickAll();
            wire.deliverAll();
        }
        assertThat(again.localState()).as("the join retry succeeds").isEqualTo(MemberState.ALIVE);
        assertThat(a.member("b").address()).isEqualTo(again.address());
        assertThat(a.member("b").state()).isEqualTo(MemberState.ALIVE);
    }

    @Test
    void contactJoinsAPeerFoundLaterAndSkipsKnownLiveOnes() {
        Membership c = wire.add("c", 7003, List.of());
        wire.deliverAll();
        c.contact(List.of(a.address(), c.address()), now);
        assertThat(wire.inFlight).as("one join request, to a; none to itself").hasSize(1);
        wire.deliverAll();
        assertThat(a.member("c").state()).isEqualTo(MemberState.ALIVE);
        assertThat(c.member("a").state()).isEqualTo(MemberState.ALIVE);
        c.contact(List.of(a.address()), now);
        assertThat(wire.inFlight).as("a is a live member now: no second join").isEmpty();
    }

    @Test
    void aSeedThatWasNotUpYetIsAskedAgainUntilItAnswers() {
        Address later = new Address("127.0.0.1", 7009);
        Membership c = wire.add("c", 7003, List.of(a.address(), later));
        wire.deliverAll();
        assertThat(c.localState()).as("a answered: c joined").isEqualTo(MemberState.ALIVE);
        Membership d = wire.add("d", 7009, List.of()); // the second seed comes up alone, after the join
        for (int i = 0; i < 40 && d.aliveCount() < 4; i++) {
            now += 500 * MS;
            wire.tickAll();
            wire.deliverAll();
        }
        assertThat(d.aliveCount()).as("c kept asking d until d answered, so d is no longer alone").isEqualTo(4);
        long streamsBefore = wire.inFlight.size();
        now += 20_000 * MS;
        wire.tickAll();
        assertThat(wire.inFlight.stream().filter(p -> p[2] instanceof Message.PushPull pp && pp.join()).count())
                .as("every seed answered: no more join requests").isZero();
        assertThat(streamsBefore).isZero();
    }
}
