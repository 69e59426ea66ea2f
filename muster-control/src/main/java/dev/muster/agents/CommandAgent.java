package dev.muster.agents;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.util.concurrent.TimeUnit;

/**
 * The built-in {@code command} type: runs its arguments as an OS process in its work directory,
 * output appended to {@code agent.log} there. Stopping sends SIGTERM, then SIGKILL after
 * {@link #STOP_GRACE_MILLIS}. A process that exits by itself makes the agent failed, with its
 * exit code. A node that is SIGKILLed cannot stop its processes; they keep running until the
 * node's runtime starts again, which ends every process a {@value #PID_FILE} file in its work
 * root still names ({@link #endLeftovers}).
 */
public final class CommandAgent implements Agent {

    /** Its type name. */
    public static final String TYPE = "command";

    /** The file in the agent's work directory naming its running process: pid and start instant. */
    static final String PID_FILE = "agent.pid";

    /** How long a process may take to end after SIGTERM. */
    static final long STOP_GRACE_MILLIS = 3000;

    private Process process;
    private java.nio.file.Path pidFile;
    private volatile boolean stopping;

    @Override
    public void start(AgentContext context) throws IOException {
        if (context.spec().args().isEmpty()) {
            throw new IllegalArgumentException("a command agent needs its command line as arguments");
        }
        process = new ProcessBuilder(context.spec().args()).directory(context.workDir().toFile())
                .redirectErrorStream(true).redirectOutput(Redirect.appendTo(context.workDir().resolve("agent.log").toFile()))
                .redirectInput(Redirect.from(new java.io.File("/dev/null"))).start();
        pidFile = context.workDir().resolve(PID_FILE);
        java.nio.file.Files.writeString(pidFile, process.pid() + " "
                + process.toHandle().info().startInstant().map(Object::toString).orElse("-"));
        process.onExit().thenAccept(p -> {
            if (!stopping) {
                context.ended().accept("process " + p.pid() + " exited with code " + p.exitValue());
            }
        });
    }

    @Override
    public void stop() throws InterruptedException, IOException {
        stopping = true;
        if (process == null) {
            return;
        }
        end(process.toHandle());
        java.nio.file.Files.deleteIfExists(pidFile);
    }

    private static void end(ProcessHandle p) throws InterruptedException {
        p.destroy();
        try {
            p.onExit().get(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            p.destroyForcibly();
        }
    }

    /**
     * Ends the processes that command agents of an earlier run of this node left behind (the
     * node was killed): each {@value #PID_FILE} under {@code workRoot} names a pid and its start
     * instant, and only a live process with both is ended, so a reused pid is never signalled.
     *
     * @return how many were ended
     */
    static int endLeftovers(java.nio.file.Path workRoot) {
        int ended = 0;
        if (!java.nio.file.Files.isDirectory(workRoot)) {
            return 0;
        }
        try (java.util.stream.Stream<java.nio.file.Path> dirs = java.nio.file.Files.list(workRoot)) {
            for (java.nio.file.Path dir : dirs.toList()) {
                java.nio.file.Path f = dir.resolve(PID_FILE);
                if (!java.nio.file.Files.isRegularFile(f)) {
                    continue;
                }
                String[] parts = java.nio.file.Files.readString(f).strip().split(" ");
                java.util.Optional<ProcessHandle> p = parts.length == 2 && parts[0].chars().allMatch(Character::isDigit)
                        ? ProcessHandle.of(Long.parseLong(parts[0])) : java.util.Optional.empty();
                if (p.isPresent() && p.get().isAlive()
                        && p.get().info().startInstant().map(Object::toString).orElse("-").equals(parts[1])) {
                    end(p.get());
                    ended++;
                }
                java.nio.file.Files.deleteIfExists(f);
            }
        } catch (IOException | NumberFormatException e) {
            return ended; // a damaged work root: what could be read was handled
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ended;
    }
}
