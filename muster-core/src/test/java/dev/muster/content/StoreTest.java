package dev.muster.content;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {

    @TempDir
    Path dir;

    private static Store.Entry entry(String text, int size) {
        byte[] b = new byte[size];
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(t, 0, b, 0, Math.min(t.length, size));
        return new Store.Entry(Digest.of(b), b, "node-1", Instant.EPOCH, Instant.EPOCH, 0);
    }

    @Test
    void theLeastRecentlyUsedUnpinnedEntriesGoFirstAndPinnedOnesStay() {
        Store s = new Store(1000, null);
        Store.Entry a = entry("a", 400);
        Store.Entry b = entry("b", 400);
        assertThat(s.add(a)).isEqualTo(Store.Added.NEW);
        assertThat(s.add(b)).isEqualTo(Store.Added.NEW);
        s.get(a.digest); // a is now more recent than b
        assertThat(s.add(entry("c", 400))).isEqualTo(Store.Added.NEW);
        assertThat(s.get(b.digest)).as("b was the least recent").isNull();
        assertThat(s.get(a.digest)).isNotNull();
        assertThat(s.figures()).containsExactly(2, 800, 0, 1);

        assertThat(s.pin(a.digest, true)).isTrue();
        s.add(entry("d", 400)); // evicts c, not the pinned a
        assertThat(s.get(a.digest)).isNotNull();
        assertThat(s.add(entry("e", 700))).as("only a pinned 400 and d's 400 could go; d goes, a stays")
                .isEqualTo(Store.Added.NO_ROOM);
        assertThat(s.add(entry("f", 600))).isEqualTo(Store.Added.NEW);
        assertThat(s.get(a.digest)).isNotNull();
        assertThat(s.figures()[1]).isEqualTo(1000);
    }

    @Test
    void aDuplicateIsCountedNotStoredTwice() {
        Store s = new Store(1000, null);
        Store.Entry a = entry("a", 10);
        s.add(a);
        assertThat(s.add(entry("a", 10))).isEqualTo(Store.Added.DUPLICATE);
        assertThat(s.figures()).containsExactly(1, 10, 1, 0);
        assertThat(s.info(s.get(a.digest)).duplicates()).isEqualTo(1);
    }

    @Test
    void entriesOnDiskComeBackAndCorruptOrHalfWrittenFilesAreDropped() throws Exception {
        Store s = new Store(10_000, dir);
        Store.Entry a = entry("a", 100);
        Store.Entry b = entry("b", 100);
        s.add(a);
        s.add(b);
        s.pin(b.digest, true);
        Files.writeString(dir.resolve("0".repeat(64)), "not what the name says");
        Files.writeString(dir.resolve(a.digest + ".tmp"), "half");
        Store again = new Store(10_000, dir);
        assertThat(again.get(a.digest).content).isEqualTo(a.content);
        assertThat(again.get(b.digest).pinned).isTrue();
        assertThat(again.figures()[0]).isEqualTo(2);
        assertThat(Files.exists(dir.resolve("0".repeat(64)))).isFalse();
        assertThat(Files.exists(dir.resolve(a.digest + ".tmp"))).isFalse();
        again.remove(a.digest);
        assertThat(Files.exists(dir.resolve(a.digest.toString()))).isFalse();
    }
}
