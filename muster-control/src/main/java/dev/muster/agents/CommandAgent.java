package dev.muster.agents;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.util.concurrent.TimeUnit;

/**
 * The built-in {@code command} type: runs its arguments as an OS process in its work directory,
 * output appended to {@code agent.log} there. Stopping sends SIGTERM, then SIGKILL after
 * {@link #STOP_GRACE_MILLIS}. A process that exits by itself makes the agent failed, with its
 * exit code. A node that is SIGKILLed cannot stop its processes; they keep running (see
 * docs/agents.md).
 */
public final class CommandAgent implements Agent {

    /** Its type name. */
    public static final String TYPE = "command";

    /** How long a process may take to end after SIGTERM. */
    static final long STOP_GRACE_MILLIS = 3000;

    private Process process;
    private volatile boolean stopping;

    @Override
    public void start(AgentContext context) throws IOException {
        if (context.spec().args().isEmpty()) {
            throw new IllegalArgumentException("a command agent needs its command line as arguments");
        }
        process = new ProcessBuilder(context.spec().args()).directory(context.workDir().toFile())
                .redirectErrorStream(true).redirectOutput(Redirect.appendTo(context.workDir().resolve("agent.log").toFile()))
                .redirectInput(Redirect.from(new java.io.File("/dev/null"))).start();
        process.onExit().thenAccept(p -> {
            if (!stopping) {
                context.ended().accept("process " + p.pid() + " exited with code " + p.exitValue());
            }
        });
    }

    @Override
    public void stop() throws InterruptedException {
        stopping = true;
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }
}
