package dev.muster.cli;

import dev.muster.HttpConfig;
import dev.muster.local.TokenFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where {@code muster serve} gets the token its HTTP mutations need: {@code http.token} (or
 * MUSTER_TOKEN), else the first line of {@code http.token-file} (or {@code --token-file}), else a
 * token it makes. A made token is kept in {@code <data-dir>/http-token}, so a restarted node keeps
 * it, or printed once on stderr when the node has no data directory.
 *
 * <p>Thread-safe: no state.
 */
final class TokenSource {

    /** The file in a node's data directory that holds the token it made. */
    static final String FILE = "http-token";

    private TokenSource() {}

    /**
     * The token for a node with these settings.
     *
     * @throws dev.muster.ConfigException when the token file cannot be read or holds no valid token
     */
    static String resolve(HttpConfig http, Path dataDir, String nodeName) {
        if (http.token() != null) {
            return http.token();
        }
        if (http.tokenFile() != null) {
            return TokenFile.read(http.tokenFile(), "http.token-file");
        }
        if (dataDir != null) {
            Path file = dataDir.resolve(FILE);
            if (Files.exists(file)) {
                return TokenFile.read(file, "the token file " + FILE + " in --data-dir");
            }
            String token = TokenFile.make();
            TokenFile.write(file, token);
            System.err.println(nodeName + ": no http.token set; made one for HTTP mutations in " + file);
            return token;
        }
        String token = TokenFile.make();
        System.err.println(nodeName + ": no http.token set; HTTP mutations need this token: " + token);
        return token;
    }
}
