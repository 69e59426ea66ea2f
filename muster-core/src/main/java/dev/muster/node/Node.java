package dev.muster.node;

import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.ClusterException;
import dev.muster.ClusterInfo;
import dev.muster.Member;
import dev.muster.MemberEvent;
import dev.muster.MemberState;
import dev.muster.Metadata;
import dev.muster.Subscription;
import dev.muster.discovery.DnsSeeds;
import dev.muster.discovery.MulticastConfig;
import dev.muster.discovery.MulticastDiscovery;
import dev.muster.discovery.SeedProvider;
import dev.muster.membership.Membership;
import dev.muster.membership.MembershipStats;
import dev.muster.membership.Message;
import dev.muster.membership.Outbox;
import dev.muster.transport.FaultFilter;
import dev.muster.transport.SharedLoops;
import dev.muster.transport.Transport;
import dev.muster.transport.TransportStats;
import dev.muster.wire.WireCodec;
import dev.muster.wire.WireException;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node runtime: drives one pure {@link Membership} from one event loop, with the real clock,
 * a {@link Transport} and the wire codec. It is the only place where the protocol meets time,
 * sockets and threads.
 *
 * <h2>Concurrency</h2>
 * The membership, the transport and every field marked "loop" are confined to the node's event
 * loop (one thread of {@link SharedLoops}). Inputs arrive there from Netty; the timer fires
 * there; public methods called from other threads submit a task to the loop and wait for it.
 * The loop never blocks and never runs user code: member events go to {@link EventDispatch}.
 * See CONCURRENCY.md.
 */
public final class Node implements Cluster {

    /** Incarnations count seconds from this instant, so a restarted node outranks its earlier life. */
    static final Instant INCARNATION_EPOCH = Instant.parse("2024-01-01T00:00:00Z");
    /** Stream connections that take longer than this to open are given up (not a refusal). */
    static final int CONNECT_TIMEOUT_MILLIS = 1000;
    /** How often DNS seeds are looked up again, so nodes that appear later (pods) are found. */
    static final Duration DNS_REFRESH = Duration.ofSeconds(30);
    /** Room for the stream frame's own header beyond the largest message. */
    private static final int FRAME_HEADER_BYTES = 16;

    private static final Logger log = LoggerFactory.getLogger(Node.class);

    private final ClusterConfig config;
    private final EventLoop loop;
    private final Transport transport;
    private final FaultFilter faults;
    private final EventDispatch events;
    private final WireCodec codec;
    private final dev.muster.rpc.ServiceRuntime services;
    private final dev.muster.content.ContentRuntime content;
    private final CompletableFuture<Void> joined = new CompletableFuture<>();
    private final CompletableFuture<Void> left = new CompletableFuture<>();
    private Address self;
    private Membership membership; // loop
    private ScheduledFuture<?> timer; // loop
    private long timerAtNanos = Long.MAX_VALUE; // loop
    private final List<AliveWaiter> aliveWaiters = new ArrayList<>(); // loop
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private long codecErrors; // loop
    private long coreErrors; // loop
    private SeedProvider dns;
    private MulticastDiscovery multicast;
    private ScheduledFuture<?> dnsRefresh;

    private record AliveWaiter(int count, CompletableFuture<Void> done) {}

    private Node(ClusterConfig config, EventLoop loop, Executor listenerExecutor) {
        this.config = config;
        this.loop = loop;
        this.faults = config.faultInjection() ? new FaultFilter() : null;
        this.events = new EventDispatch(config.nodeName(), listenerExecutor, loop::inEventLoop);
        this.codec = new WireCodec(config.membership().maxMessageBytes());
        int maxFrame = config.membership().maxMessageBytes() + FRAME_HEADER_BYTES;
        this.transport = new Transport(loop, config.clusterName(), maxFrame, CONNECT_TIMEOUT_MILLIS, faults,
                new Receiver());
        this.services = new dev.muster.rpc.ServiceRuntime(this, config.clusterName(), config.nodeName(), config.rpc(),
                config.membership().maxMetadataBytes(), loop, faults,
                listenerExecutor != null ? listenerExecutor : EventDispatch.SHARED);
        transport.acceptCalls(services::accept);
        this.content = new dev.muster.content.ContentRuntime(config.nodeName(), config.content(),
                config.content().effectiveMax(config.rpc()), services);
        content.useDatagrams((to, data) -> execute(() -> transport.sendPacket(to, data)),
                config.membership().maxPacketBytes(), (byte) WireCodec.PROTOCOL_VERSION);
    }

