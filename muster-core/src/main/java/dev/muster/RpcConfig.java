package dev.muster;

import dev.muster.balance.BalancingStrategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings of remote service calls ({@code rpc.*} in a config file). Calls travel over TCP
 * connections on the node's gossip port, pooled per target node. Immutable and thread-safe.
 *
 * @param maxMessageBytes [{@code rpc.max-message-bytes}] the largest request or response payload,
 *     checked before sending and again on receipt. 1 KiB to 64 MiB. Default 4 MiB (gRPC's default).
 * @param maxInFlight [{@code rpc.max-in-flight}] calls one connection carries at once; a call past
 *     it fails at once with an "overloaded" error instead of queueing without bound. 1 to 65536.
 *     Default 1024.
 * @param connectionsPerNode [{@code rpc.connections-per-node}] TCP connections to each target
 *     node, used in turn; more spread one busy pair's calls over more event loops. 1 to 16.
 *     Default 1.
 * @param compression [{@code rpc.compression}] {@code none} or {@code deflate}: payloads larger
 *     than {@code compressAboveBytes} are deflated. Default none (on loopback it only costs CPU).
 * @param compressAboveBytes [{@code rpc.compress-above-bytes}] the payload size from which
 *     compression applies. 0 or more. Default 1024.
 * @param defaultTimeout [{@code rpc.default-timeout}] the deadline of a call that names none.
 *     Positive. Default 5s.
 * @param retryBudget [{@code rpc.retry-budget}] retries of idempotent calls may add at most this
 *     share of calls (as percent) on top of first attempts, plus 10 per second, so retries cannot
 *     multiply an overload. 0 to 100. Default 10.
 * @param strategy [{@code rpc.strategy}] how a call picks among a service's instances:
 *     round-robin, least-loaded, least-agents (fewest of this node's calls in flight), random or
 *     weighted (by the instance's {@code weight}). Default round-robin.
 */
public record RpcConfig(
        int maxMessageBytes,
        int maxInFlight,
        int connectionsPerNode,
        Compression compression,
        int compressAboveBytes,
        Duration defaultTimeout,
        int retryBudget,
        BalancingStrategy strategy) {

    /** Payload compression. */
    public enum Compression {
        NONE, DEFLATE;

        /** By its file name, {@code none} or {@code deflate}. */
        public static Compression parse(String text) {
            for (Compression c : values()) {
                if (c.name().equalsIgnoreCase(text)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("'" + text + "' is not a compression; use none or deflate");
        }
    }

    public static final RpcConfig DEFAULTS = new RpcConfig(4 << 20, 1024, 1, Compression.NONE, 1024,
            Duration.ofSeconds(5), 10, BalancingStrategy.ROUND_ROBIN);

    /** Every broken rule, each naming its file key, the value and the rule; empty when valid. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        range(p, "max-message-bytes", maxMessageBytes, 1024, 64 << 20);
        range(p, "max-in-flight", maxInFlight, 1, 65536);
        range(p, "connections-per-node", connectionsPerNode, 1, 16);
        range(p, "compress-above-bytes", compressAboveBytes, 0, Integer.MAX_VALUE);
        range(p, "retry-budget", retryBudget, 0, 100);
        if (compression == null) {
            p.add("rpc.compression: must be none or deflate");
        }
        if (strategy == null) {
            p.add("rpc.strategy: must be round-robin, least-loaded, least-agents, random or weighted");
        }
        if (defaultTimeout == null || defaultTimeout.isNegative() || defaultTimeout.isZero()) {
            p.add("rpc.default-timeout: " + (defaultTimeout == null ? "missing" : Durations.format(defaultTimeout))
                    + " must be positive");
        }
        return p;
    }

    private static void range(List<String> p, String key, int value, int min, int max) {
        if (value < min || value > max) {
            p.add("rpc." + key + ": " + value + " must be between " + min + " and " + max);
        }
    }

    public RpcConfig withMaxMessageBytes(int v) {
        return new RpcConfig(v, maxInFlight, connectionsPerNode, compression, compressAboveBytes, defaultTimeout,
                retryBudget, strategy);
    }

    public RpcConfig withMaxInFlight(int v) {
        return new RpcConfig(maxMessageBytes, v, connectionsPerNode, compression, compressAboveBytes, defaultTimeout,
                retryBudget, strategy);
    }

    public RpcConfig withConnectionsPerNode(int v) {
        return new RpcConfig(maxMessageBytes, maxInFlight, v, compression, compressAboveBytes, defaultTimeout,
                retryBudget, strategy);
    }

    public RpcConfig withCompression(Compression v) {
        return new RpcConfig(maxMessageBytes, maxInFlight, connectionsPerNode, v, compressAboveBytes, defaultTimeout,
                retryBudget, strategy);
    }

    public RpcConfig withCompressAboveBytes(int v) {
        return new RpcConfig(maxMessageBytes, maxInFlight, connectionsPerNode, compression, v, defaultTimeout,
                retryBudget, strategy);
    }

    public RpcConfig withDefaultTimeout(Duration v) {
        return new RpcConfig(maxMessageBytes, maxInFlight, connectionsPerNode, compression, compressAboveBytes, v,
                retryBudget, strategy);
    }

    public RpcConfig withRetryBudget(int v) {
        return new RpcConfig(maxMessageBytes, maxInFlight, connectionsPerNode, compression, compressAboveBytes,
                defaultTimeout, v, strategy);
    }

    public RpcConfig withStrategy(BalancingStrategy v) {
        return new RpcConfig(maxMessageBytes, maxInFlight, connectionsPerNode, compression, compressAboveBytes,
                defaultTimeout, retryBudget, v);
    }
}
