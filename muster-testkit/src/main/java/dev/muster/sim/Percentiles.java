package dev.muster.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * p50, p99 and max of a list of millisecond figures (nearest-rank), or all null when empty.
 */
public record Percentiles(Long p50, Long p99, Long max) {

    public static Percentiles of(List<Long> values) {
        if (values.isEmpty()) {
            return new Percentiles(null, null, null);
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return new Percentiles(rank(sorted, 0.50), rank(sorted, 0.99), sorted.get(sorted.size() - 1));
    }

    private static long rank(List<Long> sorted, double q) {
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
