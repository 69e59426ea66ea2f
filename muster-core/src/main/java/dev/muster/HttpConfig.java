package dev.muster;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP API's access and event settings of {@code muster serve} ({@code http.*} in a config
 * file). Immutable. The embedded library serves no HTTP; these matter only where a node server runs.
 *
 * @param token [{@code http.token}, env MUSTER_TOKEN] the bearer token that mutations
 *     (POST, PUT, DELETE on {@code /api/*}) must carry as {@code Authorization: Bearer TOKEN}.
 *     16 to 256 characters of A-Z, a-z, 0-9, '-', '_', '.', '~'. When neither it nor
 *     {@code token-file} is set, {@code muster serve} generates one into DATA_DIR/http-token
 *     and logs where it is. Default null.
 * @param tokenFile [{@code http.token-file}] a file whose first line is the token; read at start.
 *     Exclusive with {@code token}. {@code muster start} points its nodes at the cluster
 *     directory's {@code token}. Default null.
 * @param protectReads [{@code http.protect-reads}] reads ({@code GET /api/*}, {@code /metrics}) need
 *     the token too. The health checks, the dashboard page and the OpenAPI document stay open. Default false.
 * @param eventsBuffer [{@code http.events-buffer}] events kept for {@code Last-Event-ID} resume on
 *     {@code /api/cluster/events}; a client further behind is told to re-read. 16 to 65536. Default 1024:
 *     a 50-node cluster's rolling restart makes a few hundred.
 */
public record HttpConfig(String token, Path tokenFile, boolean protectReads, int eventsBuffer) {

    public static final HttpConfig DEFAULTS = new HttpConfig(null, null, false, 1024);

    /** Shortest token accepted: 16 characters of the token alphabet are about 95 bits at best. */
    public static final int MIN_TOKEN_LENGTH = 16;
    /** Longest token accepted: a header, not a document. */
    public static final int MAX_TOKEN_LENGTH = 256;

    /** Every broken rule, naming its key, value and rule; empty when valid. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (token != null) {
            tokenProblem("http.token", token).ifPresent(p::add);
            if (tokenFile != null) {
                p.add("http.token and http.token-file (" + tokenFile + ") are both set; set one");
            }
        }
        if (eventsBuffer < 16 || eventsBuffer > 65_536) {
            p.add("http.events-buffer: " + eventsBuffer + " must be between 16 and 65536");
        }
        return p;
    }

    /**
     * What is wrong with {@code token}, naming {@code setting} but not the token's value (a
     * secret), or empty when it is valid.
     */
    public static java.util.Optional<String> tokenProblem(String setting, String token) {
        if (token.length() < MIN_TOKEN_LENGTH || token.length() > MAX_TOKEN_LENGTH) {
            return java.util.Optional.of(setting + ": a token of " + token.length() + " characters; it must have "
                    + MIN_TOKEN_LENGTH + " to " + MAX_TOKEN_LENGTH);
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~';
            if (!ok) {
                return java.util.Optional.of(setting + ": the token has a character that is not allowed at position "
                        + (i + 1) + "; use A-Z, a-z, 0-9, '-', '_', '.', '~'");
            }
        }
        return java.util.Optional.empty();
    }

    public HttpConfig withToken(String v) {
        return new HttpConfig(v, tokenFile, protectReads, eventsBuffer);
    }

    public HttpConfig withTokenFile(Path v) {
        return new HttpConfig(token, v, protectReads, eventsBuffer);
    }

    public HttpConfig withProtectReads(boolean v) {
        return new HttpConfig(token, tokenFile, v, eventsBuffer);
    }

    public HttpConfig withEventsBuffer(int v) {
        return new HttpConfig(token, tokenFile, protectReads, v);
    }
}
