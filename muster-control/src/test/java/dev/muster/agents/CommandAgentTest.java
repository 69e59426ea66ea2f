package dev.muster.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.control.AgentSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command agent with real OS processes: stop, exit reports, and leftovers of a killed node. */
class CommandAgentTest {

    @TempDir
    Path root;

    private AgentContext context(String id, AtomicReference<String> ended, String... args) throws Exception {
        Path dir = Files.createDirectories(root.resolve(id));
        return new AgentContext(id, AgentSpec.of(CommandAgent.TYPE, args), "node-1", new byte[0], dir, ended::set);
    }

    @Test
    void stopEndsTheProcessAndAnExitByItselfIsReported() throws Exception {
        AtomicReference<String> ended = new AtomicReference<>();
        CommandAgent sleeper = new CommandAgent();
        sleeper.start(context("sleeper", ended, "sleep", "60"));
        long pid = Long.parseLong(Files.readString(root.resolve("sleeper").resolve(CommandAgent.PID_FILE)).split(" ")[0]);
        assertThat(ProcessHandle.of(pid)).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        sleeper.stop();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(ended.get()).as("a stop is no failure").isNull();
        assertThat(root.resolve("sleeper").resolve(CommandAgent.PID_FILE)).doesNotExist();

        CommandAgent quitter = new CommandAgent();
        quitter.start(context("quitter", ended, "sh", "-c", "exit 3"));
        Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> ended.get() != null);
        assertThat(ended.get()).contains("exited with code 3");
        quitter.stop();
    }

    @Test
    void aCommandAgentNeedsACommandLine() {
        assertThatThrownBy(() -> new CommandAgent().start(context("empty", new AtomicReference<>())))
                .hasMessageContaining("needs its command line");
    }

    @Test
    void aRestartedRuntimeEndsWhatAKilledNodesAgentsLeftAndNothingElse() throws Exception {
        CommandAgent orphan = new CommandAgent();
        orphan.start(context("orphan", new AtomicReference<>(), "sleep", "60"));
        long pid = Long.parseLong(Files.readString(root.resolve("orphan").resolve(CommandAgent.PID_FILE)).split(" ")[0]);
        // the node dies here: nobody calls stop()

        Process stranger = new ProcessBuilder("sleep", "60").start();
        Path fake = Files.createDirectories(root.resolve("stranger"));
        Files.writeString(fake.resolve(CommandAgent.PID_FILE), stranger.pid() + " 1970-01-01T00:00:00Z");
        try {
            assertThat(CommandAgent.endLeftovers(root)).isEqualTo(1);
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("the orphan ended").isFalse();
            assertThat(stranger.isAlive()).as("a pid whose start instant differs is not ours").isTrue();
            assertThat(fake.resolve(CommandAgent.PID_FILE)).doesNotExist();
        } finally {
            stranger.destroyForcibly();
            stranger.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
