package dev.muster.rpc;

import dev.muster.balance.BalancingStrategy;
import dev.muster.services.ServiceInstance;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Chooses the instance of one call by the node's {@code rpc.strategy}, skipping the nodes this
 * call already tried:
 * <ul>
 *   <li>round-robin: each instance in turn (one cursor per service);</li>
 *   <li>random: any instance, equally likely;</li>
 *   <li>weighted: an instance with probability proportional to its {@code weight} metadata;</li>
 *   <li>least-agents: the instance with the fewest of this node's calls in flight to its node
 *       (ties broken at random), which steers calls away from a slow node;</li>
 *   <li>least-loaded: the node with the lowest gossiped CPU and memory load, then fewest in flight.</li>
 * </ul>
 * Thread-safe; the strategy may change at run time ({@link #strategy}).
 */
final class Picker {

    private volatile BalancingStrategy strategy = BalancingStrategy.ROUND_ROBIN;
    private final ConcurrentHashMap<String, AtomicLong> cursors = new ConcurrentHashMap<>();

    void strategy(BalancingStrategy s) {
        strategy = s;
    }

    BalancingStrategy strategy() {
        return strategy;
    }

    ServiceInstance pick(String service, List<ServiceInstance> all, Set<String> skip, Map<String, Double> load,
                         CallClient client) {
        int n = all.size();
        int eligible = 0;
        for (ServiceInstance i : all) {
            if (!skip.contains(i.node())) {
                eligible++;
            }
        }
        if (eligible == 0) {
            return null;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        switch (strategy) {
            case ROUND_ROBIN -> {
                long start = cursors.computeIfAbsent(service, s -> new AtomicLong()).getAndIncrement();
                for (int k = 0; k < n; k++) {
                    ServiceInstance i = all.get((int) Math.floorMod(start + k, (long) n));
                    if (!skip.contains(i.node())) {
                        return i;
                    }
                }
                return null;
            }
            case RANDOM -> {
                int target = random.nextInt(eligible);
                for (ServiceInstance i : all) {
                    if (!skip.contains(i.node()) && target-- == 0) {
                        return i;
                    }
                }
                return null;
            }
            case WEIGHTED -> {
                long total = 0;
                for (ServiceInstance i : all) {
                    if (!skip.contains(i.node())) {
                        total += i.weight();
                    }
                }
                long target = random.nextLong(total);
                for (ServiceInstance i : all) {
                    if (!skip.contains(i.node())) {
                        target -= i.weight();
                        if (target < 0) {
                            return i;
                        }
                    }
                }
                return null;
            }
            default -> {
                boolean byLoad = strategy == BalancingStrategy.LEAST_LOADED;
                ServiceInstance best = null;
                double bestLoad = 0;
                int bestFlight = 0;
                int ties = 0;
                for (ServiceInstance i : all) {
                    if (skip.contains(i.node())) {
                        continue;
                    }
                    double l = byLoad ? load.getOrDefault(i.node(), 0.5) : 0;
                    int f = client.inFlight(i.address());
                    int cmp = best == null ? -1 : l != bestLoad ? Double.compare(l, bestLoad) : Integer.compare(f, bestFlight);
                    if (cmp < 0) {
                        best = i;
                        bestLoad = l;
                        bestFlight = f;
                        ties = 1;
                    } else if (cmp == 0 && random.nextInt(++ties) == 0) {
                        best = i; // reservoir choice among equals
                    }
                }
                return best;
            }
        }
    }
}
