package dev.muster.content;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.muster.ContentConfig;
import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.Subscription;
import dev.muster.content.proto.Get;
import dev.muster.content.proto.Push;
import dev.muster.content.proto.PushReply;
import dev.muster.rpc.ServiceRuntime;
import dev.muster.services.CallContext;
import dev.muster.services.CallOptions;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import dev.muster.services.RpcException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's {@link Content}: its {@link Store} and the diffusion protocol, which travels as
 * Muster's internal calls {@value #PUSH} and {@value #GET} (TCP, pooled connections, see
 * {@link ServiceRuntime}). Internal: the node makes one.
 *
 * <h2>Spreading</h2>
 * Each content has its own ring: a member's key is a hash of the content's digest and the member's
 * name, taken relative to the origin's (so the origin sits at 0). Which members come after which is
 * therefore random, and different for every content. The origin's slice is the whole ring. A new
 * holder with energy e > 0 left takes the live members in its slice, those whose key is above its own
 * and at most the slice's end ({@code until} in the push), cuts them in key order into
 * {@code fanout} runs of near-equal length, and pushes with energy e - 1 to the first member of each
 * run, naming the run's end as that member's slice. Every member of the slice is then reached once,
 * over about log<sub>fanout</sub>(n) hops, and no push is spent on a holder while the members' views
 * agree. A push that fails, goes unanswered or meets a holder (views differ during churn) is replaced
 * by one to the run's next member, up to {@link Content#ATTEMPTS_PER_FANOUT} per run; that member
 * covers the rest of the run.
  */
public final class ContentRuntime implements Content {

    static final String PUSH = "muster.content.push";
    static final String GET = "muster.content.get";
    static final Duration PUSH_TIMEOUT = Duration.ofSeconds(5);
    /** A datagram push unanswered this long counts as failed (UDP may lose it), and the next peer is tried. */
    static final Duration DATAGRAM_TIMEOUT = Duration.ofMillis(300);
    /** The datagram kinds (the compound byte after the protocol version) of content pushes and their acks. */
    static final byte DATAGRAM_PUSH = 0x21;
    static final byte DATAGRAM_ACK = 0x22;
    /** Bytes of a datagram push besides the protobuf Push: version, kind, request id. */
    static final int DATAGRAM_HEADER = 10;

    /** Sends one datagram from this node's gossip socket; any thread. */
    public interface Datagrams {
        void send(dev.muster.Address to, byte[] data);
    }

    private static final Logger log = LoggerFactory.getLogger(ContentRuntime.class);

    private final String nodeName;
    private final ContentConfig config;
    private final int maxContentBytes;
    private final ServiceRuntime services;
    private final Store store;
    private final CopyOnWriteArrayList<Consumer<ContentInfo>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong pushesSent = new AtomicLong();
    private final AtomicLong pushesReceived = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong datagramIds = new AtomicLong();
    private final java.util.concurrent.ConcurrentHashMap<Long, CompletableFuture<Boolean>> acks =
            new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Datagrams datagrams;
    private volatile int maxPacketBytes;
    private volatile byte version;

    /** @param maxContentBytes the largest content stored and sent: {@link ContentConfig#effectiveMax} */
    public ContentRuntime(String nodeName, ContentConfig config, int maxContentBytes, ServiceRuntime services) {
        this.nodeName = nodeName;
        this.config = config;
        this.maxContentBytes = maxContentBytes;
        this.services = services;
        this.store = new Store(config.budgetBytes(), config.dir());
        services.registerInternal(PUSH, this::onPush);
        services.registerInternal(GET, this::onGet);
    }

    /**
     * Lets small content travel over the gossip socket: a push that fits one datagram of
     * {@code maxPacketBytes} goes as one, acknowledged by one; larger content goes over a call.
     */
    public void useDatagrams(Datagrams d, int maxPacketBytes, byte version) {
        this.maxPacketBytes = maxPacketBytes;
        this.version = version;
        this.datagrams = d;
    }

    /** True for the compound byte of a content datagram. */
    public boolean isDatagram(byte kind) {
        return kind == DATAGRAM_PUSH || kind == DATAGRAM_ACK;
    }

