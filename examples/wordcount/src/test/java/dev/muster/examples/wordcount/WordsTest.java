package dev.muster.examples.wordcount;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WordsTest {

    @Test
    void aSmallTextHasTheCountsAPersonWouldWriteDown() {
        byte[] text = "The cat sat.\nThe cat's hat, THE end! 42 times-42; café Café".getBytes(StandardCharsets.UTF_8);
        assertThat(Words.count(text)).isEqualTo(Map.of("the", 3L, "cat", 1L, "sat", 1L, "cat's", 1L, "hat", 1L,
                "end", 1L, "42", 2L, "times", 1L, "café", 2L));
    }

    @Test
    void splittingCutsOnlyAtWhitespaceSoTheChunksCountLikeTheWhole() {
        byte[] text = Texts.generate(300_000, 11);
        for (int chunks : new int[] {1, 2, 7, 64}) {
            List<byte[]> parts = Words.split(text, chunks, 20_000);
            assertThat(parts.size()).isGreaterThanOrEqualTo(Math.max(chunks, 300_000 / 20_000));
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            Map<String, Long> merged = new HashMap<>();
            for (byte[] p : parts) {
                assertThat(p.length).isLessThanOrEqualTo(20_000);
                joined.writeBytes(p);
                Words.mergeEncoded(Words.encode(Words.count(p)), merged);
            }
            assertThat(joined.toByteArray()).isEqualTo(text);
            assertThat(merged).isEqualTo(Words.count(text));
        }
    }

    @Test
    void aTokenLongerThanAChunkIsCutWhereItMust() {
        byte[] text = "x".repeat(50).getBytes(StandardCharsets.UTF_8);
        assertThat(Words.split(text, 1, 20)).extracting(b -> b.length).containsExactly(20, 20, 10);
        assertThat(Words.split(new byte[0], 4, 10)).isEmpty();
    }
}
