package dev.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.function.Function;

/** What the process tests ask of several nodes' {@code GET /api/cluster/leader} answers. */
final class Leaders {

    private Leaders() {}

    /** The leader's name when every one of {@code nodes} reports the same one, else null. */
    static <T> String agreed(List<T> nodes, Function<T, JsonNode> leaderSeenBy) {
        String agreed = null;
        for (T n : nodes) {
            JsonNode l = leaderSeenBy.apply(n).path("leader");
            if (!l.isTextual() || agreed != null && !agreed.equals(l.asText())) {
                return null;
            }
            agreed = l.asText();
        }
        return agreed;
    }
}