    /**
     * A content datagram from {@code from}, on the node's loop: a push is checked, stored and
     * forwarded there; its file and the listeners run off the loop.
     */
    public void datagram(dev.muster.Address from, byte[] data) {
        if (data.length < DATAGRAM_HEADER || (data[1] == DATAGRAM_ACK && data.length < DATAGRAM_HEADER + 1)) {
            return;
        }
        long id = java.nio.ByteBuffer.wrap(data, 2, 8).getLong();
        if (data[1] == DATAGRAM_ACK) {
            CompletableFuture<Boolean> f = acks.remove(id);
            if (f != null) {
                f.complete(data[DATAGRAM_HEADER] == 1);
            }
            return;
        }
        // on the loop: parsing, checking and storing a datagram's few hundred bytes cost microseconds,
        // and forwarding from here saves each hop a thread hand-off; the file write and the listeners
        // run after, off the loop
        Push p;
        try {
            p = Push.parseFrom(java.nio.ByteBuffer.wrap(data, DATAGRAM_HEADER, data.length - DATAGRAM_HEADER));
        } catch (InvalidProtocolBufferException e) {
            refused.incrementAndGet();
            return;
        }
        String sender = null;
        for (Member m : services.liveMembers()) {
            if (m.address().equals(from)) {
                sender = m.name();
            }
        }
        if (sender == null) {
            refused.incrementAndGet(); // not from a member of this cluster
            return;
        }
        boolean wasNew;
        try {
            wasNew = received(p, sender, work -> Thread.ofVirtual().start(work));
        } catch (RpcException e) {
            log.debug("node {}: refused a pushed datagram from {}: {}", nodeName, from, e.getMessage());
            return;
        }
        byte[] ack = new byte[DATAGRAM_HEADER + 1];
        ack[0] = version;
        ack[1] = DATAGRAM_ACK;
        java.nio.ByteBuffer.wrap(ack, 2, 8).putLong(id);
        ack[DATAGRAM_HEADER] = (byte) (wasNew ? 1 : 0);
        Datagrams d = datagrams;
        if (d != null) {
            d.send(from, ack);
        }
    }

    @Override
    public Injected inject(byte[] content) {
        return inject(content, config.energy(), config.fanout());
    }

    @Override
    public Injected inject(byte[] content, int energy, int fanout) {
        Objects.requireNonNull(content, "content");
        if (content.length > maxContentBytes) {
            refused.incrementAndGet();
            throw new IllegalArgumentException("content of " + content.length + " bytes is over content.max-content-bytes ("
                    + maxContentBytes + "); nothing was stored");
        }
        if (energy < 0 || energy > 64) {
            throw new IllegalArgumentException("energy " + energy + " must be between 0 and 64");
        }
        if (fanout < 1 || fanout > 32) {
            throw new IllegalArgumentException("fanout " + fanout + " must be between 1 and 32");
        }
        Digest d = Digest.of(content);
        Instant now = Instant.now();
        Store.Entry e = new Store.Entry(d, content.clone(), nodeName, now, now, 0);
        switch (store.add(e)) {
            case DUPLICATE -> {
                return new Injected(store.info(store.get(d)), true);
            }
            case NO_ROOM -> {
                refused.incrementAndGet();
                throw new IllegalStateException("node " + nodeName + " has no room for " + content.length
                        + " bytes: its content budget (content.budget-bytes " + store.budget() + ") is full of pinned entries");
            }
            default -> { }
        }
        stored(e);
        if (energy > 0) {
            Push p = Push.newBuilder().setDigest(ByteString.copyFrom(d.toBytes())).setEnergy(energy - 1).setFanout(fanout)
                    .setOrigin(nodeName).setInjectedAtMillis(now.toEpochMilli()).setHops(0)
                    .setContent(ByteString.copyFrom(content)).build();
            spread(e, p, fanout, null);
        }
        return new Injected(store.info(e), false);
    }

    private void stored(Store.Entry e) {
        if (listeners.isEmpty()) {
            return;
        }
        ContentInfo info = store.info(e);
        for (Consumer<ContentInfo> l : listeners) {
            try {
                l.accept(info);
            } catch (RuntimeException ex) {
                log.warn("node {}: a content listener threw on {}", nodeName, info.digest(), ex);
            }
        }
    }

    /**
     * Pushes {@code p} (already carrying the energy for the receivers) over this node's slice of the
     * ring: the live members whose key lies above this node's and at most {@code p.until}. The slice is
     * cut into {@code fanout} runs of consecutive members; each run's first member gets the push with
     * the run as its own slice. See the class comment.
     */
    private void spread(Store.Entry e, Push p, int fanout, String sender) {
        long salt = salt(e.digest);
        long base = key(salt, p.getOrigin());
        long own = key(salt, nodeName) - base;
        long until = p.hasUntil() ? p.getUntil() : -1L;
        List<Peer> peers = new ArrayList<>();
        for (Member m : services.liveMembers()) {
            if (m.state() != MemberState.ALIVE || m.name().equals(sender) || m.name().equals(p.getOrigin())
                    || m.name().equals(nodeName)) {
                continue;
            }
            long k = key(salt, m.name()) - base;
            if (Long.compareUnsigned(k, own) > 0 && Long.compareUnsigned(k, until) <= 0) {
                peers.add(new Peer(m, k));
            }
        }
        peers.sort(Peer.ORDER);
        int n = peers.size();
        int runs = Math.min(fanout, n);
        for (int r = 0; r < runs; r++) {
            int from = r * n / runs;
            int to = (r + 1) * n / runs;
            long runUntil = r == runs - 1 ? until : peers.get(to).key() - 1;
            new Run(e, p.toBuilder().setUntil(runUntil).build().toByteArray(), peers.subList(from, to)).start();
        }
    }

