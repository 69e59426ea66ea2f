package dev.muster.testkit;

import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.Member;
import dev.muster.MemberState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * {@link TestCluster} over a {@link ClusterDriver}: 1-based indexes, checked arguments, and the
 * fault schedule written down as it happens. Not thread-safe, as the driver.
 */
final class DriverCluster implements TestCluster, AutoCloseable {

    /** Formation may take this long per node, at least {@link #FORM_MIN}, times the driver's slack. */
    private static final Duration FORM_PER_NODE = Duration.ofMillis(400);
    private static final Duration FORM_MIN = Duration.ofSeconds(10);

    private final ClusterTest.Mode mode;
    private final long seed;
    private final ClusterDriver driver;
    private final long startNanos;
    private final List<String> faults = new ArrayList<>();

    DriverCluster(ClusterTest.Mode mode, long seed, ClusterDriver driver, int size) throws Exception {
        this.mode = mode;
        this.seed = seed;
        this.driver = driver;
        driver.start(size);
        this.startNanos = driver.nowNanos();
    }

    @Override public ClusterTest.Mode mode() { return mode; }
    @Override public long seed() { return seed; }
    @Override public int size() { return driver.size(); }

    @Override
    public TestNode node(int index) {
        return new Node(check(index));
    }

    @Override
    public List<TestNode> nodes() {
        List<TestNode> out = new ArrayList<>();
        for (int i = 1; i <= size(); i++) {
            out.add(new Node(i - 1));
        }
        return out;
    }

    @Override
    public List<Member> members() {
        for (int i = 0; i < size(); i++) {
            if (driver.isUp(i)) {
                return driver.membersSeenBy(i);
            }
        }
        return List.of();
    }

    @Override
    public void awaitFormed() {
        // After a heal, a member the other side declared suspect or dead comes back through a
        // refutation that may only arrive by push-pull: allow two push-pull periods on top.
        Duration within = scaled((FORM_PER_NODE.multipliedBy(size()).compareTo(FORM_MIN) < 0 ? FORM_MIN
                : FORM_PER_NODE.multipliedBy(size())).plus(driver.pushPullInterval().multipliedBy(2)));
        if (!driver.await(within, this::formed)) {
            throw new AssertionError("the cluster did not form within " + dev.muster.Durations.format(within) + ": "
                    + notSeen() + " (" + describe() + ")");
        }
    }

    /** True when every node that is up sees every node that is up as alive. */
    private boolean formed() {
        for (int o = 0; o < size(); o++) {
            if (!driver.isUp(o)) {
                continue;
            }
            for (int m = 0; m < size(); m++) {
                if (driver.isUp(m) && driver.stateSeenBy(o, driver.name(m)) != MemberState.ALIVE) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Who does not see whom alive, at most a few pairs. */
    private String notSeen() {
        List<String> out = new ArrayList<>();
        for (int o = 0; o < size() && out.size() < 5; o++) {
            for (int m = 0; m < size() && driver.isUp(o) && out.size() < 5; m++) {
                MemberState s = driver.isUp(m) ? driver.stateSeenBy(o, driver.name(m)) : MemberState.ALIVE;
                if (s != MemberState.ALIVE) {
                    out.add(driver.name(o) + " sees " + driver.name(m) + " as " + (s == null ? "unknown" : s.jsonName()));
                }
            }
        }
        return String.join(", ", out);
    }

    private Duration scaled(Duration d) {
        return Duration.ofNanos((long) (d.toNanos() * driver.slack()));
    }

    @Override
    public boolean await(Duration within, BooleanSupplier condition) {
        return driver.await(within, condition);
    }

    @Override
    public void pass(Duration duration) {
        driver.pass(duration);
    }

    @Override
    public void kill(int index) {
        int i = check(index);
        requireUp(i, "kill");
        record("kill " + index);
        driver.crash(i);
    }

    @Override
    public void leave(int index) {
        int i = check(index);
        requireUp(i, "leave");
        record("leave " + index);
        driver.leave(i);
    }

    @Override
    public void restart(int index) {
        int i = check(index);
        if (driver.isUp(i)) {
            throw new IllegalStateException("node-" + index + " is up; kill or leave it before restarting it");
        }
        record("restart " + index);
        try {
            driver.restart(i, false);
        } catch (Exception e) {
            throw new IllegalStateException("node-" + index + " did not restart: " + e.getMessage(), e);
        }
    }

    @Override
    public void partition(int[]... sides) {
        if (sides.length == 0) {
            throw new IllegalArgumentException("partition needs at least one side, e.g. partition(new int[] {1, 2})");
        }
        Set<Integer> named = new HashSet<>();
        List<String> shown = new ArrayList<>();
        for (int[] side : sides) {
            for (int index : side) {
                if (!named.add(check(index))) {
                    throw new IllegalArgumentException("node-" + index + " is on two sides of the partition");
                }
            }
            shown.add(java.util.Arrays.toString(side));
        }
        record("partition " + String.join(" | ", shown));
        int[] sideOf = new int[size()]; // 0: named on no side, which makes one more side
        for (int k = 0; k < sides.length; k++) {
            for (int index : sides[k]) {
                sideOf[index - 1] = k + 1;
            }
        }
        for (int a = 0; a < size(); a++) {
            for (int b = 0; b < size(); b++) {
                if (sideOf[a] != sideOf[b]) {
                    driver.block(a, b); // and (b, a) in its turn: both ways
                }
            }
        }
    }

    @Override
    public void heal() {
        record("heal");
        driver.heal();
    }

    @Override
    public List<String> faults() {
        return List.copyOf(faults);
    }

    /** Mode, size, seed and the fault schedule: what a failure report needs to replay the run. */
    String describe() {
        return "mode " + mode + ", size " + size() + ", seed " + seed
                + (faults.isEmpty() ? ", no faults" : ", faults: " + String.join("; ", faults))
                + (driver.details().isEmpty() ? "" : "; " + driver.details());
    }

    private void record(String fault) {
        double at = (driver.nowNanos() - startNanos) / 1e9;
        faults.add(String.format(Locale.ROOT, "t+%.1fs %s", at, fault));
    }

    private int check(int index) {
        if (index < 1 || index > size()) {
            throw new IllegalArgumentException("node index " + index + " is not in 1.." + size());
        }
        return index - 1;
    }

    private void requireUp(int i, String what) {
        if (!driver.isUp(i)) {
            throw new IllegalStateException("cannot " + what + " " + driver.name(i) + ": it is not up");
        }
    }

    @Override
    public void close() {
        driver.close();
    }

    private final class Node implements TestNode {
        private final int i;

        Node(int i) {
            this.i = i;
        }

        @Override public int index() { return i + 1; }
        @Override public String name() { return driver.name(i); }
        @Override public Address address() { return driver.address(i); }
        @Override public boolean isUp() { return driver.isUp(i); }
        @Override public Optional<MemberState> stateOf(String member) {
            return Optional.ofNullable(driver.stateSeenBy(i, member));
        }
        @Override public int alive() { return driver.aliveSeenBy(i); }
        @Override public Optional<Cluster> cluster() { return driver.cluster(i); }

        @Override
        public String toString() {
            return name();
        }
    }
}
