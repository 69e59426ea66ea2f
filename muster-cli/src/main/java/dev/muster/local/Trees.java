package dev.muster.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Removing a folder and everything under it: temporary cluster, scenario and agent directories. */
public final class Trees {

    private Trees() {
    }

    /** Deletes {@code root} and all it holds, deepest first; a root that is already gone is fine. */
    public static void delete(Path root) {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + root + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) { // a folder that cannot be read during the walk
            throw new UncheckedIOException("cannot remove " + root + ": " + e.getMessage(), e.getCause());
        }
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + p + " (under " + root + "): " + e.getMessage(), e);
            }
        }
    }

    /** As {@link #delete}, for a temporary folder: what cannot be removed stays for the OS to clean. */
    public static void deleteQuietly(Path root) {
        try {
            delete(root);
        } catch (UncheckedIOException e) {
            // a leftover temporary directory is harmless
        }
    }
}
