package dev.muster.local;

import dev.muster.ConfigException;
import dev.muster.HttpConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * A file holding an HTTP API token on its first line: the local cluster's {@code token} in its
 * directory, and the one {@code muster serve} makes in its data directory. Written atomically,
 * readable by its owner only.
 *
 * <p>Thread-safe: no state.
 */
public final class TokenFile {

    private static final SecureRandom RANDOM = new SecureRandom();

    private TokenFile() {}

    /** A new random token: 32 bytes, URL-safe base64 (43 characters). */
    public static String make() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The token in the first line of {@code file}; the error names {@code setting} and the file. */
    public static String read(Path file, String setting) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new ConfigException(List.of(setting + ": " + file + " cannot be read: " + e.getMessage()));
        }
        String token = lines.isEmpty() ? "" : lines.get(0).strip();
        HttpConfig.tokenProblem(setting + " (" + file + ")", token).ifPresent(p -> {
            throw new ConfigException(List.of(p));
        });
        return token;
    }

    /** Writes {@code token} to {@code file}, readable by its owner only where the file system allows. */
    public static void write(Path file, String token) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp);
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // a file system without POSIX modes keeps its default
            }
            Files.writeString(tmp, token + "\n");
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the token to " + file + ": " + e.getMessage(), e);
        }
    }
}
