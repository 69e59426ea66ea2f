package dev.muster.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A local cluster's directory ({@code .muster/} by default): what the CLI needs to find its
 * nodes again from another invocation.
 *
 * <pre>
 * .muster/cluster.json      the layout: name, size, mode, bind host, base ports, spacing
 * .muster/node-3/pid        the node's process id while it runs (its lease: a node whose pid
 *                           file is gone or names another process stops by itself)
 * .muster/node-3/node.log   the node's stdout and stderr, appended across restarts
 * .muster/node-3/data/      the node's Raft log and snapshots (--data-dir), kept across restarts
 * </pre>
 *
 * <p>Not thread-safe; one CLI command uses it at a time.
 */
final class ClusterDir {

    static final String STATE_FILE = "cluster.json";
    /** A node's Raft port is its gossip port + 2 (the control plane's default), so spacing must be at least 3. */
    static final int RAFT_PORT_OFFSET = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The cluster's layout.
     *
     * @param mode {@code process} (one JVM per node) or {@code embedded} (all in one JVM)
     */
    record Layout(String name, int size, String mode, String bindHost, int basePort, int httpBasePort, int portSpacing) {
        int gossipPort(int index) {
            return basePort + (index - 1) * portSpacing;
        }

        int httpPort(int index) {
            return httpBasePort + (index - 1) * portSpacing;
        }

        /** The Raft port: the control plane's default, the gossip port + {@link #RAFT_PORT_OFFSET}. */
        int raftPort(int index) {
            return gossipPort(index) + RAFT_PORT_OFFSET;
        }

        /** Where node {@code index} joins: nodes 1-3 but itself; node-1 forms the cluster, so none. */
        java.util.List<dev.muster.Address> seeds(int index) {
            java.util.List<dev.muster.Address> seeds = new java.util.ArrayList<>();
            for (int s = 1; index != 1 && s <= Math.min(3, size); s++) {
                if (s != index) {
                    seeds.add(new dev.muster.Address(bindHost, gossipPort(s)));
                }
            }
            return seeds;
        }

        Layout withSize(int newSize) {
            return new Layout(name, newSize, mode, bindHost, basePort, httpBasePort, portSpacing);
        }
    }

    private final Path root;

    ClusterDir(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    Path nodeDir(int index) {
        return root.resolve("node-" + index);
    }

    Path pidFile(int index) {
        return nodeDir(index).resolve("pid");
    }

    Path logFile(int index) {
        return nodeDir(index).resolve("node.log");
    }

    /** The token the cluster's HTTP mutations need (first line; mode 0600), made by {@link #ensureToken()}. */
    Path tokenFile() {
        return root.resolve("token");
    }

    /**
     * The cluster's token: the one in {@link #tokenFile()} when it holds a valid one, so a restart
     * keeps what scripts and open dashboards use, else a new one written there.
     */
    String ensureToken() {
        Path f = tokenFile();
        if (java.nio.file.Files.exists(f)) {
            try {
                return TokenFile.read(f, "the cluster token file");
            } catch (dev.muster.ConfigException broken) {
                // not a token of ours (edited, truncated): make a new one below
            }
        }
        String token = TokenFile.make();
        TokenFile.write(f, token);
        return token;
    }

    /** The node's control-plane data (Raft log, snapshots): kept across restarts of the node. */
    Path dataDir(int index) {
        return nodeDir(index).resolve("data");
    }

    /**
     * Removes the control-plane data of nodes 1..{@code upTo}: a new cluster in this directory
     * must not recover the Raft group of an earlier one (other voters, another size).
     */
    void removeData(int upTo) {
        for (int i = 1; i <= upTo; i++) {
            Path data = dataDir(i);
            if (!Files.exists(data)) {
                continue;
            }
            try (java.util.stream.Stream<Path> files = Files.walk(data)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove the old control-plane data " + data + ": " + e.getMessage(), e);
            }
        }
    }

    Optional<Layout> read() {
        Path f = root.resolve(STATE_FILE);
        try {
            JsonNode n = JSON.readTree(Files.readString(f));
            return Optional.of(new Layout(n.path("name").asText("local"), n.path("size").asInt(),
                    n.path("mode").asText("process"), n.path("bind").asText("127.0.0.1"), n.path("base_port").asInt(),
                    n.path("http_base_port").asInt(), n.path("port_spacing").asInt()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new IllegalStateException(f + " is unreadable (" + e.getMessage() + "); remove it with 'muster clean'", e);
        }
    }

    void write(Layout layout) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", layout.name());
        n.put("size", layout.size());
        n.put("mode", layout.mode());
        n.put("bind", layout.bindHost());
        n.put("base_port", layout.basePort());
        n.put("http_base_port", layout.httpBasePort());
        n.put("port_spacing", layout.portSpacing());
        writeAtomically(root.resolve(STATE_FILE), n.toPrettyString());
    }

    OptionalLong pid(int index) {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(pidFile(index)).strip()));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Writes the embedded host's pid, atomically (the host reads it as its lease). */
    void writeHostPid(long pid) {
        writeAtomically(root.resolve(EmbeddedHost.HOST_PID_FILE), Long.toString(pid));
    }

    void writePid(int index, long pid) {
        writeAtomically(pidFile(index), Long.toString(pid));
    }

    void clearPid(int index) {
        try {
            Files.deleteIfExists(pidFile(index));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + pidFile(index), e);
        }
    }

    void removeLayout() {
        try {
            Files.deleteIfExists(root.resolve(STATE_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + root.resolve(STATE_FILE), e);
        }
    }

    private static void writeAtomically(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
