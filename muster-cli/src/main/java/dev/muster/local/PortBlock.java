package dev.muster.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A run of free ports a test cluster holds while it runs: node {@code i} (1-based) has its gossip
 * port (UDP and TCP) at {@code base + 3(i-1)}, HTTP at + 1 and Raft at + 2, the layout
 * {@link LocalCluster} makes of base port {@code base}, HTTP base {@code base + 1} and spacing 3.
 *
 * <p>Why not port 0: a restarted node keeps its ports, so they are fixed before the first start.
 * Why a lock: two tests (in this JVM or another) that probe the same free ports at the same time
 * would both take them. The range is cut into slots of {@link #SLOT_PORTS}; a block takes whole
 * slots and holds an exclusive {@link FileLock} on one file per slot in
 * {@code java.io.tmpdir/muster-test-ports-USER/} until {@link #close}, which the OS releases when
 * the JVM dies, so a crashed run leaves no stale reservation. A locked slot's ports are then
 * probed (TCP, and UDP for gossip), against programs that do not take part in the locking.
 *
 * <p>The range is below Linux's ephemeral ports (32768 and up), where outgoing connections would
 * take ports at random: system property {@value #RANGE_PROPERTY}, default {@value #DEFAULT_RANGE}.
 *
 * <p>Thread-safe: reservation is a file-lock race the OS decides; an instance is used by one cluster.
 */
public final class PortBlock implements AutoCloseable {

    /** System property narrowing the range test clusters take ports from: {@code FROM-TO}. */
    static final String RANGE_PROPERTY = "muster.test.ports";
    static final String DEFAULT_RANGE = "20000-32767";
    /** Ports one node takes: gossip, HTTP, Raft. */
    static final int PORTS_PER_NODE = 3;
    /** Ports per lock file: 10 nodes, so a 3-node cluster takes one slot and a range of 1000 holds 33. */
    static final int SLOT_PORTS = 30;

    private final int base;
    private final int size;
    private final List<FileChannel> locks;

    private PortBlock(int base, int size, List<FileChannel> locks) {
        this.base = base;
        this.size = size;
        this.locks = locks;
    }

    public int base() {
        return base;
    }

    public int httpBase() {
        return base + 1;
    }

    public int spacing() {
        return PORTS_PER_NODE;
    }

    /** "23000..23008": the ports this block gives out. */
    @Override
    public String toString() {
        return base + ".." + (base + size * PORTS_PER_NODE - 1);
    }

    /**
     * Reserves ports for {@code size} nodes on {@code host}: random free slots of the range, each
     * tried once.
     *
     * @throws IllegalArgumentException when the range property is malformed or too small
     * @throws IllegalStateException when every slot is taken or in use
     */
    public static PortBlock reserve(int size, String host) {
        int[] range = range(System.getProperty(RANGE_PROPERTY, DEFAULT_RANGE));
        int slotsNeeded = (size * PORTS_PER_NODE + SLOT_PORTS - 1) / SLOT_PORTS;
        int slots = (range[1] - range[0] + 1) / SLOT_PORTS;
        if (slots < slotsNeeded) {
            throw new IllegalArgumentException(RANGE_PROPERTY + ": " + range[0] + "-" + range[1] + " holds " + slots
                    + " slots of " + SLOT_PORTS + " ports and " + size + " nodes need " + slotsNeeded + "; widen the range");
        }
        Path lockDir = Path.of(System.getProperty("java.io.tmpdir"), "muster-test-ports-" + System.getProperty("user.name"));
        try {
            Files.createDirectories(lockDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the port lock directory " + lockDir, e);
        }
        int starts = slots - slotsNeeded + 1;
        int first = ThreadLocalRandom.current().nextInt(starts);
        for (int k = 0; k < starts; k++) {
            int start = range[0] + ((first + k) % starts) * SLOT_PORTS;
            List<FileChannel> held = lock(lockDir, start, slotsNeeded);
            if (held == null) {
                continue;
            }
            if (free(host, start, size)) {
                return new PortBlock(start, size, held);
            }
            release(held);
        }
        throw new IllegalStateException("no " + size + "-node block of free ports in " + RANGE_PROPERTY + " "
                + range[0] + "-" + range[1] + ": every slot is held by another test cluster or in use; widen the range"
                + " or run fewer clusters at once");
    }

    /** FROM-TO, checked. */
    static int[] range(String text) {
        String rule = " must be FROM-TO, two ports with 1024 <= FROM < TO <= 65535, e.g. " + DEFAULT_RANGE;
        String[] parts = text.strip().split("-", -1);
        try {
            if (parts.length == 2) {
                int from = Integer.parseInt(parts[0].strip());
                int to = Integer.parseInt(parts[1].strip());
                if (from >= 1024 && from < to && to <= 65_535) {
                    return new int[] {from, to};
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(RANGE_PROPERTY + ": '" + text + "'" + rule);
    }

    /** Exclusive locks on the files of {@code count} slots from {@code start}; null when one is held elsewhere. */
    private static List<FileChannel> lock(Path dir, int start, int count) {
        List<FileChannel> held = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            Path file = dir.resolve((start + s * SLOT_PORTS) + ".lock");
            FileChannel ch = null;
            try {
                ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = ch.tryLock();
                if (lock == null) {
                    ch.close();
                    release(held);
                    return null;
                }
                held.add(ch);
            } catch (OverlappingFileLockException e) {
                closeQuietly(ch); // this JVM holds it for another cluster
                release(held);
                return null;
            } catch (IOException e) {
                closeQuietly(ch);
                release(held);
                throw new UncheckedIOException("cannot lock " + file, e);
            }
        }
        return held;
    }

    /** True when every port of {@code size} nodes from {@code start} binds now. */
    private static boolean free(String host, int start, int size) {
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (IOException e) {
            throw new IllegalArgumentException("bind host '" + host + "' does not resolve", e);
        }
        for (int port = start; port < start + size * PORTS_PER_NODE; port++) {
            try (ServerSocket tcp = new ServerSocket()) {
                tcp.setReuseAddress(true);
                tcp.bind(new InetSocketAddress(address, port));
                if ((port - start) % PORTS_PER_NODE == 0) {
                    try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(address, port))) {
                        udp.getLocalPort();
                    }
                }
            } catch (IOException inUse) {
                return false;
            }
        }
        return true;
    }

    private static void release(List<FileChannel> held) {
        held.forEach(PortBlock::closeQuietly);
        held.clear();
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) {
            return;
        }
        try {
            ch.close(); // releases its lock
        } catch (IOException e) {
            // the lock goes with the channel or with the JVM; nothing else to undo
        }
    }

    @Override
    public void close() {
        release(locks);
    }
}
