package dev.muster.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeArchiveTest {

    @TempDir
    Path dir;

    private Path jar() throws Exception {
        Path jar = dir.resolve("muster.jar");
        Files.writeString(jar, "jar");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.parse("2026-12-01T10:00:00Z")));
        return jar;
    }

    private Path file(String name, String at) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, "archive");
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse(at)));
        return f;
    }

    @Test
    void onJdk25OnlyNodeOneTrainsWhenThereIsNoCache() throws Exception {
        NodeArchive a = new NodeArchive(dir, jar(), 25);
        assertThat(a.options(1)).as("node-1 records the training configuration")
                .contains("-XX:AOTMode=record", "-XX:AOTConfiguration=" + dir.resolve(NodeArchive.AOT_CONFIG));
        assertThat(a.options(0)).as("the embedded host may train too").contains("-XX:AOTMode=record");
        assertThat(a.options(2)).as("the others start without, so fifty nodes do not write one file").isEmpty();
        assertThat(a.pending()).isFalse();
    }

    @Test
    void onJdk25AFreshCacheIsUsedByEveryNode() throws Exception {
        NodeArchive a = new NodeArchive(dir, jar(), 25);
        Path cache = file(NodeArchive.AOT_CACHE, "2026-12-01T11:00:00Z");
        for (int index : new int[] {0, 1, 7}) {
            assertThat(a.options(index)).contains("-XX:AOTCache=" + cache).doesNotContain("-XX:AOTMode=record");
        }
    }

    @Test
    void aCacheOrConfigurationOlderThanTheJarIsRemovedAndNodeOneTrainsAgain() throws Exception {
        NodeArchive a = new NodeArchive(dir, jar(), 25);
        Path cache = file(NodeArchive.AOT_CACHE, "2026-12-01T09:00:00Z");
        Path config = file(NodeArchive.AOT_CONFIG, "2026-12-01T09:00:00Z");
        assertThat(a.options(1)).contains("-XX:AOTMode=record");
        assertThat(cache).doesNotExist();
        assertThat(config).doesNotExist();
    }

    @Test
    void aRecordedConfigurationIsPendingAndNodeOneDoesNotRecordOverIt() throws Exception {
        NodeArchive a = new NodeArchive(dir, jar(), 25);
        file(NodeArchive.AOT_CONFIG, "2026-12-01T11:00:00Z");
        assertThat(a.pending()).isTrue();
        assertThat(a.options(1)).isEmpty();
    }

    @Test
    void prepareMakesTheCacheFromTheConfigurationAndRemovesIt() throws Exception {
        NodeArchive a = new NodeArchive(dir, jar(), 25);
        Path config = file(NodeArchive.AOT_CONFIG, "2099-01-01T00:00:00Z");
        // a stand-in JVM that writes the file named by -XX:AOTCache=, as the create step does
        List<String> jvm = List.of("/bin/sh", "-c",
                "for a; do case $a in -XX:AOTCache=*) echo cache > \"${a#-XX:AOTCache=}\";; esac; done", "sh");
        assertThat(a.prepare(jvm)).isTrue();
        assertThat(dir.resolve(NodeArchive.AOT_CACHE)).exists();
        assertThat(config).doesNotExist();
        assertThat(a.pending()).isFalse();
        assertThat(a.prepare(jvm)).as("nothing left to make").isFalse();
    }

    @Test
    void aFailedCreateLeavesNeitherFileSoNodeOneTrainsAgain() throws Exception {
        NodeArchive a = new NodeArchive(dir, jar(), 25);
        Path config = file(NodeArchive.AOT_CONFIG, "2099-01-01T00:00:00Z");
        assertThat(a.prepare(List.of("/bin/sh", "-c", "exit 1", "sh"))).isFalse();
        assertThat(config).doesNotExist();
        assertThat(dir.resolve(NodeArchive.AOT_CACHE)).doesNotExist();
        assertThat(a.options(1)).contains("-XX:AOTMode=record");
    }

    @Test
    void beforeJdk25NodeOneWritesADynamicArchiveAtExit() throws Exception {
        NodeArchive a = new NodeArchive(dir, jar(), 21);
        Path archive = dir.resolve(NodeArchive.CDS_ARCHIVE);
        assertThat(a.options(1)).containsExactly("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + archive);
        assertThat(a.options(3)).isEmpty();
        file(NodeArchive.CDS_ARCHIVE, "2026-12-01T11:00:00Z");
        assertThat(a.options(3)).contains("-XX:SharedArchiveFile=" + archive);
        assertThat(a.pending()).as("no create step before JDK 25").isFalse();
    }

    @Test
    void withoutASingleJarNothingIsArchived() {
        NodeArchive a = new NodeArchive(dir, null, 25);
        assertThat(a.options(1)).isEmpty();
        assertThat(a.pending()).isFalse();
        assertThat(a.prepare(List.of("/bin/false"))).isFalse();
    }
}
