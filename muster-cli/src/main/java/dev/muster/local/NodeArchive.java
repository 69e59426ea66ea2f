package dev.muster.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The class archive node JVMs start from, kept in the cluster directory: what makes fifty JVMs on
 * a two-core machine affordable (docs/benchmarks.md, "Local cluster start").
 *
 * <p>On JDK 25 and newer it is an AOT cache (JEP 483, 514, 515: classes loaded, linked and
 * profiled ahead of time), made in two steps so that no node waits for it. When there is none,
 * node-1 runs as the training run: it records what it loaded and how it ran, and writes that
 * configuration when it exits ({@code -XX:AOTMode=record}, as fast as a normal exit). The next
 * start of the cluster first turns the configuration into the cache with a JVM that runs no node
 * ({@code -XX:AOTMode=create}, about 6 CPU-s, once), then every node starts from the cache: about
 * half the start CPU of a node without it. On JDK 19 to 24 it is a dynamic class-data sharing
 * archive that node-1 writes itself when it exits ({@code -XX:+AutoCreateSharedArchive}).
 *
 * <p>Only node-1 (or the embedded host, index 0) trains, so that fifty nodes do not all write one
 * file. An archive older than the jar is stale (the JVM would refuse it and start without): it is
 * removed, and made again the same way. Only a single-jar class path is archived; under a test
 * runner's directory class path nodes start without.
 *
 * <p>Not thread-safe: used by one {@link LocalCluster} command at a time.
 */
final class NodeArchive {

    /** The dynamic CDS archive of JDK 19-24. */
    static final String CDS_ARCHIVE = "muster-node.jsa";
    /** The AOT cache of JDK 25+. */
    static final String AOT_CACHE = "muster-node.aot";
    /** What node-1's training run recorded, until the next start makes the cache from it. */
    static final String AOT_CONFIG = "muster-node.aotconf";
    /** The create step's output, kept for when it fails. */
    static final String AOT_LOG = "muster-node-aot.log";
    /** The first JDK with the AOT cache's one-command workflow and method profiles (JEP 514, 515). */
    static final int AOT_MIN_FEATURE = 25;
    /** How long making the cache may take: about 9 s on a busy two-core machine; past this, nodes start without. */
    static final Duration CREATE_TIMEOUT = Duration.ofMinutes(3);

    private final Path dir;
    private final Path jar;
    private final int feature;

    /**
     * @param dir the cluster directory, where the archive lives
     * @param jar the nodes' single-jar class path, or null when there is none (nothing is archived)
     * @param feature the node JVM's feature version ({@code Runtime.version().feature()})
     */
    NodeArchive(Path dir, Path jar, int feature) {
        this.dir = dir;
        this.jar = jar;
        this.feature = feature;
    }

    private boolean aot() {
        return feature >= AOT_MIN_FEATURE;
    }

    /**
     * The archive options of node {@code index} (0 for the embedded host): start from the archive
     * when there is a fresh one; else, for index 0 or 1 only, train it. Removes a stale archive first.
     */
    List<String> options(int index) {
        if (jar == null) {
            return List.of();
        }
        if (aot()) {
            Path cache = dir.resolve(AOT_CACHE);
            Path config = dir.resolve(AOT_CONFIG);
            removeIfStale(cache);
            removeIfStale(config);
            if (Files.exists(cache)) {
                return List.of("-XX:AOTCache=" + cache, "-Xlog:aot*=off", "-Xlog:cds*=off");
            }
            if (index <= 1 && !Files.exists(config)) {
                // the JVM warns at exit about each class it cannot keep (picocli's, JFR's); that is expected
                return List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + config, "-Xlog:aot*=off", "-Xlog:cds*=off");
            }
            return List.of();
        }
        Path archive = dir.resolve(CDS_ARCHIVE);
        removeIfStale(archive);
        if (Files.exists(archive)) {
            return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
        }
        if (index <= 1) {
            return List.of("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + archive);
        }
        return List.of();
    }

    /** Whether {@link #prepare} has a cache to make: a training run's configuration is there, and no cache. */
    boolean pending() {
        if (jar == null || !aot()) {
            return false;
        }
        Path cache = dir.resolve(AOT_CACHE);
        Path config = dir.resolve(AOT_CONFIG);
        removeIfStale(cache);
        removeIfStale(config);
        return !Files.exists(cache) && Files.exists(config);
    }

    /**
     * Makes the AOT cache from a recorded configuration, when there is one and no cache yet; the
     * caller waits (once: about 9 s here). A failure leaves no cache and no configuration, so the
     * next node-1 trains again; the nodes start without meanwhile.
     *
     * @param jvm the node JVM's command up to its class path: {@code [setsid] java OPTIONS...}
     * @return true when it made the cache
     */
    boolean prepare(List<String> jvm) {
        if (!pending()) {
            return false;
        }
        Path cache = dir.resolve(AOT_CACHE);
        Path config = dir.resolve(AOT_CONFIG);
        List<String> cmd = new ArrayList<>(jvm);
        cmd.addAll(List.of("-XX:AOTMode=create", "-XX:AOTConfiguration=" + config, "-XX:AOTCache=" + cache,
                "-cp", jar.toString()));
        boolean made = false;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(Redirect.to(dir.resolve(AOT_LOG).toFile()))
                    .redirectInput(Redirect.from(Path.of("/dev/null").toFile())).start();
            if (!p.waitFor(CREATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
            }
            made = p.exitValue() == 0 && Files.exists(cache);
        } catch (IOException e) {
            made = false; // no JVM to run: the nodes start without, as on an older JDK
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            delete(config);
            if (!made) {
                delete(cache);
            }
        }
        return made;
    }

    /** Removes {@code file} when it is older than the jar: made from another build, which the JVM refuses. */
    private void removeIfStale(Path file) {
        try {
            if (Files.exists(file)) {
                FileTime made = Files.getLastModifiedTime(file);
                if (made.compareTo(Files.getLastModifiedTime(jar)) < 0) {
                    Files.delete(file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check the node archive " + file + " against " + jar, e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + file, e);
        }
    }
}
