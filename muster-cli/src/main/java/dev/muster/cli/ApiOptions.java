package dev.muster.cli;

import dev.muster.local.ApiToken;
import dev.muster.local.ClusterApi;
import dev.muster.local.LocalCluster;
import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine.Option;

/**
 * Options of the commands that talk to a node's REST API: which node ({@code --url}, else the
 * first running node of the local cluster in {@code --dir}) and which token ({@code --token},
 * else {@code MUSTER_TOKEN}, else the cluster directory's {@code token} file). Confined to the
 * command's thread.
 */
final class ApiOptions {

    @Option(names = "--url", paramLabel = "URL", description = "A node's REST API, http://HOST:PORT (default: the"
            + " first running node of the local cluster in --dir).")
    String url;

    @Option(names = "--token", paramLabel = "TOKEN", description = "The cluster's API token (default: the "
            + ApiToken.ENV + " variable, else the token file in --dir, which 'muster start' writes).")
    String token;

    /** The API: the node at --url, or the local cluster's running nodes; with the token. */
    ClusterApi api(LocalOptions local) {
        ApiToken t = token(local);
        return url != null ? ClusterApi.at(url(), t) : ClusterApi.of(local.open(), t);
    }

    /**
     * The one node to ask: the node at --url, or node {@code index} (1 when null) of the local
     * cluster, which must be running.
     *
     * @param option the option that names the index, for the error messages (e.g. {@code --node})
     */
    Target node(LocalOptions local, Integer index, String option) {
        ApiToken t = token(local);
        if (url != null) {
            if (index != null) {
                throw new IllegalArgumentException(option + " " + index + " picks a node of the local cluster;"
                        + " with --url the node is the one at the URL: drop one of them");
            }
            ClusterApi api = ClusterApi.at(url(), t);
            return new Target(api, api.endpoints().get(0));
        }
        LocalCluster cluster = local.open();
        int i = index == null ? 1 : index;
        if (i < 1 || i > cluster.size()) {
            throw new IllegalArgumentException(option + ": " + i + " must be between 1 and " + cluster.size());
        }
        if (!cluster.isRunning(i)) {
            throw new IllegalStateException(cluster.name(i) + " is not running; start it ('muster node start " + i
                    + "') or pick another " + option);
        }
        ClusterApi api = ClusterApi.of(cluster, t);
        String name = cluster.name(i);
        return new Target(api, api.endpoints().stream().filter(e -> e.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException(name + " stopped just now")));
    }

    /** One node of an API. */
    record Target(ClusterApi api, ClusterApi.Endpoint node) {}

    /** The token (its errors name its source: "the token from --token is empty"). */
    private ApiToken token(LocalOptions local) {
        return ApiToken.resolve(token, System.getenv(ApiToken.ENV), local.dir);
    }

    private URI url() {
        try {
            return new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--url: '" + url + "' is not a URL (" + e.getReason()
                    + "); give http://HOST:PORT, for example http://127.0.0.1:8151");
        }
    }
}
