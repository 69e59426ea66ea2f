package dev.muster.services;

import dev.muster.Member;
import dev.muster.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * This node's service registry and remote calls: {@code cluster.services()}.
 *
 * <p>A registered service is advertised in this node's membership metadata (key
 * {@code svc.NAME}, with the instance's metadata and health), so every node resolves, watches
 * and balances across the instances it knows of, without a central registry. Calls go over TCP
 * connections to the target node's gossip port, pooled per node and shared by every caller:
 * many calls in flight on one connection, replies matched by id, writes batched into one flush.
 *
 * <p>Every call has a deadline: {@link CallOptions#timeout()} or {@code rpc.default-timeout}.
 * A pending call completes exceptionally with an {@link RpcException} at its deadline, when its
 * connection closes, or as soon as the target node is declared dead or leaves; none stays pending.
 *
 * <p>Thread-safe. Futures complete on an event loop: do not block in their callbacks; use
 * {@link #callBlocking} from a virtual thread to wait.
 *
 * <pre>{@code
 * cluster.services().register("echo", (request, ctx) -> Reply.of(request.payload()));
 * byte[] back = other.services().callBlocking("echo", "hi".getBytes(), Duration.ofSeconds(1));
 * }</pre>
 */
public interface Services {

    /** Largest service name: names ride in gossip. */
    int MAX_NAME_LENGTH = 64;

    /** Registers a handler with no instance metadata. See {@link #register(String, ServiceHandler, Map)}. */
    default Registration register(String name, ServiceHandler handler) {
        return register(name, handler, Map.of());
    }

    /**
     * Registers {@code handler} under {@code name} on this node and advertises the instance.
     *
     * @param name 1 to 64 characters of A-Z a-z 0-9 . _ -
     * @param metadata the instance's metadata, for example {@code version}, {@code zone} and
     *     {@code weight}; keys and values of A-Z a-z 0-9 . _ - : / (no '=' or ','), and the whole
     *     advertisement must fit the node's metadata limit ({@code membership.max-metadata-bytes})
     * @throws IllegalArgumentException for a bad name or metadata, or one registered here already;
     *     nothing is registered then
     */
    Registration register(String name, ServiceHandler handler, Map<String, String> metadata);

    /** Registers a handler of objects, decoded and encoded with {@link #codec()}. */
    <Q, R> Registration register(String name, Class<Q> requestType, TypedHandler<Q, R> handler,
                                 Map<String, String> metadata);

    /** Unregisters the service on this node; false when it was not registered here. */
    boolean unregister(String name);

    /** The passing instances of {@code name} on live nodes, this node's own included, by node name. */
    List<ServiceInstance> resolve(String name);

    /** As {@link #resolve(String)}, only instances whose metadata holds every entry of {@code filter}. */
    List<ServiceInstance> resolve(String name, Map<String, String> filter);

    /** Every service name some live node advertises, with its passing instances. */
    Map<String, List<ServiceInstance>> catalog();

    /**
     * Calls {@code listener} with every change of {@code name}'s passing instances from now on,
     * in order, on the cluster's listener executor; first with an ADDED event per current instance.
     */
    Subscription watch(String name, Consumer<ServiceEvent> listener);

    /** Calls one instance, chosen by {@code rpc.strategy}. */
    CompletableFuture<Reply> call(String name, Request request, CallOptions options);

    /** Calls the service on the node {@code member}, whatever the strategy would choose. */
    CompletableFuture<Reply> call(Member member, String name, Request request, CallOptions options);

    /** Calls with bytes, the deadline {@code timeout} from now. */
    default CompletableFuture<byte[]> call(String name, byte[] request, Duration timeout) {
        return call(name, Request.of(request), CallOptions.timeout(timeout)).thenApply(Reply::payload);
    }

    /** Calls with objects, encoded and decoded with {@link #codec()}. */
    <T> CompletableFuture<T> call(String name, Object request, Class<T> responseType, CallOptions options);

    /**
     * Calls and waits: meant for virtual threads.
     *
     * @throws RpcException when the call fails, times out or this thread is interrupted
     */
    byte[] callBlocking(String name, byte[] request, Duration timeout);

    /** As {@link #call(String, Object, Class, CallOptions)}, waiting. */
    <T> T callBlocking(String name, Object request, Class<T> responseType, CallOptions options);

    /**
     * Fire-and-forget to one instance: no reply travels back. The future completes once the
     * request is written to the connection (not when it is handled).
     */
    CompletableFuture<Void> send(String name, Request request);

    /**
     * Calls every passing instance at once and gathers what came back by {@code deadline} from
     * now; the future completes once each answered or failed, or at the deadline.
     */
    CompletableFuture<BroadcastResult> broadcast(String name, Request request, Duration deadline);

    /** Counters per service name, calls made and calls served. */
    Map<String, ServiceStats> stats();

    /** The codec of typed handlers and calls. */
    ServiceCodec codec();

    /** Services registered on this node. */
    List<String> registered();
}
