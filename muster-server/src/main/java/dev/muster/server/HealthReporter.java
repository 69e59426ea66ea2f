package dev.muster.server;

import dev.muster.Cluster;
import dev.muster.MemberState;
import dev.muster.Metadata;
import dev.muster.balance.NodeLoad;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;

/**
 * Samples this machine every {@code interval} and publishes each registered node's
 * {@link NodeLoad} (CPU, memory, disk, load per core, agents, max agents, services) in its
 * membership metadata, so every member sees every other's figures a gossip round later.
 *
 * <p>One sample per tick serves every node registered with the reporter: the host's figures are
 * the same for all of them, only the disk (the file system of each node's data directory) and the
 * agent counts differ. A node's figures are published only when one differs from what its
 * metadata holds now by more than {@link #FRACTION_THRESHOLD} (fractions and load per core) or at
 * all (counts, services), so a steady node adds no gossip. Figures that only drift wait
 * {@link #DRIFT_HOLD_TICKS} ticks after the node's last publication (a jump over
 * {@link #JUMP_THRESHOLD} does not); since the comparison is with the
 * metadata itself, an update that another writer's read-modify-write lost is published again on
 * the next tick.
 *
 * <p>Two scopes: {@link Scope#HOST} ({@code muster serve}, one node per process) reports the
 * host's CPU ({@code CentralProcessor.getSystemCpuLoadBetweenTicks}) and memory in use
 * (1 - available / total); {@link Scope#JVM} (embedded mode, many nodes in one JVM) reports this
 * process's share of the CPU ({@code OperatingSystemMXBean.getProcessCpuLoad}) and the heap in use
 * / max heap. Both report the host's one-minute load average divided by the logical cores (-1
 * where the platform has none, as on Windows), and disk in use as {@code df} counts it:
 * used / (used + available to this user).
 *
 * <p>Threading: thread-safe. Every reporter of the JVM runs on one shared daemon thread,
 * {@code muster-health} (ended after a minute without any reporter), with one shared OSHI
 * {@link SystemInfo}; a tick never throws (a failure is logged at DEBUG and the next tick tries
 * again). The tick calls each node's {@link Cluster#localMember()} and
 * {@link Cluster#compareAndSetMetadata}, which hop to the node's loop. A node that left (or that its
 * methods show closed by throwing {@link IllegalStateException}) is unregistered at its next tick;
 * a node closed without leaving keeps answering while other nodes share its event loop, so whoever
 * closes it closes its {@link Registration} too.
 */
public final class HealthReporter implements AutoCloseable {

    /** Whose CPU and memory the figures are. */
    public enum Scope {
        /** The machine's: one node per process. */
        HOST,
        /** This JVM's share: embedded mode, where many nodes share one process. */
        JVM
    }

    /** The default time between samples. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    /** Shortest interval allowed: each tick costs a metadata update per changed node, gossiped to all. */
    public static final Duration MIN_INTERVAL = Duration.ofMillis(50);
    /** Longest interval allowed: figures older than this say little. */
    public static final Duration MAX_INTERVAL = Duration.ofMinutes(10);
    /** Most agents a node may accept: a node configured for more is a typo, not a big machine. */
    public static final int MAX_AGENTS = 10_000;

    /**
     * The agents a node accepts at most unless configured: 16 per available processor. An agent
     * is a slot, not a measured cost; most agents wait on I/O, and a node that must take over a
     * dead neighbour's share needs room beyond its own.
     */
    public static int defaultMaxAgents() {
        return Math.min(MAX_AGENTS, 16 * Runtime.getRuntime().availableProcessors());
    }

    /** A fraction (or load per core) must move more than this before it is published again. */
    public static final double FRACTION_THRESHOLD = 0.02;
    /**
     * A move of a fraction this large is published at the next tick, held or not. Load per core,
     * which has no upper bound, moves relative to its published value once that is above 1: the
     * thresholds are multiplied by it.
     */
    public static final double JUMP_THRESHOLD = 0.25;
    /**
     * Ticks a node waits after a publication before figures that only drifted (moved by more than
     * {@link #FRACTION_THRESHOLD}, less than {@link #JUMP_THRESHOLD}) are published again. Every
     * publication is a metadata update that every member receives and re-gossips: with 50 nodes on
     * one host whose CPU figure never holds still within 2%, publishing at every 5 s tick meant ten
     * updates a second cluster-wide, most of an idle node's CPU.
     */
    public static final int DRIFT_HOLD_TICKS = 6;

    private static final Logger log = LoggerFactory.getLogger(HealthReporter.class);

    /** The one sampler thread of the JVM, shared by every reporter; it ends when idle. */
    private static final ScheduledThreadPoolExecutor SAMPLER = sampler();

