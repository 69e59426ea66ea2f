package dev.muster.server;

import dev.muster.MemberState;
import dev.muster.balance.NodeLoad;
import java.util.Set;

/**
 * Which members {@code GET /api/cluster/nodes} lists: the registry's query parameters.
 *
 * <ul>
 *   <li>{@code ?filter=healthy}: members membership shows alive;</li>
 *   <li>{@code ?filter=available}: alive, status {@code online} (the control plane's, as the
 *       {@code status} field shows it) and a free agent slot (agents below max agents);</li>
 *   <li>{@code ?service=NAME}, alone or with a filter: members that offer that service.</li>
 * </ul>
 *
 * Immutable.
 *
 * @param filter the filter, or null for every member
 * @param service the service a member must offer, or null for any
 */
record NodeQuery(Filter filter, String service) {

    /** The values {@code filter} takes. */
    enum Filter {
        HEALTHY, AVAILABLE;

        String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static final NodeQuery ALL = new NodeQuery(null, null);

    /**
     * The query of those parameter values (null when absent).
     *
     * @throws ApiError 400 naming the value and the allowed ones
     */
    static NodeQuery of(String filter, String service) {
        Filter f = null;
        if (filter != null) {
            for (Filter candidate : Filter.values()) {
                if (candidate.jsonName().equals(filter)) {
                    f = candidate;
                }
            }
            if (f == null) {
                throw ApiError.badRequest("filter '" + RequestBody.abbreviate(filter) + "' is not one of: healthy, available");
            }
        }
        if (service != null) {
            try {
                new NodeLoad(-1, -1, -1, -1, 0, 0, Set.of(service));
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("service: " + e.getMessage().replace(service, RequestBody.abbreviate(service)));
            }
        }
        return new NodeQuery(f, service);
    }

    /** Whether a member in {@code state}, with that {@code status} and {@code load}, is listed. */
    boolean matches(MemberState state, String status, NodeLoad load) {
        if (service != null && !load.services().contains(service)) {
            return false;
        }
        if (filter == null) {
            return true;
        }
        boolean alive = state == MemberState.ALIVE;
        return switch (filter) {
            case HEALTHY -> alive;
            case AVAILABLE -> alive && "online".equals(status) && load.freeSlots() > 0;
        };
    }
}
