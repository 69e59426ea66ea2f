package dev.muster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CompletionCommandTest {

    @Test
    void theScriptCompletesEveryCommandAndItsOptions() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.commandLine().execute("completion")).isZero();
        } finally {
            System.setOut(old);
        }
        String script = buf.toString(StandardCharsets.UTF_8);
        assertThat(script).startsWith("#!/usr/bin/env bash");
        for (String command : new String[] {"start", "status", "stop", "node", "restart", "logs", "clean", "serve", "sim",
                "agents", "agents_run", "agents_ls", "agents_stop", "agents_migrate", "balance", "stats"}) {
            assertThat(script).as("completes '%s'", command).contains("_muster_" + command);
        }
        assertThat(script).contains("--batch-size").contains("--profile").contains("--agent-type");
    }
}