    private static ScheduledThreadPoolExecutor sampler() {
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "muster-health");
            t.setDaemon(true);
            return t;
        });
        s.setKeepAliveTime(1, TimeUnit.MINUTES);
        s.allowCoreThreadTimeOut(true);
        s.setRemoveOnCancelPolicy(true);
        return s;
    }

    /**
     * Created on first use, on the sampler thread (or by a metrics scrape, {@link #hostMemory()}):
     * OSHI's start-up reads /proc and takes some milliseconds. One per JVM, shared.
     */
    private static final class Oshi {
        static final SystemInfo SYSTEM = new SystemInfo();
        static final CentralProcessor CPU = SYSTEM.getHardware().getProcessor();
        static final GlobalMemory MEMORY = SYSTEM.getHardware().getMemory();
    }

    /** The host's physical memory in bytes; -1 for a figure the platform does not give. */
    record HostMemory(long totalBytes, long availableBytes) {}

    /**
     * The host's physical memory now, from the one shared OSHI instance (which caches its reading
     * for a moment), so metrics need no sampler of their own. Thread-safe.
     */
    static HostMemory hostMemory() {
        try {
            GlobalMemory m = Oshi.MEMORY;
            return new HostMemory(m.getTotal() > 0 ? m.getTotal() : -1, m.getAvailable() >= 0 ? m.getAvailable() : -1);
        } catch (RuntimeException | LinkageError e) {
            log.debug("host memory unknown: {}", e.toString());
            return new HostMemory(-1, -1);
        }
    }

    private final Scope scope;
    private final Duration interval;
    private final List<Registration> nodes = new CopyOnWriteArrayList<>();
    private final ScheduledFuture<?> task;
    /** The CPU ticks of the previous sample (HOST scope); touched only on the sampler thread. */
    private long[] previousTicks;

    private HealthReporter(Scope scope, Duration interval) {
        this.scope = Objects.requireNonNull(scope, "scope");
        this.interval = Objects.requireNonNull(interval, "interval");
        if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException("health interval (" + dev.muster.Durations.format(interval)
                    + ") must be between " + dev.muster.Durations.format(MIN_INTERVAL) + " and "
                    + dev.muster.Durations.format(MAX_INTERVAL));
        }
        long ms = interval.toMillis();
        // The first tick comes at once: it reads the CPU ticks to compare the next sample with, and
        // publishes every figure but the CPU (unknown until two samples exist).
        this.task = SAMPLER.scheduleAtFixedRate(this::tick, 0, ms, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts sampling every {@code interval} (between {@link #MIN_INTERVAL} and
     * {@link #MAX_INTERVAL}) on the shared sampler thread.
     *
     * @throws IllegalArgumentException naming the interval and the bounds
     */
    public static HealthReporter start(Scope scope, Duration interval) {
        return new HealthReporter(scope, interval);
    }

    /** The scope this reporter samples. */
    public Scope scope() {
        return scope;
    }

    /** The time between samples. */
    public Duration interval() {
        return interval;
    }

    /**
     * Publishes {@code cluster}'s figures from the next tick on, until the registration is closed or
     * the node is.
     *
     * @param dataDir the node's data directory, whose file system's use is the disk figure; null for
     *     the working directory
     * @param maxAgents agents the node accepts at most, 0 or more
     * @param services services the node offers (NodeLoad's rule: at most 64 names of
     *     {@code [A-Za-z0-9._-]{1,64}})
     * @param activeAgents the agents running now, read on the sampler thread at every tick
     * @throws IllegalArgumentException for a negative {@code maxAgents} or a bad service name
     */
    public Registration register(Cluster cluster, Path dataDir, int maxAgents, Set<String> services,
                                 IntSupplier activeAgents) {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(activeAgents, "activeAgents");
        // Checks the rules now, on the caller's thread, instead of failing every tick.
        NodeLoad checked = new NodeLoad(-1, -1, -1, -1, 0, maxAgents, services);
        Registration r = new Registration(cluster, dataDir == null ? Path.of("") : dataDir, maxAgents,
                checked.services(), activeAgents);
        nodes.add(r);
        return r;
    }

    /** The nodes registered now. */
    public int registered() {
        return nodes.size();
    }

    /** Stops sampling; nothing more is published for any node (what was published stays). */
    @Override
    public void close() {
        task.cancel(false);
        nodes.clear();
    }

    /** One node's entry; closing it stops publishing for that node. */
    public final class Registration implements AutoCloseable {
        private final Cluster cluster;
        private final Path dataDir;
        private final int maxAgents;
        private final Set<String> services;
        private final IntSupplier activeAgents;
        private long publishedAtNanos = Long.MIN_VALUE; // the sampler thread's

        private Registration(Cluster cluster, Path dataDir, int maxAgents, Set<String> services,
                             IntSupplier activeAgents) {
            this.cluster = cluster;
            this.dataDir = dataDir;
            this.maxAgents = maxAgents;
            this.services = services;
            this.activeAgents = activeAgents;
        }

        @Override
        public void close() {
            nodes.remove(this);
        }
    }

    /** The host's or JVM's figures of one tick; -1 for what is unknown. */
    record Sample(double cpu, double memory, double load) {}

    private void tick() {
        try {
            if (nodes.isEmpty()) {
                return;
            }
            Sample sample = sample();
            Map<Path, Double> diskByDir = new HashMap<>();
            Map<FileStore, Double> diskByStore = new HashMap<>();
            for (Registration r : nodes) {
                publish(r, sample, diskByDir.computeIfAbsent(r.dataDir, d -> disk(d, diskByStore)));
            }
        } catch (RuntimeException | LinkageError e) {
            // A failed sample (an OSHI call the platform lacks, a native library that does not load)
            // must not end the periodic task: the next tick tries again.
            log.debug("health sample failed: {}", e.toString());
        }
    }

    private void publish(Registration r, Sample s, double disk) {
        try {
            NodeLoad now = new NodeLoad(s.cpu(), s.memory(), disk, s.load(), Math.max(0, r.activeAgents.getAsInt()),
                    r.maxAgents, r.services);
            dev.muster.Member self = r.cluster.localMember();
            if (self.state() == MemberState.LEFT || self.state() == MemberState.DEAD) {
                nodes.remove(r); // it left (and is closed) or was declared dead: its figures are over
                return;
            }
            Metadata current = self.metadata();
            // compare-and-set, so the control plane's keys, written from its own thread, survive;
            // a lost race is retried at the next sample
            long t = System.nanoTime();
            boolean held = r.publishedAtNanos != Long.MIN_VALUE
                    && t - r.publishedAtNanos < DRIFT_HOLD_TICKS * interval.toNanos();
            if (publishNow(NodeLoad.fromMetadata(current), now, held)) {
                r.cluster.compareAndSetMetadata(current, now.mergeInto(current));
                r.publishedAtNanos = t;
            }
        } catch (IllegalStateException closed) {
            // The node is closed (left or crashed): it has nothing more to publish.
            nodes.remove(r);
        } catch (RuntimeException e) {
            log.debug("health update of {} failed: {}", r.cluster.address(), e.toString());
        }
    }

    /**
     * Whether to publish {@code now} at this tick: a count, the services or a known/unknown figure
     * changed, or a fraction jumped by more than {@link #JUMP_THRESHOLD}; or one moved by more
     * than {@link #FRACTION_THRESHOLD} and the node is not {@code held} (its last publication is
     * {@link #DRIFT_HOLD_TICKS} ticks old or more).
     */
    static boolean publishNow(NodeLoad published, NodeLoad now, boolean held) {
        return counted(published, now) || moved(published, now, JUMP_THRESHOLD)
                || (!held && moved(published, now, FRACTION_THRESHOLD));
    }

    private static boolean counted(NodeLoad published, NodeLoad now) {
        return published.agents() != now.agents() || published.maxAgents() != now.maxAgents()
                || !published.services().equals(now.services());
    }

    private static boolean moved(NodeLoad published, NodeLoad now, double threshold) {
        return moved(published.cpu(), now.cpu(), threshold) || moved(published.memory(), now.memory(), threshold)
                || moved(published.disk(), now.disk(), threshold)
                || moved(published.load(), now.load(), threshold * Math.max(1, published.load()));
    }

    private static boolean moved(double was, double is, double threshold) {
        if (was < 0 || is < 0) {
            return (was < 0) != (is < 0);
        }
        return Math.abs(was - is) > threshold;
    }

    private Sample sample() {
        CentralProcessor cpu = Oshi.CPU;
        double[] averages = cpu.getSystemLoadAverage(1);
        int cores = Math.max(1, cpu.getLogicalProcessorCount());
        double load = averages.length == 0 || averages[0] < 0 ? -1 : averages[0] / cores;
        if (scope == Scope.JVM) {
            Runtime rt = Runtime.getRuntime();
            double heap = (double) (rt.totalMemory() - rt.freeMemory()) / rt.maxMemory();
            return new Sample(processCpu(), heap, load);
        }
        long[] ticks = cpu.getSystemCpuLoadTicks();
        double used = previousTicks == null ? -1 : cpu.getSystemCpuLoadBetweenTicks(previousTicks);
        previousTicks = ticks;
        GlobalMemory memory = Oshi.MEMORY;
        double mem = memory.getTotal() <= 0 ? -1 : 1 - (double) memory.getAvailable() / memory.getTotal();
        return new Sample(used, mem, load);
    }

    /** This process's recent CPU use over all cores, 0..1, or -1 where the JVM cannot tell. */
    private static double processCpu() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            double v = os.getProcessCpuLoad();
            return v < 0 || Double.isNaN(v) ? -1 : v;
        }
        return -1;
    }

    /** Disk in use on the file system holding {@code dir} (or its nearest existing parent), or -1. */
    private static double disk(Path dir, Map<FileStore, Double> byStore) {
        try {
            Path p = dir.toAbsolutePath();
            while (p != null && !Files.exists(p)) {
                p = p.getParent();
            }
            if (p == null) {
                return -1;
            }
            FileStore store = Files.getFileStore(p);
            Double known = byStore.get(store);
            if (known != null) {
                return known;
            }
            long total = store.getTotalSpace();
            long used = total - store.getUnallocatedSpace();
            long size = used + store.getUsableSpace();
            double v = total <= 0 || size <= 0 ? -1 : (double) used / size;
            byStore.put(store, v);
            return v;
        } catch (IOException | SecurityException e) {
            log.debug("disk use of {} unknown: {}", dir, e.toString());
            return -1;
        }
    }
}