    /** The first 8 bytes of the digest: what makes each content's ring order its own. */
    static long salt(Digest d) {
        return java.nio.ByteBuffer.wrap(d.toBytes(), 0, 8).getLong();
    }

    /**
     * A member's place on one content's ring: FNV-1a over the name's chars from the salt, then
     * MurmurHash3's 64-bit finaliser. Part of the wire protocol: every node must compute the same.
     */
    static long key(long salt, String name) {
        long h = salt ^ 0xcbf29ce484222325L;
        for (int i = 0; i < name.length(); i++) {
            h ^= name.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** A candidate and its key relative to the origin's (the origin is at 0). */
    record Peer(Member member, long key) {
        static final java.util.Comparator<Peer> ORDER = (a, b) -> {
            int c = Long.compareUnsigned(a.key, b.key);
            return c != 0 ? c : a.member.name().compareTo(b.member.name());
        };
    }

    /**
     * The pushes of one run of a slice: to its first member; when that push fails, goes unanswered or
     * meets a holder, to the next, up to {@link Content#ATTEMPTS_PER_FANOUT} members. One push of a run
     * is in flight at a time.
     */
    private final class Run {
        final Store.Entry entry;
        final Request request;
        final byte[] datagram;
        final List<Peer> members;
        final int maxAttempts;
        int next; // read and written by one push's completion at a time

        Run(Store.Entry entry, byte[] body, List<Peer> members) {
            this.entry = entry;
            this.request = Request.of(body);
            this.members = members;
            this.maxAttempts = Math.min(members.size(), ATTEMPTS_PER_FANOUT);
            Datagrams d = datagrams;
            if (d != null && body.length + DATAGRAM_HEADER <= maxPacketBytes) {
                datagram = new byte[body.length + DATAGRAM_HEADER];
                datagram[0] = version;
                datagram[1] = DATAGRAM_PUSH;
                System.arraycopy(body, 0, datagram, DATAGRAM_HEADER, body.length);
            } else {
                datagram = null;
            }
        }

        void start() {
            push(members.get(next++).member());
        }

        /** One push, as a datagram when it fits one, else as a call; true when the peer was a new holder. */
        CompletableFuture<Boolean> send(Member to) {
            Datagrams d = datagrams;
            if (datagram != null && d != null) {
                long id = datagramIds.incrementAndGet();
                byte[] out = datagram.clone();
                java.nio.ByteBuffer.wrap(out, 2, 8).putLong(id);
                CompletableFuture<Boolean> ack = new CompletableFuture<>();
                acks.put(id, ack);
                d.send(to.address(), out);
                return ack.orTimeout(DATAGRAM_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                        .whenComplete((v, e) -> acks.remove(id));
            }
            return services.call(to, PUSH, request, CallOptions.timeout(PUSH_TIMEOUT)).thenApply(reply -> {
                try {
                    return PushReply.parseFrom(reply.payload()).getWasNew();
                } catch (InvalidProtocolBufferException ex) {
                    throw new RpcException(RpcException.Kind.CODEC, "an unreadable push reply from " + to.name());
                }
            });
        }

        void push(Member to) {
            pushesSent.incrementAndGet();
            store.pushed(entry, 1);
            send(to).whenComplete((wasNewOrNull, error) -> {
                if (error != null) {
                    log.debug("node {}: push of {} to {} failed: {}", nodeName, entry.digest, to.name(), error.toString());
                }
                if ((error != null || !Boolean.TRUE.equals(wasNewOrNull)) && next < maxAttempts) {
                    push(members.get(next++).member());
                }
            });
        }
    }

    private Reply onPush(Request request, CallContext ctx) throws InvalidProtocolBufferException {
        boolean wasNew = received(Push.parseFrom(request.payload()), ctx.caller(), Runnable::run);
        return Reply.of(PushReply.newBuilder().setWasNew(wasNew).build().toByteArray());
    }

    /**
     * Stores a pushed entry and spreads it on; true when this node did not hold it. The entry's file
     * and the listeners come after the forwarding, through {@code after}.
     */
    private boolean received(Push p, String sender, java.util.concurrent.Executor after) {
        pushesReceived.incrementAndGet();
        byte[] content = p.getContent().toByteArray();
        Digest d;
        try {
            d = Digest.ofBytes(p.getDigest().toByteArray());
        } catch (IllegalArgumentException e) {
            refused.incrementAndGet();
            throw new RpcException(RpcException.Kind.CODEC, e.getMessage());
        }
        if (content.length > maxContentBytes) {
            refused.incrementAndGet();
            throw new RpcException(RpcException.Kind.TOO_LARGE, "content of " + content.length + " bytes is over node "
                    + nodeName + "'s content.max-content-bytes (" + maxContentBytes + ")");
        }
        if (!d.matches(content)) {
            refused.incrementAndGet();
            throw new RpcException(RpcException.Kind.CODEC, "pushed content does not match its digest " + d);
        }
        Store.Entry e = new Store.Entry(d, content, p.getOrigin(), Instant.ofEpochMilli(p.getInjectedAtMillis()),
                Instant.now(), p.getHops() + 1);
        Store.Offer offer = store.offer(e);
        Store.Added added = offer.added();
        if (added == Store.Added.NO_ROOM) {
            refused.incrementAndGet();
            throw new RpcException(RpcException.Kind.OVERLOADED, "node " + nodeName
                    + " has no room: its content budget is full of pinned entries");
        }
        boolean wasNew = added == Store.Added.NEW;
        if (wasNew) {
            if (p.getEnergy() > 0) {
                spread(e, p.toBuilder().setEnergy(p.getEnergy() - 1).setHops(p.getHops() + 1).build(),
                        Math.max(1, Math.min(32, p.getFanout())), sender);
            }
            after.execute(() -> {
                store.persist(e, offer.evicted());
                stored(e);
            });
        }
        return wasNew;
    }

    private Reply onGet(Request request, CallContext ctx) throws InvalidProtocolBufferException {
        Digest d = Digest.ofBytes(Get.parseFrom(request.payload()).getDigest().toByteArray());
        Store.Entry e = store.get(d);
        if (e == null) {
            throw new RpcException(RpcException.Kind.UNAVAILABLE, "node " + nodeName + " does not hold " + d);
        }
        return Reply.of(e.content);
    }

    @Override
    public Optional<byte[]> get(Digest digest) {
        Store.Entry e = store.get(digest);
        return e == null ? Optional.empty() : Optional.of(e.content.clone());
    }

    @Override
    public CompletableFuture<byte[]> fetch(Digest digest) {
        Optional<byte[]> here = get(digest);
        if (here.isPresent()) {
            return CompletableFuture.completedFuture(here.get());
        }
        List<Member> peers = new ArrayList<>(services.liveMembers());
        Collections.shuffle(peers, ThreadLocalRandom.current());
        Request r = Request.of(Get.newBuilder().setDigest(ByteString.copyFrom(digest.toBytes())).build().toByteArray());
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        fetchFrom(digest, r, peers, 0, result);
        return result;
    }

    private void fetchFrom(Digest d, Request r, List<Member> peers, int i, CompletableFuture<byte[]> result) {
        if (i >= peers.size()) {
            result.completeExceptionally(new RpcException(RpcException.Kind.UNAVAILABLE,
                    "no live node holds content " + d + " (asked " + peers.size() + ")"));
            return;
        }
        services.call(peers.get(i), GET, r, CallOptions.timeout(PUSH_TIMEOUT)).whenComplete((reply, error) -> {
            if (error == null && d.matches(reply.payload())) {
                Instant now = Instant.now();
                store.add(new Store.Entry(d, reply.payload(), peers.get(i).name(), now, now, 1));
                result.complete(reply.payload());
            } else {
                fetchFrom(d, r, peers, i + 1, result);
            }
        });
    }

    @Override
    public Optional<ContentInfo> info(Digest digest) {
        Store.Entry e = store.get(digest);
        return e == null ? Optional.empty() : Optional.of(store.info(e));
    }

    @Override
    public List<ContentInfo> list() {
        return store.list();
    }

    @Override
    public boolean pin(Digest digest, boolean pinned) {
        return store.pin(digest, pinned);
    }

    @Override
    public boolean remove(Digest digest) {
        return store.remove(digest);
    }

    @Override
    public ContentStats stats() {
        long[] f = store.figures();
        return new ContentStats(f[0], f[1], store.budget(), f[2], f[3], pushesSent.get(), pushesReceived.get(),
                refused.get());
    }

    @Override
    public int maxContentBytes() {
        return maxContentBytes;
    }

    @Override
    public Subscription subscribe(Consumer<ContentInfo> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