    /** Starts a node: see {@link Cluster#start(ClusterConfig)}. */
    public static Node start(ClusterConfig config, Executor listenerExecutor) {
        Objects.requireNonNull(config, "config");
        EventLoop loop = SharedLoops.acquire();
        Node node;
        try {
            node = new Node(config, loop, listenerExecutor);
        } catch (RuntimeException e) {
            SharedLoops.release();
            throw e;
        }
        try {
            node.bindAndJoin();
            return node;
        } catch (ClusterException e) {
            node.close();
            throw e;
        } catch (RuntimeException e) {
            node.close();
            throw new ClusterException("node " + config.nodeName() + " could not start: " + e.getMessage(), e);
        }
    }

    private void bindAndJoin() {
        int port;
        try {
            port = transport.bind(config.bindHost(), config.port());
        } catch (IOException e) {
            throw new ClusterException("node " + config.nodeName() + " could not bind its gossip port: " + e.getMessage(), e);
        }
        self = Seeds.literal(config.advertiseAddress(port));
        transport.advertise(self);
        services.bound(self);
        List<Address> seeds = Seeds.resolve(config, self);
        if (seeds.isEmpty() && !config.seeds().isEmpty() && config.dnsName() == null && !config.multicast()
                && !Seeds.anyResolves(config.seeds())) {
            throw new ClusterException("node " + config.nodeName() + " cannot join: none of its seeds " + config.seeds()
                    + " resolves to an address — check the host names in seeds / --join / CLUSTER_SEEDS");
        }
        if (config.dnsName() != null) {
            dns = config.dnsSrv() ? DnsSeeds.srvRecords(config.dnsName())
                    : DnsSeeds.hostRecords(config.dnsName(), config.dnsPort() == 0 ? self.port() : config.dnsPort());
            for (Address a : Seeds.lookUp(dns)) {
                Seeds.add(seeds, a, self);
            }
        }
        int incarnation = (int) Math.max(0, Duration.between(INCARNATION_EPOCH, Instant.now()).toSeconds());
        long seed = System.nanoTime() ^ ((long) config.nodeName().hashCode() << 32) ^ self.port();
        onLoop(() -> {
            membership = new Membership(config.membership(), config.nodeName(), self, config.metadata(), incarnation,
                    new SplittableRandom(seed), new LoopOutbox(), System.nanoTime());
            membership.start(seeds, System.nanoTime());
            afterInput();
            return null;
        });
        if (config.multicast()) {
            try {
                multicast = MulticastDiscovery.start(MulticastConfig.builder(config.clusterName(), config.nodeName(), self)
                        .group(config.multicastGroup(), config.multicastPort()).build(), loop,
                        peer -> execute(() -> contact(List.of(peer))));
            } catch (IOException e) {
                throw new ClusterException("node " + config.nodeName() + " could not start multicast discovery on "
                        + config.multicastGroup() + ":" + config.multicastPort() + ": " + e.getMessage(), e);
            }
        }
        if (dns != null) {
            dnsRefresh = loop.scheduleAtFixedRate(this::refreshDns, DNS_REFRESH.toMillis(), DNS_REFRESH.toMillis(), TimeUnit.MILLISECONDS);
        }
        try {
            joined.get(config.joinTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            Address claimedBy = onLoop(() -> membership.nameClaimedBy());
            if (claimedBy != null) {
                throw new ClusterException("node name '" + config.nodeName() + "' is taken: a live member at "
                        + claimedBy + " holds it, and names must be unique in a cluster — choose another name,"
                        + " or stop that node first");
            }
            throw new ClusterException("node " + config.nodeName() + " could not join within "
                    + dev.muster.Durations.format(config.joinTimeout()) + ": no seed answered (seeds " + seeds
                    + ") — are they running, and is this the same cluster name ('" + config.clusterName() + "')?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted while joining", e);
        } catch (ExecutionException e) {
            throw new ClusterException("join failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    // ------------------------------------------------------------------ discovery

    /** Looks DNS up again off the loop (on a virtual thread) and contacts whoever is new. */
    private void refreshDns() {
        if (closed.get()) {
            return;
        }
        Thread.ofVirtual().name("muster-dns-" + config.nodeName()).start(() -> {
            if (closed.get()) {
                return;
            }
            List<Address> found = new ArrayList<>();
            for (Address a : Seeds.lookUp(dns)) {
                Seeds.add(found, a, self);
            }
            execute(() -> contact(found));
        });
    }

    /** On the loop: asks addresses found by discovery for a join exchange. */
    private void contact(List<Address> addresses) {
        if (!closed.get() && membership != null && !addresses.isEmpty()) {
            guarded("discovered peers", () -> membership.contact(addresses, System.nanoTime()));
        }
    }

    // ------------------------------------------------------------------ the loop

    /** Runs after every input: schedules the next tick and completes what waits on the state. */
    private void afterInput() {
        if (closed.get()) {
            return;
        }
        MemberState state = membership.localState();
        if (state != MemberState.JOINING && !joined.isDone()) {
            joined.complete(null);
        }
        if (state == MemberState.LEFT && !left.isDone()) {
            left.complete(null);
        }
        long next = membership.nextDeadlineNanos();
        if (next < timerAtNanos) {
            if (timer != null) {
                timer.cancel(false);
            }
            timerAtNanos = next;
            timer = loop.schedule(this::onTimer, Math.max(0, next - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    private void onTimer() {
        timer = null;
        timerAtNanos = Long.MAX_VALUE;
        if (closed.get()) {
            return;
        }
        guarded("a tick", () -> membership.tick(System.nanoTime()));
    }

    /**
     * Runs one input of the core, then {@link #afterInput()} whatever happens: an exception out
     * of the core is a bug, logged as an error, and must not lose the node's timer.
     */
    private void guarded(String what, Runnable input) {
        try {
            input.run();
        } catch (RuntimeException e) {
            coreErrors++;
            log.error("node {}: the membership core failed on {}", config.nodeName(), what, e);
        } finally {
            afterInput();
        }
    }

    private final class Receiver implements Transport.Receiver {
        @Override
        public void packet(Address from, byte[] data) {
            if (closed.get() || membership == null) {
                return;
            }
            if (data.length > 1 && data[0] == WireCodec.PROTOCOL_VERSION && content.isDatagram(data[1])) {
                content.datagram(from, data);
                return;
            }
            List<Message> messages;
            try {
                messages = codec.decodePacket(data, 0, data.length).messages();
            } catch (WireException e) {
                transport.countDecodeError();
                log.debug("dropped a datagram from {}: {}", from, e.getMessage());
                return;
            }
            long now = System.nanoTime();
            guarded("a datagram from " + from, () -> {
                for (Message m : messages) {
                    membership.receive(from, m, now);
                }
            });
        }

        @Override
        public void frame(Address from, byte[] frame) {
            if (closed.get() || membership == null) {
                return;
            }
            Message m;
            try {
                m = codec.decodeFrame(frame, 0, frame.length);
            } catch (WireException e) {
                transport.countDecodeError();
                log.debug("dropped a stream frame from {}: {}", from, e.getMessage());
                return;
            }
            guarded("a stream message from " + from, () -> membership.receiveStream(from, m, System.nanoTime()));
        }

        @Override
        public void refused(Address to) {
            // may be called from inside a send of the core: report it after the current input
            execute(() -> {
                if (!closed.get() && membership != null) {
                    guarded("a refusal of " + to, () -> membership.refused(to, System.nanoTime()));
                }
            });
        }
    }

    private final class LoopOutbox implements Outbox {
        @Override
        public void sendPacket(Address to, List<Message> messages, int payloadBytes) {
            transport.sendPacket(to, codec.encodePacket(messages));
        }

        @Override
        public void sendStream(Address to, Message message) {
            byte[] frame = codec.encodeFrame(message);
            if (frame.length > config.membership().maxMessageBytes()) {
                codecErrors++;
                log.warn("node {}: not sending a {}-byte {} to {}: over membership.max-message-bytes ({})",
                        config.nodeName(), frame.length, message.getClass().getSimpleName(), to,
                        config.membership().maxMessageBytes());
                return;
            }
            transport.sendFrame(to, frame);
        }

        @Override
        public void event(MemberEvent event) {
            events.publish(event);
            try {
                services.memberEvent(event);
            } catch (RuntimeException e) {
                log.warn("node {}: the service view failed on {}", config.nodeName(), event, e);
            }
            if (!aliveWaiters.isEmpty()) {
                int alive = membership.aliveCount();
                for (Iterator<AliveWaiter> it = aliveWaiters.iterator(); it.hasNext(); ) {
                    AliveWaiter w = it.next();
                    if (alive >= w.count()) {
                        w.done().complete(null);
                        it.remove();
                    }
                }
            }
        }
    }

    /** Posts {@code task} to the loop; dropped once the node (and perhaps the loop) is closed. */
    private void execute(Runnable task) {
        if (closed.get()) {
            return;
        }
        try {
            loop.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("node {}: loop closed, task dropped", config.nodeName());
        }
    }

    /** Runs {@code task} on the loop and waits for it; runs it directly when already there. */
    private <T> T onLoop(Supplier<T> task) {
        if (loop.inEventLoop()) {
            return task.get();
        }
        try {
            return loop.submit(task::get).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for node " + config.nodeName(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("node " + config.nodeName() + "'s event loop did not answer within 10 s");
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IllegalStateException("node " + config.nodeName() + " is closed");
        }
    }

    // ------------------------------------------------------------------ API

    @Override
    public List<Member> members() {
        return onLoop(() -> membership.members());
    }

    @Override
    public Optional<Member> member(String name) {
        return Optional.ofNullable(onLoop(() -> membership.member(name)));
    }

    @Override
    public Member localMember() {
        return onLoop(() -> membership.localMember());
    }

    @Override
    public Address address() {
        return self;
    }

    @Override
    public void updateMetadata(Metadata metadata) {
        Objects.requireNonNull(metadata, "metadata");
        onLoop(() -> {
            membership.updateMetadata(metadata, System.nanoTime());
            afterInput();
            return null;
        });
    }

    @Override
    public boolean compareAndSetMetadata(Metadata expected, Metadata next) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(next, "next");
        return onLoop(() -> {
            if (!membership.localMember().metadata().equals(expected)) {
                return false;
            }
            if (!next.equals(expected)) {
                membership.updateMetadata(next, System.nanoTime());
                afterInput();
            }
            return true;
        });
    }

    @Override
    public boolean awaitMembers(int n, Duration timeout) throws InterruptedException {
        if (n < 1) {
            throw new IllegalArgumentException("member count (" + n + ") must be at least 1");
        }
        CompletableFuture<Void> done = onLoop(() -> {
            CompletableFuture<Void> f = new CompletableFuture<>();
            if (membership.aliveCount() >= n) {
                f.complete(null);
            } else {
                aliveWaiters.add(new AliveWaiter(n, f));
            }
            return f;
        });
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            execute(() -> aliveWaiters.removeIf(w -> w.done() == done));
            return false;
        } catch (ExecutionException e) {
            return false;
        }
    }

    @Override
    public String clusterName() {
        return config.clusterName();
    }

    @Override
    public ClusterInfo info() {
        return onLoop(() -> {
            int alive = membership.aliveCount();
            boolean formed = config.clusterSize() > 0 ? alive >= config.clusterSize()
                    : membership.localState() == MemberState.ALIVE;
            return new ClusterInfo(membership.localMember(), config.nodeIndex(), membership.members(),
                    config.clusterSize(), alive, formed);
        });
    }

    @Override
    public Subscription subscribe(Consumer<MemberEvent> listener) {
        return events.subscribe(listener);
    }

    @Override
    public void leave(Duration timeout) {
        if (closed.get()) {
            return;
        }
        try {
            onLoop(() -> {
                guarded("leave", () -> membership.leave(System.nanoTime()));
                return null;
            });
            left.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.debug("node {}: leave not fully gossiped within {}", config.nodeName(), timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RuntimeException e) {
            log.warn("node {}: leave failed, closing anyway: {}", config.nodeName(), e.toString());
        } finally {
            close();
        }
    }

    @Override
    public dev.muster.rpc.ServiceRuntime services() {
        return services;
    }

    @Override
    public dev.muster.content.ContentRuntime content() {
        return content;
    }

    @Override
    public MembershipStats membershipStats() {
        return onLoop(() -> membership.stats());
    }

    @Override
    public TransportStats transportStats() {
        return transport.stats();
    }

    @Override
    public FaultFilter faults() {
        if (faults == null) {
            throw new IllegalStateException("fault injection is off for node " + config.nodeName()
                    + "; start it with faults.enabled: true (ClusterConfig.faultInjection) to use it");
        }
        return faults;
    }

    /** The node's name. */
    public String name() {
        return config.nodeName();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            loop.execute(() -> {
                if (timer != null) {
                    timer.cancel(false);
                }
                if (coreErrors > 0 || codecErrors > 0) {
                    log.warn("node {}: closed after {} core failures and {} oversized stream messages", config.nodeName(),
                            coreErrors, codecErrors);
                }
                for (AliveWaiter w : aliveWaiters) {
                    w.done().completeExceptionally(new IllegalStateException("node closed"));
                }
                aliveWaiters.clear();
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("node {}: loop already stopped", config.nodeName());
        }
        joined.completeExceptionally(new IllegalStateException("node closed"));
        if (dnsRefresh != null) {
            dnsRefresh.cancel(false);
        }
        if (multicast != null) {
            multicast.close();
        }
        services.close();
        transport.close();
        SharedLoops.release();
    }

    @Override
    public String toString() {
        return "Node[" + config.nodeName() + " " + self + "]";
    }
}
