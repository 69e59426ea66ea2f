package dev.muster.local;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Checks before a local cluster starts, so a start either works or changes nothing: every port
 * free, the directory writable, no cluster already running there, and enough memory and file
 * descriptors for N nodes. Each failure is one line saying what is wrong and what to do.
 */
final class Preflight {

    /**
     * Resident memory a node process needs: measured 145 MB for a worker and 185 MB for a Raft
     * replica since the control plane (docs/benchmarks.md), so the larger figure, as most nodes of
     * a small cluster are replicas.
     */
    static final long BYTES_PER_PROCESS_NODE = 192L << 20;
    /** File descriptors per node (sockets, jars, logs) with room; embedded nodes share one process. */
    static final int FDS_PER_NODE = 64;

    private Preflight() {}

    /** The problems found; empty when the cluster may start. */
    static List<String> check(ClusterDir dir, ClusterDir.Layout layout, int fromIndex) {
        List<String> problems = new ArrayList<>();
        try {
            Files.createDirectories(dir.root());
            Path probe = Files.createTempFile(dir.root(), "write", ".probe");
            Files.delete(probe);
        } catch (IOException e) {
            problems.add("cluster directory " + dir.root() + " is not writable (" + e.getMessage() + "); choose another with --dir");
            return problems;
        }
        for (int i = fromIndex; i <= layout.size(); i++) {
            OptionalLong pid = dir.pid(i);
            if (pid.isPresent() && Processes.isNodeOf(pid.getAsLong(), dir, i)) {
                problems.add("a cluster is already running in " + dir.root() + " (node-" + i + " is pid " + pid.getAsLong()
                        + "); stop it with 'muster stop' or use another --dir");
                return problems;
            }
        }
        InetAddress host;
        try {
            host = InetAddress.getByName(layout.bindHost());
        } catch (IOException e) {
            problems.add("bind host '" + layout.bindHost() + "' does not resolve");
            return problems;
        }
        for (int i = fromIndex; i <= layout.size(); i++) {
            portFree(problems, host, layout.gossipPort(i), "node-" + i + " gossip", true);
            portFree(problems, host, layout.raftPort(i), "node-" + i + " Raft", false);
            portFree(problems, host, layout.httpPort(i), "node-" + i + " HTTP", false);
        }
        int nodes = layout.size() - fromIndex + 1;
        long available = Resources.memAvailableBytes();
        long needed = "process".equals(layout.mode()) ? nodes * BYTES_PER_PROCESS_NODE : (256L << 20) + nodes * (8L << 20);
        if (available > 0 && available < needed) {
            problems.add(nodes + " nodes need about " + (needed >> 20) + " MB of memory and " + (available >> 20)
                    + " MB are available; start fewer nodes (--size) or free memory");
        }
        long fds = Resources.maxOpenFiles();
        long fdsNeeded = "embedded".equals(layout.mode()) ? (long) nodes * FDS_PER_NODE : FDS_PER_NODE * 4L;
        if (fds > 0 && fds < fdsNeeded) {
            problems.add("the open-file limit (" + fds + ") is below the " + fdsNeeded + " " + nodes
                    + " nodes need; raise it with 'ulimit -n " + fdsNeeded + "'");
        }
        return problems;
    }

    private static void portFree(List<String> problems, InetAddress host, int port, String what, boolean udpToo) {
        if (port < 1 || port > 65_535) {
            problems.add(what + " port " + port + " is outside 1..65535; lower --base-port or --port-spacing");
            return;
        }
        try (ServerSocket tcp = new ServerSocket()) {
            tcp.setReuseAddress(true);
            tcp.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            problems.add(what + " port " + port + " is in use; is another cluster running? try 'muster clean' or --base-port");
            return;
        }
        if (udpToo) {
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(host, port))) {
                udp.getLocalPort();
            } catch (IOException e) {
                problems.add(what + " port " + port + " (UDP) is in use; is another cluster running? try 'muster clean' or --base-port");
            }
        }
    }
}
