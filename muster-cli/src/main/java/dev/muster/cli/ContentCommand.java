package dev.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muster.content.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code muster content ls|get}: one node's content store, through its REST API (a local node, or --url). */
@Command(name = "content", mixinStandardHelpOptions = true,
        description = "List a node's content store, or print one entry.",
        subcommands = {ContentCommand.Ls.class, ContentCommand.Get.class})
final class ContentCommand {

    /** The body of a 2xx answer to GET {@code path} on the target node. */
    private static byte[] get(ApiOptions.Target t, String path) {
        return t.api().exchangeAt(t.node(), "GET", path, null, null, Duration.ofSeconds(15)).orThrow();
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "The entries a node holds.")
    static final class Ls implements Callable<Integer> {
        @Mixin
        LocalOptions local;

        @Mixin
        ApiOptions remote;

        @Option(names = "--node", paramLabel = "INDEX", description = "The node index (default 1; not with --url).")
        Integer node;

        @Override
        public Integer call() throws IOException {
            ApiOptions.Target t = remote.node(local, node, "--node");
            JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(get(t, "/api/cluster/content"));
            if (local.json) {
                System.out.println(n.toPrettyString());
                return 0;
            }
            JsonNode s = n.path("stats");
            System.out.printf("%s holds %d entries, %d of %d bytes; %d duplicates absorbed, %d evicted%n",
                    t.node().name(), s.path("entries").asLong(), s.path("bytes").asLong(), s.path("budget_bytes").asLong(),
                    s.path("duplicates").asLong(), s.path("evictions").asLong());
            java.util.List<String[]> rows = new java.util.ArrayList<>();
            rows.add(new String[] {"DIGEST", "SIZE", "ORIGIN", "HOPS", "PINNED", "DUPLICATES"});
            for (JsonNode e : n.path("entries")) {
                rows.add(new String[] {e.path("digest").asText(), e.path("size").asText(), e.path("origin").asText(),
                        e.path("hops").asText(), e.path("pinned").asText(), e.path("duplicates").asText()});
            }
            System.out.print(Table.format(rows));
            return 0;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "Print an entry's content (or write it to --out); fetched from the cluster when the node lacks it.")
    static final class Get implements Callable<Integer> {
        @Mixin
        LocalOptions local;

        @Mixin
        ApiOptions remote;

        @Parameters(index = "0", paramLabel = "DIGEST", description = "The content's SHA-256, 64 hex digits.")
        String digest;

        @Option(names = "--node", paramLabel = "INDEX", description = "The node index to ask (default 1; not with --url).")
        Integer node;

        @Option(names = "--out", paramLabel = "FILE", description = "Write the content to FILE instead of printing it.")
        Path out;

        @Override
        public Integer call() throws IOException {
            Digest.parse(digest); // a malformed digest is the caller's mistake: exit 2 before asking
            byte[] b = get(remote.node(local, node, "--node"), "/api/cluster/content/" + digest + "?fetch=true");
            if (out != null) {
                Files.write(out, b);
                System.out.println("wrote " + b.length + " bytes to " + out);
            } else {
                System.out.write(b);
                System.out.flush();
            }
            return 0;
        }
    }
}
