package dev.muster.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bearer token the CLI sends to a node's REST API, and where it came from (so that a 401 can
 * say which token was refused). Looked up in order: the {@code --token} option, the
 * {@value #ENV} variable, the cluster directory's {@value #FILE} file (one line; {@code muster
 * start} writes it); none of them is no token.
 *
 * <p>Immutable.
 *
 * @param value the token, or null for none
 * @param source where it came from: {@code --token}, {@code MUSTER_TOKEN}, the file's path, or
 *     {@code none}
 */
public record ApiToken(String value, String source) {

    /** The environment variable holding a token. */
    public static final String ENV = "MUSTER_TOKEN";
    /** The file in a cluster directory that holds its token. */
    public static final String FILE = "token";
    /** No token: requests carry no Authorization header. */
    public static final ApiToken NONE = new ApiToken(null, "none");

    public ApiToken {
        if (value != null) {
            check(value, source);
        }
    }

    /**
     * The token to send: {@code option} when given, else {@code env} (the variable's value) when not
     * blank, else the first line of {@code clusterDir/token} when that file exists, else none.
     *
     * @throws IllegalArgumentException naming the source when the token found breaks the nodes'
     *     rule for tokens ({@link dev.muster.HttpConfig#tokenProblem}), so no node could accept it
     * @throws UncheckedIOException when the token file exists but cannot be read
     */
    public static ApiToken resolve(String option, String env, Path clusterDir) {
        if (option != null) {
            return new ApiToken(option, "--token");
        }
        if (env != null && !env.isBlank()) {
            return new ApiToken(env.strip(), ENV);
        }
        Path file = clusterDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return NONE;
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the token file " + file + ": " + e.getMessage(), e);
        }
        return new ApiToken(text.lines().findFirst().orElse("").strip(), file.toString());
    }

    /** The nodes' own rule (16 to 256 of A-Z, a-z, 0-9, '-', '_', '.', '~'), naming the source, never the value. */
    private static void check(String value, String source) {
        dev.muster.HttpConfig.tokenProblem("the token from " + source, value).ifPresent(p -> {
            throw new IllegalArgumentException(p);
        });
    }

    /** Where the token came from, for an error message: "the token sent came from --token", "no token was sent". */
    public String describe() {
        return value == null ? "no token was sent (none given with --token, in " + ENV + " or in the cluster"
                + " directory's token file)" : "the token sent came from " + source;
    }
}
