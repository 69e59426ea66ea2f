package dev.muster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code muster serve} JVM started by a test, on the test's class path (which holds the
 * example services), bound to 127.0.0.1 on any free ports; started once it printed its serving
 * line. {@link #close} ends it by its pid (SIGKILL) and waits for it.
 */
final class ServeProcess implements AutoCloseable {

    private static final Pattern SERVING = Pattern.compile(
            "(\\S+) serving cluster '.*' at (\\S+):(\\d+), http \\S+:(\\d+);");
    /** A JVM, its node, control plane and HTTP server start in seconds; a loaded 2-core machine takes longer. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** The token every node a test starts takes (MUSTER_TOKEN), for the requests that need one. */
    static final String TOKEN = "test-token-0123456789abcdef";
    /** The Authorization header's value with {@link #TOKEN}. */
    static final String BEARER = "Bearer " + TOKEN;

    private final Process process;
    private final String name;
    private final String gossip;
    private final int httpPort;
    private final Path stderr;
    private final String servingLine;

    private ServeProcess(Process process, String name, String gossip, int httpPort, Path stderr, String servingLine) {
        this.process = process;
        this.name = name;
        this.gossip = gossip;
        this.httpPort = httpPort;
        this.stderr = stderr;
        this.servingLine = servingLine;
    }

    /**
     * Starts node {@code name} of {@code cluster} with {@code more} flags, its stderr in
     * {@code logs/NAME.err}, and waits for its serving line.
     */
    static ServeProcess start(Path logs, String cluster, String name, List<String> more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx256m",
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                "dev.muster.cli.Main", "serve", "--name", name, "--cluster", cluster, "--bind", "127.0.0.1",
                "--port", "0", "--http-port", "0"));
        cmd.addAll(more);
        Path err = logs.resolve(name + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("CLUSTER_") || k.equals("NODE_INDEX") || k.equals("NODE_NAME")
                || k.endsWith("BASE_PORT") || k.equals("PORT_SPACING") || k.startsWith("HTTP_"));
        pb.environment().put("MUSTER_TOKEN", TOKEN);
        Process p = pb.start();
        String line;
        try {
            line = ProcessLines.first(p, START_TIMEOUT);
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
        Matcher m = line == null ? null : SERVING.matcher(line);
        if (m == null || !m.find()) {
            p.destroyForcibly();
            throw new AssertionError(name + " printed no serving line (" + line + "); stderr: " + read(err));
        }
        return new ServeProcess(p, name, m.group(2) + ":" + m.group(3), Integer.parseInt(m.group(4)), err, line);
    }

    String name() {
        return name;
    }

    /** Its gossip address, host:port, to join through. */
    String gossip() {
        return gossip;
    }

    int httpPort() {
        return httpPort;
    }

    String servingLine() {
        return servingLine;
    }

    String stderr() {
        return read(stderr);
    }

    /** SIGKILL: a crash; its sockets close, nothing leaves. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("%s ends after SIGKILL", name).isTrue();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no stderr: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
