package dev.muster.services;

import dev.muster.Address;
import java.util.Map;

/**
 * One node's instance of a service, as the membership metadata of that node advertises it.
 *
 * @param service the service name
 * @param node the node's name
 * @param address the node's gossip address (calls go to the same port)
 * @param metadata the instance's own metadata: {@code version}, {@code zone}, {@code weight} and
 *     any other short keys it was registered with
 * @param health passing or failing; resolve and watch only show passing instances
 */
public record ServiceInstance(String service, String node, Address address, Map<String, String> metadata,
                              Health health) {

    public ServiceInstance {
        metadata = Map.copyOf(metadata);
    }

    /** The instance's {@code weight} for the weighted strategy, 1 when unset or not a positive number. */
    public int weight() {
        String w = metadata.get("weight");
        if (w == null) {
            return 1;
        }
        try {
            return Math.max(1, Integer.parseInt(w));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** True when the instance's metadata holds every entry of {@code filter}. */
    public boolean matches(Map<String, String> filter) {
        for (Map.Entry<String, String> e : filter.entrySet()) {
            if (!e.getValue().equals(metadata.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
