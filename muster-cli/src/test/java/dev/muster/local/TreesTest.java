package dev.muster.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreesTest {

    @TempDir
    Path dir;

    @Test
    void aFolderGoesWithEverythingUnderIt() throws Exception {
        Path root = dir.resolve("cluster");
        Files.createDirectories(root.resolve("node-1/data/agents"));
        Files.writeString(root.resolve("node-1/node.log"), "log");
        Files.writeString(root.resolve("node-1/data/agents/a"), "state");
        Files.writeString(root.resolve("cluster.json"), "{}");
        Files.writeString(dir.resolve("beside"), "kept");

        Trees.delete(root);

        assertThat(root).doesNotExist();
        assertThat(dir.resolve("beside")).hasContent("kept");
    }

    @Test
    void aFolderThatIsAlreadyGoneIsFine() {
        assertThatCode(() -> Trees.delete(dir.resolve("never-made"))).doesNotThrowAnyException();
        assertThatCode(() -> Trees.deleteQuietly(dir.resolve("never-made"))).doesNotThrowAnyException();
    }

    @Test
    void discardingATemporaryClusterRemovesItsDirectory() throws Exception {
        Path root = dir.resolve("bench");
        LocalCluster.create(root, "bench", 3, "process", "127.0.0.1", 29946, 30946, 10, java.util.List.of());
        assertThat(root.resolve("cluster.json")).exists();

        assertThat(LocalCluster.discard(root)).as("no process was running").isEmpty();

        assertThat(root).doesNotExist();
    }
}
