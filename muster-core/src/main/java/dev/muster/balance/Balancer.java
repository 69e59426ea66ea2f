package dev.muster.balance;

import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * Picks the node for one agent from a {@link LoadTable}: the heart of placement. Each strategy
 * scans the rows once or twice, allocates nothing, and answers the row, or -1 when no row is
 * eligible (no node offers the service, has a free slot and accepts agents).
 *
 * <ul>
 *   <li>{@code round-robin}: the next eligible row after the last one chosen (a cursor that
 *       survives table rebuilds, so the rotation goes on when membership changes);</li>
 *   <li>{@code least-loaded}: the lowest {@link LoadTable#score} (0.4 CPU + 0.3 memory + 0.3 share
 *       of slots in use); ties go to the lower row;</li>
 *   <li>{@code least-agents}: the fewest agents; ties go to the most free slots, then the lower row;</li>
 *   <li>{@code random}: every eligible row equally likely;</li>
 *   <li>{@code weighted}: a row with probability proportional to its free slots (capacity).</li>
 * </ul>
 *
 * <p>Randomness comes from the caller ({@code RandomGenerator}), so tests seed it. Thread-safe
 * as far as the balancer goes (round-robin's cursor is atomic); a table is not.
 */
public abstract sealed class Balancer {

    private Balancer() {}

    /** The balancer of a strategy; round-robin's cursor starts at the first row. */
    public static Balancer of(BalancingStrategy strategy) {
        return switch (strategy) {
            case ROUND_ROBIN -> new RoundRobin();
            case LEAST_LOADED -> new LeastLoaded();
            case LEAST_AGENTS -> new LeastAgents();
            case RANDOM -> new Uniform();
            case WEIGHTED -> new Weighted();
        };
    }

    /** The strategy this balancer follows. */
    public abstract BalancingStrategy strategy();

    /**
     * The row for an agent needing the services in {@code serviceMask} ({@link LoadTable#serviceMask}),
     * or -1 when none is eligible.
     */
    public abstract int select(LoadTable table, long serviceMask, RandomGenerator random);

    static final class RoundRobin extends Balancer {
        private final AtomicLong next = new AtomicLong();

        @Override
        public BalancingStrategy strategy() {
            return BalancingStrategy.ROUND_ROBIN;
        }

        @Override
        public int select(LoadTable t, long mask, RandomGenerator random) {
            int n = t.size();
            if (n == 0) {
                return -1;
            }
            int start = (int) Math.floorMod(next.get(), n);
            for (int k = 0; k < n; k++) {
                int i = start + k < n ? start + k : start + k - n;
                if (t.eligible(i, mask)) {
                    next.set(i + 1L);
                    return i;
                }
            }
            return -1;
        }
    }

    static final class LeastLoaded extends Balancer {
        @Override
        public BalancingStrategy strategy() {
            return BalancingStrategy.LEAST_LOADED;
        }

        @Override
        public int select(LoadTable t, long mask, RandomGenerator random) {
            int best = -1;
            double bestScore = Double.MAX_VALUE;
            for (int i = 0; i < t.size(); i++) {
                if (t.eligible(i, mask)) {
                    double s = t.score(i);
                    if (s < bestScore) {
                        best = i;
                        bestScore = s;
                    }
                }
            }
            return best;
        }
    }

    static final class LeastAgents extends Balancer {
        @Override
        public BalancingStrategy strategy() {
            return BalancingStrategy.LEAST_AGENTS;
        }

        @Override
        public int select(LoadTable t, long mask, RandomGenerator random) {
            int best = -1;
            for (int i = 0; i < t.size(); i++) {
                if (t.eligible(i, mask) && (best < 0 || t.agents[i] < t.agents[best]
                        || t.agents[i] == t.agents[best] && t.maxAgents[i] - t.agents[i] > t.maxAgents[best] - t.agents[best])) {
                    best = i;
                }
            }
            return best;
        }
    }

    static final class Uniform extends Balancer {
        @Override
        public BalancingStrategy strategy() {
            return BalancingStrategy.RANDOM;
        }

        @Override
        public int select(LoadTable t, long mask, RandomGenerator random) {
            int count = 0;
            for (int i = 0; i < t.size(); i++) {
                if (t.eligible(i, mask)) {
                    count++;
                }
            }
            if (count == 0) {
                return -1;
            }
            int k = random.nextInt(count);
            for (int i = 0; i < t.size(); i++) {
                if (t.eligible(i, mask) && k-- == 0) {
                    return i;
                }
            }
            throw new AssertionError("the eligible rows changed during a selection");
        }
    }

    static final class Weighted extends Balancer {
        @Override
        public BalancingStrategy strategy() {
            return BalancingStrategy.WEIGHTED;
        }

        @Override
        public int select(LoadTable t, long mask, RandomGenerator random) {
            long total = 0;
            for (int i = 0; i < t.size(); i++) {
                if (t.eligible(i, mask)) {
                    total += t.maxAgents[i] - t.agents[i];
                }
            }
            if (total == 0) {
                return -1;
            }
            long r = random.nextLong(total);
            for (int i = 0; i < t.size(); i++) {
                if (t.eligible(i, mask)) {
                    r -= t.maxAgents[i] - t.agents[i];
                    if (r < 0) {
                        return i;
                    }
                }
            }
            throw new AssertionError("the eligible rows changed during a selection");
        }
    }
}
