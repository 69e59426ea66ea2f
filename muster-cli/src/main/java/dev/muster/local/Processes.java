package dev.muster.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Signals for node processes, always by pid and only after checking that the pid still is a
 * Muster node of this cluster (its command line holds this node's lease file), so a reused
 * pid is never signalled. Never {@code pkill}.
 */
final class Processes {

    private Processes() {}

    /** True when {@code pid} runs node {@code index} of this directory's cluster: its own process, or the embedded host. */
    static boolean isNodeOf(long pid, ClusterDir dir, int index) {
        return isHostOf(pid, dir) || isProcessNodeOf(pid, dir, index);
    }

    /** True when {@code pid} is this directory's embedded host. */
    static boolean isHostOf(long pid, ClusterDir dir) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return false;
        }
        Optional<String> cmd = commandLine(pid);
        return cmd.isPresent() && cmd.get().contains(" host --dir " + dir.root() + " ");
    }

    /** Node processes of this directory's nodes 1..{@code maxIndex} that are alive; their pid files are not consulted. */
    static java.util.List<Long> unrecordedNodesOf(ClusterDir dir, int maxIndex) {
        long self = ProcessHandle.current().pid();
        String root = dir.root().toString();
        return ProcessHandle.allProcesses().filter(p -> p.pid() != self && p.isAlive()).filter(p -> {
            Optional<String> cmd = commandLine(p.pid()); // read once: it names at most one node's lease
            return cmd.isPresent() && cmd.get().contains(" serve ") && cmd.get().contains(root)
                    && java.util.stream.IntStream.rangeClosed(1, maxIndex)
                            .anyMatch(i -> cmd.get().contains(dir.pidFile(i).toString()));
        }).map(ProcessHandle::pid).toList();
    }

    private static boolean isProcessNodeOf(long pid, ClusterDir dir, int index) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return false;
        }
        Optional<String> cmd = commandLine(pid);
        // Without a readable command line (another user's process), it is not ours to signal.
        return cmd.isPresent() && cmd.get().contains(dir.pidFile(index).toString()) && cmd.get().contains(" serve ");
    }

    /**
     * The whole command line of a process: from /proc on Linux (ProcessHandle's may be cut short
     * for long class paths), else from ProcessHandle.
     */
    static Optional<String> commandLine(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid), "cmdline");
        if (Files.isReadable(proc)) {
            try {
                return Optional.of(new String(Files.readAllBytes(proc), StandardCharsets.UTF_8).replace('\0', ' '));
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return ProcessHandle.of(pid).flatMap(h -> h.info().commandLine());
    }

    /** SIGTERM, then SIGKILL after {@code grace}; true when the process is gone. */
    static boolean stop(long pid, Duration grace) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty()) {
            return true;
        }
        h.get().destroy();
        try {
            h.get().onExit().get(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return kill(pid);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !h.get().isAlive();
        }
    }

    /** SIGKILL; true when the process is gone within 5 s. */
    static boolean kill(long pid) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty()) {
            return true;
        }
        h.get().destroyForcibly();
        try {
            h.get().onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return !h.get().isAlive();
        }
    }

    /**
     * Sends {@code SIGSTOP} ({@code stop} true: the process freezes, as a long GC pause or a
     * suspended VM would) or {@code SIGCONT} (it goes on), through {@code kill -STOP|-CONT pid}:
     * the JDK signals only TERM and KILL. The caller has checked the pid is a node of its cluster.
     */
    static void signal(long pid, boolean stop) {
        String sig = stop ? "-STOP" : "-CONT";
        try {
            Process p = new ProcessBuilder("kill", sig, Long.toString(pid)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("kill " + sig + " " + pid + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run kill " + sig + " " + pid + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending " + sig + " to " + pid, e);
        }
    }

    /** True when the process is stopped by a signal (state T in /proc/PID/stat); false when unknown. */
    static boolean isPaused(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')'); // the command name may hold spaces and parentheses
            return close > 0 && stat.length() > close + 2 && stat.charAt(close + 2) == 'T';
        } catch (IOException e) {
            return false;
        }
    }
}
