package dev.muster.services;

import java.util.Map;

/**
 * What a broadcast gathered by its deadline, by node name.
 *
 * @param replies the instances that answered
 * @param failures the instances that failed or had not answered by the deadline (kind TIMEOUT)
 */
public record BroadcastResult(Map<String, Reply> replies, Map<String, RpcException> failures) {

    public BroadcastResult {
        replies = Map.copyOf(replies);
        failures = Map.copyOf(failures);
    }
}
