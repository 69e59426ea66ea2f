package dev.muster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Durations;
import dev.muster.RpcConfig;
import dev.muster.local.ClusterApi;
import dev.muster.server.NodeServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code muster call SERVICE [DATA]}: one call through the node at --url, or the first running node of the local
 * cluster ({@code POST /api/cluster/services/SERVICE/call}), printing the reply payload. A bad
 * argument, a payload the handler refused as malformed (400) or one too large (413) exits 2;
 * any other failure (no instance, timeout, the handler threw, overloaded) prints the node's
 * reason and exits 1.
 */
@Command(name = "call", mixinStandardHelpOptions = true,
        description = "Call a service through a node of the local cluster and print its reply.")
final class CallCommand implements Callable<Integer> {

    /** Largest payload: what a node takes over HTTP, the default rpc.max-message-bytes. */
    static final int MAX_PAYLOAD_BYTES = RpcConfig.DEFAULTS.maxMessageBytes();
    /** How much longer than the call's deadline the CLI waits for the node's answer, which comes first. */
    static final Duration ANSWER_MARGIN = Duration.ofSeconds(10);

    @Mixin
    LocalOptions local;


    @Mixin

    ApiOptions remote;

    @Parameters(index = "0", paramLabel = "SERVICE", description = "The service's name.")
    String service;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DATA",
            description = "The request payload; '-' reads it from stdin; without DATA the payload is empty.")
    String data;

    @Option(names = "--timeout", defaultValue = "5s", paramLabel = "DURATION",
            description = "The call's deadline, 1ms..5m (default ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--node", paramLabel = "NAME", description = "Call this node's instance (default: the"
            + " node's rpc.strategy picks one, round-robin).")
    String node;

    @Option(names = "--content-type", paramLabel = "TYPE", description = "Sent as the request's content-type header.")
    String contentType;

    @Option(names = "--headers", description = "Print the reply's headers first, one 'name: value' a line, then"
            + " an empty line.")
    boolean headers;

    @Option(names = "--raw", description = "Print the payload exactly as it came, without adding a final newline.")
    boolean raw;

    @Override
    public Integer call() throws IOException {
        ServiceOption.checkName("SERVICE", service);
        Duration deadline = Durations.parse("--timeout", timeout);
        byte[] payload = payload();
        String path = "/api/cluster/services/" + service + "/call?timeout=" + encode(timeout.strip())
                + (node == null ? "" : "&node=" + encode(node));
        ClusterApi.Raw answer = remote.api(local).exchange("POST", path, payload, contentType,
                deadline.plus(ANSWER_MARGIN));
        byte[] reply = answer.orThrow();
        Map<String, String> replyHeaders = replyHeaders(answer.headers());
        if (local.json) {
            ObjectNode out = new ObjectMapper().createObjectNode();
            out.put("service", service);
            out.put("via", answer.node());
            replyHeaders.forEach(out.putObject("headers")::put);
            out.put("bytes", reply.length);
            out.put("payload", new String(reply, StandardCharsets.UTF_8));
            System.out.println(out.toPrettyString());
            return 0;
        }
        if (headers) {
            replyHeaders.forEach((k, v) -> System.out.println(k + ": " + v));
            System.out.println();
        }
        System.out.write(reply);
        if (!raw && reply.length > 0 && reply[reply.length - 1] != '\n') {
            System.out.println();
        }
        System.out.flush();
        return 0;
    }

    /** DATA, stdin for '-', or nothing; over {@link #MAX_PAYLOAD_BYTES} is refused before any node is asked. */
    private byte[] payload() {
        byte[] bytes;
        if ("-".equals(data)) {
            try {
                bytes = System.in.readNBytes(MAX_PAYLOAD_BYTES + 1);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read DATA from stdin: " + e.getMessage(), e);
            }
        } else {
            bytes = data == null ? new byte[0] : data.getBytes(StandardCharsets.UTF_8);
        }
        if (bytes.length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("DATA" + ("-".equals(data) ? " from stdin" : "") + " is over "
                    + MAX_PAYLOAD_BYTES + " bytes, the most a call over HTTP takes");
        }
        return bytes;
    }

    /** The reply's headers: its content type and the {@code muster-reply-*} headers, by name. */
    static Map<String, String> replyHeaders(Map<String, List<String>> http) {
        Map<String, String> out = new TreeMap<>();
        http.forEach((name, values) -> {
            String n = name.toLowerCase(Locale.ROOT);
            if (values.isEmpty()) {
                return;
            }
            if (n.equals("content-type")) {
                out.put(n, values.get(0));
            } else if (n.startsWith(NodeServer.REPLY_HEADER_PREFIX)) {
                out.put(n.substring(NodeServer.REPLY_HEADER_PREFIX.length()), values.get(0));
            }
        });
        return out;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
