package dev.muster;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations written with units, as in configuration files and on the command line:
 * {@code 200ms}, {@code 1s}, {@code 1.5s}, {@code 2m}, {@code 24h}, {@code 1m30s}, {@code 500us}.
 */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h|d)");

    private Durations() {}

    /**
     * Parses a duration with units. The error names the setting, the text and the expected form.
     *
     * @param setting the name of the setting, used in the error message
     */
    public static Duration parse(String setting, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(setting + " is empty; write a duration with a unit, for example 200ms or 30s");
        }
        String s = text.strip();
        Matcher m = PART.matcher(s);
        int at = 0;
        double nanos = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException(setting + " '" + text
                        + "' is not a duration; write a number with a unit (ns, us, ms, s, m, h, d), for example 200ms or 1m30s");
            }
            double n = Double.parseDouble(m.group(1));
            nanos += n * switch (m.group(2)) {
                case "ns" -> 1d;
                case "us" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                default -> 86_400e9;
            };
            at = m.end();
        }
        if (nanos > Long.MAX_VALUE) {
            throw new IllegalArgumentException(setting + " '" + text + "' is too long");
        }
        return Duration.ofNanos(Math.round(nanos));
    }

    /** Formats compactly, with the largest units that fit exactly: {@code 200ms}, {@code 1m30s}. */
    public static String format(Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        if (nanos < 0) {
            sb.append('-');
            nanos = -nanos;
        }
        long[] unitNanos = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L, 1L};
        String[] unitNames = {"d", "h", "m", "s", "ms", "us", "ns"};
        for (int i = 0; i < unitNanos.length && nanos > 0; i++) {
            long q = nanos / unitNanos[i];
            if (q > 0) {
                sb.append(q).append(unitNames[i]);
                nanos -= q * unitNanos[i];
            }
        }
        return sb.toString();
    }
}
