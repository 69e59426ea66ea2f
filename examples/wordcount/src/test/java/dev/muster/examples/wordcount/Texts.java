package dev.muster.examples.wordcount;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Generated text: words drawn from a skewed vocabulary of 3000, with punctuation and line breaks. */
final class Texts {

    private Texts() {}

    static byte[] generate(int bytes, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String[] vocabulary = new String[3000];
        for (int i = 0; i < vocabulary.length; i++) {
            StringBuilder w = new StringBuilder();
            int len = 2 + r.nextInt(8);
            for (int k = 0; k < len; k++) {
                w.append((char) ('a' + r.nextInt(26)));
            }
            vocabulary[i] = i % 7 == 0 ? capitalised(w) : w.toString();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes + 64);
        StringBuilder line = new StringBuilder();
        while (out.size() < bytes) {
            // a skewed draw: low indexes are frequent, as in real text
            int i = (int) (vocabulary.length * Math.pow(r.nextDouble(), 3));
            line.append(vocabulary[i]);
            int p = r.nextInt(20);
            line.append(p == 0 ? ". " : p == 1 ? ", " : p == 2 ? "\n" : " ");
            if (line.length() > 4096) {
                out.writeBytes(line.toString().getBytes(StandardCharsets.UTF_8));
                line.setLength(0);
            }
        }
        out.writeBytes(line.toString().getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static String capitalised(StringBuilder w) {
        return Character.toUpperCase(w.charAt(0)) + w.substring(1);
    }
}
