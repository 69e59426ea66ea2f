package dev.muster.examples.wordcount;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The word rule and the single-process count. A word is a maximal run of letters and digits
 * (Unicode {@code Character.isLetterOrDigit}, apostrophes inside a word included), lower-cased
 * with {@code Locale.ROOT}. Input is UTF-8; malformed bytes count as separators. Stateless.
 */
public final class Words {

    private Words() {}

    /** Counts the words of {@code utf8}: the baseline every distributed count must equal. */
    public static Map<String, Long> count(byte[] utf8) {
        Map<String, Long> counts = new HashMap<>();
        addTo(counts, utf8, 0, utf8.length);
        return counts;
    }

    /** Adds the words of {@code utf8[from, to)} to {@code counts}. */
    static void addTo(Map<String, Long> counts, byte[] utf8, int from, int to) {
        CharBuffer text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(utf8, from, to - from));
        } catch (CharacterCodingException e) {
            throw new IllegalStateException(e); // REPLACE never throws
        }
        StringBuilder word = new StringBuilder(32);
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.get(i);
            boolean inner = c == '\'' && word.length() > 0 && i + 1 < n && Character.isLetterOrDigit(text.get(i + 1));
            if (Character.isLetterOrDigit(c) || inner) {
                word.append(c);
            } else if (word.length() > 0) {
                counts.merge(word.toString().toLowerCase(Locale.ROOT), 1L, Long::sum);
                word.setLength(0);
            }
        }
        if (word.length() > 0) {
            counts.merge(word.toString().toLowerCase(Locale.ROOT), 1L, Long::sum);
        }
    }

    /**
     * Splits {@code data} into at least {@code minChunks} pieces of at most {@code maxChunkBytes}
     * each, cutting only at ASCII whitespace so no word (and no UTF-8 character) is cut. A run of
     * non-space longer than a chunk is cut where it must be.
     */
    public static List<byte[]> split(byte[] data, int minChunks, int maxChunkBytes) {
        if (minChunks < 1 || maxChunkBytes < 1) {
            throw new IllegalArgumentException("chunks " + minChunks + " and chunk size " + maxChunkBytes + " must be positive");
        }
        int target = Math.max(1, Math.min(maxChunkBytes, (int) Math.ceil(data.length / (double) minChunks)));
        List<byte[]> out = new ArrayList<>();
        int at = 0;
        while (at < data.length) {
            int end = Math.min(data.length, at + target);
            if (end < data.length) {
                int cut = end;
                while (cut > at && !space(data[cut])) {
                    cut--;
                }
                end = cut > at ? cut : end; // no space in the window: cut anyway (a giant token)
            }
            byte[] chunk = new byte[end - at];
            System.arraycopy(data, at, chunk, 0, chunk.length);
            out.add(chunk);
            at = end;
        }
        return out;
    }

    private static boolean space(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == '\f';
    }

    /** Counts as {@code word TAB count NEWLINE} lines, the map reply's payload. */
    static byte[] encode(Map<String, Long> counts) {
        StringBuilder b = new StringBuilder(counts.size() * 12);
        counts.forEach((w, n) -> b.append(w).append('\t').append(n).append('\n'));
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Adds the counts of an {@link #encode}d payload to {@code into}. */
    static void mergeEncoded(byte[] payload, Map<String, Long> into) {
        String s = new String(payload, StandardCharsets.UTF_8);
        int at = 0;
        while (at < s.length()) {
            int tab = s.indexOf('\t', at);
            int nl = s.indexOf('\n', tab);
            if (tab < 0 || nl < 0) {
                throw new IllegalArgumentException("a malformed partial count at offset " + at);
            }
            into.merge(s.substring(at, tab), Long.parseLong(s, tab + 1, nl, 10), Long::sum);
            at = nl + 1;
        }
    }
}
