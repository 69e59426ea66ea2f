package dev.muster.rpc;

import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.Member;
import dev.muster.MemberEvent;
import dev.muster.MemberState;
import dev.muster.Metadata;
import dev.muster.RpcConfig;
import dev.muster.Subscription;
import dev.muster.services.BroadcastResult;
import dev.muster.services.CallOptions;
import dev.muster.services.Health;
import dev.muster.services.JsonCodec;
import dev.muster.services.Registration;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import dev.muster.services.RpcException;
import dev.muster.services.RpcException.Kind;
import dev.muster.services.ServiceCodec;
import dev.muster.services.ServiceEvent;
import dev.muster.services.ServiceHandler;
import dev.muster.services.ServiceInstance;
import dev.muster.services.ServiceStats;
import dev.muster.services.Services;
import dev.muster.services.TypedHandler;
import dev.muster.transport.FaultFilter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A node's {@link Services}: the registry (this node's handlers, everybody's advertised
 * instances), the calling side ({@link CallClient}) and the serving side ({@link CallServer}).
 * Internal: the node makes one and hands out its {@link Services} face.
 *
 * <h2>The view</h2>
 * The node feeds every member event in on its loop ({@link #memberEvent}); the runtime keeps
 * each live member's advertised instances and publishes an immutable {@link View}, so
 * {@link #resolve} and the choice of an instance read one volatile field and never wait for the
 * loop. A watcher gets the difference of each new view on the listener executor, in order.
 *
 * <p>Thread-safe.
 */
public final class ServiceRuntime implements Services, AutoCloseable {

    private final Cluster cluster;
    private final String nodeName;
    private final RpcConfig config;
    private final int maxMetadataBytes;
    private final ServiceCodec codec = new JsonCodec();
    private final CallClient client;
    private final CallServer server;
    private final ExecutorService handlers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory());
    private final Executor listenerExecutor;
    /** Service names with counters of their own; see {@link #counters}. */
    static final int MAX_COUNTED_SERVICES = 1024;
    static final String OTHER = "(other)";

    /** Service names Muster keeps for its own protocols. */
    public static final String RESERVED = "muster.";

    private final ConcurrentHashMap<String, Local> local = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Local> internal = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counters> counters = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Watch> watches = new CopyOnWriteArrayList<>();
    private final Picker picker = new Picker();
    private final RetryBudget retryBudget;
    private final ConcurrentHashMap<String, NodeView> remote = new ConcurrentHashMap<>(); // written on the loop
    private volatile View view = View.EMPTY;
    private final EventLoop loop;
    private boolean publishQueued; // loop
    private volatile Address self;
    private volatile boolean closed;

    /** A handler registered here. */
    record Local(String name, ServiceHandler handler, Map<String, String> metadata, Health health) {}

    /** What one remote member advertises, and its load score, as of its last event. */
    record NodeView(Member member, List<ServiceInstance> instances, double load) {}

    /** Passing instances by service (remote and local), and each node's load score. */
    record View(Map<String, List<ServiceInstance>> services, Map<String, Double> load) {
        static final View EMPTY = new View(Map.of(), Map.of());
    }

    /**
     * @param listenerExecutor where watchers run, the cluster's listener executor
     * @param faults the node's fault filter, or null
     */
    public ServiceRuntime(Cluster cluster, String clusterName, String nodeName, RpcConfig config, int maxMetadataBytes,
                          EventLoop loop, FaultFilter faults, Executor listenerExecutor) {
        this.cluster = cluster;
        this.nodeName = nodeName;
        this.config = config;
        this.maxMetadataBytes = maxMetadataBytes;
        this.listenerExecutor = listenerExecutor;
        this.loop = loop;
        this.client = new CallClient(loop, config, clusterName, nodeName, faults);
        this.server = new CallServer(this, clusterName, nodeName, config, faults, handlers);
        this.retryBudget = new RetryBudget(config.retryBudget());
        this.picker.strategy(config.strategy());
    }

    /**
     * Changes how calls pick an instance, for example to follow the cluster's strategy from the
     * control plane.
     */
    public void strategy(dev.muster.balance.BalancingStrategy strategy) {
        picker.strategy(Objects.requireNonNull(strategy, "strategy"));
    }

    public dev.muster.balance.BalancingStrategy strategy() {
        return picker.strategy();
    }

    /** The port is bound: calls say where they come from. */
    public void bound(Address self) {
        this.self = self;
        client.self(self);
    }

    /** Sets up an inbound call connection (the transport found the call preamble). On the loop. */
    public void accept(SocketChannel ch) {
        server.install(ch);
    }

    Local handler(String service) {
        Local l = local.get(service);
        return l != null ? l : internal.get(service);
    }

    /**
     * Serves {@code name} on this node without advertising it: for Muster's own protocols over
     * calls (content diffusion), whose callers address nodes, not instances. Names start with
     * {@code muster.}, which {@link #register} refuses.
     */
    public void registerInternal(String name, ServiceHandler handler) {
        if (!name.startsWith(RESERVED)) {
            throw new IllegalArgumentException("internal service names start with '" + RESERVED + "': " + name);
        }
        internal.put(name, new Local(name, handler, Map.of(), Health.PASSING));
    }

    /** The live members other than this node, as the last member events left them. */
    public List<Member> liveMembers() {
        List<Member> out = new ArrayList<>(remote.size());
        for (NodeView n : remote.values()) {
            out.add(n.member());
        }
        return out;
    }

    /**
     * The counters of {@code service}. Names are kept up to {@link #MAX_COUNTED_SERVICES}; calls
     * to names beyond that (a caller looping over made-up names) share the counters of
     * {@value #OTHER}, so the map cannot grow without bound.
     */
    Counters counters(String service) {
        Counters c = counters.get(service);
        if (c != null) {
            return c;
        }
        if (counters.size() >= MAX_COUNTED_SERVICES && local.get(service) == null) {
            return counters.computeIfAbsent(OTHER, s -> new Counters());
        }
        return counters.computeIfAbsent(service, s -> new Counters());
    }

    // ------------------------------------------------------------------ the view (loop)

    /** A member event, on the node's loop. */
    public void memberEvent(MemberEvent event) {
        Member m = event.member();
        if (m.name().equals(nodeName)) {
            return;
        }
        NodeView before = remote.get(m.name());
        if (m.state().isGone()) {
            remote.remove(m.name());
            client.failTarget(m.address(), "node " + m.name() + (m.state() == MemberState.LEFT ? " left the cluster"
                    : " was declared dead"));
        } else {
            if (before != null && !before.member().address().equals(m.address())) {
                client.failTarget(before.member().address(), "node " + m.name() + " moved to " + m.address());
            }
            List<ServiceInstance> instances = before != null && before.member().metadata().equals(m.metadata())
                    && before.member().address().equals(m.address())
                    ? before.instances() : Ads.parse(m.name(), m.address(), m.metadata());
            double load = load(m);
            remote.put(m.name(), new NodeView(m, instances, load));
            if (before != null && instances == before.instances() && load == before.load()) {
                return; // nothing a caller sees changed (a suspicion, a refutation)
            }
        }
        if (before == null && m.state().isGone()) {
            return;
        }
        // Not now: this runs inside the membership core's output, which must not be re-entered
        // (publish reads this node's own member). One rebuild after a burst of events.
        if (!publishQueued) {
            publishQueued = true;
            try {
                loop.execute(() -> {
                    publishQueued = false;
                    publish();
                });
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                publishQueued = false; // the loop is stopping with the last node: no view is read any more
            }
        }
    }

    private static double load(Member m) {
        dev.muster.balance.NodeLoad l = dev.muster.balance.NodeLoad.fromMetadata(m.metadata());
        double cpu = l.cpu() < 0 ? 0.5 : l.cpu();
        double mem = l.memory() < 0 ? 0.5 : l.memory();
        return 0.5 * cpu + 0.5 * mem;
    }

    /** Builds a new view from the remote members and the local handlers, and tells the watchers. */
    private void publish() {
        // Read before taking the lock: off the loop this waits for the loop, which may itself be
        // waiting for the lock in memberEvent.
        double selfLoad = selfLoad();
        synchronized (this) {
            publish(selfLoad);
        }
    }

    private double selfLoad() {
        try {
            return load(cluster.localMember());
        } catch (RuntimeException closed) {
            return 0.5;
        }
    }

    private void publish(double selfLoad) {
        Map<String, List<ServiceInstance>> services = new TreeMap<>();
        Map<String, Double> loads = new HashMap<>();
        for (NodeView n : remote.values()) {
            loads.put(n.member().name(), n.load());
            for (ServiceInstance i : n.instances()) {
                if (i.health() == Health.PASSING) {
                    services.computeIfAbsent(i.service(), k -> new ArrayList<>()).add(i);
                }
            }
        }
        Address me = self;
        if (me != null) {
            loads.put(nodeName, selfLoad);
            for (Local l : local.values()) {
                if (l.health() == Health.PASSING) {
                    services.computeIfAbsent(l.name(), k -> new ArrayList<>())
                            .add(new ServiceInstance(l.name(), nodeName, me, l.metadata(), l.health()));
                }
            }
        }
        Map<String, List<ServiceInstance>> frozen = new TreeMap<>();
        services.forEach((k, v) -> {
            v.sort((a, b) -> a.node().compareTo(b.node()));
            frozen.put(k, List.copyOf(v));
        });
        View old = view;
        View next = new View(java.util.Collections.unmodifiableMap(frozen), Map.copyOf(loads));
        view = next;
        for (Watch w : watches) {
            w.diff(old.services().getOrDefault(w.service, List.of()), next.services().getOrDefault(w.service, List.of()));
        }
    }

    // ------------------------------------------------------------------ registry

    @Override
    public Registration register(String name, ServiceHandler handler, Map<String, String> metadata) {
        Objects.requireNonNull(handler, "handler");
        Map<String, String> meta = metadata == null ? Map.of() : Map.copyOf(metadata);
        String problem = Ads.problem(name, meta);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (name.startsWith(RESERVED)) {
            throw new IllegalArgumentException("service name '" + name + "': names starting with '" + RESERVED
                    + "' are kept for Muster's own protocols");
        }
        if (closed) {
            throw new IllegalStateException("node " + nodeName + " is closed; service " + name + " not registered");
        }
        Local l = new Local(name, handler, meta, Health.PASSING);
        if (local.putIfAbsent(name, l) != null) {
            throw new IllegalArgumentException("service " + name + " is registered on node " + nodeName
                    + " already; unregister it first");
        }
        try {
            advertise(name, Ads.value(Health.PASSING, meta));
        } catch (RuntimeException e) {
            local.remove(name);
            throw e;
        }
        publish();
        return new Registration() {
            @Override
            public String service() {
                return name;
            }

            @Override
            public void health(Health health) {
                Local now = local.get(name);
                if (now == null || now.handler() != handler) {
                    throw new IllegalStateException("service " + name + " is not registered on node " + nodeName);
                }
                local.put(name, new Local(name, handler, meta, Objects.requireNonNull(health, "health")));
                advertise(name, Ads.value(health, meta));
                publish();
            }

            @Override
            public void close() {
                Local now = local.get(name);
                if (now != null && now.handler() == handler) {
                    unregister(name);
                }
            }
        };
    }

    @Override
    public <Q, R> Registration register(String name, Class<Q> requestType, TypedHandler<Q, R> handler,
                                        Map<String, String> metadata) {
        Objects.requireNonNull(requestType, "requestType");
        Objects.requireNonNull(handler, "handler");
        return register(name, (request, ctx) -> {
            Q q;
            try {
                q = codec.decode(request.payload(), requestType);
            } catch (IllegalArgumentException e) {
                throw new RpcException(Kind.CODEC, "service " + name + " on " + nodeName + ": " + e.getMessage());
            }
            return Reply.of(codec.encode(handler.handle(q, ctx)));
        }, metadata);
    }

    @Override
    public boolean unregister(String name) {
        if (local.remove(name) == null) {
            return false;
        }
        if (!closed) {
            advertise(name, null);
        }
        publish();
        return true;
    }

    /** Sets (or, for null, removes) this node's advertisement of {@code service}, keeping other keys. */
    private void advertise(String service, String value) {
        String key = Ads.key(service);
        for (int attempt = 0; attempt < 100; attempt++) {
            Metadata now = cluster.localMember().metadata();
            Map<String, String> next = new TreeMap<>(now.asMap());
            if (value == null) {
                next.remove(key);
            } else {
                next.put(key, value);
            }
            Metadata m = Metadata.of(next);
            if (m.encodedSize() > maxMetadataBytes) {
                throw new IllegalArgumentException("advertising service " + service + " would make node " + nodeName
                        + "'s metadata " + m.encodedSize() + " bytes, over membership.max-metadata-bytes ("
                        + maxMetadataBytes + "); use fewer or shorter services and metadata, or raise the limit");
            }
            if (m.equals(now) || cluster.compareAndSetMetadata(now, m)) {
                return;
            }
        }
        throw new IllegalStateException("node " + nodeName + ": could not publish service " + service
                + " (its metadata kept changing)");
    }

    @Override
    public List<String> registered() {
        return List.copyOf(new TreeMap<>(local).keySet());
    }

    @Override
    public List<ServiceInstance> resolve(String name) {
        return view.services().getOrDefault(name, List.of());
    }

    @Override
    public List<ServiceInstance> resolve(String name, Map<String, String> filter) {
        if (filter == null || filter.isEmpty()) {
            return resolve(name);
        }
        List<ServiceInstance> out = new ArrayList<>();
        for (ServiceInstance i : resolve(name)) {
            if (i.matches(filter)) {
                out.add(i);
            }
        }
        return out;
    }

    @Override
    public Map<String, List<ServiceInstance>> catalog() {
        return view.services();
    }

    @Override
    public Subscription watch(String name, Consumer<ServiceEvent> listener) {
        Objects.requireNonNull(listener, "listener");
        Watch w = new Watch(name, listener);
        synchronized (this) { // no view is published between the first events and the registration; nothing here waits
            watches.add(w);
            w.diff(List.of(), resolve(name));
        }
        return () -> watches.remove(w);
    }

    /** One watcher: its events go out in order on the listener executor. */
    private final class Watch {
        final String service;
        final Consumer<ServiceEvent> listener;
        final java.util.ArrayDeque<ServiceEvent> queue = new java.util.ArrayDeque<>();
        boolean running;

        Watch(String service, Consumer<ServiceEvent> listener) {
            this.service = service;
            this.listener = listener;
        }

        void diff(List<ServiceInstance> before, List<ServiceInstance> after) {
            if (before.equals(after)) {
                return;
            }
            Map<String, ServiceInstance> old = new HashMap<>();
            before.forEach(i -> old.put(i.node(), i));
            List<ServiceEvent> events = new ArrayList<>();
            for (ServiceInstance i : after) {
                ServiceInstance was = old.remove(i.node());
                if (was == null) {
                    events.add(new ServiceEvent(ServiceEvent.Kind.ADDED, i));
                } else if (!was.equals(i)) {
                    events.add(new ServiceEvent(ServiceEvent.Kind.CHANGED, i));
                }
            }
            old.values().forEach(i -> events.add(new ServiceEvent(ServiceEvent.Kind.REMOVED, i)));
            if (events.isEmpty()) {
                return;
            }
            boolean start;
            synchronized (queue) {
                queue.addAll(events);
                start = !running;
                running = true;
            }
            if (start) {
                listenerExecutor.execute(this::drain);
            }
        }

        private void drain() {
            while (true) {
                ServiceEvent e;
                synchronized (queue) {
                    e = queue.poll();
                    if (e == null) {
                        running = false;
                        return;
                    }
                }
                if (!watches.contains(this)) {
                    continue;
                }
                try {
                    listener.accept(e);
                } catch (RuntimeException ex) {
                    org.slf4j.LoggerFactory.getLogger(ServiceRuntime.class)
                            .warn("node {}: a watcher of service {} threw on {}", nodeName, service, e, ex);
                }
            }
        }
    }

    // ------------------------------------------------------------------ calls

    @Override
    public CompletableFuture<Reply> call(String name, Request request, CallOptions options) {
        Objects.requireNonNull(request, "request");
        CallOptions o = options == null ? CallOptions.DEFAULT : options;
        Counters c = counters(name);
        c.calls.increment();
        retryBudget.called();
        long deadline = System.nanoTime() + timeout(o).toNanos();
        CompletableFuture<Reply> result = new CompletableFuture<>();
        attempt(name, request, o, c, deadline, 1, new HashSet<>(), result);
        return result;
    }

    private void attempt(String name, Request request, CallOptions o, Counters c, long deadline, int attempt,
                         Set<String> tried, CompletableFuture<Reply> result) {
        List<ServiceInstance> instances = resolve(name, o.filter());
        ServiceInstance target = picker.pick(name, instances, tried, view.load(), client);
        if (target == null) {
            c.errors.increment();
            result.completeExceptionally(new RpcException(Kind.UNAVAILABLE, instances.isEmpty()
                    ? "no instance of service " + name + (o.filter().isEmpty() ? "" : " matching " + o.filter())
                            + " is known to node " + nodeName
                    : "every instance of service " + name + " failed this call: " + tried));
            return;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            c.errors.increment();
            c.timeouts.increment();
            result.completeExceptionally(new RpcException(Kind.TIMEOUT, "call to " + name + " ran out of time after "
                    + (attempt - 1) + " attempts"));
            return;
        }
        client.call(target.address(), target.node(), name, request, Duration.ofNanos(left), false, c)
                .whenComplete((reply, error) -> {
                    if (error == null) {
                        result.complete(reply);
                        return;
                    }
                    RpcException e = error instanceof RpcException r ? r
                            : new RpcException(Kind.UNAVAILABLE, String.valueOf(error.getMessage()), error);
                    boolean again = o.idempotent() && attempt < o.maxAttempts() && e.retryable()
                            && deadline - System.nanoTime() > 0 && retryBudget.tryRetry();
                    if (!again) {
                        result.completeExceptionally(e);
                        return;
                    }
                    c.retries.increment();
                    tried.add(target.node());
                    attempt(name, request, o, c, deadline, attempt + 1, tried, result);
                });
    }

    private Duration timeout(CallOptions o) {
        return o.timeout() != null ? o.timeout() : config.defaultTimeout();
    }

    @Override
    public CompletableFuture<Reply> call(Member member, String name, Request request, CallOptions options) {
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(request, "request");
        CallOptions o = options == null ? CallOptions.DEFAULT : options;
        Counters c = counters(name);
        c.calls.increment();
        return client.call(member.address(), member.name(), name, request, timeout(o), false, c);
    }

    @Override
    public <T> CompletableFuture<T> call(String name, Object request, Class<T> responseType, CallOptions options) {
        Objects.requireNonNull(responseType, "responseType");
        byte[] bytes;
        try {
            bytes = codec.encode(request);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new RpcException(Kind.CODEC, "call to " + name + ": " + e.getMessage(), e));
        }
        CallOptions o = options == null ? CallOptions.DEFAULT : options;
        return call(name, new Request(bytes, o.headers()), o).thenApply(reply -> {
            try {
                return codec.decode(reply.payload(), responseType);
            } catch (IllegalArgumentException e) {
                throw new RpcException(Kind.CODEC, "the reply of " + name + ": " + e.getMessage(), e);
            }
        });
    }

    @Override
    public byte[] callBlocking(String name, byte[] request, Duration timeout) {
        return await(call(name, Request.of(request), CallOptions.timeout(timeout))).payload();
    }

    @Override
    public <T> T callBlocking(String name, Object request, Class<T> responseType, CallOptions options) {
        return await(call(name, request, responseType, options));
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(false);
            throw new RpcException(Kind.CLOSED, "interrupted while waiting for a call");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException ce && ce.getCause() != null
                    ? ce.getCause() : e.getCause();
            if (cause instanceof RpcException r) {
                throw new RpcException(r.kind(), r.getMessage(), r);
            }
            throw new RpcException(Kind.UNAVAILABLE, String.valueOf(cause.getMessage()), cause);
        }
    }

    @Override
    public CompletableFuture<Void> send(String name, Request request) {
        Objects.requireNonNull(request, "request");
        Counters c = counters(name);
        c.calls.increment();
        ServiceInstance target = picker.pick(name, resolve(name), Set.of(), view.load(), client);
        if (target == null) {
            c.errors.increment();
            return CompletableFuture.failedFuture(new RpcException(Kind.UNAVAILABLE,
                    "no instance of service " + name + " is known to node " + nodeName));
        }
        return client.call(target.address(), target.node(), name, request, config.defaultTimeout(), true, c)
                .thenApply(r -> null);
    }

    @Override
    public CompletableFuture<BroadcastResult> broadcast(String name, Request request, Duration deadline) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("broadcast deadline: " + deadline + " must be positive");
        }
        Counters c = counters(name);
        List<ServiceInstance> targets = resolve(name);
        Map<String, Reply> replies = new ConcurrentHashMap<>();
        Map<String, RpcException> failures = new ConcurrentHashMap<>();
        CompletableFuture<?>[] each = new CompletableFuture<?>[targets.size()];
        for (int k = 0; k < targets.size(); k++) {
            ServiceInstance t = targets.get(k);
            c.calls.increment();
            each[k] = client.call(t.address(), t.node(), name, request, deadline, false, c).handle((reply, error) -> {
                if (error == null) {
                    replies.put(t.node(), reply);
                } else {
                    failures.put(t.node(), error instanceof RpcException r ? r
                            : new RpcException(Kind.UNAVAILABLE, String.valueOf(error.getMessage()), error));
                }
                return null;
            });
        }
        return CompletableFuture.allOf(each).thenApply(v -> new BroadcastResult(replies, failures));
    }

    @Override
    public Map<String, ServiceStats> stats() {
        Map<String, ServiceStats> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.snapshot()));
        return out;
    }

    @Override
    public ServiceCodec codec() {
        return codec;
    }

    /** Calls pending on this node's connections (a leak check for tests). */
    public int pendingCalls() {
        return client.pending();
    }

    /** Open call connections from this node. */
    public int openConnections() {
        return client.connections();
    }

    /** Handlers running now. */
    public int runningHandlers() {
        return server.running();
    }

    @Override
    public void close() {
        closed = true;
        client.close();
        server.close();
        handlers.shutdown();
    }
}
